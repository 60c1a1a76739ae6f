"""The relational model, after the HURIDOCS Events Standard Formats.

Source → EvidenceItem → Document → Incident (Acts, Involvements of Persons, Places) and Claim;
Case follows a missing or detained person for a family; Span ties any fact to the stretch of a
document's text it came from. Every row that can hold personal data carries `confidentiality`.
Schema changes go through Alembic migrations (`gawah.store.migrations`), never `create_all`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from gawah.security.encrypted import EncryptedJSON, EncryptedText
from gawah.store.types import UTCDateTime
from gawah.store.vocab import Confidentiality, IncidentStatus, ReviewStatus

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CONFIDENTIALITY_VALUES = ", ".join(f"'{c.value}'" for c in Confidentiality)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        dict[str, Any]: JSON,
        list[str]: JSON,
        dt.datetime: UTCDateTime(),
    }


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Confidential:
    """Rows that may hold personal data; the default keeps them out of public view."""

    confidentiality: Mapped[str] = mapped_column(
        String(16), default=Confidentiality.RESTRICTED.value, index=True
    )


class Reviewed:
    """Facts proposed by extraction are candidates until a person decides."""

    review_status: Mapped[str] = mapped_column(String(16), default=ReviewStatus.CANDIDATE.value, index=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None]


class User(Timestamped, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Sealed in encrypted workspaces: a copied database must not give away second factors.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText("users", "totp_secret"))
    # The last time step (30 s) whose code was accepted: a code seen once is refused again.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(8), default="en")
    show_graphic_media: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Source(Confidential, Timestamped, Base):
    """Who reported: an organisation, an outlet, a witness (a witness source is confidential)."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32), default="other")
    url: Mapped[str | None] = mapped_column(String(2000))
    country: Mapped[str | None] = mapped_column(String(80))
    # Admiralty grading of the source: A (reliable) … F (cannot be judged).
    reliability: Mapped[str | None] = mapped_column(String(1))
    notes: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("name", "kind", name="uq_sources_name_kind"),)


class EvidenceItem(Confidential, Timestamped, Base):
    """A preserved file, stored once by SHA-256; derived working copies point to their original."""

    __tablename__ = "evidence_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(120), default="application/octet-stream")
    # File names, the collector's notes and what tools read (EXIF places, authors) can name a
    # witness: sealed in encrypted workspaces, like the text below.
    original_filename: Mapped[str] = mapped_column(EncryptedText("evidence_items", "original_filename"))
    storage_key: Mapped[str] = mapped_column(String(200))
    derived_from_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    derivation: Mapped[str | None] = mapped_column(String(80))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    # What the collector says (kept apart from what tools read out of the file).
    collected_at: Mapped[dt.datetime | None]
    collected_by: Mapped[str | None] = mapped_column(String(200))
    collector_notes: Mapped[str] = mapped_column(
        EncryptedText("evidence_items", "collector_notes"), default=""
    )
    # How Gawah received it.
    acquired_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    acquired_by: Mapped[str] = mapped_column(String(200), default="")
    acquisition_method: Mapped[str] = mapped_column(String(80), default="file-ingest")
    acquisition_tool: Mapped[str] = mapped_column(String(200), default="")
    # What tools read out of the file (EXIF, PDF info, …).
    tool_metadata: Mapped[dict[str, Any]] = mapped_column(
        EncryptedJSON("evidence_items", "tool_metadata"), default=dict
    )

    derived_from: Mapped[EvidenceItem | None] = relationship(remote_side=[id])
    source: Mapped[Source | None] = relationship()
    documents: Mapped[list[Document]] = relationship(back_populates="evidence_item")


class Document(Confidential, Timestamped, Base):
    """The text of an evidence item, as read by a named reader."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), unique=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    # Testimony: the text (and the title guessed from its first line) sealed in encrypted workspaces.
    title: Mapped[str] = mapped_column(EncryptedText("documents", "title"), default="")
    language: Mapped[str] = mapped_column(String(8), default="und", index=True)
    published: Mapped[dt.date | None] = mapped_column(Date, index=True)
    text: Mapped[str] = mapped_column(EncryptedText("documents", "text"))
    text_sha256: Mapped[str] = mapped_column(String(64))
    reader: Mapped[str] = mapped_column(String(120))
    ingested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ingested_by: Mapped[str] = mapped_column(String(200), default="")
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    extracted_at: Mapped[dt.datetime | None]

    evidence_item: Mapped[EvidenceItem] = relationship(back_populates="documents")
    source: Mapped[Source | None] = relationship()


class Place(Timestamped, Base):
    """A place named by the gazetteer (province, district, village) or as the text spells it."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_native: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16), default="other")
    province: Mapped[str | None] = mapped_column(String(120), index=True)
    district: Mapped[str | None] = mapped_column(String(120), index=True)
    pcode: Mapped[str | None] = mapped_column(String(20), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        UniqueConstraint("name", "kind", "province", "district", name="uq_places_name_kind_area"),
    )


class Incident(Confidential, Reviewed, Timestamped, Base):
    """What happened, when and where: one event, however many documents report it."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A candidate's title repeats its document's title (the testimony's first line): sealed too.
    title: Mapped[str] = mapped_column(EncryptedText("incidents", "title"), default="")
    summary: Mapped[str] = mapped_column(EncryptedText("incidents", "summary"), default="")
    start_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    date_precision: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=IncidentStatus.REPORTED.value, index=True)
    standard_of_proof: Mapped[str | None] = mapped_column(String(80))
    reported_by: Mapped[str | None] = mapped_column(String(300))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    # Optimistic locking: two analysts editing one incident are detected, not overwritten.
    version: Mapped[int] = mapped_column(Integer, default=1)

    acts: Mapped[list[Act]] = relationship(back_populates="incident", cascade="all, delete-orphan")
    places: Mapped[list[Place]] = relationship(secondary="incident_places")
    sources: Mapped[list[IncidentSource]] = relationship(
        back_populates="incident", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class IncidentPlace(Base):
    __tablename__ = "incident_places"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), primary_key=True)


class IncidentSource(Base):
    """A document that reports an incident; `independent` is false for a report that repeats another."""

    __tablename__ = "incident_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    independent: Mapped[bool] = mapped_column(Boolean, default=True)
    # The source this report repeats (a news article quoting an NGO report is not independent).
    repeats_source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    # Credibility of this item of information: 1 (confirmed) … 6 (cannot be judged).
    credibility: Mapped[int | None] = mapped_column(Integer)

    incident: Mapped[Incident] = relationship(back_populates="sources")
    document: Mapped[Document] = relationship()

    __table_args__ = (
        UniqueConstraint("incident_id", "document_id", name="uq_incident_sources_incident_document"),
        CheckConstraint("credibility IS NULL OR credibility BETWEEN 1 AND 6", name="credibility_range"),
    )


class Act(Confidential, Reviewed, Timestamped, Base):
    """One violation within an incident, with its count and how the text bounds it."""

    __tablename__ = "acts"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    violation: Mapped[str] = mapped_column(String(40), index=True)
    subtype: Mapped[str | None] = mapped_column(String(80))
    count_value: Mapped[int | None] = mapped_column(BigInteger)
    count_qualifier: Mapped[str | None] = mapped_column(String(16))
    count_unit: Mapped[str | None] = mapped_column(String(16))
    perpetrator: Mapped[str | None] = mapped_column(String(40), index=True)
    perpetrator_detail: Mapped[str | None] = mapped_column(String(300))
    victim_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    date_precision: Mapped[str | None] = mapped_column(String(8))

    incident: Mapped[Incident] = relationship(back_populates="acts")
    involvements: Mapped[list[Involvement]] = relationship(back_populates="act", cascade="all, delete-orphan")


class Person(Confidential, Reviewed, Timestamped, Base):
    """A person named the Afghan way (name, father's name, grandfather's name), or a pseudonym."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Identities are sealed in encrypted workspaces (gawah.security.encrypted): they cannot be
    # searched in SQL there, only after they are read.
    name: Mapped[str] = mapped_column(EncryptedText("persons", "name"), index=True)
    name_native: Mapped[str | None] = mapped_column(EncryptedText("persons", "name_native"))
    father_name: Mapped[str | None] = mapped_column(EncryptedText("persons", "father_name"))
    grandfather_name: Mapped[str | None] = mapped_column(EncryptedText("persons", "grandfather_name"))
    tribe: Mapped[str | None] = mapped_column(String(200))
    sex: Mapped[str | None] = mapped_column(String(8))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    age: Mapped[int | None] = mapped_column(Integer)
    home_province: Mapped[str | None] = mapped_column(String(120))
    home_district: Mapped[str | None] = mapped_column(String(120))
    occupation: Mapped[str | None] = mapped_column(String(200))
    former_service: Mapped[str | None] = mapped_column(String(40))
    # A protected witness is known by a pseudonym; the real name (if kept) is confidential.
    is_pseudonym: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(EncryptedText("persons", "notes"), default="")

    involvements: Mapped[list[Involvement]] = relationship(back_populates="person")


class Involvement(Confidential, Timestamped, Base):
    """Person × act × role (victim, perpetrator, witness), with the person's fate."""

    __tablename__ = "involvements"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    fate: Mapped[str | None] = mapped_column(String(16))

    person: Mapped[Person] = relationship(back_populates="involvements")
    act: Mapped[Act] = relationship(back_populates="involvements")


class Claim(Confidential, Reviewed, Timestamped, Base):
    """A statement by a party (a denial, an assurance of amnesty), linked to incidents bearing on it."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    speaker: Mapped[str] = mapped_column(String(300))
    affiliation: Mapped[str | None] = mapped_column(String(300))
    stance: Mapped[str] = mapped_column(String(20), default="other")
    quote: Mapped[str] = mapped_column(EncryptedText("claims", "quote"), default="")
    stated_on: Mapped[dt.date | None] = mapped_column(Date)
    # Optimistic locking, as on incidents: a link, unlink or edit made on an older version is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)

    document: Mapped[Document | None] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ClaimIncident(Base):
    __tablename__ = "claim_incidents"

    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    relation: Mapped[str] = mapped_column(String(16), default="contradicts")


class Case(Timestamped, Base):
    """A missing-person or detention case followed for a family. Always confidential by default."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="missing")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="missing", index=True)
    last_seen_on: Mapped[dt.date | None] = mapped_column(Date)
    last_seen_place: Mapped[str | None] = mapped_column(EncryptedText("cases", "last_seen_place"))
    last_seen_by: Mapped[str | None] = mapped_column(EncryptedText("cases", "last_seen_by"))
    circumstances: Mapped[str] = mapped_column(EncryptedText("cases", "circumstances"), default="")
    reporter_name: Mapped[str | None] = mapped_column(EncryptedText("cases", "reporter_name"))
    reporter_contact: Mapped[str | None] = mapped_column(EncryptedText("cases", "reporter_contact"))
    confidentiality: Mapped[str] = mapped_column(
        String(16), default=Confidentiality.CONFIDENTIAL.value, index=True
    )

    person: Mapped[Person | None] = relationship()


class Span(Base):
    """A stretch of a document's text that a fact came from: `quote == document.text[start:end]`."""

    __tablename__ = "spans"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    quote: Mapped[str] = mapped_column(EncryptedText("spans", "quote"))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(40))

    document: Mapped[Document] = relationship()

    __table_args__ = (
        Index("ix_spans_target", "target_type", "target_id"),
        CheckConstraint('"start" >= 0 AND "end" >= "start"', name="offsets"),
    )


class CustodyEvent(Base):
    """One step in an evidence item's chain of custody. Rows are never updated; each is a ledger entry."""

    __tablename__ = "custody_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    event: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    place: Mapped[str | None] = mapped_column(EncryptedText("custody_events", "place"))
    tool: Mapped[str | None] = mapped_column(String(200))
    method: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(EncryptedText("custody_events", "notes"), default="")

    evidence_item: Mapped[EvidenceItem] = relationship()


class LedgerEntry(Base):
    """A leaf of the workspace's append-only Merkle log: the hash of a record's canonical form.

    The ledger keeps hashes only; `gawah verify` recomputes each from the record it names, so an
    edited, deleted or inserted record, or a reordered log, no longer matches.
    """

    __tablename__ = "ledger_entries"

    leaf_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(24))
    subject_type: Mapped[str] = mapped_column(String(24))
    subject_id: Mapped[int] = mapped_column(Integer)
    leaf_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_ledger_entries_subject", "subject_type", "subject_id"),)


class Checkpoint(Base):
    """A signed tree head: the log's size and root, signed with the workspace key (C2SP signed note)."""

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_size: Mapped[int] = mapped_column(Integer, index=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    signed_note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RegistryChange(Base):
    """One decision or edit on a registry record, by whom and when; each is a ledger entry.

    `before` and `after` are the record's full snapshots, so history shows a diff and any earlier
    version can be restored. Rows are never updated.
    """

    __tablename__ = "registry_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Snapshots of persons and cases hold names and contacts: sealed in encrypted workspaces.
    before: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON("registry_changes", "before"))
    after: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON("registry_changes", "after"))
    note: Mapped[str] = mapped_column(EncryptedText("registry_changes", "note"), default="")

    __table_args__ = (Index("ix_registry_changes_subject", "subject_type", "subject_id"),)


class SameEventDecision(Base):
    """An analyst's answer to "are these two incidents one event?": confirmed (merged), refused, undone."""

    __tablename__ = "same_event_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(12))
    score: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ElementAssessment(Confidential, Base):
    """A lawyer's finding on one element of one provision for one act, with notes and evidence links.

    Nothing here is filled automatically: a row exists only once a person has written it.
    """

    __tablename__ = "element_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id", ondelete="CASCADE"), index=True)
    provision: Mapped[str] = mapped_column(String(40))
    element: Mapped[str] = mapped_column(String(40))
    finding: Mapped[str] = mapped_column(String(24), default="not_examined")
    notes: Mapped[str] = mapped_column(EncryptedText("element_assessments", "notes"), default="")
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    assessed_by: Mapped[str] = mapped_column(String(200))
    assessed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("act_id", "provision", "element", name="uq_element_assessments_act_element"),
    )


class Unit(Confidential, Timestamped, Base):
    """A perpetrator unit (a battalion, a district police command, an intelligence office)."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    perpetrator: Mapped[str | None] = mapped_column(String(40))
    province: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str] = mapped_column(Text, default="")


class CommandRelation(Confidential, Timestamped, Base):
    """Superior → subordinate (units or named commanders): commands, ordered, failed to prevent or punish.

    The basis of command-responsibility analysis; an incident and a document may say where it shows.
    """

    __tablename__ = "command_relations"

    id: Mapped[int] = mapped_column(primary_key=True)
    superior_type: Mapped[str] = mapped_column(String(8))
    superior_id: Mapped[int] = mapped_column(Integer)
    subordinate_type: Mapped[str] = mapped_column(String(8))
    subordinate_id: Mapped[int] = mapped_column(Integer)
    relation: Mapped[str] = mapped_column(String(40))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200), default="")


class SearchEntry(Base):
    """One searchable record (document, incident or claim): normalised text and its facets.

    The full-text index over it (SQLite FTS5 or a PostgreSQL GIN index) is derived and rebuilt by
    `gawah search reindex`.
    """

    __tablename__ = "search_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    record_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(8))
    violations: Mapped[str] = mapped_column(String(400), default="")
    province: Mapped[str | None] = mapped_column(String(120), index=True)
    district: Mapped[str | None] = mapped_column(String(120))
    start_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(String(16))
    source_id: Mapped[int | None] = mapped_column(Integer, index=True)
    confidentiality: Mapped[str] = mapped_column(String(16), default=Confidentiality.RESTRICTED.value)

    __table_args__ = (UniqueConstraint("kind", "record_id", name="uq_search_entries_kind_record"),)


class TimestampToken(Base):
    """An RFC 3161 timestamp over a signed checkpoint, from one authority: queued, then stamped.

    ``pending`` waits for a connection (each try counted, the last error kept); ``stamped`` holds
    the authority's response with the certificate chain it verified against; ``failed`` means
    the authority answered but its answer was refused (the reason is kept).
    """

    __tablename__ = "timestamp_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id"), index=True)
    authority: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    # SHA-256 of the signed checkpoint note, hex: what the token stamps.
    message_imprint: Mapped[str] = mapped_column(String(64))
    # Decimal text: a 64-bit nonce does not fit every database's signed integer.
    nonce: Mapped[str] = mapped_column(String(40))
    request: Mapped[bytes] = mapped_column(LargeBinary)
    response: Mapped[bytes | None] = mapped_column(LargeBinary)
    # DER certificates, base64, the signer first and the trust anchor last.
    chain: Mapped[list[str]] = mapped_column(JSON, default=list)
    gen_time: Mapped[dt.datetime | None]
    policy: Mapped[str | None] = mapped_column(String(100))
    serial_number: Mapped[str | None] = mapped_column(String(60))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[dt.datetime | None]
    stamped_at: Mapped[dt.datetime | None]

    __table_args__ = (UniqueConstraint("checkpoint_id", "authority"),)


class BrowserSession(Base):
    """A signed-in browser: the cookie holds a random token, the database only its SHA-256."""

    __tablename__ = "browser_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    address: Mapped[str] = mapped_column(String(64), default="")
    ended_at: Mapped[dt.datetime | None]


class ApiToken(Base):
    """A bearer token for the API, limited to some actions and a date; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    # The first characters, shown in listings so that a person can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class LoginAttempt(Base):
    """One try at signing in, kept so that rate limits hold across restarts."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class AuditEvent(Base):
    """A security event or an access to confidential data: who, what, when, why. Each is a ledger entry.

    Never holds confidential content: a subject is named by its type and id only.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(40), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    action: Mapped[str | None] = mapped_column(String(40))
    subject_type: Mapped[str | None] = mapped_column(String(24))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


CONFIDENTIAL_TABLES: tuple[type[Base], ...] = (
    Source,
    EvidenceItem,
    Document,
    Incident,
    Act,
    Person,
    Involvement,
    Claim,
    Case,
)


class CaseStatusChange(Base):
    """One change of a case's status (missing → detained → released …), with where the news came from.

    Rows are never updated: the history of what the family and the team were told stays whole.
    """

    __tablename__ = "case_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    previous_status: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    # Where the news came from: "a released detainee", "the family", "provincial hospital list".
    source: Mapped[str] = mapped_column(EncryptedText("case_status_changes", "source"), default="")
    recorded_by: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(EncryptedText("case_status_changes", "note"), default="")


class CaseIntake(Base):
    """How a case came in: the reporter's relationship, and the digest of the family's secret code.

    The code itself is shown once to the person who reports and never stored; `address_key` is a
    digest of the reporting address, kept only to limit how many reports one address can send.
    """

    __tablename__ = "case_intakes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    channel: Mapped[str] = mapped_column(String(16), default="staff")
    reporter_relationship: Mapped[str | None] = mapped_column(String(80))
    code_hash: Mapped[str | None] = mapped_column(String(200))
    address_key: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class PersonMatch(Base):
    """Two person records that may be one person, with the reasons, until a reviewer decides.

    `person_id` < `other_id`. A rejected pair is kept so that it is never proposed again.
    """

    __tablename__ = "person_matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    probability: Mapped[float] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="proposed", index=True)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("person_id", "other_id", name="uq_person_matches_pair"),
        CheckConstraint("person_id < other_id", name="ordered_pair"),
    )


class ActUnit(Base):
    """A unit named as perpetrator of an act ("the perpetrator of act Y was unit Z"), with the
    document that says so; several units may share one act (a joint operation)."""

    __tablename__ = "act_units"

    act_id: Mapped[int] = mapped_column(ForeignKey("acts.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CaseSubmission(Base):
    """What a family sent through the public form, sealed to the workspace's intake key.

    Only a holder of the intake key (its passphrase, or the data key of an encrypted workspace)
    reads it: the reporter's name, relationship and contact, the narrative, and the person's
    details as the family wrote them (gawah.security.intake).
    """

    __tablename__ = "case_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    sealed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PersonMatchQueue(Base):
    """Persons waiting to be compared with the others (saving a person does not wait for matching)."""

    __tablename__ = "person_match_queue"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)
    queued_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))


class PersonList(Confidential, Base):
    """A list of persons received from elsewhere (detainees, the killed, the missing), kept as a source."""

    __tablename__ = "person_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="detainees")
    sent_by: Mapped[str | None] = mapped_column(String(300))
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    filename: Mapped[str | None] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    imported_by: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PersonListEntry(Base):
    """One line of a received list: the person record it became, and what the list says of them."""

    __tablename__ = "person_list_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("person_lists.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str | None] = mapped_column(String(120))
    place: Mapped[str | None] = mapped_column(String(300))
    listed_on: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (UniqueConstraint("list_id", "entry_id", name="uq_person_list_entries_id"),)


class Assessment(Confidential, Base):
    """One finding on an evidence item in one strand of verification (Berkeley Protocol §VI.E–F):
    source, technical or content analysis, each recorded apart and compared afterwards.

    Rows are never updated: a later view is a new row, so what the tools observed and every
    analyst's conclusion stay separate, attributed records. Each is a ledger entry.
    """

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    strand: Mapped[str] = mapped_column(String(16), index=True)
    finding: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[str | None] = mapped_column(String(8))
    method: Mapped[str] = mapped_column(Text, default="")
    # "name version" of each tool used, so that the other side can repeat the work.
    tools: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A geolocation can point at a witness's home: sealed in encrypted workspaces.
    notes: Mapped[str] = mapped_column(EncryptedText("assessments", "notes"), default="")
    assessor: Mapped[str] = mapped_column(String(200))
    assessed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WitnessStatement(Confidential, Timestamped, Base):
    """A statement taken from a witness, held as an evidence item (the recording or transcript):
    who took it, when and where, in what language, through which interpreter, and what the
    witness consented to. Consent withdrawn later is a registry change on the statement, never an
    edit of this row, whose ledger entry fixes what was agreed when the statement was taken.
    """

    __tablename__ = "witness_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    # The witness as a person record, often a pseudonym; the identity follows the person's level.
    witness_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    taken_by: Mapped[str] = mapped_column(String(200))
    taken_at: Mapped[dt.datetime]
    taken_place: Mapped[str | None] = mapped_column(EncryptedText("witness_statements", "taken_place"))
    language: Mapped[str] = mapped_column(String(8))
    interpreter: Mapped[str | None] = mapped_column(EncryptedText("witness_statements", "interpreter"))
    interpreter_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The uses agreed to when the statement was taken: documentation, courts, publication.
    consent: Mapped[list[str]] = mapped_column(JSON, default=list)
    consent_recorded_how: Mapped[str] = mapped_column(String(300))
    recorded_by: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(EncryptedText("witness_statements", "notes"), default="")
