"""The families' pages (no account) and the staff's person, case and match pages.

Every person here is invented.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gawah.registry import matching
from gawah.registry.persons import PersonInput, add_person
from gawah.security.intake import INTAKE_PASSPHRASE_ENV
from gawah.store.models import AuditEvent, Case, CaseSubmission, Person, PersonMatch
from gawah.store.vocab import Role
from gawah.web.app import create_app
from gawah.workspace import Workspace
from tests.persons.conftest import INTAKE_PASSPHRASE
from tests.web.conftest import signed_in_client

CONTACT = "+93 70 111 2222 (invented)"
REPORT = {
    "name": "Mohammad Zaman",
    "name_native": "محمد زمان",
    "father_name": "Abdul Ghafoor",
    "sex": "male",
    "age": "33",
    "home_province": "Baghlan",
    "home_district": "Khinjan",
    "former_service": "police",
    "kind": "missing",
    "last_seen_on": "2023-03-03",
    "last_seen_place": "a checkpoint near Pul-e Khumri",
    "last_seen_by": "his brother",
    "circumstances": "taken from the bus at a checkpoint",
    "reporter_name": "Invented Relative",
    "reporter_relationship": "brother",
    "reporter_contact": CONTACT,
}


def _token(page: str, name: str = "csrf") -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert found, page[:500]
    return found[1]


def _report(client: TestClient, **changes: str) -> tuple[str, str]:
    form = client.get("/family/report")
    assert form.status_code == 200
    response = client.post("/family/report", data={**REPORT, **changes, "csrf": _token(form.text)})
    assert response.status_code == 200, response.text[:2000]
    reference = re.search(r'<strong dir="ltr">(GW-[A-Z0-9-]+)</strong>', response.text)
    code = re.findall(r'<strong dir="ltr">([A-Z0-9-]{14})</strong>', response.text)
    assert reference and code
    return reference[1], code[-1]


def test_a_relative_reports_and_later_sees_only_status_and_dates(
    workspace: Workspace, intake_public: bytes
) -> None:
    with workspace.sessions.begin() as session:
        add_person(
            session,
            PersonInput(
                name="Muhammad Zaman", father_name="Abdulghafur", home_province="Baghlan", birth_year=1990
            ),
            "analyst-a",
        )
    client = TestClient(create_app(workspace), base_url="https://testserver")
    reference, code = _report(client)
    with workspace.sessions() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None and case.confidentiality == "confidential"
        # The report is sealed to the intake key: nothing of the family in the case's columns.
        assert case.reporter_contact is None and case.reporter_name is None and case.status == "missing"
        assert case.circumstances == "" and case.last_seen_place is None
        assert session.scalar(select(CaseSubmission.sealed).where(CaseSubmission.case_id == case.id))
        person = session.get(Person, case.person_id)
        assert person is not None and person.confidentiality == "confidential"
        assert person.review_status == "candidate" and person.name_native == "محمد زمان"
        # Compared with everyone already recorded as soon as it arrived.
        proposed = session.scalars(select(PersonMatch)).all()
        assert [(m.person_id, m.other_id) for m in proposed] == [(1, person.id)]
    # The family's view: status and dates, nothing of what was reported.
    page = client.get("/family/case")
    shown = client.post(
        "/family/case", data={"reference": reference, "code": code, "csrf": _token(page.text)}
    )
    assert shown.status_code == 200
    for secret in (CONTACT, "Mohammad Zaman", "Abdul Ghafoor", "checkpoint", "Invented Relative", "Baghlan"):
        assert secret not in shown.text
    assert reference in shown.text and "Missing" in shown.text
    wrong = client.post(
        "/family/case", data={"reference": reference, "code": "AAAA-BBBB-CCCC", "csrf": _token(shown.text)}
    )
    assert wrong.status_code == 404 and "Missing" not in wrong.text.split("<main")[1]


def test_family_forms_refuse_posts_without_their_token_or_from_another_site(
    workspace: Workspace, intake_public: bytes
) -> None:
    client = TestClient(create_app(workspace), base_url="https://testserver")
    assert client.post("/family/report", data={**REPORT, "csrf": "forged"}).status_code == 400
    form = client.get("/family/report")
    other_site = client.post(
        "/family/report",
        data={**REPORT, "csrf": _token(form.text)},
        headers={"Origin": "https://elsewhere.example"},
    )
    assert other_site.status_code == 400
    empty = client.post("/family/report", data={"csrf": _token(form.text)})
    assert empty.status_code == 400 and "name" in empty.text
    with workspace.sessions() as session:
        assert session.scalars(select(Case)).all() == []


def test_staff_read_a_case_with_a_reason_and_record_a_status(
    workspace: Workspace, intake_public: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server was given the intake passphrase: the case page opens the family's report.
    monkeypatch.setenv(INTAKE_PASSPHRASE_ENV, INTAKE_PASSPHRASE)
    public = TestClient(create_app(workspace), base_url="https://testserver")
    reference, _code = _report(public)
    with workspace.sessions() as session:
        case_id = session.scalar(select(Case.id).where(Case.reference == reference))
    with signed_in_client(workspace, Role.ANALYST) as analyst:
        # Restricted readers do not see confidential cases at all.
        assert reference not in analyst.get("/cases").text
        assert analyst.get(f"/cases/{case_id}").status_code == 404
    with signed_in_client(workspace, Role.INVESTIGATOR) as investigator:
        assert reference in investigator.get("/cases").text
        asked = investigator.get(f"/cases/{case_id}")
        assert asked.status_code == 403 and CONTACT not in asked.text
        page = investigator.get(f"/cases/{case_id}", params={"reason": "family asked for news"})
        assert page.status_code == 200 and CONTACT in page.text
        changed = investigator.post(
            f"/cases/{case_id}/status",
            data={
                "status": "detained",
                "source": "a released detainee",
                "reason": "family asked for news",
                "csrf": _token(page.text),
            },
            follow_redirects=False,
        )
        assert changed.status_code == 303
        after = investigator.get(changed.headers["location"]).text
        assert "a released detainee" in after
    with workspace.sessions() as session:
        reads = session.scalars(select(AuditEvent).where(AuditEvent.event == "confidential.read")).all()
        assert any(r.reason == "family asked for news" and r.subject_type == "case" for r in reads)
        assert all(CONTACT not in (e.detail or "") for e in session.scalars(select(AuditEvent)))


def test_a_reviewer_decides_proposed_matches(workspace: Workspace) -> None:
    with workspace.sessions.begin() as session:
        a = add_person(
            session,
            PersonInput(
                name="Mohammad Zaman", father_name="Abdul Ghafoor", home_province="Baghlan", birth_year=1990
            ),
            "analyst-a",
        )
        b = add_person(
            session,
            PersonInput(
                name_native="محمد زمان", father_name="عبدالغفور", home_province="بغلان", birth_year=1990
            ),
            "analyst-a",
        )
        matching.propose_matches(session, [b.id])
        a_id, b_id = a.id, b.id
    with signed_in_client(workspace, Role.ANALYST) as analyst:
        page = analyst.get("/matches")
        assert page.status_code == 200 and "محمد زمان" in page.text and "father&#39;s name" in page.text
        match_id = int(re.search(r'action="/matches/(\d+)"', page.text)[1])  # type: ignore[index]
        done = analyst.post(
            f"/matches/{match_id}",
            data={"decision": "accept", "csrf": _token(page.text)},
            follow_redirects=False,
        )
        assert done.status_code == 303
        person = analyst.get(f"/persons/{a_id}").text
        assert f'href="/persons/{b_id}"' in person
    with signed_in_client(workspace, Role.VIEWER) as viewer:
        assert viewer.get("/matches", follow_redirects=False).status_code == 403


def test_a_sealed_report_stays_sealed_on_the_case_page_without_the_intake_key(
    workspace: Workspace, intake_public: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(INTAKE_PASSPHRASE_ENV, raising=False)
    reference, _code = _report(TestClient(create_app(workspace), base_url="https://testserver"))
    with workspace.sessions() as session:
        case_id = session.scalar(select(Case.id).where(Case.reference == reference))
    with signed_in_client(workspace, Role.INVESTIGATOR) as investigator:
        page = investigator.get(f"/cases/{case_id}", params={"reason": "review of a new report"})
        assert page.status_code == 200 and reference in page.text
        assert CONTACT not in page.text and "Invented Relative" not in page.text
        assert "gawah cases show" in page.text
    # Nothing the family sent that identifies them lies readable in the database's files.
    workspace.engine.dispose()
    raw = b"".join(f.read_bytes() for f in workspace.settings.root.rglob("*") if f.is_file())
    assert b"Mohammad Zaman" in raw or not workspace.settings.is_sqlite  # the search reaches the data
    for secret in (CONTACT, "Invented Relative", "Pul-e Khumri", "taken from the bus"):
        assert secret.encode() not in raw


def test_the_public_form_waits_for_an_intake_key_in_a_plain_workspace(workspace: Workspace) -> None:
    client = TestClient(create_app(workspace), base_url="https://testserver")
    form = client.get("/family/report")
    refused = client.post("/family/report", data={**REPORT, "csrf": _token(form.text)})
    assert refused.status_code == 503 and CONTACT not in refused.text.split("<form")[0]
    with workspace.sessions() as session:
        assert session.scalars(select(Case)).all() == []
