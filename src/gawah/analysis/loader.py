"""Copying the registry's counting columns into a DuckDB snapshot (see `gawah.analysis.snapshot`).

Kept apart from the snapshot's reading side because it needs Arrow and the ORM's models, which
take about a quarter of a second to import: `gawah stats` on an up-to-date snapshot needs neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Engine, String, cast, select

from gawah.analysis.places import place_codes
from gawah.store.models import Act, Incident, IncidentPlace, IncidentSource, Place
from gawah.store.vocab import IncidentStatus, ReviewStatus

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


def load_registry(
    con: duckdb.DuckDBPyConnection, engine: Engine, only: Sequence[int] | None = None
) -> None:
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
