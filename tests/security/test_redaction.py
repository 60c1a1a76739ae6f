"""Redaction: text spans and image regions removed into a new derived item; the original stays
intact and verifiable, and the copy records what it came from and what was removed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import select

from gawah.ingest.pipeline import Ingestor
from gawah.security.redaction import (
    MARKER,
    Box,
    RedactionError,
    TextSpan,
    make_redacted_copy,
    redact_image,
    redact_text,
)
from gawah.store.engine import transaction
from gawah.store.models import EvidenceItem
from gawah.verification import verify_workspace
from gawah.workspace import Workspace

WITNESS = "Invented Witness Parwana Rahimi"


def test_text_spans_become_one_marker_each() -> None:
    text = f"Statement of {WITNESS}, Herat. Contact: 0700 000 111."
    start = text.index(WITNESS)
    phone = text.index("0700")
    redacted = redact_text(text, [TextSpan(start, start + len(WITNESS)), TextSpan(phone, phone + 12)])
    assert redacted == f"Statement of {MARKER}, Herat. Contact: {MARKER}."
    # Overlapping spans merge; the marker does not tell the length of what it hides.
    assert redact_text("abcdef", [TextSpan(1, 3), TextSpan(2, 5)]) == f"a{MARKER}f"
    for bad in ([TextSpan(5, 3)], [TextSpan(0, 99)], []):
        with pytest.raises(RedactionError):
            redact_text("abcdef", bad)
    with pytest.raises(RedactionError):
        TextSpan.parse("12-40")


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=80), st.data())
def test_redacted_spans_never_survive(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    redacted = redact_text(text, [TextSpan(start, end)])
    assert redacted == text[:start] + MARKER + text[end:]


def _photo(tmp_path: Path) -> Path:
    image = Image.new("RGB", (64, 48), (200, 180, 160))
    exif = Image.Exif()
    exif[0x010F] = "InventedCam"  # Make
    path = tmp_path / "face.jpg"
    image.save(path, format="JPEG", exif=exif.tobytes())
    return path


def test_image_regions_are_blacked_out_and_metadata_dropped(tmp_path: Path) -> None:
    data = _photo(tmp_path).read_bytes()
    assert b"InventedCam" in data
    out = redact_image(data, [Box(10, 5, 20, 10)])
    assert b"InventedCam" not in out
    with Image.open(io.BytesIO(out)) as image:
        assert image.format == "PNG" and image.size == (64, 48)
        assert image.getpixel((10, 5)) == image.getpixel((29, 14)) == (0, 0, 0)
        assert image.getpixel((30, 15)) != (0, 0, 0) and image.getpixel((9, 5)) != (0, 0, 0)
        assert not image.info.get("exif")
    for bad in ([Box(0, 0, 0, 5)], [Box(100, 0, 5, 5)], []):
        with pytest.raises(RedactionError):
            redact_image(data, bad)
    with pytest.raises(RedactionError, match="not an image"):
        redact_image(b"not an image", [Box(0, 0, 1, 1)])


def test_redacted_copies_are_derived_items(workspace: Workspace, tmp_path: Path) -> None:
    statement = tmp_path / "statement.txt"
    statement.write_text(f"Statement of {WITNESS}, Herat.\n", encoding="utf-8")
    photo = _photo(tmp_path)
    Ingestor(workspace.sessions, workspace.blobs).ingest([statement, photo])
    with workspace.sessions() as session:
        ids = dict(
            session.execute(
                select(EvidenceItem.original_filename, EvidenceItem.id).where(
                    EvidenceItem.derived_from_id.is_(None)
                )
            ).all()
        )
    start = statement.read_text(encoding="utf-8").index(WITNESS)
    with transaction(workspace.sessions) as session:
        text_copy = make_redacted_copy(
            session,
            workspace.blobs,
            ids["statement.txt"],
            spans=[TextSpan(start, start + len(WITNESS))],
            actor="invented-editor",
        )
        image_copy = make_redacted_copy(
            session, workspace.blobs, ids["face.jpg"], boxes=[Box(0, 0, 8, 8)], actor="invented-editor"
        )
        text_sha, image_sha = text_copy.sha256, image_copy.sha256
        assert text_copy.derived_from_id == ids["statement.txt"]
        assert text_copy.derivation == f"redaction: spans {start}:{start + len(WITNESS)}"
        assert text_copy.tool_metadata["redaction"]["spans"] == [[start, start + len(WITNESS)]]
        assert image_copy.derivation == "redaction: boxes 0,0,8,8" and image_copy.media_type == "image/png"
    with workspace.blobs.open(text_sha) as fh:
        redacted = fh.read().decode("utf-8")
    assert WITNESS not in redacted and MARKER in redacted
    with workspace.blobs.open(image_sha) as fh:
        assert b"InventedCam" not in fh.read()
    # The originals are untouched: verify re-hashes every file, the ledger holds both copies.
    report = verify_workspace(workspace)
    assert report.ok, report.problems
    with workspace.sessions() as session:
        original = session.get(EvidenceItem, ids["statement.txt"])
        assert original is not None and original.derived_from_id is None
        with workspace.blobs.open(original.sha256) as fh:
            assert fh.read() == statement.read_bytes()
    with transaction(workspace.sessions) as session, pytest.raises(RedactionError, match="one kind"):
        make_redacted_copy(session, workspace.blobs, ids["face.jpg"], actor="x")


def test_redact_command(workspace: Workspace, tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from gawah.cli import redact

    statement = tmp_path / "statement.txt"
    statement.write_text(f"Statement of {WITNESS}.\n", encoding="utf-8")
    Ingestor(workspace.sessions, workspace.blobs).ingest([statement])
    with workspace.sessions() as session:
        item_id = session.scalars(select(EvidenceItem.id).where(EvidenceItem.derived_from_id.is_(None))).one()
    app = typer.Typer()
    redact.register(app)
    app.command("noop")(lambda: None)  # a second command keeps `redact` a named subcommand
    root = str(workspace.settings.root)
    runner = CliRunner()
    done = runner.invoke(app, ["redact", str(item_id), "--span", "13:44", "--workspace", root])
    assert done.exit_code == 0 and f"derived from {item_id}: redaction: spans 13:44" in " ".join(
        done.output.split()
    ), done.output
    bad = runner.invoke(app, ["redact", str(item_id), "--span", "13-44", "--workspace", root])
    assert bad.exit_code == 2 and "START:END" in " ".join(bad.output.split()), bad.output
