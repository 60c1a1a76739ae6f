from gawah.extract.normalize import normalize_digits, normalize_text, normalize_with_map


def test_arabic_and_persian_letter_variants_fold_together() -> None:
    arabic = "كابل علي"  # Arabic kaf and yeh
    persian = "کابل علی"
    assert normalize_text(arabic) == normalize_text(persian)


def test_zwnj_tatweel_and_diacritics_are_dropped() -> None:
    assert normalize_text("می\u200cشود") == "میشود"
    assert normalize_text("کـــابل") == "کابل"
    assert normalize_text("رُخه") == "رخه"


def test_digits_become_ascii() -> None:
    assert normalize_digits("۲۱۸ و ٤٢٤") == "218 و 424"
    assert normalize_text("۱۴۰۰/۰۵/۲۴") == "1400/05/24"


def test_pashto_letters_survive_but_fold_for_keys() -> None:
    assert "ګ" in normalize_text("ګل")
    assert normalize_text("ګل", for_key=True) == normalize_text("گل", for_key=True)


def test_map_back_to_original_offsets() -> None:
    original = "در رُخه\u200cی پنجشیر"
    norm = normalize_with_map(original)
    start = norm.text.index("پنجشیر")
    s, e = norm.to_original(start, start + len("پنجشیر"))
    assert original[s:e] == "پنجشیر"
    s, e = norm.to_original(norm.text.index("رخه"), norm.text.index("رخه") + 3)
    assert original[s:e] == "رُخه"
