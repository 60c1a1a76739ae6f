"""The workspace's ledger in the database: one leaf per record, signed checkpoints, proofs.

Each evidence item, custody event and registry change (a review decision, an edit, a merge, a
grading of an incident and its sources) is appended as the
SHA-256 leaf hash of its canonical form: sorted-key JSON of the fields that matter as evidence.
The database keeps only those hashes and the signed tree heads; `verify_journal` recomputes every
leaf from the record it names, so any later edit of a record, a deleted or inserted row, or a
reordered log stops matching the signed checkpoints.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, sessionmaker

from gawah.ledger.checkpoint import checkpoint_of, sign_checkpoint, verify_checkpoint
from gawah.ledger.merkle import MerkleLog, VerificationError, leaf_hash
from gawah.ledger.proofs import ProvedEntry, inclusion_proofs_document
from gawah.ledger.verifier import EMPTY_ROOT, INCLUSION_FORMAT, NODE_PREFIX
from gawah.store.engine import transaction
from gawah.store.models import (
    Assessment,
    AuditEvent,
    Checkpoint,
    CustodyEvent,
    Document,
    EvidenceItem,
    LedgerEntry,
    RegistryChange,
    WitnessStatement,
)

# What can happen to an original while it is kept. `transferred` is custody passing to another
# holder; `copied` is a bit-exact copy made and checked against the recorded SHA-256 while the
# custodian stays the same (a replica copy, or a primary file refilled from a replica). Rows written
# as `transferred` for replica copies before `copied` existed stay as they are: their ledger leaves
# hash the stored words, so they are read, never rewritten.
CUSTODY_EVENTS = ("collected", "received", "transferred", "copied", "accessed", "exported", "verified")
# One format, the one the stand-alone verifier reads.
PROOF_FORMAT = INCLUSION_FORMAT


def _utc(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite returns naive datetimes; Gawah writes UTC only
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# Version of the canonical entry forms below; bumped whenever a form changes.
ENTRY_SCHEMA = 2


def evidence_entry(item: EvidenceItem, derived_from_sha256: str | None) -> bytes:
    # What tools read at intake and what the collector said are fixed with the item: a later edit
    # of either no longer matches its entry.
    return canonical(
        {
            "kind": "evidence",
            "schema": ENTRY_SCHEMA,
            "tool_metadata_sha256": hashlib.sha256(canonical(item.tool_metadata or {})).hexdigest(),
            "collector_notes": item.collector_notes,
            "sha256": item.sha256,
            "size": item.size_bytes,
            "media_type": item.media_type,
            "filename": item.original_filename,
            "derived_from": derived_from_sha256,
            "derivation": item.derivation,
            "acquired_at": _utc(item.acquired_at),
            "acquired_by": item.acquired_by,
            "method": item.acquisition_method,
            "tool": item.acquisition_tool,
            "collected_at": _utc(item.collected_at),
            "collected_by": item.collected_by,
        }
    )


def document_entry(document: Document, evidence_sha256: str) -> bytes:
    """A document's text as read from its evidence item: its hash is taken from the text itself."""
    return canonical(
        {
            "kind": "document",
            "schema": ENTRY_SCHEMA,
            "evidence": evidence_sha256,
            "text_sha256": hashlib.sha256(document.text.encode("utf-8")).hexdigest(),
            "reader": document.reader,
        }
    )


def record_document(session: Session, document: Document) -> LedgerEntry:
    session.flush()
    sha = _sha_of(session, document.evidence_item_id) or ""
    return append(session, "document", "document", document.id, document_entry(document, sha))


def custody_entry(event: CustodyEvent, evidence_sha256: str) -> bytes:
    return canonical(
        {
            "kind": "custody",
            "evidence": evidence_sha256,
            "event": event.event,
            "actor": event.actor,
            "at": _utc(event.occurred_at),
            "place": event.place,
            "tool": event.tool,
            "method": event.method,
            "notes": event.notes,
        }
    )


def registry_change_entry(change: RegistryChange) -> bytes:
    """Who changed which record, when, how, and the record before and after (its snapshots)."""
    return canonical(
        {
            "kind": "registry_change",
            "subject_type": change.subject_type,
            "subject_id": change.subject_id,
            "action": change.action,
            "actor": change.actor,
            "at": _utc(change.at),
            "before": change.before,
            "after": change.after,
            "note": change.note,
        }
    )


def audit_entry(event: AuditEvent) -> bytes:
    """An audit event as recorded: who, what, when, why (never the content that was read)."""
    return canonical(
        {
            "kind": "audit",
            "event": event.event,
            "outcome": event.outcome,
            "actor": event.actor,
            "user_id": event.user_id,
            "channel": event.channel,
            "action": event.action,
            "subject_type": event.subject_type,
            "subject_id": event.subject_id,
            "reason": event.reason,
            "address": event.address,
            "detail": event.detail,
            "at": _utc(event.occurred_at),
        }
    )


def assessment_entry(assessment: Assessment, evidence_sha256: str) -> bytes:
    """One analyst's finding in one strand of verification, on the item with this hash."""
    return canonical(
        {
            "kind": "assessment",
            "schema": ENTRY_SCHEMA,
            "evidence": evidence_sha256,
            "strand": assessment.strand,
            "finding": assessment.finding,
            "confidence": assessment.confidence,
            "method": assessment.method,
            "tools": list(assessment.tools or []),
            "notes": assessment.notes,
            "assessor": assessment.assessor,
            "at": _utc(assessment.assessed_at),
            "confidentiality": assessment.confidentiality,
        }
    )


def statement_entry(statement: WitnessStatement, evidence_sha256: str) -> bytes:
    """A witness statement as taken: who, when, where, language, interpreter and the consent given.

    The witness is named by record id only: the entry's bytes travel in proof files."""
    return canonical(
        {
            "kind": "witness_statement",
            "schema": ENTRY_SCHEMA,
            "evidence": evidence_sha256,
            "witness_id": statement.witness_id,
            "taken_by": statement.taken_by,
            "taken_at": _utc(statement.taken_at),
            "taken_place_sha256": hashlib.sha256((statement.taken_place or "").encode("utf-8")).hexdigest(),
            "language": statement.language,
            "interpreter_sha256": hashlib.sha256((statement.interpreter or "").encode("utf-8")).hexdigest(),
            "interpreter_languages": list(statement.interpreter_languages or []),
            "consent": sorted(statement.consent or []),
            "consent_recorded_how": statement.consent_recorded_how,
            "recorded_by": statement.recorded_by,
            "notes_sha256": hashlib.sha256(statement.notes.encode("utf-8")).hexdigest(),
        }
    )


def _next_index(session: Session) -> int:
    current = session.scalar(select(func.max(LedgerEntry.leaf_index)))
    return 0 if current is None else int(current) + 1


def append(session: Session, kind: str, subject_type: str, subject_id: int, entry: bytes) -> LedgerEntry:
    """Append one leaf in the caller's transaction (a unique leaf index makes racing writers retry)."""
    row = LedgerEntry(
        leaf_index=_next_index(session),
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        leaf_hash=leaf_hash(entry).hex(),
    )
    session.add(row)
    session.flush()
    return row


def _sha_of(session: Session, item_id: int | None) -> str | None:
    if item_id is None:
        return None
    return session.scalar(select(EvidenceItem.sha256).where(EvidenceItem.id == item_id))


def record_evidence(session: Session, item: EvidenceItem) -> LedgerEntry:
    session.flush()
    return append(
        session,
        "evidence",
        "evidence_item",
        item.id,
        evidence_entry(item, _sha_of(session, item.derived_from_id)),
    )


def record_custody(
    session: Session,
    item: EvidenceItem,
    event: str,
    actor: str,
    *,
    place: str | None = None,
    tool: str | None = None,
    method: str | None = None,
    notes: str = "",
    occurred_at: dt.datetime | None = None,
) -> CustodyEvent:
    """Add a custody event for `item` and its ledger entry, in the caller's transaction."""
    if event not in CUSTODY_EVENTS:
        raise ValueError(f"unknown custody event {event!r}; one of {', '.join(CUSTODY_EVENTS)}")
    row = CustodyEvent(
        evidence_item_id=item.id,
        event=event,
        actor=actor,
        place=place,
        tool=tool,
        method=method,
        notes=notes,
        occurred_at=occurred_at or dt.datetime.now(dt.UTC),
    )
    session.add(row)
    session.flush()
    append(session, "custody", "custody_event", row.id, custody_entry(row, item.sha256))
    return row


def record_access(
    sessions: sessionmaker[Session],
    sha256: str,
    actor: str,
    *,
    tool: str,
    method: str,
    notes: str = "",
    attempts: int = 3,
) -> CustodyEvent | None:
    """Record, in its own transaction, that the preserved original `sha256` was read out in full
    (downloaded or shown): one "accessed" custody event and its ledger entry. None when no item
    holds that file.

    Two writers may take the same next leaf index at once; the loser's insert fails on the
    unique index and is tried again on the log as it then is.
    """
    for attempt in range(1, attempts + 1):
        try:
            with transaction(sessions) as session:
                item = session.scalar(select(EvidenceItem).where(EvidenceItem.sha256 == sha256))
                if item is None:
                    return None
                return record_custody(session, item, "accessed", actor, tool=tool, method=method, notes=notes)
        except IntegrityError:
            if attempt == attempts:
                raise
    return None


def record_registry_change(session: Session, change: RegistryChange) -> LedgerEntry:
    """Add a registry change and its ledger entry, in the caller's transaction."""
    session.add(change)
    session.flush()
    return append(session, "registry_change", "registry_change", change.id, registry_change_entry(change))


def load_log(session: Session) -> MerkleLog:
    hashes = session.scalars(select(LedgerEntry.leaf_hash).order_by(LedgerEntry.leaf_index))
    return MerkleLog.from_leaf_hashes(bytes.fromhex(h) for h in hashes)


def sign_current(session: Session, origin: str, private_key: Ed25519PrivateKey) -> Checkpoint | None:
    """Sign the current tree head, unless the latest checkpoint already covers every entry."""
    log = load_log(session)
    latest = latest_checkpoint(session)
    if log.size == 0 or (latest is not None and latest.tree_size == log.size):
        return None
    note = sign_checkpoint(checkpoint_of(log, origin), private_key, origin)
    row = Checkpoint(tree_size=log.size, root_hash=log.root().hex(), signed_note=note)
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class Problem:
    """One thing that does not match, named so that a person can find it."""

    what: str
    detail: str

    def __str__(self) -> str:
        return f"{self.what}: {self.detail}"


# Entries checked per round trip by `verify_journal`: enough to make the per-query cost vanish,
# few enough that a batch of records (documents carry their text) stays small in memory.
VERIFY_BATCH = 5_000

SubjectRef = tuple[str, int]


# The recomputation reads plain rows, not ORM objects (building those cost most of the time of a
# run); each row carries, under the model's attribute names, just the fields its entry covers, so
# the entry functions read it as they read the model.
def _as_record(row: Any) -> Any:
    return row


def _evidence_entries(session: Session, ids: Collection[int]) -> Iterator[tuple[int, bytes]]:
    parent = aliased(EvidenceItem)
    item = EvidenceItem
    rows = session.execute(
        select(
            item.id,
            item.tool_metadata,
            item.collector_notes,
            item.sha256,
            item.size_bytes,
            item.media_type,
            item.original_filename,
            item.derivation,
            item.acquired_at,
            item.acquired_by,
            item.acquisition_method,
            item.acquisition_tool,
            item.collected_at,
            item.collected_by,
            parent.sha256.label("derived_from_sha256"),
        )
        .outerjoin(parent, parent.id == item.derived_from_id)
        .where(item.id.in_(ids))
    )
    for row in rows:
        yield row.id, evidence_entry(_as_record(row), row.derived_from_sha256)


def _custody_entries(session: Session, ids: Collection[int]) -> Iterator[tuple[int, bytes]]:
    event = CustodyEvent
    rows = session.execute(
        select(
            event.id,
            event.event,
            event.actor,
            event.occurred_at,
            event.place,
            event.tool,
            event.method,
            event.notes,
            EvidenceItem.sha256.label("evidence_sha256"),
        )
        .outerjoin(EvidenceItem, EvidenceItem.id == event.evidence_item_id)
        .where(event.id.in_(ids))
    )
    for row in rows:
        yield row.id, custody_entry(_as_record(row), row.evidence_sha256 or "")


def _document_entries(session: Session, ids: Collection[int]) -> Iterator[tuple[int, bytes]]:
    rows = session.execute(
        select(Document.id, Document.text, Document.reader, EvidenceItem.sha256.label("evidence_sha256"))
        .outerjoin(EvidenceItem, EvidenceItem.id == Document.evidence_item_id)
        .where(Document.id.in_(ids))
    )
    for row in rows:
        yield row.id, document_entry(_as_record(row), row.evidence_sha256 or "")


def _registry_change_entries(session: Session, ids: Collection[int]) -> Iterator[tuple[int, bytes]]:
    change = RegistryChange
    rows = session.execute(
        select(
            change.id,
            change.subject_type,
            change.subject_id,
            change.action,
            change.actor,
            change.at,
            change.before,
            change.after,
            change.note,
        ).where(change.id.in_(ids))
    )
    for row in rows:
        yield row.id, registry_change_entry(_as_record(row))


def _audit_entries(session: Session, ids: Collection[int]) -> Iterator[tuple[int, bytes]]:
    audit = AuditEvent
    rows = session.execute(
        select(
            audit.id,
            audit.event,
            audit.outcome,
            audit.actor,
            audit.user_id,
            audit.channel,
            audit.action,
            audit.subject_type,
            audit.subject_id,
            audit.reason,
            audit.address,
            audit.detail,
            audit.occurred_at,
        ).where(audit.id.in_(ids))
    )
    for row in rows:
        yield row.id, audit_entry(_as_record(row))


def _assessment_entries(session: Session, ids: Collection[int]) -> Iterator[tuple[int, bytes]]:
    a = Assessment
    rows = session.execute(
        select(
            a.id,
            a.strand,
            a.finding,
            a.confidence,
            a.method,
            a.tools,
            a.notes,
            a.assessor,
            a.assessed_at,
            a.confidentiality,
            EvidenceItem.sha256.label("evidence_sha256"),
        )
        .outerjoin(EvidenceItem, EvidenceItem.id == a.evidence_item_id)
        .where(a.id.in_(ids))
    )
    for row in rows:
        yield row.id, assessment_entry(_as_record(row), row.evidence_sha256 or "")


def _statement_entries(session: Session, ids: Collection[int]) -> Iterator[tuple[int, bytes]]:
    w = WitnessStatement
    rows = session.execute(
        select(
            w.id,
            w.witness_id,
            w.taken_by,
            w.taken_at,
            w.taken_place,
            w.language,
            w.interpreter,
            w.interpreter_languages,
            w.consent,
            w.consent_recorded_how,
            w.recorded_by,
            w.notes,
            EvidenceItem.sha256.label("evidence_sha256"),
        )
        .outerjoin(EvidenceItem, EvidenceItem.id == w.evidence_item_id)
        .where(w.id.in_(ids))
    )
    for row in rows:
        yield row.id, statement_entry(_as_record(row), row.evidence_sha256 or "")


# One query per kind of record, however many of that kind a batch names.
_RECOMPUTERS: dict[str, Callable[[Session, Collection[int]], Iterator[tuple[int, bytes]]]] = {
    "evidence_item": _evidence_entries,
    "custody_event": _custody_entries,
    "document": _document_entries,
    "registry_change": _registry_change_entries,
    "audit_event": _audit_entries,
    "assessment": _assessment_entries,
    "witness_statement": _statement_entries,
}

RECORDED_MODELS: tuple[
    tuple[
        str,
        type[
            EvidenceItem
            | Document
            | CustodyEvent
            | RegistryChange
            | AuditEvent
            | Assessment
            | WitnessStatement
        ],
    ],
    ...,
] = (
    ("evidence_item", EvidenceItem),
    ("document", Document),
    ("custody_event", CustodyEvent),
    ("registry_change", RegistryChange),
    ("audit_event", AuditEvent),
    ("assessment", Assessment),
    ("witness_statement", WitnessStatement),
)


def recompute_entries(session: Session, subjects: Collection[SubjectRef]) -> dict[SubjectRef, bytes]:
    """The canonical bytes of each named record as it is now; a record that is gone is absent.

    Raises VerificationError for a kind of record the ledger does not know.
    """
    ids_by_type: dict[str, set[int]] = defaultdict(set)
    for subject_type, subject_id in subjects:
        if subject_type not in _RECOMPUTERS:
            raise VerificationError(f"unknown ledger subject {subject_type!r}")
        ids_by_type[subject_type].add(subject_id)
    current: dict[SubjectRef, bytes] = {}
    for subject_type, ids in ids_by_type.items():
        for subject_id, entry in _RECOMPUTERS[subject_type](session, ids):
            current[(subject_type, subject_id)] = entry
    return current


def recompute_entry(session: Session, entry: LedgerEntry) -> bytes | None:
    """The canonical bytes of the record an entry names, as it is now (None if it is gone)."""
    subject = (entry.subject_type, entry.subject_id)
    return recompute_entries(session, [subject]).get(subject)


class TreeFrontier:
    """The right border of an RFC 9162 tree being built leaf by leaf: the root of every size met
    on the way, in O(log n) memory (a log rebuilt whole would hold 64 bytes per entry)."""

    __slots__ = ("_hashes", "_heights", "size")

    def __init__(self) -> None:
        self._heights: list[int] = []
        self._hashes: list[bytes] = []
        self.size = 0

    def append(self, leaf: bytes) -> None:
        heights, hashes = self._heights, self._hashes
        node, height = leaf, 0
        # Each complete pair on the border closes into its parent, as the tree's size grows.
        while heights and heights[-1] == height:
            heights.pop()
            node = hashlib.sha256(NODE_PREFIX + hashes.pop() + node).digest()
            height += 1
        heights.append(height)
        hashes.append(node)
        self.size += 1

    def root(self) -> bytes:
        if not self._hashes:
            return EMPTY_ROOT
        result = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            result = hashlib.sha256(NODE_PREFIX + left + result).digest()
        return result


def _ledger_batches(session: Session, batch_size: int) -> Iterator[list[tuple[int, str, int, str]]]:
    """The ledger's rows in leaf order, `batch_size` at a time (keyset paging: no OFFSET scans)."""
    after = -1
    while True:
        rows = session.execute(
            select(
                LedgerEntry.leaf_index,
                LedgerEntry.subject_type,
                LedgerEntry.subject_id,
                LedgerEntry.leaf_hash,
            )
            .where(LedgerEntry.leaf_index > after)
            .order_by(LedgerEntry.leaf_index)
            .limit(batch_size)
        ).all()
        if not rows:
            return
        yield [(int(i), str(t), int(s), str(h)) for i, t, s, h in rows]
        after = int(rows[-1][0])


def verify_journal(
    session: Session,
    public_key: Ed25519PublicKey,
    origin: str,
    *,
    batch_size: int = VERIFY_BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> list[Problem]:
    """Every entry against its record, every record against the log, every checkpoint against both.

    Entries are read and checked `batch_size` at a time, their records loaded with one query per
    kind of record per batch; the tree is kept as its right border only, so memory does not grow
    with the number of entries (only with the problems found and the checkpoints signed).
    `progress(done, total)` is called after each batch.
    """
    checkpoints = session.execute(
        select(Checkpoint.id, Checkpoint.tree_size, Checkpoint.root_hash, Checkpoint.signed_note).order_by(
            Checkpoint.id
        )
    ).all()
    # Signatures first, so that the one pass over the entries knows which tree sizes to root.
    signed_heads: list[tuple[str, int, str, int | None, bytes | None, str | None]] = []
    for checkpoint_id, tree_size, root_hash, signed_note in checkpoints:
        label = f"checkpoint #{checkpoint_id} (size {tree_size})"
        try:
            signed = verify_checkpoint(signed_note, public_key, origin, origin=origin)
        except VerificationError as exc:
            signed_heads.append((label, tree_size, root_hash, None, None, str(exc)))
            continue
        signed_heads.append((label, tree_size, root_hash, signed.tree_size, signed.root_hash, None))
    wanted = {size for _, _, _, size, _, _ in signed_heads if size is not None}
    roots: dict[int, bytes] = {0: EMPTY_ROOT} if 0 in wanted else {}

    total = int(session.scalar(select(func.count()).select_from(LedgerEntry)) or 0) if progress else 0
    problems: list[Problem] = []
    frontier = TreeFrontier()
    gap_found = False
    for batch in _ledger_batches(session, max(1, batch_size)):
        current = recompute_entries(session, {(t, s) for _, t, s, _ in batch if t in _RECOMPUTERS})
        for leaf_index, subject_type, subject_id, stored_hash in batch:
            position = frontier.size
            if not gap_found and leaf_index != position:
                problems.append(
                    Problem(f"ledger entry {position}", "missing: the log has a gap (an entry was deleted)")
                )
                gap_found = True
            label = f"ledger entry {leaf_index} ({subject_type.replace('_', ' ')} #{subject_id})"
            try:
                stored = bytes.fromhex(stored_hash)
            except ValueError:
                stored = b""
            if len(stored) != 32:
                problems.append(Problem(label, "its leaf hash is not a SHA-256 hash"))
                stored = bytes(32)  # keeps the tree's shape; no signed root can match it
            if subject_type not in _RECOMPUTERS:
                problems.append(Problem(label, f"it names an unknown kind of record {subject_type!r}"))
            else:
                entry = current.get((subject_type, subject_id))
                if entry is None:
                    problems.append(Problem(label, "the record it names was deleted"))
                elif leaf_hash(entry) != stored:
                    problems.append(Problem(label, "the record was changed after it was recorded"))
            frontier.append(stored)
            if frontier.size in wanted:
                roots[frontier.size] = frontier.root()
        if progress:
            progress(frontier.size, max(total, frontier.size))

    for subject_type, model in RECORDED_MODELS:
        # An anti-join in the database: no set of every recorded subject is held here.
        ledgered = select(LedgerEntry.leaf_index).where(
            LedgerEntry.subject_type == subject_type, LedgerEntry.subject_id == model.id
        )
        for row_id in session.scalars(select(model.id).where(~ledgered.exists()).order_by(model.id)):
            problems.append(
                Problem(
                    f"{subject_type.replace('_', ' ')} #{row_id}",
                    "not in the ledger (inserted outside Gawah)",
                )
            )

    size = frontier.size
    for label, tree_size, root_hash, signed_size, signed_root, error in signed_heads:
        if signed_size is None or signed_root is None:
            problems.append(Problem(label, f"signature or format invalid: {error}"))
            continue
        if signed_size != tree_size or signed_root.hex() != root_hash:
            problems.append(Problem(label, "the stored size or root differs from the signed note"))
        if signed_size > size:
            problems.append(Problem(label, f"the log has only {size} entries: entries were deleted"))
        elif roots.get(signed_size) != signed_root:
            problems.append(
                Problem(
                    label, "the log no longer matches: entries were edited, deleted, inserted or reordered"
                )
            )
    return problems


def latest_checkpoint(session: Session) -> Checkpoint | None:
    """The signed checkpoint covering the most entries (the newest of equals)."""
    return session.scalar(select(Checkpoint).order_by(Checkpoint.tree_size.desc(), Checkpoint.id.desc()))


def entry_of(session: Session, leaf_index: int) -> bytes:
    """The canonical bytes of ledger entry ``leaf_index``, checked against the leaf hash on file."""
    entry = session.get(LedgerEntry, leaf_index)
    if entry is None:
        raise VerificationError(f"ledger entry {leaf_index} does not exist")
    current = recompute_entry(session, entry)
    if current is None:
        raise VerificationError(f"ledger entry {leaf_index}: the record it names was deleted")
    if leaf_hash(current).hex() != entry.leaf_hash:
        raise VerificationError(f"ledger entry {leaf_index}: the record was changed after it was recorded")
    return current


def inclusion_proofs(
    session: Session, leaf_indexes: list[int], *, with_entries: bool = False
) -> dict[str, Any]:
    """Proofs of the given leaves against the latest checkpoint, in the stand-alone verifier's format.

    With ``with_entries`` each proof also carries the entry's canonical bytes, so that a reader
    sees what was recorded and the verifier checks that it hashes to the leaf.
    """
    checkpoint = latest_checkpoint(session)
    if checkpoint is None:
        raise VerificationError("no signed checkpoint yet: ingest something first")
    for index in leaf_indexes:
        if index >= checkpoint.tree_size:
            raise VerificationError(f"entry {index} is newer than the latest checkpoint; sign one first")
    entries = [ProvedEntry(i, entry_of(session, i) if with_entries else None) for i in leaf_indexes]
    return inclusion_proofs_document(load_log(session), checkpoint.signed_note, entries)


def entry_b64(entry: bytes) -> str:
    return base64.b64encode(entry).decode("ascii")
