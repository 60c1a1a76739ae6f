"""Persons named the Afghan way: given name, father's and grandfather's names, tribe, home district.

Many Afghans have no surname; people are told apart by the father's name (as on the tazkira), the
grandfather's name, the tribe or qawm and the home district. A name may be given in Latin letters,
in Arabic script or both; each spelling is kept as the source wrote it (never "corrected"), and
matching compares them through `gawah.link.names`.

A protected witness is recorded under a pseudonym (`is_pseudonym`), always confidential, and is
never proposed as a match: comparing a pseudonym with real names would say nothing and could
point at the witness.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from gawah.link.names import is_arabic_script
from gawah.registry.changes import NotFound, RegistryError, record
from gawah.security.encrypted import engine_key
from gawah.store.models import Act, Case, Involvement, Person
from gawah.store.vocab import Confidentiality, ReviewStatus

SEXES = ("male", "female", "unknown")
# Former service matters in Afghanistan since 2021: former police, army and officials are targeted.
FORMER_SERVICES = ("police", "army", "intelligence", "official", "judiciary", "other", "none")
MIN_BIRTH_YEAR = 1900
MAX_AGE = 120


class PersonError(RegistryError):
    """A person record that cannot be kept as given (the message says which field)."""


@dataclass(frozen=True)
class PersonInput:
    """What is known of a person, as reported; empty strings count as unknown."""

    name: str = ""
    name_native: str = ""
    father_name: str = ""
    grandfather_name: str = ""
    tribe: str = ""
    sex: str = ""
    birth_year: int | None = None
    age: int | None = None
    home_province: str = ""
    home_district: str = ""
    occupation: str = ""
    former_service: str = ""
    is_pseudonym: bool = False
    notes: str = ""
    confidentiality: str = Confidentiality.RESTRICTED.value


def _clean(text: str | None, limit: int, what: str) -> str | None:
    value = " ".join((text or "").split())
    if len(value) > limit:
        raise PersonError(f"{what} is longer than {limit} characters")
    return value or None


def validate(data: PersonInput, today: dt.date | None = None) -> PersonInput:
    """The input with spaces tidied, checked field by field; raises PersonError naming the field.

    A name typed in Arabic script in the Latin field is moved to `name_native`, and the reverse,
    so that both scripts land where matching looks for them.
    """
    year_now = (today or dt.date.today()).year
    name = _clean(data.name, 300, "the name") or ""
    native = _clean(data.name_native, 300, "the name in Arabic script") or ""
    if name and is_arabic_script(name) and not native:
        name, native = "", name
    if native and not is_arabic_script(native) and not name:
        name, native = native, ""
    if not name and not native:
        raise PersonError("a person needs a name (or a pseudonym) in Latin letters or Arabic script")
    sex = (data.sex or "").strip().lower()
    if sex and sex not in SEXES:
        raise PersonError(f"sex must be one of {', '.join(SEXES)}")
    service = (data.former_service or "").strip().lower()
    if service and service not in FORMER_SERVICES:
        raise PersonError(f"former service must be one of {', '.join(FORMER_SERVICES)}")
    if data.birth_year is not None and not MIN_BIRTH_YEAR <= data.birth_year <= year_now:
        raise PersonError(f"birth year must be between {MIN_BIRTH_YEAR} and {year_now}")
    if data.age is not None and not 0 <= data.age <= MAX_AGE:
        raise PersonError(f"age must be between 0 and {MAX_AGE}")
    try:
        level = Confidentiality(data.confidentiality)
    except ValueError:
        raise PersonError(f"unknown confidentiality {data.confidentiality!r}") from None
    if data.is_pseudonym:
        level = Confidentiality.CONFIDENTIAL
    return replace(
        data,
        name=name,
        name_native=native,
        father_name=_clean(data.father_name, 300, "the father's name") or "",
        grandfather_name=_clean(data.grandfather_name, 300, "the grandfather's name") or "",
        tribe=_clean(data.tribe, 200, "the tribe") or "",
        sex=sex,
        home_province=_clean(data.home_province, 120, "the province") or "",
        home_district=_clean(data.home_district, 120, "the district") or "",
        occupation=_clean(data.occupation, 200, "the occupation") or "",
        former_service=service,
        notes=(data.notes or "").strip(),
        confidentiality=level.value,
    )


def new_person(data: PersonInput) -> Person:
    """An unsaved Person row from checked input (`validate` first)."""
    return Person(
        # The display name: Latin letters when given, otherwise the Arabic-script spelling.
        name=data.name or data.name_native,
        name_native=data.name_native or None,
        father_name=data.father_name or None,
        grandfather_name=data.grandfather_name or None,
        tribe=data.tribe or None,
        sex=data.sex or None,
        birth_year=data.birth_year,
        age=data.age,
        home_province=data.home_province or None,
        home_district=data.home_district or None,
        occupation=data.occupation or None,
        former_service=data.former_service or None,
        is_pseudonym=data.is_pseudonym,
        notes=data.notes,
        confidentiality=data.confidentiality,
        review_status=ReviewStatus.CANDIDATE.value,
    )


def person_snapshot(person: Person) -> dict[str, Any]:
    """What the registry's history keeps of a person (naming fields, no free-text notes)."""
    return {
        "id": person.id,
        "name": person.name,
        "name_native": person.name_native,
        "father_name": person.father_name,
        "grandfather_name": person.grandfather_name,
        "tribe": person.tribe,
        "sex": person.sex,
        "birth_year": person.birth_year,
        "age": person.age,
        "home_province": person.home_province,
        "home_district": person.home_district,
        "former_service": person.former_service,
        "is_pseudonym": person.is_pseudonym,
        "confidentiality": person.confidentiality,
        "review_status": person.review_status,
    }


def add_person(session: Session, data: PersonInput, actor: str) -> Person:
    """Check and store one person, with a registry change; matching is `gawah.registry.matching`."""
    checked = validate(data)
    person = new_person(checked)
    session.add(person)
    session.flush()
    record(session, "person", person.id, "create", actor, None, person_snapshot(person))
    return person


def get_person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    return person


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    name_native: str | None
    father_name: str | None
    home_province: str | None
    home_district: str | None
    is_pseudonym: bool
    confidentiality: str
    review_status: str


@dataclass(frozen=True)
class PersonListing:
    persons: list[PersonRow]
    total: int


def _row(p: Person) -> PersonRow:
    return PersonRow(
        p.id,
        p.name,
        p.name_native,
        p.father_name,
        p.home_province,
        p.home_district,
        p.is_pseudonym,
        p.confidentiality,
        p.review_status,
    )


def names_sealed(session: Session) -> bool:
    """Whether names are sealed in this database (an unlocked encrypted workspace)."""
    return engine_key(session.get_bind().dialect) is not None


def name_agrees(query: str, *names: str | None) -> bool:
    """Whether `query` is part of one of the names, case and spacing aside (either script)."""
    wanted = " ".join(query.split()).casefold()
    return any(wanted in " ".join(n.split()).casefold() for n in names if n)


def list_persons(
    session: Session, levels: Sequence[str], *, query: str = "", limit: int = 50, offset: int = 0
) -> PersonListing:
    """Persons at the given confidentiality levels, by name; `query` matches either script.

    Where names are sealed (an encrypted workspace) SQL cannot compare them: the persons at the
    reader's levels are opened and filtered here, then sorted and cut to the page.
    """
    where: list[ColumnElement[bool]] = [Person.confidentiality.in_(list(levels))]
    text = query.strip()
    if text and names_sealed(session):
        found = [
            p
            for p in session.scalars(select(Person).where(*where))
            if name_agrees(text, p.name, p.name_native, p.father_name)
        ]
        found.sort(key=lambda p: (p.name.casefold(), p.id))
        return PersonListing([_row(p) for p in found[offset : offset + limit]], len(found))
    if text:
        pattern = f"%{text}%"
        where.append(
            or_(
                Person.name.ilike(pattern),
                Person.name_native.ilike(pattern),
                Person.father_name.ilike(pattern),
            )
        )
    total = session.scalar(select(func.count()).select_from(Person).where(*where)) or 0
    if names_sealed(session):
        # Sealed names sort as ciphertext in SQL: order the page by the opened names instead.
        everyone = sorted(
            session.scalars(select(Person).where(*where)), key=lambda p: (p.name.casefold(), p.id)
        )
        return PersonListing([_row(p) for p in everyone[offset : offset + limit]], total)
    rows = session.scalars(
        select(Person).where(*where).order_by(Person.name, Person.id).limit(limit).offset(offset)
    ).all()
    return PersonListing([_row(p) for p in rows], total)


@dataclass(frozen=True)
class InvolvementRow:
    incident_id: int
    act_id: int
    violation: str
    role: str
    fate: str | None


@dataclass(frozen=True)
class PersonView:
    person: dict[str, Any]
    involvements: list[InvolvementRow] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)


def person_view(session: Session, person_id: int) -> PersonView:
    """One person with the acts they are involved in and the cases that follow them."""
    person = get_person(session, person_id)
    rows = session.execute(
        select(Involvement, Act)
        .join(Act, Act.id == Involvement.act_id)
        .where(Involvement.person_id == person_id)
    ).all()
    cases = session.scalars(select(Case.id).where(Case.person_id == person_id).order_by(Case.id)).all()
    snapshot = person_snapshot(person)
    snapshot.update(occupation=person.occupation, notes=person.notes)
    return PersonView(
        snapshot,
        [InvolvementRow(a.incident_id, a.id, a.violation, i.role, i.fate) for i, a in rows],
        list(cases),
    )
