"""`gawah verify`: re-hash every stored file and every ledger entry, and check every checkpoint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from gawah.ledger.journal import Problem, verify_journal
from gawah.ledger.keys import load_public_key
from gawah.ledger.timestamp import timestamp_problems
from gawah.security.crypto import CryptoError
from gawah.store.models import Checkpoint, EvidenceItem, LedgerEntry
from gawah.vault.blobstore import hash_stream
from gawah.workspace import Workspace


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


def verify_workspace(ws: Workspace, progress: Callable[[int, int], None] | None = None) -> VerificationReport:
    report = VerificationReport()
    with ws.sessions() as session:
        items = session.execute(select(EvidenceItem.id, EvidenceItem.sha256).order_by(EvidenceItem.id)).all()
        known = {sha for _, sha in items}
        for done, (item_id, sha256) in enumerate(items, start=1):
            label = f"evidence item #{item_id} ({sha256[:12]})"
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
                report.problems.append(
                    Problem(label, f"the stored file changed: it now hashes to {current}")
                )
            report.files_checked += 1
            if progress:
                progress(done, len(items))
        for sha256 in ws.blobs.iter_hashes():
            if sha256 not in known:
                # An ingest killed between writing the file and committing its record leaves this;
                # nothing recorded depends on it, and ingesting the file again adopts it.
                report.notes.append(
                    Problem(
                        f"stored file {sha256[:12]}", "no evidence item records it (an interrupted ingest?)"
                    )
                )

        public_key = load_public_key(ws.settings.public_key_path)
        report.problems.extend(verify_journal(session, public_key, ws.settings.log_origin))
        report.entries_checked = int(session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)
        report.checkpoints_checked = int(session.scalar(select(func.count()).select_from(Checkpoint)) or 0)
        report.timestamps_checked, timestamp_problems_found = timestamp_problems(
            session, ws.settings.timestamp
        )
        report.problems.extend(timestamp_problems_found)
    return report
