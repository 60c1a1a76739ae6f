"""Record linkage: the same person across lists, scripts and spellings.

Public API::

    from gawah.link import dedupe, read_records
    result = dedupe(read_records(Path("list.csv")).records, threshold=0.9)
    result.clusters          # id -> cluster id
    result.pairs[0].explanation()   # "father's name: same spelling (+6.2); name: ..."
"""

from gawah.link.names import latin_form, name_tokens, skeleton, transliterate
from gawah.link.pipeline import DedupeResult, DuckDBBackend, ProposedMatch, Reason, SparkBackend, dedupe
from gawah.link.records import PersonRecord, RecordError, read_records

__all__ = [
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
