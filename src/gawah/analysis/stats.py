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
from typing import TYPE_CHECKING, Any

import duckdb

from gawah.analysis.selection import Selection, counted_sql

if TYPE_CHECKING:
    import pyarrow as pa

DIMENSIONS: tuple[str, ...] = ("violation", "province", "district", "month", "victim_group", "perpetrator")
UNKNOWN = "unknown"

# Dimensions of acts (an act's victims count under its own key) and of incidents (all of an
# incident's victims count under each of its keys).
ACT_DIMENSIONS = ("violation", "perpetrator", "victim_group")
INCIDENT_DIMENSIONS = ("month", "province", "district")
PARTS_SQL = (
    "COALESCE(sum(v_exact), 0), COALESCE(sum(v_lower), 0), COALESCE(sum(v_approx), 0), "
    "COALESCE(sum(uncounted), 0)"
)


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


def _pairs_sql(dimension: str) -> str:
    """(key, parent, incident_id[, act columns]) rows of one dimension over the selection."""
    if dimension in ("violation", "perpetrator"):
        return f"SELECT {dimension} AS key, NULL AS parent, * FROM sel_acts"
    if dimension == "victim_group":
        return (
            "SELECT unnest(CASE WHEN len(victim_groups) = 0 THEN ['unknown'] "
            "ELSE list_distinct(victim_groups) END) AS key, NULL AS parent, * FROM sel_acts"
        )
    if dimension == "month":
        return "SELECT month AS key, NULL AS parent, id AS incident_id FROM sel_incidents"
    parent = "any_value(p.province_pcode)" if dimension == "district" else "NULL"
    return (
        f"SELECT COALESCE(p.{dimension}_key, 'unknown') AS key, {parent} AS parent, i.id AS incident_id "
        "FROM sel_incidents i LEFT JOIN incident_places p ON p.incident_id = i.id GROUP BY ALL"
    )


def _dimension_sql(dimension: str) -> str:
    if dimension in ACT_DIMENSIONS:
        return (
            f"SELECT key, NULL, count(DISTINCT incident_id), count(*), {PARTS_SQL} "
            f"FROM ({_pairs_sql(dimension)}) GROUP BY key ORDER BY 3 DESC, key"
        )
    return (
        ", inc_v AS (SELECT incident_id, count(*) AS acts, sum(v_exact) AS v_exact, sum(v_lower) AS v_lower, "
        "sum(v_approx) AS v_approx, sum(uncounted) AS uncounted FROM sel_acts GROUP BY incident_id) "
        f"SELECT k.key, max(k.parent), count(*), COALESCE(sum(v.acts), 0), {PARTS_SQL} "
        f"FROM ({_pairs_sql(dimension)}) k LEFT JOIN inc_v v ON v.incident_id = k.incident_id "
        # Months in calendar order; places by how many incidents.
        + (
            "GROUP BY k.key ORDER BY k.key"
            if dimension == "month"
            else "GROUP BY k.key ORDER BY 3 DESC, k.key"
        )
    )


_SELECTED = "WITH sel_incidents AS (FROM temp.selected_incidents), sel_acts AS (FROM temp.selected_acts) "


def materialise(con: duckdb.DuckDBPyConnection, selection: Selection) -> tuple[str, list[Any]]:
    """Evaluate the selection once into temporary tables (allowed on a read-only snapshot); returns
    the `WITH` prefix that reads them, for the several queries that follow."""
    prefix, params = counted_sql(selection)
    con.execute("CREATE OR REPLACE TEMP TABLE selected_incidents AS " + prefix + "FROM sel_incidents", params)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE selected_acts AS "
        + prefix
        + "FROM sel_acts WHERE incident_id IN (SELECT id FROM sel_incidents)",
        params,
    )
    return _SELECTED, []


def compute(
    con: duckdb.DuckDBPyConnection,
    selection: Selection,
    dimensions: tuple[str, ...] = DIMENSIONS,
    labels: dict[str, dict[str, str]] | None = None,
) -> Statistics:
    """Counts over the snapshot in `con` for `selection`, grouped by each of `dimensions`.

    Each group's label is its key, except provinces and districts, labelled by their English
    gazetteer names unless `labels` says otherwise (pages and reports name them in their language)."""
    if labels is None and {"province", "district"} & set(dimensions):
        from gawah.analysis.places import english_place_labels

        labels = english_place_labels()
    unknown = [d for d in dimensions if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown dimension {', '.join(unknown)}: one of {', '.join(DIMENSIONS)}")
    stored = _precomputed(con, selection, dimensions)
    if stored is not None:
        return _relabel(stored, labels)
    prefix, params = materialise(con, selection)
    total = con.execute(
        prefix + f"SELECT (SELECT count(*) FROM sel_incidents), count(*), {PARTS_SQL} FROM sel_acts", params
    ).fetchone()
    assert total is not None
    labels = labels or {}
    groups: dict[str, list[GroupCount]] = {}
    for dimension in dimensions:
        rows = con.execute(prefix + _dimension_sql(dimension), params).fetchall()
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
    else:
        rows = con.execute(
            prefix + f"SELECT DISTINCT incident_id FROM ({_pairs_sql(dimension)}) WHERE key = ? ORDER BY 1",
            [*params, key],
        ).fetchall()
    return [int(r[0]) for r in rows]


def group_members(
    con: duckdb.DuckDBPyConnection, selection: Selection, dimension: str
) -> dict[str, list[int]]:
    """Every group's incident ids for one dimension (for a report's links from figures to records)."""
    prefix, params = counted_sql(selection)
    rows = con.execute(
        prefix
        + f"SELECT key, list(DISTINCT incident_id ORDER BY incident_id) FROM ({_pairs_sql(dimension)}) "
        "GROUP BY key",
        params,
    ).fetchall()
    return {str(k): [int(x) for x in ids] for k, ids in rows}


# The dashboard's first view and a plain `gawah stats` ask for every confirmed incident a reader may
# see, unfiltered; those answers are computed once per snapshot, for each readership.
PRECOMPUTED_GROUPS = "precomputed_groups"
PRECOMPUTED_TOTALS = "precomputed_totals"


def _levels_key(levels: tuple[str, ...]) -> str:
    return ",".join(sorted(levels))


GROUP_COLUMNS = "levels, dimension, ord, key, parent, incidents, acts, ex, lo, ap, un"
TOTAL_COLUMNS = "levels, incidents, acts, ex, lo, ap, un"
_TEXT_COLUMNS = ("levels", "dimension", "key", "parent")


def rows_table(rows: list[list[Any]], columns: str) -> pa.Table:
    """Rows of a precomputed table as Arrow columns (DuckDB inserts these far faster than row by row)."""
    import pyarrow as pa  # only when a snapshot is made, not on every read of one

    names = columns.split(", ")
    values = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return pa.table(
        {
            name: pa.array(values[n], pa.string() if name in _TEXT_COLUMNS else pa.int64())
            for n, name in enumerate(names)
        }
    )


def unfiltered_rows(
    con: duckdb.DuckDBPyConnection, readerships: list[tuple[str, ...]]
) -> tuple[list[list[Any]], list[list[Any]]]:
    """The unfiltered statistics of each readership as rows of the precomputed tables (totals, groups).

    Every figure is a sum over incidents (an incident adds 1 to each of its keys, and its acts and
    victims), so the rows of two disjoint sets of incidents add up to the rows of their union: the
    snapshot's refresh subtracts the old rows of the incidents that changed and adds their new ones.
    """
    totals: list[list[Any]] = []
    groups: list[list[Any]] = []
    for levels in readerships:
        stats = compute(con, Selection(levels=levels))
        key = _levels_key(levels)
        v = stats.victims
        totals.append(
            [key, stats.incidents, stats.acts, v.exact, v.lower_bounded, v.approximate, v.acts_without_count]
        )
        groups.extend(
            [
                key,
                dim,
                n,
                g.key,
                g.parent,
                g.incidents,
                g.acts,
                g.victims.exact,
                g.victims.lower_bounded,
                g.victims.approximate,
                g.victims.acts_without_count,
            ]
            for dim, rows in stats.groups.items()
            for n, g in enumerate(rows)
        )
    return totals, groups


def precompute(con: duckdb.DuckDBPyConnection, readerships: list[tuple[str, ...]]) -> None:
    """Store the unfiltered statistics of each readership (levels) in the snapshot `con`."""
    con.execute(
        f"CREATE TABLE {PRECOMPUTED_GROUPS} (levels VARCHAR, dimension VARCHAR, ord INTEGER, key VARCHAR, "
        "parent VARCHAR, incidents BIGINT, acts BIGINT, ex BIGINT, lo BIGINT, ap BIGINT, un BIGINT)"
    )
    con.execute(
        f"CREATE TABLE {PRECOMPUTED_TOTALS} (levels VARCHAR, incidents BIGINT, acts BIGINT, ex BIGINT, "
        "lo BIGINT, ap BIGINT, un BIGINT)"
    )
    totals, groups = unfiltered_rows(con, readerships)
    for table, rows, columns in (
        (PRECOMPUTED_TOTALS, totals, TOTAL_COLUMNS),
        (PRECOMPUTED_GROUPS, groups, GROUP_COLUMNS),
    ):
        con.register("precomputed", rows_table(rows, columns))
        con.execute(f"INSERT INTO {table} SELECT {columns} FROM precomputed")
        con.unregister("precomputed")


def _unfiltered(selection: Selection) -> bool:
    return selection == Selection(levels=selection.levels)


def _precomputed(
    con: duckdb.DuckDBPyConnection, selection: Selection, dimensions: tuple[str, ...]
) -> Statistics | None:
    if not _unfiltered(selection):
        return None
    key = _levels_key(selection.levels)
    try:
        total = con.execute(f"SELECT * FROM {PRECOMPUTED_TOTALS} WHERE levels = ?", [key]).fetchone()
    except duckdb.CatalogException:
        return None
    if total is None:
        return None
    rows = con.execute(
        f"SELECT dimension, key, parent, incidents, acts, ex, lo, ap, un FROM {PRECOMPUTED_GROUPS} "
        "WHERE levels = ? ORDER BY dimension, ord",
        [key],
    ).fetchall()
    groups: dict[str, list[GroupCount]] = {d: [] for d in dimensions}
    for dim, k, parent, incidents, acts, ex, lo, ap, un in rows:
        if dim in groups:
            groups[dim].append(
                GroupCount(str(k), str(k), int(incidents), int(acts), VictimCount.of(ex, lo, ap, un), parent)
            )
    return Statistics(
        selection=selection,
        incidents=int(total[1]),
        acts=int(total[2]),
        victims=VictimCount.of(int(total[3]), int(total[4]), int(total[5]), int(total[6])),
        groups=groups,
        notes=NOTES,
    )


def _relabel(stats: Statistics, labels: dict[str, dict[str, str]] | None) -> Statistics:
    if not labels:
        return stats
    for dim, groups in stats.groups.items():
        names = labels.get(dim, {})
        stats.groups[dim] = [
            GroupCount(g.key, names.get(g.key, g.key), g.incidents, g.acts, g.victims, g.parent)
            for g in groups
        ]
    return stats
