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
from gawah.analysis.stats import PARTS_SQL, VictimCount, compute

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
    fmt = GRANULARITIES[granularity]
    if granularity == "month":
        # The same figures as the statistics by month (stored for the unfiltered selection).
        months = compute(con, selection, ("month",)).groups["month"]
    # One query each below: the selection's definition is read in place, not copied first.
    prefix, params = counted_sql(selection)
    if granularity == "month":
        rows = [
            (
                None if g.key == "unknown" else g.key,
                g.incidents,
                g.victims.exact,
                g.victims.lower_bounded,
                g.victims.approximate,
                g.victims.acts_without_count,
            )
            for g in sorted(months, key=lambda g: g.key)
        ]
    else:
        inc_v = (
            ", inc_v AS (SELECT incident_id, sum(v_exact) AS v_exact, sum(v_lower) AS v_lower, "
            "sum(v_approx) AS v_approx, sum(uncounted) AS uncounted FROM sel_acts GROUP BY incident_id) "
        )
        rows = con.execute(
            prefix + inc_v + f"SELECT strftime(i.start_date, '{fmt}') AS period, count(*), {PARTS_SQL} "
            "FROM sel_incidents i LEFT JOIN inc_v v ON v.incident_id = i.id "
            "GROUP BY period ORDER BY period NULLS LAST",
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
        + f""", page AS (
            SELECT * FROM sel_incidents ORDER BY start_date {order} NULLS LAST, id {order} LIMIT ? OFFSET ?
        ), page_acts AS (
            SELECT incident_id, list(DISTINCT violation ORDER BY violation) AS violations, {
            PARTS_SQL.replace("COALESCE(sum(v_exact), 0)", "COALESCE(sum(v_exact), 0) AS e")
            .replace("COALESCE(sum(v_lower), 0)", "COALESCE(sum(v_lower), 0) AS l")
            .replace("COALESCE(sum(v_approx), 0)", "COALESCE(sum(v_approx), 0) AS ap")
            .replace("COALESCE(sum(uncounted), 0)", "COALESCE(sum(uncounted), 0) AS u")
        }
            FROM sel_acts WHERE incident_id IN (SELECT id FROM page) GROUP BY incident_id
        ), page_places AS (
            SELECT incident_id, list(DISTINCT province_key ORDER BY province_key) AS provinces
            FROM incident_places WHERE incident_id IN (SELECT id FROM page) GROUP BY incident_id
        )
        SELECT i.id, i.start_date, i.end_date, i.date_precision, i.status, a.violations, p.provinces,
               COALESCE(a.e, 0), COALESCE(a.l, 0), COALESCE(a.ap, 0), COALESCE(a.u, 0)
        FROM page i LEFT JOIN page_acts a ON a.incident_id = i.id
             LEFT JOIN page_places p ON p.incident_id = i.id
        ORDER BY i.start_date {order} NULLS LAST, i.id {order}""",
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
            provinces=tuple(v for v in (r[6] or []) if v and v != "unknown"),
            victims=VictimCount.of(int(r[7]), int(r[8]), int(r[9]), int(r[10])),
        )
        for r in entries_rows
    ]
    total = sum(p.incidents for p in periods) + undated
    return Timeline(selection, granularity, periods, undated, total, entries, offset)
