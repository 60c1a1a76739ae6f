"""Second factor: time-based one-time passwords (RFC 6238, 6 digits, 30 s), as authenticator apps use.

A code is good for its own 30 s step and the steps on either side (clock drift), but only once:
the caller keeps the last accepted step per user and passes it back (RFC 6238 section 5.2), so a
code read over a shoulder or from a proxy's log cannot sign in a second time.
"""

from __future__ import annotations

import datetime as dt
import secrets

import pyotp

ISSUER = "Gawah"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, workspace: str) -> str:
    """The otpauth:// URI an authenticator app reads (shown once, in the terminal, never logged)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=f"{ISSUER} ({workspace})")


def code_at(secret: str, at: dt.datetime) -> str:
    return pyotp.TOTP(secret).at(at)


STEP_SECONDS = 30


def time_step(at: dt.datetime) -> int:
    """The RFC 6238 counter of `at`: whole 30 s steps since the Unix epoch."""
    return int(at.timestamp()) // STEP_SECONDS


def accepted_step(
    secret: str, code: str, at: dt.datetime | None = None, last_step: int | None = None
) -> int | None:
    """The time step whose code `code` is (that of `at` or of a step beside it), or None.

    None also when that step is not later than `last_step`: a code already used, or an older one
    after a newer was accepted, is refused.
    """
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    now_step = time_step(at or dt.datetime.now(dt.UTC))
    generator = pyotp.TOTP(secret)
    for step in (now_step, now_step - 1, now_step + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(generator.generate_otp(step), code):
            return step
    return None


def verify_code(secret: str, code: str, at: dt.datetime | None = None) -> bool:
    """True when `code` is the code of `at` or of the 30 s step before or after (clock drift)."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return False
    return bool(pyotp.TOTP(secret).verify(code, for_time=at or dt.datetime.now(dt.UTC), valid_window=1))
