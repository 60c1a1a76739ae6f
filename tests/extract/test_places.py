"""Places from the gazetteer: spelling variants in both scripts, districts and villages resolved
to their province, and the traps (Khost the district, surnames made from place names)."""

import pytest

from gawah.extract.places import find_places


def places(text: str) -> list[tuple[str, str, str]]:
    """(words, kind, province pcode) of each place found."""
    return [(p.text, p.entry.kind, p.entry.province) for p in find_places(text)]


@pytest.mark.parametrize(("text", "pcode"), [
    ("in Panjshir province", "AF08"), ("in Panjsher", "AF08"), ("in Helmand", "AF30"), ("in Hilmand", "AF30"),
    ("in Herat", "AF32"), ("in Paktia", "AF13"), ("in Maidan Wardak", "AF04"), ("in Wardak", "AF04"),
    ("in Sar-e Pol", "AF22"), ("in Nangrahar province", "AF06"),
    ("در ولایت پنجشیر", "AF08"), ("د ننګرهار ولایت", "AF06"), ("در ولايت هرات", "AF32"),
])
def test_province_variants(text: str, pcode: str) -> None:
    assert [p[2] for p in places(text)] == [pcode]


def test_districts_resolve_to_their_province() -> None:
    assert places("in the Warsaj district of Takhar") == [("Warsaj", "district", "AF18"),
                                                          ("Takhar", "province", "AF18")]
    assert ("Jaghori", "district", "AF11") in places("in Jaghori district of Ghazni province")


def test_khost_the_district_of_baghlan() -> None:
    found = places("the Andarab and Khost districts of Baghlan province")
    assert ("Khost", "district", "AF09") in found
    assert all(p[2] != "AF14" for p in found)  # not Khost province


def test_dari_and_pashto_districts() -> None:
    assert ("مالستان", "district", "AF11") in places("در ولسوالی مالستان ولایت غزنی")
    # Pashto oblique case with ګ and ڼ, unlike the gazetteer's Dari spelling خوگیانی.
    assert ("خوګیاڼو", "district", "AF06") in places("د ننګرهار ولایت په خوګیاڼو ولسوالۍ کې")


def test_villages_only_where_the_text_says_village() -> None:
    found = find_places("In the village of Piyavasht in the Rukha district, the fighters stayed.")
    village = next(p for p in found if p.entry.kind == "village")
    assert village.text == "Piyavasht"
    assert ("Rukha", "district", "AF08") in [(p.text, p.entry.kind, p.entry.province) for p in found]
    dari = find_places("افراد مسلح قریهٔ سنگ‌سفید را محاصره کردند")
    assert [p.text for p in dari] == ["سنگ‌سفید"]


def test_person_names_and_words_are_not_places() -> None:
    assert places("Azimullah Warsaji, a diplomat, said in August that") == []
    assert places("Dr. Chihab El Khachab wrote") == []


def test_offsets_point_at_the_words() -> None:
    text = "Families fled from Kunduz\u200c and from ولایت بغلان last week."
    for p in find_places(text):
        assert text[p.start:p.end] == p.text
