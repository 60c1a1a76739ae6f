"""Verification of an evidence item in the Berkeley Protocol's three strands, each recorded apart.

The Berkeley Protocol on Digital Open Source Investigations (OHCHR and UC Berkeley, 2022, §VI.E–F;
requirement VER-1 in ../shared/research/evidence.md) verifies an item three ways: *source analysis*
(provenance, credibility, independence, specificity, attenuation), *technical analysis* of the
item (metadata, hash matching, reverse search) and *content analysis* (geolocation,
chronolocation, weather, shadows, language, uniforms, weapons). The strands are assessed apart and
then compared for consistency, which is why a finding here says whether what the analyst found is
consistent with what the item claims to be, not whether it is "true".

Every assessment is a new row and a ledger entry; nothing here updates one (VER-2: the analyst's
conclusion never overwrites what tools observed, nor an earlier conclusion).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from gawah.ledger.journal import append, assessment_entry
from gawah.store.models import Assessment, EvidenceItem, LedgerEntry, utcnow
from gawah.store.vocab import Confidentiality

STRANDS = ("source", "technical", "content")
# Findings compare the item with what it is said to be (the Protocol compares strands "for
# consistency"); "not_assessed" records that a strand was looked at and could not be done.
FINDINGS = ("consistent", "inconsistent", "inconclusive", "not_assessed")
CONFIDENCE = ("low", "medium", "high")


class AssessmentError(ValueError):
    """An assessment that cannot be recorded as given (unknown strand, no assessor, …)."""


@dataclass(frozen=True)
class AssessmentRow:
    id: int
    evidence_item_id: int
    strand: str
    finding: str
    confidence: str | None
    method: str
    tools: list[str]
    notes: str
    assessor: str
    assessed_at: dt.datetime
    confidentiality: str
    ledger_entry: int | None

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "evidence_item_id": self.evidence_item_id,
            "strand": self.strand,
            "finding": self.finding,
            "confidence": self.confidence,
            "method": self.method,
            "tools": list(self.tools),
            "notes": self.notes,
            "assessor": self.assessor,
            "assessed_at": self.assessed_at.isoformat(),
            "confidentiality": self.confidentiality,
            "ledger_entry": self.ledger_entry,
        }


@dataclass(frozen=True)
class StrandView:
    """One strand of an item: its latest finding and every finding before it, newest first."""

    strand: str
    history: list[AssessmentRow] = field(default_factory=list)

    @property
    def latest(self) -> AssessmentRow | None:
        return self.history[0] if self.history else None


def check_assessment(
    strand: str, finding: str, confidence: str | None, assessor: str, method: str, confidentiality: str
) -> None:
    """Raise AssessmentError naming what is wrong with these values."""
    if strand not in STRANDS:
        raise AssessmentError(f"unknown strand {strand!r}; one of {', '.join(STRANDS)}")
    if finding not in FINDINGS:
        raise AssessmentError(f"unknown finding {finding!r}; one of {', '.join(FINDINGS)}")
    if confidence is not None and confidence not in CONFIDENCE:
        raise AssessmentError(f"unknown confidence {confidence!r}; one of {', '.join(CONFIDENCE)}")
    if confidentiality not in {c.value for c in Confidentiality}:
        raise AssessmentError(f"unknown confidentiality {confidentiality!r}")
    if not assessor.strip():
        raise AssessmentError("every assessment needs the name of the analyst who made it")
    if finding != "not_assessed" and not method.strip():
        # Another analyst, or the other side in court, must be able to repeat the work.
        raise AssessmentError("say how the finding was reached (the method)")


def record_assessment(
    session: Session,
    item: EvidenceItem,
    *,
    strand: str,
    finding: str,
    assessor: str,
    method: str = "",
    tools: Sequence[str] = (),
    notes: str = "",
    confidence: str | None = None,
    assessed_at: dt.datetime | None = None,
    confidentiality: str = Confidentiality.RESTRICTED.value,
) -> Assessment:
    """Add one assessment of `item` and its ledger entry, in the caller's transaction."""
    check_assessment(strand, finding, confidence, assessor, method, confidentiality)
    row = Assessment(
        evidence_item_id=item.id,
        strand=strand,
        finding=finding,
        confidence=confidence,
        method=method.strip(),
        tools=[t.strip() for t in tools if t.strip()],
        notes=notes,
        assessor=assessor.strip(),
        assessed_at=assessed_at or utcnow(),
        confidentiality=confidentiality,
    )
    session.add(row)
    session.flush()
    append(session, "assessment", "assessment", row.id, assessment_entry(row, item.sha256))
    return row


def assessments_of(
    session: Session, item_id: int, levels: Sequence[str] | None = None
) -> list[AssessmentRow]:
    """The item's assessments, newest first; only those at `levels` when given."""
    query = select(Assessment).where(Assessment.evidence_item_id == item_id)
    if levels is not None:
        query = query.where(Assessment.confidentiality.in_(list(levels)))
    rows = session.scalars(query.order_by(Assessment.assessed_at.desc(), Assessment.id.desc())).all()
    entries = {
        subject_id: leaf_index
        for subject_id, leaf_index in session.execute(
            select(LedgerEntry.subject_id, LedgerEntry.leaf_index).where(
                LedgerEntry.subject_type == "assessment", LedgerEntry.subject_id.in_([r.id for r in rows])
            )
        )
    }
    return [
        AssessmentRow(
            id=r.id,
            evidence_item_id=r.evidence_item_id,
            strand=r.strand,
            finding=r.finding,
            confidence=r.confidence,
            method=r.method,
            tools=list(r.tools or []),
            notes=r.notes,
            assessor=r.assessor,
            assessed_at=r.assessed_at,
            confidentiality=r.confidentiality,
            ledger_entry=entries.get(r.id),
        )
        for r in rows
    ]


def by_strand(rows: Sequence[AssessmentRow]) -> list[StrandView]:
    """The three strands in the Protocol's order, each with its history newest first."""
    return [StrandView(s, [r for r in rows if r.strand == s]) for s in STRANDS]


def strands_agree(views: Sequence[StrandView]) -> bool | None:
    """Whether the latest findings of the assessed strands agree: None until two strands are assessed.

    "inconclusive" and "not_assessed" neither support nor contradict: they are left out."""
    latest = [
        v.latest.finding for v in views if v.latest and v.latest.finding in ("consistent", "inconsistent")
    ]
    if len(latest) < 2:
        return None
    return len(set(latest)) == 1
