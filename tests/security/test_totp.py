"""A one-time password is accepted once: replayed within its window, or older than one accepted, it fails."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from gawah.security import totp
from gawah.security.accounts import add_user, enable_totp, find_user, sign_in
from gawah.store.engine import transaction
from gawah.store.models import User
from gawah.store.vocab import Role
from gawah.workspace import Workspace

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
T0 = dt.datetime(2026, 11, 21, 12, 0, 5, tzinfo=dt.UTC)
PASSWORD = "an invented long password"


def test_the_step_of_a_code_and_its_neighbours() -> None:
    step = totp.time_step(T0)
    assert totp.accepted_step(SECRET, totp.code_at(SECRET, T0), T0) == step
    earlier = T0 - dt.timedelta(seconds=30)
    assert totp.accepted_step(SECRET, totp.code_at(SECRET, earlier), T0) == step - 1
    too_old = T0 - dt.timedelta(seconds=90)
    assert totp.accepted_step(SECRET, totp.code_at(SECRET, too_old), T0) is None
    assert totp.accepted_step(SECRET, "12345", T0) is None
    assert totp.accepted_step(SECRET, "abcdef", T0) is None


def test_a_used_step_and_the_steps_before_it_are_refused() -> None:
    step = totp.time_step(T0)
    code = totp.code_at(SECRET, T0)
    assert totp.accepted_step(SECRET, code, T0, last_step=step) is None
    assert totp.accepted_step(SECRET, code, T0, last_step=step - 1) == step
    # After the next step's code was used, this step's code is refused even though still fresh.
    assert totp.accepted_step(SECRET, code, T0, last_step=step + 1) is None
    # With a space in the middle (as apps show it) the code still reads.
    spaced = code[:3] + " " + code[3:]
    assert totp.accepted_step(SECRET, spaced, T0) == step


def test_sign_in_accepts_a_code_once(workspace: Workspace) -> None:
    with transaction(workspace.sessions) as session:
        user = add_user(session, "mariam", Role.INVESTIGATOR, PASSWORD)
        secret = enable_totp(user)
    code = totp.code_at(secret, T0)
    with transaction(workspace.sessions) as session:
        first = sign_in(session, "mariam", PASSWORD, code, "192.0.2.7", now=T0)
    assert first.user is not None and first.problem is None
    with workspace.sessions() as session:
        stored = session.scalar(select(User.totp_last_step).where(User.username == "mariam"))
    assert stored == totp.time_step(T0)

    # The same code, 10 s later and from another address: refused like a wrong code.
    later = T0 + dt.timedelta(seconds=10)
    with transaction(workspace.sessions) as session:
        replay = sign_in(session, "mariam", PASSWORD, code, "198.51.100.9", now=later)
    assert replay.user is None and replay.problem == "invalid"

    # The next step's code works, and then the previous one no longer does.
    next_time = T0 + dt.timedelta(seconds=30)
    with transaction(workspace.sessions) as session:
        assert sign_in(
            session, "mariam", PASSWORD, totp.code_at(secret, next_time), "192.0.2.7", now=next_time
        ).user
    with transaction(workspace.sessions) as session:
        user2 = find_user(session, "mariam")
        assert user2 is not None and user2.totp_last_step == totp.time_step(next_time)


def test_a_new_secret_starts_afresh(workspace: Workspace) -> None:
    with transaction(workspace.sessions) as session:
        user = add_user(session, "karim", Role.ANALYST, PASSWORD)
        enable_totp(user)
        user.totp_last_step = totp.time_step(T0) + 10
    with transaction(workspace.sessions) as session:
        again = find_user(session, "karim")
        assert again is not None
        secret = enable_totp(again)
    with transaction(workspace.sessions) as session:
        assert sign_in(session, "karim", PASSWORD, totp.code_at(secret, T0), "192.0.2.8", now=T0).user
