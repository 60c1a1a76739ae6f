"""The evidence pages: a list of preserved items and one page per item with its preview, the
metadata read by tools (apart from what the collector said), hashes, custody, proof status, similar
items and working copies.

Pictures and footage marked graphic are blurred behind a warning until the viewer chooses to see
them, once or always (`User.show_graphic_media`): investigators who look at such material every day
decide when. Nothing here runs script: revealing is a plain form, the blur is a stylesheet rule.

Originals are served for preview only in types a browser shows without running anything (pictures,
video, audio, PDF); HTML, SVG and every other type come as attachments, so that a preserved page can
never run in this origin. Proofs are computed on the fly: each ledger entry of an item against the
latest signed checkpoint, whose signature is checked with the workspace key.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, Literal
from urllib.parse import quote, urlencode

from fastapi import Body, Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, and_, func, not_, or_, select
from sqlalchemy.orm import Session

from gawah import __version__
from gawah.ledger.checkpoint import verify_checkpoint
from gawah.ledger.journal import entry_of, latest_checkpoint, record_access, record_registry_change
from gawah.ledger.keys import load_public_key
from gawah.ledger.merkle import MerkleLog, VerificationError, leaf_hash, verify_inclusion
from gawah.security.policy import Action, Principal, Resource, authorize, visible_levels
from gawah.store.engine import transaction
from gawah.store.models import (
    Checkpoint,
    CustodyEvent,
    EvidenceItem,
    LedgerEntry,
    RegistryChange,
    TimestampToken,
    User,
    WitnessStatement,
)
from gawah.store.vocab import Confidentiality
from gawah.vault.assessment import (
    AssessmentError,
    assessments_of,
    by_strand,
    record_assessment,
    strands_agree,
)
from gawah.vault.phash import PERCEPTUAL_KEY
from gawah.vault.statement import blocked_uses, statements_of
from gawah.web.auth import ReasonNeeded, check_csrf, check_read, requires

if TYPE_CHECKING:
    from gawah.cli.vault_similar import SimilarItem

Render = Callable[..., HTMLResponse]
PAGE_SIZE = 50

# The kinds the list filters by, each a condition on the media type.
KINDS = ("image", "video", "audio", "pdf", "text", "other")
_PREFIXED = {"image": "image/", "video": "video/", "audio": "audio/", "text": "text/"}

# Types a browser shows without running anything in them: only these are served inline.
INLINE_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/avif",
        "image/bmp",
        "video/mp4",
        "video/webm",
        "video/ogg",
        "video/quicktime",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "audio/x-wav",
        "audio/webm",
        "audio/mp4",
        "audio/flac",
        "audio/aac",
        "application/pdf",
    }
)
# A served original may only be itself: no script, no plugin beyond the browser's PDF viewer.
MEDIA_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; object-src 'self'; sandbox allow-downloads"
PDF_CSP = "default-src 'none'; img-src 'self'; object-src 'self'"

ItemReader = Annotated[Principal, Depends(requires(Action.DOCUMENT_READ))]
ReasonQuery = Annotated[
    str,
    Query(max_length=500, description="Why you read this confidential record (kept in the audit trail)."),
]


def media_kind(media_type: str) -> str:
    """The list's kind of a media type: image, video, audio, pdf, text or other."""
    if media_type == "application/pdf":
        return "pdf"
    for kind, prefix in _PREFIXED.items():
        if media_type.startswith(prefix):
            return kind
    return "other"


def preview_kind(media_type: str) -> str:
    """How the item page shows a type: image, video, audio, pdf, or none (download only)."""
    if media_type not in INLINE_TYPES:
        return "none"
    return media_kind(media_type)


def _kind_condition(kind: str) -> ColumnElement[bool]:
    column = EvidenceItem.media_type
    if kind == "pdf":
        return column == "application/pdf"
    if kind in _PREFIXED:
        return column.like(_PREFIXED[kind] + "%")
    return and_(column != "application/pdf", not_(or_(*(column.like(p + "%") for p in _PREFIXED.values()))))


# A reviewer's judgement that a picture or footage is graphic is a registry change on the item
# (who, when, in the ledger), never an edit of the item itself, whose entry fixes what it holds.
MARK, UNMARK = "mark_graphic", "unmark_graphic"


def graphic_marks(session: Session, item_ids: Sequence[int]) -> dict[int, RegistryChange]:
    """The standing mark of each item marked graphic (its latest mark, not since removed)."""
    if not item_ids:
        return {}
    latest: dict[int, RegistryChange] = {}
    for change in session.scalars(
        select(RegistryChange)
        .where(
            RegistryChange.subject_type == "evidence_item",
            RegistryChange.subject_id.in_(list(item_ids)),
            RegistryChange.action.in_([MARK, UNMARK]),
        )
        .order_by(RegistryChange.id)
    ):
        latest[change.subject_id] = change
    return {k: v for k, v in latest.items() if v.action == MARK}


class AssessmentBody(BaseModel):
    """One finding in one verification strand; the caller is the assessor."""

    strand: Literal["source", "technical", "content"]
    finding: Literal["consistent", "inconsistent", "inconclusive", "not_assessed"]
    method: str = Field("", max_length=2000)
    tools: list[str] = Field(default_factory=list, max_length=50)
    notes: str = Field("", max_length=20_000)
    confidence: Literal["low", "medium", "high"] | None = None
    confidentiality: Literal["public", "restricted", "confidential"] = "restricted"


def verification_of(session: Session, item_id: int, levels: Sequence[str]) -> dict[str, Any]:
    """The item's three strands as the API gives them: the latest finding of each and its history."""
    views = by_strand(assessments_of(session, item_id, levels))
    return {
        "evidence_item_id": item_id,
        "strands": {
            v.strand: {
                "latest": v.latest.finding if v.latest else None,
                "history": [r.as_dict() for r in v.history],
            }
            for v in views
        },
        "strands_agree": strands_agree(views),
    }


# -- reads -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceRow:
    id: int
    filename: str
    media_type: str
    kind: str
    size_bytes: int
    acquired_at: dt.datetime
    collected_at: dt.datetime | None
    confidentiality: str
    derived_from_id: int | None
    derivation: str | None
    graphic: bool


@dataclass(frozen=True)
class EvidenceListing:
    total: int
    rows: list[EvidenceRow]
    kind_counts: dict[str, int]


def _row(item: EvidenceItem, graphic: bool = False) -> EvidenceRow:
    return EvidenceRow(
        id=item.id,
        filename=PurePath(item.original_filename).name or item.original_filename,
        media_type=item.media_type,
        kind=media_kind(item.media_type),
        size_bytes=item.size_bytes,
        acquired_at=item.acquired_at,
        collected_at=item.collected_at,
        confidentiality=item.confidentiality,
        derived_from_id=item.derived_from_id,
        derivation=item.derivation,
        graphic=graphic,
    )


def list_evidence(
    session: Session, levels: Sequence[str], *, kind: str | None, limit: int, offset: int
) -> EvidenceListing:
    """Items the caller may see, newest first, optionally of one kind; with counts per kind."""
    visible: ColumnElement[bool] = EvidenceItem.confidentiality.in_(levels)
    if Confidentiality.RESTRICTED.value not in levels:
        # Readers of public records only never see an item whose witness did not agree to
        # publication (or withdrew it), not even listed.
        with_statements = session.scalars(
            select(WitnessStatement.evidence_item_id)
            .join(EvidenceItem, EvidenceItem.id == WitnessStatement.evidence_item_id)
            .where(visible)
        ).all()
        blocked = blocked_uses(session, list(with_statements), "publication")
        if blocked:
            visible = and_(visible, EvidenceItem.id.not_in(list(blocked)))
    where = and_(visible, _kind_condition(kind)) if kind in KINDS else visible
    total = int(session.scalar(select(func.count()).select_from(EvidenceItem).where(where)) or 0)
    items = session.scalars(
        select(EvidenceItem)
        .where(where)
        .order_by(EvidenceItem.acquired_at.desc(), EvidenceItem.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    counts = {
        k: int(
            session.scalar(select(func.count()).select_from(EvidenceItem).where(visible, _kind_condition(k)))
            or 0
        )
        for k in KINDS
    }
    marks = graphic_marks(session, [i.id for i in items])
    return EvidenceListing(total, [_row(i, i.id in marks) for i in items], counts)


def metadata_rows(value: Any, prefix: str = "", limit: int = 400) -> list[tuple[str, str]]:
    """A nested metadata record as (path, value) rows, in the order the tools wrote it."""
    rows: list[tuple[str, str]] = []

    def walk(node: Any, path: str) -> None:
        if len(rows) >= limit:
            return
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list) and any(isinstance(x, dict | list) for x in node):
            for index, child in enumerate(node):
                walk(child, f"{path}[{index}]")
        elif isinstance(node, list):
            rows.append((path, ", ".join(str(x) for x in node)))
        elif node is not None and node != "":
            text = str(node)
            rows.append((path, text if len(text) <= 500 else text[:500] + "…"))

    walk(value, prefix)
    return rows


@dataclass(frozen=True)
class EntryProof:
    """One ledger entry of an item and what its inclusion proof says now."""

    leaf_index: int
    subject_type: str
    subject_id: int
    recorded_at: dt.datetime
    status: str  # proved | pending (newer than the latest checkpoint) | failed
    detail: str = ""
    audit_path_length: int = 0


@dataclass(frozen=True)
class TokenRow:
    authority: str
    status: str
    gen_time: dt.datetime | None
    serial_number: str | None


@dataclass(frozen=True)
class ProofStatus:
    checkpoint_id: int | None
    tree_size: int
    root_hash: str
    signed_at: dt.datetime | None
    signature_problem: str
    entries: list[EntryProof]
    # The first checkpoint that covers the item's own entry: the item existed no later than then.
    first_checkpoint_id: int | None = None
    first_signed_at: dt.datetime | None = None
    tokens: list[TokenRow] = field(default_factory=list)

    @property
    def all_proved(self) -> bool:
        return bool(self.entries) and all(e.status == "proved" for e in self.entries)


class CheckpointLogs:
    """The log as of the latest signed checkpoint, read once per checkpoint and kept.

    Entries up to a signed checkpoint never change in a sound workspace, and reading every leaf
    hash takes seconds at hundreds of thousands of entries: one read per checkpoint, checked
    against its signed root. Each proof still re-hashes its own record and compares its stored
    leaf hash, so an item's own changed rows show at once; `gawah verify` checks everything.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[int, bytes] | None = None
        self._log: MerkleLog | None = None

    def at(self, session: Session, size: int, root: bytes) -> MerkleLog:
        with self._lock:
            if self._key == (size, root) and self._log is not None:
                return self._log
        hashes = session.scalars(
            select(LedgerEntry.leaf_hash)
            .where(LedgerEntry.leaf_index < size)
            .order_by(LedgerEntry.leaf_index)
        )
        log = MerkleLog.from_leaf_hashes(bytes.fromhex(h) for h in hashes)
        if log.size != size:
            raise VerificationError(f"the log has {log.size} of the checkpoint's {size} entries")
        if log.root() != root:
            raise VerificationError("the log no longer matches the signed checkpoint")
        with self._lock:
            self._key, self._log = (size, root), log
        return log


def prove_entries(
    session: Session,
    entries: Sequence[LedgerEntry],
    checkpoint: Checkpoint | None,
    signed_ok: str | None,
    logs: CheckpointLogs,
) -> tuple[list[EntryProof], int, bytes]:
    """Each entry against `checkpoint`: its record re-hashed, its audit path computed and checked.

    `signed_ok` is None when the checkpoint's signature held, else the reason it did not.
    """
    if checkpoint is None:
        return [_pending(e, "no signed checkpoint yet") for e in entries], 0, b""
    if signed_ok is not None:
        return [_failed(e, signed_ok) for e in entries], checkpoint.tree_size, b""
    size, root = checkpoint.tree_size, bytes.fromhex(checkpoint.root_hash)
    proofs = []
    for entry in entries:
        if entry.leaf_index >= size:
            proofs.append(_pending(entry, "newer than the latest signed checkpoint"))
            continue
        try:
            log = logs.at(session, size, root)
            if log.leaf_hash(entry.leaf_index).hex() != entry.leaf_hash:
                raise VerificationError("the stored leaf hash was changed after the checkpoint")
            current = entry_of(session, entry.leaf_index)
            path = log.inclusion_proof(entry.leaf_index, size)
            verify_inclusion(entry.leaf_index, size, leaf_hash(current), path, root)
        except (VerificationError, ValueError, IndexError) as exc:
            proofs.append(_failed(entry, str(exc)))
            continue
        proofs.append(
            EntryProof(
                entry.leaf_index,
                entry.subject_type,
                entry.subject_id,
                entry.created_at,
                "proved",
                audit_path_length=len(path),
            )
        )
    return proofs, size, root


def _pending(entry: LedgerEntry, why: str) -> EntryProof:
    return EntryProof(
        entry.leaf_index, entry.subject_type, entry.subject_id, entry.created_at, "pending", why
    )


def _failed(entry: LedgerEntry, why: str) -> EntryProof:
    return EntryProof(entry.leaf_index, entry.subject_type, entry.subject_id, entry.created_at, "failed", why)


def proof_status(
    session: Session,
    item: EvidenceItem,
    custody_ids: Sequence[int],
    key_path: Any,
    origin: str,
    logs: CheckpointLogs | None = None,
) -> ProofStatus:
    """The item's ledger entries and its custody events', proved against the latest checkpoint."""
    subjects = [and_(LedgerEntry.subject_type == "evidence_item", LedgerEntry.subject_id == item.id)]
    if custody_ids:
        subjects.append(
            and_(LedgerEntry.subject_type == "custody_event", LedgerEntry.subject_id.in_(custody_ids))
        )
    entries = session.scalars(
        select(LedgerEntry).where(or_(*subjects)).order_by(LedgerEntry.leaf_index)
    ).all()
    checkpoint = latest_checkpoint(session)
    problem: str | None = None
    if checkpoint is not None:
        try:
            signed = verify_checkpoint(
                checkpoint.signed_note, load_public_key(key_path), origin, origin=origin
            )
            if signed.tree_size != checkpoint.tree_size or signed.root_hash.hex() != checkpoint.root_hash:
                problem = "the stored size or root differs from the signed note"
        except (VerificationError, OSError, ValueError) as exc:
            problem = f"the checkpoint's signature does not hold: {exc}"
    proofs, size, root = prove_entries(session, entries, checkpoint, problem, logs or CheckpointLogs())
    own = [e.leaf_index for e in entries if e.subject_type == "evidence_item"]
    first = (
        session.scalar(
            select(Checkpoint)
            .where(Checkpoint.tree_size > own[0])
            .order_by(Checkpoint.tree_size, Checkpoint.id)
        )
        if own
        else None
    )
    tokens = (
        [
            TokenRow(t.authority, t.status, t.gen_time, t.serial_number)
            for t in session.scalars(
                select(TimestampToken)
                .where(TimestampToken.checkpoint_id == first.id)
                .order_by(TimestampToken.id)
            )
        ]
        if first is not None
        else []
    )
    return ProofStatus(
        checkpoint_id=checkpoint.id if checkpoint else None,
        tree_size=size,
        root_hash=root.hex() if root else (checkpoint.root_hash if checkpoint else ""),
        signed_at=checkpoint.created_at if checkpoint else None,
        signature_problem=problem or "",
        entries=proofs,
        first_checkpoint_id=first.id if first else None,
        first_signed_at=first.created_at if first else None,
        tokens=tokens,
    )


def visible_similar(session: Session, item: EvidenceItem, levels: Sequence[str]) -> list[SimilarItem]:
    """Similar items, leaving out those the caller may not see."""
    # Imported here: the command-line package imports the web app, which imports this module.
    from gawah.cli.vault_similar import similar_items

    found = similar_items(session, item)
    if not found:
        return []
    allowed = set(
        session.scalars(
            select(EvidenceItem.id).where(
                EvidenceItem.id.in_([s.item_id for s in found]), EvidenceItem.confidentiality.in_(levels)
            )
        )
    )
    return [s for s in found if s.item_id in allowed]


def show_graphic_setting(session: Session, username: str) -> bool:
    return bool(session.scalar(select(User.show_graphic_media).where(User.username == username)))


# -- routes ----------------------------------------------------------------------------------------


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one range `bytes=START-END` (or `START-`, `-SUFFIX`) asked for, as (start, end inclusive);
    None when the header is absent or not one plain byte range (the whole file is then sent).

    Raises ValueError when the range lies outside the file (answered 416)."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, dash, last = header[6:].strip().partition("-")
    if not dash or not (first + last).isdigit():
        return None
    if not first:
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise ValueError(f"bytes {header[6:]} are outside a file of {size} bytes")
    return start, end


def _chunks(
    stream: BinaryIO, start: int = 0, length: int | None = None, size: int = 1 << 16
) -> Iterator[bytes]:
    """The stream's bytes from `start`, `length` of them (all when None); seeks where it can."""
    with stream:
        if start:
            try:
                stream.seek(start)
            except (OSError, AttributeError, ValueError):
                # A stream that cannot seek (an object store's body): read past the start instead.
                skip = start
                while skip and (chunk := stream.read(min(size, skip))):
                    skip -= len(chunk)
        left = length
        while left is None or left > 0:
            chunk = stream.read(size if left is None else min(size, left))
            if not chunk:
                break
            if left is not None:
                left -= len(chunk)
            yield chunk


def record_read_out(
    request: Request, principal: Principal, sha256: str, *, download: bool, part: str = "whole file"
) -> None:
    """Custody: one "accessed" event when a preserved original is served from its first byte (a
    download, or a view in the browser); the later parts a player asks for add none."""
    record_access(
        request.app.state.workspace.sessions,
        sha256,
        principal.username,
        tool=f"gawah {__version__} web",
        method=f"{'download' if download else 'view'} over {principal.channel}",
        notes=f"{request.method} {request.url.path}: {part}",
    )


def _local_path(value: str | None, fallback: str) -> str:
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return fallback
    return value


def _with_reason(path: str, reason: str, **more: str) -> str:
    params = {k: v for k, v in {"reason": reason.strip(), **more}.items() if v}
    return path + (f"?{urlencode(params)}" if params else "")


def register(app: FastAPI, render: Render) -> None:
    """Add /evidence, /evidence/{id}, its media and the graphic-content forms to the app."""
    from gawah.web.app import SECURITY_HEADERS  # loaded by now: app.py calls this from create_app

    page_csp = SECURITY_HEADERS["Content-Security-Policy"] + "; media-src 'self'"
    logs = CheckpointLogs()

    def readable(
        request: Request, principal: Principal, session: Session, item_id: int, reason: str
    ) -> EvidenceItem | Response:
        """The item when the caller may read it; a reason form when it is confidential and none was
        given; 404 when it is missing or hidden (the shared `check_read`, which audits confidential
        reads and refused ones), and 404 too when the caller reads public records only and a
        witness in the item did not agree to its publication."""
        item = session.get(EvidenceItem, item_id)
        if item is None:
            raise HTTPException(404, detail=f"no evidence item {item_id}")
        resource = Resource("evidence_item", item.id, item.confidentiality)
        try:
            # As these pages always did: of the refused reads, only a confidential one is audited.
            check_read(request, principal, resource, reason, audit_refusals="confidential")
        except ReasonNeeded:
            # The form itself, not the app's handler: the forms and API routes here turn it into
            # a redirect or their own 403.
            return render(request, "reason.html", status_code=403, resource=resource, action=request.url.path)
        # The consent rule concerns public items only, which never need a reason: an item it hides
        # has had no confidential read audited above.
        if (
            item.confidentiality == Confidentiality.PUBLIC.value
            and not authorize(principal, Action.DOCUMENT_READ_RESTRICTED).allowed
            and blocked_uses(session, [item.id], "publication")
        ):
            # A witness who never agreed to publication, or withdrew it: the public never sees it.
            raise HTTPException(404, detail=f"no evidence item {item_id}")
        return item

    @app.api_route("/evidence", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
    def evidence_list(
        request: Request,
        principal: ItemReader,
        kind: Annotated[str | None, Query(max_length=16)] = None,
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    ) -> HTMLResponse:
        kind = kind if kind in KINDS else None
        with request.app.state.workspace.sessions() as session:
            listing = list_evidence(
                session, visible_levels(principal), kind=kind, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
            )
        pages = max(1, -(-listing.total // PAGE_SIZE))

        def page_href(number: int) -> str:
            params = {"kind": kind, "page": number}
            return "/evidence?" + urlencode({k: v for k, v in params.items() if v})

        return render(
            request,
            "evidence_list.html",
            section="evidence",
            listing=listing,
            kind=kind,
            kinds=KINDS,
            page=page,
            pages=pages,
            page_href=page_href,
        )

    @app.api_route(
        "/evidence/{item_id}", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False
    )
    def evidence_item(
        request: Request,
        principal: ItemReader,
        item_id: int,
        reason: ReasonQuery = "",
        show: Annotated[str, Query(max_length=8)] = "",
        form_error: Annotated[str, Query(max_length=300)] = "",
    ) -> Response:
        workspace = request.app.state.workspace
        levels = visible_levels(principal)
        with workspace.sessions() as session:
            found = readable(request, principal, session, item_id, reason)
            if isinstance(found, Response):
                return found
            item = found
            custody = session.scalars(
                select(CustodyEvent)
                .where(CustodyEvent.evidence_item_id == item.id)
                .order_by(CustodyEvent.occurred_at, CustodyEvent.id)
            ).all()
            proofs = proof_status(
                session,
                item,
                [c.id for c in custody],
                workspace.settings.public_key_path,
                workspace.settings.log_origin,
                logs,
            )
            original = item.derived_from
            derived = session.scalars(
                select(EvidenceItem)
                .where(EvidenceItem.derived_from_id == item.id, EvidenceItem.confidentiality.in_(levels))
                .order_by(EvidenceItem.id)
            ).all()
            metadata = dict(item.tool_metadata or {})
            perceptual = metadata.pop(PERCEPTUAL_KEY, None)
            warnings = metadata.pop("warnings", None) or []
            show_always = show_graphic_setting(session, principal.username)
            mark = graphic_marks(session, [item.id]).get(item.id)
            strands = by_strand(assessments_of(session, item.id, levels))
            context = {
                "strands": strands,
                "strands_agree": strands_agree(strands),
                "statements": statements_of(session, item.id, levels),
                "item": _row(item, mark is not None),
                "sha256": item.sha256,
                "collector": {
                    "collected_at": item.collected_at,
                    "collected_by": item.collected_by,
                    "notes": item.collector_notes,
                    "source": item.source.name if item.source is not None else None,
                },
                "acquisition": {
                    "acquired_at": item.acquired_at,
                    "acquired_by": item.acquired_by,
                    "method": item.acquisition_method,
                    "tool": item.acquisition_tool,
                },
                "tool_rows": metadata_rows(metadata),
                "warnings": [str(w) for w in warnings] if isinstance(warnings, list) else [str(warnings)],
                "perceptual_rows": metadata_rows(perceptual) if isinstance(perceptual, dict) else [],
                "mark": (mark.actor, mark.at) if mark is not None else None,
                "custody": custody,
                "proofs": proofs,
                "original": _row(original)
                if original is not None and original.confidentiality in levels
                else None,
                "derived": [_row(d) for d in derived],
                "similar": visible_similar(session, item, levels),
                "documents": [d.id for d in item.documents if d.confidentiality in levels],
            }
        graphic = context["item"].graphic
        revealed = show == "1" or show_always
        preview = preview_kind(item.media_type)
        may_download = authorize(principal, Action.EVIDENCE_DOWNLOAD).allowed
        response = render(
            request,
            "evidence_item.html",
            section="evidence",
            preview=preview if may_download else "none",
            may_download=may_download,
            may_mark=authorize(principal, Action.EVIDENCE_CUSTODY).allowed,
            form_error=form_error,
            blurred=graphic and not revealed and preview in ("image", "video"),
            show_always=show_always,
            media_href=_with_reason(f"/evidence/{item.id}/media", reason),
            download_href=_with_reason(f"/evidence/{item.id}/media", reason, download="1"),
            here=_with_reason(f"/evidence/{item.id}", reason),
            reason=reason.strip(),
            **context,
        )
        response.headers["Content-Security-Policy"] = page_csp
        return response

    @app.get("/evidence/{item_id}/media", include_in_schema=False)
    def evidence_media(
        request: Request,
        principal: Annotated[Principal, Depends(requires(Action.EVIDENCE_DOWNLOAD))],
        item_id: int,
        reason: ReasonQuery = "",
        download: Annotated[str, Query(max_length=4)] = "",
    ) -> Response:
        blobs = request.app.state.workspace.blobs
        with request.app.state.workspace.sessions() as session:
            found = readable(request, principal, session, item_id, reason)
            if isinstance(found, Response):
                return found
            sha256, media_type, filename = found.sha256, found.media_type, found.original_filename
            size = found.size_bytes
        if not blobs.exists(sha256):
            raise HTTPException(404, detail="the file is missing from the vault (run gawah verify)")
        name = quote(PurePath(filename).name or sha256)
        inline = media_type in INLINE_TYPES and not download
        headers = {
            "Content-Disposition": (
                f"{'inline' if inline else 'attachment'}; filename=\"{sha256}\"; filename*=UTF-8''{name}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": PDF_CSP if media_type == "application/pdf" else MEDIA_CSP,
            "Cross-Origin-Resource-Policy": "same-origin",
            "Accept-Ranges": "bytes",
        }
        # Never the stored type for what is not shown inline: HTML or SVG must not render here.
        served_type = media_type if inline else "application/octet-stream"
        try:
            wanted = byte_range(request.headers.get("range"), size)
        except ValueError:
            return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
        if wanted is None:
            record_read_out(request, principal, sha256, download=not inline, part=f"whole file, {size} bytes")
            headers["Content-Length"] = str(size)
            return StreamingResponse(_chunks(blobs.open(sha256)), media_type=served_type, headers=headers)
        # A part of the file, so that a video or recording can be played from any point.
        start, end = wanted
        if start == 0:
            record_read_out(request, principal, sha256, download=not inline, part=f"bytes 0-{end} of {size}")
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        headers["Content-Length"] = str(end - start + 1)
        return StreamingResponse(
            _chunks(blobs.open(sha256), start, end - start + 1),
            status_code=206,
            media_type=served_type,
            headers=headers,
        )

    @app.post("/evidence/{item_id}/graphic", include_in_schema=False)
    def mark_graphic(
        request: Request,
        principal: Annotated[Principal, Depends(requires(Action.EVIDENCE_CUSTODY))],
        item_id: int,
        csrf: Annotated[str, Form(max_length=100)] = "",
        graphic: Annotated[str, Form(max_length=4)] = "",
        reason: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:
        check_csrf(request, csrf)
        with request.app.state.workspace.sessions() as session:
            found = readable(request, principal, session, item_id, reason)
            if isinstance(found, Response):
                return RedirectResponse(f"/evidence/{item_id}", status_code=303)
        wanted = graphic == "1"
        with transaction(request.app.state.workspace.sessions) as session:
            marked = item_id in graphic_marks(session, [item_id])
            if marked != wanted:
                change = RegistryChange(
                    subject_type="evidence_item",
                    subject_id=item_id,
                    action=MARK if wanted else UNMARK,
                    actor=principal.username,
                    before={"graphic": marked},
                    after={"graphic": wanted},
                )
                record_registry_change(session, change)
        if marked != wanted:
            request.app.state.workspace.sign_checkpoint()
        return RedirectResponse(_with_reason(f"/evidence/{item_id}", reason), status_code=303)

    @app.post("/evidence/{item_id}/assessments", include_in_schema=False)
    def assess_form(
        request: Request,
        principal: Annotated[Principal, Depends(requires(Action.EVIDENCE_CUSTODY))],
        item_id: int,
        csrf: Annotated[str, Form(max_length=100)] = "",
        strand: Annotated[str, Form(max_length=16)] = "",
        finding: Annotated[str, Form(max_length=16)] = "",
        method: Annotated[str, Form(max_length=2000)] = "",
        tools: Annotated[str, Form(max_length=4000)] = "",
        notes: Annotated[str, Form(max_length=20_000)] = "",
        confidence: Annotated[str, Form(max_length=8)] = "",
        reason: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:
        check_csrf(request, csrf)
        error = ""
        with transaction(request.app.state.workspace.sessions) as session:
            found = readable(request, principal, session, item_id, reason)
            if isinstance(found, Response):
                return RedirectResponse(f"/evidence/{item_id}", status_code=303)
            try:
                record_assessment(
                    session,
                    found,
                    strand=strand,
                    finding=finding,
                    assessor=principal.username,
                    method=method,
                    tools=tools.splitlines(),
                    notes=notes,
                    confidence=confidence or None,
                )
            except AssessmentError as exc:
                error = str(exc)
        if not error:
            request.app.state.workspace.sign_checkpoint()
        target = _with_reason(f"/evidence/{item_id}", reason, form_error=error)
        return RedirectResponse(target + "#verification-heading", status_code=303)

    @app.get("/api/evidence/{item_id}/assessments", tags=["evidence"])
    def api_assessments(
        request: Request, principal: ItemReader, item_id: int, reason: ReasonQuery = ""
    ) -> dict[str, Any]:
        """The item's verification in the Berkeley Protocol's three strands (source, technical,
        content): the latest finding of each and every earlier one, newest first."""
        with request.app.state.workspace.sessions() as session:
            if isinstance(readable(request, principal, session, item_id, reason), Response):
                raise HTTPException(403, detail="a confidential record: give a reason (?reason=)")
            return verification_of(session, item_id, visible_levels(principal))

    @app.post("/api/evidence/{item_id}/assessments", tags=["evidence"], status_code=201)
    def api_assess(
        request: Request,
        principal: Annotated[Principal, Depends(requires(Action.EVIDENCE_CUSTODY))],
        item_id: int,
        body: Annotated[AssessmentBody, Body()],
        reason: ReasonQuery = "",
    ) -> dict[str, Any]:
        """Record one finding in one strand; the caller is the assessor. It becomes a ledger entry."""
        with transaction(request.app.state.workspace.sessions) as session:
            found = readable(request, principal, session, item_id, reason)
            if isinstance(found, Response):
                raise HTTPException(403, detail="a confidential record: give a reason (?reason=)")
            try:
                row = record_assessment(
                    session,
                    found,
                    assessor=principal.username,
                    **body.model_dump(),
                )
            except AssessmentError as exc:
                raise HTTPException(422, detail=str(exc)) from exc
            assessment_id = row.id
        request.app.state.workspace.sign_checkpoint()
        with request.app.state.workspace.sessions() as session:
            result = verification_of(session, item_id, visible_levels(principal))
        return {"id": assessment_id, **result}

    @app.post("/evidence/graphic-media", include_in_schema=False)
    def graphic_media_setting(
        request: Request,
        principal: Annotated[Principal, Depends(requires(Action.ACCOUNT_SELF))],
        csrf: Annotated[str, Form(max_length=100)] = "",
        show: Annotated[str, Form(max_length=4)] = "",
        next: Annotated[str, Form(max_length=2000)] = "/evidence",
    ) -> Response:
        check_csrf(request, csrf)
        with transaction(request.app.state.workspace.sessions) as session:
            user = session.scalar(select(User).where(User.username == principal.username))
            if user is None:
                raise HTTPException(404)
            user.show_graphic_media = show == "1"
        return RedirectResponse(_local_path(next, "/evidence"), status_code=303)
