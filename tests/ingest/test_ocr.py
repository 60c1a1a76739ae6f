"""Scanned PDFs and photographed documents are read by Tesseract into a working copy of their text."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from gawah.ingest import ocr
from gawah.ingest.pipeline import Ingestor
from gawah.registry.candidates import store_candidates_hook
from gawah.store.models import Document, EvidenceItem, Span
from gawah.verification import verify_workspace
from gawah.workspace import Workspace

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
LINES = [
    "Kabul Witness Network - field note (invented)",
    "On 14 March 2022 at least 12 men were detained",
    "by Taliban forces in Khost province and taken",
    "to an unknown place. Their families were not told.",
]

pytestmark = pytest.mark.skipif(
    (ocr.tesseract_version() is None or not FONT.exists()) and not os.environ.get("CI"),
    reason="Tesseract or the DejaVu font is not installed (make test installs them)",
)


def _page(path: Path) -> Path:
    image = Image.new("L", (1700, 700), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 44)
    for row, line in enumerate(LINES):
        draw.text((60, 60 + row * 90), line, fill=0, font=font)
    image.save(path)
    return path


def test_a_photographed_page_becomes_a_derived_text_with_facts(workspace: Workspace, tmp_path: Path) -> None:
    photo = _page(tmp_path / "note.png")
    (outcome,) = Ingestor(workspace.sessions, workspace.blobs, on_document=store_candidates_hook).ingest([photo])
    assert outcome.status == "stored", outcome.message
    with workspace.sessions() as session:
        document = session.get(Document, outcome.document_id)
        assert document is not None
        assert "detained" in document.text and "Khost" in document.text
        assert document.reader.startswith("ocr: tesseract")
        working = document.evidence_item
        original = session.scalars(select(EvidenceItem).where(EvidenceItem.id == working.derived_from_id)).one()
        assert original.sha256 == outcome.sha256 and original.media_type == "image/png"
        assert working.derivation is not None and working.derivation.startswith("ocr: tesseract")
        assert workspace.blobs.path(working.sha256).read_text(encoding="utf-8") == document.text
        spans = session.scalars(select(Span).where(Span.document_id == document.id)).all()
        assert spans and all(document.text[s.start : s.end] == s.quote for s in spans)
    workspace.sign_checkpoint()
    assert verify_workspace(workspace).ok


def test_a_scanned_pdf_without_a_text_layer_is_recognised(workspace: Workspace, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None and not os.environ.get("CI"):
        pytest.skip("pdftoppm not installed")
    scan = tmp_path / "scan.pdf"
    Image.open(_page(tmp_path / "p.png")).convert("RGB").save(scan, resolution=150)
    (outcome,) = Ingestor(workspace.sessions, workspace.blobs).ingest([scan])
    assert outcome.status == "stored", outcome.message
    with workspace.sessions() as session:
        document = session.get(Document, outcome.document_id)
        assert document is not None and "unknown place" in document.text


def test_a_photograph_without_writing_stays_evidence_without_text(workspace: Workspace, tmp_path: Path) -> None:
    photo = tmp_path / "street.png"
    Image.new("RGB", (400, 300), (120, 130, 140)).save(photo)
    (outcome,) = Ingestor(workspace.sessions, workspace.blobs).ingest([photo])
    assert outcome.status == "preserved" and outcome.document_id is None
