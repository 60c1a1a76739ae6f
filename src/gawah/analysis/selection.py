"""Which incidents a statistic, timeline, report or export is about: confirmed incidents, filtered.

Confirmed means accepted by a reviewer, not retracted, and not merged into another incident (a
merged event is counted once, under the incident it joined). Within them only accepted acts count.
Filters: violation, province, district, perpetrator, incident status, source (a `sources` row that
reports the incident), period and the confidentiality levels the reader may see: the search's
filters, and the perpetrator.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from gawah.store.vocab import Confidentiality, IncidentStatus

ALL_LEVELS: tuple[str, ...] = tuple(c.value for c in Confidentiality)
COUNTED_STATUSES: tuple[str, ...] = tuple(
    s.value for s in IncidentStatus if s is not IncidentStatus.RETRACTED
)


class SelectionError(ValueError):
    """A filter that cannot be understood (an unknown status, a malformed period)."""


@dataclass(frozen=True)
class Selection:
    violations: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    perpetrators: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    sources: tuple[int, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    levels: tuple[str, ...] = field(default=ALL_LEVELS)

    def __post_init__(self) -> None:
        unknown = [s for s in self.statuses if s not in COUNTED_STATUSES]
        if unknown:
            raise SelectionError(
                f"unknown or uncounted status {', '.join(unknown)}: one of {', '.join(COUNTED_STATUSES)}"
            )
        if self.start and self.end and self.start > self.end:
            raise SelectionError(f"the period starts ({self.start}) after it ends ({self.end})")

    def describe(self) -> dict[str, Any]:
        """The filters as plain data (for output headers and links)."""
        data = asdict(self)
        data["start"] = self.start.isoformat() if self.start else None
        data["end"] = self.end.isoformat() if self.end else None
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in data.items()}

    def query_items(self) -> list[tuple[str, str]]:
        """The filters as query-string pairs (the web pages' links use the same names)."""
        items: list[tuple[str, str]] = []
        for name, values in (
            ("violation", self.violations),
            ("province", self.provinces),
            ("district", self.districts),
            ("perpetrator", self.perpetrators),
            ("status", self.statuses),
        ):
            items.extend((name, v) for v in values)
        items.extend(("source", str(s)) for s in self.sources)
        if self.start:
            items.append(("from", self.start.isoformat()))
        if self.end:
            items.append(("to", self.end.isoformat()))
        return items


_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def _bounds(text: str) -> tuple[dt.date, dt.date]:
    match = _PERIOD.match(text.strip())
    if not match:
        raise SelectionError(f"period {text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    try:
        if month is None:
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if day is None:
            first = dt.date(year, month, 1)
            following = dt.date(year + (month == 12), month % 12 + 1, 1)
            return first, following - dt.timedelta(days=1)
        day_date = dt.date(year, month, day)
    except ValueError as exc:
        raise SelectionError(f"period {text!r}: {exc}") from None
    return day_date, day_date


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """`2021`, `2021-08`, `2021-08-15`, or two of them joined by `..` (either side may be empty)."""
    if ".." in text:
        left, right = text.split("..", 1)
        start = _bounds(left)[0] if left.strip() else dt.date.min
        end = _bounds(right)[1] if right.strip() else dt.date.max
        if start > end:
            raise SelectionError(f"period {text!r} ends before it starts")
        return start, end
    return _bounds(text)


def parse_date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise SelectionError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _clean(values: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values or () if v and v.strip()))


def make_selection(
    *,
    violations: list[str] | tuple[str, ...] | None = None,
    provinces: list[str] | tuple[str, ...] | None = None,
    districts: list[str] | tuple[str, ...] | None = None,
    perpetrators: list[str] | tuple[str, ...] | None = None,
    statuses: list[str] | tuple[str, ...] | None = None,
    sources: list[int] | tuple[int, ...] | None = None,
    period: str | None = None,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    levels: tuple[str, ...] = ALL_LEVELS,
) -> Selection:
    """A Selection from loosely given filters (repeated options, query parameters); SelectionError if bad."""
    first = start if isinstance(start, dt.date) else parse_date(start)
    last = end if isinstance(end, dt.date) else parse_date(end)
    if period:
        p_start, p_end = parse_period(period)
        first = max(first, p_start) if first else p_start
        last = min(last, p_end) if last else p_end
    return Selection(
        violations=_clean(violations),
        provinces=_clean(provinces),
        districts=_clean(districts),
        perpetrators=_clean(perpetrators),
        statuses=_clean(statuses),
        sources=tuple(dict.fromkeys(int(s) for s in sources or ())),
        start=None if first == dt.date.min else first,
        end=None if last == dt.date.max else last,
        levels=levels,
    )


def _in(column: str, values: tuple[str, ...], params: list[Any], *, fold: bool = False) -> str:
    params.extend(v.casefold() if fold else v for v in values)
    return f"{column} IN ({', '.join('?' for _ in values)})"


def counted_sql(selection: Selection) -> tuple[str, list[Any]]:
    """DuckDB SQL defining `sel_incidents` and `sel_acts` over the snapshot (which holds confirmed
    incidents and accepted acts only), as a `WITH` prefix to which a query is appended."""
    params: list[Any] = []
    inc = [_in("i.confidentiality", selection.levels or ("none",), params)]
    if selection.statuses:
        inc.append(_in("i.status", selection.statuses, params))
    # An incident belongs to a period when it overlaps it.
    if selection.start:
        inc.append("COALESCE(i.end_date, i.start_date) >= ?")
        params.append(selection.start)
    if selection.end:
        inc.append("i.start_date <= ?")
        params.append(selection.end)
    if selection.provinces or selection.districts:
        where = []
        for column, values in (("province", selection.provinces), ("district", selection.districts)):
            if values:
                # A place is named by its name or its pcode, in any case.
                where.append(
                    f"({_in(f'lower(p.{column})', values, params, fold=True)} "
                    f"OR {_in(f'lower(p.{column}_pcode)', values, params, fold=True)})"
                )
        inc.append("i.id IN (SELECT p.incident_id FROM incident_places p WHERE " + " AND ".join(where) + ")")
    if selection.sources:
        params.extend(selection.sources)
        marks = ", ".join("?" for _ in selection.sources)
        inc.append(f"i.id IN (SELECT s.incident_id FROM incident_sources s WHERE s.source_id IN ({marks}))")
    act = [_in("a.confidentiality", selection.levels or ("none",), params)]
    if selection.violations:
        act.append(_in("a.violation", selection.violations, params))
    if selection.perpetrators:
        act.append(_in("a.perpetrator", selection.perpetrators, params))
    act_filtered = bool(selection.violations or selection.perpetrators)
    sql = (
        "WITH base_incidents AS (SELECT i.* FROM incidents i WHERE "
        + " AND ".join(inc)
        + "), sel_acts AS (SELECT a.* FROM acts a WHERE a.incident_id IN (SELECT id FROM base_incidents) AND "
        + " AND ".join(act)
        + "), sel_incidents AS (SELECT * FROM base_incidents"
        # With a violation or perpetrator filter, an incident counts only for its matching acts.
        + (" WHERE id IN (SELECT incident_id FROM sel_acts)" if act_filtered else "")
        + ") "
    )
    return sql, params
