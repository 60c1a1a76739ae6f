"""Numbers and dates as each interface language writes them.

Babel gives CLDR patterns and separators; Dari and Pashto pages also use Eastern Arabic-Indic
digits (۰–۹), which Babel leaves to the caller. Dates are given in the Gregorian calendar and,
beside it, in the Solar Hijri calendar with the Afghan month names that reports use.
"""

from __future__ import annotations

import datetime as dt

import jdatetime
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_decimal

from gawah.web.i18n import LOCALES

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

# Afghan Solar Hijri months (Hamal … Hut), as TAXONOMY.md spells them in English and as they are
# written in Dari and in Pashto.
SOLAR_HIJRI_MONTHS: dict[str, tuple[str, ...]] = {
    "en": (
        "Hamal", "Sawr", "Jawza", "Saratan", "Asad", "Sunbula",
        "Mizan", "Aqrab", "Qaws", "Jadi", "Dalw", "Hut",
    ),
    "fa": ("حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله", "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت"),
    "ps": ("وری", "غویی", "غبرګولی", "چنگاښ", "زمری", "وږی", "تله", "لړم", "لیندۍ", "مرغومی", "سلواغه", "کب"),
}  # fmt: skip


def localise_digits(text: str, code: str) -> str:
    return text.translate(_PERSIAN_DIGITS) if LOCALES[code].direction == "rtl" else text


def number(value: int | float, code: str) -> str:
    # Eastern Arabic-Indic separators (٬ ٫) go with Eastern Arabic-Indic digits.
    system = "arabext" if LOCALES[code].direction == "rtl" else "latn"
    return localise_digits(format_decimal(value, locale=LOCALES[code].babel, numbering_system=system), code)


def solar_hijri(day: dt.date, code: str) -> str:
    """`11 Qaws 1401` for 2 December 2022, in the page's language and digits."""
    sh = jdatetime.date.fromgregorian(date=day)
    return localise_digits(f"{sh.day} {SOLAR_HIJRI_MONTHS[code][sh.month - 1]} {sh.year}", code)


def date(day: dt.date | None, code: str) -> str:
    """Gregorian date in the language's long form; empty for no date."""
    if day is None:
        return ""
    return localise_digits(babel_format_date(day, "long", locale=LOCALES[code].babel), code)


def as_utc(moment: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; Gawah stores UTC throughout.
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def datetime(moment: dt.datetime | None, code: str) -> str:
    """Date and time in UTC, in the language's medium form; empty for none."""
    if moment is None:
        return ""
    text = babel_format_datetime(as_utc(moment), "medium", tzinfo=dt.UTC, locale=LOCALES[code].babel)
    return localise_digits(text, code)
