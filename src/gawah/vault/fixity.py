"""Fixity checks that leave a trace: re-hash stored originals and record each intact one in custody.

`gawah verify` proves the record intact but leaves nothing behind. A fixity run re-hashes the
originals it is asked to check (all of them, or the N checked longest ago, so that a laptop can
check a large vault in small doses) and records, for each file found intact, one ``verified``
custody event with its ledger entry: who, when, which tool, the method, and the hash found. A file
that is missing or no longer matches gets no event and is reported.

Events are written in batches (one transaction, one index look-up and one flush per batch), so a
vault of 100,000 items does not cost 100,000 round trips of the ledger's append.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gawah import __version__
from gawah.ledger.journal import CUSTODY_EVENTS, Problem, custody_entry
from gawah.ledger.merkle import leaf_hash
from gawah.security.crypto import CryptoError
from gawah.store.engine import transaction
from gawah.store.models import CustodyEvent, EvidenceItem, LedgerEntry
from gawah.vault.blobstore import BlobStore, hash_stream

# The method of a primary fixity check; the rotation of `--sample` counts only these (a check of a
# replica's copy says nothing about the primary file).
FIXITY_METHOD = "sha256 re-hash"
TOOL = f"gawah {__version__}"
# Events written per transaction: large enough that the per-transaction cost vanishes, small
# enough that a crash loses little work and a writer waiting on the ledger waits briefly.
RECORD_BATCH = 1_000

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CustodyNote:
    """One custody event to record for an item (its id and the hash its ledger entry names)."""

    item_id: int
    sha256: str
    event: str
    method: str
    notes: str
    occurred_at: dt.datetime
    place: str | None = None


def record_custody_batch(
    sessions: sessionmaker[Session],
    notes: Sequence[CustodyNote],
    actor: str,
    *,
    tool: str = TOOL,
    attempts: int = 3,
) -> int:
    """Record the events and their ledger entries in one transaction; returns how many.

    The ledger's next index is read once for the batch; a writer that took the same indexes in the
    meantime makes the insert fail on the unique leaf index, and the batch is tried again whole.
    """
    for note in notes:
        if note.event not in CUSTODY_EVENTS:
            raise ValueError(f"unknown custody event {note.event!r}")
    if not notes:
        return 0
    for attempt in range(1, attempts + 1):
        try:
            with transaction(sessions) as session:
                rows = [
                    CustodyEvent(
                        evidence_item_id=n.item_id,
                        event=n.event,
                        actor=actor,
                        place=n.place,
                        tool=tool,
                        method=n.method,
                        notes=n.notes,
                        occurred_at=n.occurred_at,
                    )
                    for n in notes
                ]
                session.add_all(rows)
                session.flush()
                current = session.scalar(select(func.max(LedgerEntry.leaf_index)))
                start = 0 if current is None else int(current) + 1
                session.add_all(
                    LedgerEntry(
                        leaf_index=start + offset,
                        kind="custody",
                        subject_type="custody_event",
                        subject_id=row.id,
                        leaf_hash=leaf_hash(custody_entry(row, note.sha256)).hex(),
                    )
                    for offset, (row, note) in enumerate(zip(rows, notes, strict=True))
                )
                session.flush()
            return len(rows)
        except IntegrityError:
            if attempt == attempts:
                raise
    return 0


@dataclass
class FixityReport:
    checked: int = 0
    intact: int = 0
    recorded: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def stored_items(session: Session, batch_size: int) -> Iterator[tuple[int, str, int]]:
    """(id, sha256, size) of every evidence item in id order, a batch per query (keyset paging):
    what fixity checks, `gawah verify` and replication walk through."""
    after = 0
    while True:
        rows = session.execute(
            select(EvidenceItem.id, EvidenceItem.sha256, EvidenceItem.size_bytes)
            .where(EvidenceItem.id > after)
            .order_by(EvidenceItem.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return
        for item_id, sha256, size in rows:
            yield int(item_id), str(sha256), int(size or 0)
        after = int(rows[-1][0])


def least_recently_checked(session: Session, count: int) -> list[tuple[int, str]]:
    """The `count` items whose last primary fixity check is oldest; never-checked items first."""
    last = func.max(CustodyEvent.occurred_at)
    rows = session.execute(
        select(EvidenceItem.id, EvidenceItem.sha256, last.label("last"))
        .outerjoin(
            CustodyEvent,
            (CustodyEvent.evidence_item_id == EvidenceItem.id)
            & (CustodyEvent.event == "verified")
            & (CustodyEvent.method == FIXITY_METHOD),
        )
        .group_by(EvidenceItem.id, EvidenceItem.sha256)
        .order_by(last.asc().nulls_first(), EvidenceItem.id)
        .limit(count)
    ).all()
    return [(int(item_id), str(sha256)) for item_id, sha256, _ in rows]


class Readable(Protocol):
    def open(self, sha256: str) -> BinaryIO: ...


def check_blob(blobs: Readable, sha256: str) -> str | None:
    """None when the stored file hashes to `sha256`; otherwise what is wrong with it."""
    try:
        with blobs.open(sha256) as fh:
            current, _ = hash_stream(fh)
    except FileNotFoundError:
        return "the stored file is missing"
    except CryptoError as exc:
        return f"the stored file does not open: {exc}"
    if current != sha256:
        return f"the stored file changed: it now hashes to {current}"
    return None


def run_fixity(
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    actor: str,
    *,
    sample: int | None = None,
    record: bool = True,
    progress: Progress | None = None,
    batch_size: int = RECORD_BATCH,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> FixityReport:
    """Re-hash every stored original (or the `sample` checked longest ago); with `record`, add a
    ``verified`` custody event for each one found intact. `progress(done, total)` after each file."""
    report = FixityReport()
    with sessions() as session:
        items: Iterable[tuple[int, str]]
        if sample is not None:
            items = least_recently_checked(session, sample)
            total = len(items)
        else:
            total = int(session.scalar(select(func.count()).select_from(EvidenceItem)) or 0)
            items = ((item_id, sha256) for item_id, sha256, _size in stored_items(session, batch_size))
        pending: list[CustodyNote] = []
        for item_id, sha256 in items:
            problem = check_blob(blobs, sha256)
            report.checked += 1
            if problem is not None:
                report.problems.append(Problem(f"evidence item #{item_id} ({sha256[:12]})", problem))
            else:
                report.intact += 1
                if record:
                    pending.append(
                        CustodyNote(
                            item_id,
                            sha256,
                            "verified",
                            FIXITY_METHOD,
                            f"stored file re-hashed: sha256 {sha256} as recorded",
                            now(),
                        )
                    )
            if len(pending) >= batch_size:
                report.recorded += record_custody_batch(sessions, pending, actor)
                pending = []
            if progress:
                progress(report.checked, max(total, report.checked))
        report.recorded += record_custody_batch(sessions, pending, actor)
    return report
