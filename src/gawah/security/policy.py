"""Who may do what: actions on resources, one table of role × action, and `authorize`.

Every web route, API route and command asks `authorize`; nothing else decides access. A read of
one record passes the record (its confidentiality) as the resource, and the policy turns it into
the action that level needs: reading a confidential record is `document.read_confidential`, and
such an access must be justified with a reason and is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from gawah.store.vocab import Confidentiality, Role


class Action(StrEnum):
    """What a person can ask to do. Values are stable: API token scopes name them."""

    DOCUMENT_READ = "document.read"
    DOCUMENT_READ_RESTRICTED = "document.read_restricted"
    DOCUMENT_READ_CONFIDENTIAL = "document.read_confidential"
    EVIDENCE_DOWNLOAD = "evidence.download"
    EVIDENCE_INGEST = "evidence.ingest"
    EVIDENCE_CUSTODY = "evidence.custody"
    EVIDENCE_VERIFY = "evidence.verify"
    EVIDENCE_EXPORT = "evidence.export"
    FACT_EXTRACT = "fact.extract"
    INCIDENT_REVIEW = "incident.review"
    INCIDENT_EDIT = "incident.edit"
    LEGAL_ASSESS = "legal.assess"
    ANALYSIS_RUN = "analysis.run"
    USER_MANAGE = "user.manage"
    AUDIT_READ = "audit.read"
    WORKSPACE_ADMIN = "workspace.admin"
    # Signing in and out, changing one's own password and second factor.
    ACCOUNT_SELF = "account.self"


ACTION_DESCRIPTIONS: dict[Action, str] = {
    Action.DOCUMENT_READ: "read public documents, facts and counts",
    Action.DOCUMENT_READ_RESTRICTED: "read restricted records (the default level)",
    Action.DOCUMENT_READ_CONFIDENTIAL: "read confidential records (a reason is asked and audited)",
    Action.EVIDENCE_DOWNLOAD: "download a preserved original file",
    Action.EVIDENCE_INGEST: "ingest files into the vault",
    Action.EVIDENCE_CUSTODY: "record a custody event, prove ledger entries",
    Action.EVIDENCE_VERIFY: "verify the vault and ledger, evidence bundles",
    Action.EVIDENCE_EXPORT: "export evidence bundles",
    Action.FACT_EXTRACT: "run extraction of candidate facts",
    Action.INCIDENT_REVIEW: "accept or reject candidate facts",
    Action.INCIDENT_EDIT: "edit incidents, persons and cases",
    Action.LEGAL_ASSESS: "record a legal assessment of an act's elements (notes, evidence links)",
    Action.ANALYSIS_RUN: "run counts, estimation and record linkage",
    Action.USER_MANAGE: "add, disable and reset users and tokens",
    Action.AUDIT_READ: "read the audit trail",
    Action.WORKSPACE_ADMIN: "create, migrate and serve the workspace",
    Action.ACCOUNT_SELF: "sign in and out, change one's own password and second factor",
}

_READERS = frozenset({Action.DOCUMENT_READ, Action.ACCOUNT_SELF})
_RESTRICTED = _READERS | {
    Action.DOCUMENT_READ_RESTRICTED,
    Action.EVIDENCE_DOWNLOAD,
    Action.EVIDENCE_VERIFY,
    Action.ANALYSIS_RUN,
}

# The one table. Confidential records: the people who work with witnesses and for courts.
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.INVESTIGATOR: _RESTRICTED
    | {
        Action.DOCUMENT_READ_CONFIDENTIAL,
        Action.EVIDENCE_INGEST,
        Action.EVIDENCE_CUSTODY,
        Action.EVIDENCE_EXPORT,
        Action.FACT_EXTRACT,
        Action.INCIDENT_REVIEW,
        Action.INCIDENT_EDIT,
    },
    Role.ANALYST: _RESTRICTED | {Action.FACT_EXTRACT, Action.INCIDENT_REVIEW, Action.INCIDENT_EDIT},
    Role.LEGAL: _RESTRICTED
    | {
        Action.DOCUMENT_READ_CONFIDENTIAL,
        Action.EVIDENCE_CUSTODY,
        Action.EVIDENCE_EXPORT,
        Action.LEGAL_ASSESS,
    },
    Role.VIEWER: _READERS,
}

# The action that reading a record of each level needs.
READ_ACTION: dict[Confidentiality, Action] = {
    Confidentiality.PUBLIC: Action.DOCUMENT_READ,
    Confidentiality.RESTRICTED: Action.DOCUMENT_READ_RESTRICTED,
    Confidentiality.CONFIDENTIAL: Action.DOCUMENT_READ_CONFIDENTIAL,
}


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user (through a browser session, an API token or the command line) or nobody.

    `scopes` narrows a token to some actions; None means the role's actions, unnarrowed.
    """

    username: str
    role: Role | None
    user_id: int | None = None
    channel: str = "web"
    scopes: frozenset[Action] | None = None

    @property
    def authenticated(self) -> bool:
        return self.role is not None


ANONYMOUS = Principal(username="anonymous", role=None)


@dataclass(frozen=True)
class Resource:
    """What is asked about: a record named by type and id, with its confidentiality."""

    kind: str
    id: int | None = None
    confidentiality: str = Confidentiality.RESTRICTED.value


@dataclass(frozen=True)
class Decision:
    """The answer, with the action finally weighed and why; `needs_reason` for confidential reads."""

    allowed: bool
    action: Action
    why: str
    needs_reason: bool = False
    audited: bool = field(default=False)

    def __bool__(self) -> bool:
        return self.allowed


def role_allows(role: Role | None, action: Action) -> bool:
    return role is not None and action in ROLE_ACTIONS[role]


def _level(value: str) -> Confidentiality:
    try:
        return Confidentiality(value)
    except ValueError:
        # An unknown level is treated as the strictest, never as public.
        return Confidentiality.CONFIDENTIAL


def authorize(principal: Principal, action: Action, resource: Resource | None = None) -> Decision:
    """May `principal` do `action` (on `resource`)? Reads of a record weigh its confidentiality."""
    weighed = action
    confidential = False
    if resource is not None and action is Action.DOCUMENT_READ:
        level = _level(resource.confidentiality)
        weighed = READ_ACTION[level]
        confidential = level is Confidentiality.CONFIDENTIAL
    if not principal.authenticated:
        return Decision(False, weighed, "not signed in")
    if principal.scopes is not None and weighed not in principal.scopes:
        return Decision(False, weighed, f"the token's scopes do not include {weighed.value}")
    if not role_allows(principal.role, weighed):
        return Decision(False, weighed, f"the {principal.role} role may not {weighed.value}")
    return Decision(True, weighed, "allowed", needs_reason=confidential, audited=confidential)


def visible_levels(principal: Principal) -> tuple[str, ...]:
    """The confidentiality levels whose rows `principal` may see: the filter for every listing."""
    return tuple(
        level.value
        for level in Confidentiality
        if authorize(principal, Action.DOCUMENT_READ, Resource("any", None, level.value)).allowed
    )


def parse_scopes(values: Iterable[str]) -> frozenset[Action]:
    """Token scopes from their names; ValueError names an unknown one."""
    scopes: set[Action] = set()
    for value in values:
        try:
            scopes.add(Action(value.strip()))
        except ValueError:
            known = ", ".join(a.value for a in Action)
            raise ValueError(f"unknown scope {value!r}; one of {known}") from None
    return frozenset(scopes)


def roles_table_markdown() -> str:
    """The role × action table as Markdown, generated from ROLE_ACTIONS (docs/roles.md is this)."""
    roles = list(Role)
    lines = [
        "| action | what it allows | " + " | ".join(r.value for r in roles) + " |",
        "|---|---|" + "---|" * len(roles),
    ]
    for action in Action:
        marks = " | ".join("yes" if action in ROLE_ACTIONS[r] else "—" for r in roles)
        lines.append(f"| `{action.value}` | {ACTION_DESCRIPTIONS[action]} | {marks} |")
    return "\n".join(lines)


def roles_document() -> str:
    """docs/roles.md: the table with a short explanation of how it is applied."""
    return (
        "# Roles and actions\n\n"
        "Generated from `src/gawah/security/policy.py` by `gawah users roles --markdown`; "
        "`tests/security/test_policy.py` fails when this file and the policy differ.\n\n"
        "Every web page, API route and command asks `authorize(principal, action, resource)` and "
        "nothing else decides access. A record's confidentiality chooses the read action: public "
        "rows need `document.read`, restricted rows `document.read_restricted`, confidential rows "
        "`document.read_confidential` (the interface asks why, and the access is written to the "
        "audit trail, itself in the ledger). An API token carries scopes: it may do what both its "
        "scopes and its user's role allow.\n\n" + roles_table_markdown() + "\n"
    )
