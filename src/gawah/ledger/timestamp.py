"""Trusted time: RFC 3161 timestamps over signed checkpoints, queued offline, verified offline.

A token from a timestamp authority (TSA) says that the SHA-256 of a signed checkpoint note
existed at the token's genTime; every ledger entry under that checkpoint existed by then, so one
token dates thousands of records without trusting the workspace's own clock.

Each signed checkpoint gets one request per configured authority (``[timestamp] authorities``),
each with its own nonce and certReq set. Requests wait in ``timestamp_tokens`` as ``pending``
until the authority can be reached (``gawah timestamp run``, also tried briefly after each
checkpoint is signed), so work done offline is stamped when a connection returns. An answer is
kept only if it verifies: then the row is ``stamped`` with the response, the certificate chain
it verified against, genTime, policy and serial number. An answer that does not verify marks
the row ``failed`` with the reason. Verification itself lives in the stand-alone
``verifier.py`` so that a court bundle checks its tokens with the same code.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography import x509
from rfc3161_client import HashAlgorithm, TimestampRequestBuilder
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from gawah.config import Settings, TimestampAuthority, TimestampSettings
from gawah.ledger.journal import Problem
from gawah.ledger.verifier import (
    TIMESTAMP_FORMAT,
    TimestampVerdict,
    VerificationError,
    certificates_from_pem,
    timestamp_imprint,
    verify_timestamp_response,
)
from gawah.store.engine import transaction
from gawah.store.models import Checkpoint, TimestampToken

__all__ = [
    "FAILED",
    "PENDING",
    "STAMPED",
    "AuthorityUnreachable",
    "BundleTimestamps",
    "StampRun",
    "TimestampError",
    "TokenCheck",
    "Transport",
    "accept_response",
    "bundle_timestamps",
    "load_trust_anchors",
    "new_request",
    "post_request",
    "queue_requests",
    "stamp_pending",
    "stamp_quietly",
    "timestamp_problems",
    "verify_tokens",
]

PENDING, STAMPED, FAILED = "pending", "stamped", "failed"
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
# A timestamp response is a few kilobytes; a larger answer is not one.
MAX_RESPONSE = 1 << 20

log = logging.getLogger(__name__)

Transport = Callable[[str, bytes, float], bytes]


class TimestampError(Exception):
    """Timestamps cannot be requested or checked as configured (e.g. an unreadable trust anchor)."""


class AuthorityUnreachable(OSError):
    """The authority could not be reached or did not answer usefully; the request stays pending."""


def post_request(url: str, request: bytes, timeout: float) -> bytes:
    """Send a DER TimeStampReq over HTTP(S) and return the DER response (RFC 3161 §3.4)."""
    http_request = urllib.request.Request(
        url, data=request, headers={"Content-Type": QUERY_TYPE, "Accept": REPLY_TYPE}, method="POST"
    )
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as answer:
            body: bytes = answer.read(MAX_RESPONSE + 1)
    except urllib.error.HTTPError as exc:
        raise AuthorityUnreachable(f"HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise AuthorityUnreachable(f"cannot reach the authority: {reason}") from exc
    if len(body) > MAX_RESPONSE:
        raise AuthorityUnreachable("the answer is larger than any timestamp response")
    return body


def new_request(signed_note: str) -> tuple[bytes, int]:
    """A DER TimeStampReq over SHA-256 of ``signed_note``, with a fresh nonce and certReq set."""
    request = (
        TimestampRequestBuilder()
        .data(signed_note.encode("utf-8"))
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    if request.nonce is None:  # the builder always sets one when asked; a request without is unsafe
        raise TimestampError("the request was built without a nonce")
    return request.as_bytes(), int(request.nonce)


def queue_requests(session: Session, authorities: Sequence[str]) -> list[TimestampToken]:
    """Add a pending request for each checkpoint and authority that has none; return the new rows."""
    if not authorities:
        return []
    have = set(session.execute(select(TimestampToken.checkpoint_id, TimestampToken.authority)))
    added: list[TimestampToken] = []
    for checkpoint in session.scalars(select(Checkpoint).order_by(Checkpoint.id)):
        for url in authorities:
            if (checkpoint.id, url) in have:
                continue
            request, nonce = new_request(checkpoint.signed_note)
            row = TimestampToken(
                checkpoint_id=checkpoint.id,
                authority=url,
                status=PENDING,
                message_imprint=timestamp_imprint(checkpoint.signed_note).hex(),
                nonce=str(nonce),
                request=request,
                chain=[],
                attempts=0,
                last_error="",
            )
            session.add(row)
            added.append(row)
    session.flush()
    return added


def load_trust_anchors(settings: TimestampSettings) -> dict[str, list[bytes]]:
    """The DER roots each authority's tokens must chain to (an empty list: none configured)."""
    anchors: dict[str, list[bytes]] = {}
    for authority in settings.authorities:
        anchors[authority.url] = _read_anchor(authority) if authority.trust_anchor else []
    return anchors


def _read_anchor(authority: TimestampAuthority) -> list[bytes]:
    assert authority.trust_anchor is not None
    try:
        found = certificates_from_pem(authority.trust_anchor.read_bytes())
    except (OSError, VerificationError) as exc:
        raise TimestampError(f"trust anchor of {authority.url} ({authority.trust_anchor}): {exc}") from exc
    if not found:
        raise TimestampError(f"trust anchor of {authority.url}: no certificate in {authority.trust_anchor}")
    return found


def _self_signed(certificates: Iterable[bytes]) -> list[bytes]:
    roots = []
    for der in certificates:
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError:
            continue
        if cert.subject == cert.issuer:
            roots.append(der)
    return roots


def accept_response(
    response: bytes, signed_note: str, nonce: int, anchors: Sequence[bytes]
) -> TimestampVerdict:
    """Verify an authority's answer to our request; raise VerificationError if it must be refused.

    Without configured ``anchors`` the self-signed root the authority sent is taken as anchor
    (stored with the token and reported as not pinned when verified later).
    """
    from gawah.ledger.verifier import parse_timestamp_response

    token = parse_timestamp_response(response)
    trusted = list(anchors) or _self_signed(token.certificates)
    if not trusted:
        raise VerificationError(
            "no trust anchor is configured for this authority and its answer carries no root "
            "certificate: set [timestamp.trust_anchors]"
        )
    return verify_timestamp_response(
        response, imprint=timestamp_imprint(signed_note), nonce=nonce, anchors=trusted
    )


@dataclass
class StampRun:
    """What one pass over the queue did."""

    queued: int = 0
    stamped: int = 0
    failed: int = 0
    pending: int = 0
    unreachable: dict[str, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.pending == 0 and self.failed == 0


def stamp_pending(
    sessions: sessionmaker[Session],
    settings: TimestampSettings,
    *,
    timeout: float | None = None,
    transport: Transport = post_request,
    retry_failed: bool = False,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> StampRun:
    """Queue a request per checkpoint and authority, then send every pending one that can be sent.

    No database transaction is held while waiting on the network. An authority that cannot be
    reached is not tried again in this pass (its requests stay pending, each try counted).
    """
    run = StampRun()
    urls = [a.url for a in settings.authorities]
    if not urls:
        return run
    anchors = load_trust_anchors(settings)
    wait = settings.timeout if timeout is None else timeout
    with transaction(sessions) as session:
        run.queued = len(queue_requests(session, urls))
        if retry_failed:
            session.execute(
                update(TimestampToken)
                .where(TimestampToken.status == FAILED, TimestampToken.authority.in_(urls))
                .values(status=PENDING)
            )
    with sessions() as session:
        work = session.execute(
            select(
                TimestampToken.id,
                TimestampToken.authority,
                TimestampToken.request,
                TimestampToken.nonce,
                Checkpoint.signed_note,
            )
            .join(Checkpoint, Checkpoint.id == TimestampToken.checkpoint_id)
            .where(TimestampToken.status == PENDING, TimestampToken.authority.in_(urls))
            .order_by(TimestampToken.id)
        ).all()
    for token_id, url, request, nonce, note in work:
        if url in run.unreachable:
            run.pending += 1
            continue
        try:
            response = transport(url, request, wait)
        except AuthorityUnreachable as exc:
            run.unreachable[url] = str(exc)
            run.pending += 1
            _record(sessions, token_id, now(), last_error=str(exc))
            continue
        try:
            verdict = accept_response(response, note, int(nonce), anchors.get(url, []))
        except VerificationError as exc:
            run.failed += 1
            run.refused.append(f"{url}: {exc}")
            _record(sessions, token_id, now(), status=FAILED, last_error=str(exc), response=response)
            continue
        run.stamped += 1
        _record(
            sessions,
            token_id,
            now(),
            status=STAMPED,
            last_error="",
            response=response,
            chain=[base64.b64encode(c).decode("ascii") for c in verdict.chain],
            gen_time=verdict.gen_time,
            policy=verdict.policy,
            serial_number=str(verdict.serial_number),
            stamped_at=now(),
        )
    return run


def _record(sessions: sessionmaker[Session], token_id: int, at: dt.datetime, **values: Any) -> None:
    with transaction(sessions) as session:
        row = session.get(TimestampToken, token_id)
        if row is None or row.status == STAMPED:  # another run got there first
            return
        row.attempts += 1
        row.last_attempt_at = at
        for name, value in values.items():
            setattr(row, name, value)


def stamp_quietly(sessions: sessionmaker[Session], settings: Settings) -> StampRun | None:
    """Try the queue briefly after a checkpoint is signed; never raise (the ingest must not fail)."""
    if not settings.timestamp.authorities:
        return None
    try:
        return stamp_pending(sessions, settings.timestamp, timeout=settings.timestamp.auto_timeout)
    # Anything at all: offline or misconfigured stamping must never undo or fail an ingest.
    except Exception as exc:
        log.warning("timestamps not requested now (run `gawah timestamp run` later): %s", exc)
        return None


# ---------------------------------------------------------------------------------------------
# Offline verification of stored tokens


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of checking one stored token."""

    token_id: int
    authority: str
    checkpoint_id: int
    tree_size: int
    ok: bool
    detail: str
    gen_time: dt.datetime | None = None
    pinned: bool = True


def _chain_of(row: TimestampToken) -> list[bytes]:
    return [base64.b64decode(c, validate=True) for c in row.chain]


def verify_tokens(session: Session, settings: TimestampSettings) -> list[TokenCheck]:
    """Check every stamped token offline, as of its genTime, against the configured anchors.

    A token of an authority without a configured anchor is checked against the root stored with
    it, and the check says that the root was not pinned.
    """
    try:
        anchors = load_trust_anchors(settings)
    except TimestampError as exc:
        raise VerificationError(str(exc)) from exc
    checks: list[TokenCheck] = []
    rows = session.execute(
        select(TimestampToken, Checkpoint)
        .join(Checkpoint, Checkpoint.id == TimestampToken.checkpoint_id)
        .where(TimestampToken.status == STAMPED)
        .order_by(TimestampToken.id)
    )
    for row, checkpoint in rows:
        trusted = anchors.get(row.authority) or []
        pinned = bool(trusted)

        base = TokenCheck(
            row.id, row.authority, checkpoint.id, checkpoint.tree_size, ok=False, detail="", pinned=pinned
        )
        try:
            chain = _chain_of(row)
            if row.response is None or not chain:
                raise VerificationError("the stamped token has no response or no certificate chain")
            imprint = timestamp_imprint(checkpoint.signed_note)
            if imprint.hex() != row.message_imprint:
                raise VerificationError("the checkpoint's signed note changed after it was stamped")
            verdict = verify_timestamp_response(
                row.response,
                imprint=imprint,
                nonce=int(row.nonce),
                certificates=chain,
                anchors=trusted or chain[-1:],
            )
            if row.gen_time is not None and _utc(row.gen_time) != verdict.gen_time:
                raise VerificationError("the stored genTime differs from the token's")
        except (VerificationError, ValueError) as exc:
            checks.append(replace(base, detail=str(exc)))
            continue
        detail = f"stamped at {verdict.gen_time.isoformat()} by {verdict.signer}"
        if not pinned:
            detail += f" (root not pinned: SHA-256 {verdict.anchor_fingerprint})"
        checks.append(replace(base, ok=True, detail=detail, gen_time=verdict.gen_time))
    return checks


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes; Gawah writes UTC only.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def timestamp_problems(session: Session, settings: TimestampSettings) -> tuple[int, list[Problem]]:
    """For `gawah verify`: how many stamped tokens were checked, and one Problem per failing token."""
    try:
        checks = verify_tokens(session, settings)
    except VerificationError as exc:
        return 0, [Problem("timestamp settings", str(exc))]
    problems = [
        Problem(
            f"timestamp #{c.token_id} (checkpoint size {c.tree_size}, {c.authority})",
            f"does not verify: {c.detail}",
        )
        for c in checks
        if not c.ok
    ]
    return len(checks), problems


# ---------------------------------------------------------------------------------------------
# Tokens for a court bundle


@dataclass(frozen=True)
class BundleTimestamps:
    """Tokens over one earlier checkpoint, as bundle files (``gawah-timestamp/1``)."""

    signed_note: str
    tree_size: int
    files: tuple[tuple[str, dict[str, Any]], ...]  # (path in the bundle, document)


def bundle_timestamps(
    session: Session, settings: TimestampSettings, folder: str = "timestamps/"
) -> BundleTimestamps | None:
    """The verified tokens over the largest stamped checkpoint, or None when none is stamped.

    Only tokens that verify now go into a bundle; their checkpoint is an earlier one, since the
    bundle's own checkpoint is signed after the export is recorded, so the bundle adds a
    consistency proof from it.
    """
    good = {c.token_id: c for c in verify_tokens(session, settings) if c.ok}
    if not good:
        return None
    best = max(good.values(), key=lambda c: (c.tree_size, c.checkpoint_id))
    checkpoint = session.get(Checkpoint, best.checkpoint_id)
    assert checkpoint is not None
    rows = session.scalars(
        select(TimestampToken)
        .where(TimestampToken.checkpoint_id == checkpoint.id, TimestampToken.id.in_(list(good)))
        .order_by(TimestampToken.id)
    ).all()
    files = []
    for number, row in enumerate(rows, start=1):
        assert row.response is not None
        document = {
            "format": TIMESTAMP_FORMAT,
            "authority": row.authority,
            "checkpoint": checkpoint.signed_note,
            "nonce": row.nonce,
            "response": base64.b64encode(row.response).decode("ascii"),
            "certificates": list(row.chain),
        }
        files.append((f"{folder}checkpoint-{checkpoint.tree_size}-{number}.json", document))
    return BundleTimestamps(checkpoint.signed_note, checkpoint.tree_size, tuple(files))


def fingerprint(der: bytes) -> str:
    """SHA-256 of a certificate's DER, the form in which roots are compared by hand."""
    return hashlib.sha256(der).hexdigest()
