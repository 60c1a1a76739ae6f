"""Sentences and paragraphs of a text region, as offsets into the full text."""

from __future__ import annotations

import re
from dataclasses import dataclass


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


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Lines of the region, with hard-wrapped lines joined back into their paragraph."""
    spans: list[tuple[int, int]] = []
    for m in re.finditer(r"[^\n]+", text[start:end]):
        s, e = start + m.start(), start + m.end()
        line = text[s:e]
        if not line.strip():
            continue
        s += len(line) - len(line.lstrip())
        e -= len(line) - len(line.rstrip())
        if spans:
            ps, pe = spans[-1]
            prev = text[ps:pe]
            between = text[pe:s]
            # A wrapped line: the previous line does not end a sentence and this one goes on
            # in lower case, with no blank line between them.
            if between.count("\n") == 1 and not re.search(r"[.!?؟۔:;\"”]\s*$", prev) \
                    and re.match(r"[a-z(,]", text[s:e]):
                spans[-1] = (ps, e)
                continue
        spans.append((s, e))
    return spans


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Sentences of ``text[start:end]``; each line (paragraph) is split at sentence ends."""
    end = len(text) if end is None else end
    out: list[Sentence] = []
    for para, (ls, le) in enumerate(_lines(text, start, end)):
        pos = ls
        for m in _BOUNDARY.finditer(text, ls, le):
            cut = m.end("end") if m.group("end") else m.start()
            if m.group("end"):
                word = re.search(r"([\w.]+)[.!?]\S*$", text[pos:m.end("end")])
                if word and word.group(1).lower().rstrip(".") in _ABBREVIATIONS and m.group("end")[0] == ".":
                    continue
                # A single capital letter before the stop is an initial ("Ali A. Khan").
                if word and re.fullmatch(r"[A-Z]", word.group(1)):
                    continue
            if cut - pos > 1:
                out.append(Sentence(pos, cut, para))
            pos = m.end()
        if le - pos > 1:
            s = pos + (len(text[pos:le]) - len(text[pos:le].lstrip()))
            if le > s:
                out.append(Sentence(s, le, para))
    return out
