"""Every route of the web app, for every role and for nobody, gets the policy's answer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from starlette.routing import Mount, Route

from gawah.security.policy import Action, Principal, authorize
from gawah.store.models import AuditEvent, Claim, Document, Incident
from gawah.store.vocab import Role
from gawah.web.app import create_app
from gawah.web.auth import ACTION_ATTRIBUTE, PUBLIC
from tests.web.conftest import WebWorkspace, signed_in_client

# Served by Starlette itself, outside the policy: the stylesheet and icon, and the API's schema.
UNGUARDED = {"/static", "/openapi.json"}


def route_action(route: APIRoute) -> Action | str:
    """The action a route's dependencies ask the policy for (exactly one).

    The same dependency reached twice (the route and one of its other dependencies both ask for
    the reader) is one question: FastAPI calls it once per request."""
    found: list[Any] = []
    seen: set[int] = set()
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        call = dependant.call
        if call is not None and hasattr(call, ACTION_ATTRIBUTE) and id(call) not in seen:
            seen.add(id(call))
            found.append(getattr(call, ACTION_ATTRIBUTE))
        pending.extend(dependant.dependencies)
    assert len(found) == 1, f"{route.path} {route.methods}: asks the policy {len(found)} times"
    return found[0]


def endpoints(ws: WebWorkspace) -> list[tuple[str, str, Action | str]]:
    """(method, concrete URL, action) for every route and method of the app."""
    app = create_app(ws.workspace)
    found: list[tuple[str, str, Action | str]] = []
    for route in app.routes:
        if isinstance(route, Mount) or (isinstance(route, Route) and not isinstance(route, APIRoute)):
            assert route.path in UNGUARDED, f"{route.path} is served outside the policy"
            continue
        assert isinstance(route, APIRoute)
        url = route.path.replace("{document_id}", str(ws.english_id)).replace("{code}", "fa")
        url = url.replace("{kind}", "act").replace("{act_id}", str(ws.act_id))
        url = url.replace("{claim_id}", str(ws.claim_id))
        # Other parameters: any value the route accepts; a missing record is a 404, not a refusal.
        url = re.sub(r"\{[a-z_]+\}", "1", url)
        found.extend((method, url, route_action(route)) for method in sorted(route.methods or ()))
    return found


def call(client: TestClient, method: str, url: str) -> Any:
    data = None
    if method == "POST":
        page = client.get("/login" if url == "/login" else "/")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        data = {"csrf": token[1] if token else ""}
    return client.request(method, url, data=data, follow_redirects=False)


def refused(response: Any, api: bool, method: str = "GET") -> bool:
    if api:
        return response.status_code in (401, 403)
    if response.status_code == 303:
        return response.headers["location"].startswith("/login?")
    # The policy's refusal page (a sign-in form refused for its CSRF token is not one).
    if method == "HEAD":
        return response.status_code == 403
    return response.status_code == 403 and "<title>Not allowed" in response.text


@pytest.mark.parametrize("role", [*Role, None], ids=lambda r: r.value if r else "nobody")
def test_every_route_answers_as_the_policy_says(web_workspace: WebWorkspace, role: Role | None) -> None:
    ws = web_workspace.workspace
    with ws.sessions.begin() as session:
        # A public document, so that the record's level does not stand in the way of the route's action.
        session.execute(
            update(Document).where(Document.id == web_workspace.english_id).values(confidentiality="public")
        )
        session.execute(update(Claim).where(Claim.id == web_workspace.claim_id).values(confidentiality="public"))
        session.execute(update(Incident).values(confidentiality="public"))
    routes = endpoints(web_workspace)
    assert {url for _, url, _ in routes} >= {
        "/",
        "/documents",
        "/login",
        "/logout",
        "/api/documents",
        "/api/me",
    }
    if role is None:
        client = TestClient(create_app(ws), base_url="https://testserver")
        principal = Principal("anonymous", None)
    else:
        client = signed_in_client(ws, role)
        principal = Principal(f"{role.value}-user", role)
    with client:
        for method, url, action in sorted(routes, key=lambda r: r[1] == "/logout"):  # sign out last
            expected = action == PUBLIC or (
                isinstance(action, Action) and authorize(principal, action).allowed
            )
            response = call(client, method, url)
            assert response.status_code < 500, (method, url, response.text[:300])
            assert refused(response, url.startswith("/api/"), method) != expected, (
                f"{role} {method} {url} ({action}): {response.status_code} {response.headers.get('location')}"
            )
    if role is not None:
        with ws.sessions() as session:
            denials = session.scalars(select(AuditEvent).where(AuditEvent.event == "access.denied")).all()
        expected_denials = {
            url
            for method, url, action in routes
            if isinstance(action, Action) and not authorize(principal, action).allowed
        }
        assert {d.detail.split(" ")[1].rstrip(":") for d in denials} == expected_denials


def test_a_hidden_record_is_not_found_and_the_refusal_audited(web_workspace: WebWorkspace) -> None:
    ws = web_workspace.workspace
    with ws.sessions.begin() as session:
        session.execute(
            update(Document)
            .where(Document.id == web_workspace.dari_id)
            .values(confidentiality="confidential")
        )
    with signed_in_client(ws, Role.ANALYST) as analyst:
        listing = analyst.get("/api/documents").json()
        assert web_workspace.dari_id not in [d["id"] for d in listing["documents"]]
        assert analyst.get(f"/api/documents/{web_workspace.dari_id}").status_code == 404
        assert analyst.get(f"/documents/{web_workspace.dari_id}").status_code == 404
        assert analyst.get(f"/documents/{web_workspace.dari_id}/original").status_code == 404
        assert analyst.get(f"/api/documents/{web_workspace.english_id}").status_code == 200
    with ws.sessions() as session:
        denied = session.scalars(
            select(AuditEvent).where(
                AuditEvent.event == "access.denied", AuditEvent.subject_id == web_workspace.dari_id
            )
        ).all()
    assert len(denied) == 3 and {d.actor for d in denied} == {"analyst-user"}
    assert all(d.action == "document.read_confidential" for d in denied)


def test_a_viewer_sees_public_rows_only(web_workspace: WebWorkspace) -> None:
    ws = web_workspace.workspace
    with ws.sessions.begin() as session:
        session.execute(
            update(Document).where(Document.id == web_workspace.pashto_id).values(confidentiality="public")
        )
    with signed_in_client(ws, Role.VIEWER) as viewer:
        listing = viewer.get("/api/documents").json()
        assert [d["id"] for d in listing["documents"]] == [web_workspace.pashto_id]
        assert listing["total"] == 1
        home = viewer.get("/").text
        assert re.findall(r"<dd>(?:<a [^>]*>)?([^<]+)<", home)[:2] == ["1", "0"]
        assert viewer.get(f"/documents/{web_workspace.english_id}").status_code == 404
