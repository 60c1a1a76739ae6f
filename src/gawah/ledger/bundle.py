"""Court bundles: one canonical zip holding evidence files and everything needed to check them.

A bundle holds, for each chosen evidence item, the original file, its metadata (what tools read
out of the file kept apart from what the collector states), its whole chain of custody, and the
canonical ledger entries of the item and of each custody event with inclusion proofs against a
signed checkpoint; and, for the whole bundle, the workspace public key, the stand-alone
``verifier.py``, a machine-readable index (``bundle.json``) and a readable ``manifest.html``.

Every file must be vouched for by a signed ledger entry (the verifier's rule). The original is
named by the item's evidence entry, recorded at intake. Everything else is named by the
"exported" custody event that the export records for each item: its notes list the SHA-256 of
the item's metadata and custody files and of the manifest, index, verifier and key. A new
checkpoint is signed after those events and every proof in ``proofs.json`` is against it. The
zip is written with ``verifier.write_canonical_zip`` and checked before it is released, so
that any changed byte of it (member data, header, directory) fails verification.

Layout::

    manifest.html                   readable manifest (what, hashes, custody, how to verify)
    bundle.json                     machine-readable index of items and files
    proofs.json                     inclusion proofs (gawah-inclusion-proofs/1)
    public_key.pem                  the workspace's Ed25519 public key
    verifier.py                     stand-alone verifier (standard library; cryptography optional)
    files/<sha256>/<file name>      each original, byte for byte
    items/<sha256>/metadata.json    tool metadata, collector's statement, acquisition, ledger entry
    items/<sha256>/custody.json     custody events before this export, each with its ledger entry
    timestamps/checkpoint-<size>-<n>.json   RFC 3161 tokens over an earlier checkpoint (gawah-timestamp/1)
    timestamps/consistency.json     consistency proof from that checkpoint to the one of proofs.json

The tokens are those over the largest checkpoint that authorities have stamped (and that verify
now): the bundle's own checkpoint is signed after the export is recorded, so no token can
cover it yet. Token files are named by the "exported" entries like every other file; the
consistency proof, written after the checkpoint is signed, is checked by the verifier.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from gawah import __version__
from gawah.ledger import verifier
from gawah.ledger.journal import entry_of, load_log, record_custody, sign_current
from gawah.ledger.keys import load_private_key, load_public_key, raw_public_key
from gawah.ledger.proofs import (
    ProvedEntry,
    ProvedFile,
    consistency_proof_document,
    dump_proof_document,
    inclusion_proofs_document,
)
from gawah.ledger.timestamp import BundleTimestamps, bundle_timestamps
from gawah.store.engine import transaction
from gawah.store.models import (
    CustodyEvent,
    Document,
    EvidenceItem,
    Incident,
    IncidentSource,
    LedgerEntry,
)
from gawah.vault.statement import blocked_uses
from gawah.workspace import Workspace

__all__ = [
    "BUNDLE_PROFILE",
    "BundleCheck",
    "BundleError",
    "ExportedBundle",
    "check_bundle",
    "export_bundle",
    "member_name",
    "select_items",
]

BUNDLE_PROFILE = "gawah-court-bundle"
BUNDLE_VERSION = 1
MANIFEST = "manifest.html"
INDEX = "bundle.json"
PROOFS = "proofs.json"
PUBLIC_KEY = "public_key.pem"
VERIFIER = "verifier.py"
TIMESTAMPS_DIR = "timestamps/"
CONSISTENCY = f"{TIMESTAMPS_DIR}consistency.json"
EXPORT_METHOD = "court bundle (canonical zip with inclusion proofs)"
# Shared files, in the order they open the zip.
HEAD = (MANIFEST, INDEX, PROOFS, PUBLIC_KEY, VERIFIER)
# File name endings the verifier reads as proofs or keys: an original with such a name is stored
# with its ending in capitals so that it is hashed as evidence, never parsed as a proof or key.
_RESERVED_ENDINGS = (".json", ".pub", ".vkey", ".pem")
_CHUNK = 1 << 20
_TEMPLATES = Path(__file__).parent / "templates"


class BundleError(Exception):
    """The bundle cannot be written as asked (unknown item, changed file, no key...)."""


# ---------------------------------------------------------------------------------------------
# Choosing items


def _by_ref(session: Session, ref: str) -> EvidenceItem:
    ref = ref.strip().lower()
    if ref.isdigit():
        item = session.get(EvidenceItem, int(ref))
        if item is not None or len(ref) < 8:
            if item is None:
                raise BundleError(f"no evidence item has id {ref}")
            return item
    if len(ref) < 8 or any(ch not in "0123456789abcdef" for ch in ref):
        raise BundleError(f"{ref!r}: give an evidence item id or at least 8 hex characters of its SHA-256")
    found = session.scalars(select(EvidenceItem).where(EvidenceItem.sha256.startswith(ref)).limit(2)).all()
    if len(found) != 1:
        raise BundleError(f"{ref!r}: {'no' if not found else 'more than one'} evidence item matches")
    return found[0]


def select_items(session: Session, refs: Sequence[str], incident_id: int | None = None) -> list[EvidenceItem]:
    """Items named by id or SHA-256 prefix, plus all evidence of an incident (through its documents).

    Each derived item brings the original it was derived from, so that the derivation can be
    checked from the bundle alone. Ordered by id, each once.
    """
    chosen: dict[int, EvidenceItem] = {}
    for ref in refs:
        item = _by_ref(session, ref)
        chosen[item.id] = item
    if incident_id is not None:
        if session.get(Incident, incident_id) is None:
            raise BundleError(f"no incident has id {incident_id}")
        query = (
            select(EvidenceItem)
            .join(Document, Document.evidence_item_id == EvidenceItem.id)
            .join(IncidentSource, IncidentSource.document_id == Document.id)
            .where(IncidentSource.incident_id == incident_id)
        )
        found = session.scalars(query).all()
        if not found:
            raise BundleError(f"incident {incident_id} has no evidence (no document reports it)")
        chosen.update((item.id, item) for item in found)
    if not chosen:
        raise BundleError("name at least one evidence item or an incident")
    pending = list(chosen.values())
    while pending:
        item = pending.pop()
        if item.derived_from_id is not None and item.derived_from_id not in chosen:
            original = session.get(EvidenceItem, item.derived_from_id)
            if original is not None:
                chosen[original.id] = original
                pending.append(original)
    return [chosen[i] for i in sorted(chosen)]


# ---------------------------------------------------------------------------------------------
# What the bundle says about each item


@dataclass(frozen=True)
class ProvedRecord:
    """A ledger entry of the bundle: its index, canonical bytes and what it records."""

    leaf_index: int
    entry: bytes

    @property
    def leaf_hash(self) -> str:
        return verifier.leaf_hash(self.entry).hex()

    def as_dict(self) -> dict[str, Any]:
        return {
            "leaf_index": self.leaf_index,
            "leaf_hash": self.leaf_hash,
            "entry": json.loads(self.entry.decode("utf-8")),
        }


@dataclass
class ItemRecord:
    """One evidence item as the bundle carries it."""

    item: EvidenceItem
    derived_from_sha256: str | None
    evidence: ProvedRecord
    custody: list[tuple[CustodyEvent, ProvedRecord]]
    files: dict[str, bytes] = field(default_factory=dict)  # metadata and custody JSON by path

    @property
    def sha256(self) -> str:
        return self.item.sha256

    @property
    def file_path(self) -> str:
        return f"files/{self.sha256}/{member_name(self.item.original_filename)}"

    @property
    def metadata_path(self) -> str:
        return f"items/{self.sha256}/metadata.json"

    @property
    def custody_path(self) -> str:
        return f"items/{self.sha256}/custody.json"


def member_name(original_filename: str) -> str:
    """A safe zip member name for an original's file name (the true name stays in metadata)."""
    name = PurePosixPath(original_filename.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if name in ("", ".", ".."):
        name = "original"
    while len(name.encode("utf-8")) > 200:
        # Keep the ending (it tells the file type) and cut the stem.
        stem, dot, suffix = name.rpartition(".")
        name = f"{stem[:-1]}{dot}{suffix}" if dot and len(suffix) < 16 and stem else name[:-1]
    lowered = name.lower()
    for ending in _RESERVED_ENDINGS:
        if lowered.endswith(ending):
            name = name[: -len(ending)] + ending.upper()
    if lowered == "verifier.py":
        name = "verifier.PY"
    return name


def _utc_text(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite gives naive datetimes; Gawah writes UTC only
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _record_of(session: Session, item: EvidenceItem) -> ItemRecord:
    evidence_index = session.scalar(
        select(LedgerEntry.leaf_index).where(
            LedgerEntry.subject_type == "evidence_item", LedgerEntry.subject_id == item.id
        )
    )
    if evidence_index is None:
        raise BundleError(f"evidence item #{item.id} is not in the ledger; run `gawah verify`")
    events = session.scalars(
        select(CustodyEvent).where(CustodyEvent.evidence_item_id == item.id).order_by(CustodyEvent.id)
    ).all()
    rows = session.execute(
        select(LedgerEntry.subject_id, LedgerEntry.leaf_index).where(
            LedgerEntry.subject_type == "custody_event",
            LedgerEntry.subject_id.in_([e.id for e in events]),
        )
    )
    indexes = {subject_id: leaf_index for subject_id, leaf_index in rows}
    custody = []
    for event in events:
        if event.id not in indexes:
            raise BundleError(f"custody event #{event.id} is not in the ledger; run `gawah verify`")
        custody.append((event, _proved(session, indexes[event.id])))
    derived = session.get(EvidenceItem, item.derived_from_id) if item.derived_from_id else None
    return ItemRecord(
        item=item,
        derived_from_sha256=derived.sha256 if derived else None,
        evidence=_proved(session, evidence_index),
        custody=custody,
    )


def _proved(session: Session, leaf_index: int) -> ProvedRecord:
    try:
        return ProvedRecord(leaf_index, entry_of(session, leaf_index))
    except verifier.VerificationError as exc:
        raise BundleError(f"{exc}; run `gawah verify`") from exc


def _checked_file(ws: Workspace, sha256: str, staging: Path) -> Path:
    """A local file holding the stored bytes, refused unless they still hash to their name.

    A local store's own file is used in place; from any other store (S3) the bytes are copied
    to ``staging`` while they are hashed, so each original is read from the store once.
    """
    local_path = getattr(ws.blobs, "path", None)
    target = Path(local_path(sha256)) if callable(local_path) else staging / sha256
    digest = hashlib.sha256()
    try:
        with ws.blobs.open(sha256) as handle, contextlib.ExitStack() as stack:
            copy = None if callable(local_path) else stack.enter_context(target.open("xb"))
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                if copy is not None:
                    copy.write(chunk)
    except FileNotFoundError as exc:
        raise BundleError(f"the stored file {sha256} is missing; run `gawah verify`") from exc
    if digest.hexdigest() != sha256:
        raise BundleError(f"the stored file {sha256} has changed (it hashes to {digest.hexdigest()})")
    return target


def _custody_row(event: CustodyEvent) -> dict[str, Any]:
    return {
        "event": event.event,
        "at": _utc_text(event.occurred_at),
        "actor": event.actor,
        "place": event.place,
        "tool": event.tool,
        "method": event.method,
        "notes": event.notes,
    }


def metadata_document(record: ItemRecord) -> dict[str, Any]:
    """The metadata file of one item: tool findings and the collector's statement kept apart."""
    item = record.item
    source = item.source
    return {
        "sha256": item.sha256,
        "size_bytes": item.size_bytes,
        "media_type": item.media_type,
        "original_filename": item.original_filename,
        "file": record.file_path,
        "derived_from": (
            {"sha256": record.derived_from_sha256, "derivation": item.derivation}
            if record.derived_from_sha256
            else None
        ),
        "confidentiality": item.confidentiality,
        "read_by_tools": item.tool_metadata or {},
        "collector_statement": {
            "collected_at": _utc_text(item.collected_at),
            "collected_by": item.collected_by,
            "notes": item.collector_notes,
            "source": source and {"name": source.name, "kind": source.kind, "url": source.url},
        },
        "acquisition": {
            "acquired_at": _utc_text(item.acquired_at),
            "acquired_by": item.acquired_by,
            "method": item.acquisition_method,
            "tool": item.acquisition_tool,
        },
        "ledger_entry": record.evidence.as_dict(),
    }


def custody_document(record: ItemRecord) -> dict[str, Any]:
    """The custody file of one item: every event before this export, oldest first."""
    return {
        "sha256": record.sha256,
        "events": [{**_custody_row(e), "ledger_entry": p.as_dict()} for e, p in record.custody],
        "note": (
            "The export that wrote this bundle is recorded as a further 'exported' event; its ledger "
            f"entry names this file by its SHA-256 and is proved in {PROOFS}."
        ),
    }


# ---------------------------------------------------------------------------------------------
# Export


@dataclass(frozen=True)
class ExportedBundle:
    """What an export wrote and recorded."""

    path: Path
    items: int
    files: int
    size_bytes: int
    tree_size: int
    export_events: tuple[int, ...]
    key_fingerprint: str
    lines: tuple[str, ...]


def _render_manifest(context: dict[str, Any]) -> bytes:
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["bytes"] = _human_size
    return env.get_template("manifest.html").render(**context).encode("utf-8")


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size:,} bytes" if unit == "bytes" else f"{value:.1f} {unit} ({size:,} bytes)"
        value /= 1024
    return f"{size:,} bytes"


def _export_notes(bundle_name: str, listed: Sequence[tuple[str, str]], note: str) -> str:
    lines = [f"Exported in court bundle {bundle_name}. Its files, by SHA-256:"]
    lines += [f"{sha}  {path}" for path, sha in listed]
    if note:
        lines.append(note)
    return "\n".join(lines)


def export_bundle(
    ws: Workspace,
    out: Path,
    refs: Sequence[str] = (),
    *,
    incident_id: int | None = None,
    actor: str,
    place: str | None = None,
    notes: str = "",
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> ExportedBundle:
    """Write a court bundle of the chosen items to ``out`` and record the export in custody.

    The zip is written to a temporary file beside ``out`` and verified before the export events
    are committed; only then does it take its name. Raises BundleError when an item is unknown,
    a stored file or record changed, or the written bundle does not verify.
    """
    out = out.expanduser().resolve()
    if out.exists():
        raise BundleError(f"{out} already exists; a bundle is never overwritten")
    if not out.parent.is_dir():
        raise BundleError(f"folder {out.parent} does not exist")
    public_pem = ws.settings.public_key_path.read_bytes()
    private_key = load_private_key(ws.settings.signing_key_path)
    key = verifier.VerifierKey(raw_public_key(load_public_key(ws.settings.public_key_path)))
    verifier_bytes = Path(verifier.__file__).read_bytes()
    origin = ws.settings.log_origin
    tool = f"gawah {__version__} bundle export"
    temporary = out.with_name(f".{out.name}.partial")

    with (
        tempfile.TemporaryDirectory(prefix=".gawah-bundle-", dir=out.parent) as staging,
        transaction(ws.sessions) as session,
    ):
        items = select_items(session, refs, incident_id)
        # A witness who has not agreed (or no longer agrees) to their statement going to a court
        # keeps it out of the bundle: refused, naming the statement, nothing exported.
        blocked = blocked_uses(session, [item.id for item in items], "courts")
        if blocked:
            raise BundleError(
                "no consent for use in court: "
                + "; ".join(f"item {item_id} ({why})" for item_id, why in sorted(blocked.items()))
            )
        records = [_record_of(session, item) for item in items]
        originals = {r.sha256: _checked_file(ws, r.sha256, Path(staging)) for r in records}
        entries_before = load_log(session).size
        exported_at = now().astimezone(dt.UTC)

        for record in records:
            record.files[record.metadata_path] = _json_bytes(metadata_document(record))
            record.files[record.custody_path] = _json_bytes(custody_document(record))
        try:
            stamps = bundle_timestamps(session, ws.settings.timestamp, TIMESTAMPS_DIR)
        except verifier.VerificationError as exc:  # e.g. a configured trust anchor cannot be read
            raise BundleError(f"timestamps cannot be checked: {exc}") from exc
        token_files = [(path, _json_bytes(document)) for path, document in stamps.files] if stamps else []
        index = _index_document(records, out.name, exported_at, actor, tool, origin, stamps)
        index_bytes = _json_bytes(index)
        shared_hashes = {
            INDEX: _sha256(index_bytes),
            PUBLIC_KEY: _sha256(public_pem),
            VERIFIER: _sha256(verifier_bytes),
            **{path: _sha256(data) for path, data in token_files},
        }
        manifest = _render_manifest(
            {
                "bundle_name": out.name,
                "exported_at": _utc_text(exported_at),
                "actor": actor,
                "place": place,
                "tool": tool,
                "method": EXPORT_METHOD,
                "notes": notes,
                "workspace_name": ws.settings.name,
                "origin": origin,
                "entries_before": entries_before,
                "fingerprint": key.fingerprint(),
                "vkey": verifier.VerifierKey(key.public_key, origin).c2sp_vkey(),
                "records": records,
                "metadata": {r.sha256: metadata_document(r) for r in records},
                "custody_rows": {r.sha256: [(_custody_row(e), p) for e, p in r.custody] for r in records},
                "hashes": {**shared_hashes, **{p: _sha256(b) for r in records for p, b in r.files.items()}},
                "layout": HEAD,
                "timestamps": index["timestamps"] if stamps else None,
            }
        )
        shared_hashes[MANIFEST] = _sha256(manifest)
        shared = [
            (n, shared_hashes[n])
            for n in (MANIFEST, INDEX, PUBLIC_KEY, VERIFIER, *(path for path, _ in token_files))
        ]

        event_ids: list[int] = []
        proved: list[ProvedEntry] = []
        for record in records:
            own = [(record.file_path, record.sha256)] + [(p, _sha256(b)) for p, b in record.files.items()]
            event = record_custody(
                session,
                record.item,
                "exported",
                actor,
                place=place,
                tool=tool,
                method=EXPORT_METHOD,
                notes=_export_notes(out.name, own + shared, notes),
                occurred_at=exported_at,
            )
            event_ids.append(event.id)
            export_index = session.scalar(
                select(LedgerEntry.leaf_index).where(
                    LedgerEntry.subject_type == "custody_event", LedgerEntry.subject_id == event.id
                )
            )
            assert export_index is not None  # record_custody appends it in this transaction
            listed = [ProvedFile(p, s) for p, s in own[1:] + shared]
            export_entry = ProvedEntry(export_index, entry_of(session, export_index), tuple(listed))
            proved.append(
                ProvedEntry(
                    record.evidence.leaf_index,
                    record.evidence.entry,
                    (ProvedFile(record.file_path, record.sha256),),
                )
            )
            proved += [ProvedEntry(p.leaf_index, p.entry) for _, p in record.custody]
            proved.append(export_entry)

        checkpoint = sign_current(session, origin, private_key)
        if checkpoint is None:  # the export events are new entries, so this cannot happen
            raise BundleError("no new checkpoint could be signed after the export")
        proofs = inclusion_proofs_document(load_log(session), checkpoint.signed_note, proved)
        members: list[tuple[str, Path | bytes]] = [
            (MANIFEST, manifest),
            (INDEX, index_bytes),
            (PROOFS, dump_proof_document(proofs).encode("utf-8")),
            (PUBLIC_KEY, public_pem),
            (VERIFIER, verifier_bytes),
        ]
        for record in records:
            members.append((record.file_path, originals[record.sha256]))
            members += list(record.files.items())
        if stamps is not None:
            consistency = consistency_proof_document(
                load_log(session), stamps.signed_note, checkpoint.signed_note
            )
            members += token_files
            members.append((CONSISTENCY, dump_proof_document(consistency).encode("utf-8")))
        try:
            with temporary.open("xb") as handle:
                verifier.write_canonical_zip(handle, members)
                handle.flush()
                os.fsync(handle.fileno())
            check = check_bundle(temporary, key)
            if not check.ok:
                failures = "; ".join(line for line in check.lines if line.startswith("FAIL"))
                raise BundleError(f"the written bundle does not verify: {failures}")
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        tree_size = checkpoint.tree_size
    # The export is committed; only now does the bundle take its name.
    os.replace(temporary, out)
    # The export's checkpoint is new: ask for its timestamps now, for later bundles.
    ws.stamp_checkpoints()
    return ExportedBundle(
        path=out,
        items=len(records),
        files=len(members),
        size_bytes=out.stat().st_size,
        tree_size=tree_size,
        export_events=tuple(event_ids),
        key_fingerprint=key.fingerprint(),
        lines=tuple(check.lines),
    )


def _index_document(
    records: Sequence[ItemRecord],
    bundle_name: str,
    exported_at: dt.datetime,
    actor: str,
    tool: str,
    origin: str,
    stamps: BundleTimestamps | None = None,
) -> dict[str, Any]:
    return {
        "profile": BUNDLE_PROFILE,
        "version": BUNDLE_VERSION,
        "bundle": bundle_name,
        "exported_at": _utc_text(exported_at),
        "exported_by": actor,
        "tool": tool,
        "log_origin": origin,
        "proofs": PROOFS,
        "public_key": PUBLIC_KEY,
        "verifier": VERIFIER,
        "manifest": MANIFEST,
        "items": [
            {
                "sha256": r.sha256,
                "size_bytes": r.item.size_bytes,
                "media_type": r.item.media_type,
                "original_filename": r.item.original_filename,
                "file": r.file_path,
                "metadata": r.metadata_path,
                "custody": r.custody_path,
                "derived_from": r.derived_from_sha256,
                "evidence_entry": r.evidence.leaf_index,
                "custody_entries": [p.leaf_index for _, p in r.custody],
                "files_sha256": {p: _sha256(b) for p, b in r.files.items()},
            }
            for r in records
        ],
        "timestamps": _timestamps_index(stamps),
    }


def _timestamps_index(stamps: BundleTimestamps | None) -> dict[str, Any]:
    if stamps is None:
        return {
            "folder": TIMESTAMPS_DIR,
            "tokens": [],
            "note": (
                "RFC 3161 tokens over signed checkpoints go here, with the checkpoint they stamp and "
                "a consistency proof from it to the checkpoint of proofs.json; none have been issued "
                "for this workspace yet."
            ),
        }
    tokens = []
    for path, document in stamps.files:
        token = verifier.parse_timestamp_response(base64.b64decode(document["response"]))
        tokens.append(
            {
                "file": path,
                "authority": document["authority"],
                "gen_time": token.gen_time.isoformat().replace("+00:00", "Z"),
                "policy": token.policy,
            }
        )
    return {
        "folder": TIMESTAMPS_DIR,
        "tree_size": stamps.tree_size,
        "tokens": tokens,
        "consistency_proof": CONSISTENCY,
        "note": (
            f"RFC 3161 tokens over the signed checkpoint of {stamps.tree_size} entries: ledger entries "
            f"0 to {stamps.tree_size - 1} existed by the time each token states. {CONSISTENCY} proves "
            "that the checkpoint of proofs.json extends the stamped one."
        ),
    }


# ---------------------------------------------------------------------------------------------
# Checking a bundle


@dataclass
class BundleCheck:
    """The outcome of checking a bundle: the lines to print and the exit status."""

    lines: list[str]
    status: int

    @property
    def ok(self) -> bool:
        return self.status == verifier.EXIT_OK


def check_bundle(path: Path, key: verifier.VerifierKey | None = None) -> BundleCheck:
    """Verify a bundle zip with the stand-alone verifier, then check it is a whole Gawah bundle.

    The verifier checks the zip layout, the checkpoint signature, every proof and every file
    hash. On top of it this checks what only a court bundle promises: proofs.json in its
    canonical form (so no byte of it is free), the members in the writer's order, and for each
    item of bundle.json its evidence entry, its custody entries and its "exported" entry
    naming the item's files and the manifest.
    """
    report = verifier.Report(lines=[])
    try:
        verifier.verify_source(path, key, report)
    except (zipfile.BadZipFile, zlib.error, OSError, KeyError, ValueError, RuntimeError, EOFError) as exc:
        report.fail(f"{path.name}: damaged or unreadable: {exc!r}")
        return BundleCheck(report.lines, verifier.EXIT_INVALID)
    if report.failures == 0:
        try:
            for problem in _bundle_problems(path):
                report.fail(f"{path.name}: {problem}")
        except (
            zipfile.BadZipFile,
            zlib.error,
            OSError,
            LookupError,
            ValueError,
            TypeError,
            AttributeError,
            EOFError,
        ) as exc:
            # Only a bundle whose every file a signed entry vouches for gets here; still, a
            # malformed index is a failure, never a crash.
            report.fail(f"{path.name}: index or proofs malformed: {exc!r}")
        if report.failures == 0:
            report.ok(f"{path.name}: a whole court bundle (index, custody and export entries agree)")
    return BundleCheck(report.lines, report.exit_status())


def _bundle_problems(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        raw_proofs = archive.read(PROOFS)
        proofs = json.loads(raw_proofs.decode("utf-8"))
        if dump_proof_document(proofs).encode("utf-8") != raw_proofs:
            return [f"{PROOFS} is not in its canonical form (its bytes were changed)"]
        index = json.loads(archive.read(INDEX).decode("utf-8"))
        manifest_sha = _sha256(archive.read(MANIFEST))
        stamped = index.get("timestamps", {})
        token_docs = {
            t["file"]: json.loads(archive.read(t["file"]).decode("utf-8"))
            for t in stamped.get("tokens", [])
            if t["file"] in names
        }
        raw_consistency = archive.read(CONSISTENCY) if CONSISTENCY in names else None
        custody_files = {
            item["sha256"]: json.loads(archive.read(item["custody"]).decode("utf-8"))
            for item in index.get("items", [])
            if item.get("custody") in names
        }
    problems: list[str] = []
    if index.get("profile") != BUNDLE_PROFILE or index.get("version") != BUNDLE_VERSION:
        return [f"{INDEX} is not a {BUNDLE_PROFILE} version {BUNDLE_VERSION} index"]
    expected = list(HEAD)
    for item in index["items"]:
        expected += [item["file"], item["metadata"], item["custody"]]
    token_files = [t["file"] for t in stamped.get("tokens", [])]
    if token_files:
        expected += [*token_files, CONSISTENCY]
        problems += _timestamp_problems(proofs, token_docs, raw_consistency)
    if names != expected:
        problems.append("the zip's members are not those of the index, in the writer's order")
    entries: dict[int, tuple[dict[str, Any], list[str]]] = {}
    for proof in proofs["proofs"]:
        if "entry" not in proof:
            problems.append(f"proof of entry {proof['leaf_index']} carries no entry")
            continue
        entry = json.loads(base64.b64decode(proof["entry"]).decode("utf-8"))
        entries[proof["leaf_index"]] = (entry, [f["path"] for f in proof.get("files", [])])
    for item in index["items"]:
        sha = item["sha256"]
        evidence = entries.get(item["evidence_entry"])
        if evidence is None or evidence[0].get("kind") != "evidence" or evidence[0].get("sha256") != sha:
            problems.append(f"item {sha}: its evidence entry {item['evidence_entry']} is not proved")
        elif evidence[1] != [item["file"]]:
            problems.append(f"item {sha}: its evidence entry does not list the file {item['file']}")
        for index_number in item["custody_entries"]:
            custody = entries.get(index_number)
            if custody is None or custody[0].get("kind") != "custody" or custody[0].get("evidence") != sha:
                problems.append(f"item {sha}: custody entry {index_number} is not proved")
        listed = [
            (e["ledger_entry"]["leaf_index"], e["ledger_entry"]["entry"])
            for e in custody_files.get(sha, {}).get("events", [])
        ]
        if listed != [(i, entries.get(i, ({}, []))[0]) for i in item["custody_entries"]]:
            problems.append(f"item {sha}: {item['custody']} differs from the proved custody entries")
        exports = [
            (i, e)
            for i, (e, files) in entries.items()
            if e.get("kind") == "custody"
            and e.get("event") == "exported"
            and e.get("evidence") == sha
            and i not in item["custody_entries"]
        ]
        wanted = {item["metadata"], item["custody"], *HEAD, *token_files} - {PROOFS}
        if len(exports) != 1:
            problems.append(f"item {sha}: no single 'exported' entry for this bundle is proved")
            continue
        export_index, export = exports[0]
        if not wanted <= set(entries[export_index][1]) or manifest_sha not in str(export.get("notes")):
            problems.append(
                f"item {sha}: the 'exported' entry does not name every file of the item and the bundle"
            )
    proved_items = {e.get("evidence") for e, _ in entries.values() if e.get("kind") == "custody"}
    proved_items |= {e.get("sha256") for e, _ in entries.values() if e.get("kind") == "evidence"}
    if proved_items != {item["sha256"] for item in index["items"]}:
        problems.append(f"{PROOFS} proves entries of items that {INDEX} does not list, or misses some")
    return problems


def _timestamp_problems(
    proofs: dict[str, Any], token_docs: dict[str, dict[str, Any]], raw_consistency: bytes | None
) -> list[str]:
    """The tokens stamp one checkpoint, and the consistency proof leads from it to the bundle's."""
    if raw_consistency is None:
        return [f"{CONSISTENCY} is missing"]
    consistency = json.loads(raw_consistency.decode("utf-8"))
    if dump_proof_document(consistency).encode("utf-8") != raw_consistency:
        return [f"{CONSISTENCY} is not in its canonical form (its bytes were changed)"]
    problems = []
    if consistency.get("new_checkpoint") != proofs.get("checkpoint"):
        problems.append(f"{CONSISTENCY} does not lead to the checkpoint of {PROOFS}")
    for path, document in token_docs.items():
        if document.get("checkpoint") != consistency.get("old_checkpoint"):
            problems.append(f"{path} stamps another checkpoint than {CONSISTENCY} starts from")
    return problems
