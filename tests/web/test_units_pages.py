"""Units pages, command relations and the bulk form: who may do what, and what stays hidden."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from gawah.registry.changes import deciding, history
from gawah.registry.command import Party, UnitInput, create_unit, relate
from gawah.store.models import AuditEvent, Incident, Source
from gawah.store.vocab import Role
from gawah.workspace import Workspace
from tests.registry.conftest import add_candidate, add_document
from tests.web.conftest import signed_in_client


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found[1]


def _incidents(ws: Workspace) -> list[int]:
    """Two invented incidents with one report each."""
    with ws.sessions.begin() as s:
        ngo = Source(name="Invented Rights Watch", kind="ngo")
        s.add(ngo)
        s.flush()
        first = add_document(s, "On 3 March 2023 Taliban forces detained 14 men in Khinjan.", "Report A", ngo)
        second = add_document(s, "On 9 May 2023 two men were beaten in Andarab.", "Report B", ngo)
        a, _ = add_candidate(s, first, "detained 14 men", violation="arbitrary_detention", count=14,
                             province="Baghlan", district="Khinjan", date=dt.date(2023, 3, 3))  # fmt: skip
        b, _ = add_candidate(s, second, "two men were beaten", violation="torture", count=2,
                             province="Baghlan", district="Andarab", date=dt.date(2023, 5, 9))  # fmt: skip
    return [a, b]


def test_units_pages_relations_and_responsibility(workspace: Workspace) -> None:
    first, _ = _incidents(workspace)
    with signed_in_client(workspace, Role.ANALYST) as client:
        listing = client.get("/units")
        assert listing.status_code == 200 and "No unit recorded yet." in listing.text
        token = _csrf(listing.text)
        added = client.post("/units", data={"name": "Invented Brigade", "perpetrator": "taliban", "csrf": token},
                            follow_redirects=False)  # fmt: skip
        assert added.status_code == 303
        brigade = int(added.headers["location"].rsplit("/", 1)[1])
        corps = client.post("/api/units", json={"name": "Invented Corps", "province": "Baghlan"}).json()["id"]
        related = client.post(f"/units/{brigade}/relations",
                              data={"subject": f"unit:{corps}", "relation": "commands", "object": f"unit:{brigade}",
                                    "start_date": "2022-01-01", "csrf": token}, follow_redirects=False)  # fmt: skip
        assert related.status_code == 303
        # A cycle is refused on the page, with the reason.
        cycle = client.post(f"/units/{brigade}/relations",
                            data={"subject": f"unit:{brigade}", "relation": "commands", "object": f"unit:{corps}",
                                  "csrf": token})  # fmt: skip
        assert cycle.status_code == 400 and "circle" in cycle.text
        assigned = client.post(f"/api/incidents/{first}/units", json={"unit_id": brigade, "version": 1})
        assert assigned.status_code == 200 and len(assigned.json()["acts_added"]) == 1
        page = client.get(f"/units/{brigade}")
        assert page.status_code == 200
        assert "Invented Corps" in page.text and f'href="/incidents/{first}/responsibility"' in page.text
        view = client.get(f"/api/units/{corps}").json()
        assert [s["subordinate"]["name"] for s in view["subordinates"]] == ["Invented Brigade"]
        responsible = client.get(f"/api/incidents/{first}/responsibility").json()
        assert [(r["name"], r["depth"]) for r in responsible["responsible"]] == [
            ("Invented Brigade", 0),
            ("Invented Corps", 1),
        ]
        incident_page = client.get(f"/incidents/{first}").text
        assert f'href="/units/{brigade}"' in incident_page  # the act names its perpetrator unit
        assert f'href="/incidents/{first}/responsibility"' in incident_page
        assert client.get(f"/api/incidents/{first}").json()["acts"][0]["perpetrator_units"] == [
            {"id": brigade, "name": "Invented Brigade"}
        ]
        shown = client.get(f"/incidents/{first}/responsibility")
        assert shown.status_code == 200 and "not a finding" in shown.text
        assert client.get("/api/units?q=corps").json()["total"] == 1
        for lang in ("fa", "ps"):
            assert client.get(f"/units/{brigade}?lang={lang}").status_code == 200
            assert client.get(f"/units?lang={lang}").status_code == 200
            assert client.get(f"/incidents/{first}/responsibility?lang={lang}").status_code == 200
            assert client.get(f"/incidents?lang={lang}").status_code == 200


def test_bulk_form_applies_to_all_or_none(workspace: Workspace) -> None:
    first, second = _incidents(workspace)
    with signed_in_client(workspace, Role.ANALYST) as client:
        page = client.get("/incidents")
        assert page.status_code == 200
        assert f'value="{first}:1" form="bulk-form"' in page.text and 'id="bulk-form"' in page.text
        token = _csrf(page.text)
        done = client.post("/incidents/bulk", data={"ids": [f"{first}:1", f"{second}:1"], "status": "disputed",
                                                     "note": "the army denies it", "csrf": token},
                           follow_redirects=False)  # fmt: skip
        assert done.status_code == 303 and done.headers["location"] == "/incidents?bulk_done=2"
        assert "2 incidents changed" in client.get(done.headers["location"]).text
        # The page was loaded before that change: its versions are stale, so nothing is applied.
        stale = client.post("/incidents/bulk", data={"ids": [f"{first}:1", f"{second}:2"],
                                                      "confidentiality": "confidential", "csrf": token})  # fmt: skip
        assert stale.status_code == 409 and "Nothing was changed" in stale.text
        api = client.post("/api/incidents/bulk", json={"ids": [first, second], "confidentiality": "public",
                                                       "versions": {str(first): 2, str(second): 1}})  # fmt: skip
        assert api.status_code == 409
        ok = client.post("/api/incidents/bulk", json={"ids": [first, second], "confidentiality": "public",
                                                      "versions": {str(first): 2, str(second): 2}})  # fmt: skip
        assert ok.status_code == 200 and [i["version"] for i in ok.json()["incidents"]] == [3, 3]
    with workspace.sessions() as s:
        assert [c.action for c in history(s, "incident", first)] == ["status", "confidentiality"]
        assert {i.confidentiality for i in s.scalars(select(Incident))} == {"public"}


def test_a_viewer_and_a_lawyer_cannot_bulk_edit(workspace: Workspace) -> None:
    first, second = _incidents(workspace)
    for role in (Role.VIEWER, Role.LEGAL):
        with signed_in_client(workspace, role) as client:
            token = _csrf(client.get("/").text)
            form = client.post("/incidents/bulk", data={"ids": [str(first)], "status": "disputed", "note": "x",
                                                         "csrf": token})  # fmt: skip
            assert form.status_code == 403
            api = client.post(
                "/api/incidents/bulk", json={"ids": [first, second], "confidentiality": "public"}
            )
            assert api.status_code == 403
            assert client.post("/api/units", json={"name": "Invented Unit"}).status_code == 403
    with workspace.sessions() as s:
        assert {i.confidentiality for i in s.scalars(select(Incident))} == {"restricted"}
        assert all(history(s, "incident", i) == [] for i in (first, second))


def test_confidential_units_are_hidden(workspace: Workspace) -> None:
    first, second = _incidents(workspace)
    with deciding(workspace.sessions) as s:
        secret = create_unit(
            s, UnitInput(name="Invented Secret Office", confidentiality="confidential"), "a"
        ).id
        public = create_unit(s, UnitInput(name="Invented Police District", confidentiality="public"), "a").id
        relate(s, Party("unit", secret), "commands", Party("unit", public), "a", confidentiality="public")
        s.get(Incident, second).confidentiality = "confidential"  # type: ignore[union-attr]
    with signed_in_client(workspace, Role.VIEWER) as viewer:
        assert viewer.get("/api/units").json()["total"] == 1
        page = viewer.get(f"/units/{public}")
        assert page.status_code == 200
        assert "Invented Secret Office" not in page.text and "(a record you may not see)" in page.text
        assert viewer.get(f"/units/{secret}").status_code == 404
    with signed_in_client(workspace, Role.ANALYST) as analyst:
        assert "Invented Secret Office" not in analyst.get("/units").text
        assert analyst.get(f"/api/units/{secret}").status_code == 404
        assert analyst.get(f"/units/{secret}").status_code == 404
        # An incident above the analyst's level is not found, and the batch is refused whole.
        refused = analyst.post(
            "/api/incidents/bulk", json={"ids": [first, second], "confidentiality": "public"}
        )
        assert refused.status_code == 404
        # Nor can the analyst change or relate a unit above their level (it is "not found").
        related = analyst.post(
            "/api/relations",
            json={"subject": f"unit:{secret}", "relation": "commands", "object": f"unit:{public}"},
        )
        assert related.status_code == 404
    with signed_in_client(workspace, Role.INVESTIGATOR) as investigator:
        asked = investigator.get(f"/units/{secret}")
        assert asked.status_code == 403 and 'name="reason"' in asked.text
        read = investigator.get(f"/units/{secret}?reason=case+file+review")
        assert read.status_code == 200 and "Invented Secret Office" in read.text
    with workspace.sessions() as s:
        reads = s.scalars(select(AuditEvent).where(AuditEvent.event == "confidential.read")).all()
        assert [(r.actor, r.subject_type, r.subject_id, r.reason) for r in reads] == [
            ("investigator-user", "unit", secret, "case file review")
        ]
        assert s.get(Incident, first).confidentiality == "restricted"  # type: ignore[union-attr]
