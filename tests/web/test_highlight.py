"""Cutting a text into paragraphs and marked segments."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gawah.web.highlight import Mark, paragraph_ranges, segment


def texts(paragraphs: list[object]) -> list[str]:
    return ["".join(s.text for s in p.segments) for p in paragraphs]  # type: ignore[attr-defined]


def test_paragraphs_are_separated_by_blank_lines() -> None:
    text = "First line\nsecond line\n\n  \nSecond paragraph\n\nThird"
    assert [text[a:b] for a, b in paragraph_ranges(text)] == [
        "First line\nsecond line",
        "Second paragraph",
        "Third",
    ]
    assert paragraph_ranges("") == []
    assert paragraph_ranges("\n\n") == []


def test_overlapping_marks_and_a_mark_across_paragraphs() -> None:
    text = "alpha beta gamma\n\ndelta epsilon"
    marks = [
        Mark(1, 6, 16, "act-1"),  # "beta gamma"
        Mark(2, 11, 23, "person-2"),  # "gamma" … "delta" (crosses the break)
        Mark(3, 6, 10, "claim-3"),  # "beta", starts with mark 1
    ]
    first, second = segment(text, marks)
    assert [(s.text, s.anchors, s.opens) for s in first.segments] == [
        ("alpha ", (), ()),
        ("beta", ("act-1", "claim-3"), (1, 3)),
        (" ", ("act-1",), ()),
        ("gamma", ("act-1", "person-2"), (2,)),
    ]
    # The span that crossed the break goes on in the next paragraph without opening again.
    assert [(s.text, s.anchors, s.opens) for s in second.segments] == [
        ("delta", ("person-2",), ()),
        (" epsilon", (), ()),
    ]


def test_marks_that_do_not_fit_the_text_mark_nothing() -> None:
    text = "short text"
    (paragraph,) = segment(text, [Mark(1, 5, 50, "act-1"), Mark(2, -1, 3, "act-2"), Mark(3, 4, 4, "act-3")])
    assert [(s.text, s.anchors) for s in paragraph.segments] == [("short text", ())]


def test_right_to_left_text_is_cut_by_character_offsets() -> None:
    text = "بازداشت جوانان در مکتب\n\nولسوالی مالستان"
    start = text.index("مکتب")
    (first, second) = segment(text, [Mark(7, start, start + 4, "act-1")])
    assert [(s.text, s.anchors) for s in first.segments] == [("بازداشت جوانان در ", ()), ("مکتب", ("act-1",))]
    assert texts([second]) == ["ولسوالی مالستان"]


@st.composite
def text_and_marks(draw: st.DrawFn) -> tuple[str, list[Mark]]:
    text = draw(st.text(alphabet=st.sampled_from("ab د\n "), max_size=60))
    n = len(text)
    marks = []
    for i in range(draw(st.integers(0, 5))):
        start = draw(st.integers(-2, n + 2))
        end = draw(st.integers(start, n + 3))
        marks.append(Mark(i, start, end, f"act-{i}"))
    return text, marks


@given(text_and_marks())
def test_segments_rebuild_each_paragraph_and_know_their_marks(case: tuple[str, list[Mark]]) -> None:
    text, marks = case
    usable = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    opened: list[int] = []
    for paragraph in segment(text, marks):
        assert "".join(s.text for s in paragraph.segments) == text[paragraph.start : paragraph.end]
        for s in paragraph.segments:
            assert s.text == text[s.start : s.end] and s.start < s.end
            covering = {m.anchor for m in usable if m.start < s.end and m.end > s.start}
            assert set(s.anchors) == covering
            opened.extend(s.opens)
    # Every usable mark that touches a paragraph opens exactly once, where it starts.
    assert sorted(opened) == sorted(
        m.span_id for m in usable if any(a <= m.start < b for a, b in paragraph_ranges(text))
    )
