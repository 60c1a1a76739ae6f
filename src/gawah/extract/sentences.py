"""Sentences and paragraphs of a text region, as offsets into the full text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())

_ABBREVIATIONS = _word_set(
    "mr mrs ms dr st no gen col lt sgt prof vs eg ie etc jan feb mar apr jun jul aug sep sept "
    "oct nov dec u.s u.n u.k inc ltd co jr sr maj capt cpl pvt rev hon mt ft "
)
# A sentence ends at . ! ? ؟ ۔ (with closing quotes/brackets and footnote marks) before a space or
# the end; or at a full stop glued to the next sentence's capital ("search.The last").
_BOUNDARY = re.compile(
    r"(?P<end>[.!?؟۔](?:[\"”’»)\]]|\[\d+\])*)(?:\s+|$)(?=[\"“‘«(\[]?[A-Z0-9\u0600-\u06FF•·\-–]|$)"
    r"|(?P<glued>(?<=[a-z\)][.!?]))(?=[A-Z][a-z])")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    paragraph: int


_LAST_WORD = re.compile(r"([\w.]+)[.!?]\S*$")
_LIST_MARK = re.compile(r"[-*•·–]\s|\d{1,3}[.)]\s|#|>")
_WRAP_WIDTH = 50


def paragraphs(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Paragraphs of ``text[start:end]`` as offsets: each line, with hard-wrapped lines (text
    saved or written at a fixed width) joined back into the paragraph they belong to."""
    end = len(text) if end is None else end
    # Paragraphs of the whole text, clipped to the region: the same joins whatever the region.
    return [(max(s, start), min(e, end)) for s, e in _paragraphs(text) if e > start and s < end]


@lru_cache(maxsize=8)
def _paragraphs(text: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    prev_len = 0
    for m in re.finditer(r"[^\n]+", text):
        s, e = m.start(), m.end()
        line = text[s:e]
        if not line.strip():
            continue
        raw_len = len(line)
        s += len(line) - len(line.lstrip())
        e -= len(line) - len(line.rstrip())
        if spans:
            ps, pe = spans[-1]
            prev = text[ps:pe]
            between = text[pe:s]
            this = text[s:e]
            # A wrapped line: no blank line between, the previous line is long and does not end a
            # sentence (or this one goes on in lower case), and this one does not open a list item.
            open_end = not re.search(r"[.!?؟۔:;\"”*]\s*$", prev)
            if between.count("\n") == 1 and not _LIST_MARK.match(this) and open_end and (
                    prev_len >= _WRAP_WIDTH or re.match(r"[a-z(,]", this)):
                spans[-1] = (ps, e)
                prev_len = raw_len
                continue
            # A sentence cut by a page or column break (OCR, PDF text): one blank line between a
            # line that does not end a sentence and a line that goes on in lower case.
            if between.count("\n") == 2 and not between.strip() and open_end and re.match(r"[a-z,]", this):
                spans[-1] = (ps, e)
                prev_len = raw_len
                continue
        spans.append((s, e))
        prev_len = raw_len
    return tuple(spans)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Sentences of ``text[start:end]``; each line (paragraph) is split at sentence ends."""
    end = len(text) if end is None else end
    out: list[Sentence] = []
    for para, (ls, le) in enumerate(paragraphs(text, start, end)):
        pos = ls
        for m in _BOUNDARY.finditer(text, ls, le):
            cut = m.end("end") if m.group("end") else m.start()
            if m.group("end"):
                word = _LAST_WORD.search(text, pos, m.end("end"))
                if word and word.group(1).lower().rstrip(".") in _ABBREVIATIONS and m.group("end")[0] == ".":
                    continue
                # A single capital letter before the stop is an initial ("Ali A. Khan").
                if word and len(word.group(1)) == 1 and word.group(1).isupper():
                    continue
            if cut - pos > 1:
                out.append(Sentence(pos, cut, para))
            pos = m.end()
        if le - pos > 1:
            s = pos + (len(text[pos:le]) - len(text[pos:le].lstrip()))
            if le > s:
                out.append(Sentence(s, le, para))
    return out
