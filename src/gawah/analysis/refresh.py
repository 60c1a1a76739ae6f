"""Bring a snapshot file up to date by reading again only the incidents that changed since it was made.

A full rebuild reads every confirmed incident, act and place and recounts everything: about a minute
at a million incidents. After an edit only a few incidents differ, so `update` finds them and
replaces just their rows:

- **What changed.** An incident is read again when it is new (its id is above the snapshot's highest
  id), when it or one of its acts was written since the snapshot was made (`updated_at`; every ORM
  write sets it, and the registry touches an incident when its acts, sources or places change), when
  a place it is at was edited, or when a registry change names it (merges, unmerges, reviews and
  restores are all recorded). Timestamps are compared with a margin (`MARGIN`), so that a
  transaction that committed late with an earlier timestamp is still caught.
- **What was deleted.** The registry does not delete incidents, but rows can be deleted by hand or
  by a cascade. The snapshot keeps how many acts, places and sources every incident of the registry
  had; the rows of the incidents *not* read again must add up to the same numbers before and after,
  or something changed unseen. A missing incident is found by comparing ids (one index scan); any
  other unexplained difference means the snapshot cannot be sure, and it is rebuilt in full.
- **The precomputed answers.** Every figure of the unfiltered statistics is a sum over incidents,
  so the old figures of the changed incidents are subtracted and their new figures added
  (`gawah.analysis.stats.unfiltered_rows`).

The update is made on a copy of the file, which then replaces it whole: readers holding the old file
keep reading it. When more than `MAX_SHARE` of the incidents changed, a rebuild is about as quick and
`update` declines.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Connection, Engine, func, or_, select

from gawah.analysis import snapshot
from gawah.analysis.stats import (
    GROUP_COLUMNS,
    PRECOMPUTED_GROUPS,
    PRECOMPUTED_TOTALS,
    TOTAL_COLUMNS,
    rows_table,
    unfiltered_rows,
)
from gawah.store.models import Act, Incident, IncidentPlace, IncidentSource, Place, RegistryChange, utcnow

# A write whose transaction began before the snapshot and committed after it carries an earlier
# timestamp; anything written this long before the snapshot is read again to catch it.
MARGIN = dt.timedelta(minutes=10)
# Registry change ids may commit out of order (PostgreSQL sequences): the last few are read again.
CHANGE_ID_MARGIN = 1000
MAX_SHARE = 0.25
_CHUNK = 5000
# The tables that hold rows of an incident, and the snapshot's counts of them per incident.
_CHILD_TABLES = ("acts", "incident_places", "incident_sources")
_SHADOW = "registry_rows"
_STATE = "refresh_state"


@dataclass(frozen=True)
class Marks:
    """How far the registry had got when a snapshot was begun."""

    incident_id: int
    act_id: int
    place_id: int
    change_id: int
    at: str  # ISO time, UTC

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.at) - MARGIN


def high_water_marks(engine: Engine) -> Marks:
    """The highest ids (read from the primary-key indexes) and the time, before the rows are read."""
    at = utcnow().isoformat()
    with engine.connect() as conn:
        incident, act, place, change = (
            int(conn.execute(select(func.max(model.id))).scalar_one() or 0)
            for model in (Incident, Act, Place, RegistryChange)
        )
    return Marks(incident, act, place, change, at)


def _registry_counts(conn: Connection, only: Sequence[int] | None) -> dict[str, dict[int, int]]:
    """Rows per incident in the registry's incidents, acts, places and sources (all, or of `only`)."""
    queries = {
        "incidents": select(Incident.id, func.count()).group_by(Incident.id),
        "acts": select(Act.incident_id, func.count()).group_by(Act.incident_id),
        "incident_places": select(IncidentPlace.incident_id, func.count()).group_by(
            IncidentPlace.incident_id
        ),
        "incident_sources": select(IncidentSource.incident_id, func.count()).group_by(
            IncidentSource.incident_id
        ),
    }
    columns = {
        "incidents": Incident.id,
        "acts": Act.incident_id,
        "incident_places": IncidentPlace.incident_id,
        "incident_sources": IncidentSource.incident_id,
    }
    counts: dict[str, dict[int, int]] = {name: {} for name in queries}
    for name, query in queries.items():
        if only is None:
            counts[name] = {int(i): int(n) for i, n in conn.execute(query)}
            continue
        for chunk in _chunks(only):
            counts[name].update(
                (int(i), int(n)) for i, n in conn.execute(query.where(columns[name].in_(chunk)))
            )
    return counts


def _totals(conn: Connection) -> dict[str, int]:
    return {
        name: int(conn.execute(select(func.count()).select_from(model)).scalar_one())
        for name, model in (
            ("incidents", Incident),
            ("acts", Act),
            ("incident_places", IncidentPlace),
            ("incident_sources", IncidentSource),
        )
    }


def _shadow_table(counts: dict[str, dict[int, int]]) -> pa.Table:
    ids = sorted(set().union(*(c.keys() for c in counts.values())))
    return pa.table(
        {
            "incident_id": pa.array(ids, pa.int64()),
            **{name: pa.array([counts[name].get(i, 0) for i in ids], pa.int64()) for name in counts},
        }
    )


def record_state(con: duckdb.DuckDBPyConnection, engine: Engine, marks: Marks) -> None:
    """Keep in a snapshot being built what `update` needs: the marks, and the registry's rows per incident."""
    with engine.connect() as conn:
        shadow = _shadow_table(_registry_counts(conn, None))
    con.register("shadow", shadow)
    con.execute(f"CREATE TABLE {_SHADOW} AS SELECT * FROM shadow")
    con.unregister("shadow")
    con.execute(
        f"CREATE TABLE {_STATE} AS SELECT ? AS marks, ? AS layout",
        [json.dumps(asdict(marks)), snapshot.SNAPSHOT_LAYOUT],
    )


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def changed_incidents(conn: Connection, marks: Marks) -> set[int]:
    """Incidents that may differ from the snapshot made at `marks` (see the module's description)."""
    since = marks.since
    dirty: set[int] = set(
        conn.scalars(
            select(Incident.id).where(or_(Incident.id > marks.incident_id, Incident.updated_at > since))
        )
    )
    dirty.update(
        conn.scalars(select(Act.incident_id).where(or_(Act.id > marks.act_id, Act.updated_at > since)))
    )
    dirty.update(
        conn.scalars(
            select(IncidentPlace.incident_id)
            .join(Place, Place.id == IncidentPlace.place_id)
            .where(or_(Place.id > marks.place_id, Place.updated_at > since))
        )
    )
    subjects = conn.execute(
        select(RegistryChange.subject_type, RegistryChange.subject_id).where(
            RegistryChange.id > marks.change_id - CHANGE_ID_MARGIN,
            RegistryChange.subject_type.in_(("incident", "act")),
        )
    ).all()
    dirty.update(int(i) for kind, i in subjects if kind == "incident")
    acts = sorted({int(i) for kind, i in subjects if kind == "act"})
    for chunk in _chunks(acts):
        dirty.update(conn.scalars(select(Act.incident_id).where(Act.id.in_(chunk))))
    return dirty


def _explained(
    con: duckdb.DuckDBPyConnection, totals: dict[str, int], now: dict[str, dict[int, int]]
) -> list[str]:
    """The tables whose rows outside the changed incidents differ in number from the snapshot's (the
    changed incidents are registered in `con` as `dirty_ids`)."""
    columns = "sum(incidents), " + ", ".join(f"sum({t})" for t in _CHILD_TABLES)
    then = con.execute(f"SELECT {columns} FROM {_SHADOW}").fetchall()[0]
    then_dirty = con.execute(
        f"SELECT {columns} FROM {_SHADOW} WHERE incident_id IN (SELECT id FROM dirty_ids)"
    ).fetchall()[0]
    assert then is not None and then_dirty is not None
    names = ("incidents", *_CHILD_TABLES)
    return [
        name
        for n, name in enumerate(names)
        if totals[name] - sum(now[name].values()) != int(then[n] or 0) - int(then_dirty[n] or 0)
    ]


def _missing_incidents(con: duckdb.DuckDBPyConnection, conn: Connection) -> set[int]:
    """Incidents the snapshot knew that the registry no longer has (a primary-key scan)."""
    present = pa.table({"id": pa.array(list(conn.scalars(select(Incident.id))), pa.int64())})
    con.register("present", present)
    try:
        rows = con.execute(
            f"SELECT incident_id FROM {_SHADOW} WHERE incidents > 0 "
            "AND incident_id NOT IN (SELECT id FROM present)"
        ).fetchall()
    finally:
        con.unregister("present")
    return {int(r[0]) for r in rows}


def _old_rows(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The snapshot's rows of the changed incidents, in a connection of their own."""
    old = duckdb.connect(":memory:")
    for table, column in (
        ("incidents", "id"),
        ("acts", "incident_id"),
        ("incident_places", "incident_id"),
        ("incident_sources", "incident_id"),
    ):
        batch = con.sql(f"FROM {table} WHERE {column} IN (SELECT id FROM dirty_ids)").to_arrow_table()
        old.register("batch", batch)
        old.execute(f"CREATE TABLE {table} AS FROM batch")
        old.unregister("batch")
    return old


def _merge_precomputed(
    con: duckdb.DuckDBPyConnection,
    old: tuple[list[list[Any]], list[list[Any]]],
    new: tuple[list[list[Any]], list[list[Any]]],
) -> None:
    """Precomputed figures minus the changed incidents' old figures plus their new ones, reordered as
    `compute` orders them (months by key, other groups by incidents then key)."""
    part = "incidents, acts, ex, lo, ap, un"
    totals = [
        [r[0], *(sign * int(x) for x in r[1:])] for sign, rows in ((-1, old[0]), (1, new[0])) for r in rows
    ]
    groups = [
        [*r[:5], *(sign * int(x) for x in r[5:])] for sign, rows in ((-1, old[1]), (1, new[1])) for r in rows
    ]
    for name, rows, columns in (
        ("delta_totals", totals, TOTAL_COLUMNS),
        ("delta_groups", groups, GROUP_COLUMNS),
    ):
        con.register("delta", rows_table(rows, columns))
        con.execute(f"CREATE TEMP TABLE {name} AS FROM delta")
        con.unregister("delta")
    sums = ", ".join(f"sum({c})::BIGINT AS {c}" for c in part.split(", "))
    con.execute(
        f"CREATE TEMP TABLE merged_totals AS SELECT levels, {sums} FROM (SELECT {TOTAL_COLUMNS} "
        f"FROM {PRECOMPUTED_TOTALS} UNION ALL SELECT {TOTAL_COLUMNS} FROM delta_totals) GROUP BY levels"
    )
    con.execute(
        "CREATE TEMP TABLE merged_groups AS SELECT levels, dimension, key, max(parent) AS parent, "
        f"{sums} FROM (SELECT {GROUP_COLUMNS} FROM {PRECOMPUTED_GROUPS} UNION ALL "
        f"SELECT {GROUP_COLUMNS} FROM delta_groups) GROUP BY levels, dimension, key HAVING sum(incidents) > 0"
    )
    con.execute(f"DELETE FROM {PRECOMPUTED_TOTALS}")
    con.execute(f"INSERT INTO {PRECOMPUTED_TOTALS} SELECT levels, {part} FROM merged_totals")
    con.execute(f"DELETE FROM {PRECOMPUTED_GROUPS}")
    con.execute(
        f"INSERT INTO {PRECOMPUTED_GROUPS} SELECT levels, dimension, "
        "(row_number() OVER (PARTITION BY levels, dimension ORDER BY "
        "CASE WHEN dimension = 'month' THEN 0 ELSE -incidents END, key) - 1)::INTEGER, "
        f"key, parent, {part} FROM merged_groups"
    )
    for table in ("delta_totals", "delta_groups", "merged_totals", "merged_groups"):
        con.execute(f"DROP TABLE {table}")


def _readerships() -> list[tuple[str, ...]]:
    levels = snapshot.READERSHIPS
    return [levels[:1], levels[:2], levels]


def _state(path: Path) -> Marks | None:
    try:
        con = duckdb.connect(str(path), read_only=True)
    except (duckdb.Error, OSError):
        return None
    try:
        return _marks_in(con)
    finally:
        con.close()


def _marks_in(con: duckdb.DuckDBPyConnection) -> Marks | None:
    """The marks an open snapshot was last brought up to (None: not of this layout, or unknown)."""
    try:
        rows = con.execute(f"SELECT marks, layout FROM {_STATE}").fetchall()
    except duckdb.Error:
        return None
    if len(rows) != 1 or rows[0][1] != snapshot.SNAPSHOT_LAYOUT:
        return None
    return Marks(**json.loads(rows[0][0]))


def update_open(con: duckdb.DuckDBPyConnection, engine: Engine, stamp: str) -> bool:
    """As `update`, on an open snapshot that is written in place (an encrypted workspace's, held in
    memory): applied in one transaction, so its readers see the old snapshot or the new one whole.
    False (nothing changed) when it cannot be done safely, so the caller rebuilds."""
    marks = _marks_in(con)
    if marks is None:
        return False
    fresh_marks = high_water_marks(engine)
    con.execute("BEGIN TRANSACTION")
    try:
        applied = _apply(con, engine, marks, fresh_marks, stamp)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT" if applied else "ROLLBACK")
    return applied


def update(path: Path, engine: Engine, stamp: str) -> bool:
    """Bring the snapshot file at `path` up to the registry's state `stamp` by reading again only what
    changed; False (nothing written) when that cannot be done safely, so the caller rebuilds."""
    marks = _state(path)
    if marks is None:
        return False
    fresh_marks = high_water_marks(engine)
    fd, tmp_name = tempfile.mkstemp(prefix=".analysis-", suffix=".duckdb", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        shutil.copyfile(path, tmp)
        con = duckdb.connect(str(tmp))
        try:
            if not _apply(con, engine, marks, fresh_marks, stamp):
                return False
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        with contextlib.suppress(FileNotFoundError):
            Path(str(tmp) + ".wal").unlink()


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    # fetchall, not fetchone: DuckDB keeps a half-read result open, which blocks the next register().
    rows = con.execute(sql).fetchall()
    return int(rows[0][0] or 0) if rows else 0


def _apply(con: duckdb.DuckDBPyConnection, engine: Engine, marks: Marks, fresh: Marks, stamp: str) -> bool:
    known_incidents = _count(con, f"SELECT count(*) FROM {_SHADOW} WHERE incidents > 0")
    with engine.connect() as conn:
        dirty = changed_incidents(conn, marks)
        totals = _totals(conn)
        if len(dirty) > MAX_SHARE * max(known_incidents, totals["incidents"], 1):
            return False
        ids = sorted(dirty)
        con.register("dirty_ids", pa.table({"id": pa.array(ids, pa.int64())}))
        now = _registry_counts(conn, ids)
        wrong = _explained(con, totals, now)
        if "incidents" in wrong:
            # An incident gone without a trace: find which, and count it as changed.
            dirty |= _missing_incidents(con, conn)
            ids = sorted(dirty)
            con.unregister("dirty_ids")
            con.register("dirty_ids", pa.table({"id": pa.array(ids, pa.int64())}))
            now = _registry_counts(conn, ids)
            wrong = _explained(con, totals, now)
        if wrong:
            return False
    if len(ids) > MAX_SHARE * max(known_incidents, 1):
        return False
    new = duckdb.connect(":memory:")
    old = _old_rows(con)
    try:
        snapshot.load(new, engine, only=ids)
        old_rows = unfiltered_rows(old, _readerships())
        new_rows = unfiltered_rows(new, _readerships())
        con.execute("DELETE FROM incidents WHERE id IN (SELECT id FROM dirty_ids)")
        for table in _CHILD_TABLES:
            con.execute(f"DELETE FROM {table} WHERE incident_id IN (SELECT id FROM dirty_ids)")
        new_acts = new.sql("SELECT id FROM acts").to_arrow_table()
        con.register("new_act_ids", new_acts)
        clash = _count(con, "SELECT count(*) FROM acts WHERE id IN (SELECT id FROM new_act_ids)")
        con.unregister("new_act_ids")
        if clash:
            # An act id reused by another incident (rows deleted by hand): the old owner is unknown.
            return False
        for table in ("incidents", *_CHILD_TABLES):
            batch = new.sql(f"FROM {table}").to_arrow_table()
            con.register("batch", batch)
            con.execute(f"INSERT INTO {table} FROM batch")
            con.unregister("batch")
    finally:
        new.close()
        old.close()
    _merge_precomputed(con, old_rows, new_rows)
    con.execute(f"DELETE FROM {_SHADOW} WHERE incident_id IN (SELECT id FROM dirty_ids)")
    con.register("shadow", _shadow_table(now))
    con.execute(f"INSERT INTO {_SHADOW} SELECT * FROM shadow")
    con.unregister("shadow")
    con.unregister("dirty_ids")
    con.execute(f"UPDATE {_STATE} SET marks = ?", [json.dumps(asdict(fresh))])
    con.execute("UPDATE snapshot_meta SET fingerprint = ?", [stamp])
    return True
