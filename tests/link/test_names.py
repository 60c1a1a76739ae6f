"""Afghan names: Latin variants, Arabic script, and the skeleton both scripts share."""

from __future__ import annotations

import pytest

from gawah.link.names import (
    compare_names,
    is_arabic_script,
    latin_form,
    name_tokens,
    native_form,
    skeleton,
    skeleton_tokens,
    split_son_of,
    transliterate,
)


@pytest.mark.parametrize("spelling", ["Mohammad", "Muhammad", "Mohd", "Mohammed", "Md", "MOHAMMAD", "محمد"])
def test_mohammad_spellings_share_one_key(spelling: str) -> None:
    assert skeleton(spelling) == skeleton("Mohammad")


@pytest.mark.parametrize("spelling", ["Mohammad", "Muhammad", "Mohd", "Mohammed", "Md"])
def test_latin_mohammad_spellings_share_one_canonical_token(spelling: str) -> None:
    assert name_tokens(spelling) == ["mohammad"]


@pytest.mark.parametrize("spelling", ["Abdul Rahman", "Abdulrahman", "Abdurrahman", "Abd al-Rahman",
                                      "Abdol Rahman", "Abdur Rahman", "عبدالرحمن", "عبد الرحمن"])
def test_abd_compounds_are_split_the_same_way(spelling: str) -> None:
    assert name_tokens(spelling)[0] == "abdul"
    assert skeleton(spelling) == skeleton("Abdul Rahman")


def test_abdullah_is_one_name_not_abdul_plus_lah() -> None:
    assert name_tokens("Abdullah") == ["abdullah"]
    assert name_tokens("عبدالله") == ["abdullah"]
    assert skeleton("Abdullah") == skeleton("عبدالله")


@pytest.mark.parametrize("spelling", ["Zabiullah", "Zabihullah", "Zabi Ullah", "Zabiulla", "ذبیح‌الله",
                                      "ذبیح الله", "ذبيح الله"])
def test_ullah_names_agree(spelling: str) -> None:
    assert skeleton(spelling) == skeleton("Zabiullah")
    assert name_tokens(spelling)[-1] == "ullah"


def test_uddin_names_agree() -> None:
    assert skeleton("Salahuddin") == skeleton("Salah Uddin") == skeleton("صلاح الدین")


@pytest.mark.parametrize(("a", "b"), [("Hussain", "Hosein"), ("Yousuf", "Yusuf"), ("Gul", "Gol"),
                                      ("Naweed", "Navid"), ("Qasim", "Kasim"), ("Khalid", "Qhalid"),
                                      ("Esmatullah", "Ismatullah"), ("Noor", "Nur")])
def test_vowel_and_consonant_variants_share_a_skeleton(a: str, b: str) -> None:
    assert skeleton(a) == skeleton(b)


@pytest.mark.parametrize(("latin", "native"), [("Ahmad", "احمد"), ("Hamid", "حامد"), ("Omar", "عمر"),
                                               ("Yousuf", "یوسف"), ("Khwaja", "خواجه"), ("Shah Wali", "شاه ولی"),
                                               ("Kandahar", "کندهار"), ("Esmatullah", "عصمت الله")])
def test_latin_and_arabic_script_compare(latin: str, native: str) -> None:
    assert skeleton(latin) == skeleton(native)


def test_different_names_stay_apart() -> None:
    assert skeleton("Ahmad") != skeleton("Hamid")
    assert skeleton("Karim") != skeleton("Rahim")
    assert skeleton("Zaman") != skeleton("Zahir")


def test_arabic_and_persian_letters_fold() -> None:
    # Arabic yeh and kaf against Persian yeh and keheh; tatweel, ZWNJ and harakat dropped.
    assert native_form("علي") == native_form("علی")
    assert native_form("كريم") == native_form("کریم")
    assert native_form("محـــمد") == native_form("محمد")
    assert native_form("مُحَمَّد") == native_form("محمد")
    assert skeleton("ذبیح\u200cالله") == skeleton("ذبیحالله")


def test_titles_are_not_names() -> None:
    assert name_tokens("Haji Mohammad Zaman") == name_tokens("Mohammad Zaman")
    assert name_tokens("ملا محمد زمان") == name_tokens("محمد زمان")


def test_split_and_joined_compounds_share_a_skeleton() -> None:
    assert skeleton("Mohammad Zaman") == skeleton("Mohammadzaman")
    assert name_tokens("Mohammadzaman") == ["mohammad", "zaman"]


def test_latin_form_folds_vowels_but_keeps_the_name_readable() -> None:
    assert latin_form("Hameed") == latin_form("Hamid")
    assert latin_form("Naweed") == latin_form("Navid")
    assert latin_form("محمد") == ""


def test_distinctive_parts_leave_out_common_ones() -> None:
    assert skeleton_tokens("Mohammad Zaman Khan") == [skeleton("Zaman")]
    assert skeleton_tokens("محمد زمان") == [skeleton("Zaman")]


def test_son_of_is_split_in_three_languages() -> None:
    assert split_son_of("Zaman s/o Abdul Ghani").father_name == "Abdul Ghani"
    assert split_son_of("Zaman son of Ghani").name == "Zaman"
    assert split_son_of("زمان ولد غنی").father_name == "غنی"
    assert split_son_of("Zaman").father_name is None


def test_transliteration_and_script_detection() -> None:
    assert is_arabic_script("محمد") and not is_arabic_script("Mohammad")
    assert transliterate("محمد زمان") == "md zmn"
    assert transliterate("") == ""


def test_compare_names_levels() -> None:
    assert compare_names("Mohammad Zaman", "Mohammad Zaman") == "same spelling"
    assert compare_names("Muhammad Zaman", "محمد زمان") == "same sound"
    assert compare_names("Mohammad Zaman", "Mohammad Zamen") in {"same sound", "similar"}
    assert compare_names("Zaman", "Farid") == "different"
    assert compare_names("", "Farid") == "missing"


def test_empty_names() -> None:
    assert skeleton(None) == "" and skeleton("  ") == "" and name_tokens(None) == []
