"""Every decision on a registry record is a RegistryChange with who, when, and the record before and
after; each change is a ledger entry. History, readable diffs and restore are read from them.

Conflicting edits by two analysts are refused, never silently overwritten: a form carries the
incident's (or claim's) `version` and a change made against an older version raises `ConflictError`;
SQLAlchemy's version counter catches the race between two transactions in flight.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from gawah.ledger.journal import record_registry_change
from gawah.registry.search import refresh_entries
from gawah.store.models import (
    Act,
    ActUnit,
    Claim,
    ClaimIncident,
    Incident,
    IncidentSource,
    Person,
    Place,
    RegistryChange,
    Unit,
    User,
    utcnow,
)


class RegistryError(Exception):
    """A decision that cannot be made as asked; the message says why, for the person who asked."""


class NotFound(RegistryError):
    pass


class ConflictError(RegistryError):
    """Someone else changed the record since it was opened: reload, look, and decide again."""


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None


ACT_FIELDS = (
    "violation",
    "subtype",
    "count_value",
    "count_qualifier",
    "count_unit",
    "perpetrator",
    "perpetrator_detail",
    "victim_groups",
    "start_date",
    "end_date",
    "date_precision",
    "review_status",
    "confidentiality",
)
INCIDENT_FIELDS = (
    "title",
    "summary",
    "start_date",
    "end_date",
    "date_precision",
    "status",
    "standard_of_proof",
    "reported_by",
    "merged_into_id",
    "review_status",
    "confidentiality",
)
SOURCE_FIELDS = ("document_id", "source_id", "independent", "credibility", "repeats_source_id")
CLAIM_FIELDS = ("speaker", "affiliation", "stance", "quote", "stated_on", "review_status", "confidentiality")
PERSON_FIELDS = ("name", "review_status", "confidentiality")
DATE_FIELDS = frozenset({"start_date", "end_date", "stated_on"})
# Changes to these records change what search finds (a person's name is searched in its incidents).
SEARCHED_SUBJECTS = frozenset({"incident", "claim", "person"})


def _fields(row: object, names: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(row, name)
        if name in DATE_FIELDS:
            value = _iso(value)
        elif isinstance(value, list):
            value = list(value)
        out[name] = value
    return out


def act_snapshot(act: Act) -> dict[str, Any]:
    return {"id": act.id, **_fields(act, ACT_FIELDS)}


def incident_snapshot(incident: Incident) -> dict[str, Any]:
    """The incident as a plain dict: its fields, acts, sources and places (what restore puts back)."""
    return {
        "id": incident.id,
        **_fields(incident, INCIDENT_FIELDS),
        "places": sorted(p.id for p in incident.places),
        "acts": [act_snapshot(a) for a in sorted(incident.acts, key=lambda a: a.id)],
        "sources": [
            {"id": s.id, **_fields(s, SOURCE_FIELDS)} for s in sorted(incident.sources, key=lambda s: s.id)
        ],
    }


def claim_snapshot(claim: Claim) -> dict[str, Any]:
    return {"id": claim.id, **_fields(claim, CLAIM_FIELDS)}


def claim_links(session: Session, claim_id: int) -> list[dict[str, Any]]:
    """The incidents linked to a claim, by incident id, with the side each is on."""
    rows = session.scalars(
        select(ClaimIncident).where(ClaimIncident.claim_id == claim_id).order_by(ClaimIncident.incident_id)
    )
    return [{"id": row.incident_id, "relation": row.relation} for row in rows]


def claim_record(session: Session, claim: Claim) -> dict[str, Any]:
    """The claim's fields and its links (what restore puts back; diffed link by link)."""
    return claim_snapshot(claim) | {"incidents": claim_links(session, claim.id)}


def person_snapshot(person: Person) -> dict[str, Any]:
    return {"id": person.id, **_fields(person, PERSON_FIELDS)}


def record(
    session: Session,
    subject_type: str,
    subject_id: int,
    action: str,
    actor: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    note: str = "",
) -> RegistryChange:
    """Keep one change (and its ledger entry) in the caller's transaction."""
    if not actor.strip():
        raise RegistryError("every decision needs the name of the person who made it")
    change = RegistryChange(
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        actor=actor,
        at=utcnow(),
        before=before,
        after=after,
        note=note,
    )
    record_registry_change(session, change)
    if subject_type in SEARCHED_SUBJECTS:
        # The search index follows every decision in the same transaction: found right after.
        refresh_entries(session, subject_type, [subject_id])
    return change


def user_id(session: Session, actor: str) -> int | None:
    """The users row of `actor`, when there is one (reviews made from the CLI may name anyone)."""
    return session.scalar(select(User.id).where(User.username == actor))


def get_incident(session: Session, incident_id: int, expected_version: int | None = None) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    check_version(incident, expected_version)
    return incident


def check_version(incident: Incident, expected_version: int | None) -> None:
    if expected_version is not None and incident.version != expected_version:
        raise ConflictError(
            f"incident {incident.id} was changed by someone else since you opened it "
            f"(it is at version {incident.version}, you edited version {expected_version}); "
            "reload it, look at the change, and decide again"
        )


def touch(incident: Incident) -> None:
    """Mark the incident changed, so that its version moves on when acts or sources change."""
    incident.updated_at = utcnow()


def get_claim_version(session: Session, claim_id: int, expected_version: int | None = None) -> Claim:
    """The claim, refused with ConflictError when `expected_version` is given and is not its own."""
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"no claim {claim_id}")
    check_claim_version(claim, expected_version)
    return claim


def check_claim_version(claim: Claim, expected_version: int | None) -> None:
    if expected_version is not None and claim.version != expected_version:
        raise ConflictError(
            f"claim {claim.id} was changed by someone else since you opened it "
            f"(it is at version {claim.version}, you edited version {expected_version}); "
            "reload it, look at the change, and decide again"
        )


def touch_claim(claim: Claim) -> None:
    """Mark the claim changed, so that its version moves on when only its links change (a link is
    a row of its own); flagged as well, so that two changes within one clock tick both count."""
    claim.updated_at = utcnow()
    flag_modified(claim, "updated_at")


@contextmanager
def deciding(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction for one decision; a concurrent edit becomes a ConflictError, not an overwrite."""
    session = sessions()
    try:
        yield session
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise ConflictError(
            "someone else saved a change to this record while you were editing it; "
            "nothing of yours was saved: reload it and decide again"
        ) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# History -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One line of a readable diff: `path` names the field (e.g. "acts[3].count_value")."""

    path: str
    old: Any
    new: Any


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
    """What differs between two snapshots, field by field; list items matched by their `id`."""
    out: list[FieldChange] = []

    def walk(path: str, a: Any, b: Any) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b), key=str):
                if key == "id" and path:
                    continue
                walk(f"{path}.{key}" if path else str(key), a.get(key), b.get(key))
        elif (
            isinstance(a, list)
            and isinstance(b, list)
            and all(isinstance(x, dict) and "id" in x for x in [*a, *b])
            and (a or b)
        ):
            left = {x["id"]: x for x in a}
            right = {x["id"]: x for x in b}
            for key in sorted(set(left) | set(right)):
                walk(f"{path}[{key}]", left.get(key), right.get(key))
        elif a != b:
            out.append(FieldChange(path, a, b))

    walk("", before or {}, after or {})
    return out


def history(session: Session, subject_type: str, subject_id: int) -> list[RegistryChange]:
    """Every change to one record, oldest first."""
    return list(
        session.scalars(
            select(RegistryChange)
            .where(RegistryChange.subject_type == subject_type, RegistryChange.subject_id == subject_id)
            .order_by(RegistryChange.id)
        )
    )


def _restore_act_units(session: Session, act_id: int, unit_ids: list[int]) -> None:
    """Put back the units named as perpetrators of an act, as a snapshot that records them has
    them (snapshots taken by `registry.command` do; older ones leave the links as they are)."""
    session.flush()
    current = {row.unit_id: row for row in session.scalars(select(ActUnit).where(ActUnit.act_id == act_id))}
    for unit_id, row in current.items():
        if unit_id not in unit_ids:
            session.delete(row)
    for unit_id in unit_ids:
        if unit_id not in current and session.get(Unit, unit_id) is not None:
            session.add(ActUnit(act_id=act_id, unit_id=unit_id, created_by="restore"))


def _restore_claim_links(session: Session, claim_id: int, links: list[dict[str, Any]]) -> None:
    """Put back exactly the links a snapshot records: links made since are removed, links removed
    since come back on their side (an incident no longer in the registry cannot be linked again)."""
    wanted = {int(link["id"]): str(link["relation"]) for link in links}
    current = {
        row.incident_id: row
        for row in session.scalars(select(ClaimIncident).where(ClaimIncident.claim_id == claim_id))
    }
    for incident_id, row in current.items():
        if incident_id not in wanted:
            session.delete(row)
        elif row.relation != wanted[incident_id]:
            row.relation = wanted[incident_id]
    for incident_id, relation in wanted.items():
        if incident_id not in current and session.get(Incident, incident_id) is not None:
            session.add(ClaimIncident(claim_id=claim_id, incident_id=incident_id, relation=relation))


def _apply_incident(session: Session, incident: Incident, snap: dict[str, Any]) -> None:
    for name in INCIDENT_FIELDS:
        value = snap.get(name)
        setattr(incident, name, _date(value) if name in DATE_FIELDS else value)
    incident.places = [p for p in (session.get(Place, pid) for pid in snap.get("places", [])) if p]
    wanted_acts = {a["id"]: a for a in snap.get("acts", [])}
    for act in list(incident.acts):
        if act.id not in wanted_acts:
            incident.acts.remove(act)
    for act_id, data in wanted_acts.items():
        found = session.get(Act, act_id)
        act = found if found is not None else Act(id=act_id, incident_id=incident.id)
        session.add(act)
        act.incident_id = incident.id
        for name in ACT_FIELDS:
            value = data.get(name)
            setattr(act, name, _date(value) if name in DATE_FIELDS else value)
        if "perpetrator_units" in data:
            _restore_act_units(session, act_id, data["perpetrator_units"] or [])
    wanted_sources = {s["id"]: s for s in snap.get("sources", [])}
    for source in list(incident.sources):
        if source.id not in wanted_sources:
            incident.sources.remove(source)
    session.flush()
    for source_id, data in wanted_sources.items():
        row = session.get(IncidentSource, source_id)
        if row is None:
            row = IncidentSource(id=source_id, incident_id=incident.id, document_id=data["document_id"])
            session.add(row)
        row.incident_id = incident.id
        for name in SOURCE_FIELDS:
            setattr(row, name, data.get(name))
    touch(incident)
    session.flush()
    session.expire(incident, ["acts", "sources"])


def restore(
    session: Session,
    change_id: int,
    actor: str,
    *,
    which: str = "before",
    expected_version: int | None = None,
    subject_type: str | None = None,
    subject_id: int | None = None,
) -> RegistryChange:
    """Put an incident or claim back as it was before (or after) one earlier change; a new change.

    A claim comes back with its links to incidents when the snapshot records them (snapshots
    taken since links were kept with the claim do; older ones leave the links as they are).
    `expected_version` is the incident's or the claim's version, refused when it moved on;
    `subject_type`, when given, is the kind of record the caller means to restore (a change to
    another kind is "not found", so that a claim's page cannot restore an incident, or the reverse);
    `subject_id` likewise names the record (an incident's page restores only that incident's changes,
    whose access the page checked).
    """
    change = session.get(RegistryChange, change_id)
    if (
        change is None
        or (subject_type is not None and change.subject_type != subject_type)
        or (subject_id is not None and change.subject_id != subject_id)
    ):
        whose = f" to {subject_type or 'record'} {subject_id}" if subject_id is not None else ""
        whose = whose or (f" to a {subject_type}" if subject_type else "")
        raise NotFound(f"no change {change_id}{whose}")
    snap = change.before if which == "before" else change.after
    if snap is None:
        raise RegistryError(f"change {change_id} has no '{which}' version to restore")
    if change.subject_type == "incident":
        incident = get_incident(session, change.subject_id, expected_version)
        before = incident_snapshot(incident)
        _apply_incident(session, incident, snap)
        session.refresh(incident)
        after = incident_snapshot(incident)
    elif change.subject_type == "claim":
        claim = get_claim_version(session, change.subject_id, expected_version)
        before = claim_record(session, claim)
        for name in CLAIM_FIELDS:
            value = snap.get(name)
            setattr(claim, name, _date(value) if name in DATE_FIELDS else value)
        if "incidents" in snap:
            _restore_claim_links(session, claim.id, snap["incidents"] or [])
        touch_claim(claim)
        session.flush()
        after = claim_record(session, claim)
    else:
        raise RegistryError(f"records of kind {change.subject_type!r} are not restored from history")
    return record(
        session,
        change.subject_type,
        change.subject_id,
        "restore",
        actor,
        before,
        after,
        note=f"restored the version {which} change {change_id}",
    )
