"""The review queue and incident pages: plain forms, decisions kept with the signed-in reviewer."""

from __future__ import annotations

import re

from gawah.registry.changes import history
from gawah.store.vocab import Role
from gawah.workspace import Workspace
from tests.registry.conftest import Reports
from tests.web.conftest import signed_in_client


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found[1]


def test_review_queue_shows_the_quote_in_its_text_and_accepts_by_form(
    workspace: Workspace, reports: Reports
) -> None:
    with signed_in_client(workspace, Role.ANALYST) as client:
        page = client.get("/review")
        assert page.status_code == 200
        assert '<mark class="quote">detained at least 14 former soldiers</mark>' in page.text
        assert 'accesskey="a"' in page.text and 'accesskey="r"' in page.text
        token = _csrf(page.text)
        done = client.post(f"/review/act/{reports.ngo_act}",
                           data={"decision": "accept", "csrf": token, "version": "1", "note": "ok"},
                           follow_redirects=False)  # fmt: skip
        assert done.status_code == 303
        # A stale form (the incident moved on to a new version) is refused with a clear message.
        stale = client.post(f"/review/act/{reports.ngo_act}",
                            data={"decision": "reject", "csrf": token, "version": "1"})  # fmt: skip
        assert stale.status_code == 409
        assert "changed by someone else" in stale.text
        edit = client.post(f"/review/act/{reports.news_act}/edit",
                           data={"violation": "arbitrary_detention", "count_value": "16", "csrf": token,
                                 "version": "1"}, follow_redirects=False)  # fmt: skip
        assert edit.status_code == 303
    with workspace.sessions() as s:
        changes = history(s, "incident", reports.ngo_incident)
        assert [(c.action, c.actor) for c in changes] == [("accept_act", "analyst-user")]


def test_incident_page_merge_and_undo_and_api(workspace: Workspace, reports: Reports) -> None:
    with signed_in_client(workspace, Role.ADMIN) as client:
        page = client.get(f"/incidents/{reports.ngo_incident}")
        assert page.status_code == 200
        assert f'name="other_id" value="{reports.news_incident}"' in page.text
        token = _csrf(page.text)
        merged = client.post(f"/incidents/{reports.ngo_incident}/merge",
                             data={"other_id": str(reports.news_incident), "csrf": token}, follow_redirects=False)  # fmt: skip
        assert merged.status_code == 303
        view = client.get(f"/api/incidents/{reports.ngo_incident}").json()
        assert view["merged_from"] == [reports.news_incident] and len(view["reports"]) == 2
        listed = client.get("/api/incidents").json()
        assert listed["total"] == 2
        refused = client.post(
            f"/incidents/{reports.ngo_incident}/status", data={"status": "verified", "csrf": token}
        )
        assert refused.status_code == 400 and "can become" in refused.text
        undone = client.post(f"/incidents/{reports.news_incident}/unmerge", data={"csrf": token},
                             follow_redirects=False)  # fmt: skip
        assert undone.status_code == 303
        assert client.get("/api/incidents").json()["total"] == 3
        hist = client.get(f"/api/incidents/{reports.news_incident}/history").json()
        assert [h["action"] for h in hist] == ["unmerge", "merge_into"]
        # An incident's page restores only its own changes (its access is what the page checked).
        foreign = client.post(
            f"/incidents/{reports.ngo_incident}/restore", data={"change_id": str(hist[0]["id"]), "csrf": token}
        )
        assert foreign.status_code == 404 and f"no change {hist[0]['id']} to incident" in foreign.text
        assert [h["action"] for h in client.get(f"/api/incidents/{reports.news_incident}/history").json()] == [
            "unmerge",
            "merge_into",
        ]
        decided = client.post(
            f"/api/review/act/{reports.other_act}", json={"decision": "reject", "note": "no"}
        )
        assert decided.status_code == 200
        assert client.get("/api/statistics").json()["incidents"] == 0
        for lang in ("fa", "ps"):
            assert client.get(f"/incidents/{reports.ngo_incident}?lang={lang}").status_code == 200
            assert client.get(f"/review?lang={lang}").status_code == 200


def test_a_viewer_cannot_decide(workspace: Workspace, reports: Reports) -> None:
    with signed_in_client(workspace, Role.VIEWER) as client:
        response = client.post(f"/api/review/act/{reports.ngo_act}", json={"decision": "accept"})
        assert response.status_code == 403


def test_api_changes_with_a_browser_session_need_the_csrf_header(
    workspace: Workspace, reports: Reports
) -> None:
    with signed_in_client(workspace, Role.ADMIN) as client:
        token = client.headers.pop("X-CSRF-Token")
        refused = client.post(f"/api/review/act/{reports.other_act}", json={"decision": "reject"})
        assert refused.status_code == 403 and "did not come from this site" in refused.text
        forged = client.post(
            f"/api/review/act/{reports.other_act}",
            json={"decision": "reject"},
            headers={"X-CSRF-Token": "x" * 40},
        )
        assert forged.status_code == 403
        assert client.get("/api/review").status_code == 200  # reading needs no token
        accepted = client.post(
            f"/api/review/act/{reports.other_act}",
            json={"decision": "reject"},
            headers={"X-CSRF-Token": token},
        )
        assert accepted.status_code == 200, accepted.text


def test_confidential_incidents_are_hidden_from_viewers_and_read_with_a_reason(
    workspace: Workspace, reports: Reports
) -> None:
    from sqlalchemy import select, update

    from gawah.store.models import Act, AuditEvent, Incident

    with workspace.sessions.begin() as s:
        s.execute(
            update(Incident)
            .where(Incident.id == reports.other_incident)
            .values(confidentiality="confidential")
        )
        s.execute(update(Act).where(Act.id == reports.other_act).values(confidentiality="confidential"))
        s.execute(
            update(Incident).where(Incident.id == reports.ngo_incident).values(confidentiality="public")
        )
    with signed_in_client(workspace, Role.VIEWER) as viewer:
        listed = viewer.get("/api/incidents").json()
        assert reports.other_incident not in [i["id"] for i in listed["incidents"]]
        assert [i["id"] for i in listed["incidents"]] == [reports.ngo_incident], (reports, listed)
        assert viewer.get(f"/api/incidents/{reports.news_incident}").status_code == 404  # restricted
        assert viewer.get(f"/api/incidents/{reports.other_incident}").status_code == 404
        assert viewer.get(f"/incidents/{reports.other_incident}").status_code == 404
        assert viewer.get(f"/api/incidents/{reports.other_incident}/history").status_code == 404
        assert reports.other_act not in [i["id"] for i in viewer.get("/api/review").json()]
        assert reports.other_incident not in [p["other_id"] for p in viewer.get("/api/same-event").json()] + [
            p["incident_id"] for p in viewer.get("/api/same-event").json()
        ]
    with signed_in_client(workspace, Role.ANALYST) as analyst:
        assert analyst.get("/api/incidents").json()["total"] == 2
        assert analyst.get(f"/api/incidents/{reports.other_incident}").status_code == 404
    with signed_in_client(workspace, Role.INVESTIGATOR) as investigator:
        assert investigator.get("/api/incidents").json()["total"] == 3
        asked = investigator.get(f"/api/incidents/{reports.other_incident}")
        assert asked.status_code == 403 and "reason" in asked.text
        page = investigator.get(f"/incidents/{reports.other_incident}")
        assert page.status_code == 403 and 'name="reason"' in page.text
        read = investigator.get(f"/api/incidents/{reports.other_incident}", params={"reason": "case file 7"})
        assert read.status_code == 200 and read.json()["id"] == reports.other_incident
    with workspace.sessions() as s:
        reasons = s.scalars(
            select(AuditEvent.reason).where(
                AuditEvent.subject_type == "incident", AuditEvent.subject_id == reports.other_incident
            )
        ).all()
        assert "case file 7" in reasons
