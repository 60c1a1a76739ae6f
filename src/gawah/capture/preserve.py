"""Put a capture into the workspace: the WACZ as evidence (with its page as a Document), a
`collected` custody event naming the URL, tool and method, and the screenshot as an item derived
from the WACZ (so the picture is listed, previewed and compared like any image)."""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gawah.capture.page import SCREENSHOT_PATH, CaptureResult
from gawah.capture.record import PageCapture
from gawah.ingest.pipeline import DocumentHook, Ingestor, IngestOutcome, MetadataReader, Provenance
from gawah.ledger.journal import record_custody, record_evidence
from gawah.store.models import CustodyEvent, EvidenceItem
from gawah.vault.blobstore import BlobStore
from gawah.vault.metadata import read_tool_metadata

CAPTURE_METHOD = "web-capture"
SCREENSHOT_DERIVATION = "screenshot in WACZ (capture/screenshot.png)"
TOOL_COLUMN_LIMIT = 200


@dataclass
class PreservedCapture:
    wacz: IngestOutcome
    wacz_item_id: int | None
    screenshot_item_id: int | None
    collected_event_id: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.wacz.as_dict(),
            "evidence_item_id": self.wacz_item_id,
            "screenshot_item_id": self.screenshot_item_id,
            "collected_event_id": self.collected_event_id,
        }


def capture_tool(capture: PageCapture) -> str:
    tools = capture.tools
    text = f"gawah {tools.gawah}; {tools.browser}; Playwright {tools.playwright}; warcio {tools.warcio}"
    return text[:TOOL_COLUMN_LIMIT]


def collection_notes(capture: PageCapture) -> str:
    """What the `collected` event says: the URL as entered and as resolved, status, TLS, problems."""
    lines = [f"URL as entered: {capture.requested_url}", f"URL as resolved: {capture.final_url}"]
    main = capture.main_exchange()
    if main is not None:
        lines.append(f"HTTP status {main.status}; server address {main.server_ip or 'unknown'}")
    details = capture.details()
    lines.append(f"capture from {details['started_at']} to {details['finished_at']} (UTC)")
    lines.append(f"{len(capture.exchanges)} responses recorded; full-page screenshot; rendered HTML")
    if capture.tls is not None:
        tls = capture.tls
        leaf = tls.certificates[0] if tls.certificates else None
        certificate = (
            f"{leaf.subject} issued by {leaf.issuer}, SHA-256 {leaf.sha256_fingerprint}" if leaf else "none"
        )
        verdict = (
            "verified by the system trust store" if tls.verified else f"NOT verified: {tls.verify_error}"
        )
        lines.append(f"TLS {tls.protocol or '?'} {tls.cipher or '?'}; certificate {certificate}; {verdict}")
    lines.extend(f"warning: {w}" for w in capture.warnings)
    return "\n".join(lines)


def _capture_metadata(result: CaptureResult, inner: MetadataReader) -> MetadataReader:
    def read(path: Path, media_type: str) -> dict[str, Any]:
        return {**inner(path, media_type), "web_capture": result.capture.details()}

    return read


def _record_screenshot(
    session: Session,
    blobs: BlobStore,
    result: CaptureResult,
    original: EvidenceItem,
    actor: str,
    read_metadata: MetadataReader,
    new_blobs: list[str],
) -> int:
    capture = result.capture
    with tempfile.TemporaryDirectory(prefix="gawah-shot-") as folder:
        path = Path(folder) / "screenshot.png"
        with zipfile.ZipFile(result.wacz) as archive:
            path.write_bytes(archive.read(SCREENSHOT_PATH))
        blob = blobs.put_file(path)
        if blob.created:
            new_blobs.append(blob.sha256)
        existing = session.scalar(select(EvidenceItem).where(EvidenceItem.sha256 == blob.sha256))
        if existing is not None:
            record_custody(
                session,
                existing,
                "received",
                actor,
                tool=capture_tool(capture),
                method=CAPTURE_METHOD,
                notes=f"the same screenshot again, in {result.wacz.name}",
            )
            return existing.id
        metadata = read_metadata(path, "image/png")
        item = EvidenceItem(
            sha256=blob.sha256,
            size_bytes=blob.size,
            media_type="image/png",
            original_filename=f"{result.wacz.stem}-screenshot.png",
            storage_key=blob.key,
            derived_from_id=original.id,
            derivation=SCREENSHOT_DERIVATION,
            collected_at=capture.finished_at,
            collected_by=capture.capturer,
            acquired_by=actor,
            acquisition_method=CAPTURE_METHOD,
            acquisition_tool=capture_tool(capture),
            tool_metadata=metadata,
        )
        session.add(item)
        session.flush()
        record_evidence(session, item)
        record_custody(
            session,
            item,
            "collected",
            capture.capturer,
            tool=capture_tool(capture),
            method=CAPTURE_METHOD,
            notes=f"full-page screenshot of {capture.final_url} by headless Chromium; also in the WACZ "
            f"{original.sha256} as {SCREENSHOT_PATH}",
            occurred_at=capture.finished_at,
        )
        return item.id


def preserve_capture(
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    result: CaptureResult,
    *,
    actor: str | None = None,
    on_document: DocumentHook | None = None,
    read_metadata: MetadataReader = read_tool_metadata,
) -> PreservedCapture:
    """Ingest the capture's WACZ and record its collection and its screenshot, each with custody.

    `on_document` runs on the page's Document as in any ingest; `read_metadata` (by default the
    vault's metadata and perceptual hashes) fills the tool metadata of the WACZ and the screenshot.
    """
    capture = result.capture
    ingestor = Ingestor(
        sessions,
        blobs,
        actor=actor or capture.capturer,
        on_document=on_document,
        read_metadata=_capture_metadata(result, read_metadata),
    )
    # The collection is stated with the file, so `collected` precedes `received` in one transaction.
    provenance = Provenance(
        collected_by=capture.capturer,
        collected_at=capture.started_at,
        method=CAPTURE_METHOD,
        tool=capture_tool(capture),
        notes=collection_notes(capture),
    )
    outcome = ingestor.ingest_file(result.wacz, provenance)
    if outcome.sha256 is None or outcome.status == "failed":
        return PreservedCapture(outcome, None, None, None)
    new_blobs: list[str] = []
    with sessions() as session:
        item = session.scalar(select(EvidenceItem).where(EvidenceItem.sha256 == outcome.sha256))
        if item is None:
            return PreservedCapture(outcome, None, None, None)
        event = session.scalar(
            select(CustodyEvent)
            .where(CustodyEvent.evidence_item_id == item.id, CustodyEvent.event == "collected")
            .order_by(CustodyEvent.id)
        )
        try:
            screenshot_id = _record_screenshot(
                session, blobs, result, item, ingestor.actor, read_metadata, new_blobs
            )
            session.commit()
        except BaseException:
            # Nothing half-recorded: the rows roll back and a blob stored for them goes too.
            session.rollback()
            for sha256 in new_blobs:
                blobs.delete(sha256)
            raise
        return PreservedCapture(outcome, item.id, screenshot_id, event.id if event is not None else None)
