"""Browser sessions kept on the server: the cookie is a random key, the database its SHA-256.

A tampered or invented cookie matches no row and is refused. The CSRF token of a session is an
HMAC of the session's secret, so it needs no storage and cannot be made without the cookie.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gawah.store.models import BrowserSession, User

COOKIE = "gawah_session"
LIFETIME = dt.timedelta(hours=12)
IDLE = dt.timedelta(hours=2)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def start_session(session: Session, user: User, address: str, now: dt.datetime | None = None) -> str:
    """A new session for `user`; returns the cookie value (the only place the secret exists)."""
    now = now or dt.datetime.now(dt.UTC)
    raw = secrets.token_urlsafe(32)
    session.add(
        BrowserSession(
            token_sha256=_digest(raw),
            user_id=user.id,
            created_at=now,
            expires_at=now + LIFETIME,
            last_seen_at=now,
            address=address[:64],
        )
    )
    session.flush()
    return raw


@dataclass(frozen=True)
class SessionCheck:
    user: User | None
    problem: str | None


def resume_session(session: Session, raw: str, now: dt.datetime | None = None) -> SessionCheck:
    """The user of a presented cookie, or why it is refused (unknown, ended, expired, idle, disabled)."""
    now = now or dt.datetime.now(dt.UTC)
    if not raw or len(raw) > 100:
        return SessionCheck(None, "malformed")
    row = session.scalar(select(BrowserSession).where(BrowserSession.token_sha256 == _digest(raw)))
    if row is None:
        return SessionCheck(None, "unknown")
    if row.ended_at is not None:
        return SessionCheck(None, "ended")
    if _aware(row.expires_at) <= now:
        return SessionCheck(None, "expired")
    if now - _aware(row.last_seen_at) > IDLE:
        return SessionCheck(None, "idle too long")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return SessionCheck(None, "account disabled")
    row.last_seen_at = now
    return SessionCheck(user, None)


def end_session(session: Session, raw: str, now: dt.datetime | None = None) -> None:
    session.execute(
        update(BrowserSession)
        .where(BrowserSession.token_sha256 == _digest(raw), BrowserSession.ended_at.is_(None))
        .values(ended_at=now or dt.datetime.now(dt.UTC))
    )


def end_sessions_of(session: Session, user_id: int, now: dt.datetime | None = None) -> None:
    """Sign a user out everywhere (after a password change or when the account is disabled)."""
    session.execute(
        update(BrowserSession)
        .where(BrowserSession.user_id == user_id, BrowserSession.ended_at.is_(None))
        .values(ended_at=now or dt.datetime.now(dt.UTC))
    )


def csrf_token(raw_session: str) -> str:
    return hmac.new(raw_session.encode("utf-8"), b"gawah csrf", hashlib.sha256).hexdigest()


def csrf_matches(raw_session: str, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(csrf_token(raw_session), submitted or "")
