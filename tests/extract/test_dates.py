"""Dates: absolute, partial, relative, periods, Solar Hijri (Afghan month names, both scripts)."""

from datetime import date

import pytest

from gawah.extract.dates import find_dates

PUB = date(2023, 6, 8)  # a Thursday


def one(text: str, published: date | None = PUB) -> tuple[str, str, str]:
    found = find_dates(text, published)
    assert len(found) == 1, found
    d = found[0]
    assert text[d.start:d.end]  # the span names the words
    return d.first.isoformat(), d.last.isoformat(), d.precision


@pytest.mark.parametrize(("text", "expected"), [
    ("on September 5, 2021, the village", ("2021-09-05", "2021-09-05", "day")),
    ("on 10 May 2022 about", ("2022-05-10", "2022-05-10", "day")),
    ("on May 11 2022 also", ("2022-05-11", "2022-05-11", "day")),
    ("6 June, 2022", ("2022-06-06", "2022-06-06", "day")),
    ("the 3rd of March 2022", ("2022-03-03", "2022-03-03", "day")),
    ("since August 2021 the", ("2021-08-01", "2021-08-31", "month")),
    ("in mid-August 2021", ("2021-08-10", "2021-08-21", "month")),
    ("during 2019", ("2019-01-01", "2019-12-31", "year")),
    ("2021-08-15", ("2021-08-15", "2021-08-15", "day")),
    ("15/08/2021", ("2021-08-15", "2021-08-15", "day")),
])
def test_absolute_english(text: str, expected: tuple[str, str, str]) -> None:
    assert one(text) == expected


def test_partial_date_takes_year_of_earlier_full_date() -> None:
    text = "On September 5, 2021 the assault began. The last episode took place on September 10."
    found = find_dates(text)
    assert [d.first.isoformat() for d in found] == ["2021-09-05", "2021-09-10"]
    assert found[1].kind == "partial"


def test_partial_date_without_context_is_before_publication() -> None:
    # December after a June publication is the December before it.
    assert one("On December 5, the spokesman said") == ("2022-12-05", "2022-12-05", "day")


def test_partial_date_needs_a_year_from_somewhere() -> None:
    assert find_dates("On December 5, the spokesman said", None) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("Police detained him on Sunday.", "2023-06-04"),
    ("He was released yesterday.", "2023-06-07"),
    ("three days ago", "2023-06-05"),
])
def test_relative_to_publication(text: str, expected: str) -> None:
    start, end, precision = one(text)
    assert start == end == expected and precision == "day"


def test_last_month() -> None:
    assert one("Last month the shops were closed") == ("2023-05-01", "2023-05-31", "month")


def test_until_today_is_not_a_date_of_an_event() -> None:
    assert find_dates("سرنوشت او تا امروز معلوم نیست", PUB) == []


@pytest.mark.parametrize("text", [
    "between 15 August 2021 and 30 June 2023",
    "from August 15, 2021 to June 30, 2023",
])
def test_periods(text: str) -> None:
    found = find_dates(text)
    assert len(found) == 1
    assert (found[0].first.isoformat(), found[0].last.isoformat(), found[0].kind) == (
        "2021-08-15", "2023-06-30", "period")


def test_day_range_in_one_month() -> None:
    found = find_dates("Between 24 and 27 September 2022, families were forced to leave.")
    assert (found[0].first, found[0].last, found[0].precision) == (date(2022, 9, 24), date(2022, 9, 27), "day")


@pytest.mark.parametrize(("text", "expected"), [
    ("۲۴ اسد ۱۴۰۰", "2021-08-15"),  # Dari month, Persian digits (analysis.md §4)
    ("٢٤ اسد ١٤٠٠", "2021-08-15"),  # Arabic-Indic digits
    ("24 Asad 1400", "2021-08-15"),  # romanised
    ("1 Hamal 1403", "2024-03-20"),  # Nowruz on 20 March in 1403
    ("30 Hut 1399", "2021-03-20"),  # leap year
    ("۲۴ مرداد ۱۴۰۰", "2021-08-15"),  # Iranian month name
    ("د ۱۴۰۰ کال د زمري په ۲۴مه", "2021-08-15"),  # Pashto month name
    ("1400/05/24", "2021-08-15"),  # dateparser would say Gregorian year 1400
    ("۱۵ اگست ۲۰۲۱", "2021-08-15"),  # Gregorian month in Dari
])
def test_solar_hijri_and_arabic_script(text: str, expected: str) -> None:
    start, end, precision = one(text, None)
    assert start == end == expected and precision == "day"


def test_solar_hijri_month_with_year() -> None:
    assert one("در ماه اسد سال ۱۴۰۱", None) == ("2022-07-23", "2022-08-22", "month")


def test_dari_period_with_year_once() -> None:
    found = find_dates("از ۱۵ اسد تا ۳۰ اسد ۱۴۰۱ در ولسوالی", None)
    assert len(found) == 1 and found[0].kind == "period"
    assert (found[0].first, found[0].last) == (date(2022, 8, 6), date(2022, 8, 21))


def test_pashto_month_with_dari_name_in_brackets() -> None:
    found = find_dates("جلال‌آباد، د ۱۴۰۲ لمریز کال د چنګاښ (سرطان) ۵مه", None)
    assert found[0].first == date(2023, 6, 26)


def test_pashto_relative_and_dari_weekday() -> None:
    assert one("پرون یې دوه تنه ونیول") == ("2023-06-07",) * 2 + ("day",)
    assert one("روز یکشنبه") == ("2023-06-04",) * 2 + ("day",)


def test_short_month_words_are_not_dates_without_a_year() -> None:
    # "دی" is also "is" in Pashto; "۵ دی" alone is not 5 Jadi.
    assert find_dates("شمېر یې ۵ دی", None) == []
    assert find_dates("۵ دی ۱۴۰۱", None)[0].first == date(2022, 12, 26)


def test_may_the_verb_is_not_a_month() -> None:
    assert find_dates("the authorities may 12 times refuse", PUB) == []
