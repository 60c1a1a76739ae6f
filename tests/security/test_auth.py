"""Signing in, sessions, tokens and the audit: each bad input refused clearly, nothing changed, audited."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gawah.ledger.journal import verify_journal
from gawah.ledger.keys import load_private_key
from gawah.security import totp
from gawah.security.accounts import enable_totp, find_user
from gawah.security.passwords import hash_password, verify_password
from gawah.security.policy import Action
from gawah.security.ratelimit import ACCOUNT_FAILURES, assess
from gawah.security.tokens import issue_token
from gawah.store.engine import transaction
from gawah.store.models import AuditEvent, LedgerEntry, LoginAttempt, User
from gawah.store.vocab import Role
from gawah.web.app import create_app
from gawah.workspace import Workspace
from tests.web.conftest import PASSWORD, WebWorkspace, add_account, sign_in


def events(ws: Workspace, kind: str) -> list[AuditEvent]:
    with ws.sessions() as session:
        return list(
            session.scalars(select(AuditEvent).where(AuditEvent.event == kind).order_by(AuditEvent.id))
        )


def https(ws: Workspace) -> TestClient:
    return TestClient(create_app(ws), base_url="https://testserver")


def test_passwords_are_argon2id_hashes() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "x")
    assert not verify_password(None, PASSWORD)
    assert not verify_password("not a hash", PASSWORD)


def test_session_cookie_is_httponly_strict_and_secure_off_loopback(web_workspace: WebWorkspace) -> None:
    ws = web_workspace.workspace
    add_account(ws, Role.ANALYST, "nadia")
    response = sign_in(https(ws), "nadia")
    cookie = response.headers["set-cookie"]
    assert "gawah_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" in cookie
    assert PASSWORD not in response.headers.get("location", "")
    local = TestClient(create_app(ws), base_url="http://127.0.0.1:8000")
    assert "Secure" not in sign_in(local, "nadia").headers["set-cookie"]
    succeeded = events(ws, "login.succeeded")
    assert [e.actor for e in succeeded] == ["nadia", "nadia"]


def test_wrong_password_is_refused_and_audited_without_the_password(web_workspace: WebWorkspace) -> None:
    ws = web_workspace.workspace
    add_account(ws, Role.ANALYST, "nadia")
    client = https(ws)
    response = sign_in(client, "nadia", "wrong password typed")
    assert response.status_code == 401
    assert "The user name, password or code is wrong." in response.text
    assert "gawah_session" not in client.cookies
    # A name that is no account gets the same answer, and is not kept (it may be a password).
    other = sign_in(client, "my secret passphrase")
    assert other.status_code == 401 and "The user name, password or code is wrong." in other.text
    failed = events(ws, "login.failed")
    assert [e.actor for e in failed] == ["nadia", "(unknown account)"]
    with ws.sessions() as session:
        kept = " ".join(
            str(v) for row in session.execute(select(AuditEvent.__table__)).all() for v in row
        ) + " ".join(session.scalars(select(LoginAttempt.username)))
    assert "wrong password typed" not in kept and "secret passphrase" not in kept


def test_too_many_failures_block_the_account_even_after_a_restart(web_workspace: WebWorkspace) -> None:
    ws = web_workspace.workspace
    add_account(ws, Role.ANALYST, "nadia")
    client = https(ws)
    for _ in range(ACCOUNT_FAILURES):
        assert sign_in(client, "nadia", "not the password").status_code == 401
    restarted = https(ws)  # a new app over the same database
    blocked = sign_in(restarted, "nadia")  # the right password, too late
    assert blocked.status_code == 429 and "Too many failed attempts" in blocked.text
    assert int(blocked.headers["Retry-After"]) > 0
    assert "gawah_session" not in restarted.cookies
    assert len(events(ws, "login.blocked")) == 1


def test_rate_limit_frees_the_account_when_the_window_passes() -> None:
    now = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    failures = [now - dt.timedelta(minutes=m) for m in (1, 2, 3, 4, 14)]
    limit = assess(failures, [], now)
    assert limit.blocked and 0 < limit.retry_after_s <= 60
    assert not assess(failures[:-1], [], now).blocked
    assert not assess(failures, [], now + dt.timedelta(minutes=2)).blocked
    assert assess([], [now] * 20, now).why == "too many failed sign-ins for this address"


def test_totp_second_factor(web_workspace: WebWorkspace) -> None:
    ws = web_workspace.workspace
    add_account(ws, Role.LEGAL, "farid")
    with transaction(ws.sessions) as session:
        user = find_user(session, "farid")
        assert user is not None
        secret = enable_totp(user)
    client = https(ws)
    asked = sign_in(client, "farid")
    assert asked.status_code == 401 and "six-digit code" in asked.text
    assert (
        sign_in(
            client,
            "farid",
            code="000000" if totp.code_at(secret, dt.datetime.now(dt.UTC)) != "000000" else "111111",
        ).status_code
        == 401
    )
    good = sign_in(client, "farid", code=totp.code_at(secret, dt.datetime.now(dt.UTC)))
    assert good.status_code == 303 and client.get("/api/me").json()["role"] == "legal"


def test_a_tampered_session_cookie_is_refused_and_audited(web_workspace: WebWorkspace) -> None:
    ws = web_workspace.workspace
    add_account(ws, Role.ADMIN, "amina")
    client = https(ws)
    sign_in(client, "amina")
    genuine = client.cookies["gawah_session"]
    client.cookies.set(
        "gawah_session",
        genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"),
        domain="testserver.local",
    )
    response = client.get("/documents", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert 'gawah_session=""' in response.headers.get("set-cookie", "")
    assert [e.detail for e in events(ws, "session.rejected")] == ["unknown"]


def test_api_tokens_scopes_expiry_and_audit(web_workspace: WebWorkspace) -> None:
    ws = web_workspace.workspace
    add_account(ws, Role.INVESTIGATOR, "karim")
    now = dt.datetime.now(dt.UTC)
    with transaction(ws.sessions) as session:
        user = session.scalar(select(User).where(User.username == "karim"))
        assert user is not None
        good, _ = issue_token(session, user, [Action.DOCUMENT_READ, Action.DOCUMENT_READ_RESTRICTED])
        narrow, _ = issue_token(session, user, [Action.ACCOUNT_SELF])
        old, _ = issue_token(
            session,
            user,
            [Action.DOCUMENT_READ],
            lifetime=dt.timedelta(days=1),
            now=now - dt.timedelta(days=2),
        )
    client = https(ws)
    listing = client.get("/api/documents", headers={"Authorization": f"Bearer {good}"})
    assert listing.status_code == 200 and listing.json()["total"] == 6
    assert client.get("/api/documents", headers={"Authorization": f"Bearer {narrow}"}).status_code == 403
    expired = client.get("/api/documents", headers={"Authorization": f"Bearer {old}"})
    assert (
        expired.status_code == 401
        and expired.json()["detail"] == "the API token has expired: ask for a new one"
    )
    assert expired.headers["WWW-Authenticate"] == "Bearer"
    bogus = client.get("/api/me", headers={"Authorization": "Bearer gwh_made-up"})
    assert bogus.status_code == 401
    assert [e.detail for e in events(ws, "token.rejected")] == ["expired", "unknown"]
    assert len(events(ws, "token.used")) == 2
    with ws.sessions() as session:
        stored = " ".join(session.scalars(select(AuditEvent.detail)))
    assert good not in stored and old not in stored


def test_confidential_reads_need_a_reason_and_the_audit_is_in_the_ledger(web_workspace: WebWorkspace) -> None:
    ws = web_workspace.workspace
    with ws.sessions.begin() as session:
        from gawah.store.models import Document

        doc = session.get(Document, web_workspace.dari_id)
        assert doc is not None
        doc.confidentiality = "confidential"
    add_account(ws, Role.INVESTIGATOR, "karim")
    client = https(ws)
    sign_in(client, "karim")
    asked = client.get(f"/documents/{web_workspace.dari_id}")
    assert asked.status_code == 403 and 'name="reason"' in asked.text
    api_asked = client.get(f"/api/documents/{web_workspace.dari_id}")
    assert api_asked.status_code == 403 and "reason" in api_asked.json()["detail"]
    shown = client.get(
        f"/documents/{web_workspace.dari_id}", params={"reason": "case file 12 for the family"}
    )
    assert shown.status_code == 200
    reads = events(ws, "confidential.read")
    assert [(e.actor, e.subject_id, e.reason) for e in reads] == [
        ("karim", web_workspace.dari_id, "case file 12 for the family")
    ]
    # The document's text is never copied into the audit.
    with ws.sessions() as session:
        assert "مکتب" not in " ".join(session.scalars(select(AuditEvent.detail)))
    ws.sign_checkpoint()
    key = load_private_key(ws.settings.signing_key_path)
    origin = ws.settings.log_origin
    public = key.public_key()
    with ws.sessions() as session:
        assert verify_journal(session, public, origin) == []
        audited = session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "audit")
        )
        assert audited == 2  # the sign-in and the read
    # Editing an audit event afterwards is caught by the ledger.
    with ws.sessions.begin() as session:
        row = session.get(AuditEvent, reads[0].id)
        assert row is not None
        row.reason = "nothing to see"
    with ws.sessions() as session:
        problems = verify_journal(session, public, origin)
    assert any("audit event" in p.what and "changed" in p.detail for p in problems), problems


def test_logout_needs_its_csrf_token_and_ends_the_session(web_workspace: WebWorkspace) -> None:
    ws = web_workspace.workspace
    add_account(ws, Role.VIEWER, "zarmina")
    client = https(ws)
    sign_in(client, "zarmina")
    forged = client.post("/logout", data={"csrf": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    assert client.get("/api/me").status_code == 200  # still signed in
    import re

    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
    assert token
    assert client.post("/logout", data={"csrf": token[1]}, follow_redirects=False).status_code == 303
    assert client.get("/api/me").status_code == 401
    assert len(events(ws, "csrf.rejected")) == 1 and len(events(ws, "logout")) == 1


def test_oversized_request_is_refused_before_anything_runs(web_workspace: WebWorkspace) -> None:
    client = https(web_workspace.workspace)
    response = client.post(
        "/login", content=b"x" * 70_000, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413 and "larger than" in response.json()["detail"]
    with web_workspace.workspace.sessions() as session:
        assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 0
