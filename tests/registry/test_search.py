"""Search: either Arabic-script spelling finds both, facets, filters; SQLite FTS5 and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import text

from gawah.ingest.pipeline import Ingestor
from gawah.registry import review, same_event
from gawah.registry.corroboration import set_status
from gawah.registry.search import (
    Filters,
    blind_key,
    blind_token,
    fts5_query,
    previews,
    refresh_entries,
    reindex,
    search,
    snippet,
    words_of,
)
from gawah.security.crypto import create_data_key
from gawah.security.vault_cipher import unlock_workspace
from gawah.store.models import Act, Claim, Incident, Involvement, Person
from gawah.workspace import Workspace, init_workspace
from tests.registry.conftest import Reports, add_document


def test_queries_are_folded_and_quoted() -> None:
    assert fts5_query('ولسوالي "مالستان" OR') == '"ولسوالی" "مالستان" "or"'
    assert fts5_query("  ") == ""


def test_either_spelling_finds_both(workspace: Workspace, reports: Reports) -> None:
    with workspace.sessions.begin() as s:
        # Arabic yeh and kaf in one document, Persian letters in the other.
        add_document(s, "در ولسوالي ملستان كشته شدند", "گزارش يك", None)
        add_document(s, "در ولسوالی ملستان کشته شدند", "گزارش دو", None)
        assert reindex(s) == 5 + 3
    with workspace.sessions() as s:
        for spelling in ("ولسوالي", "ولسوالی"):
            hits = search(s, spelling).hits
            assert {h.kind for h in hits} == {"document"} and len(hits) == 2
        result = search(s, "Khinjan")
        assert {(h.kind, h.record_id) for h in result.hits} >= {
            ("incident", reports.ngo_incident), ("incident", reports.news_incident)
        }  # fmt: skip
        assert result.facets["kind"]["incident"] == 2
        assert result.facets["violations"] == {"arbitrary_detention": 2}
        only = search(s, "Khinjan", Filters(kind="incident", province="Baghlan", start=dt.date(2023, 3, 4)))
        assert [h.record_id for h in only.hits] == [reports.news_incident]
        assert search(s, "Khinjan", Filters(violation="killing")).hits == []
        assert search(s, "soldiers", Filters(kind="document")).hits


def test_snippet_marks_either_spelling_in_the_original_text() -> None:
    text = "مقدمه. " + "کلمه " * 80 + "در ولسوالي مالستان كشته شدند. " + "پایان " * 80
    pieces = snippet(text, words_of("ولسوالی"))
    marked = [t for t, m in pieces if m]
    assert marked == ["ولسوالي"]  # the original spelling, found by the folded one
    assert pieces[0] == ("… ", False) and pieces[-1] == (" …", False)
    assert sum(len(t) for t, _ in pieces) < 300
    # No match: the beginning of the text, nothing marked.
    assert snippet("A short text.", ["absent"]) == [("A short text.", False)]


def test_levels_filter_hits_and_facet_counts(workspace: Workspace, reports: Reports) -> None:
    with workspace.sessions.begin() as s:
        reindex(s)
        incident = s.get(Incident, reports.other_incident)
        assert incident is not None
        incident.confidentiality = "confidential"
        refresh_entries(s, "incident", [incident.id])
    with workspace.sessions() as s:
        seen = search(s, "Malistan", levels=("public", "restricted", "confidential"))
        assert ("incident", reports.other_incident) in {(h.kind, h.record_id) for h in seen.hits}
        assert seen.facets["violations"] == {"killing": 1}
        hidden = search(s, "Malistan", levels=("public", "restricted"))
        assert ("incident", reports.other_incident) not in {(h.kind, h.record_id) for h in hidden.hits}
        # Nothing in the counts tells of the confidential incident either.
        assert "killing" not in hidden.facets.get("violations", {})
        assert "Ghazni" not in hidden.facets.get("province", {})
        assert search(s, "civilians", levels=()).hits == []


def test_paging(workspace: Workspace, reports: Reports) -> None:
    with workspace.sessions.begin() as s:
        reindex(s)
    with workspace.sessions() as s:
        first = search(s, "Khinjan", limit=2)  # two documents and two incidents
        second = search(s, "Khinjan", limit=2, offset=2)
        assert first.more and len(first.hits) == 2
        ids = {(h.kind, h.record_id) for h in first.hits} | {(h.kind, h.record_id) for h in second.hits}
        assert len(ids) == 4 and not second.more
        assert not search(s, "Khinjan", limit=50).more


def test_the_index_follows_decisions_without_a_rebuild(workspace: Workspace, reports: Reports) -> None:
    with workspace.sessions.begin() as s:
        reindex(s)
        claim = Claim(speaker="Invented Spokesman", stance="denial", quote="Nobody was detained in Zindajan.")
        s.add(claim)
        s.flush()
        claim_id = claim.id
    with workspace.sessions() as s:
        assert search(s, "Zindajan").hits == []  # stored outside any decision: not indexed yet
    with workspace.sessions.begin() as s:
        review.accept(s, "claim", claim_id, "reviewer-one")
    with workspace.sessions() as s:
        assert [(h.kind, h.record_id) for h in search(s, "Zindajan").hits] == [("claim", claim_id)]
    with workspace.sessions.begin() as s:
        same_event.merge(s, reports.ngo_incident, reports.news_incident, "reviewer-one")
    with workspace.sessions() as s:
        found = {h.record_id for h in search(s, "Khinjan", Filters(kind="incident")).hits}
        assert found == {reports.ngo_incident}  # the absorbed report is found through the merged one
        # A word only the absorbed report had finds the merged incident.
        assert {h.record_id for h in search(s, "Invented Rights Watch", Filters(kind="incident")).hits} == {
            reports.ngo_incident
        }
    with workspace.sessions.begin() as s:
        set_status(s, reports.other_incident, "disputed", "reviewer-one", note="contested")
    with workspace.sessions() as s:
        assert [h.record_id for h in search(s, "Malistan", Filters(status="disputed")).hits] == [
            reports.other_incident
        ]


def test_ingest_indexes_the_new_document_at_once(workspace: Workspace, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text("Night raid in Qarabagh. The elders of Sarband were taken away.\n", encoding="utf-8")
    outcomes = Ingestor(workspace.sessions, workspace.blobs).ingest([report])
    assert [o.status for o in outcomes] == ["stored"]
    with workspace.sessions() as s:
        hits = search(s, "sarband elders").hits
        assert [(h.kind, h.record_id) for h in hits] == [("document", outcomes[0].document_id)]


PASSPHRASE = "an invented workspace passphrase"
SECRET_NAME = "Zarlashta Wardakzai"  # an invented witness, sealed in persons.name
SECRET_WORD = "Sepidbargan"  # an invented village, only in a confidential document (its text sealed)


def test_blind_index_in_an_encrypted_workspace(tmp_path: Path, database_url: str | None) -> None:
    settings = init_workspace(tmp_path / "ws", name="sealed", database_url=database_url)
    create_data_key(settings.keys_dir, PASSPHRASE, n=2**10)
    with Workspace.open(settings.root) as ws:
        assert unlock_workspace(ws, PASSPHRASE)
        with ws.sessions.begin() as s:
            doc = add_document(s, f"Statement taken near {SECRET_WORD}. Night raid.", "Testimony 7", None)
            doc.confidentiality = "confidential"
            public = add_document(s, "Night raid reported in Kabul.", "Public note", None)
            public.confidentiality = "public"
            person = Person(name=SECRET_NAME, confidentiality="restricted")
            act = Act(violation="arbitrary_detention")
            act.involvements.append(Involvement(person=person, role="victim", confidentiality="restricted"))
            incident = Incident(title="Detention at a checkpoint", confidentiality="restricted", acts=[act])
            s.add(incident)
            s.flush()
            reindex(s)
            ids = (doc.id, public.id, incident.id)
            key = blind_key(s)
            assert key is not None
        with ws.sessions() as s:
            everyone = ("public", "restricted", "confidential")
            assert [h.record_id for h in search(s, SECRET_WORD.lower(), levels=everyone).hits] == [ids[0]]
            assert [h.record_id for h in search(s, "wardakzai", levels=everyone).hits] == [ids[2]]
            # Plain and blinded records answer one query together.
            assert {h.record_id for h in search(s, "night raid", Filters(kind="document")).hits} == set(
                ids[:2]
            )
            # Whole words only on blinded records: no prefix.
            assert search(s, SECRET_WORD[:6], levels=everyone).hits == []
            assert search(s, SECRET_WORD, levels=("public", "restricted")).hits == []
            titles = {p.record_id: p.title for p in previews(s, search(s, "raid").hits, "raid")}
            assert titles[ids[0]] == "Testimony 7"
            # The index holds blind tokens where the words would be, for every record.
            entries = " ".join(
                t + " " + b for t, b in s.execute(text("SELECT title, body FROM search_entries"))
            )
            assert SECRET_WORD.lower() not in entries and "testimony" not in entries
            assert blind_token(key, "wardakzai") in entries and "wardakzai" not in entries
            assert blind_token(key, "kabul") in entries and "kabul" not in entries
    if database_url is not None:
        return
    # The copied database file (with its journal) never holds the sealed name.
    database = b"".join(p.read_bytes() for p in settings.root.rglob("gawah.sqlite3*") if p.is_file())
    assert database
    for word in ("Wardakzai", "wardakzai", "Zarlashta", "zarlashta", SECRET_WORD, SECRET_WORD.lower()):
        assert word.encode("utf-8") not in database


def test_search_command_shows_titles_snippets_and_pages(workspace: Workspace, reports: Reports) -> None:
    from tests.registry.test_cli import _app, runner

    where = ["--workspace", str(workspace.settings.root)]
    never = runner.invoke(_app(), ["search", "Khinjan", *where])
    assert never.exit_code != 0 and "--reindex" in never.output
    found = runner.invoke(
        _app(), ["search", "Khinjan", "--reindex", "--limit", "3", "--format", "json", *where]
    )
    assert found.exit_code == 0, found.output
    data = json.loads(found.stdout)
    assert data["more"] and len(data["hits"]) == 3
    assert {h["title"] for h in data["hits"] if h["kind"] == "document"} <= {"Field report", "News article"}
    assert all(h["marked"] == ["Khinjan"] for h in data["hits"] if h["kind"] == "document")
    rest = runner.invoke(_app(), ["search", "Khinjan", "--offset", "3", "--format", "json", *where])
    assert not json.loads(rest.stdout)["more"]
