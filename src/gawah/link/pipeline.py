"""De-duplicate a list of persons: features, blocking, training, scoring, clustering, reasons.

The pipeline follows the practice HRDAG describes for victim lists: block into candidate pairs,
score each pair (here a Fellegi-Sunter model whose m and u probabilities Splink estimates, u by
random sampling and m by expectation maximisation), cluster pairs into persons, and hand the
proposed matches with their reasons to a person for review.

It runs on DuckDB in process by default and on Spark through the same Splink settings
(:class:`SparkBackend`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyarrow as pa
from splink import Linker
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.database_api import DatabaseAPI
from splink.internals.splink_dataframe import SplinkDataFrame

from gawah.link import DEFAULT_REVIEW_FLOOR, DEFAULT_THRESHOLD
from gawah.link.model import (
    FieldComparison,
    build_comparisons,
    build_settings,
    deterministic_rules,
    filled_columns,
    training_rules,
)
from gawah.link.records import FEATURE_COLUMNS, PersonRecord, feature_table

log = logging.getLogger(__name__)


_ARROW_TYPES: dict[str, pa.DataType] = {
    "birth_year": pa.int64(),
    "name_parts": pa.list_(pa.string()),
    "father_parts": pa.list_(pa.string()),
}


class Backend(Protocol):
    """Where Splink runs its SQL."""

    def database(self) -> DatabaseAPI[Any]: ...


@dataclass(frozen=True)
class DuckDBBackend:
    """DuckDB in process (the default: nothing to install or run)."""

    def database(self) -> DatabaseAPI[Any]:
        from splink import DuckDBAPI

        return DuckDBAPI()


@dataclass(frozen=True)
class SparkBackend:
    """A Spark session (local or a cluster) with Splink's similarity functions registered."""

    spark: Any
    num_partitions: int | None = None

    def database(self) -> DatabaseAPI[Any]:
        from splink.backends.spark import SparkAPI

        return SparkAPI(spark_session=self.spark, num_partitions_on_repartition=self.num_partitions)


@dataclass(frozen=True)
class Reason:
    """How one field of a pair compared and how much that moved the match weight."""

    field: str
    title: str
    level: str
    weight: float

    @property
    def bayes_factor(self) -> float:
        """How many times likelier this agreement is among matches than among non-matches."""
        return float(2.0**self.weight)

    def describe(self) -> str:
        return f"{self.title}: {self.level} ({self.weight:+.1f})"


@dataclass(frozen=True)
class ProposedMatch:
    """A pair of records that may be the same person, with the reasons."""

    id_l: str
    id_r: str
    match_probability: float
    match_weight: float
    reasons: tuple[Reason, ...]

    def explanation(self) -> str:
        """The reasons, strongest first, in one line for a reviewer."""
        return "; ".join(r.describe() for r in self.reasons)


@dataclass(frozen=True)
class DedupeResult:
    """Every record's cluster, and the proposed pairs at or above the review floor."""

    clusters: dict[str, str]
    pairs: tuple[ProposedMatch, ...]
    threshold: float
    trained: tuple[str, ...] = field(default=())

    def cluster_rows(self, order: Sequence[str]) -> list[tuple[str, str]]:
        """(id, cluster_id) in the order of the input records."""
        return [(i, self.clusters[i]) for i in order]


Progress = Callable[[str, float], None]


def _no_progress(step: str, fraction: float) -> None:
    return None


def _arrow_table(table: dict[str, list[Any]]) -> pa.Table:
    arrays = {c: pa.array(table[c], type=_ARROW_TYPES.get(c, pa.string())) for c in FEATURE_COLUMNS}
    return pa.table(arrays)


def _train(linker: Linker, columns: dict[str, bool], n: int, seed: int) -> list[str]:
    """Estimate the model; steps that the data cannot support keep their prior values."""
    done: list[str] = []
    pairs = n * (n - 1) / 2
    settings = linker._settings_obj  # Splink keeps the estimate here; no public getter
    prior = settings._probability_two_random_records_match
    try:
        linker.training.estimate_probability_two_random_records_match(
            list[str | BlockingRuleCreator](deterministic_rules(columns)), recall=0.7
        )
        if settings._probability_two_random_records_match > 0:
            done.append("probability two random records match (deterministic rules)")
        else:
            # No pair satisfies the rules (a short list of unrelated people): an estimate of 0
            # would make every match weight infinite, so the prior stays.
            settings._probability_two_random_records_match = prior
    except Exception as exc:  # Splink raises plain exceptions when no pair satisfies the rules
        log.info("kept the prior match probability: %s", exc)
    if n >= 20:
        try:
            linker.training.estimate_u_using_random_sampling(max_pairs=min(2e6, pairs), seed=seed)
            done.append("u probabilities (random sampling)")
        except Exception as exc:
            log.info("kept the prior u probabilities: %s", exc)
    if n >= 50:
        for rule in training_rules(columns):
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule, estimate_without_term_frequencies=True, max_pairs=5e6
                )
                done.append("m probabilities (expectation maximisation)")
            except Exception as exc:
                log.info("an EM session failed, priors kept for its fields: %s", exc)
    return done


def _reasons(row: dict[str, Any], comparisons: Sequence[FieldComparison]) -> tuple[Reason, ...]:
    out: list[Reason] = []
    for comparison in comparisons:
        gamma = row.get(f"gamma_{comparison.name}")
        if gamma is None or int(gamma) == -1:
            continue
        # Splink gives each field's match weight (log2 Bayes factor) and, where term frequencies
        # apply, the adjustment for how common the agreeing value is.
        weight = float(row.get(f"mw_{comparison.name}") or 0.0)
        weight += float(row.get(f"mw_tf_adj_{comparison.name}") or 0.0)
        label = comparison.labels_by_gamma().get(int(gamma), str(gamma))
        out.append(Reason(comparison.name, comparison.title, label, weight))
    out.sort(key=lambda r: -abs(r.weight))
    return tuple(out)


def dedupe(
    records: Sequence[PersonRecord],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    review_floor: float = DEFAULT_REVIEW_FLOOR,
    backend: Backend | None = None,
    seed: int = 42,
    progress: Progress = _no_progress,
) -> DedupeResult:
    """Cluster records that are the same person; pairs at or above ``review_floor`` come with reasons.

    ``threshold`` is the match probability at which two records are put in one cluster.
    """
    if not 0 < threshold <= 1 or not 0 < review_floor <= 1:
        raise ValueError("threshold and review floor are probabilities in (0, 1]")
    ids = [r.id for r in records]
    if len(set(ids)) != len(ids):
        raise ValueError("record ids must be unique")
    progress("preparing names", 0.0)
    table = feature_table(records)
    columns = filled_columns(table)
    comparisons = build_comparisons(columns, len(records))
    if len(records) < 2:
        return DedupeResult({i: i for i in ids}, (), threshold)
    db = (backend or DuckDBBackend()).database()
    frame = db.register(_arrow_table(table), dataset_display_name="persons")
    linker = Linker(frame, build_settings(columns, comparisons), log_level=logging.WARNING)
    progress("training the model", 0.15)
    trained = _train(linker, columns, len(records), seed)
    progress("scoring candidate pairs", 0.5)
    floor = min(review_floor, threshold)
    predictions: SplinkDataFrame = linker.inference.predict(threshold_match_probability=floor)
    progress("clustering", 0.8)
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    clusters = {str(r["unique_id"]): str(r["cluster_id"]) for r in clustered.as_record_list()}
    progress("explaining pairs", 0.9)
    pairs = []
    for row in predictions.as_record_list():
        pairs.append(ProposedMatch(
            str(row["unique_id_l"]), str(row["unique_id_r"]), float(row["match_probability"]),
            float(row["match_weight"]), _reasons(row, comparisons),
        ))
    pairs.sort(key=lambda p: (-p.match_probability, p.id_l, p.id_r))
    for i in ids:
        clusters.setdefault(i, i)
    progress("done", 1.0)
    return DedupeResult(clusters, tuple(pairs), threshold, tuple(trained))
