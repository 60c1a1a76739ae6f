"""Extraction: structured facts (incidents, persons, claims) from report text, each fact
pinned to the words it came from.

Public API::

    from gawah.extract import extract_facts
    result = extract_facts(text, published=date(2023, 6, 8))
    result.model_dump(mode="json")
"""

from gawah.extract.models import Extraction
from gawah.extract.pipeline import extract_facts

__all__ = ["Extraction", "extract_facts"]
