"""Who did it, to whom, and who reported it: perpetrators, victim groups, organisations."""

from __future__ import annotations

import re

from gawah.extract import vocabulary as vocab
from gawah.extract.normalize import normalize_with_map

_ARABIC = re.compile(r"[\u0600-\u06FF]")


def _matches(pattern: re.Pattern[str] | None, text: str, normalized: str | None) -> list[int]:
    if pattern is None:
        return []
    target = normalized if normalized is not None else text
    return [m.start() for m in pattern.finditer(target)]


def perpetrators_in_sentences(text: str, spans: list[tuple[int, int]]) -> list[tuple[str | None, str | None]]:
    """:func:`find_perpetrator` for each (start, end) span of ``text``, searching the text once."""
    if not spans:
        return []
    hits = vocab.perpetrator_matcher().finditer(text, spans[0][0], spans[-1][1])
    out: list[tuple[str | None, str | None]] = []
    for s, e in spans:
        codes = {code for code, hs, _ in hits if s <= hs < e}
        sentence = text[s:e]
        if codes or _ARABIC.search(sentence):
            out.append(find_perpetrator(sentence))
        else:
            out.append((None, None))
    return out


def find_perpetrator(sentence: str) -> tuple[str | None, str | None]:
    """(perpetrator code, detail) named in a sentence, or (None, None).

    Foreign militaries and armed groups are named in the detail; where several are named the
    most specific wins over the Taliban (a sentence on "Pakistani drones" supporting the Taliban
    reports a foreign military's strike).
    """
    lex = vocab.perpetrators()
    normalized = normalize_with_map(sentence).text if _ARABIC.search(sentence) else None
    found: dict[str, int] = {}
    for code, s, _ in vocab.perpetrator_matcher().finditer(sentence):
        found.setdefault(code, s)
    if normalized is not None:
        for code, pattern in lex.arabic.items():
            hits = [m.start() for m in pattern.finditer(normalized)]
            if hits and code not in found:
                found[code] = hits[0]
    if not found:
        return None, None
    for code in ("foreign_military", "armed_group", "taliban", "unknown"):
        if code in found:
            detail = None
            if code == "foreign_military":
                for name, pattern in vocab.foreign_countries():
                    if pattern.search(sentence):
                        detail = name
                        break
            elif code == "armed_group":
                m = lex.english["armed_group"].search(sentence)
                detail = m.group(0) if m else None
            return code, detail
    return None, None


def find_victim_groups(sentence: str) -> list[str]:
    """Victim-group codes named in a sentence, in vocabulary order."""
    lex = vocab.victim_groups()
    normalized = normalize_with_map(sentence).text if _ARABIC.search(sentence) else None
    out = list(dict.fromkeys(code for code, _, _ in vocab.victim_group_matcher().finditer(sentence)))
    if normalized is not None:
        out += [code for code, p in lex.arabic.items() if p.search(normalized) and code not in out]
    return out


def organisation_mentions(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, str]]:
    """(offset, canonical name) of every reporting organisation named in ``text[start:end]``."""
    end = len(text) if end is None else end
    out: list[tuple[int, str]] = []
    norm = normalize_with_map(text[start:end]) if _ARABIC.search(text, start, end) else None
    out.extend((s, name) for name, s, _ in vocab.organisation_matcher().finditer(text, start, end))
    for name, _, ar in vocab.organisations():
        if ar is not None and norm is not None:
            out.extend((start + norm.to_original(m.start(), m.end())[0], name)
                       for m in ar.finditer(norm.text))
    out.sort()
    return out


def find_organisations(sentence: str, mentions: list[tuple[int, str]] | None = None,
                       offset: int = 0) -> list[tuple[int, str]]:
    """(position, canonical name) of each reporting organisation named in a sentence, first
    mention of each. ``mentions`` from :func:`organisation_mentions` over the whole text (with the
    sentence's ``offset``) saves searching again."""
    if mentions is None:
        mentions = organisation_mentions(sentence)
        offset = 0
    out: list[tuple[int, str]] = []
    seen: set[str] = set()
    for pos, name in mentions:
        if offset <= pos < offset + len(sentence) and name not in seen:
            seen.add(name)
            out.append((pos - offset, name))
    # "the UN" inside "UNAMA"'s sentence adds nothing: keep the most specific UN body.
    names = {n for _, n in out}
    if "United Nations" in names and names & {"UNAMA", "OHCHR", "UN Special Rapporteur"}:
        out = [(p, n) for p, n in out if n != "United Nations"]
    return out
