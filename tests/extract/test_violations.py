"""Violations in the TAXONOMY vocabulary: reports count; demands, hypotheticals, negations and
denials do not. Sentences in Dari and Pashto were written by the Gawah team (invented events)."""

from datetime import date

import pytest

from gawah.extract import extract_facts


def violations(text: str) -> set[str]:
    return {i.violation for i in extract_facts(text, published=date(2023, 6, 8)).incidents}


@pytest.mark.parametrize(("text", "expected"), [
    ("Taliban fighters summarily executed four former police officers in the village.", {"killing"}),
    ("The men were tortured and beaten with cables during questioning.", {"torture"}),
    ("Dozens of young men were arrested and taken to an unknown destination.",
     {"arbitrary_detention", "enforced_disappearance"}),
    ("The fighters set fire to homes and looted the shops of the village.", {"property_destruction", "pillage"}),
    ("Residents were forcibly expelled and told to leave within three days.", {"forced_displacement"}),
    ("The authorities cut off the electricity and telecommunications of the valley.", {"denial_of_essentials"}),
    ("The fighters used the girls' school as a military base for a month.", {"attack_on_education"}),
    ("Families were not allowed to bury the bodies of their relatives.", {"denial_of_burial"}),
    ("Drone strikes hit the market and killed six civilians.", {"indiscriminate_attack", "killing"}),
    ("A curfew was imposed and residents were not allowed to leave their homes.", {"movement_restriction"}),
    ("Relatives of fighters were held as leverage for weeks.", {"hostage_taking"}),
    ("Officials threatened journalists and raided their homes at night.", {"threats_intimidation"}),
    ("Girls were forced into marriage with commanders, a forced marriage in all but name.",
     {"sexual_violence"}),
    ("Hazaras were targeted because of their ethnicity and persecuted for years.", {"persecution"}),
])
def test_reported_violations(text: str, expected: set[str]) -> None:
    assert expected <= violations(text)


@pytest.mark.parametrize("text", [
    # demands
    "We urge the United Nations to prevent further killings and arbitrary arrests in the province.",
    "The authorities must release everyone who was detained without charge.",
    "Launch an immediate investigation into the killing of civilians in the valley.",
    "We call on the de facto authorities to stop the evictions and the torture of detainees.",
    # hypotheticals and threats of what might happen
    "If the road stays closed, the children would die of hunger and cold.",
    "The staff of the former administration will not be harassed, he promised.",
    "They feared that the fighters might execute the prisoners.",
    # denials and negations
    "The spokesman denied that any civilians had been killed in the operation.",
    "No one was arrested during the protest, according to the police.",
    # names of institutions
    "The Special Rapporteur on extrajudicial executions visited the capital.",
])
def test_not_reports(text: str) -> None:
    assert violations(text) == set()


def test_persecution_needs_a_ground() -> None:
    assert "persecution" not in violations("The group persecuted former police officers for months.")
    assert "persecution" in violations("The group persecuted Hazara villagers because of their ethnicity.")


def test_seizing_a_city_is_not_seizing_property() -> None:
    assert violations("After seizing Kabul on August 15, the group declared an emirate.") == set()


@pytest.mark.parametrize(("text", "expected"), [
    ("افراد مسلح طالبان دیروز سه معلم را در ولسوالی جاغوری بازداشت کردند.", {"arbitrary_detention"}),
    ("دو جوان در مسیر راه کشته شدند و اجساد آنان در دره پیدا شد.", {"killing"}),
    ("بازداشت‌شدگان در جریان بازجویی شکنجه و لت‌وکوب شدند.", {"torture"}),
    ("سرنوشت این دو برادر تا امروز نامعلوم است.", {"enforced_disappearance"}),
    ("خانه‌های باشندگان به آتش کشیده شد و اموالشان غارت شد.", {"property_destruction", "pillage"}),
    ("صدها خانواده مجبور به ترک خانه‌هایشان شدند.", {"forced_displacement"}),
])
def test_dari_reports(text: str, expected: set[str]) -> None:
    assert expected <= violations(text)


@pytest.mark.parametrize("text", [
    "ما از مقامات می‌خواهیم که به بازداشت‌های خودسرانه پایان دهند.",  # demand
    "سخنگوی طالبان کشته شدن غیرنظامیان را رد کرد.",  # denial
    "هیچ کسی در این عملیات کشته نشد.",  # negation
    "اگر راه باز نشود، کودکان از گرسنگی جان خواهند باخت.",  # hypothetical
])
def test_dari_not_reports(text: str) -> None:
    assert violations(text) == set()


@pytest.mark.parametrize(("text", "expected"), [
    ("وسله‌والو طالبانو پرون د کلي دوه ځوانان ووژل.", {"killing"}),
    ("پخواني سرتېري یې ونیول او نامعلوم ځای ته یې یوړل.", {"arbitrary_detention", "enforced_disappearance"}),
    ("د کلي کورونه یې وسوځول او ډېرې کورنۍ بې ځایه شوې.", {"property_destruction", "forced_displacement"}),
    ("شپږو کورنیو ته شبنامې ورکړل شوې او ګواښل شوې دي.", {"threats_intimidation"}),
])
def test_pashto_reports(text: str, expected: set[str]) -> None:
    assert expected <= violations(text)


@pytest.mark.parametrize("text", [
    "موږ له ملګرو ملتونو غواړو چې د وژنو مخه ونیسي.",  # demand
    "ویاند وویل چې هیڅوک نه دي نیول شوي او دا خبرونه رد کړل.",  # denial
])
def test_pashto_not_reports(text: str) -> None:
    assert violations(text) == set()


def test_arabic_letter_variants_match_the_vocabulary() -> None:
    # Arabic yeh and kaf, a ZWNJ and diacritics must not hide the word.
    assert "arbitrary_detention" in violations("سه تن را بازداشت كردند و به زندان بردند.")
    assert "torture" in violations("زندانیان شِکَنجه شدند.")


def test_questions_and_negated_subjects_report_nothing() -> None:
    assert violations("Did the clinic close because of a fuel blockade?") == set()
    assert violations("No one in the district has been arrested for their past.") == set()
    assert "arbitrary_detention" in violations("Relatives said 19 men in the district have been arrested.")


def test_closed_roads_and_networks() -> None:
    assert "movement_restriction" in violations(
        "The road from Khadir district to Nili, Daykundi province, was closed at a checkpoint.")
    assert "denial_of_essentials" in violations(
        "Residents said the mobile network in the upper valley was switched off for eight days.")


def test_dari_report_details() -> None:
    text = ("بر اساس این گزارش، بیشتر بازداشت‌شدگان به اتهام همکاری با جبهه مقاومت ملی بازداشت شده و در "
            "زندان‌های استخبارات طالبان شکنجه شده‌اند. دست‌کم سه تن از آنان زیر شکنجه جان باخته‌اند.")
    result = extract_facts(text)
    # The group the detainees were accused of joining is not the perpetrator; a prison is not a woman.
    assert {i.perpetrator for i in result.incidents} == {"taliban"}
    assert all("women" not in i.victim_groups for i in result.incidents)
    counted = {(i.violation, i.count.value) for i in result.incidents if i.count}
    assert {("torture", 3), ("killing", 3)} <= counted


def test_broad_words_stay_specific() -> None:
    assert "threats_intimidation" not in violations("Air raids hit the district and killed four civilians.")
    assert "threats_intimidation" in violations("Fighters carried out night raids on the homes of former soldiers.")
    assert violations("The drought left thousands of internally displaced people without food aid.") == set()
