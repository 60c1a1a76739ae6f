"""Paragraphs cut by hard wrapping or by a page break in the middle of a sentence are joined."""

from __future__ import annotations

from gawah.extract import extract_facts
from gawah.extract.sentences import paragraphs


def test_a_sentence_cut_by_a_blank_line_is_one_paragraph() -> None:
    text = "Field note\nOn 14 March 2022 at least 12 men were detained\nby the Taliban in Khost and taken\n\nto an unknown place."
    spans = paragraphs(text)
    assert [text[s:e] for s, e in spans][-1].endswith("to an unknown place.")
    assert len(spans) == 2
    assert extract_facts(text).incidents


def test_a_new_paragraph_after_a_blank_line_stays_apart() -> None:
    text = "The first paragraph ends without a stop\n\nThe second begins with a capital."
    assert len(paragraphs(text)) == 2
