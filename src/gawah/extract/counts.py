"""Counts of victims and acts, with how the text bounds them (TAXONOMY.md "Counts").

A number counts victims or acts only when it counts people or acts ("218 extrajudicial
executions", "dozens of families", "۱۱ جوان", "درې پخواني سرتېري"). Numbers of interviews,
signatures, population, days or pages are not violation counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from gawah.extract.intervals import SpanIndex
from gawah.extract.normalize import ARABIC_SCRIPT, normalize_with_map

_EN_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
             "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
             "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
             "nineteen": 19}
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
            "eighty": 80, "ninety": 90}
_EN_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
# Vague quantities: the smallest value the word implies (TAXONOMY.md).
_EN_VAGUE = {"dozens": 24, "scores": 40, "hundreds": 200, "thousands": 2000, "tens of thousands": 20000,
             "hundreds of thousands": 200000, "a dozen": 12, "two dozen": 24}
_AR_VAGUE = {"دهها": 20, "صدها": 200, "هزاران": 2000, "دهها هزار": 20000, "لسگونه": 20, "لسګونه": 20,
             "سلگونه": 200, "سلګونه": 200, "زرگونه": 2000, "زرګونه": 2000}
_AR_NUMBERS = {"یک": 1, "دو": 2, "سه": 3, "چهار": 4, "پنج": 5, "شش": 6, "هفت": 7, "هشت": 8, "نه": 9,
               "ده": 10, "یازده": 11, "دوازده": 12, "سیزده": 13, "چهارده": 14, "پانزده": 15,
               "شانزده": 16, "هفده": 17, "هجده": 18, "نوزده": 19, "بیست": 20, "سی": 30, "چهل": 40,
               "پنجاه": 50, "شصت": 60, "هفتاد": 70, "هشتاد": 80, "نود": 90, "صد": 100,
               "یو": 1, "دوه": 2, "درې": 3, "دری": 3, "څلور": 4, "پنځه": 5, "شپږ": 6, "اووه": 7,
               "اته": 8, "نهه": 9, "لس": 10, "شل": 20, "دېرش": 30, "څلوېښت": 40, "پنځوس": 50, "سل": 100,
               "اوو": 7, "څلورو": 4, "دوو": 2, "درېیو": 3}
_QUALIFIERS = [
    (r"at least|no (?:fewer|less) than|a minimum of|not less than", "at_least"),
    (r"more than|over|in excess of|upwards of|above", "more_than"),
    (r"nearly|almost|about|around|approximately|some|an estimated|estimated|roughly|close to|"
     r"as many as|approx\.", "approximately"),
    (r"up to|fewer than|less than|at most|no more than", "at_most"),
]
_AR_QUALIFIERS = [
    (r"دست\s?کم|حداقل|کم\s?از\s?کم|لږ\s+تر\s+لږه", "at_least"),
    (r"بیش\s+از|بیشتر\s+از|بالغ\s+بر|بالاتر\s+از|افزون\s+بر|له\s+\S+\s+زیات|زیات\s+له", "more_than"),
    (r"حدود|تقریبا|نزدیک\s+به|در\s+حدود|شاوخوا|نږدې|نژدې|تقریباً", "approximately"),
]
# Nouns of people and acts that a violation count can count.
_EN_COUNTED = re.compile(
    r"(?:people|persons?|individuals|civilians?|men|women|children|boys|girls|youths?|young|"
    r"officers?|officials?|soldiers?|commandos?|members?|personnel|policemen|police|servicemen|"
    r"villagers|residents|families|family|households|journalists?|activists?|detainees|prisoners|"
    r"victims?|bodies|dead|students?|teachers?|doctors?|farmers|shopkeepers|brothers|sons|relatives|"
    r"elders|guests|worshippers|patients|protesters|demonstrators|employees|workers|staff|clerics|imams|"
    r"judges|prosecutors|lawyers|athletes|passengers|commanders|guards|pupils|schoolgirls|drivers|traders|"
    r"labou?rers|cousins|nephews|uncles|fathers|husbands|sisters|daughters|wives|mothers|"
    r"cases?|acts?|incidents?|instances|executions?|killings?|"
    r"arrests?|detentions?|disappearances?|abductions?|attacks?|raids?|strikes?|homes|houses|"
    r"Tajiks|Hazaras|Uzbeks|Pashtuns|Sikhs|former|extrajudicial|arbitrary|summary)\b", re.IGNORECASE)
_EN_PARTICIPLE = re.compile(
    r"killed|dead|executed|detained|arrested|abducted|missing|disappeared|tortured|injured|wounded|displaced",
    re.IGNORECASE)
_EN_EXCLUDED = re.compile(
    r"(?:casualties|interviews?|interviewees|signatures?|signatories|population|inhabitants|years?|months?|weeks?|"
    r"violations|abuses|human|allegations|complaints|"
    r"days?|hours?|minutes?|percent|per cent|%|km|kilomet\w+|miles?|pages?|reports?|documents?|"
    r"provinces?|districts?|countries|states|dollars|afghanis|AFN|USD|votes|goal|bombs|rounds|"
    r"fighters|militants|Taliban|gunmen|attackers|troops|videos?|photos?|sources|organi[sz]ations|"
    r"letters?|questions?|times?|occasions?)\b", re.IGNORECASE)
# "the accounts of 67 former members", "interviews with 41": a count of sources, not victims.
_EN_SOURCE_LEAD = re.compile(
    r"(?:accounts? of|interviews? (?:with|of)|interviewed|spoke (?:to|with)|surveyed|testimon\w+ of|"
    r"consulted|talked to|based on|rest on|rests on)\s+(?:\w+\s+){0,2}$|"
    # "we confirmed these arrests with two relatives": the people who confirmed it.
    r"(?:confirm|verif|corroborat|cross-check)\w*\s+(?:\w+\s+){0,3}(?:with|by)\s+$", re.IGNORECASE)
_AR_COUNTED = re.compile(
    r"^(?:تن|نفر|کس|فرد|عضو|جوان|سرباز|نظامی|منسوب|غیرنظامی|ملکی|زن|مرد|کودک|طفل|خانواده|خانه|باشنده|"
    r"معلم|شاگرد|خبرنگار|فعال|زندانی|مورد|جسد|قربانی|پولیس|افسر|کارمند|مقام|تنه|کسان|کسه|نفره|"
    r"سرتېری|سرتیری|ورونه|کورنی|کورنۍ|کورونه|ماشوم|ښځ|ځوان|پولیسان|مړی|جسدونه|پخوانی|"
    # More people named by what they were (Dari, then Pashto): worshippers, employees, students,
    # teachers, journalists, protesters, elders, clerics, residents, prisoners.
    r"نمازگزار|کارکن|مامور|محصل|دانشجو|داکتر|روزنامه\s?نگار|معترض|مظاهره|موسفید|ریش\s?سفید|ملا|امام|قاضی|"
    r"مسافر|دختر|پسر|برادر|عسکر|"
    r"کارکوونک|کارکوونکی|زده\s?کوونک|ښوونک|خبریال|لاریون|مشران|سپین\s?ږیری|اوسیدونک|اوسېدونک|بندیان|"
    r"وګړی|وگړی|عسکر|ملایان)")
_AR_EXCLUDED = re.compile(
    r"^(?:مصاحبه|گفتگو|گفتوگو|امضا|نفوس|جمعیت|سال|ماه|روز|هفته|ساعت|دقیقه|کیلومتر|متر|درصد|فیصد|افغانی|"
    r"دالر|ولسوالی|ولایت|صفحه|گزارش|بار|مرکه|مرکې|کاله|ورځې|میاشتې|اونۍ|ځله|شاگرد)")


_ACT_NOUN = re.compile(r"(?:cases?|acts?|incidents?|instances|executions?|killings?|arrests?|detentions?|"
                       r"disappearances?|abductions?|attacks?|raids?|strikes?|extrajudicial|arbitrary|summary)",
                       re.IGNORECASE)
_AR_SOURCE_LEAD = re.compile(r"(?:گفتوگو|مصاحبه|مرکې|مرکه)\s+(?:با|له|سره)?\s*$")


_DECIMAL = re.compile(r"[\d.,]*\d[.,]\d")
_PERCENT_OR_AGE = re.compile(r"\s*(?:%|per\s?cent|-year-old|years? old)")
_REFERENCE_BEFORE = re.compile(r"(?:No\.|#|\[|page|p\.|section|article|paragraph)\s*$")
_WORD_OR_MARK = re.compile(r"[^\W\d_][\w'’-]*|[.,;:!?()\"“”]")


@dataclass(frozen=True)
class CountMention:
    start: int
    end: int
    value: int
    qualifier: str
    unit: str  # "victims" | "acts"
    noun_start: int
    noun_end: int


_NUM_WORD = "|".join(sorted([*_EN_UNITS, *_EN_TENS, *_EN_SCALES], key=len, reverse=True))
_EN_QUAL_ALT = "|".join(f"(?:{q})" for q, _ in _QUALIFIERS)
_EN_QUAL_BEFORE = re.compile(rf"(?:^|(?<=\W))(?P<qual>{_EN_QUAL_ALT})\s+$", re.IGNORECASE)
_EN_NUMBER = re.compile(
    rf"(?<![\w-])(?P<num>\d{{1,3}}(?:,\d{{3}})+(?!\d)|\d{{1,9}}(?!\d)|"
    rf"(?P<vague>tens of thousands|hundreds of thousands|dozens|scores|hundreds|thousands|a dozen|two dozen)|"
    rf"(?:{_NUM_WORD})(?:[\s-]+(?:and\s+)?(?:{_NUM_WORD}))*)\b",
    re.IGNORECASE)
_AR_NUM_WORD = "|".join(sorted(_AR_NUMBERS, key=len, reverse=True))
# A range ("between 10 and 15 former soldiers", "two to four men", "۱۰ تا ۱۵ تن") is counted by its
# lower bound, as "at least": the text vouches for no more.
_EN_RANGE = re.compile(
    rf"(?P<low>\d{{1,6}}|{_NUM_WORD})\s*(?P<sep>and|to|or|-|–)\s*(?P<high>\d{{1,6}}|{_NUM_WORD})(?![\w-])",
    re.IGNORECASE)
_RANGE_LEAD = re.compile(r"\b(?:between|from)\s+$", re.IGNORECASE)
_AR_RANGE_BEFORE = re.compile(rf"(?<![\w])(\d{{1,6}}|{_AR_NUM_WORD})\s*(?:تا|الی|-|–)\s*$")
_AR_QUAL_ALT = "|".join(f"(?:{q})" for q, _ in _AR_QUALIFIERS)
_AR_NUMBER = re.compile(
    rf"(?:(?P<qual>{_AR_QUAL_ALT})\s+)?(?<!\d)(?P<num>\d{{1,3}}(?:,\d{{3}})+|\d{{1,9}}(?!\d)|"
    rf"(?P<vague>{'|'.join(sorted(_AR_VAGUE, key=len, reverse=True))})|"
    rf"(?:{_AR_NUM_WORD})(?:\s+و\s+(?:{_AR_NUM_WORD}))*)(?![\w])")


def _words_value(words: str) -> int | None:
    """The value of a number in English words, or None when the words are not one number
    ("two and four" is two numbers, not six)."""
    total, current = 0, 0
    for w in re.split(r"[\s-]+", words.lower()):
        if w == "and" or not w:
            continue
        if w in _EN_UNITS:
            # A unit after a unit or a teen: two numbers.
            if current % 100 and (current % 100 < 20 or current % 10):
                return None
            current += _EN_UNITS[w]
        elif w in _EN_TENS:
            if current % 100:
                return None
            current += _EN_TENS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        elif w in _EN_SCALES:
            total += max(current, 1) * _EN_SCALES[w]
            current = 0
        else:
            return None
    return total + current


def _ar_words_value(words: str) -> int | None:
    """"بیست و پنج" is 25 and "صد و بیست" 120; "دو و سه" is two numbers (None)."""
    parts = [_AR_NUMBERS[w] for w in re.split(r"\s+و\s+", words)]
    for a, b in pairwise(parts):
        if b >= a or (a < 100 and a % 10) or (a >= 100 and b >= 100):
            return None
    return sum(parts)


def _qualifier(words: str | None, table: list[tuple[str, str]]) -> str | None:
    if not words:
        return None
    for pattern, name in table:
        if re.fullmatch(pattern, words.strip(), re.IGNORECASE):
            return name
    return None


def find_counts(text: str, start: int = 0, end: int | None = None,
                masked: list[tuple[int, int]] | None = None) -> list[CountMention]:
    """Counts of victims or acts in ``text[start:end]``, offsets into ``text``.

    ``masked`` spans (dates, footnote marks) are skipped: "10 May 2022" holds no count.
    """
    end = len(text) if end is None else end
    masked_index = SpanIndex(masked or [])
    out: list[CountMention] = []
    skip_to = start
    for m in _EN_NUMBER.finditer(text, start, end):
        s, e = m.start(), m.end()
        if s < skip_to or masked_index.overlaps(s, e):
            continue
        # Tried only where a number starts, so that the range costs nothing elsewhere.
        ranged = _range_at(text, s, start, end, masked_index)
        if ranged is not None:
            out.append(ranged)
            skip_to = ranged.end
            continue
        num = m.group("num")
        qual_m = _EN_QUAL_BEFORE.search(text[max(start, s - 25):s])
        qual_words = qual_m.group("qual") if qual_m else None
        if qual_m:
            s -= len(qual_m.group(0))
        if m.group("vague"):
            value, qualifier = _EN_VAGUE[num.lower()], "vague"
        elif num[0].isdigit():
            value, qualifier = int(num.replace(",", "")), "exact"
            if _DECIMAL.match(text, m.start("num"), m.start("num") + 12) and "," not in num:
                continue  # a decimal ("2.5 million") is not a head count
        else:
            got = _words_value(num)
            if got is None or got == 0:
                continue
            value, qualifier = got, "exact"
        # Single-word small numbers like "one" are too often pronouns ("one of them").
        if num.lower() in ("one", "a dozen") and not qual_words:
            continue
        qualifier = _qualifier(qual_words, _QUALIFIERS) or qualifier
        if _PERCENT_OR_AGE.match(text, e, e + 12):
            continue
        if _REFERENCE_BEFORE.search(text[max(0, s - 10):s]):
            continue
        after = text[e:min(end, e + 80)]
        noun = _counted_noun(after)
        if noun is None:
            continue
        if _EN_SOURCE_LEAD.search(text[max(start, s - 40):s]):
            continue
        ns, ne = e + noun[0], e + noun[1]
        unit = "acts" if _ACT_NOUN.match(text[ns:ne]) else "victims"
        out.append(CountMention(s, e, value, qualifier, unit, ns, ne))
    region = text[start:end]
    if ARABIC_SCRIPT.search(region):
        out.extend(_arabic_counts(region, start, masked_index))
    out.sort(key=lambda c: c.start)
    return out


def _bound_value(word: str) -> int | None:
    return int(word) if word.isdigit() else _words_value(word)


def _range_at(text: str, pos: int, start: int, end: int, masked: SpanIndex) -> CountMention | None:
    m = _EN_RANGE.match(text, pos, end)
    if m is None:
        return None
    lead = _RANGE_LEAD.search(text, max(start, pos - 9), pos)
    if m.group("sep").lower() == "and" and lead is None:
        return None  # "two and four" alone is a list, not a range
    if masked.overlaps(m.start(), m.end()):
        return None
    low, high = _bound_value(m.group("low")), _bound_value(m.group("high"))
    if low is None or high is None or not 0 < low < high:
        return None
    noun = _counted_noun(text[m.end():min(end, m.end() + 80)])
    if noun is None or _EN_SOURCE_LEAD.search(text[max(start, pos - 40):pos]):
        return None
    ns, ne = m.end() + noun[0], m.end() + noun[1]
    unit = "acts" if _ACT_NOUN.match(text[ns:ne]) else "victims"
    return CountMention(lead.start() if lead else m.start(), m.end(), low, "at_least", unit, ns, ne)


@lru_cache(maxsize=8192)
def _is_counted(word: str) -> bool:
    return _EN_COUNTED.fullmatch(word) is not None


@lru_cache(maxsize=8192)
def _is_excluded(word: str) -> bool:
    return _EN_EXCLUDED.fullmatch(word) is not None


@lru_cache(maxsize=8192)
def _is_participle(word: str) -> bool:
    return _EN_PARTICIPLE.fullmatch(word) is not None


def _counted_noun(after: str) -> tuple[int, int] | None:
    """Where the counted noun lies in the words after a number, or None if it counts something else.

    Up to four words may come between ("218 extrajudicial executions", "dozens of Panjshir
    civilians", "at least six of the detained men"); a verb or preposition ends the search.
    """
    found: tuple[int, int] | None = None
    for i, w in enumerate(_WORD_OR_MARK.finditer(after)):
        word = w.group(0)
        if found is not None:
            # Run on to the head noun: "extrajudicial executions", "former officers"; but
            # "civilian casualties" count the killed and the wounded together.
            if _is_counted(word):
                found = (found[0], w.end())
                continue
            return None if _is_excluded(word) else found
        if i > 5 or word in ".,;:!?()\"“”":
            return None
        if i == 0 and _is_participle(word):
            return (w.start(), w.end())  # "287 killed and 808 wounded", "12 detained"
        if _is_excluded(word):
            return None
        if _is_counted(word):
            found = (w.start(), w.end())
            continue
        if word.lower() in ("were", "was", "have", "had", "has", "are", "is", "in", "on", "at", "by",
                            "from", "to", "for", "who", "which", "that", "with", "and", "or", "after"):
            return None
    return found


def _arabic_counts(region: str, base: int, masked: SpanIndex) -> list[CountMention]:
    norm = normalize_with_map(region)
    out: list[CountMention] = []
    for m in _AR_NUMBER.finditer(norm.text):
        s, e = norm.to_original(m.start(), m.end())
        s, e = base + s, base + e
        if masked.overlaps(s, e):
            continue
        num = m.group("num")
        if m.group("vague"):
            value, qualifier = _AR_VAGUE[num], "vague"
        elif num[0].isdigit():
            value, qualifier = int(num.replace(",", "")), "exact"
        else:
            got = _ar_words_value(num)
            if got is None:
                continue
            value, qualifier = got, "exact"
        qualifier = _qualifier(m.group("qual"), _AR_QUALIFIERS) or qualifier
        low = _AR_RANGE_BEFORE.search(norm.text, max(0, m.start() - 20), m.start())
        if low is not None:
            low_value = int(low[1]) if low[1].isdigit() else _ar_words_value(low[1])
            if low_value is not None and 0 < low_value < value:
                value, qualifier = low_value, "at_least"
                s = base + norm.to_original(low.start(), low.end())[0]
        after = norm.text[m.end():m.end() + 40]
        words = re.findall(r"[\u0600-\u06FF]+", after)[:3]
        if not words:
            continue
        first = words[0]
        # "۱۸ تن از باشندگان" counts people spoken to when it follows "گفت‌وگو با".
        lead = norm.text[max(0, m.start() - 25):m.start()]
        if _AR_SOURCE_LEAD.search(lead) or (re.search(r"(?:با|له)\s*$", lead) and re.search(
                r"(?:گفتوگو|مصاحبه|مرکې)", norm.text[max(0, m.start() - 40):m.start()])):
            continue
        if _AR_EXCLUDED.match(first):
            continue
        # "له اوو کورنیو سره مرکې", "با ۱۸ تن مصاحبه": people spoken to, named before the verb.
        if re.search(r"(?:سره|با)?\s*(?:مرکې|مرکه|مصاحبه|گفتوگو)", after[:45]) and re.search(
                r"(?:له|با)\s*$", norm.text[max(0, m.start() - 6):m.start()]):
            continue
        noun_word = first
        if first in ("تن", "نفر", "کس", "تنه") and len(words) > 1 and words[1] == "از":
            noun_word = first
        if not _AR_COUNTED.match(noun_word) and not (len(words) > 1 and _AR_COUNTED.match(words[1])
                                                   and first in ("پخوانی", "پیشین", "بیگناه", "ملکی")):
            continue
        if num in ("نه", "ده", "سی", "دو", "یو") and noun_word not in ("تن", "نفر", "کس", "تنه", "کسان"):
            continue  # these number words are also "no", "village", "thirty"/"the", "two"/"and"
        if num in ("یک", "یو") and not m.group("qual"):
            continue  # "یک باشنده": "a resident", as often as "one"
        ns_n = m.end() + after.index(first)
        ns, ne = norm.to_original(ns_n, ns_n + len(first))
        out.append(CountMention(s, e, value, qualifier, "victims", base + ns, base + ne))
    return out
