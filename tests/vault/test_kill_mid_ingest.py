"""A process killed in the middle of an ingest leaves no partial entry and nothing unverifiable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from gawah.ingest.pipeline import Ingestor
from gawah.verification import verify_workspace
from gawah.workspace import Workspace, init_workspace

# Ingest in a child process that stops for good right after the file is in the vault and the
# rows are flushed, before the commit: the worst moment to lose power.
CHILD = """
import sys, time
from pathlib import Path
from gawah.ingest import pipeline
from gawah.workspace import Workspace

real = pipeline.Ingestor._record_item
def record_then_hang(self, *args, **kwargs):
    item = real(self, *args, **kwargs)
    Path(sys.argv[3]).write_text("in the middle")
    time.sleep(600)
    return item
pipeline.Ingestor._record_item = record_then_hang
with Workspace.open(Path(sys.argv[1])) as ws:
    pipeline.Ingestor(ws.sessions, ws.blobs).ingest([Path(sys.argv[2])])
"""


def test_kill_between_vault_write_and_commit(tmp_path: Path) -> None:
    settings = init_workspace(tmp_path / "ws")
    with Workspace.open(settings.root) as ws:
        first = tmp_path / "first.txt"
        first.write_text("An invented report: 3 men were detained in Khost on 2 May 2023.\n")
        Ingestor(ws.sessions, ws.blobs).ingest([first])
        ws.sign_checkpoint()

    victim = tmp_path / "second.txt"
    victim.write_bytes(b"An invented statement about a night raid.\n" * 20000)
    marker = tmp_path / "marker"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(settings.root), str(victim), str(marker)])
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, "the child ended before the fault point"
            assert time.monotonic() < deadline, "the child never reached the fault point"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)

    with Workspace.open(settings.root) as ws:
        report = verify_workspace(ws)
        assert report.ok, report.problems  # every recorded entry still verifies
        assert report.files_checked == 1 and report.entries_checked == 3  # item, its receipt, its document
        assert [n.detail for n in report.notes] == ["no evidence item records it (an interrupted ingest?)"]
        # Ingesting the file again adopts what the killed process left and completes the record.
        (outcome,) = Ingestor(ws.sessions, ws.blobs).ingest([victim])
        assert outcome.status == "stored"
        ws.sign_checkpoint()
        again = verify_workspace(ws)
        assert again.ok and not again.notes
