"""Counts of victims and acts with their bound; counts of other things are not counts."""

import pytest

from gawah.extract.counts import find_counts


def counts(text: str) -> list[tuple[int, str]]:
    return [(c.value, c.qualifier) for c in find_counts(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("documented at least 218 extrajudicial executions", [(218, "at_least")]),
    ("more than 100 former officers were killed", [(100, "more_than")]),
    ("executing 22 special forces commandos", [(22, "exact")]),
    ("killing dozens of civilians", [(24, "vague")]),
    ("Hundreds of young men were arrested", [(200, "vague")]),
    ("some 170 families were evicted", [(170, "approximately")]),
    ("Twenty-two detainees were beaten", [(22, "exact")]),
    ("nearly 1,200 people were displaced", [(1200, "approximately")]),
    ("at least 144 acts of torture and 424 arbitrary arrests", [(144, "at_least"), (424, "exact")]),
])
def test_english_counts(text: str, expected: list[tuple[int, str]]) -> None:
    assert counts(text) == expected


def test_units_acts_and_victims() -> None:
    acts, victims = find_counts("144 acts of torture against 30 men")
    assert (acts.unit, victims.unit) == ("acts", "victims")


@pytest.mark.parametrize("text", [
    "Forty interviews were conducted in person",
    "Human Rights Watch reported the accounts of 67 former members of the security forces",
    "Signatures: 1,533 Next Goal: 2,500",
    "a humanitarian crisis for an estimated population of 170,000",
    "Over the past two days the Taliban",
    "Hundreds of bombs were dropped",
    "Hundreds of Taliban fighters are stationed in the homes",
    "The full report (38 pages) is available",
    "The findings rest on 41 interviews with survivors",
    "For 20 years the mission stayed",
])
def test_not_violation_counts(text: str) -> None:
    assert counts(text) == []


def test_dates_are_masked() -> None:
    text = "On 10 May 2022, 5 civilians were killed"
    masked = [(3, 14)]
    assert [(c.value) for c in find_counts(text, masked=masked)] == [5]


@pytest.mark.parametrize(("text", "expected"), [
    ("دست‌کم ۱۱ جوان را بازداشت کردند", [(11, "at_least")]),
    ("بیش از ۳۰ خانواده تلاشی شد", [(30, "more_than")]),
    ("حدود ۴۰۰ نفر بیجا شدند", [(400, "approximately")]),
    ("ده‌ها تن بازداشت شدند", [(20, "vague")]),
    ("سه معلم کشته شدند", [(3, "exact")]),
    ("لږ تر لږه درې پخواني سرتېري وژل شوي", [(3, "at_least")]),
    ("شاوخوا اته کورنۍ بې ځایه شوې", [(8, "approximately")]),
    ("لسګونه کورنۍ ګواښل شوې دي", [(20, "vague")]),
    ("٢١٨ تن اعدام شدند", [(218, "exact")]),
])
def test_dari_and_pashto_counts(text: str, expected: list[tuple[int, str]]) -> None:
    assert counts(text) == expected


@pytest.mark.parametrize("text", [
    "بر پایهٔ گفت‌وگو با ۱۸ تن از باشندگان",  # people interviewed
    "این دادخواست ۴۱۲ امضا دارد",  # signatures
    "جمعیت ۱۷۰ هزار نفری ولسوالی",  # population
    "پس از ده روز آزاد شدند",  # days
    "له اوو کورنیو سره مرکې کړې دي",  # Pashto: interviews with seven families
])
def test_dari_and_pashto_non_counts(text: str) -> None:
    assert counts(text) == []


def test_number_before_a_participle_and_casualties() -> None:
    found = counts("documented 1,095 civilian casualties (287 killed and 808 wounded)")
    assert found == [(287, "exact"), (808, "exact")]
