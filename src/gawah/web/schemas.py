"""What the web interface shows and the JSON API returns: one set of models for both."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field


class Counts(BaseModel):
    """Totals shown on the home page."""

    documents: int
    evidence_items: int
    candidate_facts: int


class DocumentSummary(BaseModel):
    """One line of the document list."""

    id: int
    title: str
    language: str = Field(description="ISO 639-1 code: en, fa (Dari), ps (Pashto) or und.")
    published: dt.date | None
    ingested_at: dt.datetime
    sha256: str = Field(description="SHA-256 of the preserved file.")
    filename: str
    media_type: str
    characters: int
    confidentiality: str


class DocumentPage(BaseModel):
    """A page of documents, newest first."""

    total: int
    limit: int
    offset: int
    language: str | None
    documents: list[DocumentSummary]


class EvidenceFile(BaseModel):
    """The preserved file a document was read from, and how Gawah received it."""

    sha256: str
    size_bytes: int
    media_type: str
    original_filename: str
    acquired_at: dt.datetime
    acquired_by: str
    acquisition_method: str
    acquisition_tool: str


class QuotedSpan(BaseModel):
    """A stretch of the document's text: `quote == text[start:end]`."""

    id: int
    start: int
    end: int
    quote: str
    field: str | None


class ActFact(BaseModel):
    kind: Literal["act"] = "act"
    id: int
    incident_id: int
    review_status: str
    violation: str
    count_value: int | None
    count_qualifier: str | None
    perpetrator: str | None
    perpetrator_detail: str | None
    victim_groups: list[str]
    start_date: dt.date | None
    end_date: dt.date | None
    spans: list[QuotedSpan]


class PersonFact(BaseModel):
    kind: Literal["person"] = "person"
    id: int
    review_status: str
    name: str
    spans: list[QuotedSpan]


class ClaimFact(BaseModel):
    kind: Literal["claim"] = "claim"
    id: int
    review_status: str
    speaker: str
    affiliation: str | None
    stance: str
    quote: str
    stated_on: dt.date | None
    spans: list[QuotedSpan]


Fact = Annotated[ActFact | PersonFact | ClaimFact, Field(discriminator="kind")]


class DocumentDetail(DocumentSummary):
    """A document with its text, its preserved file, how it was read, and the facts drawn from it."""

    text: str
    text_sha256: str
    reader: str
    ingested_by: str
    warnings: list[str]
    evidence: EvidenceFile
    facts: list[Fact]


class ApiError(BaseModel):
    detail: str


class Me(BaseModel):
    """Who the caller is and what the policy lets them do."""

    username: str
    role: str
    channel: str = Field(description="web (browser session) or api (bearer token).")
    actions: list[str]
    levels: list[str] = Field(description="Confidentiality levels the caller may read.")
    csrf_token: str | None = Field(
        default=None,
        description="Browser sessions only: send it as the X-CSRF-Token header with API calls that "
        "change data.",
    )


API_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ApiError, "description": "No session or token, or the token is expired or revoked."},
    403: {"model": ApiError, "description": "The role or the token's scopes do not allow this."},
    413: {"model": ApiError, "description": "The request is too large."},
}
