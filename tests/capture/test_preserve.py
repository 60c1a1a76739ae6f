"""A capture kept in the workspace (no browser): the WACZ with custody, its Document, the screenshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from gawah.capture.page import package_capture
from gawah.capture.preserve import CAPTURE_METHOD, collection_notes, preserve_capture
from gawah.capture.tls import CertificateDetails, TlsDetails
from gawah.store.models import CustodyEvent, Document, EvidenceItem, LedgerEntry
from gawah.vault.metadata import read_tool_metadata
from gawah.vault.phash import PERCEPTUAL_KEY
from gawah.verification import verify_workspace
from gawah.workspace import Workspace
from tests.capture.conftest import ARTICLE
from tests.capture.samples import BASE, STARTED, sample_capture


def test_capture_is_preserved_with_custody(workspace: Workspace, tmp_path: Path) -> None:
    result = package_capture(sample_capture(), tmp_path / "page.wacz")
    preserved = preserve_capture(workspace.sessions, workspace.blobs, result)
    workspace.sign_checkpoint()
    assert preserved.wacz.status == "stored"
    with workspace.sessions() as session:
        item = session.get(EvidenceItem, preserved.wacz_item_id)
        assert item is not None and item.media_type == "application/wacz"
        document = session.scalar(select(Document).where(Document.evidence_item_id == item.id))
        assert document is not None and ARTICLE in document.text
        collected = session.get(CustodyEvent, preserved.collected_event_id)
        assert collected is not None and collected.event == "collected" and collected.actor == "analyst-7"
        assert collected.occurred_at.replace(tzinfo=None) == STARTED.replace(tzinfo=None)
        assert f"URL as entered: {BASE}/old-report" in collected.notes
        shot = session.get(EvidenceItem, preserved.screenshot_item_id)
        assert shot is not None and shot.derived_from_id == item.id
        assert PERCEPTUAL_KEY in shot.tool_metadata  # so `gawah evidence similar` finds re-posted copies
        assert shot.acquisition_method == CAPTURE_METHOD
    assert verify_workspace(workspace).ok


def test_a_failure_after_the_wacz_leaves_nothing_half_recorded(workspace: Workspace, tmp_path: Path) -> None:
    result = package_capture(sample_capture(), tmp_path / "page.wacz")

    def failing(path: Path, media_type: str) -> dict[str, Any]:
        if media_type == "image/png":
            raise OSError("disk full")
        return read_tool_metadata(path, media_type)

    with pytest.raises(OSError, match="disk full"):
        preserve_capture(workspace.sessions, workspace.blobs, result, read_metadata=failing)
    with workspace.sessions() as session:
        items = session.scalars(select(EvidenceItem)).all()
        # The WACZ went in whole with its collection and receipt; the screenshot's rows and blob did not.
        assert [i.media_type for i in items] == ["application/wacz"]
        events = session.scalars(select(CustodyEvent.event).order_by(CustodyEvent.id)).all()
        assert events == ["collected", "received"]
        # the item, its collection, its receipt, and its document (the page text)
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 4
    assert sorted(workspace.blobs.iter_hashes()) == [items[0].sha256]
    workspace.sign_checkpoint()
    assert verify_workspace(workspace).ok


def test_notes_name_the_certificate_and_its_verdict() -> None:
    capture = sample_capture()
    capture.tls = TlsDetails(
        host="127.0.0.1",
        port=443,
        probed_at="2026-03-05T06:30:15Z",
        protocol="TLSv1.3",
        cipher="TLS_AES_256_GCM_SHA384",
        cipher_bits=256,
        verify_error="self-signed certificate",
        certificates=[
            CertificateDetails(
                "CN=a", "CN=a", "1", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "ab" * 32, [], ""
            )
        ],
    )
    notes = collection_notes(capture)
    assert "TLS TLSv1.3 TLS_AES_256_GCM_SHA384; certificate CN=a issued by CN=a" in notes
    assert "NOT verified: self-signed certificate" in notes
