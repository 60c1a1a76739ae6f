"""Lists of persons received from elsewhere — detainees, the killed, the missing — kept as sources.

A list arrives as a CSV in the `gawah link dedupe` contract (`id`, `name` or `name_native`,
`father_name`, …) with three optional columns of its own: `status` (detained, released, …, as the
list says), `place` (a prison, a district) and `date` (when the list says so). It is imported
whole or not at all; every line becomes a candidate person record tied to the list and to its
line, and the list keeps who sent it, when it was received, and the SHA-256 of the file, so each
entry can be traced back to the file it came from. The new records are then compared with
everyone else (cases, victims in incidents, other lists) like any new person.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gawah.link.records import PersonRecord, RecordError, birth_year_of, read_records
from gawah.registry.changes import RegistryError, record
from gawah.registry.persons import PersonError, PersonInput, add_person, validate
from gawah.store.models import PersonList, PersonListEntry
from gawah.store.vocab import Confidentiality

LIST_KINDS = ("detainees", "missing", "killed", "released", "other")
LIST_COLUMNS = ("status", "place")


class ListError(RegistryError):
    """A list that cannot be imported as given; the message names the line."""


@dataclass(frozen=True)
class ListSource:
    """Where a list came from: its name in the registry, who sent it, when it was received."""

    name: str
    sent_by: str = ""
    received_on: dt.date | None = None
    kind: str = "detainees"
    filename: str = ""
    confidentiality: str = Confidentiality.RESTRICTED.value


@dataclass(frozen=True)
class ImportedList:
    list_id: int
    name: str
    person_ids: tuple[int, ...]
    sha256: str


def person_input(entry: PersonRecord, confidentiality: str) -> PersonInput:
    """A list line as a person record (the birth year worked out from an age and the list's date)."""
    return PersonInput(
        name=entry.name or "",
        name_native=entry.name_native or "",
        father_name=entry.father_name or "",
        grandfather_name=entry.grandfather_name or "",
        sex=entry.sex or "",
        birth_year=birth_year_of(entry),
        age=round(entry.age) if entry.age is not None else None,
        home_province=entry.province or "",
        home_district=entry.district or "",
        occupation=entry.occupation or "",
        confidentiality=confidentiality,
    )


def import_list(session: Session, raw: bytes, source: ListSource, actor: str) -> ImportedList:
    """Import a received list whole: the list, one candidate person and one entry per line.

    Raises ListError naming the line for a bad file or a line that cannot be a person record;
    the caller's transaction is then rolled back and nothing is kept.
    """
    name = " ".join(source.name.split())
    if not name or len(name) > 200:
        raise ListError("a list needs a name (at most 200 characters) to be cited by")
    if source.kind not in LIST_KINDS:
        raise ListError(f"a list is one of: {', '.join(LIST_KINDS)}")
    if session.scalar(select(PersonList.id).where(PersonList.name == name)) is not None:
        raise ListError(f"a list named {name!r} was already imported: give this one another name")
    try:
        parsed = read_records(raw, keep=LIST_COLUMNS)
    except RecordError as exc:
        raise ListError(str(exc)) from None
    # Every line is checked before anything is stored.
    inputs: list[PersonInput] = []
    for entry in parsed.records:
        try:
            inputs.append(validate(person_input(entry, source.confidentiality)))
        except PersonError as exc:
            raise ListError(f"line {entry.line}: {exc}") from None
    for entry, extra in zip(parsed.records, parsed.kept, strict=True):
        for column, limit in (("status", 120), ("place", 300)):
            if len(extra.get(column) or "") > limit:
                raise ListError(f"line {entry.line}: {column} is longer than {limit} characters")
    digest = hashlib.sha256(raw).hexdigest()
    listed = PersonList(
        name=name,
        kind=source.kind,
        sent_by=source.sent_by.strip()[:300] or None,
        received_on=source.received_on,
        filename=source.filename[:300] or None,
        sha256=digest,
        entry_count=len(parsed.records),
        imported_by=actor,
        confidentiality=source.confidentiality,
    )
    session.add(listed)
    session.flush()
    person_ids: list[int] = []
    for entry, extra, data in zip(parsed.records, parsed.kept, inputs, strict=True):
        person = add_person(session, data, actor)
        person_ids.append(person.id)
        session.add(
            PersonListEntry(
                list_id=listed.id,
                person_id=person.id,
                line=entry.line or 0,
                entry_id=entry.id,
                status=extra.get("status"),
                place=extra.get("place"),
                listed_on=entry.date,
            )
        )
    record(
        session,
        "person_list",
        listed.id,
        "import",
        actor,
        None,
        {"name": name, "kind": source.kind, "sha256": digest, "entries": len(person_ids)},
    )
    session.flush()
    return ImportedList(listed.id, name, tuple(person_ids), digest)


@dataclass(frozen=True)
class Appearance:
    """A person's line on a received list."""

    list_id: int
    list_name: str
    person_id: int
    line: int
    entry_id: str
    status: str | None
    place: str | None
    listed_on: str | None
    sent_by: str | None


def appearances(session: Session, person_ids: Collection[int], levels: Sequence[str]) -> list[Appearance]:
    """The lines of the lists (at the reader's levels) on which these persons appear."""
    if not person_ids:
        return []
    rows = session.execute(
        select(PersonListEntry, PersonList)
        .join(PersonList, PersonList.id == PersonListEntry.list_id)
        .where(
            PersonListEntry.person_id.in_(list(person_ids)),
            PersonList.confidentiality.in_(list(levels)),
        )
        .order_by(PersonList.name, PersonListEntry.line)
    ).all()
    return [
        Appearance(
            lst.id,
            lst.name,
            entry.person_id,
            entry.line,
            entry.entry_id,
            entry.status,
            entry.place,
            entry.listed_on,
            lst.sent_by,
        )
        for entry, lst in rows
    ]
