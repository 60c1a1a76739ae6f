"""Missing-person and detention cases followed for families, after the ICRC's tracing practice.

A case is reported by a relative (whose name and contact stay confidential and are never written
to logs or to the registry's history), says when, where and by whom the person was last seen and
how they were taken, and keeps a status history (missing, detained, released, found dead, found
alive, closed), each change with its source and who recorded it.

The family gets a case reference and a secret code when the case is opened. With both they can
see the case's status and dates, and nothing else. Only a digest of the code is stored.

A report through the public form is sealed as it arrives to the workspace's intake key
(`gawah.security.intake`): the reporter's name, relationship and contact, where, how and by whom
the person was last seen, and the person's details as the family wrote them. The case row keeps
only its reference, kind, status and the date last seen; the person record keeps the naming
fields that matching needs. Reading the submission needs the intake key opened.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from gawah.registry.changes import NotFound, RegistryError, record
from gawah.registry.persons import PersonInput, add_person
from gawah.security.crypto import CryptoError
from gawah.security.intake import IntakeOpener, seal_submission
from gawah.security.ratelimit import Limit, login_limit, record_attempt
from gawah.store.models import Case, CaseIntake, CaseStatusChange, CaseSubmission, Person, utcnow
from gawah.store.vocab import Confidentiality

CASE_KINDS = ("missing", "detained")
CASE_STATUSES = ("missing", "detained", "released", "found_dead", "found_alive", "closed")
# What the family's view shows of each status; the same words for every case.
OPEN_STATUSES = frozenset({"missing", "detained"})
CHANNELS = ("staff", "public_form")
# Letters and digits that cannot be mistaken for one another when read out over a telephone.
ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
# Reports one address may send through the public form per day; a family reports one or two.
INTAKE_PER_ADDRESS = 5
INTAKE_WINDOW = dt.timedelta(days=1)
MAX_TEXT = 5000
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
SUBMISSION_PREFIX = "gwi1:"


class CaseError(RegistryError):
    """A case or status change that cannot be kept as given."""


class TooManyReports(CaseError):
    """An address sent more public reports than a family plausibly would."""


@dataclass(frozen=True)
class CaseInput:
    kind: str = "missing"
    last_seen_on: dt.date | None = None
    last_seen_place: str = ""
    last_seen_by: str = ""
    circumstances: str = ""
    reporter_name: str = ""
    reporter_contact: str = ""
    reporter_relationship: str = ""
    # Where the first status ("missing") comes from; for a family's report, the family.
    source: str = "report by a relative"


@dataclass(frozen=True)
class OpenedCase:
    """A new case: its id and reference, and the family's code (shown once, never stored)."""

    case_id: int
    person_id: int
    reference: str
    code: str


def _grouped(length: int) -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(length))
    return "-".join(raw[i : i + 4] for i in range(0, length, 4))


def new_reference() -> str:
    """A case reference that says nothing about the person: GW-XXXX-XXXX."""
    return "GW-" + _grouped(8)


def new_code() -> str:
    """The family's secret code: 12 characters (about 59 bits) in three groups."""
    return _grouped(12)


def normalise_code(code: str) -> str:
    """What the family typed, as the code was issued (case, spaces and dashes do not matter)."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def hash_code(code: str, salt: bytes | None = None) -> str:
    """scrypt digest of a family code, with its salt: 'scrypt$SALT$DIGEST' (hex)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(normalise_code(code).encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def code_matches(code: str, stored: str | None) -> bool:
    if not stored or stored.count("$") != 2:
        return False
    _scheme, salt_hex, _digest = stored.split("$")
    return hmac.compare_digest(hash_code(code, bytes.fromhex(salt_hex)), stored)


def address_key(address: str) -> str:
    """A digest of the reporting address: enough to count its reports, not to say who it was."""
    return hashlib.sha256(f"gawah-intake:{address}".encode()).hexdigest()


@dataclass(frozen=True)
class Submission:
    """What a family sent and only the intake key reads: who reports, how to reach them, the story."""

    reporter_name: str = ""
    reporter_contact: str = ""
    reporter_relationship: str = ""
    circumstances: str = ""
    last_seen_place: str = ""
    last_seen_by: str = ""
    person: dict[str, Any] = field(default_factory=dict)


def submission_context(reference: str) -> bytes:
    """The associated data of a case's sealed submission: it opens on this case only."""
    return f"gawah:case-submission:{reference}".encode()


def seal_case_submission(public: bytes, reference: str, submission: Submission) -> str:
    plain = json.dumps(submission.__dict__, ensure_ascii=False, sort_keys=True).encode("utf-8")
    sealed = seal_submission(public, plain, submission_context(reference))
    return SUBMISSION_PREFIX + base64.b64encode(sealed).decode("ascii")


def open_case_submission(opener: IntakeOpener, reference: str, stored: str) -> Submission:
    """The submission sealed on case `reference`; CryptoError when it does not open there."""
    if not stored.startswith(SUBMISSION_PREFIX):
        raise CryptoError("not a sealed submission")
    sealed = base64.b64decode(stored[len(SUBMISSION_PREFIX) :].encode("ascii"))
    data = json.loads(opener.open(sealed, submission_context(reference)).decode("utf-8"))
    known = {k: data[k] for k in Submission.__dataclass_fields__ if k in data}
    return Submission(**known)


def _text(value: str, limit: int, what: str) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise CaseError(f"{what} is longer than {limit} characters")
    return value


def case_snapshot(case: Case) -> dict[str, Any]:
    """What the registry's history (and so the ledger) keeps of a case: never the reporter."""
    return {
        "id": case.id,
        "reference": case.reference,
        "kind": case.kind,
        "person_id": case.person_id,
        "status": case.status,
        "last_seen_on": case.last_seen_on.isoformat() if case.last_seen_on else None,
        "confidentiality": case.confidentiality,
    }


def open_case(
    session: Session,
    person_id: int,
    data: CaseInput,
    actor: str,
    *,
    channel: str = "staff",
    address: str | None = None,
    intake_public: bytes | None = None,
    person_as_reported: dict[str, Any] | None = None,
) -> OpenedCase:
    """Open a case for a person already recorded; the first status is 'missing' or 'detained'.

    Through the public form (`channel="public_form"`) the reporter, the narrative and
    `person_as_reported` are sealed to `intake_public` and none of them is stored in the clear.
    """
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    if data.kind not in CASE_KINDS:
        raise CaseError(f"a case is one of: {', '.join(CASE_KINDS)}")
    if channel not in CHANNELS:
        raise CaseError(f"unknown channel {channel!r}")
    if data.last_seen_on and data.last_seen_on > dt.date.today():
        raise CaseError("the date last seen is in the future")
    sealed_intake = channel == "public_form"
    if sealed_intake and intake_public is None:
        raise CaseError("a public report is sealed to the workspace's intake key, and none was given")
    submission = Submission(
        reporter_name=_text(data.reporter_name, 300, "the reporter's name"),
        reporter_contact=_text(data.reporter_contact, 300, "the reporter's contact"),
        reporter_relationship=_text(data.reporter_relationship, 80, "the relationship"),
        circumstances=_text(data.circumstances, MAX_TEXT, "the circumstances"),
        last_seen_place=_text(data.last_seen_place, 300, "the place last seen"),
        last_seen_by=_text(data.last_seen_by, 300, "who saw the person last"),
        person=dict(person_as_reported or {}),
    )
    clear = None if sealed_intake else submission
    reference = new_reference()
    while session.scalar(select(Case.id).where(Case.reference == reference)) is not None:
        reference = new_reference()
    case = Case(
        reference=reference,
        kind=data.kind,
        person_id=person.id,
        status=data.kind,
        last_seen_on=data.last_seen_on,
        last_seen_place=(clear.last_seen_place or None) if clear else None,
        last_seen_by=(clear.last_seen_by or None) if clear else None,
        circumstances=clear.circumstances if clear else "",
        reporter_name=(clear.reporter_name or None) if clear else None,
        reporter_contact=(clear.reporter_contact or None) if clear else None,
        confidentiality=Confidentiality.CONFIDENTIAL.value,
    )
    session.add(case)
    session.flush()
    if sealed_intake and intake_public is not None:
        session.add(
            CaseSubmission(case_id=case.id, sealed=seal_case_submission(intake_public, reference, submission))
        )
    code = new_code()
    session.add(
        CaseIntake(
            case_id=case.id,
            channel=channel,
            reporter_relationship=(clear.reporter_relationship or None) if clear else None,
            code_hash=hash_code(code),
            address_key=address_key(address) if address else None,
        )
    )
    session.add(
        CaseStatusChange(
            case_id=case.id,
            previous_status=None,
            status=case.status,
            source=_text(data.source, MAX_TEXT, "the source"),
            recorded_by=actor,
        )
    )
    record(session, "case", case.id, "open", actor, None, case_snapshot(case), note=channel)
    session.flush()
    return OpenedCase(case.id, person.id, reference, code)


def intake_limit(session: Session, address: str, now: dt.datetime | None = None) -> Limit:
    """Whether `address` may send another public report now."""
    now = now or utcnow()
    since = now - INTAKE_WINDOW
    sent = (
        session.scalar(
            select(func.count())
            .select_from(CaseIntake)
            .where(CaseIntake.address_key == address_key(address), CaseIntake.created_at >= since)
        )
        or 0
    )
    if sent >= INTAKE_PER_ADDRESS:
        return Limit(True, int(INTAKE_WINDOW.total_seconds()), "too many reports from this address today")
    return Limit(False)


def report_missing(
    session: Session,
    person: PersonInput,
    data: CaseInput,
    address: str,
    *,
    intake_public: bytes,
    actor: str = "public form",
) -> OpenedCase:
    """A relative's report through the public form: a confidential candidate person and a case.

    Everything a family sends is confidential and waits for review; what identifies the family
    and the narrative are sealed to `intake_public`; the address is counted (as a digest)
    against :data:`INTAKE_PER_ADDRESS`.
    """
    limit = intake_limit(session, address)
    if limit.blocked:
        raise TooManyReports(limit.why)
    stored = add_person(
        session,
        PersonInput(
            **{
                **person.__dict__,
                "confidentiality": Confidentiality.CONFIDENTIAL.value,
                "is_pseudonym": False,
            }
        ),
        actor,
    )
    return open_case(
        session,
        stored.id,
        data,
        actor,
        channel="public_form",
        address=address,
        intake_public=intake_public,
        person_as_reported={k: v for k, v in person.__dict__.items() if v not in ("", None, False)},
    )


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def set_status(
    session: Session, case_id: int, status: str, *, source: str, actor: str, note: str = ""
) -> CaseStatusChange:
    """Record a new status with where the news came from; a change needs its source."""
    if status not in CASE_STATUSES:
        raise CaseError(f"a case's status is one of: {', '.join(CASE_STATUSES)}")
    source = _text(source, MAX_TEXT, "the source")
    if not source:
        raise CaseError("say where the news comes from (the source of this status)")
    case = get_case(session, case_id)
    if case.status == status:
        raise CaseError(f"the case is already {status}")
    before = case_snapshot(case)
    change = CaseStatusChange(
        case_id=case.id,
        previous_status=case.status,
        status=status,
        source=source,
        recorded_by=actor,
        note=_text(note, MAX_TEXT, "the note"),
    )
    case.status = status
    session.add(change)
    record(session, "case", case.id, "status", actor, before, case_snapshot(case), note=note)
    session.flush()
    return change


@dataclass(frozen=True)
class StatusRow:
    status: str
    previous_status: str | None
    source: str
    recorded_by: str
    at: dt.datetime
    note: str


@dataclass(frozen=True)
class CaseView:
    """A case for the team: everything, the reporter's contact included (a confidential read)."""

    id: int
    reference: str
    kind: str
    status: str
    person_id: int | None
    person_name: str | None
    last_seen_on: dt.date | None
    last_seen_place: str | None
    last_seen_by: str | None
    circumstances: str
    reporter_name: str | None
    reporter_contact: str | None
    reporter_relationship: str | None
    channel: str | None
    opened_at: dt.datetime
    confidentiality: str
    history: list[StatusRow] = field(default_factory=list)
    # A family's report is sealed to the intake key: `sealed` says there is one, `opened` that
    # the fields above were read from it (otherwise they are empty).
    sealed: bool = False
    opened: bool = False
    person_as_reported: dict[str, Any] = field(default_factory=dict)


def _history(session: Session, case_id: int) -> list[StatusRow]:
    rows = session.scalars(
        select(CaseStatusChange)
        .where(CaseStatusChange.case_id == case_id)
        .order_by(CaseStatusChange.at, CaseStatusChange.id)
    ).all()
    return [StatusRow(r.status, r.previous_status, r.source, r.recorded_by, r.at, r.note) for r in rows]


def case_by_reference(session: Session, reference: str) -> Case:
    case = session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    if case is None:
        raise NotFound(f"no case {reference}")
    return case


def case_view(session: Session, case_id: int, opener: IntakeOpener | None = None) -> CaseView:
    """A case for the team; a family's sealed submission is read when `opener` is given."""
    case = get_case(session, case_id)
    intake = session.scalar(select(CaseIntake).where(CaseIntake.case_id == case.id))
    stored = session.scalar(select(CaseSubmission.sealed).where(CaseSubmission.case_id == case.id))
    submission = open_case_submission(opener, case.reference, stored) if stored and opener else None
    if submission is not None:
        return CaseView(
            case.id,
            case.reference,
            case.kind,
            case.status,
            case.person_id,
            case.person.name if case.person else None,
            case.last_seen_on,
            submission.last_seen_place or None,
            submission.last_seen_by or None,
            submission.circumstances,
            submission.reporter_name or None,
            submission.reporter_contact or None,
            submission.reporter_relationship or None,
            intake.channel if intake else None,
            case.created_at,
            case.confidentiality,
            _history(session, case.id),
            sealed=True,
            opened=True,
            person_as_reported=submission.person,
        )
    return CaseView(
        case.id,
        case.reference,
        case.kind,
        case.status,
        case.person_id,
        case.person.name if case.person else None,
        case.last_seen_on,
        case.last_seen_place,
        case.last_seen_by,
        case.circumstances,
        case.reporter_name,
        case.reporter_contact,
        intake.reporter_relationship if intake else None,
        intake.channel if intake else None,
        case.created_at,
        case.confidentiality,
        _history(session, case.id),
        sealed=stored is not None,
    )


@dataclass(frozen=True)
class CaseRow:
    id: int
    reference: str
    kind: str
    status: str
    person_id: int | None
    person_name: str | None
    last_seen_on: dt.date | None
    opened_at: dt.datetime


def list_cases(
    session: Session, levels: Sequence[str], *, status: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[CaseRow], int]:
    """Cases at the given levels, newest first, without reporters or circumstances."""
    where: list[ColumnElement[bool]] = [Case.confidentiality.in_(list(levels))]
    if status:
        where.append(Case.status == status)
    total = session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    rows = session.execute(
        select(Case, Person.name)
        .outerjoin(Person, Person.id == Case.person_id)
        .where(*where)
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        CaseRow(c.id, c.reference, c.kind, c.status, c.person_id, name, c.last_seen_on, c.created_at)
        for c, name in rows
    ], total


@dataclass(frozen=True)
class FamilyView:
    """What a family may see of its case: status and dates. No names, places, sources or notes."""

    reference: str
    status: str
    reported_on: dt.date
    last_seen_on: dt.date | None
    changes: list[tuple[str, dt.date]]


def family_view(session: Session, reference: str, code: str) -> FamilyView | None:
    """The family's view when the reference and code agree; None otherwise (whichever is wrong)."""
    case = session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    intake = session.scalar(select(CaseIntake).where(CaseIntake.case_id == case.id)) if case else None
    if case is None or intake is None or not code_matches(code, intake.code_hash):
        # Spend the same time on a wrong reference as on a wrong code: the answer tells nothing.
        if case is None or intake is None:
            hash_code(code or "-")
        return None
    history = _history(session, case.id)
    return FamilyView(
        case.reference,
        case.status,
        case.created_at.date(),
        case.last_seen_on,
        [(h.status, h.at.date()) for h in history],
    )


def family_lookup(
    session: Session, reference: str, code: str, address: str, now: dt.datetime | None = None
) -> tuple[FamilyView | None, Limit]:
    """`family_view` behind the sign-in rate limits (per reference and per address), counted in the
    database; every try is recorded (the reference only as a digest)."""
    now = now or utcnow()
    key = f"case:{reference.strip().upper()}"
    limit = login_limit(session, key, address, now)
    if limit.blocked:
        return None, limit
    view = family_view(session, reference, code)
    record_attempt(session, key, address, view is not None, now)
    return view, Limit(False)
