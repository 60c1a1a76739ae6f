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
