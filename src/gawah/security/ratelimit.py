"""Login rate limits per account and per address, counted from the database so restarts keep them."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gawah.store.models import LoginAttempt

WINDOW = dt.timedelta(minutes=15)
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20


def account_key(username: str) -> str:
    """What is kept of the name tried: its digest, since people type passwords into the name field."""
    return hashlib.sha256(username.strip().lower().encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Limit:
    blocked: bool
    retry_after_s: int = 0
    why: str = ""


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def assess(
    account_failures: Sequence[dt.datetime], address_failures: Sequence[dt.datetime], now: dt.datetime
) -> Limit:
    """Blocked while an account or an address has too many failures in the window; until when."""
    for failures, limit, what in (
        (account_failures, ACCOUNT_FAILURES, "this account"),
        (address_failures, ADDRESS_FAILURES, "this address"),
    ):
        recent = sorted(_aware(at) for at in failures if now - _aware(at) < WINDOW)
        if len(recent) >= limit:
            # Free again once the oldest failure that counts toward the limit leaves the window.
            until = recent[-limit] + WINDOW
            return Limit(
                True, max(1, int((until - now).total_seconds())), f"too many failed sign-ins for {what}"
            )
    return Limit(False)


def login_limit(session: Session, username: str, address: str, now: dt.datetime) -> Limit:
    """The limit in force for `username` from `address` (failures since the account's last success)."""
    since = now - WINDOW
    name = account_key(username)
    last_success = session.scalar(
        select(LoginAttempt.at)
        .where(LoginAttempt.username == name, LoginAttempt.succeeded.is_(True), LoginAttempt.at >= since)
        .order_by(LoginAttempt.at.desc())
    )
    account_since = max(since, _aware(last_success)) if last_success else since
    account = session.scalars(
        select(LoginAttempt.at).where(
            LoginAttempt.username == name, LoginAttempt.succeeded.is_(False), LoginAttempt.at > account_since
        )
    ).all()
    address_rows = session.scalars(
        select(LoginAttempt.at).where(
            LoginAttempt.address == address, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since
        )
    ).all()
    return assess(account, address_rows, now)


def record_attempt(session: Session, username: str, address: str, succeeded: bool, now: dt.datetime) -> None:
    session.add(
        LoginAttempt(username=account_key(username), address=address[:64], succeeded=succeeded, at=now)
    )
    session.flush()
