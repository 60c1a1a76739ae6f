"""The access audit: security events and reads of confidential data, each also a ledger entry.

An event names who (account or "anonymous"), what (event, action, subject type and id), when,
why (the reason a person gave) and from where. It never holds the content that was read, nor a
password, token or session cookie: a subject is named by type and id only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from gawah.ledger.journal import append, audit_entry
from gawah.security.policy import Action, Principal
from gawah.store.models import AuditEvent

REASON_MAX = 500


class AuditKind(StrEnum):
    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    LOGIN_BLOCKED = "login.blocked"
    LOGOUT = "logout"
    SESSION_REJECTED = "session.rejected"
    CSRF_REJECTED = "csrf.rejected"
    TOKEN_USED = "token.used"
    TOKEN_REJECTED = "token.rejected"
    TOKEN_ISSUED = "token.issued"
    TOKEN_REVOKED = "token.revoked"
    ACCESS_DENIED = "access.denied"
    CONFIDENTIAL_READ = "confidential.read"
    CONFIDENTIAL_LISTED = "confidential.listed"
    USER_ADDED = "user.added"
    USER_PASSWORD_SET = "user.password_set"
    USER_DISABLED = "user.disabled"
    USER_ENABLED = "user.enabled"
    USER_TOTP_SET = "user.totp_set"
    BAD_INPUT = "input.rejected"
    KEY_REJECTED = "key.rejected"
    KEY_CHANGED = "key.changed"


def record(
    session: Session,
    kind: AuditKind,
    outcome: str,
    principal: Principal,
    *,
    action: Action | None = None,
    subject_type: str | None = None,
    subject_id: int | None = None,
    reason: str = "",
    address: str = "",
    detail: str = "",
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Add one audit event and its ledger entry in the caller's transaction."""
    row = AuditEvent(
        occurred_at=at or dt.datetime.now(dt.UTC),
        event=kind.value,
        outcome=outcome,
        actor=principal.username[:80],
        user_id=principal.user_id,
        channel=principal.channel[:8],
        action=action.value if action else None,
        subject_type=subject_type,
        subject_id=subject_id,
        reason=reason.strip()[:REASON_MAX],
        address=address[:64],
        detail=detail[:1000],
    )
    session.add(row)
    session.flush()
    append(session, "audit", "audit_event", row.id, audit_entry(row))
    return row


def recent_events(
    session: Session, *, limit: int = 100, kinds: Sequence[str] = (), actor: str | None = None
) -> list[AuditEvent]:
    """The newest events first, optionally of some kinds or by one actor."""
    query = select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)
    if kinds:
        query = query.where(AuditEvent.event.in_(list(kinds)))
    if actor:
        query = query.where(AuditEvent.actor == actor)
    return list(session.scalars(query))
