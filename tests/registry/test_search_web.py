"""The search page and API: hits with marked snippets, facets as links, roles and levels, paging,
and a record found right after the decision or ingest that made it."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import update

from gawah.ingest.pipeline import Ingestor
from gawah.registry import review
from gawah.registry.search import reindex
from gawah.store.models import Document, Incident
from gawah.store.vocab import Role
from gawah.workspace import Workspace
from tests.registry.conftest import Reports
from tests.web.conftest import signed_in_client


def _hits(client: object, **params: str) -> list[tuple[str, int]]:
    from fastapi.testclient import TestClient

    assert isinstance(client, TestClient)
    response = client.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return [(h["kind"], h["id"]) for h in response.json()["hits"]]


def test_search_page_marks_words_links_records_and_offers_facets(
    workspace: Workspace, reports: Reports
) -> None:
    with workspace.sessions.begin() as s:
        reindex(s)
    with signed_in_client(workspace, Role.ANALYST) as client:
        page = client.get("/search", params={"q": "khinjan"})
        assert page.status_code == 200
        assert "<mark>Khinjan</mark>" in page.text  # the original spelling, marked
        assert f'href="/incidents/{reports.ngo_incident}"' in page.text
        assert 'href="/documents/' in page.text
        # Facets are links that narrow the search, with their counts.
        assert re.search(r'href="/search\?q=khinjan&amp;kind=incident">[^<]+</a> \(2\)', page.text)
        assert re.search(r'href="/search\?q=khinjan&amp;violation=arbitrary_detention">', page.text)
        narrowed = client.get("/search", params={"q": "khinjan", "kind": "incident", "from": "2023-03-04"})
        assert f'href="/incidents/{reports.news_incident}"' in narrowed.text
        assert f'href="/incidents/{reports.ngo_incident}"' not in narrowed.text
        assert "remove this filter" in narrowed.text
        # A malformed date is said so, not a crash.
        bad = client.get("/search", params={"q": "khinjan", "from": "3 March"})
        assert bad.status_code == 200 and 'role="alert"' in bad.text
        for lang in ("fa", "ps"):
            rtl = client.get("/search", params={"q": "khinjan", "lang": lang})
            assert rtl.status_code == 200 and 'dir="rtl"' in rtl.text
        # The header offers the search box on every page.
        assert 'action="/search"' in client.get("/").text


def test_api_search_answers_with_facets_and_pages(workspace: Workspace, reports: Reports) -> None:
    with workspace.sessions.begin() as s:
        reindex(s)
    with signed_in_client(workspace, Role.ANALYST) as client:
        body = client.get("/api/search", params={"q": "Khinjan", "limit": "2"}).json()
        assert body["more"] and len(body["hits"]) == 2
        assert body["facets"]["kind"] == {"document": 2, "incident": 2}
        assert any(
            piece["marked"] and piece["text"] == "Khinjan" for h in body["hits"] for piece in h["snippet"]
        )
        rest = client.get("/api/search", params={"q": "Khinjan", "limit": "2", "offset": "2"}).json()
        assert not rest["more"] and len(rest["hits"]) == 2
        assert _hits(
            client, q="Khinjan", kind="incident", status="reported", violation="arbitrary_detention"
        ) == [
            ("incident", reports.news_incident),
            ("incident", reports.ngo_incident),
        ]
        for bad in (
            {"q": ""},
            {"q": "x", "kind": "person"},
            {"q": "x", "from": "March"},
            {"q": "x", "limit": "0"},
        ):
            assert client.get("/api/search", params=bad).status_code == 422, bad


def test_what_a_role_may_not_see_is_neither_found_nor_counted(workspace: Workspace, reports: Reports) -> None:
    with workspace.sessions.begin() as s:
        s.execute(update(Document).values(confidentiality="public"))
        s.execute(update(Incident).values(confidentiality="public"))
        s.execute(
            update(Incident)
            .where(Incident.id == reports.other_incident)
            .values(confidentiality="confidential")
        )
        reindex(s)
    with signed_in_client(workspace, Role.VIEWER) as viewer:
        body = viewer.get("/api/search", params={"q": "Malistan"}).json()
        assert ("incident", reports.other_incident) not in {(h["kind"], h["id"]) for h in body["hits"]}
        assert "violations" not in body["facets"] and "Ghazni" not in body["facets"].get("province", {})
        page = viewer.get("/search", params={"q": "Malistan"})
        assert (
            page.status_code == 200
            and "province=Ghazni" not in page.text
            and "violation=killing" not in page.text
        )
        # A viewer may not open incident pages: their public incidents are listed without a link.
        assert 'href="/incidents/' not in viewer.get("/search", params={"q": "Khinjan"}).text
    with signed_in_client(workspace, Role.INVESTIGATOR) as investigator:
        body = investigator.get("/api/search", params={"q": "Malistan"}).json()
        hit = next(h for h in body["hits"] if h["kind"] == "incident")
        assert hit["id"] == reports.other_incident and hit["confidentiality"] == "confidential"
        assert hit["snippet"] == []  # its text is read on its page, with a reason
        assert body["facets"]["violations"] == {"killing": 1}
    with signed_in_client(workspace, Role.ANALYST) as analyst:
        assert ("incident", reports.other_incident) not in _hits(analyst, q="Malistan")


def test_found_right_after_a_decision_and_an_ingest(
    workspace: Workspace, reports: Reports, tmp_path: Path
) -> None:
    with workspace.sessions.begin() as s:
        reindex(s)
        incident = s.get(Incident, reports.other_incident)
        assert incident is not None
        incident.summary = "Bodies returned to families in Jirghatu."  # changed outside any decision
    with signed_in_client(workspace, Role.ANALYST) as client:
        assert _hits(client, q="Jirghatu") == []
        with workspace.sessions.begin() as s:
            review.accept(s, "act", reports.other_act, "analyst-user")
        assert _hits(client, q="Jirghatu") == [("incident", reports.other_incident)]
        report = tmp_path / "note.txt"
        report.write_text(
            "Checkpoint at Pul-e Khumri: shopkeepers of Dand-e Ghori questioned.\n", encoding="utf-8"
        )
        [outcome] = Ingestor(workspace.sessions, workspace.blobs).ingest([report])
        assert _hits(client, q="dand ghori shopkeepers") == [("document", outcome.document_id)]
