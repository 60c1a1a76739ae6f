"""The interface's catalogues: complete in Dari and Pashto, in step with the templates and code."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from gawah.store.vocab import (
    PERPETRATORS,
    VICTIM_GROUPS,
    VIOLATIONS,
    ClaimStance,
    Confidentiality,
    CountQualifier,
    ReviewStatus,
)
from gawah.web import formatting
from gawah.web.i18n import LOCALES, catalogue_path, choose_locale, parse_accept_language, translations
from gawah.web.labels import LABELS

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "src" / "gawah" / "web"
TEMPLATES = WEB / "templates"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def extracted_messages() -> set[str | tuple[str, str]]:
    """What `pybabel extract -F babel.cfg src/gawah/web` would find."""
    with (REPO / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, str(REPO / "babel.cfg"))
    found: set[str | tuple[str, str]] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(WEB), method_map, options_map
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def catalogue(code: str) -> dict[str | tuple[str, str], str | tuple[str, ...]]:
    with catalogue_path(code).open("rb") as fh:
        cat = read_po(fh, locale=LOCALES[code].babel)
    assert not any(m.fuzzy for m in cat if m.id), f"{code}: fuzzy entries are not used at run time"
    errors = [(m.id, e) for m, e in cat.check()]
    assert not errors, f"{code}: {errors}"
    return {
        (m.id if isinstance(m.id, str) else (m.id[0], m.id[1])): (
            m.string if isinstance(m.string, str) else tuple(m.string or ())
        )
        for m in cat
        if m.id
    }


@pytest.mark.parametrize("code", sorted(LOCALES))
def test_catalogue_matches_the_messages_in_templates_and_code(code: str) -> None:
    extracted = extracted_messages()
    assert len(extracted) > 100
    in_catalogue = set(catalogue(code))
    assert not extracted - in_catalogue, (
        f"{code}: untranslated (run pybabel update): {extracted - in_catalogue}"
    )
    assert not in_catalogue - extracted, f"{code}: obsolete entries: {in_catalogue - extracted}"


@pytest.mark.parametrize("code", ["en", "fa", "ps"])
def test_every_message_is_translated_with_its_placeholders(code: str) -> None:
    for msgid, msgstr in catalogue(code).items():
        forms = msgstr if isinstance(msgstr, tuple) else (msgstr,)
        assert forms and all(f.strip() for f in forms), f"{code}: no translation for {msgid!r}"
        source = msgid if isinstance(msgid, str) else msgid[1]
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) == set(PLACEHOLDER.findall(source)), (code, msgid, form)
            assert form.count("<code>") == source.count("<code>"), (code, msgid)


@pytest.mark.parametrize("code", ["fa", "ps"])
def test_dari_and_pashto_are_written_in_arabic_script(code: str) -> None:
    untouched = {"API", "JSON", "SHA-256", "UTC", "OpenAPI", "gawah ingest PATH"}
    for msgid, msgstr in catalogue(code).items():
        forms = msgstr if isinstance(msgstr, tuple) else (msgstr,)
        for form in forms:
            latin = re.sub(r"%\(\w+\)s|<[^>]+>", "", form)
            for word in sorted(untouched, key=len, reverse=True):
                latin = latin.replace(word, "")
            assert not re.search(r"[A-Za-z]", latin), f"{code}: {msgid!r} → {form!r} still has English"
            if re.search(r"[A-Za-z]{2}", msgid if isinstance(msgid, str) else msgid[0]):
                assert re.search(r"[\u0600-\u06ff]", form), f"{code}: {msgid!r} → {form!r}"


class VisibleText(HTMLParser):
    """Collects text and user-visible attributes a template writes literally."""

    ATTRIBUTES = frozenset({"title", "alt", "aria-label", "placeholder", "value"})

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_data(self, data: str) -> None:
        if re.search(r"[^\W\d_]", data):
            self.found.append(data.strip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in self.ATTRIBUTES and value and re.search(r"[^\W\d_]", value):
                self.found.append(f"{tag}[{name}]={value}")


def literal_text(template: str) -> list[str]:
    """Words in a template outside Jinja expressions, statements, comments and trans blocks."""
    source = re.sub(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", "", template, flags=re.S)
    source = re.sub(r"{#.*?#}|{{.*?}}|{%.*?%}", "", source, flags=re.S)
    parser = VisibleText()
    parser.feed(source)
    return parser.found


def test_literal_text_finder_finds_untranslated_words() -> None:
    assert literal_text('<p>Hello {{ _("Hi") }}</p><a title="Go">{% trans %}Yes{% endtrans %}</a>') == [
        "Hello",
        "a[title]=Go",
    ]


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*.html")), ids=lambda p: p.name)
def test_templates_have_no_untranslated_visible_text(path: Path) -> None:
    assert literal_text(path.read_text(encoding="utf-8")) == []


def test_every_vocabulary_code_has_a_label() -> None:
    expected = {
        "violation": set(VIOLATIONS),
        "perpetrator": set(PERPETRATORS),
        "victim_group": set(VICTIM_GROUPS),
        "count_qualifier": {c.value for c in CountQualifier},
        "review_status": {s.value for s in ReviewStatus},
        "confidentiality": {c.value for c in Confidentiality},
        "stance": {s.value for s in ClaimStance},
    }
    for kind, codes in expected.items():
        assert set(LABELS[kind]) == codes, kind


def test_catalogues_load_from_po_files() -> None:
    assert translations("fa").gettext("Documents") == "اسناد"
    assert translations("ps").gettext("Documents") == "سندونه"
    assert translations("en").gettext("Documents") == "Documents"
    assert translations("ps").ngettext("%(n)s document", "%(n)s documents", 2) == "%(n)s سندونه"
    assert not list((WEB / "locale").rglob("*.mo")), "compiled catalogues are built at run time, not kept"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, []),
        ("", []),
        ("fa-AF,fa;q=0.9,en;q=0.8", ["fa-AF", "fa", "en"]),
        ("en;q=0.2, ps;q=0.8, de", ["de", "ps", "en"]),
        ("ps;q=0, en", ["en"]),
        ("en;q=abc, fa", ["fa"]),
    ],
)
def test_parse_accept_language(header: str | None, expected: list[str]) -> None:
    assert parse_accept_language(header) == expected


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "default", "expected"),
    [
        ("ps", "fa", "en", "en", "ps"),
        (None, "fa", "ps", "en", "fa"),
        ("xx", "fa", None, "en", "fa"),
        (None, None, "prs-AF, en", "en", "fa"),
        (None, None, "de, fr", "ps", "ps"),
        (None, "zz", "de", "nonsense", "en"),
        ("FA_af", None, None, "en", "fa"),
    ],
)
def test_choose_locale(
    query: str | None, cookie: str | None, accept: str | None, default: str, expected: str
) -> None:
    assert choose_locale(query, cookie, accept, default) == expected


def test_numbers_and_dates_per_language() -> None:
    assert formatting.number(1234567, "en") == "1,234,567"
    assert formatting.number(1234567, "fa") == "۱٬۲۳۴٬۵۶۷"
    assert formatting.number(2569, "ps") == "۲٬۵۶۹"
    assert formatting.date(dt.date(2022, 12, 2), "en") == "December 2, 2022"
    assert formatting.date(None, "fa") == ""
    assert "۲۰۲۲" in formatting.date(dt.date(2022, 12, 2), "fa")
    # 28 Hut 1400 is 19 March 2022 (shared/research/analysis.md: Solar Hijri calendar).
    assert formatting.solar_hijri(dt.date(2022, 3, 19), "en") == "28 Hut 1400"
    assert formatting.solar_hijri(dt.date(2022, 3, 19), "fa") == "۲۸ حوت ۱۴۰۰"
    assert formatting.solar_hijri(dt.date(2023, 5, 1), "ps") == "۱۱ غویی ۱۴۰۲"
    naive = dt.datetime(2024, 1, 2, 3, 4, 5)
    assert formatting.datetime(naive, "en") == formatting.datetime(naive.replace(tzinfo=dt.UTC), "en")
    assert "03:04:05" in formatting.datetime(naive, "en") or "3:04:05" in formatting.datetime(naive, "en")
