"""The packaged vocabulary (data/vocabulary.json), compiled into patterns.

Codes are those of shared/design/TAXONOMY.md. English patterns match case-insensitively on word
boundaries; Dari and Pashto patterns match on text normalised by :mod:`gawah.extract.normalize`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from gawah.extract.normalize import normalize_text

_ZWNJ_MARK = "\x00ZW\x00"


@lru_cache(maxsize=1)
def load_vocabulary() -> dict[str, Any]:
    """The raw vocabulary: violation categories with labels and synonyms in three languages."""
    data = resources.files("gawah.extract").joinpath("data/vocabulary.json").read_text(encoding="utf-8")
    vocab: dict[str, Any] = json.loads(data)
    return vocab


def english_pattern(patterns: list[str], *, case_sensitive: bool = False) -> re.Pattern[str]:
    body = "|".join(p.replace(" ", r"\s+") for p in patterns)
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w])", 0 if case_sensitive else re.IGNORECASE)


def arabic_pattern(patterns: list[str]) -> re.Pattern[str]:
    """A pattern for normalised Arabic-script text. A ZWNJ in a word matches a space or nothing."""
    parts = []
    for p in patterns:
        p = normalize_text(p.replace("\u200c", _ZWNJ_MARK)).replace(_ZWNJ_MARK, r"\s?")
        parts.append(p.replace(" ", r"\s+"))
    return re.compile(rf"(?<![\w])(?:{'|'.join(parts)})")


@dataclass(frozen=True)
class Lexicon:
    """Compiled patterns for one set of codes (violations, victim groups, perpetrators...)."""

    english: dict[str, re.Pattern[str]]
    arabic: dict[str, re.Pattern[str]]


def _lexicon(section: dict[str, Any], *, case_sensitive: bool = False) -> Lexicon:
    english: dict[str, re.Pattern[str]] = {}
    arabic: dict[str, re.Pattern[str]] = {}
    for code, entry in section.items():
        if entry.get("en"):
            english[code] = english_pattern(entry["en"], case_sensitive=case_sensitive)
        ar = list(entry.get("fa", [])) + list(entry.get("ps", []))
        if ar:
            arabic[code] = arabic_pattern(ar)
    return Lexicon(english, arabic)


@lru_cache(maxsize=1)
def violations() -> Lexicon:
    return _lexicon(load_vocabulary()["violations"])


@lru_cache(maxsize=1)
def victim_groups() -> Lexicon:
    return _lexicon(load_vocabulary()["victim_groups"])


@lru_cache(maxsize=1)
def perpetrators() -> Lexicon:
    return _lexicon(load_vocabulary()["perpetrators"], case_sensitive=True)


def _split_scripts(names: list[str]) -> tuple[list[str], list[str]]:
    latin = [n for n in names if not re.search(r"[\u0600-\u06FF]", n)]
    arabic = [n for n in names if re.search(r"[\u0600-\u06FF]", n)]
    return latin, arabic


@lru_cache(maxsize=1)
def organisations() -> list[tuple[str, re.Pattern[str] | None, re.Pattern[str] | None]]:
    """(canonical name, English pattern, Arabic-script pattern) for each reporting organisation."""
    out: list[tuple[str, re.Pattern[str] | None, re.Pattern[str] | None]] = []
    for name, variants in load_vocabulary()["organisations"].items():
        latin, arabic = _split_scripts(variants)
        out.append((name,
                    english_pattern(latin, case_sensitive=True) if latin else None,
                    arabic_pattern(arabic) if arabic else None))
    return out


@lru_cache(maxsize=1)
def foreign_countries() -> list[tuple[str, re.Pattern[str]]]:
    return [(name, english_pattern([v for v in variants if not re.search(r"[\u0600-\u06FF]", v)],
                                   case_sensitive=True))
            for name, variants in load_vocabulary()["foreign_countries"].items()]


@lru_cache(maxsize=1)
def known_speakers() -> dict[str, tuple[str, str]]:
    """Normalised spelling of a public spokesperson's name -> (canonical name, affiliation)."""
    out: dict[str, tuple[str, str]] = {}
    for canonical, entry in load_vocabulary()["known_speakers"].items():
        for n in entry["names"]:
            out[normalize_text(n, for_key=True).replace(" ", "")] = (canonical, entry["affiliation"])
    return out


@lru_cache(maxsize=1)
def party_cues() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Words that tie a speaker to a party to the conflict (English, Arabic script)."""
    cues: list[str] = []
    for variants in load_vocabulary()["party_affiliation_cues"].values():
        cues.extend(variants)
    latin, arabic = _split_scripts(cues)
    return english_pattern(latin, case_sensitive=True), arabic_pattern(arabic)


def violation_label(code: str, language: str = "en") -> str:
    """The label of a violation code in English, Dari ("fa") or Pashto ("ps")."""
    entry = load_vocabulary()["violations"].get(code)
    if entry is None:
        return code
    labels: dict[str, str] = entry["labels"]
    return labels.get(language, labels["en"])


def _first_chars(items: Any) -> set[str] | None:
    """Characters a parsed pattern can start with (lower case), or None when any may.

    Works on the parse tree of the standard library's regular-expression parser.
    """
    from re import _constants as sre_c  # type: ignore[attr-defined]

    out: set[str] = set()
    for op, arg in items:
        if op == sre_c.LITERAL:
            out.add(chr(arg).lower())
            return out
        if op == sre_c.IN:
            for sub_op, sub_arg in arg:
                if sub_op == sre_c.LITERAL:
                    out.add(chr(sub_arg).lower())
                elif sub_op == sre_c.RANGE:
                    out.update(chr(c).lower() for c in range(sub_arg[0], sub_arg[1] + 1))
                else:
                    return None
            return out
        if op == sre_c.SUBPATTERN:
            sub = _first_chars(arg[-1])
            if sub is None:
                return None
            out |= sub
            if _may_be_empty(arg[-1]):
                continue
            return out
        if op == sre_c.BRANCH:
            nullable = False
            for branch in arg[1]:
                sub = _first_chars(branch)
                if sub is None:
                    return None
                out |= sub
                nullable = nullable or _may_be_empty(branch)
            if nullable:
                continue
            return out
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            sub = _first_chars(arg[2])
            if sub is None:
                return None
            out |= sub
            if arg[0] == 0 or _may_be_empty(arg[2]):
                continue
            return out
        if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue
        return None
    return None  # a pattern that may match the empty string can start anywhere


def _may_be_empty(items: Any) -> bool:
    from re import _constants as sre_c  # type: ignore[attr-defined]

    for op, arg in items:
        if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and (arg[0] == 0 or _may_be_empty(arg[2])):
            continue
        if op == sre_c.SUBPATTERN and _may_be_empty(arg[-1]):
            continue
        if op == sre_c.BRANCH and any(_may_be_empty(b) for b in arg[1]):
            continue
        return False
    return True


class WordStartMatcher:
    """Many patterns, tried only where a word starts with a letter one of them can start with.

    Running a few dozen alternations at every character of a report is the slow part of
    extraction. Here each word start costs one call of the regular-expression engine: for each
    first letter there is one pattern in which every code's alternatives sit in an optional
    lookahead group, so all codes are tried in C and the groups that matched say which codes
    start at that word.
    """

    def __init__(self, patterns: list[tuple[str, str]], flags: int = re.IGNORECASE,
                 mixed: list[tuple[str, str, bool]] | None = None) -> None:
        """``patterns`` are (code, regular expression) under ``flags``; ``mixed`` instead gives
        (code, regular expression, ignore case) so that one scan serves several vocabularies."""
        from re import _parser as sre_parse  # type: ignore[attr-defined]

        items = mixed if mixed is not None else [(c, p, bool(flags & re.IGNORECASE)) for c, p in patterns]
        by_char: dict[str, list[tuple[str, str]]] = {}
        anywhere: list[tuple[str, str]] = []
        for code, alt, ignore_case in items:
            first = _first_chars(sre_parse.parse(alt, re.IGNORECASE if ignore_case else 0))
            scoped = f"(?i:{alt})" if ignore_case else f"(?-i:{alt})"
            if first is None or not first:
                anywhere.append((code, scoped))
            else:
                for ch in first:
                    by_char.setdefault(ch, []).append((code, scoped))
        self._by_char = {ch: self._compile(alts + anywhere, 0) for ch, alts in by_char.items()}
        self._anywhere = self._compile(anywhere, 0) if anywhere else None
        if anywhere:
            self._word_start = re.compile(r"(?<![\w-])\w")
        else:
            chars = set(by_char) | {c.upper() for c in by_char}
            self._word_start = re.compile(
                r"(?<![\w-])[" + "".join(re.escape(c) for c in sorted(chars)) + "]")

    @staticmethod
    def _compile(alts: list[tuple[str, str]], flags: int) -> tuple[re.Pattern[str], list[tuple[int, str]]]:
        grouped: dict[str, list[str]] = {}
        for code, alt in alts:
            grouped.setdefault(code, []).append(alt)
        parts = [f"(?:(?=(?P<g{i}>(?:{'|'.join(alts_)})(?![\\w])))|)"
                 for i, alts_ in enumerate(grouped.values())]
        pattern = re.compile("".join(parts), flags)
        groups = [(pattern.groupindex[f"g{i}"], code) for i, code in enumerate(grouped)]
        return pattern, groups

    def finditer(self, text: str, start: int = 0, end: int | None = None) -> list[tuple[str, int, int]]:
        """(code, start, end) of each match at a word start in ``text[start:end]``; matches of one
        code do not overlap, matches of different codes may."""
        end = len(text) if end is None else end
        out: list[tuple[str, int, int]] = []
        next_free: dict[str, int] = {}
        by_char, anywhere = self._by_char, self._anywhere
        for w in self._word_start.finditer(text, start, end):
            pos = w.start()
            entry = by_char.get(text[pos].lower(), anywhere)
            if entry is None:
                continue
            pattern, groups = entry
            m = pattern.match(text, pos, end)
            if m is None or m.lastindex is None:
                continue
            for idx, code in groups:
                e = m.end(idx)
                if e >= 0 and pos >= next_free.get(code, start):
                    out.append((code, pos, e))
                    next_free[code] = e
        return out


@lru_cache(maxsize=1)
def article_matcher() -> WordStartMatcher:
    """Violations ("v:"), victim groups ("g:"), perpetrators ("p:") and organisations ("o:") in
    English, found in one scan of a text."""
    data = load_vocabulary()
    items: list[tuple[str, str, bool]] = []
    for kind, section, ignore_case in (("v", "violations", True), ("g", "victim_groups", True),
                                       ("p", "perpetrators", False)):
        for code, entry in data[section].items():
            items.extend((f"{kind}:{code}", p.replace(" ", r"\s+"), ignore_case) for p in entry.get("en", []))
    for name, variants in data["organisations"].items():
        items.extend((f"o:{name}", v.replace(" ", r"\s+"), False)
                     for v in variants if not re.search(r"[\u0600-\u06FF]", v))
    return WordStartMatcher([], mixed=items)


def split_hits(hits: list[tuple[str, int, int]]) -> dict[str, list[tuple[str, int, int]]]:
    """Hits of :func:`article_matcher` by kind ("v", "g", "p", "o"), codes without the prefix."""
    out: dict[str, list[tuple[str, int, int]]] = {"v": [], "g": [], "p": [], "o": []}
    for code, s, e in hits:
        out[code[0]].append((code[2:], s, e))
    return out


@lru_cache(maxsize=1)
def organisation_matcher() -> WordStartMatcher:
    """English spellings of reporting organisations (case-sensitive), matched at word starts."""
    alts = [(name, v.replace(" ", r"\s+"))
            for name, variants in load_vocabulary()["organisations"].items()
            for v in variants if not re.search(r"[\u0600-\u06FF]", v)]
    return WordStartMatcher(alts, flags=0)


@lru_cache(maxsize=1)
def perpetrator_matcher() -> WordStartMatcher:
    """English names of perpetrators (case-sensitive), matched at word starts."""
    alts = [(code, p.replace(" ", r"\s+")) for code, entry in load_vocabulary()["perpetrators"].items()
            for p in entry.get("en", [])]
    return WordStartMatcher(alts, flags=0)


@lru_cache(maxsize=1)
def victim_group_matcher() -> WordStartMatcher:
    """English names of victim groups, matched at word starts."""
    alts = [(code, p.replace(" ", r"\s+")) for code, entry in load_vocabulary()["victim_groups"].items()
            for p in entry.get("en", [])]
    return WordStartMatcher(alts)


@lru_cache(maxsize=1)
def violation_matcher() -> WordStartMatcher:
    """All English violation patterns, matched at word starts."""
    alts = [(code, p.replace(" ", r"\s+")) for code, entry in load_vocabulary()["violations"].items()
            for p in entry.get("en", [])]
    return WordStartMatcher(alts)
