"""`gawah verify`: re-hash every stored file and every ledger entry, and check every checkpoint.

Everything is read in batches (stored files by item id, ledger entries by leaf index), so the
memory a run needs does not grow with the size of the record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gawah.ledger.journal import VERIFY_BATCH, Problem, verify_journal
from gawah.ledger.keys import load_public_key
from gawah.ledger.timestamp import timestamp_problems
from gawah.security.crypto import CryptoError
from gawah.store.models import Checkpoint, EvidenceItem, LedgerEntry
from gawah.vault.blobstore import hash_stream
from gawah.vault.fixity import stored_items
from gawah.workspace import Workspace

Progress = Callable[[int, int], None]


@dataclass
class VerificationReport:
    files_checked: int = 0
    entries_checked: int = 0
    checkpoints_checked: int = 0
    timestamps_checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    # Things worth knowing that do not put the record in doubt (a file an interrupted ingest left).
    notes: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _unrecorded_files(ws: Workspace, session: Session, batch_size: int) -> Iterator[str]:
    """Stored files that no evidence item records, asked of the database a batch at a time."""
    hashes = ws.blobs.iter_hashes()
    while batch := list(islice(hashes, batch_size)):
        known = set(session.scalars(select(EvidenceItem.sha256).where(EvidenceItem.sha256.in_(batch))))
        yield from (sha256 for sha256 in batch if sha256 not in known)


def verify_workspace(
    ws: Workspace,
    progress: Progress | None = None,
    *,
    ledger_progress: Progress | None = None,
    batch_size: int = VERIFY_BATCH,
) -> VerificationReport:
    """Check the workspace. `progress(done, total)` follows the files re-hashed, `ledger_progress`
    the ledger entries checked."""
    report = VerificationReport()
    with ws.sessions() as session:
        total_items = int(session.scalar(select(func.count()).select_from(EvidenceItem)) or 0)
        for done, (item_id, sha256, _size) in enumerate(stored_items(session, batch_size), start=1):
            label = f"evidence item #{item_id} ({sha256[:12]})"
            if progress:
                progress(done - 1, total_items)
            try:
                with ws.blobs.open(sha256) as fh:
                    current, _ = hash_stream(fh)
            except FileNotFoundError:
                report.problems.append(Problem(label, "the stored file is missing"))
                continue
            except CryptoError as exc:
                # A sealed file that no longer opens was altered (or sealed under another key).
                report.problems.append(Problem(label, f"the stored file does not open: {exc}"))
                continue
            if current != sha256:
                report.problems.append(Problem(label, f"the stored file changed: it now hashes to {current}"))
            report.files_checked += 1
        if progress:
            progress(total_items, total_items)
        for sha256 in _unrecorded_files(ws, session, batch_size):
            # An ingest killed between writing the file and committing its record leaves this;
            # nothing recorded depends on it, and ingesting the file again adopts it.
            report.notes.append(
                Problem(f"stored file {sha256[:12]}", "no evidence item records it (an interrupted ingest?)")
            )

        public_key = load_public_key(ws.settings.public_key_path)
        report.problems.extend(
            verify_journal(
                session,
                public_key,
                ws.settings.log_origin,
                batch_size=batch_size,
                progress=ledger_progress,
            )
        )
        report.entries_checked = int(session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)
        report.checkpoints_checked = int(session.scalar(select(func.count()).select_from(Checkpoint)) or 0)
        report.timestamps_checked, timestamp_problems_found = timestamp_problems(
            session, ws.settings.timestamp
        )
        report.problems.extend(timestamp_problems_found)
    return report
