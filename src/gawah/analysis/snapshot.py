"""A columnar snapshot of the registry in DuckDB, the one place statistics and timelines read from.

Only confirmed incidents and their accepted acts are copied (see `_counted`), and only what counting
needs: ids, dates, codes, counts and confidentiality levels; no names, titles or free text. Rows are
pulled through SQLAlchemy's engine (so SQLite and PostgreSQL behave alike, and no DuckDB extension is
downloaded) into Arrow columns and handed to an in-process DuckDB.

Pulling a million incidents takes seconds, so the snapshot is kept in a DuckDB file in the workspace
(`cache/analysis.duckdb`) with a fingerprint of the tables it was made from; it is rebuilt only when
the fingerprint changes (see `fingerprint`); `--no-cache` on the commands reads the registry afresh.
A change is applied incrementally when it can be (only the incidents touched since the snapshot are
read again, see `gawah.analysis.refresh`), and by a full rebuild otherwise.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Engine, String, cast, func, select

from gawah.config import KEYS_DIR
from gawah.security.crypto import is_encrypted
from gawah.store.models import Act, Incident, IncidentPlace, IncidentSource, Place, RegistryChange
from gawah.store.vocab import Confidentiality, IncidentStatus, ReviewStatus

READERSHIPS = tuple(c.value for c in Confidentiality)
CACHE_DIR = "cache"
CACHE_FILE = "analysis.duckdb"
# The layout of the snapshot; a change makes every older cache file stale.
SNAPSHOT_LAYOUT = 4
_BATCH = 200_000

_INCIDENT_COLUMNS: dict[str, pa.DataType] = {
    "id": pa.int64(),
    "start_date": pa.string(),
    "end_date": pa.string(),
    "date_precision": pa.string(),
    "status": pa.string(),
    "review_status": pa.string(),
    "merged_into_id": pa.int64(),
    "confidentiality": pa.string(),
}
_ACT_COLUMNS: dict[str, pa.DataType] = {
    "id": pa.int64(),
    "incident_id": pa.int64(),
    "violation": pa.string(),
    "count_value": pa.int64(),
    "count_qualifier": pa.string(),
    "count_unit": pa.string(),
    "perpetrator": pa.string(),
    "victim_groups": pa.string(),
    "review_status": pa.string(),
    "confidentiality": pa.string(),
}
_PLACE_COLUMNS: dict[str, pa.DataType] = {
    "incident_id": pa.int64(),
    "province": pa.string(),
    "district": pa.string(),
    "pcode": pa.string(),
}
_SOURCE_COLUMNS: dict[str, pa.DataType] = {"incident_id": pa.int64(), "source_id": pa.int64()}


def fingerprint(engine: Engine) -> str:
    """What the snapshot was made from: the highest ids of the counted tables, and the latest registry
    change.

    Read from the primary-key indexes only, so it costs about a millisecond on a million rows (a
    count would scan). New rows raise the ids; edits of existing rows (review decisions, merges,
    corrections, places) are recorded as registry changes. The registry never deletes an incident
    (it rejects or retracts it); after rows are deleted by hand, run `gawah stats --refresh` once.
    """
    parts: list[Any] = [SNAPSHOT_LAYOUT]
    with engine.connect() as conn:
        for model in (Incident, Act, Place, RegistryChange):
            parts.append(conn.execute(select(func.max(model.id))).scalar_one())
    return json.dumps(parts, default=str)


def _table(rows: Sequence[Sequence[Any]], columns: dict[str, pa.DataType]) -> pa.Table:
    names = list(columns)
    if not rows:
        return pa.table({n: pa.array([], type=t) for n, t in columns.items()})
    values = list(zip(*rows, strict=True))
    return pa.table({n: pa.array(values[i], type=columns[n]) for i, n in enumerate(names)})


def _batches(engine: Engine, query: Any, columns: dict[str, pa.DataType]) -> Iterator[pa.Table]:
    # The driver's own cursor: SQLAlchemy's Row objects cost more than the rows' transfer itself.
    sql = str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(sql)
        while rows := cursor.fetchmany(_BATCH):
            yield _table(rows, columns)
        cursor.close()
    finally:
        raw.close()


def _counted() -> Any:
    """Confirmed incidents: accepted, not retracted, not merged into another (counted once, there)."""
    return (
        (Incident.review_status == ReviewStatus.ACCEPTED.value)
        & (Incident.status != IncidentStatus.RETRACTED.value)
        & Incident.merged_into_id.is_(None)
    )


def _queries(only: Sequence[int] | None = None) -> tuple[Any, Any, Any, Any]:
    """The registry's rows for the snapshot: all confirmed incidents, or those among `only`."""
    # Dates and JSON come as text and are parsed by DuckDB: far faster than per-row Python objects.
    incidents = select(
        Incident.id,
        cast(Incident.start_date, String),
        cast(Incident.end_date, String),
        Incident.date_precision,
        Incident.status,
        Incident.review_status,
        Incident.merged_into_id,
        Incident.confidentiality,
    ).where(_counted())
    acts = (
        select(
            Act.id,
            Act.incident_id,
            Act.violation,
            Act.count_value,
            Act.count_qualifier,
            Act.count_unit,
            Act.perpetrator,
            cast(Act.victim_groups, String),
            Act.review_status,
            Act.confidentiality,
        )
        .join(Incident, Incident.id == Act.incident_id)
        .where(_counted(), Act.review_status == ReviewStatus.ACCEPTED.value)
    )
    places = (
        select(IncidentPlace.incident_id, Place.province, Place.district, Place.pcode)
        .join(Place, Place.id == IncidentPlace.place_id)
        .join(Incident, Incident.id == IncidentPlace.incident_id)
        .where(_counted())
    )
    sources = (
        select(IncidentSource.incident_id, IncidentSource.source_id)
        .join(Incident, Incident.id == IncidentSource.incident_id)
        .where(_counted(), IncidentSource.source_id.is_not(None))
        .distinct()
    )
    if only is not None:
        incidents = incidents.where(Incident.id.in_(only))
        acts = acts.where(Incident.id.in_(only))
        places = places.where(Incident.id.in_(only))
        sources = sources.where(Incident.id.in_(only))
    return incidents, acts, places, sources


@cache
def _gazetteer_codes() -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Province name → pcode and (province pcode, district name) → pcode, from the extract gazetteer."""
    path = Path(__file__).resolve().parent.parent / "extract" / "data" / "gazetteer.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    provinces: dict[str, str] = {}
    for p in data["provinces"]:
        for name in [p["name"], p.get("name_fa") or "", *p.get("names", [])]:
            if name:
                provinces.setdefault(name.casefold(), p["pcode"])
        provinces.setdefault(p["pcode"].casefold(), p["pcode"])
    districts: dict[tuple[str, str], str] = {}
    for d in data["districts"]:
        for name in [d["name"], *d.get("names", [])]:
            districts.setdefault((d["province"], name.casefold()), d["pcode"])
    return provinces, districts


def place_codes(
    province: str | None, district: str | None, pcode: str | None
) -> tuple[str | None, str | None]:
    """The province (AFpp) and district (AFppdd) codes of a place, from its pcode or its names."""
    provinces, districts = _gazetteer_codes()
    code = (pcode or "").strip().upper()
    province_code = code[:4] if len(code) >= 4 and code.startswith("AF") else None
    district_code = code[:6] if len(code) >= 6 and code.startswith("AF") else None
    if province_code is None and province:
        province_code = provinces.get(province.strip().casefold())
    if district_code is None and district and province_code:
        district_code = districts.get((province_code, district.strip().casefold()))
    return province_code, district_code


def _place_codes_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Codes for each distinct (province, district, pcode) named: a few hundred lookups, not one a row."""
    triples = con.execute("SELECT DISTINCT province, district, pcode FROM raw_places").fetchall()
    codes = [place_codes(*t) for t in triples]
    return pa.table(
        {
            "province": pa.array([t[0] for t in triples], pa.string()),
            "district": pa.array([t[1] for t in triples], pa.string()),
            "pcode": pa.array([t[2] for t in triples], pa.string()),
            "province_pcode": pa.array([c[0] for c in codes], pa.string()),
            "district_pcode": pa.array([c[1] for c in codes], pa.string()),
        }
    )


def _create(con: duckdb.DuckDBPyConnection, name: str, tables: Iterable[pa.Table], select_sql: str) -> None:
    first = True
    for batch in tables:
        con.register("batch", batch)
        if first:
            con.execute(f"CREATE TABLE {name} AS SELECT {select_sql} FROM batch")
            first = False
        else:
            con.execute(f"INSERT INTO {name} SELECT {select_sql} FROM batch")
        con.unregister("batch")


_INCIDENT_SQL = (
    "id, TRY_CAST(start_date AS DATE) AS start_date, TRY_CAST(end_date AS DATE) AS end_date, "
    "date_precision, status, confidentiality, "
    "COALESCE(strftime(TRY_CAST(start_date AS DATE), '%Y-%m'), 'unknown') AS month"
)
# Exact, lower-bounded and approximate parts of an act's victims; see gawah.analysis.stats.
_ACT_SQL = """
    id, incident_id, violation, COALESCE(perpetrator, 'unknown') AS perpetrator, confidentiality,
    COALESCE(TRY_CAST(victim_groups AS JSON)::VARCHAR[], []::VARCHAR[]) AS victim_groups,
    count_value, count_qualifier, count_unit,
    CASE WHEN COALESCE(count_unit, 'victims') = 'victims' AND count_qualifier = 'exact'
         THEN count_value ELSE 0 END AS v_exact,
    CASE WHEN COALESCE(count_unit, 'victims') <> 'victims' OR count_value IS NULL THEN 0
         WHEN count_qualifier = 'more_than' THEN count_value + 1
         WHEN count_qualifier IN ('at_least', 'vague') OR count_qualifier IS NULL THEN count_value
         ELSE 0 END AS v_lower,
    CASE WHEN COALESCE(count_unit, 'victims') = 'victims' AND count_qualifier = 'approximately'
         THEN COALESCE(count_value, 0) ELSE 0 END AS v_approx,
    CASE WHEN COALESCE(count_unit, 'victims') = 'victims' AND count_value IS NULL THEN 1 ELSE 0 END
         AS uncounted
"""
_PLACE_SQL = (
    "incident_id, province, district, pcode, province_pcode, district_pcode, "
    "COALESCE(province_pcode, province, 'unknown') AS province_key, "
    "COALESCE(district_pcode, district, 'unknown') AS district_key"
)


def load(con: duckdb.DuckDBPyConnection, engine: Engine, only: Sequence[int] | None = None) -> None:
    """Copy the registry's counting columns from `engine` into tables of `con` (for the incidents
    among `only`, when given)."""
    incidents, acts, places, sources = _queries(only)
    _create(
        con,
        "incidents",
        _nonempty(_batches(engine, incidents, _INCIDENT_COLUMNS), _INCIDENT_COLUMNS),
        _INCIDENT_SQL,
    )
    _create(con, "acts", _nonempty(_batches(engine, acts, _ACT_COLUMNS), _ACT_COLUMNS), _ACT_SQL)
    _create(con, "raw_places", _nonempty(_batches(engine, places, _PLACE_COLUMNS), _PLACE_COLUMNS), "*")
    con.register("place_codes", _place_codes_table(con))
    con.execute(
        f"CREATE TABLE incident_places AS SELECT {_PLACE_SQL} FROM (SELECT r.incident_id, r.province, "
        "r.district, r.pcode, c.province_pcode, c.district_pcode FROM raw_places r LEFT JOIN place_codes c "
        "ON r.province IS NOT DISTINCT FROM c.province AND r.district IS NOT DISTINCT FROM c.district "
        "AND r.pcode IS NOT DISTINCT FROM c.pcode)"
    )
    con.unregister("place_codes")
    con.execute("DROP TABLE raw_places")
    _create(
        con, "incident_sources", _nonempty(_batches(engine, sources, _SOURCE_COLUMNS), _SOURCE_COLUMNS), "*"
    )


def _nonempty(tables: Iterator[pa.Table], columns: dict[str, pa.DataType]) -> Iterator[pa.Table]:
    """The batches, or one empty batch, so that a table is created even for an empty registry."""
    seen = False
    for table in tables:
        seen = True
        yield table
    if not seen:
        yield _table([], columns)


def in_memory(engine: Engine) -> duckdb.DuckDBPyConnection:
    """A fresh snapshot in memory (no file written)."""
    con = duckdb.connect(":memory:")
    load(con, engine)
    return con


def _build_file(path: Path, engine: Engine, stamp: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".analysis-", suffix=".duckdb", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # DuckDB creates the file itself; mkstemp only reserved a private name.
    from gawah.analysis import refresh

    try:
        con = duckdb.connect(str(tmp))
        try:
            # Read before the rows, so that whatever changes while they are read is read again later.
            marks = refresh.high_water_marks(engine)
            load(con, engine)
            refresh.record_state(con, engine, marks)
            from gawah.analysis.stats import precompute

            # The unfiltered answer for each readership (public; up to restricted; everything).
            precompute(con, [READERSHIPS[:1], READERSHIPS[:2], READERSHIPS])
            con.execute("CREATE TABLE snapshot_meta AS SELECT ? AS fingerprint", [stamp])
        finally:
            con.close()
        os.chmod(tmp, 0o600)
        # Readers holding the old file keep reading it; new readers see the new one whole.
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        with contextlib.suppress(FileNotFoundError):
            Path(str(tmp) + ".wal").unlink()


def _stamp_of(path: Path) -> str | None:
    try:
        con = duckdb.connect(str(path), read_only=True)
    except (duckdb.Error, OSError):
        return None
    try:
        row = con.execute("SELECT fingerprint FROM snapshot_meta").fetchone()
        return str(row[0]) if row else None
    except duckdb.Error:
        return None
    finally:
        con.close()


def cache_path(workspace_root: Path) -> Path:
    return workspace_root / CACHE_DIR / CACHE_FILE


def open_snapshot(
    engine: Engine, cache_file: Path | None, *, refresh: bool = False
) -> duckdb.DuckDBPyConnection:
    """A read-only DuckDB connection on an up-to-date snapshot (rebuilt first if the registry changed).

    With `cache_file` None the snapshot is made in memory and thrown away after use.
    """
    if cache_file is None:
        return in_memory(engine)
    stamp = fingerprint(engine)
    if refresh:
        _build_file(cache_file, engine, stamp)
    elif _stamp_of(cache_file) != stamp:
        from gawah.analysis import refresh as incremental

        if not incremental.update(cache_file, engine, stamp):
            _build_file(cache_file, engine, stamp)
    return duckdb.connect(str(cache_file), read_only=True)


def for_workspace(
    engine: Engine, workspace_root: Path, *, cached: bool = True, refresh: bool = False
) -> duckdb.DuckDBPyConnection:
    """The snapshot of a workspace: its cache file (rebuilt first with `refresh`), or (cached=False)
    a fresh one in memory.

    An encrypted workspace keeps no snapshot on disk: dates, districts and counts of confidential
    incidents would lie there in the clear. Its snapshot is held in this process's memory instead
    (rebuilt when the registry changes), and a cache file left from before is deleted.
    """
    if is_encrypted(workspace_root / KEYS_DIR):
        discard_cache(workspace_root)
        if not cached:
            return in_memory(engine)
        return _held(engine, workspace_root, refresh=refresh)
    return open_snapshot(engine, cache_path(workspace_root) if cached else None, refresh=refresh)


def discard_cache(workspace_root: Path) -> None:
    """Delete the workspace's snapshot file (and DuckDB's write-ahead log beside it), if any."""
    path = cache_path(workspace_root)
    for leftover in (path, Path(str(path) + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


# Snapshots of encrypted workspaces, one per workspace folder: (fingerprint, in-memory database).
_HELD: dict[Path, tuple[str, duckdb.DuckDBPyConnection]] = {}
_HELD_LOCK = threading.Lock()


def _held(engine: Engine, workspace_root: Path, *, refresh: bool) -> duckdb.DuckDBPyConnection:
    """A connection (the caller closes it) on the in-memory snapshot of an encrypted workspace."""
    from gawah.analysis.stats import precompute

    key = workspace_root.resolve()
    stamp = fingerprint(engine)
    with _HELD_LOCK:
        held = _HELD.get(key)
        if refresh or held is None or held[0] != stamp:
            con = duckdb.connect(":memory:")
            load(con, engine)
            precompute(con, [READERSHIPS[:1], READERSHIPS[:2], READERSHIPS])
            if held is not None:
                held[1].close()
            held = _HELD[key] = (stamp, con)
        # A cursor is a connection of its own on the same database: closing it leaves the snapshot.
        return held[1].cursor()
