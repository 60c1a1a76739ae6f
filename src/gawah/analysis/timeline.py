"""The timeline of confirmed incidents: how many per day, month or year, and the incidents in date order.

Same selection as the statistics. An incident is placed at its start date; incidents with no known
date are counted apart (`undated`) rather than guessed into a period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import duckdb

from gawah.analysis.selection import Selection, counted_sql
from gawah.analysis.stats import VICTIM_PARTS_SQL, VictimCount

GRANULARITIES = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


@dataclass(frozen=True)
class Period:
    period: str
    incidents: int
    victims: VictimCount

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "incidents": self.incidents,
            "victims": asdict(self.victims),
            "victims_text": self.victims.as_text(),
        }


@dataclass(frozen=True)
class TimelineEntry:
    """One incident on the timeline (codes only: titles are read from the registry by whoever may)."""

    incident_id: int
    start_date: dt.date | None
    end_date: dt.date | None
    date_precision: str | None
    status: str
    violations: tuple[str, ...]
    provinces: tuple[str, ...]
    victims: VictimCount

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["start_date"] = self.start_date.isoformat() if self.start_date else None
        data["end_date"] = self.end_date.isoformat() if self.end_date else None
        data["violations"] = list(self.violations)
        data["provinces"] = list(self.provinces)
        data["victims_text"] = self.victims.as_text()
        return data


@dataclass(frozen=True)
class Timeline:
    selection: Selection
    granularity: str
    periods: list[Period]
    undated: int
    total: int
    entries: list[TimelineEntry]
    offset: int

    @property
    def empty(self) -> bool:
        return self.total == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "selection": self.selection.describe(),
            "granularity": self.granularity,
            "periods": [p.as_dict() for p in self.periods],
            "undated_incidents": self.undated,
            "total_incidents": self.total,
            "offset": self.offset,
            "incidents": [e.as_dict() for e in self.entries],
        }


def build(
    con: duckdb.DuckDBPyConnection,
    selection: Selection,
    *,
    granularity: str = "month",
    limit: int = 100,
    offset: int = 0,
    newest_first: bool = False,
) -> Timeline:
    """Counts per period and one page (`limit`, `offset`) of incidents in date order."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}: one of {', '.join(GRANULARITIES)}")
    prefix, params = counted_sql(selection)
    fmt = GRANULARITIES[granularity]
    rows = con.execute(
        prefix
        + f"""
        SELECT strftime(i.start_date, '{fmt}') AS period, count(DISTINCT i.id),
               COALESCE(sum(v_exact), 0), COALESCE(sum(v_lower), 0), COALESCE(sum(v_approx), 0),
               COALESCE(sum(uncounted), 0)
        FROM sel_incidents i LEFT JOIN (SELECT a.incident_id, {VICTIM_PARTS_SQL} FROM sel_acts a) v
             ON v.incident_id = i.id
        GROUP BY period ORDER BY period NULLS LAST""",
        params,
    ).fetchall()
    periods = [
        Period(str(p), int(n), VictimCount.of(int(ex), int(lo), int(ap), int(un)))
        for p, n, ex, lo, ap, un in rows
        if p is not None
    ]
    undated = sum(int(n) for p, n, *_ in rows if p is None)
    order = "DESC" if newest_first else "ASC"
    entries_rows = con.execute(
        prefix
        + f"""
        , page AS (
            SELECT * FROM sel_incidents ORDER BY start_date {order} NULLS LAST, id {order} LIMIT ? OFFSET ?
        )
        SELECT i.id, i.start_date, i.end_date, i.date_precision, i.status,
               (SELECT list(DISTINCT a.violation ORDER BY a.violation)
                  FROM sel_acts a WHERE a.incident_id = i.id),
               (SELECT list(DISTINCT COALESCE(p.province_pcode, p.province) ORDER BY 1)
                  FROM incident_places p WHERE p.incident_id = i.id),
               (SELECT [COALESCE(sum(v_exact), 0), COALESCE(sum(v_lower), 0), COALESCE(sum(v_approx), 0),
                        COALESCE(sum(uncounted), 0)]
                  FROM (SELECT {VICTIM_PARTS_SQL} FROM sel_acts a WHERE a.incident_id = i.id))
        FROM page i ORDER BY i.start_date {order} NULLS LAST, i.id {order}""",
        [*params, limit, offset],
    ).fetchall()
    entries = [
        TimelineEntry(
            incident_id=int(r[0]),
            start_date=r[1],
            end_date=r[2],
            date_precision=r[3],
            status=str(r[4]),
            violations=tuple(v for v in (r[5] or []) if v),
            provinces=tuple(v for v in (r[6] or []) if v),
            victims=VictimCount.of(*(int(x) for x in r[7])),
        )
        for r in entries_rows
    ]
    total = sum(p.incidents for p in periods) + undated
    return Timeline(selection, granularity, periods, undated, total, entries, offset)
