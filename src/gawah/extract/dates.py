"""Dates in English, Dari and Pashto text: Gregorian and Afghan Solar Hijri, absolute, partial,
relative to the publication date, and periods.

Every mention carries the offsets of its words in the original text. Afghan Solar Hijri month
names (Hamal … Hut, حمل … حوت, Pashto وری … کب) are mapped to month numbers here and converted
with jdatetime; dateparser is never given them because it silently drops names it does not know
(see shared/research/analysis.md §4).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

import jdatetime

from gawah.extract.intervals import SpanIndex, keep_non_overlapping
from gawah.extract.normalize import ARABIC_SCRIPT, normalize_with_map

Precision = Literal["day", "month", "year"]

# --- vocabularies -----------------------------------------------------------------------------

_EN_MONTHS: dict[str, int] = {}
for _i, _name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1):
    _EN_MONTHS[_name] = _i
    _EN_MONTHS[_name[:3]] = _i
_EN_MONTHS["sept"] = 9

# Afghan Solar Hijri months, romanised (several spellings each).
_SH_ROMAN: dict[str, int] = {}
for _i, _names in enumerate(
    [["hamal"], ["sawr", "saur", "sowr", "sor"], ["jawza", "jauza", "jowza", "jawzā"],
     ["saratan", "sarataan"], ["asad"], ["sunbula", "sonbola", "sunbulah", "sombola", "sunbala"],
     ["mizan", "meezan"], ["aqrab", "akrab", "aqrab"], ["qaws", "qaus", "qous", "qaws"],
     ["jadi", "jaddi", "jady", "jaddy"], ["dalw", "dalv", "dalwa", "dalu"], ["hut", "hoot", "hout"]],
        start=1):
    for _n in _names:
        _SH_ROMAN[_n] = _i

# Arabic-script month names, already in normalised spelling (see normalize.py): month number and
# calendar. Sources: analysis.md §4 table (Dari and Pashto zodiacal names, Iranian names); the
# Gregorian months as written in Afghan Dari and Pashto media.
_AR_MONTHS: dict[str, tuple[int, str]] = {}
for _i, _names in enumerate(
    [["حمل", "وری", "فروردین"], ["ثور", "غویی", "غوایی", "اردیبهشت"], ["جوزا", "غبرگولی", "غبرګولی", "خرداد"],
     ["سرطان", "چنگاښ", "چنګاښ", "تیر"], ["اسد", "زمری", "مرداد", "امرداد"], ["سنبله", "وږی", "شهریور"],
     ["میزان", "تله", "تلې", "مهر"], ["عقرب", "لړم", "ابان"], ["قوس", "لیندۍ", "لیندی", "اذر"],
     ["جدی", "مرغومی", "دی"], ["دلو", "سلواغه", "سلواغې", "بهمن"], ["حوت", "کب", "اسفند"]], start=1):
    for _n in _names:
        _AR_MONTHS[_n] = (_i, "solar_hijri")
for _i, _names in enumerate(
    [["جنوری", "ژانویه", "جنوري"], ["فبروری", "فوریه", "فبروري"], ["مارچ", "مارس"],
     ["اپریل", "اپرېل", "آوریل", "اوریل"], ["می", "مۍ", "مه", "مئی"], ["جون", "ژوئن", "جوون"],
     ["جولای", "ژوئیه", "جولائی"], ["اگست", "اګست", "اوت", "آگوست", "اگوست"],
     ["سپتامبر", "سپتمبر", "سپتمبر"], ["اکتوبر", "اکتبر"], ["نومبر", "نوامبر", "نوومبر"],
     ["دسامبر", "دسمبر", "ډسمبر"]], start=1):
    for _n in _names:
        _AR_MONTHS[_n.replace("آ", "ا")] = (_i, "gregorian")
# Month names that are also frequent words ("دی" is "is" in Pashto, "مه" "do not", "می" a verb
# prefix, "تیر" "arrow/past", "مهر" "seal", "کب" "fish"): only accepted next to a year.
_AR_NEEDS_YEAR = frozenset({"دی", "مه", "می", "تیر", "مهر", "کب", "تله", "مۍ", "اوت"})

_EN_WEEKDAYS = {d: i for i, d in enumerate(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}
# Dari and Pashto weekday names (normalised; ZWNJ is dropped so سه‌شنبه becomes سهشنبه).
_AR_WEEKDAYS = {
    "دوشنبه": 0, "سهشنبه": 1, "سه شنبه": 1, "چهارشنبه": 2, "څلورشنبه": 2, "پنجشنبه": 3,
    "پنځشنبه": 3, "جمعه": 4, "جمعې": 4, "شنبه": 5, "یکشنبه": 6, "یوشنبه": 6,
}
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "a": 1, "an": 1}


@dataclass(frozen=True)
class DateMention:
    """A date or period named in a text, with the offsets of its words in the original text.

    ``first`` and ``last`` bound the dates it may denote: for "August 2021" the first and last
    days of August; for a single day both are that day.
    """

    start: int
    end: int
    first: date
    last: date
    precision: Precision
    kind: Literal["absolute", "partial", "relative", "period"]
    calendar: Literal["gregorian", "solar_hijri"] = "gregorian"


# --- helpers ----------------------------------------------------------------------------------

def _alt(words: Iterable[str]) -> str:
    return "|".join(sorted({re.escape(w) for w in words}, key=len, reverse=True))


def _gregorian_from_solar(year: int, month: int, day: int) -> date | None:
    try:
        gregorian: date = jdatetime.date(year, month, day).togregorian()
        return gregorian
    except (ValueError, OverflowError):
        return None


def _solar_month_bounds(year: int, month: int) -> tuple[date, date] | None:
    first = _gregorian_from_solar(year, month, 1)
    if first is None:
        return None
    nxt = _gregorian_from_solar(year + (month == 12), month % 12 + 1, 1)
    if nxt is None:
        return None
    return first, nxt - timedelta(days=1)


def _make_day(year: int, month: int, day: int, cal: str) -> date | None:
    if cal == "solar_hijri":
        if not 1300 <= year <= 1499:
            return None
        return _gregorian_from_solar(year, month, day)
    if not 1900 <= year <= 2100:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_bounds(year: int, month: int, cal: str) -> tuple[date, date] | None:
    if cal == "solar_hijri":
        return _solar_month_bounds(year, month) if 1300 <= year <= 1499 else None
    if not 1900 <= year <= 2100 or not 1 <= month <= 12:
        return None
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _calendar_of_year(year: int) -> str | None:
    if 1300 <= year <= 1499:
        return "solar_hijri"
    if 1900 <= year <= 2100:
        return "gregorian"
    return None


# --- patterns ---------------------------------------------------------------------------------

_EN_MONTH_ALT = "|".join(
    sorted({w.capitalize() for w in _EN_MONTHS} | {w.upper() for w in _EN_MONTHS}, key=len, reverse=True))
_SH_ROMAN_ALT = "|".join(
    sorted({w.capitalize() for w in _SH_ROMAN} | {w.upper() for w in _SH_ROMAN}, key=len, reverse=True))
_AR_MONTH_ALT = _alt(_AR_MONTHS)
_ORD = r"(?:st|nd|rd|th)?"
_AR_ORD = r"(?:\s?(?:ام|مه|مې|ئم|می|م))?(?:\s+(?:نېټې|نیټې|نېټه|نیټه|تاریخ))?"
# A Dari month name in brackets after a Pashto one: "د چنګاښ (سرطان)".
_AR_ALT_MONTH = r"(?:\s*\([^)\d]{1,15}\))?"

# "5 September 2021", "5 September"; "September 5, 2021", "September 5", "September 2021".
_P_EN_DAY_FIRST = re.compile(
    rf"\b(\d{{1,2}}){_ORD}(?:\s+of)?\s+({_EN_MONTH_ALT})\b\.?(?:,?\s+(\d{{4}})\b)?")
_P_EN_MONTH_FIRST = re.compile(
    rf"\b({_EN_MONTH_ALT})\b\.?(?:\s+(\d{{1,2}}){_ORD}\b(?!\s*:)(?:,?\s+(\d{{4}})\b)?|,?\s+(?:of\s+)?(\d{{4}})\b)")
_P_EN_MY_QUALIFIER = re.compile(
    r"\b(early|mid|late|the end of|end of|the beginning of|beginning of)[\s-]+$", re.IGNORECASE)
_P_EN_Y = re.compile(r"\b(19[5-9]\d|20\d\d)\b(?!\s*(?:people|persons|civilians|cases))")
_P_EN_Y_LEAD = re.compile(
    r"\b(?:[Ii]n|[Ss]ince|[Dd]uring|[Tt]hroughout|[Ee]arly|[Ll]ate|[Mm]id-?|"
    r"[Ss]ummer of|[Ww]inter of|[Ss]pring of|[Aa]utumn of)\s+$")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_P_SH_DMY = re.compile(rf"\b(\d{{1,2}}){_ORD}(?:\s+of)?\s+({_SH_ROMAN_ALT}),?\s+(1[34]\d\d)\b")
_P_SH_MDY = re.compile(rf"\b({_SH_ROMAN_ALT})\s+(\d{{1,2}}),?\s+(1[34]\d\d)\b")
_P_SH_MY = re.compile(rf"\b({_SH_ROMAN_ALT}),?\s+(?:of\s+)?(1[34]\d\d)\b")
_P_ISO = re.compile(r"\b((?:19|20|13|14)\d\d)[-/.](\d{1,2})[-/.](\d{1,2})\b")
_P_DMY_NUM = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-]((?:19|20|13|14)\d\d)\b")

_P_AR_DMY = re.compile(
    rf"(?<!\d)(\d{{1,2}}){_AR_ORD}\s+(?:(?:ماه|د)\s+)?({_AR_MONTH_ALT})(?:\s+(?:ماه|میاشتې|د\s+میاشتې))?\s*[,،]?\s+(?:(?:سال|د|کال)\s+)?(\d{{4}})(?!\d)")
_P_PS_YMD = re.compile(
    rf"(?:د\s+)?(\d{{4}})\s+(?:(?:(?:لمریز\s+|هجری\s+لمریز\s+)?کال\s+(?:د\s+)?)|د\s+)({_AR_MONTH_ALT}){_AR_ALT_MONTH}\s+"
    rf"(?:د\s+میاشتې\s+)?(?:(?:په|له|تر|د)\s+)?(\d{{1,2}}){_AR_ORD}(?!\d)")
_P_AR_DM = re.compile(
    rf"(?<!\d)(\d{{1,2}}){_AR_ORD}\s+(?:(?:ماه|د)\s+)?({_AR_MONTH_ALT})(?![\w])")
_P_PS_MD = re.compile(
    rf"د\s+({_AR_MONTH_ALT}){_AR_ALT_MONTH}\s+(?:د\s+میاشتې\s+)?(?:په|له|تر|د)\s+(\d{{1,2}}){_AR_ORD}(?!\d)")
_P_AR_MY = re.compile(
    rf"(?:(?:ماه|میاشت|میاشتې|د)\s+)?({_AR_MONTH_ALT})\s+(?:ماه\s+)?(?:(?:سال|د|کال)\s+)?(\d{{4}})(?!\d)")
_P_AR_Y = re.compile(r"(?:سال|کال)\s+(\d{4})(?!\d)|(?<!\d)(\d{4})\s+(?:میلادی|هجری|ه\.?\s?ش|لمریز|کال)")

_AR_SMALL_NUMBERS = {"یک": 1, "دو": 2, "سه": 3, "چهار": 4, "پنج": 5, "شش": 6, "هفت": 7, "یو": 1, "دوه": 2,
                     "درې": 3, "دری": 3, "څلور": 4, "پنځه": 5}
_P_AR_REL = re.compile(
    rf"(پریروز|دیروز|دیشب|امروز|پرون|پرون\s+شپه|شب\s+گذشته|(ماه|هفته|سال|میاشت|اونۍ|اونی|کال)\s+(?:گذشته|پیش|قبل|تېره|تیره|تېر|تیر)|"
    rf"(?:تېره|تیره|تېر|تیر)\s+(میاشت|اونۍ|اونی|کال)|"
    rf"(?:روز\s+|د\s+)?({_alt(_AR_WEEKDAYS)})(?:\s+(?:شب|روز|ورځ|ماښام|سهار))?(?:\s+(?:گذشته|تېره|تیره))?|"
    rf"(\d{{1,3}}|{_alt(_AR_SMALL_NUMBERS)})\s+(روز|هفته|ماه|سال|ورځې|اونۍ|میاشتې|کاله)\s+(?:پیش|قبل|مخکې|وړاندې))(?![\w])")

_P_CONNECT = re.compile(
    r"^\s*(?:-|–|—|to|until|till|through|and|up\s+to|تا|الی|و|څخه\s+تر|نه\s+تر|تر|څخه|نه)\s*$",
    re.IGNORECASE)
_P_PERIOD_LEAD = re.compile(
    r"(?:between|from|\bbetw\.|بین|میان|از|د|له)\s*$", re.IGNORECASE)
_P_EN_DAY_RANGE = re.compile(
    rf"\b(\d{{1,2}}){_ORD}\s*(?:-|–|—|to|and)\s*(\d{{1,2}}){_ORD}\s+({_EN_MONTH_ALT})\.?,?\s+(\d{{4}})\b")


# --- finding ----------------------------------------------------------------------------------

@dataclass
class _Atom:
    start: int
    end: int
    year: int | None
    month: int | None
    day: int | None
    cal: str
    qualifier: str | None = None


def _atoms_english(text: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    words = {w.lower() for w in _LATIN_WORD.findall(text)}
    if not words.isdisjoint(_SH_ROMAN):
        atoms += _atoms_solar_roman(text)
    if not words.isdisjoint(_EN_MONTHS):
        atoms += _atoms_english_months(text)
    for m in _P_EN_Y.finditer(text):
        if _P_EN_Y_LEAD.search(text[max(0, m.start() - 16):m.start()]):
            atoms.append(_Atom(m.start(1), m.end(1), int(m[1]), None, None, "gregorian"))
    return atoms


def _atoms_solar_roman(text: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    for m in _P_SH_DMY.finditer(text):
        atoms.append(_Atom(m.start(), m.end(), int(m[3]), _SH_ROMAN[m[2].lower()], int(m[1]), "solar_hijri"))
    for m in _P_SH_MDY.finditer(text):
        atoms.append(_Atom(m.start(), m.end(), int(m[3]), _SH_ROMAN[m[1].lower()], int(m[2]), "solar_hijri"))
    for m in _P_SH_MY.finditer(text):
        atoms.append(_Atom(m.start(), m.end(), int(m[2]), _SH_ROMAN[m[1].lower()], None, "solar_hijri"))
    return atoms


def _atoms_english_months(text: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    for m in _P_EN_DAY_FIRST.finditer(text):
        year = int(m[3]) if m[3] else None
        atoms.append(_Atom(m.start(), m.end(), year, _EN_MONTHS[m[2].lower()], int(m[1]), "gregorian"))
    for m in _P_EN_MONTH_FIRST.finditer(text):
        month = _EN_MONTHS[m[1].lower()]
        if m[2]:
            year = int(m[3]) if m[3] else None
            atoms.append(_Atom(m.start(), m.end(), year, month, int(m[2]), "gregorian"))
            continue
        qual = _P_EN_MY_QUALIFIER.search(text[max(0, m.start() - 20):m.start()])
        start = m.start() - len(qual.group(0)) if qual else m.start()
        atoms.append(_Atom(start, m.end(), int(m[4]), month, None, "gregorian",
                           qual.group(1).lower() if qual else None))
    return atoms


def _atoms_numeric(text: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    for m in _P_ISO.finditer(text):
        year = int(m[1])
        cal = _calendar_of_year(year)
        if cal:
            atoms.append(_Atom(m.start(), m.end(), year, int(m[2]), int(m[3]), cal))
    for m in _P_DMY_NUM.finditer(text):
        year = int(m[3])
        cal = _calendar_of_year(year)
        if cal:
            atoms.append(_Atom(m.start(), m.end(), year, int(m[2]), int(m[1]), cal))
    return atoms


def _ar_month(name: str, year: int | None) -> tuple[int, str] | None:
    month, cal = _AR_MONTHS[name]
    if year is not None:
        year_cal = _calendar_of_year(year)
        if year_cal is None:
            return None
        # An Iranian/Afghan month with a Gregorian-range year (or the reverse) is not a date.
        if year_cal != cal:
            return None
    return month, cal


def _atoms_arabic(text: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    for m in _P_AR_DMY.finditer(text):
        got = _ar_month(m[2], int(m[3]))
        if got:
            atoms.append(_Atom(m.start(), m.end(), int(m[3]), got[0], int(m[1]), got[1]))
    for m in _P_PS_YMD.finditer(text):
        got = _ar_month(m[2], int(m[1]))
        if got:
            atoms.append(_Atom(m.start(), m.end(), int(m[1]), got[0], int(m[3]), got[1]))
    for m in _P_AR_MY.finditer(text):
        got = _ar_month(m[1], int(m[2]))
        if got:
            atoms.append(_Atom(m.start(), m.end(), int(m[2]), got[0], None, got[1]))
    for m in _P_AR_DM.finditer(text):
        if m[2] in _AR_NEEDS_YEAR:
            continue
        month, cal = _AR_MONTHS[m[2]]
        atoms.append(_Atom(m.start(), m.end(), None, month, int(m[1]), cal))
    for m in _P_PS_MD.finditer(text):
        if m[1] in _AR_NEEDS_YEAR:
            continue
        month, cal = _AR_MONTHS[m[1]]
        atoms.append(_Atom(m.start(), m.end(), None, month, int(m[2]), cal))
    for m in _P_AR_Y.finditer(text):
        group = 1 if m[1] else 2
        year = int(m[group])
        year_cal = _calendar_of_year(year)
        if year_cal:
            atoms.append(_Atom(m.start(), m.end(), year, None, None, year_cal))
    return atoms


def _specificity(a: _Atom) -> int:
    return (a.year is not None) * 4 + (a.month is not None) * 2 + (a.day is not None)


def _drop_overlaps(atoms: list[_Atom]) -> list[_Atom]:
    """Keep the longest, most specific atom where atoms overlap."""
    return keep_non_overlapping(atoms, lambda a: (a.start, a.end),
                                lambda a: (-(a.end - a.start), -_specificity(a), a.start))


def _year_for(atom: _Atom, previous_years: dict[str, int | None], published: date | None) -> int | None:
    """Year of a day-and-month without a year: the year of the latest full date before it in the
    text, else the year that puts it on or before the publication date."""
    prev = previous_years.get(atom.cal)
    if prev is not None:
        return prev
    if published is None or atom.month is None:
        return None
    if atom.cal == "solar_hijri":
        pub = jdatetime.date.fromgregorian(date=published)
        year = int(pub.year)
        if (atom.month, atom.day or 1) > (int(pub.month), int(pub.day)):
            year -= 1
        return year
    year = published.year
    if (atom.month, atom.day or 1) > (published.month, published.day):
        year -= 1
    return year


def _resolve(atom: _Atom, year: int | None) -> tuple[date, date, Precision] | None:
    if year is None:
        return None
    if atom.month is None:
        if atom.cal == "solar_hijri":
            first = _gregorian_from_solar(year, 1, 1)
            nxt = _gregorian_from_solar(year + 1, 1, 1)
            if first is None or nxt is None:
                return None
            return first, nxt - timedelta(days=1), "year"
        if not 1900 <= year <= 2100:
            return None
        return date(year, 1, 1), date(year, 12, 31), "year"
    if atom.day is None:
        bounds = _month_bounds(year, atom.month, atom.cal)
        if bounds is None:
            return None
        first, last = bounds
        # "mid-August", "late August" narrow the month but stay month-precise.
        if atom.qualifier and atom.qualifier.startswith(("late", "the end", "end")):
            first = first + timedelta(days=20)
        elif atom.qualifier == "mid":
            first, last = first + timedelta(days=9), first + timedelta(days=20)
        elif atom.qualifier and atom.qualifier.startswith(("early", "the beginning", "beginning")):
            last = first + timedelta(days=10)
        return first, last, "month"
    day = _make_day(year, atom.month, atom.day, atom.cal)
    if day is None:
        return None
    return day, day, "day"


_REL_ANCHOR = re.compile(
    r"\b(?:(yesterday|today)|(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)|"
    r"(?:days?|weeks?|months?|years?)\s+(ago)|(week|month|year))\b", re.IGNORECASE)
_REL_BEFORE_DAY = re.compile(r"(?:the\s+)?day\s+before\s+$", re.IGNORECASE)
_REL_BEFORE_WEEKDAY = re.compile(r"\b(?:on|last|this|early|late)\s+$", re.IGNORECASE)
_REL_BEFORE_PERIOD = re.compile(r"\b(?:last|this|earlier\s+this|the\s+previous|the\s+past)\s+$",
                                re.IGNORECASE)
_REL_BEFORE_AGO = re.compile(r"\b(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|a|an)\s+$",
                             re.IGNORECASE)


def _english_relative_spans(text: str) -> list[tuple[int, int]]:
    """Spans of "yesterday", "on Sunday", "last month", "three days ago": found from the rarer
    unit word, then the words before it."""
    out: list[tuple[int, int]] = []
    for m in _REL_ANCHOR.finditer(text):
        before = text[max(0, m.start() - 24):m.start()]
        if m.group(1):
            lead = _REL_BEFORE_DAY.search(before) if m.group(1).lower() == "yesterday" else None
            out.append((m.start() - (len(lead.group(0)) if lead else 0), m.end()))
            continue
        pattern = _REL_BEFORE_WEEKDAY if m.group(2) else _REL_BEFORE_AGO if m.group(3) else _REL_BEFORE_PERIOD
        lead = pattern.search(before)
        if lead:
            out.append((m.start() - len(lead.group(0)), m.end()))
    return out


def _relative(text: str, published: date) -> list[DateMention]:
    out: list[DateMention] = []
    spans: list[tuple[int, int]] = _english_relative_spans(text)
    if ARABIC_SCRIPT.search(text):
        spans += [(m.start(), m.end()) for m in _P_AR_REL.finditer(text)]
    for s, e in spans:
        # "until today", "تا امروز": how long a state lasts, not when something happened.
        if re.search(r"(?:\buntil|\btill|\bas of|\bto|تا|تر)\s+$", text[max(0, s - 8):s]):
            continue
        got = _resolve_relative(text[s:e].lower(), published)
        if got:
            out.append(DateMention(s, e, got[0], got[1], got[2], "relative"))
    return out


def _resolve_relative(words: str, published: date) -> tuple[date, date, Precision] | None:
    pub = published
    if "day before yesterday" in words or words == "پریروز":
        d = pub - timedelta(days=2)
        return d, d, "day"
    if words in ("yesterday", "دیروز", "پرون", "دیشب") or re.fullmatch(r"شب\s+گذشته|پرون\s+شپه", words):
        d = pub - timedelta(days=1)
        return d, d, "day"
    if words in ("today", "امروز"):
        return pub, pub, "day"
    unit = None
    for key, value in (("week", "week"), ("هفته", "week"), ("اونۍ", "week"), ("اونی", "week"),
                       ("month", "month"), ("ماه", "month"), ("میاشت", "month"),
                       ("year", "year"), ("سال", "year"), ("کال", "year"),
                       ("day", "day"), ("روز", "day"), ("ورځ", "day")):
        if key in words:
            unit = value
            break
    ago = re.match(r"(\d{1,3}|[a-z]+|[\u0600-\u06FF]+)\s", words)
    if ago and ("ago" in words or re.search(r"(پیش|قبل|مخکې|وړاندې)$", words)):
        n = int(ago[1]) if ago[1].isdigit() else _NUMBER_WORDS.get(ago[1], _AR_SMALL_NUMBERS.get(ago[1], 0))
        if not n:
            return None
        if unit == "day":
            d = pub - timedelta(days=n)
            return d, d, "day"
        if unit == "week":
            d = pub - timedelta(weeks=n)
            return d - timedelta(days=3), d + timedelta(days=3), "month"
        if unit == "month":
            y, mth = divmod(pub.year * 12 + pub.month - 1 - n, 12)
            return date(y, mth + 1, 1), date(y, mth + 1, calendar.monthrange(y, mth + 1)[1]), "month"
        if unit == "year":
            return date(pub.year - n, 1, 1), date(pub.year - n, 12, 31), "year"
        return None
    weekday = None
    for name, idx in _EN_WEEKDAYS.items():
        if name in words:
            weekday = idx
    if weekday is None:
        for name, idx in _AR_WEEKDAYS.items():
            # the longest name wins: "یکشنبه" contains "شنبه"
            if (name in words.replace(" ", "") or name in words) and (weekday is None or len(name) > 5):
                weekday = idx
    if weekday is not None:
        delta = (pub.weekday() - weekday) % 7
        if words.startswith("last") or "گذشته" in words or "تېره" in words:
            delta = delta or 7
        d = pub - timedelta(days=delta)
        return d, d, "day"
    this = bool(re.match(r"(this|earlier this)", words))
    if unit == "week":
        start = pub - timedelta(days=pub.weekday()) - (timedelta(0) if this else timedelta(days=7))
        return start, start + timedelta(days=6), "month"
    if unit == "month":
        y, mth = (pub.year, pub.month) if this else divmod(pub.year * 12 + pub.month - 2, 12)
        if not this:
            mth += 1
        return date(y, mth, 1), date(y, mth, calendar.monthrange(y, mth)[1]), "month"
    if unit == "year":
        y = pub.year if this else pub.year - 1
        return date(y, 1, 1), date(y, 12, 31), "year"
    return None


def find_dates(text: str, published: date | None = None) -> list[DateMention]:
    """All dates and periods named in ``text``, in text order, with offsets into ``text``.

    Days and months without a year take the year of the latest full date before them, else
    the year that puts them on or before ``published``. Relative expressions ("on Sunday",
    "last month", "دیروز") are resolved only when ``published`` is given.
    """
    if not text:
        return []
    norm = normalize_with_map(text)
    ntext = norm.text
    atoms = _atoms_english(ntext) + _atoms_numeric(ntext)
    if ARABIC_SCRIPT.search(ntext):
        atoms += _atoms_arabic(ntext)
    atoms = _drop_overlaps(atoms)

    mentions: list[DateMention] = []
    previous_years: dict[str, int | None] = {}
    resolved: list[tuple[_Atom, tuple[date, date, Precision]]] = []
    for k, atom in enumerate(atoms):
        year = atom.year
        if year is None and k + 1 < len(atoms):
            # "۱۵ اسد تا ۳۰ اسد ۱۴۰۱", "15 to 30 August 2021": the year stated once, at the end.
            nxt = atoms[k + 1]
            if nxt.year is not None and nxt.cal == atom.cal and nxt.month is not None \
                    and _P_CONNECT.match(ntext[atom.end:nxt.start]):
                year = nxt.year - (1 if (atom.month or 0) > nxt.month else 0)
        if year is None:
            year = _year_for(atom, previous_years, published)
        got = _resolve(atom, year)
        if atom.year is not None and atom.month is not None:
            previous_years[atom.cal] = atom.year
        if got is None:
            continue
        resolved.append((atom, got))

    # Day ranges inside one month: "15-17 August 2021".
    for m in _P_EN_DAY_RANGE.finditer(ntext):
        year, month = int(m[4]), _EN_MONTHS[m[3].lower()]
        first = _make_day(year, month, int(m[1]), "gregorian")
        last = _make_day(year, month, int(m[2]), "gregorian")
        if first and last and first <= last:
            s, e = norm.to_original(m.start(), m.end())
            mentions.append(DateMention(s, e, first, last, "day", "period"))
    taken = SpanIndex((mm.start, mm.end) for mm in mentions)

    i = 0
    while i < len(resolved):
        atom, (first, last, precision) = resolved[i]
        kind: Literal["absolute", "partial", "period"] = "absolute" if atom.year is not None else "partial"
        end_atom = atom
        if i + 1 < len(resolved):
            nxt, (nfirst, nlast, nprec) = resolved[i + 1]
            gap = ntext[atom.end:nxt.start]
            lead = ntext[max(0, atom.start - 12):atom.start]
            if _P_CONNECT.match(gap) and (gap.strip() not in ("and", "و") or _P_PERIOD_LEAD.search(lead)) \
                    and nfirst >= first:
                last = nlast
                precision = precision if _rank(precision) <= _rank(nprec) else nprec
                kind = "period"
                end_atom = nxt
                i += 1
        s, e = norm.to_original(atom.start, end_atom.end)
        if not taken.overlaps(s, e):
            mentions.append(DateMention(s, e, first, last, precision, kind, atom.cal))  # type: ignore[arg-type]
        i += 1

    if published is not None:
        absolute = SpanIndex((mm.start, mm.end) for mm in mentions)
        for rel in _relative(ntext, published):
            s, e = norm.to_original(rel.start, rel.end)
            if not absolute.overlaps(s, e):
                mentions.append(replace(rel, start=s, end=e))
    mentions.sort(key=lambda mm: mm.start)
    return mentions


def _rank(p: str) -> int:
    return {"day": 0, "month": 1, "year": 2}[p]
