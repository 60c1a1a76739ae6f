"""The policy on its own: the role × action table, confidentiality levels, token scopes, docs/roles.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from gawah.security.policy import (
    ANONYMOUS,
    ROLE_ACTIONS,
    Action,
    Principal,
    Resource,
    authorize,
    parse_scopes,
    roles_document,
    visible_levels,
)
from gawah.store.vocab import Role

REPO = Path(__file__).resolve().parents[2]


def who(role: Role, scopes: frozenset[Action] | None = None) -> Principal:
    return Principal(username=f"{role.value}-user", role=role, user_id=1, scopes=scopes)


@pytest.mark.parametrize(
    ("role", "levels"),
    [
        (Role.VIEWER, ("public",)),
        (Role.ANALYST, ("public", "restricted")),
        (Role.INVESTIGATOR, ("public", "restricted", "confidential")),
        (Role.LEGAL, ("public", "restricted", "confidential")),
        (Role.ADMIN, ("public", "restricted", "confidential")),
    ],
)
def test_each_role_sees_its_levels(role: Role, levels: tuple[str, ...]) -> None:
    assert visible_levels(who(role)) == levels


def test_nobody_signed_in_may_do_nothing() -> None:
    assert visible_levels(ANONYMOUS) == ()
    for action in Action:
        decision = authorize(ANONYMOUS, action)
        assert not decision and decision.why == "not signed in"


def test_reading_a_record_weighs_its_confidentiality() -> None:
    confidential = Resource("document", 7, "confidential")
    decision = authorize(who(Role.LEGAL), Action.DOCUMENT_READ, confidential)
    assert decision.allowed and decision.needs_reason and decision.action is Action.DOCUMENT_READ_CONFIDENTIAL
    refused = authorize(who(Role.ANALYST), Action.DOCUMENT_READ, confidential)
    assert not refused and "analyst" in refused.why
    public = authorize(who(Role.VIEWER), Action.DOCUMENT_READ, Resource("document", 8, "public"))
    assert public.allowed and not public.needs_reason
    assert not authorize(who(Role.VIEWER), Action.DOCUMENT_READ, Resource("document", 9, "restricted"))


def test_an_unknown_level_counts_as_confidential() -> None:
    odd = Resource("document", 1, "secret-ish")
    assert not authorize(who(Role.ANALYST), Action.DOCUMENT_READ, odd)
    assert authorize(who(Role.ADMIN), Action.DOCUMENT_READ, odd).needs_reason


def test_token_scopes_narrow_the_role_and_never_widen_it() -> None:
    reader = who(Role.ADMIN, frozenset({Action.DOCUMENT_READ}))
    assert authorize(reader, Action.DOCUMENT_READ)
    assert not authorize(reader, Action.USER_MANAGE)
    # Restricted rows need their own scope, even for an administrator's token.
    assert visible_levels(reader) == ("public",)
    viewer = who(Role.VIEWER, frozenset(Action))
    assert not authorize(viewer, Action.EVIDENCE_INGEST)


def test_the_table_is_what_the_issue_asks() -> None:
    assert ROLE_ACTIONS[Role.ADMIN] == frozenset(Action)
    only_admin = {Action.USER_MANAGE, Action.AUDIT_READ, Action.WORKSPACE_ADMIN}
    for role in Role:
        for action in only_admin:
            assert (action in ROLE_ACTIONS[role]) == (role is Role.ADMIN)
    assert Action.EVIDENCE_INGEST not in ROLE_ACTIONS[Role.ANALYST]
    assert Action.EVIDENCE_EXPORT in ROLE_ACTIONS[Role.LEGAL]


def test_parse_scopes_names_an_unknown_scope() -> None:
    assert parse_scopes(["document.read", " audit.read"]) == {Action.DOCUMENT_READ, Action.AUDIT_READ}
    with pytest.raises(ValueError, match=r"unknown scope 'documents\.read'"):
        parse_scopes(["documents.read"])


def test_docs_roles_md_is_generated_from_the_policy() -> None:
    written = (REPO / "docs" / "roles.md").read_text(encoding="utf-8")
    assert written == roles_document(), "regenerate: gawah users roles --markdown > docs/roles.md"
    for action in Action:
        assert f"`{action.value}`" in written
