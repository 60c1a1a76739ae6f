"""Closed lists of the model; codes follow shared/design/TAXONOMY.md and stay stable."""

from __future__ import annotations

from enum import StrEnum


class Confidentiality(StrEnum):
    """Who may see a row. Public exports show `public` rows only, and redact persons by default."""

    PUBLIC = "public"
    RESTRICTED = "restricted"
    CONFIDENTIAL = "confidential"


class ReviewStatus(StrEnum):
    """Facts proposed by extraction start as candidates; an analyst accepts or rejects them."""

    CANDIDATE = "candidate"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class IncidentStatus(StrEnum):
    REPORTED = "reported"
    CORROBORATED = "corroborated"
    VERIFIED = "verified"
    DISPUTED = "disputed"
    RETRACTED = "retracted"


class Role(StrEnum):
    ADMIN = "admin"
    INVESTIGATOR = "investigator"
    ANALYST = "analyst"
    LEGAL = "legal"
    VIEWER = "viewer"


class InvolvementRole(StrEnum):
    VICTIM = "victim"
    PERPETRATOR = "perpetrator"
    WITNESS = "witness"
    SOURCE = "source"


class Fate(StrEnum):
    KILLED = "killed"
    INJURED = "injured"
    TORTURED = "tortured"
    DETAINED = "detained"
    MISSING = "missing"
    RELEASED = "released"
    DISPLACED = "displaced"
    UNKNOWN = "unknown"


class ClaimStance(StrEnum):
    DENIAL = "denial"
    ASSURANCE = "assurance"
    ACKNOWLEDGEMENT = "acknowledgement"
    ALLEGATION = "allegation"
    OTHER = "other"


class CaseStatus(StrEnum):
    MISSING = "missing"
    DETAINED = "detained"
    RELEASED = "released"
    FOUND_DEAD = "found_dead"
    FOUND_ALIVE = "found_alive"
    CLOSED = "closed"


class DatePrecision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class CountQualifier(StrEnum):
    EXACT = "exact"
    AT_LEAST = "at_least"
    MORE_THAN = "more_than"
    APPROXIMATELY = "approximately"
    VAGUE = "vague"


class SourceKind(StrEnum):
    UN_BODY = "un_body"
    NGO = "ngo"
    MEDIA = "media"
    GOVERNMENT = "government"
    DE_FACTO_AUTHORITY = "de_facto_authority"
    WITNESS = "witness"
    FAMILY = "family"
    OTHER = "other"


VIOLATIONS: tuple[str, ...] = (
    "killing",
    "torture",
    "arbitrary_detention",
    "enforced_disappearance",
    "hostage_taking",
    "property_destruction",
    "property_seizure",
    "pillage",
    "forced_displacement",
    "collective_punishment",
    "denial_of_essentials",
    "attack_on_education",
    "indiscriminate_attack",
    "movement_restriction",
    "denial_of_burial",
    "sexual_violence",
    "persecution",
    "threats_intimidation",
)

PERPETRATORS: tuple[str, ...] = ("taliban", "foreign_military", "armed_group", "unknown")

VICTIM_GROUPS: tuple[str, ...] = (
    "former_security_forces",
    "former_officials",
    "civilians",
    "women",
    "children",
    "youth",
    "family_members",
    "ethnic_tajik",
    "ethnic_hazara",
    "journalists",
    "human_rights_defenders",
    "detainees",
)
