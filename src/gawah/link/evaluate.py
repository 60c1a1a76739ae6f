"""Scoring a de-duplication against known truth: pairwise precision, recall and F1.

A pair of records counts as predicted when both fall in one cluster, and as true when both
belong to one person. HRDAG and the record-linkage literature report these pairwise figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gawah.link.records import PersonRecord, records_from_rows

# FEBRL fields (Christen's synthetic Australian records) in Gawah's person columns: the surname
# takes the place of the father's name, which carries a surname's weight in Afghan lists.
FEBRL_COLUMNS = {
    "given_name": "name",
    "surname": "father_name",
    "date_of_birth": "birth_date",
    "soc_sec_id": "id_number",
    "suburb": "district",
    "state": "province",
    "address_1": "village",
}


@dataclass(frozen=True)
class PairScore:
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def describe(self) -> str:
        return (f"precision {self.precision:.4f}  recall {self.recall:.4f}  F1 {self.f1:.4f}  "
                f"(true pairs {self.true_pairs}, predicted {self.predicted_pairs}, "
                f"correct {self.correct_pairs})")


def _pairs_within(groups: Mapping[str, str]) -> set[tuple[str, str]]:
    members: dict[str, list[str]] = defaultdict(list)
    for record_id, group in groups.items():
        members[group].append(record_id)
    out: set[tuple[str, str]] = set()
    for ids in members.values():
        ids.sort()
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                out.add((a, b))
    return out


def score_clusters(predicted: Mapping[str, str], truth: Mapping[str, str]) -> PairScore:
    """Pairwise scores of predicted clusters (id -> cluster) against true persons (id -> person)."""
    predicted_pairs = _pairs_within({k: v for k, v in predicted.items() if k in truth})
    true_pairs = _pairs_within(truth)
    return PairScore(len(true_pairs), len(predicted_pairs), len(predicted_pairs & true_pairs))


def score_pairs(predicted: Iterable[tuple[str, str]], true: Iterable[tuple[str, str]]) -> PairScore:
    """Pairwise scores of predicted pairs against true pairs (order within a pair ignored)."""
    p = {tuple(sorted(x)) for x in predicted}
    t = {tuple(sorted(x)) for x in true}
    return PairScore(len(t), len(p), len(p & t))


def febrl_records(rows: Iterable[tuple[str, Mapping[str, Any]]]) -> tuple[PersonRecord, ...]:
    """FEBRL rows (record id, fields) as person records through :data:`FEBRL_COLUMNS`."""
    mapped = []
    for record_id, row in rows:
        item: dict[str, Any] = {"id": record_id}
        for source, target in FEBRL_COLUMNS.items():
            value = row.get(source)
            item[target] = value if isinstance(value, str) and value.strip() else None
        if not item.get("name") and not item.get("father_name"):
            item["name"] = "-"
        elif not item.get("name"):
            # FEBRL leaves some given names out; the record still has a surname to match on.
            item["name"] = item["father_name"]
        mapped.append(item)
    return records_from_rows(mapped)


def febrl_person(record_id: str) -> str:
    """FEBRL ids are rec-N-org or rec-N-dup-K: N is the person."""
    return record_id.split("-")[1]
