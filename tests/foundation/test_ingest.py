from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gawah.ingest import pipeline
from gawah.ingest.pipeline import Ingestor
from gawah.store.models import Document, EvidenceItem
from gawah.workspace import Workspace


def _count(ws: Workspace, model: type) -> int:
    with ws.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_ingest_the_shared_corpus_once(workspace: Workspace, corpus_dir: Path, tmp_path: Path) -> None:
    ingestor = Ingestor(workspace.sessions, workspace.blobs, actor="tester")
    outcomes = ingestor.ingest([corpus_dir])
    assert [o.status for o in outcomes] == ["stored"] * 5
    assert len(list(workspace.blobs.iter_hashes())) == 5

    copy = tmp_path / "copy-of-one.txt"
    shutil.copy(sorted(corpus_dir.iterdir())[0], copy)
    again = ingestor.ingest([corpus_dir, copy])
    assert [o.status for o in again] == ["duplicate"] * 6
    assert _count(workspace, EvidenceItem) == 5
    assert _count(workspace, Document) == 5

    with workspace.sessions() as session:
        docs = session.scalars(select(Document)).all()
        assert all(d.text and d.title and d.language == "en" for d in docs)
        assert all(d.ingested_by == "tester" for d in docs)
        assert any(d.published is not None for d in docs)


def test_bad_files_are_named_and_the_batch_goes_on(workspace: Workspace, fixtures_dir: Path) -> None:
    outcomes = Ingestor(workspace.sessions, workspace.blobs).ingest(
        [fixtures_dir / "broken", fixtures_dir / "reports", fixtures_dir / "missing.txt"]
    )
    by_name = {o.path.name: o for o in outcomes}
    assert by_name["empty.txt"].status == "failed" and "empty" in by_name["empty.txt"].message
    # evidence is never refused for being malformed: kept, without text, with the reason
    assert by_name["not_really.pdf"].status == "preserved"
    assert "not a readable PDF" in by_name["not_really.pdf"].message
    assert by_name["missing.txt"].status == "failed"
    assert by_name["latin1.txt"].status == "stored" and "not UTF-8" in by_name["latin1.txt"].message
    stored = [o for o in outcomes if o.status == "stored"]
    assert len(stored) >= 4
    assert _count(workspace, Document) == len(stored)
    assert len(list(workspace.blobs.iter_hashes())) == len(stored) + 1  # and the preserved PDF


def test_files_gawah_cannot_read_are_preserved_as_evidence(workspace: Workspace, tmp_path: Path) -> None:
    photo = tmp_path / "checkpoint.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 truncated jpeg")
    (outcome,) = Ingestor(workspace.sessions, workspace.blobs).ingest([photo])
    assert outcome.status == "preserved" and outcome.document_id is None
    with workspace.sessions() as session:
        item = session.scalars(select(EvidenceItem)).one()
        assert item.media_type == "image/jpeg" and item.original_filename == "checkpoint.jpg"
    assert workspace.blobs.path(item.sha256).read_bytes() == photo.read_bytes()


def test_a_failure_in_the_middle_leaves_no_orphan_file_or_row(
    workspace: Workspace, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    real_record = Ingestor._record

    def record_then_crash(self: Ingestor, session, read, item):  # type: ignore[no-untyped-def]
        document = real_record(self, session, read, item)
        calls["n"] += 1
        if calls["n"] == 2:  # after rows are flushed and the blob is written
            raise RuntimeError("power cut")
        return document

    monkeypatch.setattr(pipeline.Ingestor, "_record", record_then_crash)
    files = sorted((fixtures_dir / "reports").iterdir())
    ingestor = Ingestor(workspace.sessions, workspace.blobs)
    assert ingestor.ingest_file(files[0]).status == "stored"
    with pytest.raises(RuntimeError, match="power cut"):
        ingestor.ingest_file(files[1])
    assert _count(workspace, EvidenceItem) == 1
    assert _count(workspace, Document) == 1
    assert len(list(workspace.blobs.iter_hashes())) == 1
    # and the same file goes in cleanly once the fault is gone
    monkeypatch.setattr(pipeline.Ingestor, "_record", real_record)
    assert ingestor.ingest_file(files[1]).status == "stored"
