"""User accounts: adding, passwords, second factor, disabling, and signing in with rate limits.

Every outcome of a sign-in is an audit event; a failure says the same thing whether the name or
the password was wrong, so that the form does not reveal which accounts exist.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gawah.security import audit, passwords, ratelimit, totp
from gawah.security.audit import AuditKind
from gawah.security.policy import ANONYMOUS, Action, Principal
from gawah.security.sessions import end_sessions_of
from gawah.security.tokens import tokens_of
from gawah.store.engine import transaction
from gawah.store.models import User
from gawah.store.vocab import Role
from gawah.workspace import Workspace

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")


class AccountError(ValueError):
    """An account operation is refused; the message says why."""


def principal_of(user: User, channel: str, scopes: frozenset[Action] | None = None) -> Principal:
    try:
        role: Role | None = Role(user.role) if user.active else None
    except ValueError:
        role = None  # an unknown role grants nothing
    return Principal(username=user.username, role=role, user_id=user.id, channel=channel, scopes=scopes)


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip().lower()))


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def add_user(
    session: Session, username: str, role: Role, password: str, *, display_name: str = "", locale: str = "en"
) -> User:
    """A new active account; AccountError when the name is taken or malformed, or the password weak."""
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise AccountError(
            "a user name is 2 to 80 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if find_user(session, name) is not None:
        raise AccountError(f"there is already a user {name!r}")
    try:
        passwords.check_strength(password, name)
    except passwords.WeakPassword as exc:
        raise AccountError(str(exc)) from None
    user = User(
        username=name,
        display_name=display_name,
        role=Role(role).value,
        password_hash=passwords.hash_password(password),
        locale=locale,
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Replace the password and sign the user out of every browser."""
    try:
        passwords.check_strength(password, user.username)
    except passwords.WeakPassword as exc:
        raise AccountError(str(exc)) from None
    user.password_hash = passwords.hash_password(password)
    end_sessions_of(session, user.id)


def set_active(session: Session, user: User, active: bool, now: dt.datetime | None = None) -> None:
    """Disable (or enable again) an account; disabling ends its sessions and revokes its tokens."""
    user.active = active
    if not active:
        now = now or dt.datetime.now(dt.UTC)
        end_sessions_of(session, user.id, now)
        for token in tokens_of(session, user.id):
            if token.revoked_at is None:
                token.revoked_at = now


def enable_totp(user: User) -> str:
    """Give the user a new TOTP secret (returned to show once); sign-in then asks for a code."""
    secret = totp.new_secret()
    user.totp_secret = secret
    user.totp_last_step = None  # steps used with the old secret say nothing about the new one
    return secret


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the user when it succeeded, else a problem code for the message.

    Problems: `invalid` (name, password or code wrong: one message for all), `code_needed`
    (the account has a second factor and no code was given), `blocked` (rate limit; see
    `retry_after_s`).
    """

    user: User | None
    problem: str | None
    retry_after_s: int = 0


def _claim_step(session: Session, user: User, step: int) -> bool:
    """Mark `step` as used for `user`; False when another sign-in used it (or a later one) first.

    One conditional UPDATE, so two requests racing with the same code cannot both succeed.
    """
    claimed = session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def sign_in(
    session: Session,
    username: str,
    password: str,
    code: str,
    address: str,
    *,
    channel: str = "web",
    now: dt.datetime | None = None,
) -> SignIn:
    """Check a name, password and (when enabled) TOTP code, under the rate limits; audit the outcome."""
    now = now or dt.datetime.now(dt.UTC)
    limit = ratelimit.login_limit(session, username, address, now)
    user = find_user(session, username) if USERNAME.match(username.strip().lower()) else None
    who = (
        principal_of(user, channel)
        if user is not None
        else Principal(username="(unknown account)", role=None, channel=channel)
    )
    if limit.blocked:
        audit.record(
            session, AuditKind.LOGIN_BLOCKED, "denied", who, address=address, detail=limit.why, at=now
        )
        return SignIn(None, "blocked", limit.retry_after_s)

    password_ok = passwords.verify_password(user.password_hash if user else None, password)
    problem: str | None = None
    if user is None or not user.active or not password_ok:
        problem = "invalid"
    elif user.totp_secret:
        if not code.strip():
            problem = "code_needed"
        else:
            step = totp.accepted_step(user.totp_secret, code, now, user.totp_last_step)
            if step is None or not _claim_step(session, user, step):
                problem = "invalid"
    if problem == "code_needed":
        # A right password without its code is neither a success nor a failure to count.
        return SignIn(None, problem)
    ratelimit.record_attempt(session, username, address, problem is None, now)
    if problem is not None or user is None:
        audit.record(session, AuditKind.LOGIN_FAILED, "failure", who, address=address, at=now)
        return SignIn(None, "invalid")
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    audit.record(session, AuditKind.LOGIN_SUCCEEDED, "success", who, address=address, at=now)
    return SignIn(user, None)


__all__ = [
    "ANONYMOUS",
    "AccountError",
    "SignIn",
    "add_user",
    "count_users",
    "demo_login",
    "enable_totp",
    "find_user",
    "principal_of",
    "set_active",
    "set_password",
    "sign_in",
]


DEMO_ADMIN = "demo-admin"


def demo_login(workspace: Workspace) -> tuple[str, str] | None:
    """For `gawah demo`: an administrator with a fresh random password when the workspace has no
    account yet, returned to print once; None when accounts exist already."""
    with transaction(workspace.sessions) as session:
        if count_users(session) > 0:
            return None
        password = passwords.generate_password()
        user = add_user(session, DEMO_ADMIN, Role.ADMIN, password, display_name="Demonstration administrator")
        audit.record(
            session,
            AuditKind.USER_ADDED,
            "success",
            Principal("gawah-demo", Role.ADMIN, channel="cli"),
            subject_type="user",
            subject_id=user.id,
            detail=f"{DEMO_ADMIN} as admin",
        )
    return DEMO_ADMIN, password
