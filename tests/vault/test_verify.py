"""`gawah verify` names every kind of tampering: a changed byte, a missing file, and an edited,
deleted, inserted or reordered row."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from gawah.ingest.pipeline import Ingestor
from gawah.ledger.journal import record_custody
from gawah.store.engine import transaction
from gawah.store.models import Checkpoint, CustodyEvent, EvidenceItem, LedgerEntry
from gawah.verification import verify_workspace
from gawah.workspace import Workspace


@pytest.fixture
def filled(workspace: Workspace, fixtures_dir: Path) -> Workspace:
    Ingestor(workspace.sessions, workspace.blobs, actor="field-team").ingest([fixtures_dir / "reports"])
    assert workspace.sign_checkpoint() is not None
    report = verify_workspace(workspace)
    assert report.ok, report.problems
    assert report.files_checked == 4 and report.entries_checked == 12 and report.checkpoints_checked == 1
    return workspace


def _problems(ws: Workspace) -> str:
    report = verify_workspace(ws)
    assert not report.ok
    return "\n".join(map(str, report.problems))


def _first_sha(ws: Workspace) -> str:
    with ws.sessions() as s:
        return str(s.scalar(select(EvidenceItem.sha256).order_by(EvidenceItem.id)))


def test_a_changed_byte_in_a_stored_file(filled: Workspace) -> None:
    path = filled.blobs.path(_first_sha(filled))
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[10] ^= 0x01
    path.write_bytes(bytes(data))
    assert "the stored file changed" in _problems(filled)


def test_a_missing_file(filled: Workspace) -> None:
    filled.blobs.path(_first_sha(filled)).unlink()
    assert "the stored file is missing" in _problems(filled)


def test_an_edited_row(filled: Workspace) -> None:
    with transaction(filled.sessions) as s:
        s.execute(update(EvidenceItem).where(EvidenceItem.id == 1).values(acquired_by="someone else"))
    assert "ledger entry 0 (evidence item #1): the record was changed" in _problems(filled)


def test_an_edited_row_with_its_leaf_hash_recomputed_is_caught_by_the_checkpoint(filled: Workspace) -> None:
    from gawah.ledger.journal import recompute_entry
    from gawah.ledger.merkle import leaf_hash

    with transaction(filled.sessions) as s:
        s.execute(update(CustodyEvent).where(CustodyEvent.id == 1).values(notes="rewritten"))
        entry = s.scalars(select(LedgerEntry).where(LedgerEntry.subject_type == "custody_event")).first()
        assert entry is not None
        new = recompute_entry(s, entry)
        assert new is not None
        entry.leaf_hash = leaf_hash(new).hex()
    assert "checkpoint #1 (size 12): the log no longer matches" in _problems(filled)


def test_a_deleted_row(filled: Workspace) -> None:
    with transaction(filled.sessions) as s:
        s.execute(text("DELETE FROM custody_events WHERE id = 2"))
    assert "(custody event #2): the record it names was deleted" in _problems(filled)


def test_a_deleted_ledger_entry(filled: Workspace) -> None:
    with transaction(filled.sessions) as s:
        s.execute(text("DELETE FROM ledger_entries WHERE leaf_index = 11"))
    problems = _problems(filled)
    assert "not in the ledger" in problems and "entries were deleted" in problems


def test_an_inserted_row(filled: Workspace) -> None:
    with transaction(filled.sessions) as s:
        s.execute(
            text(
                "INSERT INTO custody_events (evidence_item_id, event, actor, occurred_at, notes) "
                "VALUES (1, 'transferred', 'intruder', CURRENT_TIMESTAMP, '')"
            )
        )
    assert "not in the ledger (inserted outside Gawah)" in _problems(filled)


def test_reordered_entries(filled: Workspace) -> None:
    with transaction(filled.sessions) as s:
        s.execute(text("UPDATE ledger_entries SET leaf_index = 100 WHERE leaf_index = 2"))
        s.execute(text("UPDATE ledger_entries SET leaf_index = 2 WHERE leaf_index = 4"))
        s.execute(text("UPDATE ledger_entries SET leaf_index = 4 WHERE leaf_index = 100"))
    assert "the log no longer matches" in _problems(filled)


def test_a_forged_checkpoint_signature(filled: Workspace) -> None:
    with transaction(filled.sessions) as s:
        cp = s.scalars(select(Checkpoint)).one()
        cp.signed_note = cp.signed_note.replace("\n12\n", "\n11\n")
    assert "signature or format invalid" in _problems(filled)


def test_new_custody_events_extend_the_log_consistently(filled: Workspace) -> None:
    with transaction(filled.sessions) as s:
        item = s.get(EvidenceItem, 1)
        assert item is not None
        record_custody(s, item, "transferred", "analyst", place="field office", method="encrypted drive")
    filled.sign_checkpoint()
    report = verify_workspace(filled)
    assert report.ok and report.checkpoints_checked == 2 and report.entries_checked == 13




def test_edited_tool_metadata_collector_notes_or_document_text(filled: Workspace) -> None:
    from gawah.store.models import Document

    with transaction(filled.sessions) as s:
        item = s.get(EvidenceItem, 1)
        assert item is not None
        item.tool_metadata = {**item.tool_metadata, "gps": {"latitude": 34.5, "longitude": 69.2}}
        other = s.get(EvidenceItem, 2)
        assert other is not None
        other.collector_notes = "added later"
        document = s.scalars(select(Document).where(Document.evidence_item_id == 3)).one()
        document.text = document.text.replace("a", "e", 1)
    problems = _problems(filled)
    assert "(evidence item #1): the record was changed" in problems
    assert "(evidence item #2): the record was changed" in problems
    assert f"(document #{document.id}): the record was changed" in problems
