"""API tokens: random bearer secrets with scopes and an expiry; the database keeps only their SHA-256.

A token has 256 random bits, so a plain SHA-256 is enough to keep it unguessable from a copied
database (a slow hash protects guessable passwords, not random keys).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gawah.security.policy import Action
from gawah.store.models import ApiToken, User

TOKEN_PREFIX = "gwh_"
DEFAULT_LIFETIME = dt.timedelta(days=30)
MAX_LIFETIME = dt.timedelta(days=366)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def issue_token(
    session: Session,
    user: User,
    scopes: Iterable[Action],
    *,
    name: str = "",
    lifetime: dt.timedelta = DEFAULT_LIFETIME,
    now: dt.datetime | None = None,
) -> tuple[str, ApiToken]:
    """A new token for `user`: the secret (shown once, never stored) and its row."""
    if not dt.timedelta(0) < lifetime <= MAX_LIFETIME:
        raise ValueError(f"a token lives between a minute and {MAX_LIFETIME.days} days")
    chosen = sorted({a.value for a in scopes})
    if not chosen:
        raise ValueError("a token needs at least one scope")
    now = now or dt.datetime.now(dt.UTC)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name[:120],
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        token_sha256=token_digest(raw),
        scopes=chosen,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    session.flush()
    return raw, row


@dataclass(frozen=True)
class TokenCheck:
    """A presented token: its row and user when good, else why not (`unknown`, `expired`, ...)."""

    token: ApiToken | None
    user: User | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_token(session: Session, raw: str, now: dt.datetime | None = None) -> TokenCheck:
    """Look a presented token up by its digest and say whether it may be used now."""
    now = now or dt.datetime.now(dt.UTC)
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return TokenCheck(None, None, "malformed")
    token = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == token_digest(raw)))
    if token is None:
        return TokenCheck(None, None, "unknown")
    user = session.get(User, token.user_id)
    if token.revoked_at is not None:
        return TokenCheck(token, user, "revoked")
    if _aware(token.expires_at) <= now:
        return TokenCheck(token, user, "expired")
    if user is None or not user.active:
        return TokenCheck(token, user, "account disabled")
    token.last_used_at = now
    return TokenCheck(token, user, None)


def revoke_token(session: Session, token_id: int, now: dt.datetime | None = None) -> ApiToken | None:
    token = session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = now or dt.datetime.now(dt.UTC)
    return token


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)))
