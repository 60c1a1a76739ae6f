"""One event, many reports: proposals with reasons, merge, statistics once, independence, undo."""

from __future__ import annotations

import datetime as dt

import pytest

from gawah.registry import review, same_event
from gawah.registry.changes import RegistryError, deciding, incident_snapshot
from gawah.registry.corroboration import (
    SourceRef,
    check_transition,
    grade_report,
    grade_source,
    independent_sources,
    repetitions,
    set_status,
)
from gawah.registry.incidents import incident_view, statistics
from gawah.registry.same_event import IncidentFacts, compare
from gawah.store.models import Incident, Source
from gawah.workspace import Workspace
from tests.registry.conftest import Reports


def _facts(id_: int, doc: int, **kw: object) -> IncidentFacts:
    base: dict[str, object] = dict(
        id=id_, documents=frozenset({doc}), violations=frozenset({"killing"}),
        provinces=frozenset({"Ghazni"}), districts=frozenset({"Malistan"}),
        start=dt.date(2022, 9, 20), end=dt.date(2022, 9, 20), counts={"killing": 3},
        text="three civilians were killed in Malistan",
    )  # fmt: skip
    base.update(kw)
    return IncidentFacts(**base)  # type: ignore[arg-type]


def test_compare_names_its_reasons() -> None:
    score, reasons = compare(_facts(1, 1), _facts(2, 2, start=dt.date(2022, 9, 22), end=dt.date(2022, 9, 22)))
    assert score > 0.9
    assert [r.code for r in reasons] == ["same_violation", "same_district", "dates_overlap", "same_count",
                                         "similar_wording"]  # fmt: skip
    assert same_event.explain(reasons[1]) == "same district: Malistan"


def test_compare_counts_against_other_provinces_and_far_dates() -> None:
    far = _facts(2, 2, provinces=frozenset({"Kabul"}), districts=frozenset(), start=dt.date(2023, 1, 1),
                 end=dt.date(2023, 1, 1), counts={"killing": 40}, text="")  # fmt: skip
    score, reasons = compare(_facts(1, 1), far)
    assert score == 0.0
    assert {"different_province", "dates_far_apart", "different_counts"} <= {r.code for r in reasons}
    assert compare(_facts(1, 1), _facts(2, 2, violations=frozenset({"torture"})))[0] == 0.0


def test_proposals_skip_pairs_from_one_document() -> None:
    assert same_event.propose_pairs([_facts(1, 1), _facts(2, 1)]) == []
    assert [(p.incident_id, p.other_id) for p in same_event.propose_pairs([_facts(1, 1), _facts(2, 2)])] == [(1, 2)]


def test_independence_and_repetition_rules() -> None:
    refs = [SourceRef(1, 10, 100, True), SourceRef(2, 10, 101, True), SourceRef(3, None, 102, True),
            SourceRef(4, 11, 103, False)]  # fmt: skip
    assert independent_sources(refs) == 2
    members = [(1, 10, None), (2, 11, "according to Invented Rights Watch")]
    assert repetitions(members, {10: "Invented Rights Watch", 11: "Invented Daily"}) == [(2, 10)]
    with pytest.raises(RegistryError, match="two independent sources"):
        check_transition("reported", "corroborated", 1, None, "")
    with pytest.raises(RegistryError, match="standard of proof"):
        check_transition("corroborated", "verified", 3, None, "")
    with pytest.raises(RegistryError, match="note is required"):
        check_transition("reported", "disputed", 1, None, "")
    with pytest.raises(RegistryError, match="can become reported"):
        check_transition("retracted", "verified", 3, "reasonable_grounds", "")
    check_transition("corroborated", "verified", 2, "reasonable_grounds", "")


def test_merge_keeps_every_source_counts_once_and_undo_restores_both(workspace: Workspace, reports: Reports) -> None:
    with deciding(workspace.sessions) as s:
        for act in (reports.ngo_act, reports.news_act, reports.other_act):
            review.accept(s, "act", act, "analyst-a")
    with workspace.sessions() as s:
        proposals = same_event.propose(s)
        assert [(p.incident_id, p.other_id) for p in proposals] == [(reports.ngo_incident, reports.news_incident)]
        codes = {r.code for r in proposals[0].reasons}
        assert {"same_violation", "same_district", "dates_overlap", "same_count"} <= codes
        before = {i: incident_snapshot(s.get(Incident, i)) for i in (reports.ngo_incident, reports.news_incident)}  # type: ignore[arg-type]
        assert statistics(s)["incidents"] == 3
    with deciding(workspace.sessions) as s:
        same_event.merge(s, reports.ngo_incident, reports.news_incident, "analyst-a")
    with workspace.sessions() as s:
        view = incident_view(s, reports.ngo_incident)
        assert view["merged_from"] == [reports.news_incident]
        assert {r["document_title"] for r in view["reports"]} == {"Field report", "News article"}
        news = next(r for r in view["reports"] if r["document_title"] == "News article")
        # The article repeats the NGO's report: not an independent source.
        assert news["independent"] is False and news["repeats_source_name"] == "Invented Rights Watch"
        assert view["independent_sources"] == 1
        stats = statistics(s)
        assert stats["incidents"] == 2 and stats["reports"] == 3
        assert stats["incidents_by_violation"] == {"arbitrary_detention": 1, "killing": 1}
        assert stats["victims_by_violation"] == {"arbitrary_detention": 14, "killing": 3}
        assert same_event.propose(s) == []
    with deciding(workspace.sessions) as s, pytest.raises(RegistryError, match="two independent sources"):
        set_status(s, reports.ngo_incident, "corroborated", "analyst-a")
    with deciding(workspace.sessions) as s:
        same_event.undo_merge(s, reports.news_incident, "analyst-b")
    with workspace.sessions() as s:
        after = {i: incident_snapshot(s.get(Incident, i)) for i in (reports.ngo_incident, reports.news_incident)}  # type: ignore[arg-type]
        assert after == before
        assert statistics(s)["incidents"] == 3
        # Undone means undecided: the pair is proposed again.
        assert len(same_event.propose(s)) == 1


def test_refused_pairs_are_not_proposed_again(workspace: Workspace, reports: Reports) -> None:
    with deciding(workspace.sessions) as s:
        same_event.refuse(s, reports.ngo_incident, reports.news_incident, "analyst-a", note="different villages")
    with workspace.sessions() as s:
        assert same_event.propose(s) == []


def test_grading_and_status_with_standard_of_proof(workspace: Workspace, reports: Reports) -> None:
    with deciding(workspace.sessions) as s:
        grade_source(s, reports.ngo_source, "b", "analyst-a")
        third = Source(name="Invented Witness Network", kind="ngo")
        s.add(third)
        s.flush()
        incident = s.get(Incident, reports.news_incident)
        assert incident is not None
        # The article, graded credible and independent, is merged: two independent organisations.
        grade_report(s, incident.sources[0].id, "analyst-a", credibility=2)
        same_event.merge(s, reports.ngo_incident, reports.news_incident, "analyst-a")
        assert incident.sources[0].independent is False
        # The analyst finds the article had its own witnesses, and overrules the automatic mark.
        grade_report(s, incident.sources[0].id, "analyst-a", independent=True, note="own witnesses")
    with deciding(workspace.sessions) as s:
        set_status(s, reports.ngo_incident, "corroborated", "analyst-a", note="two organisations")
        set_status(s, reports.ngo_incident, "verified", "legal-b", standard_of_proof="reasonable_grounds")
    with workspace.sessions() as s:
        view = incident_view(s, reports.ngo_incident)
        assert (view["status"], view["standard_of_proof"]) == ("verified", "reasonable_grounds")
        source = s.get(Source, reports.ngo_source)
        assert source is not None and source.reliability == "B"
