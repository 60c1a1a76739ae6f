"""The review queue: each candidate fact beside the words it was read from, and the decisions on it.

Decisions: accept, edit (and accept), reject, split one fact into several, attach a fact to an
existing incident. Each keeps the reviewer and the time on the row and as a RegistryChange (a
ledger entry) with the incident before and after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gawah.registry.changes import (
    DATE_FIELDS,
    NotFound,
    RegistryError,
    claim_record,
    get_claim_version,
    get_incident,
    incident_snapshot,
    person_snapshot,
    record,
    touch,
    user_id,
)
from gawah.store.models import Act, Claim, Document, Incident, IncidentSource, Person, Span, utcnow
from gawah.store.vocab import (
    PERPETRATORS,
    VICTIM_GROUPS,
    VIOLATIONS,
    CountQualifier,
    DatePrecision,
    ReviewStatus,
)

CANDIDATE = ReviewStatus.CANDIDATE.value
ACCEPTED = ReviewStatus.ACCEPTED.value
REJECTED = ReviewStatus.REJECTED.value
FACT_KINDS = ("act", "claim", "person")


@dataclass(frozen=True)
class QuotedSpan:
    id: int
    document_id: int
    start: int
    end: int
    quote: str


@dataclass
class QueueItem:
    """One candidate fact to decide on, with where it was read."""

    kind: str
    id: int
    incident_id: int | None
    incident_version: int | None
    summary: dict[str, Any]
    document_id: int | None
    document_title: str
    spans: list[QuotedSpan] = field(default_factory=list)
    # The version a decision on it must name: its incident's for an act, its own for a claim.
    version: int | None = None


def _spans(session: Session, kind: str, ids: list[int]) -> dict[int, list[QuotedSpan]]:
    out: dict[int, list[QuotedSpan]] = {}
    if not ids:
        return out
    rows = session.scalars(
        select(Span)
        .where(Span.target_type == kind, Span.target_id.in_(ids))
        .order_by(Span.target_id, Span.start, Span.id)
    )
    for span in rows:
        out.setdefault(span.target_id, []).append(
            QuotedSpan(span.id, span.document_id, span.start, span.end, span.quote)
        )
    return out


def _act_summary(act: Act) -> dict[str, Any]:
    return {
        "violation": act.violation,
        "count_value": act.count_value,
        "count_qualifier": act.count_qualifier,
        "count_unit": act.count_unit,
        "perpetrator": act.perpetrator,
        "perpetrator_detail": act.perpetrator_detail,
        "victim_groups": list(act.victim_groups or []),
        "start_date": act.start_date.isoformat() if act.start_date else None,
        "end_date": act.end_date.isoformat() if act.end_date else None,
    }


def queue_size(session: Session, *, levels: Collection[str] | None = None) -> dict[str, int]:
    """How many candidates wait, by kind (of the confidentiality `levels`, when given)."""
    sizes: dict[str, int] = {}
    for kind, model in (("act", Act), ("claim", Claim), ("person", Person)):
        query = select(func.count()).select_from(model).where(model.review_status == CANDIDATE)
        if levels is not None:
            query = query.where(model.confidentiality.in_(list(levels)))
        sizes[kind] = int(session.scalar(query) or 0)
    return sizes


def queue(
    session: Session,
    *,
    kind: str | None = None,
    document_id: int | None = None,
    limit: int = 50,
    levels: Collection[str] | None = None,
) -> list[QueueItem]:
    """Candidate facts, oldest first (acts, then claims, then persons unless `kind` says one).

    With `levels`, only candidates of those confidentiality levels, read from documents of those
    levels, are listed (the reader's view); None lists all (the operator's)."""
    items: list[QueueItem] = []
    titles: dict[int, str] = {}

    def title(doc_id: int | None) -> str:
        if doc_id is None:
            return ""
        if doc_id not in titles:
            titles[doc_id] = session.scalar(select(Document.title).where(Document.id == doc_id)) or ""
        return titles[doc_id]

    if kind in (None, "act"):
        query = select(Act).where(Act.review_status == CANDIDATE).order_by(Act.id).limit(limit)
        if levels is not None:
            query = query.where(Act.confidentiality.in_(list(levels)))
        if document_id is not None:
            query = query.where(
                Act.incident_id.in_(
                    select(IncidentSource.incident_id).where(IncidentSource.document_id == document_id)
                )
            )
        acts = list(session.scalars(query))
        spans = _spans(session, "act", [a.id for a in acts])
        for act in acts:
            doc_id = spans[act.id][0].document_id if act.id in spans else None
            if doc_id is None and act.incident.sources:
                doc_id = act.incident.sources[0].document_id
            items.append(
                QueueItem("act", act.id, act.incident_id, act.incident.version, _act_summary(act),
                          doc_id, title(doc_id), spans.get(act.id, []), act.incident.version)
            )  # fmt: skip
    if kind in (None, "claim") and len(items) < limit:
        query_c = select(Claim).where(Claim.review_status == CANDIDATE).order_by(Claim.id)
        if levels is not None:
            query_c = query_c.where(Claim.confidentiality.in_(list(levels)))
        if document_id is not None:
            query_c = query_c.where(Claim.document_id == document_id)
        claims = list(session.scalars(query_c.limit(limit - len(items))))
        spans = _spans(session, "claim", [c.id for c in claims])
        for claim in claims:
            summary = {
                "speaker": claim.speaker,
                "affiliation": claim.affiliation,
                "stance": claim.stance,
                "quote": claim.quote,
                "stated_on": claim.stated_on.isoformat() if claim.stated_on else None,
            }
            items.append(
                QueueItem("claim", claim.id, None, None, summary,
                          claim.document_id, title(claim.document_id), spans.get(claim.id, []), claim.version)
            )  # fmt: skip
    if kind in (None, "person") and len(items) < limit:
        query_p = select(Person).where(Person.review_status == CANDIDATE)
        if levels is not None:
            query_p = query_p.where(Person.confidentiality.in_(list(levels)))
        persons = list(session.scalars(query_p.order_by(Person.id).limit(limit - len(items))))
        spans = _spans(session, "person", [p.id for p in persons])
        for person in persons:
            doc_id = spans[person.id][0].document_id if person.id in spans else None
            if document_id is not None and doc_id != document_id:
                continue
            items.append(
                QueueItem("person", person.id, None, None, {"name": person.name, "notes": person.notes},
                          doc_id, title(doc_id), spans.get(person.id, []))
            )  # fmt: skip
    if levels is None:
        return items
    # A candidate read from a document the reader may not see is not theirs to review either.
    doc_ids = {i.document_id for i in items if i.document_id is not None}
    readable = set(
        session.scalars(
            select(Document.id).where(Document.id.in_(doc_ids), Document.confidentiality.in_(list(levels)))
        )
    )
    return [i for i in items if i.document_id is None or i.document_id in readable]


def _act(session: Session, act_id: int) -> Act:
    act = session.get(Act, act_id)
    if act is None:
        raise NotFound(f"no act {act_id}")
    return act


def _mark(row: Act | Incident | Claim | Person, status: str, session: Session, actor: str) -> None:
    # The reviewer is looked up first: the query's autoflush would otherwise write the row in two
    # updates, and a versioned row (incident, claim) would move on by two for one decision.
    reviewer = user_id(session, actor)
    row.review_status = status
    row.reviewed_by_id = reviewer
    row.reviewed_at = utcnow()


def _settle_incident(session: Session, incident: Incident, actor: str) -> None:
    """An incident is accepted once any of its acts is, rejected when all of them are."""
    statuses = {a.review_status for a in incident.acts}
    if ACCEPTED in statuses and incident.review_status != ACCEPTED:
        _mark(incident, ACCEPTED, session, actor)
    elif statuses == {REJECTED} and incident.review_status != REJECTED:
        _mark(incident, REJECTED, session, actor)
    touch(incident)


def accept(
    session: Session,
    kind: str,
    fact_id: int,
    actor: str,
    *,
    note: str = "",
    expected_version: int | None = None,
) -> None:
    """Accept a candidate act, claim or person as it stands."""
    _decide(session, kind, fact_id, actor, ACCEPTED, note, expected_version)


def reject(
    session: Session,
    kind: str,
    fact_id: int,
    actor: str,
    *,
    note: str = "",
    expected_version: int | None = None,
) -> None:
    """Reject a candidate (kept, marked rejected, never deleted: the decision is part of the record)."""
    _decide(session, kind, fact_id, actor, REJECTED, note, expected_version)


def _decide(
    session: Session,
    kind: str,
    fact_id: int,
    actor: str,
    status: str,
    note: str,
    expected_version: int | None,
) -> None:
    action = "accept" if status == ACCEPTED else "reject"
    if kind == "act":
        act = _act(session, fact_id)
        incident = get_incident(session, act.incident_id, expected_version)
        before = incident_snapshot(incident)
        _mark(act, status, session, actor)
        _settle_incident(session, incident, actor)
        session.flush()
        record(
            session,
            "incident",
            incident.id,
            f"{action}_act",
            actor,
            before,
            incident_snapshot(incident),
            note,
        )
    elif kind == "claim":
        # For a claim, `expected_version` is the claim's own (its links are kept in its snapshots).
        claim = get_claim_version(session, fact_id, expected_version)
        before = claim_record(session, claim)
        _mark(claim, status, session, actor)
        session.flush()
        record(session, "claim", claim.id, action, actor, before, claim_record(session, claim), note)
    elif kind == "person":
        person = session.get(Person, fact_id)
        if person is None:
            raise NotFound(f"no person {fact_id}")
        before = person_snapshot(person)
        _mark(person, status, session, actor)
        session.flush()
        record(session, "person", person.id, action, actor, before, person_snapshot(person), note)
    else:
        raise RegistryError(f"unknown kind of fact {kind!r}; one of {', '.join(FACT_KINDS)}")


EDITABLE_ACT_FIELDS = (
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
)


def clean_act_fields(changes: dict[str, Any]) -> dict[str, Any]:
    """Check and convert edited act fields (from a form or the command line) against the vocabulary."""
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in EDITABLE_ACT_FIELDS:
            raise RegistryError(f"an act has no editable field {name!r}")
        if value == "":
            value = None
        if name == "violation" and value not in VIOLATIONS:
            raise RegistryError(f"unknown violation {value!r}")
        if name == "perpetrator" and value is not None and value not in PERPETRATORS:
            raise RegistryError(f"unknown perpetrator {value!r}")
        if name == "count_qualifier" and value is not None and value not in {q.value for q in CountQualifier}:
            raise RegistryError(f"unknown count qualifier {value!r}")
        if name == "date_precision" and value is not None and value not in {p.value for p in DatePrecision}:
            raise RegistryError(f"unknown date precision {value!r}")
        if name == "count_value" and value is not None:
            try:
                value = int(value)
            except (TypeError, ValueError) as exc:
                raise RegistryError(f"a count is a whole number, not {value!r}") from exc
            if value < 0:
                raise RegistryError("a count cannot be negative")
        if name == "victim_groups":
            groups = [
                g.strip() for g in (value.split(",") if isinstance(value, str) else value or []) if g.strip()
            ]
            unknown = [g for g in groups if g not in VICTIM_GROUPS]
            if unknown:
                raise RegistryError(f"unknown victim groups: {', '.join(unknown)}")
            value = groups
        if name in DATE_FIELDS and value is not None and not isinstance(value, dt.date):
            try:
                value = dt.date.fromisoformat(str(value))
            except ValueError as exc:
                raise RegistryError(f"{name}: a date is written YYYY-MM-DD, not {value!r}") from exc
        out[name] = value
    if out.get("start_date") and out.get("end_date") and out["end_date"] < out["start_date"]:
        raise RegistryError("the end date is before the start date")
    return out


def edit(
    session: Session,
    act_id: int,
    changes: dict[str, Any],
    actor: str,
    *,
    accept_it: bool = True,
    note: str = "",
    expected_version: int | None = None,
) -> None:
    """Correct a candidate act (violation, count, perpetrator, victims, dates) and, by default, accept it."""
    act = _act(session, act_id)
    incident = get_incident(session, act.incident_id, expected_version)
    before = incident_snapshot(incident)
    for name, value in clean_act_fields(changes).items():
        setattr(act, name, value)
    if accept_it:
        _mark(act, ACCEPTED, session, actor)
    _settle_incident(session, incident, actor)
    session.flush()
    record(session, "incident", incident.id, "edit_act", actor, before, incident_snapshot(incident), note)


def split(
    session: Session,
    act_id: int,
    parts: list[dict[str, Any]],
    actor: str,
    *,
    separate_incidents: bool = False,
    note: str = "",
    expected_version: int | None = None,
) -> list[int]:
    """One candidate fact that holds several: the act takes `parts[0]`, each further part becomes a new
    candidate act (in the same incident, or a new incident of the same document when the parts are
    different events). Spans are copied to every part. Returns the act ids, the original first."""
    if len(parts) < 2:
        raise RegistryError("a split needs at least two parts")
    act = _act(session, act_id)
    incident = get_incident(session, act.incident_id, expected_version)
    before = incident_snapshot(incident)
    cleaned = [clean_act_fields(p) for p in parts]
    for name, value in cleaned[0].items():
        setattr(act, name, value)
    spans = list(session.scalars(select(Span).where(Span.target_type == "act", Span.target_id == act.id)))
    ids = [act.id]
    created: list[Incident] = []
    for part in cleaned[1:]:
        new_act = Act(
            **{name: getattr(act, name) for name in EDITABLE_ACT_FIELDS},
            confidentiality=act.confidentiality,
        )
        for name, value in part.items():
            setattr(new_act, name, value)
        if separate_incidents:
            target = Incident(
                title=incident.title,
                start_date=new_act.start_date or incident.start_date,
                end_date=new_act.end_date or incident.end_date,
                date_precision=incident.date_precision,
                reported_by=incident.reported_by,
                confidentiality=incident.confidentiality,
                places=list(incident.places),
            )
            for src in incident.sources:
                target.sources.append(
                    IncidentSource(document_id=src.document_id, source_id=src.source_id,
                                   independent=src.independent, credibility=src.credibility)
                )  # fmt: skip
            target.acts.append(new_act)
            session.add(target)
            created.append(target)
        else:
            incident.acts.append(new_act)
        session.flush()
        for span in spans:
            session.add(
                Span(document_id=span.document_id, start=span.start, end=span.end, quote=span.quote,
                     target_type="act", target_id=new_act.id, field=span.field)
            )  # fmt: skip
        ids.append(new_act.id)
    touch(incident)
    session.flush()
    record(session, "incident", incident.id, "split_act", actor, before, incident_snapshot(incident), note)
    for target in created:
        record(session, "incident", target.id, "created_by_split", actor, None, incident_snapshot(target),
               note=f"split from act {act_id} of incident {incident.id}")  # fmt: skip
    return ids


def attach(
    session: Session,
    act_id: int,
    incident_id: int,
    actor: str,
    *,
    accept_it: bool = True,
    note: str = "",
    expected_version: int | None = None,
) -> None:
    """The fact belongs to an existing incident: move the act there with its document as a source.

    The candidate incident it came from, left without acts, is marked rejected and points to the
    incident it went into; its history keeps what it was."""
    act = _act(session, act_id)
    target = get_incident(session, incident_id, expected_version)
    origin = get_incident(session, act.incident_id)
    if origin.id == target.id:
        raise RegistryError(f"act {act_id} is already in incident {incident_id}")
    if target.merged_into_id is not None:
        raise RegistryError(
            f"incident {incident_id} was merged into incident {target.merged_into_id}; attach there"
        )
    before_origin, before_target = incident_snapshot(origin), incident_snapshot(target)
    origin.acts.remove(act)
    target.acts.append(act)
    known = {s.document_id for s in target.sources}
    for src in origin.sources:
        if src.document_id not in known:
            target.sources.append(
                IncidentSource(document_id=src.document_id, source_id=src.source_id,
                               independent=src.independent, credibility=src.credibility,
                               repeats_source_id=src.repeats_source_id)
            )  # fmt: skip
    if accept_it:
        _mark(act, ACCEPTED, session, actor)
    if not origin.acts:
        _mark(origin, REJECTED, session, actor)
        origin.merged_into_id = target.id
    touch(origin)
    _settle_incident(session, target, actor)
    session.flush()
    session.refresh(origin)
    session.refresh(target)
    record(session, "incident", origin.id, "attach_act_out", actor, before_origin, incident_snapshot(origin),
           note or f"act {act_id} attached to incident {target.id}")  # fmt: skip
    record(session, "incident", target.id, "attach_act_in", actor, before_target, incident_snapshot(target),
           note or f"act {act_id} attached from incident {origin.id}")  # fmt: skip
