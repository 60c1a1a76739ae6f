"""One event, many reports: propose that incidents drawn from different documents are the same event,
say why, and let the analyst confirm (merge) or refuse. A merge can be undone exactly.

A merge never moves or deletes anything: the absorbed incident keeps its acts and sources and points
to the incident it joined (`merged_into_id`). The merged incident shows every source of the group;
statistics count only incidents that were not merged into another, so the event counts once.
Undoing clears the pointer, which restores both incidents as they were.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gawah.registry.changes import RegistryError, get_incident, incident_snapshot, record, touch
from gawah.registry.corroboration import mark_repetitions
from gawah.store.models import Incident, RegistryChange, SameEventDecision, Span
from gawah.store.vocab import ReviewStatus

# Two reports of one event rarely agree to the day; a few days either side still overlap.
DATE_SLACK_DAYS = 3
FAR_APART_DAYS = 30
DEFAULT_THRESHOLD = 0.6


@dataclass(frozen=True)
class IncidentFacts:
    """What the comparison needs of an incident, as plain data (so it is tested without a database)."""

    id: int
    documents: frozenset[int]
    violations: frozenset[str]
    provinces: frozenset[str] = frozenset()
    districts: frozenset[str] = frozenset()
    start: dt.date | None = None
    end: dt.date | None = None
    counts: dict[str, int] = field(default_factory=dict)
    text: str = ""


@dataclass(frozen=True)
class Reason:
    """One reason for or against: a code and its values, so any language can word it."""

    code: str
    weight: float
    values: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "weight": round(self.weight, 3), **self.values}


@dataclass(frozen=True)
class Proposal:
    incident_id: int
    other_id: int
    score: float
    reasons: tuple[Reason, ...]


REASON_TEXT = {
    "same_violation": "both report {violation}",
    "same_district": "same district: {district}",
    "same_province": "same province: {province}",
    "different_province": "different provinces: {a} and {b}",
    "dates_overlap": "dates overlap ({a} and {b})",
    "dates_far_apart": "dates {days} days apart",
    "same_count": "same number: {count}",
    "close_counts": "close numbers: {a} and {b}",
    "different_counts": "very different numbers: {a} and {b}",
    "similar_wording": "similar wording ({ratio}% alike)",
}


def explain(reason: dict[str, Any] | Reason) -> str:
    """A reason in plain English (the web interface words the codes in each language)."""
    data = reason.as_dict() if isinstance(reason, Reason) else reason
    template = REASON_TEXT.get(str(data.get("code")), str(data.get("code")))
    return template.format_map(defaultdict(str, data))


def _span(a: IncidentFacts) -> tuple[dt.date, dt.date] | None:
    if a.start is None and a.end is None:
        return None
    start = a.start or a.end
    end = a.end or a.start
    assert start is not None and end is not None
    return start, end


def compare(a: IncidentFacts, b: IncidentFacts) -> tuple[float, list[Reason]]:
    """How alike two incidents are (0…1) and why; 0 with no reasons when they share no violation."""
    shared = sorted(a.violations & b.violations)
    if not shared:
        return 0.0, []
    reasons = [Reason("same_violation", 0.3, {"violation": ", ".join(shared)})]
    districts = a.districts & b.districts
    if districts:
        reasons.append(Reason("same_district", 0.25, {"district": ", ".join(sorted(districts))}))
    elif a.provinces & b.provinces:
        reasons.append(
            Reason("same_province", 0.15, {"province": ", ".join(sorted(a.provinces & b.provinces))})
        )
    elif a.provinces and b.provinces:
        reasons.append(
            Reason(
                "different_province",
                -0.5,
                {"a": ", ".join(sorted(a.provinces)), "b": ", ".join(sorted(b.provinces))},
            )
        )
    span_a, span_b = _span(a), _span(b)
    if span_a and span_b:
        slack = dt.timedelta(days=DATE_SLACK_DAYS)
        gap = max((span_b[0] - span_a[1]).days, (span_a[0] - span_b[1]).days, 0)
        if span_a[0] - slack <= span_b[1] and span_b[0] - slack <= span_a[1]:
            reasons.append(
                Reason("dates_overlap", 0.2, {"a": span_a[0].isoformat(), "b": span_b[0].isoformat()})
            )
        elif gap > FAR_APART_DAYS:
            reasons.append(Reason("dates_far_apart", -0.4, {"days": gap}))
    for violation in shared:
        x, y = a.counts.get(violation), b.counts.get(violation)
        if x is None or y is None:
            continue
        if x == y:
            reasons.append(Reason("same_count", 0.15, {"count": x}))
        elif min(x, y) > 0 and max(x, y) / min(x, y) <= 1.25:
            reasons.append(Reason("close_counts", 0.08, {"a": x, "b": y}))
        elif min(x, y) == 0 or max(x, y) / min(x, y) > 3:
            reasons.append(Reason("different_counts", -0.1, {"a": x, "b": y}))
        break
    if a.text and b.text:
        ratio = fuzz.token_set_ratio(a.text, b.text)
        if ratio >= 60:
            reasons.append(Reason("similar_wording", min(0.2, (ratio - 50) / 250), {"ratio": round(ratio)}))
    score = max(0.0, min(1.0, sum(r.weight for r in reasons)))
    return score, reasons


def facts_of(session: Session, incident: Incident) -> IncidentFacts:
    quotes = session.scalars(
        select(Span.quote).where(Span.target_type == "act", Span.target_id.in_([a.id for a in incident.acts]))
    )
    acts = [a for a in incident.acts if a.review_status != ReviewStatus.REJECTED.value]
    counts: dict[str, int] = {}
    for act in acts:
        if act.count_value is not None:
            counts[act.violation] = max(counts.get(act.violation, 0), int(act.count_value))
    return IncidentFacts(
        id=incident.id,
        documents=frozenset(s.document_id for s in incident.sources),
        violations=frozenset(a.violation for a in acts),
        provinces=frozenset(p.province for p in incident.places if p.province),
        districts=frozenset(p.district for p in incident.places if p.district),
        start=incident.start_date,
        end=incident.end_date,
        counts=counts,
        text=" ".join([incident.title, incident.summary, *quotes]),
    )


def _decided_pairs(session: Session) -> set[frozenset[int]]:
    rows = session.execute(
        select(
            SameEventDecision.incident_id, SameEventDecision.other_id, SameEventDecision.decision
        ).order_by(SameEventDecision.id)
    )
    latest: dict[frozenset[int], str] = {}
    for a, b, decision in rows:
        latest[frozenset((a, b))] = decision
    return {pair for pair, decision in latest.items() if decision in ("refused", "confirmed")}


def propose_pairs(facts: list[IncidentFacts], threshold: float = DEFAULT_THRESHOLD) -> list[Proposal]:
    """Pairs from different documents scoring at least `threshold`, best first (blocked by violation)."""
    blocks: dict[str, list[IncidentFacts]] = defaultdict(list)
    for f in facts:
        for violation in f.violations:
            blocks[violation].append(f)
    seen: set[tuple[int, int]] = set()
    out: list[Proposal] = []
    for members in blocks.values():
        for a, b in combinations(sorted(members, key=lambda f: f.id), 2):
            key = (a.id, b.id)
            if key in seen or a.documents & b.documents:
                continue
            seen.add(key)
            score, reasons = compare(a, b)
            if score >= threshold:
                out.append(Proposal(a.id, b.id, round(score, 3), tuple(reasons)))
    return sorted(out, key=lambda p: (-p.score, p.incident_id, p.other_id))


def propose(
    session: Session,
    *,
    incident_id: int | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = 100,
) -> list[Proposal]:
    """Proposals among live incidents (not merged away, not rejected), minus pairs already decided."""
    incidents = session.scalars(
        select(Incident).where(
            Incident.merged_into_id.is_(None), Incident.review_status != ReviewStatus.REJECTED.value
        )
    )
    facts = [facts_of(session, i) for i in incidents]
    decided = _decided_pairs(session)
    proposals = [
        p
        for p in propose_pairs(facts, threshold)
        if frozenset((p.incident_id, p.other_id)) not in decided
        and (incident_id is None or incident_id in (p.incident_id, p.other_id))
    ]
    return proposals[:limit]


def group_of(session: Session, incident_id: int) -> list[Incident]:
    """The incident and every incident merged into it (directly or through another), in id order."""
    found: dict[int, Incident] = {}
    frontier = [incident_id]
    while frontier:
        rows = session.scalars(
            select(Incident).where(or_(Incident.id.in_(frontier), Incident.merged_into_id.in_(frontier)))
        )
        frontier = []
        for row in rows:
            if row.id not in found:
                found[row.id] = row
                frontier.append(row.id)
    return [found[k] for k in sorted(found)]


def canonical_id(session: Session, incident_id: int) -> int:
    """The incident at the top of a merge chain."""
    seen: set[int] = set()
    current = get_incident(session, incident_id)
    while current.merged_into_id is not None and current.id not in seen:
        seen.add(current.id)
        current = get_incident(session, current.merged_into_id)
    return current.id


def merge(
    session: Session,
    keep_id: int,
    absorb_id: int,
    actor: str,
    *,
    note: str = "",
    keep_version: int | None = None,
    absorb_version: int | None = None,
) -> SameEventDecision:
    """Confirm that `absorb_id` reports the same event as `keep_id`: it joins it, keeping everything."""
    top = canonical_id(session, keep_id)
    keep = get_incident(session, top, keep_version if keep_id == top else None)
    absorb = get_incident(session, absorb_id, absorb_version)
    if keep.id == absorb.id:
        raise RegistryError("an incident cannot be merged into itself")
    if absorb.merged_into_id is not None:
        raise RegistryError(f"incident {absorb.id} is already merged into incident {absorb.merged_into_id}")
    score, reasons = compare(facts_of(session, keep), facts_of(session, absorb))
    before_keep, before_absorb = incident_snapshot(keep), incident_snapshot(absorb)
    absorb.merged_into_id = keep.id
    touch(absorb)
    touch(keep)
    session.flush()
    marked = mark_repetitions(session, group_of(session, keep.id), only={keep.id, absorb.id})
    decision = SameEventDecision(
        incident_id=keep.id,
        other_id=absorb.id,
        decision="confirmed",
        score=round(score, 3),
        reasons=[r.as_dict() for r in reasons],
        decided_by=actor,
    )
    session.add(decision)
    session.flush()
    text = note or f"incident {absorb.id} merged into incident {keep.id}"
    if marked:
        text += f"; reports repeating another source marked not independent: {', '.join(map(str, marked))}"
    record(
        session, "incident", absorb.id, "merge_into", actor, before_absorb, incident_snapshot(absorb), text
    )
    record(session, "incident", keep.id, "merge_from", actor, before_keep, incident_snapshot(keep), text)
    return decision


def undo_merge(session: Session, absorbed_id: int, actor: str, *, note: str = "") -> SameEventDecision:
    """Separate an absorbed incident again; both are as they were before the merge."""
    absorb = get_incident(session, absorbed_id)
    if absorb.merged_into_id is None:
        raise RegistryError(f"incident {absorbed_id} is not merged into another")
    keep = get_incident(session, absorb.merged_into_id)
    merge_change = session.scalar(
        select(SameEventDecision)
        .where(SameEventDecision.other_id == absorb.id, SameEventDecision.decision == "confirmed")
        .order_by(SameEventDecision.id.desc())
    )
    before_keep, before_absorb = incident_snapshot(keep), incident_snapshot(absorb)
    absorb.merged_into_id = None
    # Independence marks made by the merge are put back as they were before it.
    _restore_sources_before_merge(session, [keep, absorb], absorb.id)
    touch(absorb)
    touch(keep)
    session.flush()
    decision = SameEventDecision(
        incident_id=keep.id,
        other_id=absorb.id,
        decision="undone",
        score=merge_change.score if merge_change else None,
        reasons=[],
        decided_by=actor,
    )
    session.add(decision)
    session.flush()
    text = note or f"merge of incident {absorb.id} into incident {keep.id} undone"
    record(session, "incident", absorb.id, "unmerge", actor, before_absorb, incident_snapshot(absorb), text)
    record(session, "incident", keep.id, "unmerge", actor, before_keep, incident_snapshot(keep), text)
    return decision


def _restore_sources_before_merge(session: Session, incidents: list[Incident], absorbed_id: int) -> None:
    change = session.scalar(
        select(RegistryChange)
        .where(
            RegistryChange.subject_type == "incident",
            RegistryChange.subject_id == absorbed_id,
            RegistryChange.action == "merge_into",
        )
        .order_by(RegistryChange.id.desc())
    )
    if change is None:
        return
    keep_change = session.scalar(
        select(RegistryChange)
        .where(
            RegistryChange.subject_type == "incident",
            RegistryChange.subject_id.in_([i.id for i in incidents]),
            RegistryChange.action == "merge_from",
            RegistryChange.id > change.id,
        )
        .order_by(RegistryChange.id)
    )
    earlier: dict[int, dict[str, Any]] = {}
    for snap in (change.before, keep_change.before if keep_change else None):
        for src in (snap or {}).get("sources", []):
            earlier[src["id"]] = src
    for incident in incidents:
        for src in incident.sources:
            if src.id in earlier:
                src.independent = earlier[src.id]["independent"]
                src.repeats_source_id = earlier[src.id]["repeats_source_id"]


def refuse(
    session: Session, incident_id: int, other_id: int, actor: str, *, note: str = ""
) -> SameEventDecision:
    """The analyst says these are different events: the pair is not proposed again."""
    a, b = get_incident(session, incident_id), get_incident(session, other_id)
    score, reasons = compare(facts_of(session, a), facts_of(session, b))
    decision = SameEventDecision(
        incident_id=a.id,
        other_id=b.id,
        decision="refused",
        score=round(score, 3),
        reasons=[r.as_dict() for r in reasons],
        decided_by=actor,
    )
    session.add(decision)
    session.flush()
    record(session, "incident", a.id, "refuse_same_event", actor, None, None,
           note or f"incident {b.id} is a different event")  # fmt: skip
    return decision
