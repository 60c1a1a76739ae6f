"""Password hashes with Argon2id (argon2-cffi's defaults: the RFC 9106 low-memory profile)."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
_HASHER = PasswordHasher()


@cache
def unknown_account_hash() -> str:
    """Compared against when the account does not exist, so that a wrong name costs as long as a
    wrong password and timing does not reveal which accounts exist. Made on first use, not at
    import: hashing costs about 0.1 s, which every command would otherwise pay on start."""
    return _HASHER.hash(secrets.token_urlsafe(16))


class WeakPassword(ValueError):
    """The password is refused; the message says why (never repeating the password)."""


def check_strength(password: str, username: str = "") -> None:
    """Raise WeakPassword unless the password is long enough and not the account's own name."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    if len(set(password)) < 4:
        raise WeakPassword("a password needs more than three different characters")
    if username and username.lower() in password.lower():
        raise WeakPassword("a password must not contain the user name")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when `password` matches the stored hash; no stored hash never matches."""
    try:
        return _HASHER.verify(stored or unknown_account_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when the hash was made with weaker parameters than today's (rehash at next sign-in)."""
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def generate_password() -> str:
    """A random password of 20 URL-safe characters (120 bits), for first accounts and resets."""
    return secrets.token_urlsafe(15)
