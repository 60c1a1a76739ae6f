"""The snapshot's incremental refresh: after edits, merges, unmerges, deletions and new incidents, the
refreshed file holds exactly what a full rebuild holds, and it declines what it cannot be sure of."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import delete, select, update

from gawah.analysis import refresh, snapshot
from gawah.analysis.selection import ALL_LEVELS, Selection, make_selection
from gawah.analysis.stats import compute
from gawah.registry import same_event
from gawah.registry.changes import record, touch
from gawah.store.engine import transaction
from gawah.store.models import Act, Incident, IncidentSource, Place
from gawah.workspace import Workspace
from tests.analysis.stats_data import add_incident, build_registry

TABLES = {
    "incidents": "id",
    "acts": "id",
    "incident_places": "incident_id, province_key, district_key",
    "incident_sources": "incident_id, source_id",
    "precomputed_totals": "levels",
    "precomputed_groups": "levels, dimension, ord",
}


@pytest.fixture
def registry(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    # The test's edits come seconds after the snapshot, and its registry is tiny: without these the
    # margin would count every incident as changed and the share would call for a rebuild.
    monkeypatch.setattr(refresh, "MARGIN", dt.timedelta(0))
    monkeypatch.setattr(refresh, "MAX_SHARE", 1.0)
    with transaction(workspace.sessions) as session:
        made = build_registry(session)
        return {k: v.id for k, v in made.items()}


def _contents(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            t: con.execute(f"SELECT * FROM {t} ORDER BY {order}").fetchall() for t, order in TABLES.items()
        }
    finally:
        con.close()


def _answers(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    selections = [Selection(levels=levels) for levels in (("public",), ("public", "restricted"), ALL_LEVELS)]
    selections += [make_selection(violations=["killing"]), make_selection(provinces=["AF08"], period="2022")]
    return [compute(con, s).as_dict() for s in selections]


def _assert_same_as_rebuild(workspace: Workspace, path: Path, tmp_path: Path) -> None:
    full = tmp_path / "full" / "analysis.duckdb"
    snapshot.open_snapshot(workspace.engine, full, refresh=True).close()
    got, want = _contents(path), _contents(full)
    for table in TABLES:
        assert got[table] == want[table], table
    a, b = duckdb.connect(str(path), read_only=True), duckdb.connect(str(full), read_only=True)
    try:
        assert _answers(a) == _answers(b)
    finally:
        a.close()
        b.close()


def _refresh(workspace: Workspace, path: Path) -> bool:
    return refresh.update(path, workspace.engine, snapshot.fingerprint(workspace.engine))


def test_incremental_refresh_equals_a_rebuild(
    workspace: Workspace, registry: dict[str, int], tmp_path: Path
) -> None:
    path = tmp_path / "cache" / "analysis.duckdb"
    snapshot.open_snapshot(workspace.engine, path).close()

    # An edit of status, a rejected act, a merge and an unmerge, each as the registry records them.
    with transaction(workspace.sessions) as session:
        b = session.get(Incident, registry["b"])
        assert b is not None
        b.status = "disputed"
        touch(b)
        act = session.scalars(select(Act).where(Act.incident_id == registry["a"], Act.count_value == 5)).one()
        act.review_status = "rejected"
        record(session, "incident", registry["a"], "reject_act", "tester", None, None)
        same_event.merge(session, registry["d"], registry["c"], "tester")
        same_event.undo_merge(session, registry["merged"], "tester")
    assert _refresh(workspace, path)
    _assert_same_as_rebuild(workspace, path, tmp_path)

    # A new incident with a new place and a source; a place's code corrected; an incident deleted
    # by hand (no registry change records it: found by its missing id).
    with transaction(workspace.sessions) as session:
        herat = Place(name="Herat", kind="province", province="Herat", pcode="AF30")
        session.add(herat)
        session.flush()
        new = add_incident(
            session,
            title="New killing in Herat",
            start=dt.date(2023, 3, 1),
            places=[herat],
            acts=[{"violation": "killing", "count": 4, "groups": ["women"]}],
        )
        document = registry["document"]
        session.add(IncidentSource(incident_id=new.id, document_id=document))
        andarab = session.scalars(select(Place).where(Place.name == "Andarab")).one()
        andarab.pcode = "AF0905"
        session.execute(delete(Incident).where(Incident.id == registry["e"]))
    assert _refresh(workspace, path)
    _assert_same_as_rebuild(workspace, path, tmp_path)

    # The ordinary path (open_snapshot) takes the incremental refresh too.
    with transaction(workspace.sessions) as session:
        a = session.get(Incident, registry["a"])
        assert a is not None
        a.start_date = dt.date(2022, 10, 9)
        record(session, "incident", a.id, "edit", "tester", None, None)
    con = snapshot.open_snapshot(workspace.engine, path)
    con.close()
    _assert_same_as_rebuild(workspace, path, tmp_path)


def test_unexplained_changes_fall_back_to_a_rebuild(
    workspace: Workspace, registry: dict[str, int], tmp_path: Path
) -> None:
    path = tmp_path / "cache" / "analysis.duckdb"
    snapshot.open_snapshot(workspace.engine, path).close()
    before = _contents(path)
    # An act deleted behind the registry's back (no timestamp, no change recorded), and something
    # else that moves the fingerprint: the counts do not add up, so the refresh declines.
    with transaction(workspace.sessions) as session:
        session.execute(delete(Act).where(Act.incident_id == registry["d"]))
        add_incident(
            session, title="Other", start=dt.date(2023, 1, 1), acts=[{"violation": "killing", "count": 1}]
        )
    assert not _refresh(workspace, path)
    assert _contents(path) == before  # nothing written
    # open_snapshot then rebuilds in full, and the answer is right.
    snapshot.open_snapshot(workspace.engine, path).close()
    _assert_same_as_rebuild(workspace, path, tmp_path)


def test_old_or_foreign_snapshots_are_rebuilt(
    workspace: Workspace, registry: dict[str, int], tmp_path: Path
) -> None:
    path = tmp_path / "cache" / "analysis.duckdb"
    snapshot.open_snapshot(workspace.engine, path).close()
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE refresh_state")
    con.close()
    with transaction(workspace.sessions) as session:
        session.execute(update(Incident).where(Incident.id == registry["a"]).values(status="verified"))
    assert not _refresh(workspace, path)


def test_many_changes_call_for_a_rebuild(
    workspace: Workspace, registry: dict[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cache" / "analysis.duckdb"
    snapshot.open_snapshot(workspace.engine, path).close()
    monkeypatch.setattr(refresh, "MAX_SHARE", 0.25)
    with transaction(workspace.sessions) as session:
        for key in "abc":
            incident = session.get(Incident, registry[key])
            assert incident is not None
            incident.status = "disputed"
    assert not _refresh(workspace, path)


def test_held_snapshot_is_refreshed_in_place(
    workspace: Workspace, registry: dict[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An encrypted workspace's snapshot lives in memory (snapshot._held): after a change it is
    # brought up to date in place, and answers as a full rebuild does.
    root = tmp_path / "held"
    monkeypatch.setattr(snapshot, "_HELD", {})
    reader = snapshot._held(workspace.engine, root, refresh=False)
    before = _answers(reader)
    reader.close()
    database = snapshot._HELD[root.resolve()][1]

    with transaction(workspace.sessions) as session:
        b = session.get(Incident, registry["b"])
        assert b is not None
        b.status = "disputed"
        touch(b)
        same_event.merge(session, registry["d"], registry["c"], "tester")
    reader = snapshot._held(workspace.engine, root, refresh=False)
    after = _answers(reader)
    reader.close()
    assert snapshot._HELD[root.resolve()][1] is database  # refreshed, not rebuilt
    rebuilt = snapshot.in_memory(workspace.engine)
    try:
        assert after == _answers(rebuilt) and after != before
    finally:
        rebuilt.close()

    # What it cannot account for (a row deleted by hand, with more than the share changed) is rebuilt.
    monkeypatch.setattr(refresh, "MAX_SHARE", 0.0)
    with transaction(workspace.sessions) as session:
        a = session.get(Incident, registry["a"])
        assert a is not None
        a.status = "verified"
        record(session, "incident", a.id, "edit", "tester", None, None)
    reader = snapshot._held(workspace.engine, root, refresh=False)
    reader.close()
    assert snapshot._HELD[root.resolve()][1] is not database
    snapshot._HELD[root.resolve()][1].close()
