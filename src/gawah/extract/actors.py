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


def find_perpetrator(sentence: str) -> tuple[str | None, str | None]:
    """(perpetrator code, detail) named in a sentence, or (None, None).

    Foreign militaries and armed groups are named in the detail; where several are named the
    most specific wins over the Taliban (a sentence on "Pakistani drones" supporting the Taliban
    reports a foreign military's strike).
    """
    lex = vocab.perpetrators()
    normalized = normalize_with_map(sentence).text if _ARABIC.search(sentence) else None
    found: dict[str, int] = {}
    for code, pattern in lex.english.items():
        hits = [m.start() for m in pattern.finditer(sentence)]
        if hits:
            found[code] = hits[0]
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
    out = [code for code, p in lex.english.items() if p.search(sentence)]
    if normalized is not None:
        out += [code for code, p in lex.arabic.items() if p.search(normalized) and code not in out]
    return out


def find_organisations(sentence: str) -> list[tuple[int, str]]:
    """(position, canonical name) of each reporting organisation named in a sentence."""
    normalized = normalize_with_map(sentence).text if _ARABIC.search(sentence) else None
    out: list[tuple[int, str]] = []
    for name, en, ar in vocab.organisations():
        pos = None
        if en is not None:
            m = en.search(sentence)
            if m:
                pos = m.start()
        if pos is None and ar is not None and normalized is not None:
            m = ar.search(normalized)
            if m:
                pos = m.start()
        if pos is not None:
            out.append((pos, name))
    out.sort()
    # "the UN" inside "UNAMA"'s sentence adds nothing: keep the most specific UN body.
    names = {n for _, n in out}
    if "United Nations" in names and names & {"UNAMA", "OHCHR", "UN Special Rapporteur"}:
        out = [(p, n) for p, n in out if n != "United Nations"]
    return out
