"""Store what extraction proposes as candidate facts, each with the spans it was read from.

Each extracted incident becomes a candidate Incident with one Act, reported by the document;
persons and claims become candidate rows. Nothing here is accepted: analysts review them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from gawah.extract import Extraction, extract_facts
from gawah.extract.models import DateRange, PersonFact
from gawah.extract.models import Span as SpanFact
from gawah.ingest.readers import ReadDocument
from gawah.store.models import (
    Act,
    Claim,
    Document,
    Incident,
    IncidentSource,
    Involvement,
    Person,
    Place,
    Span,
    utcnow,
)
from gawah.store.vocab import Fate, InvolvementRole


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _dates(date: DateRange | None) -> tuple[dt.date | None, dt.date | None, str | None]:
    if date is None:
        return None, None, None
    return _date(date.start), _date(date.end), date.precision


def _spans(
    session: Session,
    document: Document,
    spans: list[SpanFact],
    target_type: str,
    target_id: int,
    field: str | None = None,
) -> None:
    for span in spans:
        # Only spans that really are the document's words are kept: offsets must reproduce the quote.
        if (
            0 <= span.start <= span.end <= len(document.text)
            and document.text[span.start : span.end] == span.quote
        ):
            session.add(
                Span(
                    document_id=document.id,
                    start=span.start,
                    end=span.end,
                    quote=span.quote,
                    target_type=target_type,
                    target_id=target_id,
                    field=field,
                )
            )


def _place(
    session: Session, name: str, kind: str, province: str | None, district: str | None, pcode: str | None
) -> Place:
    existing = session.scalar(
        select(Place).where(
            Place.name == name,
            Place.kind == kind,
            Place.province.is_(None) if province is None else Place.province == province,
            Place.district.is_(None) if district is None else Place.district == district,
        )
    )
    if existing is not None:
        return existing
    place = Place(name=name, kind=kind, province=province, district=district, pcode=pcode)
    session.add(place)
    session.flush()
    return place


def _fate(person: PersonFact) -> str | None:
    values = {f.value for f in Fate}
    return person.fate if person.fate in values else (Fate.UNKNOWN.value if person.fate else None)


def store_candidates(session: Session, document: Document, extraction: Extraction) -> int:
    """Add candidate rows for one document's extraction; returns how many facts were stored."""
    stored = 0
    first_act: Act | None = None
    for fact in extraction.incidents:
        start, end, precision = _dates(fact.date)
        incident = Incident(
            title=f"{fact.violation.replace('_', ' ')}: {document.title}"[:500],
            start_date=start,
            end_date=end,
            date_precision=precision,
            reported_by=fact.reported_by,
            confidentiality=document.confidentiality,
        )
        for p in fact.places:
            place = _place(session, p.name, p.kind, p.province, p.district, p.pcode)
            if place not in incident.places:
                incident.places.append(place)
        act = Act(
            violation=fact.violation,
            subtype=fact.subtype,
            count_value=fact.count.value if fact.count else None,
            count_qualifier=fact.count.qualifier if fact.count else None,
            count_unit=fact.count.unit if fact.count else None,
            perpetrator=fact.perpetrator,
            perpetrator_detail=fact.perpetrator_detail,
            victim_groups=list(fact.victim_groups),
            start_date=start,
            end_date=end,
            date_precision=precision,
            confidentiality=document.confidentiality,
        )
        incident.acts.append(act)
        incident.sources.append(IncidentSource(document_id=document.id, source_id=document.source_id))
        session.add(incident)
        session.flush()
        _spans(session, document, fact.spans, "act", act.id)
        first_act = first_act or act
        stored += 1

    for person_fact in extraction.persons:
        person = Person(
            name=person_fact.name[:300],
            notes=person_fact.description or "",
            confidentiality=document.confidentiality,
        )
        session.add(person)
        session.flush()
        _spans(session, document, person_fact.spans, "person", person.id)
        if first_act is not None and person_fact.role in {r.value for r in InvolvementRole}:
            session.add(
                Involvement(
                    person_id=person.id,
                    act_id=first_act.id,
                    role=person_fact.role,
                    fate=_fate(person_fact),
                    confidentiality=document.confidentiality,
                )
            )
        stored += 1

    for claim_fact in extraction.claims:
        claim = Claim(
            document_id=document.id,
            speaker=claim_fact.speaker[:300],
            affiliation=claim_fact.affiliation,
            stance=claim_fact.stance,
            quote=claim_fact.quote,
            stated_on=_date(claim_fact.date),
            confidentiality=document.confidentiality,
        )
        session.add(claim)
        session.flush()
        _spans(session, document, claim_fact.spans, "claim", claim.id)
        stored += 1
    document.extracted_at = utcnow()
    return stored


def store_candidates_hook(session: Session, document: Document, read: ReadDocument) -> None:
    """Ingest hook: extract from the document just recorded and store the candidates with it."""
    extraction = extract_facts(
        document.text,
        title=document.title,
        published=document.published,
        language=document.language,
        sha256=read.sha256,
    )
    store_candidates(session, document, extraction)
