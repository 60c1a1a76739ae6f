"""Custody records reads of originals on its own: each download or full view of a preserved file
through the web interface is an "accessed" event in the item's history and in the ledger, one per
request; a viewer, who may not download, is refused and leaves no trace in custody."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from gawah.ingest.pipeline import Ingestor
from gawah.ledger.journal import record_access
from gawah.store.models import CustodyEvent, Document, EvidenceItem, LedgerEntry
from gawah.store.vocab import Role
from gawah.verification import verify_workspace
from gawah.workspace import Workspace
from tests.web.conftest import signed_in_client


def _ingest(ws: Workspace, path: Path) -> int:
    outcome = Ingestor(ws.sessions, ws.blobs, actor="intake-desk").ingest_file(path)
    with ws.sessions() as s:
        item_id = s.scalar(select(EvidenceItem.id).where(EvidenceItem.sha256 == outcome.sha256))
    assert item_id is not None, outcome.as_dict()
    return item_id


def _photo(ws: Workspace, folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "checkpoint-photo.png"
    Image.new("RGB", (24, 16), (120, 40, 40)).save(path)
    return _ingest(ws, path)


def _accessed(ws: Workspace, item_id: int) -> list[CustodyEvent]:
    with ws.sessions() as s:
        return list(
            s.scalars(
                select(CustodyEvent)
                .where(CustodyEvent.evidence_item_id == item_id, CustodyEvent.event == "accessed")
                .order_by(CustodyEvent.id)
            )
        )


def _ledgered(ws: Workspace, event: CustodyEvent) -> bool:
    with ws.sessions() as s:
        return (
            s.scalar(
                select(LedgerEntry.leaf_index).where(
                    LedgerEntry.subject_type == "custody_event", LedgerEntry.subject_id == event.id
                )
            )
            is not None
        )


def _custody(ws: Workspace) -> tuple[int, int]:
    """Custody events, and the ledger entries naming custody events."""
    with ws.sessions() as s:
        events = s.scalar(select(func.count()).select_from(CustodyEvent))
        entries = s.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.subject_type == "custody_event")
        )
    return int(events or 0), int(entries or 0)


def _entries(ws: Workspace) -> int:
    with ws.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


def test_a_full_view_and_a_download_are_each_one_ledgered_access(
    workspace: Workspace, tmp_path: Path
) -> None:
    photo = _photo(workspace, tmp_path / "files")
    with signed_in_client(workspace, Role.ANALYST) as client:
        shown = client.get(f"/evidence/{photo}/media")
        assert shown.status_code == 200 and shown.headers["content-type"] == "image/png"
        saved = client.get(f"/evidence/{photo}/media", params={"download": "1"})
        assert saved.status_code == 200 and "attachment" in saved.headers["content-disposition"]
        events = _accessed(workspace, photo)
        assert [(e.actor, e.method) for e in events] == [
            ("analyst-user", "view over web"),
            ("analyst-user", "download over web"),
        ]
        assert all(e.tool and e.tool.startswith("gawah ") and e.tool.endswith(" web") for e in events)
        assert "whole file" in events[0].notes and f"/evidence/{photo}/media" in events[0].notes
        assert all(_ledgered(workspace, e) for e in events)

        # The item's history, as the web page shows it, names the reader.
        page = client.get(f"/evidence/{photo}")
        assert page.status_code == 200
        assert page.text.count("analyst-user") >= 2

    # The new entries are in the ledger and a new checkpoint covers them.
    assert workspace.sign_checkpoint() is not None
    report = verify_workspace(workspace)
    assert report.ok, report.problems


def test_a_player_reading_parts_records_one_access_from_the_first_byte(
    workspace: Workspace, tmp_path: Path
) -> None:
    photo = _photo(workspace, tmp_path / "files")
    with signed_in_client(workspace, Role.INVESTIGATOR) as client:
        start = client.get(f"/evidence/{photo}/media", headers={"Range": "bytes=0-9"})
        later = client.get(f"/evidence/{photo}/media", headers={"Range": "bytes=10-"})
        assert start.status_code == later.status_code == 206
    size = (tmp_path / "files" / "checkpoint-photo.png").stat().st_size
    events = _accessed(workspace, photo)
    assert len(events) == 1 and events[0].notes.endswith(f"bytes 0-9 of {size}")


def test_downloading_a_documents_original_is_an_access(workspace: Workspace, fixtures_dir: Path) -> None:
    item = _ingest(workspace, fixtures_dir / "reports" / "spin_boldak_killings.txt")
    with workspace.sessions() as s:
        document = s.scalar(select(Document.id).where(Document.evidence_item_id == item))
    with signed_in_client(workspace, Role.LEGAL) as client:
        response = client.get(f"/documents/{document}/original")
        assert response.status_code == 200
    events = _accessed(workspace, item)
    assert [(e.actor, e.method) for e in events] == [("legal-user", "download over web")]
    assert _ledgered(workspace, events[0])


def test_a_viewer_may_not_download_and_leaves_no_event(
    workspace: Workspace, tmp_path: Path, fixtures_dir: Path
) -> None:
    photo = _photo(workspace, tmp_path / "files")
    item = _ingest(workspace, fixtures_dir / "reports" / "spin_boldak_killings.txt")
    with workspace.sessions() as s:
        document = s.scalar(select(Document.id).where(Document.evidence_item_id == item))
    before = _custody(workspace)
    with signed_in_client(workspace, Role.VIEWER) as client:
        assert client.get(f"/evidence/{photo}/media").status_code == 403
        assert client.get(f"/evidence/{photo}/media", params={"download": "1"}).status_code == 403
        assert client.get(f"/documents/{document}/original").status_code == 403
    assert _accessed(workspace, photo) == [] and _accessed(workspace, item) == []
    # A refusal may be audited elsewhere, but nothing enters custody or its part of the ledger.
    assert _custody(workspace) == before


def test_record_access_names_no_item_for_an_unknown_file(workspace: Workspace) -> None:
    before = _entries(workspace)
    assert record_access(workspace.sessions, "0" * 64, "analyst", tool="gawah test", method="view") is None
    assert _entries(workspace) == before
