"""Who did it, to whom, and who reported it: perpetrators, victim groups, organisations."""

from __future__ import annotations

import bisect
import re

from gawah.extract import vocabulary as vocab
from gawah.extract.intervals import keep_non_overlapping
from gawah.extract.normalize import ARABIC_SCRIPT, normalize_text, normalize_with_map


def _matches(pattern: re.Pattern[str] | None, text: str, normalized: str | None) -> list[int]:
    if pattern is None:
        return []
    target = normalized if normalized is not None else text
    return [m.start() for m in pattern.finditer(target)]


Hits = list[tuple[str, int, int]]
_EN_ACCUSED_OF = re.compile(
    r"\b(?:accused|suspected|suspicion|charged|alleged)\b[^.;]{0,30}\b(?:of|with)\b[^.;]{0,30}$|"
    r"\b(?:links?|ties|ties|affiliation|cooperation|collaboration|membership)\s+(?:to|with|in)\s+(?:the\s+)?$|"
    r"\bmembers?\s+of\s+(?:the\s+)?$", re.IGNORECASE)
_AR_ACCUSED_OF = re.compile(r"(?:همکاری|ارتباط|عضویت|وابستگی|پیوند|اړیکه|اړیکې)\s+(?:با|در|به|له|سره)?\s*$")


def perpetrators_in_sentences(text: str, spans: list[tuple[int, int]],
                              hits: Hits | None = None) -> list[tuple[str | None, str | None]]:
    """:func:`find_perpetrator` for each (start, end) span of ``text``, searching the text once
    (or using ``hits`` of the perpetrator patterns found already)."""
    if not spans:
        return []
    if hits is None:
        hits = vocab.perpetrator_matcher().finditer(text, spans[0][0], spans[-1][1])
    hit_starts = [hs for _, hs, _ in hits]
    out: list[tuple[str | None, str | None]] = []
    for s, e in spans:
        lo, hi = bisect.bisect_left(hit_starts, s), bisect.bisect_left(hit_starts, e)
        sentence = text[s:e]
        if ARABIC_SCRIPT.search(sentence):
            out.append(find_perpetrator(sentence))
        else:
            local = [(code, hs - s, he - s) for code, hs, he in hits[lo:hi]]
            out.append(_choose_perpetrator(sentence, local))
    return out


def victim_groups_in_sentences(text: str, spans: list[tuple[int, int]],
                               hits: Hits | None = None) -> list[list[str]]:
    """:func:`find_victim_groups` for each (start, end) span of ``text``, searching the text once
    (or using ``hits`` of the victim-group patterns found already)."""
    if not spans:
        return []
    if hits is None:
        hits = vocab.victim_group_matcher().finditer(text, spans[0][0], spans[-1][1])
    hit_starts = [hs for _, hs, _ in hits]
    out: list[list[str]] = []
    for s, e in spans:
        lo, hi = bisect.bisect_left(hit_starts, s), bisect.bisect_left(hit_starts, e)
        sentence = text[s:e]
        if ARABIC_SCRIPT.search(sentence):
            out.append(find_victim_groups(sentence))
        else:
            out.append(list(dict.fromkeys(code for code, _, _ in hits[lo:hi])))
    return out


def find_perpetrator(sentence: str) -> tuple[str | None, str | None]:
    """(perpetrator code, detail) named in a sentence, or (None, None).

    Foreign militaries and armed groups are named in the detail; where several are named the
    most specific wins over the Taliban (a sentence on "Pakistani drones" supporting the Taliban
    reports a foreign military's strike).
    """
    hits = vocab.perpetrator_matcher().finditer(sentence)
    if ARABIC_SCRIPT.search(sentence):
        normalized = normalize_text(sentence)
        for code, pattern in vocab.perpetrators().arabic.items():
            for m in pattern.finditer(normalized):
                # "به اتهام همکاری با جبهه مقاومت": the group the victims were accused of joining.
                if not _AR_ACCUSED_OF.search(normalized[max(0, m.start() - 25):m.start()]):
                    hits.append((code, -1, -1))  # position in the normalised text: no span to report
                    break
    return _choose_perpetrator(sentence, hits)


def _choose_perpetrator(sentence: str,
                        hits: list[tuple[str, int, int]]) -> tuple[str | None, str | None]:
    # "accused of supporting the NRF", "suspected of links to ISKP": the victims' alleged side.
    hits = [h for h in hits if h[1] < 0 or not _EN_ACCUSED_OF.search(sentence[max(0, h[1] - 45):h[1]])]
    codes = {code for code, _, _ in hits}
    for code in ("foreign_military", "armed_group", "taliban", "unknown"):
        if code in codes:
            detail = None
            if code == "foreign_military":
                countries = vocab.foreign_countries()
                detail = next((name for name, pattern in countries if pattern.search(sentence)), None)
            elif code == "armed_group":
                detail = next((sentence[s:e] for c, s, e in hits if c == code and s >= 0), None)
            return code, detail
    return None, None


def find_victim_groups(sentence: str) -> list[str]:
    """Victim-group codes named in a sentence, in vocabulary order."""
    lex = vocab.victim_groups()
    normalized = normalize_text(sentence) if ARABIC_SCRIPT.search(sentence) else None
    out = list(dict.fromkeys(code for code, _, _ in vocab.victim_group_matcher().finditer(sentence)))
    if normalized is not None:
        out += [code for code, p in lex.arabic.items() if p.search(normalized) and code not in out]
    return out


_ORG_SUFFIX = (r"(?:Monitor|Watch|Network|Commission|Organi[sz]ation|Society|Association|Committee|Council|"
               r"Cent(?:re|er)|Foundation|Institute|Mission|Agency|Union|Group|Forum|Alliance|Coalition|"
               r"Project|Initiative|Trust|Circle|Collective|Movement|Observatory|Tribunal|Federation|"
               r"Media|News|TV|Radio|Times|Post|Daily|Review|Check)")
_ORG_NAME = re.compile(
    rf"\b((?:[A-Z][\w'’&.-]*\s+(?:(?:of|for|and|on|the|de|in)\s+)?){{1,6}}{_ORG_SUFFIX})\b"
    r"(?:\s*\(([A-Z][A-Za-z]{1,9})\))?")
_AR_ORG_NAME = re.compile(
    r"((?:کانون|سازمان|انجمن|نهاد|شبکه|کمیسیون|دیده\u200c?بان|بنیاد|جمعیت|اتحادیه)"
    r"(?:[ \t]+[\u0600-\u06FF\u200c]+){1,3})"
    r"|د[ \t]+((?:[\u0600-\u06FF\u200c]+[ \t]+){1,6}(?:ټولنه|ټولنې|ټولنی|بنسټ|شبکه|کمېسیون|سازمان))")
_AR_ORG_STOP = re.compile(r"^(?:بر|در|از|به|که|را|و|با|این|آن|برای|تا|هم|نیز|است|\S*(?:ند|ست|شد|کرد|گفت))$")
# Phrases built like organisation names that name none.
_GENERIC_NAMES = frozenset({"Fact Check", "Breaking News", "Latest News", "Related News", "Top News",
                            "World News", "Afghanistan News", "Security Council", "General Assembly"})
# An organisation addressed (asked, urged, written to) is not the one reporting.
_ADDRESSEE = re.compile(r"(?:\b(?:to|urge[sd]?|urging|call(?:s|ed)?\s+on|ask(?:s|ed)?|appeal(?:s|ed)?\s+to|"
                        r"CC:?|To:?|and)\s+(?:the\s+)?|از\s+)$")


def discover_organisations(text: str, start: int = 0, end: int | None = None) -> dict[str, str]:
    """Organisations a text names that the vocabulary does not know: spelling -> full name.

    Names end in a word such as Monitor, Watch, Network or Commission (Dari and Pashto: start
    with کانون، سازمان، ... or end with ټولنه); an acronym in brackets after the name
    ("Hindukush Rights Monitor (HRM)") is recorded as a second spelling.
    """
    end = len(text) if end is None else end
    out: dict[str, str] = {}
    for m in _ORG_NAME.finditer(text, start, end):
        name = re.sub(r"^(?:The|A|An|In|On|By|From|At)\s+", "", " ".join(m.group(1).split()))
        if len(name.split()) < 2 or name in _GENERIC_NAMES:
            continue
        out.setdefault(name, name)
        if m.group(2):
            out.setdefault(m.group(2), name)
    region = text[start:end]
    if ARABIC_SCRIPT.search(region):
        for m in _AR_ORG_NAME.finditer(region):
            words = (m.group(1) or m.group(2)).split()
            if m.group(1):
                cut = next((i for i, w in enumerate(words) if i and _AR_ORG_STOP.match(w)), len(words))
                words = words[:cut]
            if len(words) >= 2:
                spelling = " ".join(words) if m.group(1) else "د " + " ".join(words)
                # The oblique case ("... ټولنې") names the same organisation as "... ټولنه".
                name = re.sub(r"ټولنې$|ټولنی$", "ټولنه", spelling)
                out.setdefault(spelling, name)
                continue
                out.setdefault(name, name)
    return out


def organisation_spans(text: str, discovered: dict[str, str], start: int = 0,
                       end: int | None = None) -> list[tuple[int, int]]:
    """Where the organisations discovered in a text are named: words inside them ("Kabul" in
    "Kabul Witness Network") are not places or people."""
    end = len(text) if end is None else end
    return [span for spelling in discovered for span in _whole_words(text, spelling, start, end)]


def _whole_words(text: str, words: str, start: int, end: int) -> list[tuple[int, int]]:
    """Where ``words`` occur in ``text[start:end]`` not inside a longer word."""
    out: list[tuple[int, int]] = []
    pos = text.find(words, start, end)
    while pos >= 0:
        stop = pos + len(words)
        before = text[pos - 1] if pos > 0 else " "
        after = text[stop] if stop < len(text) else " "
        if not (before.isalnum() or before in "_-") and not (after.isalnum() or after in "_-"):
            out.append((pos, stop))
        pos = text.find(words, pos + 1, end)
    return out


def organisation_mentions(text: str, start: int = 0, end: int | None = None,
                          discovered: dict[str, str] | None = None,
                          hits: Hits | None = None) -> list[tuple[int, str]]:
    """(offset, canonical name) of every reporting organisation named in ``text[start:end]``,
    leaving out organisations that are addressed rather than reporting ("we urge UNAMA").

    Where names overlap the longer wins ("Kabul Witness Network" over a word inside it), and a
    name of the vocabulary wins a tie with a discovered one.
    """
    end = len(text) if end is None else end
    found: list[tuple[int, int, int, str]] = []  # start, end, priority (0 = vocabulary), name
    if hits is None:
        hits = vocab.organisation_matcher().finditer(text, start, end)
    found.extend((s, e, 0, name) for name, s, e in hits)
    if ARABIC_SCRIPT.search(text, start, end):
        norm = normalize_with_map(text[start:end])
        for name, _, ar in vocab.organisations():
            if ar is not None:
                for m in ar.finditer(norm.text):
                    s, e = norm.to_original(m.start(), m.end())
                    found.append((start + s, start + e, 0, name))
    for spelling, name in (discovered or {}).items():
        found.extend((s, e, 1, name) for s, e in _whole_words(text, spelling, start, end))
    kept = keep_non_overlapping(found, lambda f: (f[0], f[1]), lambda f: (-(f[1] - f[0]), f[2], f[0]))
    return sorted((s, name) for s, _, _, name in kept
                  if not _ADDRESSEE.search(text[max(0, s - 20):s]))


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
