"""Second factor: time-based one-time passwords (RFC 6238, 6 digits, 30 s), as authenticator apps use."""

from __future__ import annotations

import datetime as dt

import pyotp

ISSUER = "Gawah"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, workspace: str) -> str:
    """The otpauth:// URI an authenticator app reads (shown once, in the terminal, never logged)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=f"{ISSUER} ({workspace})")


def code_at(secret: str, at: dt.datetime) -> str:
    return pyotp.TOTP(secret).at(at)


def verify_code(secret: str, code: str, at: dt.datetime | None = None) -> bool:
    """True when `code` is the code of `at` or of the 30 s step before or after (clock drift)."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return False
    return bool(pyotp.TOTP(secret).verify(code, for_time=at or dt.datetime.now(dt.UTC), valid_window=1))
