"""Incidents as analysts, the API and statistics read them: acts, victims, perpetrators, places,
dates and every source of the event (those of incidents merged into it too).

Incident counts and victim counts are kept apart: an incident is one event however many reports
and acts it has; a victim count is the number an act gives, with its bound ("at least 14").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gawah.registry.changes import NotFound
from gawah.registry.corroboration import independent_sources, reports_of
from gawah.registry.same_event import group_of
from gawah.store.models import (
    Act,
    ActUnit,
    Document,
    Incident,
    IncidentPlace,
    IncidentSource,
    Involvement,
    Place,
    Source,
    Span,
    Unit,
)
from gawah.store.vocab import ReviewStatus


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def visible(level: str, levels: Collection[str] | None) -> bool:
    """Whether a record of confidentiality `level` may be shown (`levels` None: no filter, for the
    command line's operators and internal use)."""
    return levels is None or level in levels


def act_view(session: Session, act: Act, levels: Collection[str] | None = None) -> dict[str, Any]:
    """One act; persons and quotes the reader may not see are withheld (counted, never named)."""
    involvements = session.scalars(select(Involvement).where(Involvement.act_id == act.id))
    people: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for inv in involvements:
        if visible(inv.confidentiality, levels) and visible(inv.person.confidentiality, levels):
            people[inv.role].append({"person_id": inv.person_id, "name": inv.person.name, "fate": inv.fate})
        else:
            people[inv.role].append({"person_id": None, "name": None, "withheld": True, "fate": inv.fate})
    span_query = select(Span).where(Span.target_type == "act", Span.target_id == act.id)
    if levels is not None:
        span_query = span_query.join(Document, Document.id == Span.document_id).where(
            Document.confidentiality.in_(list(levels))
        )
    spans = session.scalars(span_query.order_by(Span.start))
    unit_query = (
        select(Unit.id, Unit.name).join(ActUnit, ActUnit.unit_id == Unit.id).where(ActUnit.act_id == act.id)
    )
    if levels is not None:
        unit_query = unit_query.where(Unit.confidentiality.in_(list(levels)))
    units = [{"id": uid, "name": name} for uid, name in session.execute(unit_query.order_by(Unit.name))]
    return {
        "id": act.id,
        "incident_id": act.incident_id,
        "violation": act.violation,
        "subtype": act.subtype,
        "count": None
        if act.count_value is None
        else {"value": act.count_value, "qualifier": act.count_qualifier, "unit": act.count_unit},
        "perpetrator": act.perpetrator,
        "perpetrator_detail": act.perpetrator_detail,
        "perpetrator_units": units,
        "victim_groups": list(act.victim_groups or []),
        "victims": people.get("victim", []),
        "perpetrators": people.get("perpetrator", []),
        "witnesses": people.get("witness", []),
        "start_date": _iso(act.start_date),
        "end_date": _iso(act.end_date),
        "review_status": act.review_status,
        "quotes": [
            {"span_id": s.id, "document_id": s.document_id, "start": s.start, "end": s.end, "quote": s.quote}
            for s in spans
        ],
    }


def _report_view(session: Session, row: IncidentSource, incident_id: int) -> dict[str, Any]:
    doc = session.get(Document, row.document_id)
    source = session.get(Source, row.source_id) if row.source_id else None
    repeats = session.get(Source, row.repeats_source_id) if row.repeats_source_id else None
    return {
        "id": row.id,
        "incident_id": incident_id,
        "document_id": row.document_id,
        "document_title": doc.title if doc else "",
        "published": _iso(doc.published) if doc else None,
        "source_id": row.source_id,
        "source_name": source.name if source else None,
        "source_kind": source.kind if source else None,
        "reliability": source.reliability if source else None,
        "credibility": row.credibility,
        "independent": row.independent,
        "repeats_source_id": row.repeats_source_id,
        "repeats_source_name": repeats.name if repeats else None,
    }


def incident_view(
    session: Session, incident_id: int, levels: Collection[str] | None = None
) -> dict[str, Any]:
    """One incident with its acts and every report of the event the reader may see (`levels`)."""
    incident = session.get(Incident, incident_id)
    if incident is None or not visible(incident.confidentiality, levels):
        raise NotFound(f"no incident {incident_id}")
    group = [
        i for i in group_of(session, incident.id) if i.id == incident.id or visible(i.confidentiality, levels)
    ]
    readable_docs: set[int] | None = None
    if levels is not None:
        doc_ids = {s.document_id for i in group for s in i.sources}
        readable_docs = set(
            session.scalars(
                select(Document.id).where(
                    Document.id.in_(doc_ids), Document.confidentiality.in_(list(levels))
                )
            )
        )
    merged_from = [i.id for i in group if i.id != incident.id]
    return {
        "id": incident.id,
        "title": incident.title,
        "summary": incident.summary,
        "start_date": _iso(incident.start_date),
        "end_date": _iso(incident.end_date),
        "date_precision": incident.date_precision,
        "status": incident.status,
        "standard_of_proof": incident.standard_of_proof,
        "review_status": incident.review_status,
        "confidentiality": incident.confidentiality,
        "reported_by": incident.reported_by,
        "merged_into_id": incident.merged_into_id,
        "merged_from": merged_from,
        "version": incident.version,
        "places": [
            {"id": p.id, "name": p.name, "kind": p.kind, "province": p.province, "district": p.district}
            for p in incident.places
        ],
        "acts": [
            act_view(session, a, levels)
            for a in sorted(incident.acts, key=lambda a: a.id)
            if visible(a.confidentiality, levels)
        ],
        "reports": [
            _report_view(session, s, i.id)
            for i in group
            for s in sorted(i.sources, key=lambda s: s.id)
            if readable_docs is None or s.document_id in readable_docs
        ],
        "independent_sources": independent_sources(reports_of(group)),
    }


def list_incidents(
    session: Session,
    *,
    status: str | None = None,
    review_status: str | None = None,
    violation: str | None = None,
    province: str | None = None,
    include_merged: bool = False,
    limit: int = 100,
    offset: int = 0,
    levels: Collection[str] | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """Incidents (one per event unless `include_merged`) the reader may see (`levels`), newest
    first; returns (total, page)."""
    query = select(Incident)
    if levels is not None:
        query = query.where(Incident.confidentiality.in_(list(levels)))
    if not include_merged:
        query = query.where(Incident.merged_into_id.is_(None))
    if status:
        query = query.where(Incident.status == status)
    if review_status:
        query = query.where(Incident.review_status == review_status)
    if violation:
        query = query.where(Incident.id.in_(select(Act.incident_id).where(Act.violation == violation)))
    if province:
        query = query.where(
            Incident.id.in_(
                select(IncidentPlace.incident_id)
                .join(Place, Place.id == IncidentPlace.place_id)
                .where(Place.province == province)
            )
        )
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(
        query.order_by(Incident.start_date.desc().nulls_last(), Incident.id.desc())
        .limit(limit)
        .offset(offset)
    )
    out = []
    for incident in rows:
        counts = [
            {"violation": a.violation, "value": a.count_value, "qualifier": a.count_qualifier}
            for a in incident.acts
            if a.review_status != ReviewStatus.REJECTED.value and visible(a.confidentiality, levels)
        ]
        out.append(
            {
                "id": incident.id,
                "title": incident.title,
                "start_date": _iso(incident.start_date),
                "end_date": _iso(incident.end_date),
                "status": incident.status,
                "standard_of_proof": incident.standard_of_proof,
                "review_status": incident.review_status,
                "merged_into_id": incident.merged_into_id,
                "violations": sorted({str(c["violation"]) for c in counts}),
                "counts": counts,
                "provinces": sorted({p.province for p in incident.places if p.province}),
                "districts": sorted({p.district for p in incident.places if p.district}),
                "reports": len(incident.sources),
                "version": incident.version,
            }
        )
    return total, out


def statistics(
    session: Session, *, accepted_only: bool = True, levels: Collection[str] | None = None
) -> dict[str, Any]:
    """Incident counts and victim counts, apart, each event once.

    An event reported by several documents (merged incidents) counts as one incident; for its
    victims the largest number among its reports is taken per violation (each report's number is a
    lower bound or an estimate of the same people, so adding them would count people twice).
    """
    query = select(Incident).where(Incident.merged_into_id.is_(None))
    if levels is not None:
        query = query.where(Incident.confidentiality.in_(list(levels)))
    if accepted_only:
        query = query.where(Incident.review_status == ReviewStatus.ACCEPTED.value)
    incidents_by_violation: dict[str, int] = defaultdict(int)
    victims_by_violation: dict[str, int] = defaultdict(int)
    without_count: dict[str, int] = defaultdict(int)
    total = 0
    reports = 0
    for incident in session.scalars(query):
        total += 1
        group = group_of(session, incident.id)
        reports += sum(len(i.sources) for i in group if visible(i.confidentiality, levels))
        best: dict[str, int | None] = {}
        for member in group:
            if not visible(member.confidentiality, levels):
                continue
            for act in member.acts:
                if act.review_status == ReviewStatus.REJECTED.value or not visible(
                    act.confidentiality, levels
                ):
                    continue
                if accepted_only and act.review_status != ReviewStatus.ACCEPTED.value:
                    continue
                current = best.get(act.violation)
                if act.count_value is not None:
                    best[act.violation] = max(current or 0, int(act.count_value))
                else:
                    best.setdefault(act.violation, None)
        for violation, value in best.items():
            incidents_by_violation[violation] += 1
            if value is None:
                without_count[violation] += 1
            else:
                victims_by_violation[violation] += value
    return {
        "incidents": total,
        "reports": reports,
        "incidents_by_violation": dict(sorted(incidents_by_violation.items())),
        "victims_by_violation": dict(sorted(victims_by_violation.items())),
        "incidents_without_a_victim_count": dict(sorted(without_count.items())),
    }
