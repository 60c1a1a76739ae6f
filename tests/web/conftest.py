"""A workspace with the demonstration reports ingested and one candidate fact quoted from each
of an English and a Dari report, and a test client over its web interface."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from gawah.ingest.pipeline import Ingestor
from gawah.security.accounts import add_user
from gawah.store.engine import transaction
from gawah.store.models import Act, Claim, Document, Incident, IncidentSource, Span
from gawah.store.vocab import Role
from gawah.web.app import create_app
from gawah.workspace import Workspace

# Invented accounts: one per role, all with this password.
PASSWORD = "correct horse battery staple"

# Quotes a test can look for in the pages; each occurs in its demonstration report.
ENGLISH_QUOTE = "at least 14"
DARI_QUOTE = "مکتب"


@dataclass(frozen=True)
class WebWorkspace:
    workspace: Workspace
    english_id: int  # the English report with a marked quote
    dari_id: int
    pashto_id: int
    act_id: int
    claim_id: int


def _add_fact_with_span(ws: Workspace, document_id: int, quote: str) -> tuple[int, int]:
    """An incident with one candidate act, and one candidate claim, both quoted from the text."""
    with ws.sessions.begin() as session:
        doc = session.get(Document, document_id)
        assert doc is not None
        start = doc.text.index(quote)
        incident = Incident(title="test incident")
        act = Act(
            violation="arbitrary_detention",
            count_value=14,
            count_qualifier="at_least",
            perpetrator="taliban",
            victim_groups=["civilians"],
        )
        incident.acts.append(act)
        incident.sources.append(IncidentSource(document_id=document_id))
        claim = Claim(document_id=document_id, speaker="Invented Spokesman", stance="denial", quote=quote)
        session.add_all([incident, claim])
        session.flush()
        session.add_all(
            [
                Span(document_id=document_id, start=start, end=start + len(quote), quote=quote,
                     target_type="act", target_id=act.id),
                Span(document_id=document_id, start=start, end=start + len(quote), quote=quote,
                     target_type="claim", target_id=claim.id),
            ]
        )  # fmt: skip
        return act.id, claim.id


def _document_id(ws: Workspace, filename: str) -> int:
    with ws.sessions() as session:
        doc_id = session.scalar(
            select(Document.id).where(Document.evidence_item.has(original_filename=filename))
        )
    assert doc_id is not None, filename
    return doc_id


def populate(ws: Workspace, demo_texts_dir: Path) -> WebWorkspace:
    outcomes = Ingestor(ws.sessions, ws.blobs).ingest([demo_texts_dir])
    assert {o.status for o in outcomes} == {"stored"}, [o.as_dict() for o in outcomes]
    english = _document_id(ws, "hrm_andarab_field_summary_2022.txt")
    dari = _document_id(ws, "fa_malistan_report_1401.txt")
    act_id, claim_id = _add_fact_with_span(ws, english, ENGLISH_QUOTE)
    _add_fact_with_span(ws, dari, DARI_QUOTE)
    return WebWorkspace(ws, english, dari, _document_id(ws, "ps_khogyani_report_1402.txt"), act_id, claim_id)


@pytest.fixture
def web_workspace(workspace: Workspace, demo_texts_dir: Path) -> WebWorkspace:
    return populate(workspace, demo_texts_dir)


def add_account(ws: Workspace, role: Role, username: str | None = None) -> str:
    """An active account with `role` (named after it unless told), password PASSWORD."""
    name = username or f"{role.value}-user"
    with transaction(ws.sessions) as session:
        add_user(session, name, role, PASSWORD)
    return name


def sign_in(client: TestClient, username: str, password: str = PASSWORD, code: str = "") -> Response:
    """Fill in and send the sign-in form as a browser would (its CSRF token and cookie included)."""
    form = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token, form.text[:500]
    return client.post(
        "/login",
        data={"username": username, "password": password, "code": code, "csrf": token[1], "next": "/"},
        follow_redirects=False,
    )


def signed_in_client(ws: Workspace, role: Role = Role.ADMIN) -> TestClient:
    """A test client (over https, so that Secure cookies are sent) signed in with a new account."""
    client = TestClient(create_app(ws), base_url="https://testserver")
    response = sign_in(client, add_account(ws, role))
    assert response.status_code == 303, response.text[:500]
    # API calls that change data with a browser session carry its CSRF token in a header.
    client.headers["X-CSRF-Token"] = client.get("/api/me").json()["csrf_token"]
    return client


@pytest.fixture
def client(web_workspace: WebWorkspace) -> Iterator[TestClient]:
    with signed_in_client(web_workspace.workspace) as test_client:
        yield test_client
