"""Cut a document's text into paragraphs and segments so that quoted spans can be marked in place.

Spans may overlap and may cross paragraph breaks; each segment knows which spans cover it, so the
page marks exactly the characters a fact was read from and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")


@dataclass(frozen=True)
class Mark:
    """A span to mark: `anchor` names the fact it belongs to (e.g. "act-3")."""

    span_id: int
    start: int
    end: int
    anchor: str


@dataclass(frozen=True)
class Segment:
    start: int
    end: int
    text: str
    anchors: tuple[str, ...] = ()  # facts whose spans cover this segment
    opens: tuple[int, ...] = ()  # spans that begin here (the page gives them an id to link to)


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int
    segments: tuple[Segment, ...]


def paragraph_ranges(text: str) -> list[tuple[int, int]]:
    """[start, end) of each paragraph; blank lines separate paragraphs and belong to none."""
    ranges: list[tuple[int, int]] = []
    position = 0
    for match in PARAGRAPH_BREAK.finditer(text):
        if match.start() > position:
            ranges.append((position, match.start()))
        position = match.end()
    if position < len(text):
        ranges.append((position, len(text)))
    return ranges


def segment(text: str, marks: Sequence[Mark]) -> list[Paragraph]:
    """Paragraphs of `text`, each cut at every mark boundary inside it.

    Marks outside the text, or empty, are ignored: offsets that do not fit the text mark nothing.
    """
    usable = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    paragraphs: list[Paragraph] = []
    for p_start, p_end in paragraph_ranges(text):
        inside = [m for m in usable if m.start < p_end and m.end > p_start]
        cuts = sorted({p_start, p_end} | {c for m in inside for c in (m.start, m.end) if p_start < c < p_end})
        segments: list[Segment] = []
        for a, b in pairwise(cuts):
            covering = [m for m in inside if m.start < b and m.end > a]
            anchors = tuple(dict.fromkeys(m.anchor for m in covering))
            opens = tuple(m.span_id for m in covering if m.start == a)
            segments.append(Segment(a, b, text[a:b], anchors, opens))
        paragraphs.append(Paragraph(p_start, p_end, tuple(segments)))
    return paragraphs
