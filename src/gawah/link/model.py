"""The Fellegi-Sunter model of person matching, written as Splink settings.

Each comparison is a field of a person (name, father's name, birth year, …) with ordered levels
of agreement, each with a reviewer-facing label. The father's name is compared exactly like the
name: in lists without surnames it does the work a surname does elsewhere. Only fields that a list
actually fills are compared.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import splink.comparison_level_library as cll
from splink import SettingsCreator, block_on
from splink.comparison_library import CustomComparison
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator


@dataclass(frozen=True)
class Level:
    """One level of agreement: its Splink condition, what a reviewer reads, and prior m and u."""

    creator: ComparisonLevelCreator
    label: str
    m: float
    u: float
    tf_column: str | None = None


@dataclass(frozen=True)
class FieldComparison:
    """How one field of two records is compared: null level first, 'else' level last."""

    name: str
    title: str
    null_column: str
    levels: tuple[Level, ...]

    def labels_by_gamma(self) -> dict[int, str]:
        """Splink numbers the levels from the most alike (highest) down to 0; -1 is 'missing'."""
        count = len(self.levels)
        out = {-1: "missing on one side"}
        for i, level in enumerate(self.levels):
            out[count - 1 - i] = level.label
        return out


def _name_levels(prefix: str, with_native: bool, use_tf: bool) -> tuple[Level, ...]:
    latin, native = f"{prefix}_latin", f"{prefix}_native"
    key, parts = f"{prefix}_key", f"{prefix}_parts"
    same_spelling: ComparisonLevelCreator = cll.ExactMatchLevel(latin)
    if with_native:
        same_spelling = cll.Or(cll.ExactMatchLevel(latin), cll.ExactMatchLevel(native))
    levels = [
        Level(same_spelling, "same spelling", 0.55, 0.002),
        Level(cll.ExactMatchLevel(key, term_frequency_adjustments=use_tf),
              "same name, spelled differently (or in another script)", 0.25, 0.003, key),
    ]
    if prefix == "name" and with_native:
        levels.append(Level(cll.Or(cll.CustomLevel("name_key_alt_l = name_key_r"),
                                   cll.CustomLevel("name_key_l = name_key_alt_r"),
                                   cll.ExactMatchLevel("name_key_alt")),
                            "same name in the other script", 0.05, 0.002))
    levels += [
        Level(cll.JaroWinklerLevel(latin, 0.92), "very similar spelling", 0.06, 0.004),
        Level(cll.JaroWinklerLevel(key, 0.88), "similar sound", 0.04, 0.01),
        Level(cll.ArrayIntersectLevel(parts, 1), "shares a distinctive part of the name", 0.03, 0.02),
        Level(cll.ElseLevel(), "different", 0.02, 0.95),
    ]
    return tuple(levels)


def _place_levels(column: str, use_tf: bool) -> tuple[Level, ...]:
    return (
        Level(cll.ExactMatchLevel(column, term_frequency_adjustments=use_tf), "same", 0.85, 0.05, column),
        Level(cll.JaroWinklerLevel(column, 0.88), "similar spelling", 0.07, 0.02),
        Level(cll.ElseLevel(), "different", 0.08, 0.93),
    )


def _birth_levels(has_birth_date: bool) -> tuple[Level, ...]:
    levels: list[Level] = []
    if has_birth_date:
        levels += [
            Level(cll.ExactMatchLevel("birth_date"), "same date of birth", 0.7, 0.0005),
            Level(cll.DamerauLevenshteinLevel("birth_date", 1), "date of birth one typo apart", 0.1, 0.002),
        ]
    levels += [
        Level(cll.ExactMatchLevel("birth_year"), "same birth year", 0.45 if not has_birth_date else 0.05,
              0.02),
        Level(cll.AbsoluteDifferenceLevel("birth_year", 1), "birth years 1 apart", 0.2, 0.04),
        Level(cll.AbsoluteDifferenceLevel("birth_year", 3), "birth years 2-3 apart", 0.15, 0.08),
        Level(cll.AbsoluteDifferenceLevel("birth_year", 6), "birth years 4-6 apart", 0.08, 0.12),
        Level(cll.ElseLevel(), "birth years far apart", 0.02, 0.74),
    ]
    return tuple(levels)


# Below this many records, how common a name is in the list says little: no term-frequency weights.
MIN_RECORDS_FOR_TERM_FREQUENCIES = 1000


def build_comparisons(columns: Mapping[str, bool], n_records: int = 0) -> list[FieldComparison]:
    """The comparisons for a list, given which feature columns it fills (column -> any value).

    On lists of at least :data:`MIN_RECORDS_FOR_TERM_FREQUENCIES` records an agreement on a common
    name (Mohammad) counts for less than on a rare one, through Splink's term-frequency adjustment.
    """
    use_tf = n_records >= MIN_RECORDS_FOR_TERM_FREQUENCIES
    has = {c for c, filled in columns.items() if filled}
    with_native = "name_native" in has
    out = [FieldComparison("name", "name", "name_key", _name_levels("name", with_native, use_tf))]
    if "father_key" in has:
        out.append(FieldComparison("father_name", "father's name", "father_key",
                                   _name_levels("father", "father_native" in has, use_tf)))
    if "grandfather_key" in has:
        out.append(FieldComparison("grandfather_name", "grandfather's name", "grandfather_key", (
            Level(cll.ExactMatchLevel("grandfather_key"), "same name", 0.75, 0.005),
            Level(cll.JaroWinklerLevel("grandfather_key", 0.88), "similar sound", 0.15, 0.02),
            Level(cll.ElseLevel(), "different", 0.1, 0.975),
        )))
    if "sex" in has:
        out.append(FieldComparison("sex", "sex", "sex", (
            Level(cll.ExactMatchLevel("sex"), "same", 0.98, 0.5),
            Level(cll.ElseLevel(), "different", 0.02, 0.5),
        )))
    if "birth_year" in has or "birth_date" in has:
        out.append(FieldComparison("birth", "birth year", "birth_year", _birth_levels("birth_date" in has)))
    for column, title in (("province_key", "province"), ("district_key", "district"),
                          ("village_key", "village")):
        if column in has:
            out.append(FieldComparison(column.removesuffix("_key"), title, column,
                                       _place_levels(column, use_tf)))
    if "occupation_key" in has:
        out.append(FieldComparison("occupation", "occupation", "occupation_key", (
            Level(cll.ExactMatchLevel("occupation_key"), "same", 0.8, 0.1),
            Level(cll.ElseLevel(), "different", 0.2, 0.9),
        )))
    if "id_number" in has:
        out.append(FieldComparison("id_number", "identity document number", "id_number", (
            Level(cll.ExactMatchLevel("id_number"), "same number", 0.8, 0.0001),
            Level(cll.DamerauLevenshteinLevel("id_number", 1), "number one typo apart", 0.1, 0.0005),
            Level(cll.ElseLevel(), "different", 0.1, 0.9994),
        )))
    return out


def _as_splink(comparison: FieldComparison) -> CustomComparison:
    levels: list[ComparisonLevelCreator | dict[str, Any]] = [cll.NullLevel(comparison.null_column)]
    for level in comparison.levels:
        creator = level.creator.configure(
            m_probability=level.m, u_probability=level.u, label_for_charts=level.label
        )
        levels.append(creator)
    return CustomComparison(levels, output_column_name=comparison.name,
                            comparison_description=comparison.title)


def blocking_keys(columns: Mapping[str, bool]) -> list[tuple[str, ...]]:
    """Pairs worth scoring: records equal on every column of one of these keys.

    Each key is a name key with a second piece of evidence: Afghan given names cluster heavily
    (many Mohammads), so a name key alone would make blocks of thousands.
    """
    has = {c for c, filled in columns.items() if filled}
    keys: list[tuple[str, ...]] = [("name_key", "father_key")] if "father_key" in has else [("name_key",)]
    # Not name and district alone: a common name in one district already makes millions of pairs.
    for other in ("birth_year", "birth_date", "village_key"):
        if other in has:
            keys.append(("name_key", other))
    if "father_key" in has:
        for other in ("birth_year", "province_key", "birth_date"):
            if other in has:
                keys.append(("father_key", other))
        if "name_native" in has:
            keys.append(("name_key_alt", "father_key"))
    if "id_number" in has:
        keys.append(("id_number",))
    if "birth_date" in has and "village_key" in has:
        keys.append(("birth_date", "village_key"))
    return keys


def blocking_rules(columns: Mapping[str, bool]) -> list[BlockingRuleCreator]:
    """The blocking keys as Splink rules (the same pairs in DuckDB, Spark or in Python)."""
    return [block_on(*key) for key in blocking_keys(columns)]


def blocked_with(
    rows: Sequence[Mapping[str, Any]], new_ids: Collection[str], keys: Sequence[tuple[str, ...]]
) -> set[str]:
    """Ids of the rows that share a blocking key with one of `new_ids` (those included).

    What Splink's blocking would pair with the new records, found without scoring the others:
    a new record needs comparing only with these.
    """
    wanted = set(new_ids)
    out = set(wanted)
    for key in keys:
        values = {
            tuple(row[c] for c in key)
            for row in rows
            if row["unique_id"] in wanted and all(row[c] is not None for c in key)
        }
        if not values:
            continue
        for row in rows:
            if tuple(row[c] for c in key) in values:
                out.add(str(row["unique_id"]))
    return out


def training_rules(columns: Mapping[str, bool]) -> list[BlockingRuleCreator]:
    """Blocks for expectation maximisation: each leaves some comparisons free to be estimated."""
    has = {c for c, filled in columns.items() if filled}
    rules = [block_on("name_key", "father_key")] if "father_key" in has else [block_on("name_key")]
    for pair in (("birth_date",), ("birth_year", "district_key"), ("birth_year", "province_key"),
                 ("id_number",), ("birth_year",)):
        if all(p in has for p in pair):
            rules.append(block_on(*pair))
            break
    return rules


def deterministic_rules(columns: Mapping[str, bool]) -> list[BlockingRuleCreator]:
    """Rules that admit almost no false matches, to estimate how often two records match."""
    has = {c for c, filled in columns.items() if filled}
    rules: list[BlockingRuleCreator] = []
    strong = [c for c in ("father_key", "birth_date", "birth_year", "grandfather_key") if c in has]
    if len(strong) >= 2:
        rules.append(block_on("name_key", *strong[:2]))
    if "id_number" in has:
        rules.append(block_on("id_number", "name_key"))
    if not rules:
        rules.append(block_on("name_latin", *strong[:1]) if strong else block_on("name_latin"))
    return rules


def build_settings(columns: Mapping[str, bool], comparisons: Sequence[FieldComparison]) -> SettingsCreator:
    """Splink settings for de-duplicating one list."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[_as_splink(c) for c in comparisons],
        blocking_rules_to_generate_predictions=list[BlockingRuleCreator | dict[str, Any]](
            blocking_rules(columns)),
        probability_two_random_records_match=0.0001,
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        max_iterations=20,
        em_convergence=0.001,
    )


def filled_columns(table: Mapping[str, Sequence[Any]]) -> dict[str, bool]:
    """Which feature columns hold at least one value."""
    return {c: any(v is not None for v in values) for c, values in table.items()}
