"""Extraction of one document: article region, sentences, facts."""

from __future__ import annotations

import hashlib
from datetime import date

from gawah.extract.language import detect_language
from gawah.extract.metadata import guess_published, guess_title
from gawah.extract.models import DocumentInfo, Extraction


def extract_facts(
    text: str,
    *,
    title: str | None = None,
    published: date | None = None,
    language: str | None = None,
    sha256: str | None = None,
) -> Extraction:
    """Extract candidate facts from one document's text."""
    if sha256 is None:
        sha256 = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    published = published or guess_published(text)
    doc = DocumentInfo(
        sha256=sha256,
        title=title or guess_title(text),
        language=language or detect_language(text),
        published=published.isoformat() if published else None,
        article_start=0,
        article_end=len(text),
    )
    return Extraction(document=doc)
