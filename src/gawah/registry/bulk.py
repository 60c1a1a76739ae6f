"""One change applied to many incidents at once, all or nothing.

A bulk edit sets the status (with the standard of proof), the confidentiality level, or names a
unit as perpetrator, for every incident chosen. It runs in the caller's transaction: the first
incident that cannot take the change (a status move the rules refuse, a version that moved on, an
incident the caller may not see) aborts the whole batch, and the caller's rollback leaves every
incident as it was. Each incident's change is its own RegistryChange, so history, versions,
conflict detection and the ledger hold per record, as for an edit made one by one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from gawah.registry.changes import (
    ConflictError,
    NotFound,
    RegistryError,
    check_version,
    incident_snapshot,
    record,
    touch,
)
from gawah.registry.command import assign_unit, get_unit
from gawah.registry.corroboration import DISPUTED, RETRACTED, STANDARDS_OF_PROOF, TRANSITIONS, set_status
from gawah.store.models import Incident
from gawah.store.vocab import Confidentiality

# Enough for a morning's triage; a larger batch is better cut by a filter than by a list of ids.
MAX_BATCH = 1000
LEVELS = tuple(c.value for c in Confidentiality)


@dataclass(frozen=True)
class BulkChange:
    """What to do to every incident: any of a status (with its standard of proof), a
    confidentiality level, a unit named as perpetrator of each act; `note` says why."""

    status: str | None = None
    standard_of_proof: str | None = None
    confidentiality: str | None = None
    unit_id: int | None = None
    note: str = ""

    def describe(self) -> str:
        parts = []
        if self.status:
            parts.append(f"status {self.status}")
        if self.standard_of_proof:
            parts.append(f"standard of proof {self.standard_of_proof}")
        if self.confidentiality:
            parts.append(f"confidentiality {self.confidentiality}")
        if self.unit_id is not None:
            parts.append(f"perpetrator unit {self.unit_id}")
        return ", ".join(parts)


class BulkError(RegistryError):
    """The batch was refused; nothing of it was applied."""


def parse_ids(text: str) -> list[int]:
    """`1,2,3` or `1-5,9` (ranges included) as a list of ids, in order, each once."""
    out: list[int] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        first, sep, last = part.partition("-")
        if not first.isdigit() or (sep and not last.isdigit()):
            raise BulkError(f"write incident numbers as 1,2,3 or 4-9, not {part!r}")
        low, high = int(first), int(last) if sep else int(first)
        if high < low or high - low >= MAX_BATCH:
            raise BulkError(f"the range {part} is empty or longer than {MAX_BATCH}")
        out.extend(i for i in range(low, high + 1) if i not in out)
    return out


def parse_versions(text: str) -> dict[int, int]:
    """`1:3,2:5` (incident:version) as a mapping."""
    out: dict[int, int] = {}
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        incident, sep, version = part.partition(":")
        if not (sep and incident.isdigit() and version.isdigit()):
            raise BulkError(f"write versions as incident:version (12:3), not {part!r}")
        out[int(incident)] = int(version)
    return out


def _validate(change: BulkChange, ids: Sequence[int]) -> None:
    if not ids:
        raise BulkError("choose at least one incident")
    if len(ids) > MAX_BATCH:
        raise BulkError(f"a bulk edit changes at most {MAX_BATCH} incidents; {len(ids)} were chosen")
    if len(set(ids)) != len(ids):
        raise BulkError("an incident is named twice")
    if change.status is None and change.confidentiality is None and change.unit_id is None:
        if change.standard_of_proof:
            raise BulkError("a standard of proof goes with a status: name the status too")
        raise BulkError("say what to change: a status, a confidentiality level or a perpetrator unit")
    if change.status is not None and change.status not in TRANSITIONS:
        raise BulkError(f"unknown status {change.status!r}; one of {', '.join(TRANSITIONS)}")
    if change.standard_of_proof and change.standard_of_proof not in STANDARDS_OF_PROOF:
        raise BulkError(
            f"unknown standard of proof {change.standard_of_proof!r}; one of {', '.join(STANDARDS_OF_PROOF)}"
        )
    if change.confidentiality is not None and change.confidentiality not in LEVELS:
        raise BulkError(f"confidentiality is one of {', '.join(LEVELS)}, not {change.confidentiality!r}")
    if change.status in (DISPUTED, RETRACTED) and not change.note.strip():
        raise BulkError(f"say why the incidents are {change.status} (a note is required)")


def _set_status(session: Session, incident: Incident, change: BulkChange, actor: str, note: str) -> bool:
    assert change.status is not None
    if incident.status != change.status:
        set_status(
            session,
            incident.id,
            change.status,
            actor,
            standard_of_proof=change.standard_of_proof or None,
            note=note,
        )
        return True
    if change.standard_of_proof and change.standard_of_proof != incident.standard_of_proof:
        # Already at that status: only the standard of proof moves (a verified incident re-weighed).
        before = incident_snapshot(incident)
        incident.standard_of_proof = change.standard_of_proof
        touch(incident)
        session.flush()
        record(session, "incident", incident.id, "status", actor, before, incident_snapshot(incident), note)
        return True
    return False


def _set_confidentiality(session: Session, incident: Incident, level: str, actor: str, note: str) -> bool:
    if incident.confidentiality == level:
        return False
    before = incident_snapshot(incident)
    incident.confidentiality = level
    touch(incident)
    session.flush()
    record(
        session, "incident", incident.id, "confidentiality", actor, before, incident_snapshot(incident), note
    )
    return True


def bulk_edit(
    session: Session,
    incident_ids: Sequence[int],
    change: BulkChange,
    actor: str,
    *,
    expected_versions: Mapping[int, int] | None = None,
    levels: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """Apply `change` to every incident, in the caller's transaction; raise on the first refusal.

    `expected_versions` (incident → version the person looked at) are all checked before anything
    is changed: one stale version refuses the batch. `levels` are the confidentiality levels the
    caller may see (None: all); an incident above them is "not found". Incidents already as asked
    are left alone (listed with no change). Returns, per incident, what changed and its version.
    """
    ids = list(incident_ids)
    _validate(change, ids)
    if not actor.strip():
        raise BulkError("every decision needs the name of the person who made it")
    incidents: list[Incident] = []
    stale: list[str] = []
    for incident_id in ids:
        incident = session.get(Incident, incident_id)
        if incident is None or (levels is not None and incident.confidentiality not in levels):
            raise NotFound(f"no incident {incident_id}; nothing was changed")
        expected = (expected_versions or {}).get(incident_id)
        try:
            check_version(incident, expected)
        except ConflictError:
            stale.append(f"{incident_id} (now version {incident.version}, you saw {expected})")
        incidents.append(incident)
    if stale:
        raise ConflictError(
            "someone else changed incidents since you opened them: "
            + ", ".join(stale)
            + "; nothing was changed: reload, look, and decide again"
        )
    if change.unit_id is not None:
        get_unit(session, change.unit_id, levels)
    note = f"bulk edit ({len(ids)} incidents)" + (f": {change.note.strip()}" if change.note.strip() else "")
    out: list[dict[str, Any]] = []
    for incident in incidents:
        done: list[str] = []
        try:
            if change.status is not None and _set_status(session, incident, change, actor, note):
                done.append("status")
            if change.confidentiality is not None and _set_confidentiality(
                session, incident, change.confidentiality, actor, note
            ):
                done.append("confidentiality")
            if change.unit_id is not None and assign_unit(
                session, incident.id, change.unit_id, actor, note=note
            ):
                done.append("perpetrator_unit")
        except RegistryError as exc:
            raise type(exc)(f"incident {incident.id}: {exc}; nothing was changed") from exc
        out.append({"id": incident.id, "changed": done, "version": incident.version})
    return out
