"""Search: either Arabic-script spelling finds both, facets, filters; SQLite FTS5 and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from gawah.registry.search import Filters, fts5_query, reindex, search
from gawah.workspace import Workspace
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
