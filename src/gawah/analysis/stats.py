"""Counts of confirmed incidents and their victims, by violation, place, month, victim group, perpetrator.

Victim counts keep the bound the sources gave. "At least 5" and "more than 10" are lower bounds (5
and 11); an act with no stated count is a lower bound of 0; "about 20" is approximate. A total that
adds any lower bound is itself only a lower bound ("at least"), and one that adds an approximate
count is approximate; the parts are reported beside the total so a reader sees why.

Acts counted in "acts" units (e.g. "3 raids") give no victims. A person harmed in two ways appears
under both violations, and an incident in two provinces under both: group totals may add up to
more than the overall total, which counts each incident once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import duckdb

from gawah.analysis.selection import Selection, counted_sql

DIMENSIONS: tuple[str, ...] = ("violation", "province", "district", "month", "victim_group", "perpetrator")
UNKNOWN = "unknown"

# Exact, lower-bounded and approximate parts of an act's victims (lower bound for "more than n": n+1).
VICTIM_PARTS_SQL = """
    CASE WHEN COALESCE(a.count_unit, 'victims') = 'victims' AND a.count_qualifier = 'exact'
         THEN a.count_value ELSE 0 END AS v_exact,
    CASE WHEN COALESCE(a.count_unit, 'victims') <> 'victims' OR a.count_value IS NULL THEN 0
         WHEN a.count_qualifier = 'more_than' THEN a.count_value + 1
         WHEN a.count_qualifier IN ('at_least', 'vague') OR a.count_qualifier IS NULL THEN a.count_value
         ELSE 0 END AS v_lower,
    CASE WHEN COALESCE(a.count_unit, 'victims') = 'victims' AND a.count_qualifier = 'approximately'
         THEN COALESCE(a.count_value, 0) ELSE 0 END AS v_approx,
    CASE WHEN COALESCE(a.count_unit, 'victims') = 'victims' AND a.count_value IS NULL THEN 1 ELSE 0 END
         AS uncounted
"""

_KEYS = {
    "violation": ("a.violation", False),
    "perpetrator": (f"COALESCE(a.perpetrator, '{UNKNOWN}')", False),
    "victim_group": (f"COALESCE(g.victim_group, '{UNKNOWN}')", False),
    "month": (f"COALESCE(strftime(i.start_date, '%Y-%m'), '{UNKNOWN}')", False),
    "province": (f"COALESCE(p.province_pcode, p.province, '{UNKNOWN}')", True),
    "district": (f"COALESCE(p.district_pcode, p.district, '{UNKNOWN}')", True),
}


@dataclass(frozen=True)
class VictimCount:
    """A sum of victim counts and how far it can be trusted: `bound` is exact, at_least or approximately."""

    total: int
    bound: str
    exact: int
    lower_bounded: int
    approximate: int
    acts_without_count: int

    @classmethod
    def of(cls, exact: int, lower: int, approx: int, uncounted: int) -> VictimCount:
        if lower or uncounted:
            bound = "at_least"
        elif approx:
            bound = "approximately"
        else:
            bound = "exact"
        return cls(exact + lower + approx, bound, exact, lower, approx, uncounted)

    def as_text(self) -> str:
        prefix = {"at_least": "at least ", "approximately": "about "}.get(self.bound, "")
        return f"{prefix}{self.total}"


@dataclass(frozen=True)
class GroupCount:
    key: str
    label: str
    incidents: int
    acts: int
    victims: VictimCount
    # The province a district lies in (pcode), so maps and tables can nest them.
    parent: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["victims_text"] = self.victims.as_text()
        return data


@dataclass(frozen=True)
class Statistics:
    selection: Selection
    incidents: int
    acts: int
    victims: VictimCount
    groups: dict[str, list[GroupCount]]
    notes: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return self.incidents == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "selection": self.selection.describe(),
            "totals": {
                "incidents": self.incidents,
                "acts": self.acts,
                "victims": asdict(self.victims) | {"text": self.victims.as_text()},
            },
            "by": {dim: [g.as_dict() for g in rows] for dim, rows in self.groups.items()},
            "notes": list(self.notes),
        }

    def csv_rows(self) -> list[dict[str, Any]]:
        """One row per group, the totals first (dimension `total`)."""

        def row(dimension: str, key: str, label: str, inc: int, acts: int, v: VictimCount) -> dict[str, Any]:
            return {
                "dimension": dimension,
                "key": key,
                "label": label,
                "incidents": inc,
                "acts": acts,
                "victims": v.total,
                "victims_bound": v.bound,
                "victims_exact": v.exact,
                "victims_lower_bounded": v.lower_bounded,
                "victims_approximate": v.approximate,
                "acts_without_count": v.acts_without_count,
            }

        rows = [row("total", "all", "all", self.incidents, self.acts, self.victims)]
        for dim, groups in self.groups.items():
            rows.extend(row(dim, g.key, g.label, g.incidents, g.acts, g.victims) for g in groups)
        return rows


CSV_FIELDS = (
    "dimension",
    "key",
    "label",
    "incidents",
    "acts",
    "victims",
    "victims_bound",
    "victims_exact",
    "victims_lower_bounded",
    "victims_approximate",
    "acts_without_count",
)

NOTES = (
    "Confirmed incidents only: accepted by a reviewer, not retracted; a merged incident is counted "
    "once, under the incident it joined. Only accepted acts are counted.",
    "Victims: 'at least' totals add lower bounds ('at least n' counts n, 'more than n' counts n+1, an "
    "act with no stated count counts 0); 'about' totals add approximate counts. The parts are given.",
    "Group totals may exceed the overall total: an incident in two provinces, or a person subjected to "
    "two violations, is counted under each.",
)


def _joins(dimension: str) -> str:
    joins = ""
    if dimension == "victim_group":
        joins = (
            " LEFT JOIN (SELECT id AS act_id, unnest(victim_groups) AS victim_group FROM sel_acts) g"
            " ON g.act_id = a.id"
        )
    if _KEYS[dimension][1]:
        joins += " LEFT JOIN incident_places p ON p.incident_id = i.id"
    return joins


def _distinct_parts_sql(dimension: str) -> str:
    """Victims are summed once per act and key, even where joins repeat an act (several places)."""
    key = _KEYS[dimension][0]
    joins = _joins(dimension)
    parent = "p.province_pcode" if dimension == "district" else "NULL"
    return f"""
        SELECT key, max(parent) AS parent, count(DISTINCT incident_id) AS incidents,
               count(DISTINCT act_id) AS acts,
               COALESCE(sum(v_exact), 0), COALESCE(sum(v_lower), 0), COALESCE(sum(v_approx), 0),
               COALESCE(sum(uncounted), 0)
        FROM (
            SELECT DISTINCT {key} AS key, {parent} AS parent, i.id AS incident_id, a.id AS act_id,
                   {VICTIM_PARTS_SQL}
            FROM sel_incidents i LEFT JOIN sel_acts a ON a.incident_id = i.id{joins}
        ) GROUP BY key ORDER BY incidents DESC, key
    """


def compute(
    con: duckdb.DuckDBPyConnection,
    selection: Selection,
    dimensions: tuple[str, ...] = DIMENSIONS,
    labels: dict[str, dict[str, str]] | None = None,
) -> Statistics:
    """Counts over the snapshot in `con` for `selection`, grouped by each of `dimensions`."""
    unknown = [d for d in dimensions if d not in _KEYS]
    if unknown:
        raise ValueError(f"unknown dimension {', '.join(unknown)}: one of {', '.join(DIMENSIONS)}")
    prefix, params = counted_sql(selection)
    total = con.execute(
        prefix
        + f"""SELECT (SELECT count(*) FROM sel_incidents), count(a.id),
               COALESCE(sum(v_exact), 0), COALESCE(sum(v_lower), 0), COALESCE(sum(v_approx), 0),
               COALESCE(sum(uncounted), 0)
           FROM (SELECT a.id, {VICTIM_PARTS_SQL} FROM sel_acts a) a""",
        params,
    ).fetchone()
    assert total is not None
    labels = labels or {}
    groups: dict[str, list[GroupCount]] = {}
    for dimension in dimensions:
        rows = con.execute(prefix + _distinct_parts_sql(dimension), params).fetchall()
        names = labels.get(dimension, {})
        groups[dimension] = [
            GroupCount(
                key=str(key),
                label=names.get(str(key), str(key)),
                incidents=int(incidents),
                acts=int(acts),
                victims=VictimCount.of(int(ex), int(lo), int(ap), int(un)),
                parent=parent,
            )
            for key, parent, incidents, acts, ex, lo, ap, un in rows
        ]
    return Statistics(
        selection=selection,
        incidents=int(total[0]),
        acts=int(total[1]),
        victims=VictimCount.of(int(total[2]), int(total[3]), int(total[4]), int(total[5])),
        groups=groups,
        notes=NOTES,
    )


def incident_ids(
    con: duckdb.DuckDBPyConnection, selection: Selection, dimension: str | None = None, key: str | None = None
) -> list[int]:
    """The incidents behind a figure: the whole selection, or one group of one dimension."""
    prefix, params = counted_sql(selection)
    if dimension is None:
        rows = con.execute(prefix + "SELECT id FROM sel_incidents ORDER BY id", params).fetchall()
        return [int(r[0]) for r in rows]
    key_sql = _KEYS[dimension][0]
    joins = _joins(dimension)
    rows = con.execute(
        prefix
        + f"SELECT DISTINCT i.id FROM sel_incidents i LEFT JOIN sel_acts a ON a.incident_id = i.id{joins}"
        + f" WHERE {key_sql} = ? ORDER BY i.id",
        [*params, key],
    ).fetchall()
    return [int(r[0]) for r in rows]


def group_members(
    con: duckdb.DuckDBPyConnection, selection: Selection, dimension: str
) -> dict[str, list[int]]:
    """Every group's incident ids for one dimension (for a report's links from figures to records)."""
    key_sql = _KEYS[dimension][0]
    joins = _joins(dimension)
    prefix, params = counted_sql(selection)
    rows = con.execute(
        prefix
        + f"SELECT {key_sql} AS key, list(DISTINCT i.id ORDER BY i.id) FROM sel_incidents i"
        + f" LEFT JOIN sel_acts a ON a.incident_id = i.id{joins} GROUP BY key",
        params,
    ).fetchall()
    return {str(k): [int(x) for x in ids] for k, ids in rows}
