"""Claims pages and API (a statement set against the incidents on each side) and the legal checklist page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from gawah.registry import legal
from gawah.registry.changes import history
from gawah.store.models import Act, Claim, ElementAssessment, Incident
from gawah.store.vocab import Role
from gawah.web.app import create_app
from gawah.web.claims_routes import DOSSIER_NOTE, LEGAL_NOTICE, evidence_refs
from gawah.workspace import Workspace
from tests.web.conftest import WebWorkspace, add_account, sign_in, signed_in_client


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found[1]


def _second_client(ws: Workspace, role: Role, name: str) -> TestClient:
    """Another account of a role that already has one (signed_in_client names accounts by role)."""
    client = TestClient(create_app(ws), base_url="https://testserver")
    assert sign_in(client, add_account(ws, role, name)).status_code == 303
    token = client.get("/api/me").json().get("csrf_token")
    if token:
        client.headers["X-CSRF-Token"] = token
    return client


def _incidents(ws: WebWorkspace) -> list[int]:
    with ws.workspace.sessions() as s:
        return list(s.scalars(select(Incident.id).order_by(Incident.id)))


def test_the_notice_is_the_registrys() -> None:
    assert LEGAL_NOTICE == legal.NOTICE
    assert evidence_refs(" span:12, document:3\nincident:4 ") == ["span:12", "document:3", "incident:4"]


def test_a_claims_page_sets_the_evidence_on_each_side(web_workspace: WebWorkspace) -> None:
    ws = web_workspace
    first, second = _incidents(ws)
    with signed_in_client(ws.workspace, Role.ANALYST) as client:
        listing = client.get("/claims")
        assert listing.status_code == 200 and "Invented Spokesman" in listing.text
        page = client.get(f"/claims/{ws.claim_id}")
        assert page.status_code == 200
        assert "Evidence that contradicts" in page.text and "Evidence that supports" in page.text
        assert "It does not say whether the statement is true" in page.text
        assert re.search(rf'href="/documents/{ws.english_id}#span-\d+"', page.text)
        token = _csrf(page.text)
        linked = client.post(f"/claims/{ws.claim_id}/links",
                             data={"incident_id": str(first), "relation": "contradicts", "note": "14 held",
                                   "csrf": token}, follow_redirects=False)  # fmt: skip
        assert linked.status_code == 303
        again = client.post(f"/claims/{ws.claim_id}/links",
                            data={"incident_id": str(first), "relation": "contradicts", "csrf": token})  # fmt: skip
        assert again.status_code == 400 and "already linked" in again.text
        refused = client.post(f"/claims/{ws.claim_id}/links", data={"incident_id": str(second), "csrf": "x"})
        assert refused.status_code == 403
        api = client.post(
            f"/api/claims/{ws.claim_id}/links", json={"incident_id": second, "relation": "supports"}
        )
        assert api.status_code == 200 and api.json()["relation"] == "supports"

        dossier = client.get(f"/api/claims/{ws.claim_id}").json()
        assert dossier["note"] == DOSSIER_NOTE
        assert [e["incident_id"] for e in dossier["contradicts"]] == [first]
        assert [e["incident_id"] for e in dossier["supports"]] == [second]
        act = dossier["contradicts"][0]["acts"][0]
        assert (act["violation"], act["count"]["value"], act["count"]["qualifier"]) == (
            "arbitrary_detention",
            14,
            "at_least",
        )
        assert dossier["contradicts"][0]["reports"][0]["document_id"] == ws.english_id
        page = client.get(f"/claims/{ws.claim_id}").text
        columns = page.split('id="supports-heading"')
        assert f'href="/incidents/{first}"' in columns[0] and f'href="/incidents/{second}"' in columns[1]

        unlinked = client.post(f"/claims/{ws.claim_id}/links",
                               data={"incident_id": str(second), "unlink": "1", "csrf": token},
                               follow_redirects=False)  # fmt: skip
        assert unlinked.status_code == 303
        assert client.get(f"/api/claims/{ws.claim_id}").json()["supports"] == []
        assert (
            client.post(
                f"/api/claims/{ws.claim_id}/links", json={"incident_id": second, "unlink": True}
            ).status_code
            == 404
        )

        by_incident = client.get("/api/claims", params={"incident_id": first}).json()
        assert [c["id"] for c in by_incident["claims"]] == [ws.claim_id]
        assert by_incident["claims"][0]["contradicting"] == 1
        assert client.get("/api/claims", params={"incident_id": second}).json()["total"] == 0
        assert client.get("/api/claims", params={"stance": "assurance"}).json()["total"] == 0

        made = client.post("/api/claims", json={"speaker": "Invented Minister", "quote": "An amnesty for all.",
                                                "stance": "assurance", "stated_on": "2021-08-17"})  # fmt: skip
        assert made.status_code == 201 and made.json()["review_status"] == "accepted"
        form = client.post("/claims", data={"speaker": "X", "quote": "", "csrf": token})
        assert form.status_code == 400 and "needs the words" in form.text

        incident_page = client.get(f"/incidents/{first}").text
        assert f'href="/claims?incident={first}"' in incident_page
        assert f'href="/acts/{ws.act_id}/legal"' in incident_page
        for lang in ("fa", "ps"):
            assert client.get(f"/claims/{ws.claim_id}?lang={lang}").status_code == 200
            assert client.get(f"/claims?lang={lang}").status_code == 200
    with ws.workspace.sessions() as s:
        actions = [(c.action, c.actor) for c in history(s, "claim", ws.claim_id)]
    assert actions == [
        ("link_incident", "analyst-user"),
        ("link_incident", "analyst-user"),
        ("unlink_incident", "analyst-user"),
    ]


def test_roles_and_confidentiality(web_workspace: WebWorkspace) -> None:
    ws = web_workspace
    first = _incidents(ws)[0]
    with ws.workspace.sessions.begin() as s:
        secret = Claim(speaker="Invented Commander", quote="Nobody was taken.", stance="denial",
                       confidentiality="confidential")  # fmt: skip
        s.add(secret)
        s.flush()
        secret_id = secret.id
    with signed_in_client(ws.workspace, Role.VIEWER) as viewer:
        # Restricted (the default) is above a viewer: "not found"; a public claim is shown.
        assert viewer.get(f"/claims/{ws.claim_id}").status_code == 404
        assert viewer.get("/api/claims").json()["total"] == 0
        with ws.workspace.sessions.begin() as s:
            s.execute(update(Claim).where(Claim.id == ws.claim_id).values(confidentiality="public"))
        assert viewer.get(f"/claims/{ws.claim_id}").status_code == 200
        assert [c["id"] for c in viewer.get("/api/claims").json()["claims"]] == [ws.claim_id]
        assert viewer.get(f"/api/claims/{secret_id}").status_code == 404
        assert "Invented Commander" not in viewer.get("/claims").text
        refused = viewer.post(
            f"/api/claims/{ws.claim_id}/links", json={"incident_id": first, "relation": "supports"}
        )
        assert refused.status_code == 403
        assert "Link an incident" not in viewer.get(f"/claims/{ws.claim_id}").text
    with signed_in_client(ws.workspace, Role.LEGAL) as lawyer:
        # A lawyer reads confidential claims with a reason, and does not link them.
        assert lawyer.get(f"/api/claims/{secret_id}").status_code == 403
        assert lawyer.get(f"/claims/{secret_id}").status_code == 403
        read = lawyer.get(f"/api/claims/{secret_id}", params={"reason": "preparing a submission"})
        assert read.status_code == 200 and read.json()["speaker"] == "Invented Commander"
        refused = lawyer.post(
            f"/api/claims/{secret_id}/links", json={"incident_id": first, "relation": "supports"}
        )
        assert refused.status_code == 403
    with signed_in_client(ws.workspace, Role.ANALYST) as analyst:
        # An analyst may link, but not a claim above their level: it is "not found".
        hidden = analyst.post(
            f"/api/claims/{secret_id}/links", json={"incident_id": first, "relation": "supports"}
        )
        assert hidden.status_code == 404
        assert secret_id not in [c["id"] for c in analyst.get("/api/claims").json()["claims"]]
    # An incident above the reader's level is left out of the dossier.
    with ws.workspace.sessions.begin() as s:
        s.execute(update(Incident).where(Incident.id == first).values(confidentiality="confidential"))
    with signed_in_client(ws.workspace, Role.ADMIN) as admin:
        assert admin.post(f"/api/claims/{ws.claim_id}/links",
                          json={"incident_id": first, "relation": "contradicts"}).status_code == 200  # fmt: skip
    with _second_client(ws.workspace, Role.VIEWER, "viewer-two") as viewer:
        assert viewer.get(f"/api/claims/{ws.claim_id}").json()["contradicts"] == []
        assert viewer.get("/api/claims").json()["claims"][0]["contradicting"] == 0


def test_the_legal_page_shows_the_notice_and_keeps_a_lawyers_finding(web_workspace: WebWorkspace) -> None:
    ws = web_workspace
    with signed_in_client(ws.workspace, Role.LEGAL) as lawyer:
        page = lawyer.get(f"/acts/{ws.act_id}/legal")
        assert page.status_code == 200
        assert legal.NOTICE in page.text
        assert "Rome Statute, art. 7(1)(e)" in page.text
        assert page.text.count('name="provision"') == sum(
            len(p["elements"]) for p in lawyer.get(f"/api/acts/{ws.act_id}/legal").json()["provisions"]
        )
        span = re.search(r"span:(\d+)", page.text)
        assert span
        done = lawyer.post(f"/acts/{ws.act_id}/legal",
                           data={"provision": "rs_7_1_e", "element": "deprived", "finding": "satisfied",
                                 "notes": "held for 40 days", "evidence": f"span:{span[1]} document:{ws.english_id}",
                                 "csrf": _csrf(page.text)}, follow_redirects=False)  # fmt: skip
        assert done.status_code == 303 and done.headers["location"].endswith("#rs_7_1_e-deprived")
        page = lawyer.get(f"/acts/{ws.act_id}/legal").text
        assert "held for 40 days" in page and "Satisfied" in page
        assert f'href="/documents/{ws.english_id}#span-{span[1]}"' in page
        wrong = lawyer.post(f"/acts/{ws.act_id}/legal",
                            data={"provision": "gc_2_a", "element": "killed", "finding": "satisfied",
                                  "csrf": _csrf(page)})  # fmt: skip
        assert wrong.status_code == 400 and "not among the provisions" in wrong.text

        api = lawyer.post(f"/api/acts/{ws.act_id}/legal",
                          json={"provision": "rs_7_1_e", "element": "fundamental_rules",
                                "finding": "insufficient_information", "notes": "no court record"})  # fmt: skip
        assert api.status_code == 200
        assert (api.json()["finding"], api.json()["assessed_by"]) == (
            "insufficient_information",
            "legal-user",
        )
        sheet = lawyer.get(f"/api/acts/{ws.act_id}/legal").json()
        assert sheet["notice"] == legal.NOTICE
        findings = {e["code"]: e["finding"] for e in sheet["provisions"][0]["elements"]}
        assert (
            findings["deprived"] == "satisfied"
            and findings["fundamental_rules"] == "insufficient_information"
        )
        # Every other element stays unexamined: nothing is filled in by code.
        others = [e["finding"] for p in sheet["provisions"][1:] for e in p["elements"]]
        assert others and set(others) == {"not_examined"}
        for lang in ("fa", "ps"):
            translated = lawyer.get(f"/acts/{ws.act_id}/legal?lang={lang}")
            assert translated.status_code == 200 and legal.NOTICE not in translated.text
    with ws.workspace.sessions() as s:
        row = s.scalar(select(ElementAssessment).where(ElementAssessment.element == "deprived"))
        assert row is not None and row.evidence == [f"span:{span[1]}", f"document:{ws.english_id}"]
        assert [(c.action, c.actor) for c in history(s, "assessment", row.id)] == [
            ("assess_element", "legal-user")
        ]
    with signed_in_client(ws.workspace, Role.ANALYST) as analyst:
        assert analyst.get(f"/acts/{ws.act_id}/legal").status_code == 200
        refused = analyst.post(f"/api/acts/{ws.act_id}/legal",
                               json={"provision": "rs_7_1_e", "element": "deprived", "finding": "not_satisfied"})  # fmt: skip
        assert refused.status_code == 403
        assert 'name="finding"' not in analyst.get(f"/acts/{ws.act_id}/legal").text
    with signed_in_client(ws.workspace, Role.VIEWER) as viewer:
        assert viewer.get(f"/api/acts/{ws.act_id}/legal").status_code == 403
    # An act above the reader's level is "not found".
    with ws.workspace.sessions.begin() as s:
        s.execute(update(Act).where(Act.id == ws.act_id).values(confidentiality="confidential"))
    with _second_client(ws.workspace, Role.ANALYST, "analyst-two") as analyst:
        assert analyst.get(f"/acts/{ws.act_id}/legal").status_code == 404
