"""`verify_journal` reads the log in batches: what it finds does not depend on the batch size, the
number of queries does not grow with the number of entries, and the tree's roots are the log's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from gawah.ingest.pipeline import Ingestor
from gawah.ledger.journal import Problem, TreeFrontier, record_custody, verify_journal
from gawah.ledger.keys import load_public_key
from gawah.ledger.merkle import MerkleLog
from gawah.store.engine import transaction
from gawah.store.models import EvidenceItem, LedgerEntry
from gawah.workspace import Workspace


def _add_custody(ws: Workspace, events: int) -> None:
    with transaction(ws.sessions) as s:
        items = s.scalars(select(EvidenceItem).order_by(EvidenceItem.id)).all()
        for n in range(events):
            record_custody(s, items[n % len(items)], "accessed", f"analyst {n % 3}", method="read in review")


@pytest.fixture
def logged(workspace: Workspace, fixtures_dir: Path) -> Workspace:
    Ingestor(workspace.sessions, workspace.blobs, actor="field-team").ingest([fixtures_dir / "reports"])
    _add_custody(workspace, 30)
    assert workspace.sign_checkpoint() is not None
    return workspace


def _verify(ws: Workspace, **options: Any) -> list[Problem]:
    with ws.sessions() as s:
        return verify_journal(
            s, load_public_key(ws.settings.public_key_path), ws.settings.log_origin, **options
        )


def _entries(ws: Workspace) -> int:
    with ws.sessions() as s:
        return len(s.scalars(select(LedgerEntry.leaf_index)).all())


def test_an_intact_log_passes_in_any_batch_size(logged: Workspace) -> None:
    assert _entries(logged) == 42
    for size in (1, 5, 41, 42, 5000):
        assert _verify(logged, batch_size=size) == []


def test_the_same_problems_are_found_whatever_the_batch_size(logged: Workspace) -> None:
    with transaction(logged.sessions) as s:
        s.execute(text("UPDATE custody_events SET notes = 'rewritten' WHERE id = 3"))
        s.execute(text("DELETE FROM custody_events WHERE id = 9"))
        s.execute(text("DELETE FROM ledger_entries WHERE leaf_index = 20"))
        s.execute(
            text(
                "INSERT INTO custody_events (evidence_item_id, event, actor, occurred_at, notes) "
                "VALUES (2, 'transferred', 'intruder', CURRENT_TIMESTAMP, '')"
            )
        )
    found = [list(map(str, _verify(logged, batch_size=size))) for size in (1, 3, 20, 21, 5000)]
    assert all(f == found[0] for f in found[1:])
    problems = "\n".join(found[0])
    assert "ledger entry 20: missing: the log has a gap" in problems
    assert "(custody event #3): the record was changed after it was recorded" in problems
    assert "(custody event #9): the record it names was deleted" in problems
    assert "not in the ledger (inserted outside Gawah)" in problems
    assert "the log has only 41 entries: entries were deleted" in problems


def test_a_reordered_pair_across_a_batch_boundary_breaks_the_checkpoint(logged: Workspace) -> None:
    with transaction(logged.sessions) as s:
        s.execute(text("UPDATE ledger_entries SET leaf_index = 100 WHERE leaf_index = 9"))
        s.execute(text("UPDATE ledger_entries SET leaf_index = 9 WHERE leaf_index = 10"))
        s.execute(text("UPDATE ledger_entries SET leaf_index = 10 WHERE leaf_index = 100"))
    problems = [str(p) for p in _verify(logged, batch_size=10)]
    assert problems == [
        "checkpoint #1 (size 42): the log no longer matches: entries were edited, deleted, inserted or reordered"
    ]


def test_an_unknown_kind_of_record_is_named_not_a_crash(logged: Workspace) -> None:
    with transaction(logged.sessions) as s:
        s.execute(text("UPDATE ledger_entries SET subject_type = 'mystery' WHERE leaf_index = 4"))
    problems = "\n".join(map(str, _verify(logged, batch_size=3)))
    assert "ledger entry 4 (mystery #" in problems and "unknown kind of record" in problems
    assert "not in the ledger" in problems  # the record it named is no longer logged


def _queries(ws: Workspace, **options: Any) -> int:
    count = 0

    def counted(*_args: Any) -> None:
        nonlocal count
        count += 1

    event.listen(ws.engine, "before_cursor_execute", counted)
    try:
        assert _verify(ws, **options) == []
    finally:
        event.remove(ws.engine, "before_cursor_execute", counted)
    return count


def test_queries_do_not_grow_with_the_number_of_entries(logged: Workspace) -> None:
    small = _queries(logged, batch_size=1000)
    _add_custody(logged, 400)
    logged.sign_checkpoint()
    assert _entries(logged) == 442
    large = _queries(logged, batch_size=1000)
    # One pass of a few queries per batch (a batch, one per kind of record, the anti-joins and
    # the checkpoints): the same for 42 entries as for 442, far fewer than one per entry.
    assert large == small < 30
    assert _queries(logged, batch_size=100) <= large + 4 * 4


def test_progress_counts_every_entry(logged: Workspace) -> None:
    calls: list[tuple[int, int]] = []
    assert _verify(logged, batch_size=10, progress=lambda done, total: calls.append((done, total))) == []
    assert calls == [(10, 42), (20, 42), (30, 42), (40, 42), (42, 42)]


def test_the_frontier_roots_every_size_as_the_log_does() -> None:
    log = MerkleLog.from_entries(b"entry %d" % i for i in range(70))
    frontier = TreeFrontier()
    assert frontier.root() == log.root(0)
    for size in range(1, 71):
        frontier.append(log.leaf_hash(size - 1))
        assert frontier.size == size
        assert frontier.root() == log.root(size), size


def _from_model(s: Session, entry: LedgerEntry) -> bytes:
    """The entry built from the ORM object, as record_evidence/record_custody/record_document do."""
    from gawah.ledger.journal import custody_entry, document_entry, evidence_entry
    from gawah.store.models import CustodyEvent, Document

    def sha(item_id: int | None) -> str | None:
        return (
            None
            if item_id is None
            else s.scalar(select(EvidenceItem.sha256).where(EvidenceItem.id == item_id))
        )

    if entry.subject_type == "evidence_item":
        item = s.get(EvidenceItem, entry.subject_id)
        assert item is not None
        return evidence_entry(item, sha(item.derived_from_id))
    if entry.subject_type == "custody_event":
        custody = s.get(CustodyEvent, entry.subject_id)
        assert custody is not None
        return custody_entry(custody, sha(custody.evidence_item_id) or "")
    document = s.get(Document, entry.subject_id)
    assert document is not None and entry.subject_type == "document"
    return document_entry(document, sha(document.evidence_item_id) or "")


def test_rows_and_models_give_the_same_entries(logged: Workspace) -> None:
    """The batched recomputation reads plain rows; the entry functions must see what a model shows."""
    from gawah.ledger.journal import recompute_entries

    with logged.sessions() as s:
        rows = s.scalars(select(LedgerEntry).order_by(LedgerEntry.leaf_index)).all()
        batched = recompute_entries(s, [(e.subject_type, e.subject_id) for e in rows])
        assert {e.subject_type for e in rows} == {"evidence_item", "document", "custody_event"}
        for entry in rows:
            assert batched[(entry.subject_type, entry.subject_id)] == _from_model(s, entry)
