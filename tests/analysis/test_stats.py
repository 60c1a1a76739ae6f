"""Statistics over confirmed incidents: merged events once, honest bounds, filters, both databases."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from gawah.analysis import snapshot
from gawah.analysis.selection import ALL_LEVELS, Selection, SelectionError, make_selection, parse_period
from gawah.analysis.stats import VictimCount, compute, group_members, incident_ids
from gawah.store.engine import transaction
from gawah.store.models import Act, Incident, RegistryChange
from gawah.workspace import Workspace
from tests.analysis.stats_data import add_incident, build_registry


@pytest.fixture
def registry(workspace: Workspace) -> dict[str, Any]:
    with transaction(workspace.sessions) as session:
        made = build_registry(session)
        return {k: v.id for k, v in made.items()}


def _groups(stats: Any, dimension: str) -> dict[str, Any]:
    return {g.key: g for g in stats.groups[dimension]}


def test_counts_confirmed_incidents_once_with_honest_bounds(
    workspace: Workspace, registry: dict[str, int]
) -> None:
    con = snapshot.in_memory(workspace.engine)
    stats = compute(con, Selection())
    # a, b, c, d, e: not the candidate, the retracted, or the incident merged into a.
    assert stats.incidents == 5
    assert stats.acts == 6  # the candidate act of b is left out
    # 5 exact + 3 exact; at least 10, more than 2 (=3), e without count; about 20.
    assert stats.victims == VictimCount(
        total=41, bound="at_least", exact=8, lower_bounded=13, approximate=20, acts_without_count=1
    )
    assert stats.victims.as_text() == "at least 41"
    killing = _groups(stats, "violation")["killing"]
    assert (killing.incidents, killing.victims.total, killing.victims.bound) == (3, 8, "at_least")
    torture = _groups(stats, "violation")["torture"]
    assert (torture.victims.total, torture.victims.bound) == (20, "approximately")
    detention = _groups(stats, "violation")["arbitrary_detention"]
    assert (detention.incidents, detention.victims.total, detention.victims.bound) == (2, 13, "at_least")


def test_groups_by_place_month_group_perpetrator(workspace: Workspace, registry: dict[str, int]) -> None:
    stats = compute(snapshot.in_memory(workspace.engine), Selection())
    provinces = _groups(stats, "province")
    # Place names resolve to pcodes through the gazetteer (Baghlan had no pcode stored).
    assert provinces["AF08"].incidents == 2  # a and d
    assert provinces["AF01"].incidents == 3  # b, d, e
    assert provinces["AF09"].incidents == 1
    assert _groups(stats, "district")["AF0907"].incidents == 1  # Andarab, by name
    # d is in two provinces: counted under each, but once in the total.
    assert sum(g.incidents for g in provinces.values()) > stats.incidents
    districts = _groups(stats, "district")
    assert districts["AF0801"].parent == "AF08"
    # Codes are named by the gazetteer (OCHA spelling) in the command line's and the API's output.
    assert provinces["AF08"].label == "Panjsher" and districts["AF0907"].label == "Andarab"
    assert compute(snapshot.in_memory(workspace.engine), Selection(), ("province",), labels={}).groups[
        "province"
    ][0].label.startswith("AF")
    months = _groups(stats, "month")
    assert months["2022-09"].incidents == 2 and months["2021-09"].incidents == 1
    groups = _groups(stats, "victim_group")
    # a's detention names civilians and youth; a's killing civilians: one incident, acts counted once.
    assert groups["civilians"].incidents == 1 and groups["civilians"].acts == 2
    assert groups["civilians"].victims.total == 15
    assert groups["unknown"].incidents == 1  # c names no group
    perpetrators = _groups(stats, "perpetrator")
    assert perpetrators["unknown"].incidents == 1 and perpetrators["taliban"].incidents == 4


def test_filters(workspace: Workspace, registry: dict[str, int]) -> None:
    con = snapshot.in_memory(workspace.engine)
    only_killing = compute(con, make_selection(violations=["killing"]))
    assert only_killing.incidents == 3 and {g.key for g in only_killing.groups["violation"]} == {"killing"}
    panjshir = compute(con, make_selection(provinces=["panjshir"]))
    assert panjshir.incidents == 2
    assert compute(con, make_selection(provinces=["AF08"])).incidents == 2
    assert compute(con, make_selection(districts=["Bazarak"])).incidents == 2
    assert compute(con, make_selection(period="2022-09")).incidents == 2
    assert compute(con, make_selection(period="2022-10..")).incidents == 2
    assert compute(con, make_selection(statuses=["verified"])).incidents == 1
    assert compute(con, make_selection(perpetrators=["unknown"])).incidents == 1
    public = compute(con, make_selection(levels=("public",)))
    assert public.incidents == 4
    nothing = compute(con, make_selection(violations=["pillage"]))
    assert nothing.empty and nothing.victims.total == 0 and nothing.victims.bound == "exact"
    assert all(rows == [] for rows in nothing.groups.values())


def test_records_behind_each_figure(workspace: Workspace, registry: dict[str, int]) -> None:
    con = snapshot.in_memory(workspace.engine)
    assert incident_ids(con, Selection()) == sorted(registry[k] for k in "abcde")
    assert incident_ids(con, Selection(), "violation", "killing") == sorted(registry[k] for k in "ade")
    members = group_members(con, Selection(), "province")
    assert members["AF08"] == sorted([registry["a"], registry["d"]])


def test_cached_snapshot_follows_changes(
    workspace: Workspace, registry: dict[str, int], tmp_path: Any
) -> None:
    path = tmp_path / "cache" / "analysis.duckdb"
    con = snapshot.open_snapshot(workspace.engine, path)
    assert compute(con, Selection()).incidents == 5
    con.close()
    before = path.stat().st_mtime_ns
    # Unchanged registry: the file is reused.
    snapshot.open_snapshot(workspace.engine, path).close()
    assert path.stat().st_mtime_ns == before
    with transaction(workspace.sessions) as session:
        add_incident(
            session, title="New", start=dt.date(2023, 1, 1), acts=[{"violation": "killing", "count": 1}]
        )
    con = snapshot.open_snapshot(workspace.engine, path)
    assert compute(con, Selection()).incidents == 6
    con.close()
    # An edit (rejecting an act) is seen through the registry change the registry records with it.
    with transaction(workspace.sessions) as session:
        act = session.get(Act, session.query(Act.id).filter(Act.count_value == 1).scalar())
        assert act is not None
        act.review_status = "rejected"
        session.add(RegistryChange(subject_type="act", subject_id=act.id, action="reject", actor="tester"))
    con = snapshot.open_snapshot(workspace.engine, path)
    assert compute(con, Selection()).acts == 6
    con.close()


def test_empty_registry(workspace: Workspace) -> None:
    stats = compute(snapshot.in_memory(workspace.engine), Selection())
    assert stats.empty and stats.as_dict()["totals"]["incidents"] == 0


def test_bad_selections() -> None:
    with pytest.raises(SelectionError):
        make_selection(period="2022-13")
    with pytest.raises(SelectionError):
        make_selection(period="last year")
    with pytest.raises(SelectionError):
        make_selection(statuses=["retracted"])
    with pytest.raises(SelectionError):
        make_selection(start="2023-01-01", end="2022-01-01")
    assert parse_period("2024-02") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert make_selection().levels == ALL_LEVELS


def test_precomputed_answers_match_the_computed_ones(
    workspace: Workspace, registry: dict[str, int], tmp_path: Any
) -> None:
    cached = snapshot.open_snapshot(workspace.engine, tmp_path / "analysis.duckdb")
    fresh = snapshot.in_memory(workspace.engine)
    for levels in (("public",), ("public", "restricted"), ALL_LEVELS):
        stored = compute(cached, Selection(levels=levels))
        assert stored.as_dict() == compute(fresh, Selection(levels=levels)).as_dict()
    # A filtered selection is computed, not read from the stored answers.
    assert compute(cached, make_selection(violations=["torture"])).incidents == 1
    cached.close()


def test_refresh_after_rows_deleted_by_hand(
    workspace: Workspace, registry: dict[str, int], tmp_path: Any
) -> None:
    path = tmp_path / "analysis.duckdb"
    snapshot.open_snapshot(workspace.engine, path).close()
    with transaction(workspace.sessions) as session:
        # The highest incident id stays; only a count would notice this deletion.
        session.delete(session.get(Incident, registry["b"]))
    con = snapshot.open_snapshot(workspace.engine, path, refresh=True)
    assert compute(con, Selection()).incidents == 4
    con.close()
