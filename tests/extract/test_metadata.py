from datetime import date

from gawah.extract.metadata import guess_published, guess_title


def test_title_skips_navigation() -> None:
    text = "Accessibility links\n\nBreaking News\n\nTaliban Detain Teachers in Ghazni\n\nBody text."
    assert guess_title(text) == "Taliban Detain Teachers in Ghazni"


def test_no_title_when_text_starts_with_a_paragraph() -> None:
    text = ("The mission has documented at least 12 arbitrary arrests of journalists in the "
            "capital during the past month, according to a statement issued by its office.")
    assert guess_title(text) is None


def test_published_from_dateline() -> None:
    assert guess_published("Headline\n\nJune 8, 2023 - In a new report, ...") == date(2023, 6, 8)


def test_published_from_cue_in_dari() -> None:
    assert guess_published("عنوان خبر\nتاریخ نشر: ۲۴ اسد ۱۴۰۲\nمتن خبر") == date(2023, 8, 15)


def test_published_from_line_of_its_own_in_pashto() -> None:
    assert guess_published("سرلیک\n۱۴۰۱/۰۱/۰۱\nمتن") == date(2022, 3, 21)


def test_date_inside_a_caption_is_not_publication() -> None:
    text = ("Headline\n\nMembers of the group sit on a vehicle during a parade in Kabul, "
            "November 14, 2021. (Photo agency)\n\nBody.")
    assert guess_published(text) is None


def test_none_without_date() -> None:
    assert guess_published("no date here at all") is None
