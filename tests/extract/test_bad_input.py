"""Bad input gives a clean empty result or a clear error: never a crash or a hang."""

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gawah.extract import extract_facts
from gawah.extract.language import detect_language
from gawah.extract.metadata import guess_published, guess_title
from gawah.extract.normalize import normalize_text, normalize_with_map
from gawah.extract.pipeline import MAX_CHARS, DocumentTooLarge

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# Text drawn from the alphabets of the reports plus digits, punctuation and control characters.
ALPHABET = st.characters(codec="utf-8", categories=("L", "N", "P", "Z", "S", "Cc", "Mn", "Cf"))
words = st.sampled_from([
    "killed", "at least", "dozens", "detained", "Taliban", "Panjshir", "on Sunday", "14 March 2022",
    "۲۴ اسد ۱۴۰۰", "کشته شدند", "ووژل", "village of", "district", "said", "denied", "\u200c", "\n\n", ". ",
    "“", "”", "(", ")", "12", "1400/05/24", "Mr.", "between", "and", "کابل", "ولسوالی", "—",
])
mixed = st.lists(st.one_of(words, st.text(ALPHABET, max_size=12)), max_size=80).map(" ".join)


def check_spans(text: str) -> None:
    result = extract_facts(text)
    data = result.model_dump(mode="json")
    assert set(data) == {"document", "incidents", "persons", "claims"}
    for inc in result.incidents:
        for s in inc.spans:
            assert 0 <= s.start <= s.end <= len(text)
            assert text[s.start:s.end] == s.quote
    for p in result.persons:
        for s in p.spans:
            assert text[s.start:s.end] == s.quote
    for c in result.claims:
        for s in c.spans:
            assert text[s.start:s.end] == s.quote


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixed)
def test_any_text_gives_a_valid_result(text: str) -> None:
    check_spans(text)


@settings(max_examples=150, deadline=None)
@given(st.text(ALPHABET, max_size=400))
def test_random_characters(text: str) -> None:
    check_spans(text)
    assert detect_language(text) in {"en", "fa", "ps", "und"}
    guess_title(text)
    guess_published(text)


@settings(max_examples=200, deadline=None)
@given(st.text(ALPHABET, max_size=200))
def test_normalisation_map_is_consistent(text: str) -> None:
    norm = normalize_with_map(text)
    assert norm.text == normalize_text(text)
    assert len(norm.offsets) == len(norm.text)
    assert list(norm.offsets) == sorted(norm.offsets)
    if norm.text:
        s, e = norm.to_original(0, len(norm.text))
        assert 0 <= s <= e <= len(text)


def test_empty_and_blank() -> None:
    for text in ("", "   \n\n\t  "):
        result = extract_facts(text)
        assert (result.incidents, result.persons, result.claims) == ([], [], [])
        assert result.document.language == "und"


def test_binary_looking_text() -> None:
    text = bytes(range(256)).decode("latin-1") * 20
    check_spans(text)


def test_mis_decoded_text_with_lone_surrogates() -> None:
    raw = (FIXTURES / "broken" / "latin1.txt").read_bytes() if (FIXTURES / "broken").exists() else b"\xe9t\xe9"
    text = raw.decode("utf-8", errors="surrogateescape") + " Three men were killed in Herat."
    result = extract_facts(text)
    assert any(inc.violation == "killing" for inc in result.incidents)
    result.model_dump_json()  # serialisable despite the bad bytes


def test_too_large_is_a_clear_error_and_quick() -> None:
    start = time.perf_counter()
    with pytest.raises(DocumentTooLarge, match="characters"):
        extract_facts("x" * (MAX_CHARS + 1))
    assert time.perf_counter() - start < 2


def test_not_text_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        extract_facts(b"bytes")  # type: ignore[arg-type]


@pytest.mark.slow
def test_large_document_finishes() -> None:
    paragraph = ("On 5 September 2021 at least 20 civilians were killed in Panjshir, and dozens were "
                 "detained by Taliban fighters, according to residents.\n\n")
    text = paragraph * (1_000_000 // len(paragraph))
    start = time.perf_counter()
    result = extract_facts(text)
    assert result.incidents
    assert time.perf_counter() - start < 60


def test_pathological_repetition_does_not_hang() -> None:
    for text in ("a " * 50_000, "." * 100_000, "۱" * 50_000, "(" * 20_000 + ")" * 20_000,
                 "Abdul " * 20_000, "village of " * 10_000, "\n" * 100_000):
        start = time.perf_counter()
        extract_facts(text)
        assert time.perf_counter() - start < 10, text[:20]
