"""Claims set against incidents: links kept as audited changes, a dossier with evidence on each side."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner, Result

from gawah.cli import app as gawah_app
from gawah.registry import claims
from gawah.registry.changes import NotFound, RegistryError, deciding, diff, history
from gawah.security.accounts import add_user
from gawah.store.engine import transaction
from gawah.store.models import Claim, Document, Incident, LedgerEntry
from gawah.store.vocab import Role
from gawah.workspace import Workspace
from tests.registry.conftest import NEWS_TEXT, Reports

ALL = ("public", "restricted", "confidential")
RESTRICTED = ("public", "restricted")
DENIAL = "No former soldier has been detained in Baghlan."


def _denial(workspace: Workspace, **extra: object) -> int:
    with deciding(workspace.sessions) as s:
        doc_id = s.scalar(select(Document.id).where(Document.text == NEWS_TEXT))
        claim = claims.create_claim(
            s,
            "analyst-a",
            speaker="Invented Spokesman",
            affiliation="Taliban",
            stance="denial",
            quote=DENIAL,
            stated_on=dt.date(2023, 3, 10),
            document_id=doc_id,
            **extra,  # type: ignore[arg-type]
        )
        return claim.id


def test_a_claim_is_set_against_the_incidents_on_each_side(workspace: Workspace, reports: Reports) -> None:
    claim_id = _denial(workspace)
    with deciding(workspace.sessions) as s:
        claims.link(s, claim_id, reports.ngo_incident, "contradicts", "analyst-a", note="detentions reported")
        claims.link(s, claim_id, reports.other_incident, "supports", "analyst-a")
        with pytest.raises(RegistryError, match="already linked"):
            claims.link(s, claim_id, reports.ngo_incident, "contradicts", "analyst-a")
        with pytest.raises(RegistryError, match="contradicts or supports"):
            claims.link(s, claim_id, reports.news_incident, "refutes", "analyst-a")
        with pytest.raises(NotFound):
            claims.link(s, claim_id, 9999, "supports", "analyst-a")
    with workspace.sessions() as s:
        page = claims.dossier(s, claim_id, ALL)
    assert (page["speaker"], page["stance"], page["stated_on"]) == (
        "Invented Spokesman",
        "denial",
        "2023-03-10",
    )
    assert page["document"]["title"] == "News article" and page["document"]["source_name"] == "Invented Daily"
    [against] = page["contradicts"]
    assert against["incident_id"] == reports.ngo_incident and against["status"] == "reported"
    assert [a["violation"] for a in against["acts"]] == ["arbitrary_detention"]
    assert against["acts"][0]["count"] == {"value": 14, "qualifier": "at_least", "unit": None}
    assert against["acts"][0]["quotes"][0]["quote"] == "detained at least 14 former soldiers"
    assert [p["name"] for p in against["places"]] == ["Khinjan"]
    assert [r["source_name"] for r in against["reports"]] == ["Invented Rights Watch"]
    assert [i["incident_id"] for i in page["supports"]] == [reports.other_incident]

    # Changing the side is a change too; unlinking keeps the link in the history.
    with deciding(workspace.sessions) as s:
        claims.link(s, claim_id, reports.other_incident, "contradicts", "analyst-b")
        claims.unlink(s, claim_id, reports.ngo_incident, "analyst-b", note="wrong district")
        with pytest.raises(NotFound):
            claims.unlink(s, claim_id, reports.ngo_incident, "analyst-b")
    with workspace.sessions() as s:
        page = claims.dossier(s, claim_id, ALL)
        assert [i["incident_id"] for i in page["contradicts"]] == [reports.other_incident]
        assert page["supports"] == []
        changes = history(s, "claim", claim_id)
        assert [(c.action, c.actor) for c in changes] == [
            ("create", "analyst-a"),
            ("link_incident", "analyst-a"),
            ("link_incident", "analyst-a"),
            ("relink_incident", "analyst-b"),
            ("unlink_incident", "analyst-b"),
        ]
        assert [(d.path, d.old, d.new) for d in diff(changes[3].before, changes[3].after)] == [
            (f"incidents[{reports.other_incident}].relation", "supports", "contradicts")
        ]
        assert changes[4].note == "wrong district"
        # Each change is a ledger entry.
        ledgered = s.scalars(
            select(LedgerEntry.subject_id).where(LedgerEntry.subject_type == "registry_change")
        ).all()
        assert {c.id for c in changes} <= set(ledgered)


def test_listing_filters_and_hides_what_the_reader_may_not_see(
    workspace: Workspace, reports: Reports
) -> None:
    open_id = _denial(workspace, confidentiality="public")
    secret_id = _denial(workspace, confidentiality="confidential")
    with deciding(workspace.sessions) as s:
        other = claims.create_claim(
            s, "a", speaker="Invented Minister", quote="All are safe.", stance="assurance"
        )
        claims.link(s, open_id, reports.ngo_incident, "contradicts", "a")
        claims.link(s, secret_id, reports.news_incident, "contradicts", "a")
        with pytest.raises(NotFound):
            claims.link(s, secret_id, reports.ngo_incident, "supports", "a", levels=RESTRICTED)
    with workspace.sessions() as s:
        total, rows = claims.list_claims(s, ALL)
        assert total == 3
        assert {r["id"]: r["contradicting"] for r in rows} == {open_id: 1, secret_id: 1, other.id: 0}
        assert [r["id"] for r in claims.list_claims(s, RESTRICTED)[1]] == [open_id, other.id]
        assert [r["id"] for r in claims.list_claims(s, ALL, stance="assurance")[1]] == [other.id]
        assert [r["id"] for r in claims.list_claims(s, ALL, speaker="minister")[1]] == [other.id]
        assert {r["id"] for r in claims.list_claims(s, ALL, speaker="taliban")[1]} == {open_id, secret_id}
        assert [r["id"] for r in claims.list_claims(s, ALL, incident_id=reports.ngo_incident)[1]] == [open_id]
        with pytest.raises(NotFound):
            claims.dossier(s, secret_id, RESTRICTED)
    # An incident above the reader's level is left out of the dossier, and its link is not counted.
    with workspace.sessions.begin() as s:
        s.execute(
            update(Incident).where(Incident.id == reports.ngo_incident).values(confidentiality="confidential")
        )
    with workspace.sessions() as s:
        assert claims.dossier(s, open_id, RESTRICTED)["contradicts"] == []
        assert len(claims.dossier(s, open_id, ALL)["contradicts"]) == 1
        assert claims.list_claims(s, RESTRICTED, speaker="spokesman")[1][0]["contradicting"] == 0
    # A merged report's claims are found from the incident it joined.
    with workspace.sessions.begin() as s:
        s.execute(
            update(Incident)
            .where(Incident.id == reports.news_incident)
            .values(merged_into_id=reports.ngo_incident)
        )
    with workspace.sessions() as s:
        found = claims.list_claims(s, ALL, incident_id=reports.ngo_incident)[1]
        assert {r["id"] for r in found} == {open_id, secret_id}


def test_a_claim_by_hand_is_checked_and_accepted(workspace: Workspace, reports: Reports) -> None:
    with deciding(workspace.sessions) as s:
        with pytest.raises(RegistryError, match="speaker"):
            claims.create_claim(s, "a", speaker=" ", quote="x")
        with pytest.raises(RegistryError, match="stance"):
            claims.create_claim(s, "a", speaker="X", quote="x", stance="rumour")
        with pytest.raises(NotFound):
            claims.create_claim(s, "a", speaker="X", quote="x", document_id=9999)
        made = claims.create_claim(
            s, "a", speaker="X", quote="An amnesty was declared for all.", stance="assurance"
        )
        claim_id = made.id
    with workspace.sessions() as s:
        claim = s.get(Claim, claim_id)
        assert claim is not None and claim.review_status == "accepted" and claim.reviewed_at is not None
        assert claims.dossier(s, claim_id, ALL)["document"] is None


def _cli(workspace: Workspace, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(gawah_app, [*args, "--workspace", str(workspace.settings.root)], env=env)


def test_the_command_line_lists_shows_and_links(workspace: Workspace, reports: Reports) -> None:
    made = _cli(workspace, "claims", "add", "--speaker", "Invented Spokesman", "--quote", DENIAL,
                "--stance", "denial", "--stated-on", "2023-03-10", "--actor", "analyst-a")  # fmt: skip
    assert made.exit_code == 0, made.output
    claim_id = int(made.stdout.split()[1])
    linked = _cli(
        workspace, "claims", "link", str(claim_id), str(reports.ngo_incident), "--relation", "contradicts"
    )
    assert linked.exit_code == 0, linked.output
    wrong = _cli(
        workspace, "claims", "link", str(claim_id), str(reports.ngo_incident), "--relation", "refutes"
    )
    assert wrong.exit_code == 2
    listed = json.loads(_cli(workspace, "claims", "list", "--format", "json").stdout)
    assert [(c["id"], c["contradicting"]) for c in listed] == [(claim_id, 1)]
    shown = json.loads(_cli(workspace, "claims", "show", str(claim_id), "--format", "json").stdout)
    assert [e["incident_id"] for e in shown["contradicts"]] == [reports.ngo_incident]
    table = _cli(workspace, "claims", "show", str(claim_id))
    assert (
        table.exit_code == 0 and "Evidence that contradicts it" in table.stdout and "Khinjan" in table.stdout
    )
    missing = _cli(workspace, "claims", "unlink", str(claim_id), str(reports.news_incident))
    assert missing.exit_code == 2 and "not linked" in missing.output
    # The command line asks the same policy: a viewer may not link.
    with transaction(workspace.sessions) as s:
        add_user(s, "viewer-v", Role.VIEWER, "correct horse battery staple")
    refused = _cli(workspace, "claims", "link", str(claim_id), str(reports.news_incident), "--relation",
                   "supports", env={"GAWAH_USER": "viewer-v"})  # fmt: skip
    assert refused.exit_code == 3
    with workspace.sessions() as s:
        assert [c.action for c in history(s, "claim", claim_id)] == ["create", "link_incident"]
