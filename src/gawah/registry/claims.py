"""Claims: statements by parties (a denial, an assurance of amnesty) set against the incidents that
contradict or support them, laid out as a fact-check lays out its evidence.

A claim's dossier asserts nothing about who is right: it puts the statement (speaker, date, quote,
where it was said) beside the incidents an analyst linked to it, each with its status, acts,
counts, dates, places and sources. Every link and unlink is a RegistryChange on the claim, so it
is audited, kept in the claim's history and written to the ledger, and moves the claim's `version`
on: a decision made on an older version (`expected_version`) is refused with ConflictError, as on
incidents, so that two analysts working on one claim do not overwrite each other.

Rows above the reader's confidentiality level are left out everywhere (`levels` is the list of
levels the reader may see, from `gawah.security.policy.visible_levels`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gawah.registry.changes import (
    NotFound,
    RegistryError,
    check_claim_version,
    claim_record,
    record,
    touch_claim,
    user_id,
)
from gawah.registry.incidents import incident_view
from gawah.registry.same_event import group_of
from gawah.store.models import (
    Claim,
    ClaimIncident,
    Document,
    Incident,
    RegistryChange,
    Source,
    Span,
    utcnow,
)
from gawah.store.vocab import ClaimStance, Confidentiality, ReviewStatus

CONTRADICTS = "contradicts"
SUPPORTS = "supports"
RELATIONS = (CONTRADICTS, SUPPORTS)
STANCES = tuple(s.value for s in ClaimStance)
LEVELS = tuple(c.value for c in Confidentiality)
REJECTED = ReviewStatus.REJECTED.value


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _links(session: Session, claim_id: int) -> list[ClaimIncident]:
    return list(
        session.scalars(
            select(ClaimIncident)
            .where(ClaimIncident.claim_id == claim_id)
            .order_by(ClaimIncident.incident_id)
        )
    )


def snapshot(session: Session, claim: Claim) -> dict[str, Any]:
    """The claim's fields and its links, as kept before and after each change (diffed by incident)."""
    return claim_record(session, claim)


def get_claim(session: Session, claim_id: int, levels: Sequence[str] | None = None) -> Claim:
    """The claim, or NotFound when it is missing or above the reader's levels (the same answer)."""
    claim = session.get(Claim, claim_id)
    if claim is None or (levels is not None and claim.confidentiality not in levels):
        raise NotFound(f"no claim {claim_id}")
    return claim


def claim_level(session: Session, claim_id: int) -> str | None:
    """The claim's confidentiality, or None when there is no such claim."""
    return session.scalar(select(Claim.confidentiality).where(Claim.id == claim_id))


# Reading -------------------------------------------------------------------------------------


def list_claims(
    session: Session,
    levels: Sequence[str],
    *,
    speaker: str | None = None,
    stance: str | None = None,
    document_id: int | None = None,
    incident_id: int | None = None,
    review_status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """Claims the reader may see, newest statement first; returns (total, page).

    `speaker` matches part of the speaker's name or party; `incident_id` finds the claims linked
    to that incident or to any report merged into it. Rejected claims are listed only when asked.
    """
    query = select(Claim).where(Claim.confidentiality.in_(list(levels)))
    if speaker:
        pattern = f"%{speaker.strip().lower()}%"
        query = query.where(
            func.lower(Claim.speaker).like(pattern)
            | func.lower(func.coalesce(Claim.affiliation, "")).like(pattern)
        )
    if stance:
        query = query.where(Claim.stance == stance)
    if document_id is not None:
        query = query.where(Claim.document_id == document_id)
    if incident_id is not None:
        group = [i.id for i in group_of(session, incident_id)] or [incident_id]
        query = query.where(
            Claim.id.in_(select(ClaimIncident.claim_id).where(ClaimIncident.incident_id.in_(group)))
        )
    if review_status:
        query = query.where(Claim.review_status == review_status)
    else:
        query = query.where(Claim.review_status != REJECTED)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    claims = list(
        session.scalars(
            query.order_by(Claim.stated_on.desc().nulls_last(), Claim.id.desc()).limit(limit).offset(offset)
        )
    )
    tally: dict[tuple[int, str], int] = {}
    if claims:
        rows = session.execute(
            select(ClaimIncident.claim_id, ClaimIncident.relation, func.count())
            .join(Incident, Incident.id == ClaimIncident.incident_id)
            .where(
                ClaimIncident.claim_id.in_([c.id for c in claims]), Incident.confidentiality.in_(list(levels))
            )
            .group_by(ClaimIncident.claim_id, ClaimIncident.relation)
        )
        tally = {(claim_id, relation): int(n) for claim_id, relation, n in rows}
    return total, [
        {
            "id": c.id,
            "speaker": c.speaker,
            "affiliation": c.affiliation,
            "stance": c.stance,
            "quote": c.quote,
            "stated_on": _iso(c.stated_on),
            "document_id": c.document_id,
            "review_status": c.review_status,
            "confidentiality": c.confidentiality,
            "version": c.version,
            "contradicting": tally.get((c.id, CONTRADICTS), 0),
            "supporting": tally.get((c.id, SUPPORTS), 0),
        }
        for c in claims
    ]


def _document(session: Session, document_id: int | None, levels: Sequence[str]) -> dict[str, Any] | None:
    """Where a statement or a report was published, when the reader may see the document."""
    if document_id is None:
        return None
    doc = session.get(Document, document_id)
    if doc is None or doc.confidentiality not in levels:
        return None
    source = session.get(Source, doc.source_id) if doc.source_id else None
    return {
        "id": doc.id,
        "title": doc.title,
        "language": doc.language,
        "published": _iso(doc.published),
        "source_name": source.name if source else None,
        "source_kind": source.kind if source else None,
        "reliability": source.reliability if source else None,
    }


def _evidence(session: Session, incident: Incident, relation: str, levels: Sequence[str]) -> dict[str, Any]:
    """One incident as evidence on one side: status, acts and counts, dates, places, sources.

    Named victims and perpetrators are left out (they are on the incident's own page, under its
    rules); acts, quotes and reports the reader may not see are left out by `incident_view`.
    """
    view = incident_view(session, incident.id, levels)
    acts = [
        {
            "id": a["id"],
            "violation": a["violation"],
            "count": a["count"],
            "perpetrator": a["perpetrator"],
            "victim_groups": a["victim_groups"],
            "start_date": a["start_date"],
            "end_date": a["end_date"],
            "review_status": a["review_status"],
            "quotes": a["quotes"],
        }
        for a in view["acts"]
        if a["review_status"] != REJECTED
    ]
    return {
        "incident_id": incident.id,
        "relation": relation,
        "title": view["title"],
        "status": view["status"],
        "standard_of_proof": view["standard_of_proof"],
        "review_status": view["review_status"],
        "start_date": view["start_date"],
        "end_date": view["end_date"],
        "merged_into_id": view["merged_into_id"],
        "places": view["places"],
        "acts": acts,
        "reports": view["reports"],
        "independent_sources": view["independent_sources"],
    }


def dossier(session: Session, claim_id: int, levels: Sequence[str]) -> dict[str, Any]:
    """The claim and the evidence on each side: incidents that contradict it and that support it."""
    claim = get_claim(session, claim_id, levels)
    document = _document(session, claim.document_id, levels)
    quotes = []
    if document is not None:
        spans = session.scalars(
            select(Span)
            .where(
                Span.target_type == "claim", Span.target_id == claim.id, Span.document_id == document["id"]
            )
            .order_by(Span.start)
        )
        quotes = [{"span_id": s.id, "document_id": s.document_id, "start": s.start, "end": s.end,
                   "quote": s.quote} for s in spans]  # fmt: skip
    sides: dict[str, list[dict[str, Any]]] = {CONTRADICTS: [], SUPPORTS: []}
    for link in _links(session, claim.id):
        incident = session.get(Incident, link.incident_id)
        if incident is None or incident.confidentiality not in levels:
            continue
        sides.setdefault(link.relation, []).append(_evidence(session, incident, link.relation, levels))
    return {
        "id": claim.id,
        "speaker": claim.speaker,
        "affiliation": claim.affiliation,
        "stance": claim.stance,
        "quote": claim.quote,
        "stated_on": _iso(claim.stated_on),
        "review_status": claim.review_status,
        "confidentiality": claim.confidentiality,
        "version": claim.version,
        "document": document,
        "quotes": quotes,
        "contradicts": sides[CONTRADICTS],
        "supports": sides[SUPPORTS],
    }


# Deciding ------------------------------------------------------------------------------------


def link(
    session: Session,
    claim_id: int,
    incident_id: int,
    relation: str,
    actor: str,
    *,
    note: str = "",
    levels: Sequence[str] | None = None,
    expected_version: int | None = None,
) -> RegistryChange:
    """Link the claim to an incident that contradicts or supports it (or change the relation).

    With `levels`, a claim or incident above them is "not found": nobody links what they cannot see.
    With `expected_version`, a claim changed since that version is refused (ConflictError).
    """
    if relation not in RELATIONS:
        raise RegistryError(
            f"a claim is linked to an incident that {' or '.join(RELATIONS)} it, not {relation!r}"
        )
    claim = get_claim(session, claim_id, levels)
    check_claim_version(claim, expected_version)
    incident = session.get(Incident, incident_id)
    if incident is None or (levels is not None and incident.confidentiality not in levels):
        raise NotFound(f"no incident {incident_id}")
    before = snapshot(session, claim)
    row = session.get(ClaimIncident, (claim.id, incident.id))
    if row is not None and row.relation == relation:
        raise RegistryError(f"claim {claim.id} is already linked to incident {incident.id} as '{relation}'")
    if row is None:
        session.add(ClaimIncident(claim_id=claim.id, incident_id=incident.id, relation=relation))
        action = "link_incident"
    else:
        row.relation = relation
        action = "relink_incident"
    touch_claim(claim)
    session.flush()
    return record(session, "claim", claim.id, action, actor, before, snapshot(session, claim), note)


def unlink(
    session: Session,
    claim_id: int,
    incident_id: int,
    actor: str,
    *,
    note: str = "",
    levels: Sequence[str] | None = None,
    expected_version: int | None = None,
) -> RegistryChange:
    """Remove the link between a claim and an incident (the change, and the link before it, are kept).
    With `expected_version`, a claim changed since that version is refused (ConflictError)."""
    claim = get_claim(session, claim_id, levels)
    check_claim_version(claim, expected_version)
    row = session.get(ClaimIncident, (claim.id, incident_id))
    if row is None:
        raise NotFound(f"claim {claim.id} is not linked to incident {incident_id}")
    before = snapshot(session, claim)
    session.delete(row)
    touch_claim(claim)
    session.flush()
    return record(
        session, "claim", claim.id, "unlink_incident", actor, before, snapshot(session, claim), note
    )


def create_claim(
    session: Session,
    actor: str,
    *,
    speaker: str,
    quote: str,
    stance: str = ClaimStance.OTHER.value,
    affiliation: str | None = None,
    stated_on: dt.date | None = None,
    document_id: int | None = None,
    confidentiality: str = Confidentiality.RESTRICTED.value,
    note: str = "",
    levels: Sequence[str] | None = None,
) -> Claim:
    """A claim entered by hand: accepted as it stands (a person wrote it), with the change kept.
    With `levels`, a document above them is "not found"."""
    if not speaker.strip():
        raise RegistryError("a claim needs its speaker")
    if not quote.strip():
        raise RegistryError("a claim needs the words that were said")
    if stance not in STANCES:
        raise RegistryError(f"a stance is one of {', '.join(STANCES)}")
    if confidentiality not in LEVELS:
        raise RegistryError(f"a confidentiality level is one of {', '.join(LEVELS)}")
    if document_id is not None:
        doc = session.get(Document, document_id)
        if doc is None or (levels is not None and doc.confidentiality not in levels):
            raise NotFound(f"no document {document_id}")
    claim = Claim(
        speaker=speaker.strip()[:300],
        affiliation=(affiliation or "").strip()[:300] or None,
        stance=stance,
        quote=quote.strip(),
        stated_on=stated_on,
        document_id=document_id,
        confidentiality=confidentiality,
        review_status=ReviewStatus.ACCEPTED.value,
        reviewed_by_id=user_id(session, actor),
        reviewed_at=utcnow(),
    )
    session.add(claim)
    session.flush()
    record(session, "claim", claim.id, "create", actor, None, snapshot(session, claim), note)
    return claim


__all__ = [
    "CONTRADICTS",
    "RELATIONS",
    "STANCES",
    "SUPPORTS",
    "claim_level",
    "create_claim",
    "dossier",
    "get_claim",
    "link",
    "list_claims",
    "snapshot",
    "unlink",
]
