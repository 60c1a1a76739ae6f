"""A columnar snapshot of the registry in DuckDB, the one place statistics and timelines read from.

Rows are pulled through SQLAlchemy (so SQLite and PostgreSQL behave alike, and no DuckDB extension
is downloaded) into Arrow columns and handed to an in-process DuckDB. Only what counting needs is
copied: ids, dates, codes, counts and confidentiality levels; no names, titles or free text.

Pulling a million incidents takes seconds, so the snapshot is kept in a DuckDB file in the workspace
(`cache/analysis.duckdb`) with a fingerprint of the tables it was made from; it is rebuilt only when
the fingerprint changes (see `fingerprint`); `--no-cache` on the commands reads the registry afresh.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Engine, String, cast, func, select

from gawah.store.models import Act, Incident, IncidentPlace, Place, RegistryChange

CACHE_DIR = "cache"
CACHE_FILE = "analysis.duckdb"
# The layout of the snapshot; a change makes every older cache file stale.
SNAPSHOT_LAYOUT = 1
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


def fingerprint(engine: Engine) -> str:
    """What the snapshot was made from: row counts and highest ids, and the latest registry change.

    Cheap on a million rows (no column is scanned). Rows added or removed move the counts and ids;
    edits of existing rows (review decisions, merges, corrections) are recorded as registry changes.
    """
    parts: list[Any] = [SNAPSHOT_LAYOUT]
    with engine.connect() as conn:
        for model in (Incident, Act, Place):
            parts.append(list(conn.execute(select(func.count(), func.max(model.id))).one()))
        parts.append(conn.execute(select(func.count()).select_from(IncidentPlace)).scalar_one())
        parts.append(conn.execute(select(func.max(RegistryChange.id))).scalar_one())
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


def _queries() -> tuple[Any, Any, Any]:
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
    )
    acts = select(
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
    places = select(IncidentPlace.incident_id, Place.province, Place.district, Place.pcode).join(
        Place, Place.id == IncidentPlace.place_id
    )
    return incidents, acts, places


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


def _with_codes(table: pa.Table) -> pa.Table:
    memo: dict[tuple[Any, Any, Any], tuple[str | None, str | None]] = {}
    province_codes: list[str | None] = []
    district_codes: list[str | None] = []
    for key in zip(
        table.column("province").to_pylist(),
        table.column("district").to_pylist(),
        table.column("pcode").to_pylist(),
        strict=True,
    ):
        codes = memo.get(key)
        if codes is None:
            codes = memo[key] = place_codes(*key)
        province_codes.append(codes[0])
        district_codes.append(codes[1])
    return table.append_column("province_pcode", pa.array(province_codes, pa.string())).append_column(
        "district_pcode", pa.array(district_codes, pa.string())
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
    "date_precision, status, review_status, merged_into_id, confidentiality"
)
_ACT_SQL = (
    "id, incident_id, violation, count_value, count_qualifier, count_unit, perpetrator, "
    "COALESCE(TRY_CAST(victim_groups AS JSON)::VARCHAR[], []::VARCHAR[]) AS victim_groups, "
    "review_status, confidentiality"
)
_PLACE_SQL = "incident_id, province, district, pcode, province_pcode, district_pcode"


def load(con: duckdb.DuckDBPyConnection, engine: Engine) -> None:
    """Copy the registry's counting columns from `engine` into tables of `con`."""
    incidents, acts, places = _queries()
    _create(
        con,
        "incidents",
        _nonempty(_batches(engine, incidents, _INCIDENT_COLUMNS), _INCIDENT_COLUMNS),
        _INCIDENT_SQL,
    )
    _create(con, "acts", _nonempty(_batches(engine, acts, _ACT_COLUMNS), _ACT_COLUMNS), _ACT_SQL)
    _create(
        con,
        "incident_places",
        (_with_codes(t) for t in _nonempty(_batches(engine, places, _PLACE_COLUMNS), _PLACE_COLUMNS)),
        _PLACE_SQL,
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
    try:
        con = duckdb.connect(str(tmp))
        try:
            load(con, engine)
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


def open_snapshot(engine: Engine, cache_file: Path | None) -> duckdb.DuckDBPyConnection:
    """A read-only DuckDB connection on an up-to-date snapshot (rebuilt first if the registry changed).

    With `cache_file` None the snapshot is made in memory and thrown away after use.
    """
    if cache_file is None:
        return in_memory(engine)
    stamp = fingerprint(engine)
    if _stamp_of(cache_file) != stamp:
        _build_file(cache_file, engine, stamp)
    return duckdb.connect(str(cache_file), read_only=True)


def for_workspace(engine: Engine, workspace_root: Path, *, cached: bool = True) -> duckdb.DuckDBPyConnection:
    """The snapshot of a workspace: its cache file, or (cached=False) a fresh one in memory."""
    return open_snapshot(engine, cache_path(workspace_root) if cached else None)
