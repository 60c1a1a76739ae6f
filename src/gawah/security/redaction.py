"""Redacted copies of evidence for publication or sharing: text spans and image regions removed.

A redacted copy is a new evidence item derived from the original (`derived_from_id`, derivation
"redaction: ..."), stored and recorded in the ledger like any other; the original is never
touched and stays verifiable. The copy records which spans or regions were removed, by position
only, never their content.

Removed text becomes a fixed marker whatever its length, so the length of a name does not give it
away. Images are re-encoded as PNG from their pixels only: EXIF (camera, GPS position, time)
and other metadata of the original are not carried over.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from gawah.ledger.journal import record_evidence
from gawah.store.models import EvidenceItem
from gawah.vault.blobstore import BlobStore

MARKER = "[REDACTED]"


class RedactionError(Exception):
    """A redaction that cannot be made as asked (the message says why)."""


@dataclass(frozen=True)
class TextSpan:
    start: int
    end: int

    @classmethod
    def parse(cls, text: str) -> TextSpan:
        try:
            start, end = (int(part) for part in text.split(":"))
        except ValueError:
            raise RedactionError(f"a span is START:END in characters, not {text!r}") from None
        return cls(start, end)


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    width: int
    height: int

    @classmethod
    def parse(cls, text: str) -> Box:
        try:
            x, y, width, height = (int(part) for part in text.split(","))
        except ValueError:
            raise RedactionError(f"a box is x,y,width,height in pixels, not {text!r}") from None
        return cls(x, y, width, height)


def redact_text(text: str, spans: Sequence[TextSpan]) -> str:
    """`text` with every span replaced by MARKER; overlapping spans are merged."""
    if not spans:
        raise RedactionError("name at least one span to remove")
    for span in spans:
        if not 0 <= span.start < span.end <= len(text):
            raise RedactionError(f"span {span.start}:{span.end} is outside the text (0:{len(text)})")
    merged: list[list[int]] = []
    for span in sorted(spans, key=lambda s: s.start):
        if merged and span.start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], span.end)
        else:
            merged.append([span.start, span.end])
    pieces, position = [], 0
    for start, end in merged:
        pieces += [text[position:start], MARKER]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def redact_image(data: bytes, boxes: Sequence[Box]) -> bytes:
    """A PNG of the image with each box filled black, without the original's metadata."""
    if not boxes:
        raise RedactionError("name at least one region to remove")
    try:
        with Image.open(io.BytesIO(data)) as source:
            source.load()
            pixels = source.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise RedactionError(f"not an image that can be read: {exc}") from None
    for box in boxes:
        if box.width <= 0 or box.height <= 0 or box.x < 0 or box.y < 0:
            raise RedactionError(f"box {box} has no area or starts outside the image")
        if box.x >= pixels.width or box.y >= pixels.height:
            raise RedactionError(f"box {box} is outside the {pixels.width}×{pixels.height} image")
    # A fresh image holds pixels only: nothing of the original's EXIF, ICC or text chunks.
    clean = Image.new("RGB", pixels.size)
    clean.paste(pixels)
    draw = ImageDraw.Draw(clean)
    for box in boxes:
        draw.rectangle((box.x, box.y, box.x + box.width - 1, box.y + box.height - 1), fill=(0, 0, 0))
    out = io.BytesIO()
    clean.save(out, format="PNG")
    return out.getvalue()


def _describe(spans: Sequence[TextSpan], boxes: Sequence[Box]) -> str:
    if spans:
        return "redaction: spans " + ",".join(f"{s.start}:{s.end}" for s in spans)
    return "redaction: boxes " + ";".join(f"{b.x},{b.y},{b.width},{b.height}" for b in boxes)


def make_redacted_copy(
    session: Session,
    blobs: BlobStore,
    item_id: int,
    *,
    spans: Sequence[TextSpan] = (),
    boxes: Sequence[Box] = (),
    actor: str,
    confidentiality: str = "restricted",
) -> EvidenceItem:
    """Store a redacted copy of evidence item `item_id` as a new derived item (in the caller's
    transaction) and record it in the ledger; the original is left as it is."""
    if bool(spans) == bool(boxes):
        raise RedactionError("redact either text spans or image regions, one kind at a time")
    original = session.get(EvidenceItem, item_id)
    if original is None:
        raise RedactionError(f"no evidence item {item_id}")
    with blobs.open(original.sha256) as fh:
        data = fh.read()
    stem = PurePath(original.original_filename or original.sha256).stem
    if spans:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise RedactionError(
                f"evidence item {item_id} is not UTF-8 text: redact its text document"
            ) from None
        redacted, name, media_type = (
            redact_text(text, spans).encode("utf-8"),
            f"{stem}.redacted.txt",
            "text/plain",
        )
    else:
        redacted, name, media_type = redact_image(data, boxes), f"{stem}.redacted.png", "image/png"
    with tempfile.TemporaryDirectory(prefix="gawah-redact-") as tmp:
        copy = Path(tmp) / name
        copy.write_bytes(redacted)
        blob = blobs.put_file(copy)
    derivation = _describe(spans, boxes)
    item = EvidenceItem(
        sha256=blob.sha256,
        size_bytes=blob.size,
        media_type=media_type,
        original_filename=name,
        storage_key=blob.key,
        derived_from_id=original.id,
        derivation=derivation[:80],
        acquired_by=actor,
        acquisition_method="derived",
        acquisition_tool="gawah redact",
        confidentiality=confidentiality,
        tool_metadata={
            "derived_from": original.sha256,
            "redaction": {
                "spans": [[s.start, s.end] for s in spans],
                "boxes": [[b.x, b.y, b.width, b.height] for b in boxes],
            },
        },
    )
    session.add(item)
    session.flush()
    record_evidence(session, item)
    return item
