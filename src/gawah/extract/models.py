"""The extraction contract: what `gawah extract --format json` prints and ingest stores.

Offsets are character offsets into the document text that was passed in, and every ``quote``
equals ``text[start:end]``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

CountQualifier = Literal["exact", "at_least", "more_than", "approximately", "vague", "at_most"]
Precision = Literal["day", "month", "year"]


class Span(BaseModel):
    """Where a fact was read: offsets into the document text and the words themselves."""

    start: int
    end: int
    quote: str


class DocumentInfo(BaseModel):
    sha256: str | None = None
    title: str | None = None
    language: str = "und"
    published: str | None = None
    article_start: int = 0
    article_end: int = 0


class Count(BaseModel):
    """A number of victims or acts with how the text bounds it (TAXONOMY.md "Counts")."""

    value: int
    qualifier: CountQualifier = "exact"
    unit: Literal["victims", "acts"] = "victims"
    quote: str = ""


class DateRange(BaseModel):
    """Gregorian ISO dates; for one day start == end; for a month its first and last days."""

    start: str
    end: str
    precision: Precision
    calendar: Literal["gregorian", "solar_hijri"] = "gregorian"
    quote: str = ""


class Place(BaseModel):
    name: str
    province: str | None = None
    district: str | None = None
    pcode: str | None = None
    kind: Literal["province", "district", "village", "city"] = "province"


class IncidentFact(BaseModel):
    """One reported violation: a candidate act for review, pinned to its sentence."""

    violation: str
    subtype: str | None = None
    count: Count | None = None
    date: DateRange | None = None
    places: list[Place] = Field(default_factory=list)
    perpetrator: str | None = None
    perpetrator_detail: str | None = None
    victim_groups: list[str] = Field(default_factory=list)
    reported_by: str | None = None
    confidence: float = 0.5
    spans: list[Span] = Field(default_factory=list)


class PersonFact(BaseModel):
    name: str
    role: Literal["victim", "perpetrator", "witness", "other"] = "victim"
    fate: str | None = None
    description: str | None = None
    spans: list[Span] = Field(default_factory=list)


class ClaimFact(BaseModel):
    speaker: str
    affiliation: str | None = None
    date: str | None = None
    # The stances of the registry (gawah.store.vocab.ClaimStance).
    stance: Literal["denial", "assurance", "acknowledgement", "allegation", "other"] = "other"
    quote: str = ""
    spans: list[Span] = Field(default_factory=list)


class Extraction(BaseModel):
    """Everything extracted from one document."""

    document: DocumentInfo
    incidents: list[IncidentFact] = Field(default_factory=list)
    persons: list[PersonFact] = Field(default_factory=list)
    claims: list[ClaimFact] = Field(default_factory=list)
