from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gawah.ingest.readers import ReadError, read_path
from tests.pdfgen import write_pdf


def test_plain_text_with_title_language_and_date(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text(
        "Night raids in an invented valley\n\nMarch 4, 2024 - Residents said that at least 12 men were "
        "detained by Taliban forces during night raids and taken to an unknown place.\n",
        encoding="utf-8",
    )
    doc = read_path(path)
    assert doc.title == "Night raids in an invented valley"
    assert doc.language == "en"
    assert doc.published == dt.date(2024, 3, 4)
    assert doc.media_type == "text/plain"
    assert doc.text.startswith("Night raids")


def test_markdown_title_from_heading(tmp_path: Path) -> None:
    path = tmp_path / "statement.md"
    path.write_text("Intro line\n\n# Statement on evictions\n\nFamilies were forced to leave.\n")
    assert read_path(path).title == "Statement on evictions"


def test_html_keeps_the_article_only(fixtures_dir: Path) -> None:
    doc = read_path(fixtures_dir / "reports" / "nili_factcheck_page.html")
    assert doc.reader == "html/trafilatura"
    assert "tracking code that must not appear" not in doc.text
    assert len(doc.text) > 200


def test_pdf_text_and_metadata(tmp_path: Path) -> None:
    path = write_pdf(
        tmp_path / "r.pdf",
        ["Detentions in an invented district", "Twenty men were detained after the raid."],
        title="Invented PDF report",
        created="20230115093000",
    )
    doc = read_path(path)
    assert doc.title == "Invented PDF report"
    assert "Twenty men were detained" in doc.text
    assert doc.published == dt.date(2023, 1, 15)
    assert doc.reader == "pdf/pypdf"


def test_dari_text_is_detected(fixtures_dir: Path) -> None:
    doc = read_path(fixtures_dir / "reports" / "chemtal_report_fa.txt")
    assert doc.language == "fa"


def test_latin1_text_is_decoded_with_a_warning(fixtures_dir: Path) -> None:
    doc = read_path(fixtures_dir / "broken" / "latin1.txt")
    assert "é" in doc.text
    assert doc.warnings and "not UTF-8" in doc.warnings[0]


@pytest.mark.parametrize(
    ("name", "reason"),
    [("empty.txt", "empty file"), ("not_really.pdf", "not a readable PDF")],
)
def test_broken_files_raise_a_reason(fixtures_dir: Path, name: str, reason: str) -> None:
    with pytest.raises(ReadError, match=reason):
        read_path(fixtures_dir / "broken" / name)


def test_binary_and_unsupported_files_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "x.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(ReadError, match="binary"):
        read_path(binary)
    odd = tmp_path / "x.xyz"
    odd.write_text("hello")
    with pytest.raises(ReadError, match="unsupported file type"):
        read_path(odd)
