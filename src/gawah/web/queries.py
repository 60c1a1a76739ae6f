"""The reads the web interface makes, each a function of a session returning `schemas` models.

Route functions call these and render; nothing here knows about HTTP or templates. Every read
takes `levels`, the confidentiality levels the caller may see (from
`gawah.security.policy.visible_levels`), and leaves every other row out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from gawah.store.models import Act, Claim, Document, EvidenceItem, IncidentSource, Person, Span
from gawah.store.vocab import ReviewStatus
from gawah.web.formatting import as_utc
from gawah.web.schemas import (
    ActFact,
    ClaimFact,
    Counts,
    DocumentDetail,
    DocumentPage,
    DocumentSummary,
    EvidenceFile,
    Fact,
    PersonFact,
    QuotedSpan,
)


def _count(session: Session, query: Select[int]) -> int:
    return int(session.scalar(query) or 0)


def counts(session: Session, levels: Sequence[str]) -> Counts:
    candidate = ReviewStatus.CANDIDATE.value
    return Counts(
        documents=_count(
            session, select(func.count()).select_from(Document).where(Document.confidentiality.in_(levels))
        ),
        evidence_items=_count(
            session,
            select(func.count()).select_from(EvidenceItem).where(EvidenceItem.confidentiality.in_(levels)),
        ),
        candidate_facts=sum(
            [
                _count(
                    session,
                    select(func.count())
                    .select_from(model)
                    .where(model.review_status == candidate, model.confidentiality.in_(levels)),
                )
                for model in (Act, Person, Claim)
            ]
        ),
    )


def _summary_query() -> Select[Document, EvidenceItem, int]:
    return select(Document, EvidenceItem, func.length(Document.text)).join(
        EvidenceItem, Document.evidence_item_id == EvidenceItem.id
    )


def _summary(doc: Document, item: EvidenceItem, characters: int) -> DocumentSummary:
    return DocumentSummary(
        id=doc.id,
        title=doc.title,
        language=doc.language,
        published=doc.published,
        ingested_at=as_utc(doc.ingested_at),
        sha256=item.sha256,
        filename=item.original_filename,
        media_type=item.media_type,
        # Counted here: in an encrypted workspace SQL's length() would count the sealed form.
        characters=len(doc.text) if doc.text is not None else characters,
        confidentiality=doc.confidentiality,
    )


def list_documents(
    session: Session,
    levels: Sequence[str],
    *,
    language: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> DocumentPage:
    """Documents newest first (by ingestion), optionally in one language."""
    query = _summary_query().where(Document.confidentiality.in_(levels))
    total_query = select(func.count()).select_from(Document).where(Document.confidentiality.in_(levels))
    if language:
        query = query.where(Document.language == language)
        total_query = total_query.where(Document.language == language)
    query = query.order_by(Document.ingested_at.desc(), Document.id.desc()).limit(limit).offset(offset)
    return DocumentPage(
        total=_count(session, total_query),
        limit=limit,
        offset=offset,
        language=language,
        documents=[_summary(doc, item, chars) for doc, item, chars in session.execute(query)],
    )


def document_languages(session: Session, levels: Sequence[str]) -> dict[str, int]:
    """How many documents there are in each language."""
    rows = session.execute(
        select(Document.language, func.count())
        .where(Document.confidentiality.in_(levels))
        .group_by(Document.language)
    )
    return {language: int(n) for language, n in rows}


def _spans_by_target(session: Session, document_id: int) -> dict[tuple[str, int], list[QuotedSpan]]:
    spans: dict[tuple[str, int], list[QuotedSpan]] = defaultdict(list)
    rows = session.scalars(
        select(Span).where(Span.document_id == document_id).order_by(Span.start, Span.end, Span.id)
    )
    for span in rows:
        spans[(span.target_type, span.target_id)].append(
            QuotedSpan(id=span.id, start=span.start, end=span.end, quote=span.quote, field=span.field)
        )
    return spans


def _facts(session: Session, document_id: int, levels: Sequence[str]) -> list[Fact]:
    spans = _spans_by_target(session, document_id)
    ids: dict[str, set[int]] = defaultdict(set)
    for target_type, target_id in spans:
        ids[target_type].add(target_id)

    reported_acts = select(Act.id).join(IncidentSource, IncidentSource.incident_id == Act.incident_id)
    acts = session.scalars(
        select(Act)
        .where(
            Act.id.in_(ids["act"])
            | Act.id.in_(reported_acts.where(IncidentSource.document_id == document_id)),
            Act.confidentiality.in_(levels),
        )
        .order_by(Act.id)
    )
    persons = session.scalars(
        select(Person)
        .where(Person.id.in_(ids["person"]), Person.confidentiality.in_(levels))
        .order_by(Person.id)
    )
    claims = session.scalars(
        select(Claim)
        .where(
            Claim.id.in_(ids["claim"]) | (Claim.document_id == document_id),
            Claim.confidentiality.in_(levels),
        )
        .order_by(Claim.id)
    )
    facts: list[Fact] = [
        ActFact(
            id=act.id,
            incident_id=act.incident_id,
            review_status=act.review_status,
            violation=act.violation,
            count_value=act.count_value,
            count_qualifier=act.count_qualifier,
            perpetrator=act.perpetrator,
            perpetrator_detail=act.perpetrator_detail,
            victim_groups=list(act.victim_groups or []),
            start_date=act.start_date,
            end_date=act.end_date,
            spans=spans.get(("act", act.id), []),
        )
        for act in acts
    ]
    facts.extend(
        PersonFact(
            id=person.id,
            review_status=person.review_status,
            name=person.name,
            spans=spans.get(("person", person.id), []),
        )
        for person in persons
    )
    facts.extend(
        ClaimFact(
            id=claim.id,
            review_status=claim.review_status,
            speaker=claim.speaker,
            affiliation=claim.affiliation,
            stance=claim.stance,
            quote=claim.quote,
            stated_on=claim.stated_on,
            spans=spans.get(("claim", claim.id), []),
        )
        for claim in claims
    )
    return facts


def document_confidentiality(session: Session, document_id: int) -> str | None:
    """The level of one document (None when there is none): what the policy weighs before a read."""
    return session.scalar(select(Document.confidentiality).where(Document.id == document_id))


def document_detail(session: Session, document_id: int, levels: Sequence[str]) -> DocumentDetail | None:
    """A document with its file, ingestion record and candidate facts; None when there is none."""
    row = session.execute(
        _summary_query().where(Document.id == document_id, Document.confidentiality.in_(levels))
    ).first()
    if row is None:
        return None
    doc, item, characters = row
    return DocumentDetail(
        **_summary(doc, item, characters).model_dump(),
        text=doc.text,
        text_sha256=doc.text_sha256,
        reader=doc.reader,
        ingested_by=doc.ingested_by,
        warnings=list(doc.warnings or []),
        evidence=EvidenceFile(
            sha256=item.sha256,
            size_bytes=item.size_bytes,
            media_type=item.media_type,
            original_filename=item.original_filename,
            acquired_at=as_utc(item.acquired_at),
            acquired_by=item.acquired_by,
            acquisition_method=item.acquisition_method,
            acquisition_tool=item.acquisition_tool,
        ),
        facts=_facts(session, document_id, levels),
    )


def latest_documents(session: Session, levels: Sequence[str], limit: int = 5) -> list[DocumentSummary]:
    return list_documents(session, levels, limit=limit).documents
