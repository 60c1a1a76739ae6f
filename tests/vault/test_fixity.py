"""Fixity checks leave a trace: each original found intact gets a 'verified' custody event with
its ledger entry; a changed or missing file gets none and fails the run."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from gawah.cli import app
from gawah.ingest.pipeline import Ingestor
from gawah.store.models import CustodyEvent, EvidenceItem, LedgerEntry
from gawah.vault.fixity import FIXITY_METHOD, least_recently_checked, run_fixity
from gawah.verification import verify_workspace
from gawah.workspace import Workspace


@pytest.fixture
def filled(workspace: Workspace, fixtures_dir: Path) -> Workspace:
    Ingestor(workspace.sessions, workspace.blobs, actor="field-team").ingest([fixtures_dir / "reports"])
    workspace.sign_checkpoint()
    return workspace


def _verified(ws: Workspace) -> list[CustodyEvent]:
    with ws.sessions() as s:
        return list(s.scalars(select(CustodyEvent).where(CustodyEvent.event == "verified")))


def _items(ws: Workspace) -> list[tuple[int, str]]:
    with ws.sessions() as s:
        return [(int(i), str(h)) for i, h in s.execute(select(EvidenceItem.id, EvidenceItem.sha256))]


def test_each_intact_original_gets_a_ledgered_verified_event(filled: Workspace) -> None:
    with filled.sessions() as s:
        entries_before = s.scalar(select(func.count()).select_from(LedgerEntry))
    report = run_fixity(filled.sessions, filled.blobs, "Nadia (invented)", batch_size=3)
    assert report.ok and report.checked == report.intact == report.recorded == 4
    events = _verified(filled)
    assert len(events) == 4
    by_item = dict(_items(filled))
    for event in events:
        assert event.actor == "Nadia (invented)" and event.method == FIXITY_METHOD
        assert event.tool is not None and event.tool.startswith("gawah ")
        assert by_item[event.evidence_item_id] in event.notes
    with filled.sessions() as s:
        ledgered = set(
            s.scalars(select(LedgerEntry.subject_id).where(LedgerEntry.subject_type == "custody_event"))
        )
        assert {e.id for e in events} <= ledgered
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == entries_before + 4
    filled.sign_checkpoint()
    final = verify_workspace(filled)
    assert final.ok, final.problems


def test_a_tampered_file_gets_no_event_and_fails(filled: Workspace) -> None:
    (first_id, first_sha), *_ = sorted(_items(filled))
    path = filled.blobs.path(first_sha)
    os.chmod(path, 0o644)
    path.write_bytes(path.read_bytes() + b"x")
    report = run_fixity(filled.sessions, filled.blobs, "auditor")
    assert not report.ok and report.intact == 3 and report.recorded == 3
    assert "the stored file changed" in str(report.problems[0])
    assert first_id not in {e.evidence_item_id for e in _verified(filled)}


def test_sample_rotates_through_the_least_recently_checked(filled: Workspace) -> None:
    clock = iter(dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=m) for m in range(100))
    ids = sorted(i for i, _ in _items(filled))
    seen: list[set[int]] = []
    for _ in range(3):
        report = run_fixity(filled.sessions, filled.blobs, "auditor", sample=2, now=lambda: next(clock))
        assert report.checked == 2
        seen.append({e.evidence_item_id for e in _verified(filled)} - set().union(*seen))
    # First the never-checked items (by id), then the ones checked longest ago.
    assert seen[0] == set(ids[:2]) and seen[1] == set(ids[2:])
    with filled.sessions() as s:
        assert [i for i, _ in least_recently_checked(s, 2)] == ids[2:]
    assert seen[2] == set()  # the third round re-checked the first two; nothing new


def test_command_records_and_exits_1_on_a_mismatch(filled: Workspace) -> None:
    runner = CliRunner()
    root = str(filled.settings.root)
    result = runner.invoke(app, ["evidence", "fixity", "-w", root, "--sample", "2", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["events_recorded"] == 2
    assert runner.invoke(app, ["verify", "-w", root]).exit_code == 0

    _, sha = sorted(_items(filled))[-1]
    filled.blobs.path(sha).unlink()
    result = runner.invoke(app, ["evidence", "fixity", "-w", root, "--no-record"])
    assert result.exit_code == 1
    assert "the stored file is missing" in result.stdout
    assert len(_verified(filled)) == 2
