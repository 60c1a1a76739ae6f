"""Record linkage: the same person across lists, scripts and spellings.

Public API::

    from gawah.link import dedupe, read_records
    result = dedupe(read_records(Path("list.csv")).records, threshold=0.9)
    result.clusters          # id -> cluster id
    result.pairs[0].explanation()   # "father's name: same spelling (+6.2); name: ..."
"""

from typing import Any

from gawah.link.names import latin_form, name_tokens, skeleton, transliterate
from gawah.link.records import PersonRecord, RecordError, read_records

DEFAULT_THRESHOLD = 0.9
# Pairs below the clustering threshold but above this still go to review as possible matches.
DEFAULT_REVIEW_FLOOR = 0.5

# The pipeline brings Splink and DuckDB: loaded on first use, not by every `gawah` command.
_PIPELINE_NAMES = frozenset(
    {"DedupeResult", "DuckDBBackend", "ProposedMatch", "Reason", "SparkBackend", "dedupe"}
)


def __getattr__(name: str) -> Any:
    if name in _PIPELINE_NAMES:
        from gawah.link import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'gawah.link' has no attribute {name!r}")


__all__ = [
    "DEFAULT_REVIEW_FLOOR",
    "DEFAULT_THRESHOLD",
    "DedupeResult",
    "DuckDBBackend",
    "PersonRecord",
    "ProposedMatch",
    "Reason",
    "RecordError",
    "SparkBackend",
    "dedupe",
    "latin_form",
    "name_tokens",
    "read_records",
    "skeleton",
    "transliterate",
]
