"""Corroboration: sources graded for reliability (A–F), each item of information for credibility
(1–6), and an incident's status moved reported → corroborated → verified (or disputed, retracted)
with the standard of proof named. Every change is a RegistryChange, so a ledger entry.

Grades follow the Admiralty (NATO) system used in intelligence and human-rights fact-finding; the
standards of proof are the ladder of the ICC Statute (shared/research/analysis.md §3.5).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy.orm import Session

from gawah.registry.changes import NotFound, RegistryError, get_incident, incident_snapshot, record, touch
from gawah.store.models import Incident, IncidentSource, Source
from gawah.store.vocab import IncidentStatus

RELIABILITY = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY = {
    1: "confirmed by other sources",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "truth cannot be judged",
}
# Lowest to highest, as named in the ICC Statute (arts. 15/53, 58, 61(7), 66(3)).
STANDARDS_OF_PROOF = {
    "reasonable_basis": "reasonable basis to believe",
    "reasonable_grounds": "reasonable grounds to believe",
    "substantial_grounds": "substantial grounds to believe",
    "beyond_reasonable_doubt": "beyond reasonable doubt",
}

REPORTED = IncidentStatus.REPORTED.value
CORROBORATED = IncidentStatus.CORROBORATED.value
VERIFIED = IncidentStatus.VERIFIED.value
DISPUTED = IncidentStatus.DISPUTED.value
RETRACTED = IncidentStatus.RETRACTED.value

# Which status may follow which. Retraction is final unless a person reopens it as reported.
TRANSITIONS: dict[str, frozenset[str]] = {
    REPORTED: frozenset({CORROBORATED, DISPUTED, RETRACTED}),
    CORROBORATED: frozenset({VERIFIED, REPORTED, DISPUTED, RETRACTED}),
    VERIFIED: frozenset({CORROBORATED, DISPUTED, RETRACTED}),
    DISPUTED: frozenset({REPORTED, CORROBORATED, VERIFIED, RETRACTED}),
    RETRACTED: frozenset({REPORTED}),
}


@dataclass(frozen=True)
class SourceRef:
    """A report as the rules see it: which organisation, whether it is independent."""

    incident_source_id: int
    source_id: int | None
    document_id: int
    independent: bool


def independent_sources(reports: Iterable[SourceRef]) -> int:
    """Independent sources: distinct organisations among independent reports (a report with no known
    source counts on its own, by its document)."""
    keys = {
        ("source", r.source_id) if r.source_id is not None else ("document", r.document_id)
        for r in reports
        if r.independent
    }
    return len(keys)


def check_transition(
    current: str, new: str, independent: int, standard_of_proof: str | None, note: str
) -> None:
    """Raise RegistryError when the move is not allowed, saying what is missing."""
    if new not in TRANSITIONS:
        raise RegistryError(f"unknown status {new!r}; one of {', '.join(TRANSITIONS)}")
    if new == current:
        raise RegistryError(f"the incident is already {new}")
    if new not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current]))
        raise RegistryError(f"an incident that is {current} can become {allowed}, not {new}")
    if new in (CORROBORATED, VERIFIED) and independent < 2:
        raise RegistryError(f"{new} needs at least two independent sources; this incident has {independent}")
    if new == VERIFIED and standard_of_proof not in STANDARDS_OF_PROOF:
        raise RegistryError(
            "verified needs the standard of proof it meets, one of: " + ", ".join(STANDARDS_OF_PROOF)
        )
    if new in (DISPUTED, RETRACTED) and not note.strip():
        raise RegistryError(f"say why the incident is {new} (a note is required)")


def reports_of(incidents: Iterable[Incident]) -> list[SourceRef]:
    return [SourceRef(s.id, s.source_id, s.document_id, s.independent) for i in incidents for s in i.sources]


def set_status(
    session: Session,
    incident_id: int,
    status: str,
    actor: str,
    *,
    standard_of_proof: str | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> None:
    """Move an incident to a new status; the sources of incidents merged into it count too."""
    from gawah.registry.same_event import group_of

    incident = get_incident(session, incident_id, expected_version)
    if incident.merged_into_id is not None:
        raise RegistryError(
            f"incident {incident_id} was merged into {incident.merged_into_id}; grade that one"
        )
    if standard_of_proof is not None and standard_of_proof not in STANDARDS_OF_PROOF:
        raise RegistryError(f"unknown standard of proof {standard_of_proof!r}")
    count = independent_sources(reports_of(group_of(session, incident.id)))
    check_transition(incident.status, status, count, standard_of_proof, note)
    before = incident_snapshot(incident)
    incident.status = status
    if standard_of_proof is not None or status in (REPORTED, RETRACTED):
        incident.standard_of_proof = standard_of_proof
    touch(incident)
    session.flush()
    record(session, "incident", incident.id, "status", actor, before, incident_snapshot(incident), note)


def grade_source(session: Session, source_id: int, reliability: str, actor: str, *, note: str = "") -> None:
    """Grade an organisation, outlet or witness A–F."""
    reliability = reliability.upper()
    if reliability not in RELIABILITY:
        raise RegistryError(f"reliability is one of {', '.join(RELIABILITY)}, not {reliability!r}")
    source = session.get(Source, source_id)
    if source is None:
        raise NotFound(f"no source {source_id}")
    before = {"id": source.id, "name": source.name, "reliability": source.reliability}
    source.reliability = reliability
    session.flush()
    after = {**before, "reliability": reliability}
    record(session, "source", source.id, "grade_reliability", actor, before, after, note)


def grade_report(
    session: Session,
    incident_source_id: int,
    actor: str,
    *,
    credibility: int | None = None,
    independent: bool | None = None,
    repeats_source_id: int | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> None:
    """Grade one document's report of an incident: credibility 1–6, and whether it is independent."""
    row = session.get(IncidentSource, incident_source_id)
    if row is None:
        raise NotFound(f"no report {incident_source_id}")
    incident = get_incident(session, row.incident_id, expected_version)
    before = incident_snapshot(incident)
    if credibility is not None:
        if credibility not in CREDIBILITY:
            raise RegistryError("credibility is a number from 1 (confirmed) to 6 (cannot be judged)")
        row.credibility = credibility
    if repeats_source_id is not None:
        if session.get(Source, repeats_source_id) is None:
            raise NotFound(f"no source {repeats_source_id}")
        row.repeats_source_id = repeats_source_id
        row.independent = False
    if independent is not None:
        row.independent = independent
        if independent:
            row.repeats_source_id = None
    touch(incident)
    session.flush()
    record(session, "incident", incident.id, "grade_report", actor, before, incident_snapshot(incident), note)


_ORG_WORDS = re.compile(r"[^\w\s]", re.UNICODE)


def _names_match(reported_by: str, source_name: str) -> bool:
    a = _ORG_WORDS.sub(" ", reported_by.lower()).strip()
    b = _ORG_WORDS.sub(" ", source_name.lower()).strip()
    if not a or not b:
        return False
    return a in b or b in a or fuzz.token_set_ratio(a, b) >= 90


def repetitions(
    members: Sequence[tuple[int, int | None, str | None]], sources: dict[int, str]
) -> list[tuple[int, int]]:
    """Reports that repeat another report of the group: (report id, repeated source id).

    `members` are (report id, its source id, what the report says it relies on (`reported_by`));
    `sources` names each source id. A report whose `reported_by` names another member's source
    (a news article citing an NGO report) repeats that source.
    """
    present = {source_id for _, source_id, _ in members if source_id is not None}
    out: list[tuple[int, int]] = []
    for report_id, source_id, reported_by in members:
        if not reported_by:
            continue
        for other in sorted(present - {source_id}):
            if _names_match(reported_by, sources.get(other, "")):
                out.append((report_id, other))
                break
    return out


def mark_repetitions(session: Session, group: list[Incident], *, only: set[int] | None = None) -> list[int]:
    """Mark reports of a merged group that repeat another member's source as not independent.

    Only reports of incidents in `only` are changed (those whose before-state the caller keeps).
    Returns the report ids marked."""
    members = [(s.id, s.source_id, i.reported_by) for i in group for s in i.sources]
    ids = {s for _, s, _ in members if s is not None}
    names = {s.id: s.name for s in (session.get(Source, i) for i in ids) if s is not None}
    by_id = {s.id: (i, s) for i in group for s in i.sources}
    marked: list[int] = []
    for report_id, repeated in repetitions(members, names):
        incident, row = by_id[report_id]
        if only is not None and incident.id not in only:
            continue
        if row.independent or row.repeats_source_id != repeated:
            row.independent = False
            row.repeats_source_id = repeated
            marked.append(report_id)
    return marked
