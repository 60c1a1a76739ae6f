"""Claims carry a version, as incidents do: a link, unlink, review or restore made on an older version
is refused and writes nothing; restoring a claim puts back exactly the links its snapshot records."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError
from typer.testing import CliRunner

from gawah.cli import app as gawah_app
from gawah.ledger.journal import verify_journal
from gawah.ledger.keys import load_private_key
from gawah.registry import claims, review
from gawah.registry.changes import (
    ConflictError,
    claim_snapshot,
    deciding,
    history,
    record,
    restore,
)
from gawah.store.models import Claim, ClaimIncident, LedgerEntry, RegistryChange
from gawah.store.vocab import Role
from gawah.workspace import Workspace
from tests.registry.conftest import Reports
from tests.web.conftest import signed_in_client

DENIAL = "No former soldier has been detained in Baghlan."


def _claim(workspace: Workspace) -> int:
    with deciding(workspace.sessions) as s:
        made = claims.create_claim(
            s, "analyst-a", speaker="Invented Spokesman", quote=DENIAL, stance="denial",
            stated_on=dt.date(2023, 3, 10),
        )  # fmt: skip
        return made.id


def _version(workspace: Workspace, claim_id: int) -> int:
    with workspace.sessions() as s:
        claim = s.get(Claim, claim_id)
        assert claim is not None
        return claim.version


def _links(workspace: Workspace, claim_id: int) -> dict[int, str]:
    with workspace.sessions() as s:
        rows = s.scalars(select(ClaimIncident).where(ClaimIncident.claim_id == claim_id))
        return {row.incident_id: row.relation for row in rows}


def _written(workspace: Workspace) -> tuple[int, int]:
    """How many registry changes and ledger entries there are."""
    with workspace.sessions() as s:
        changes = s.scalar(select(func.count()).select_from(RegistryChange))
        entries = s.scalar(select(func.count()).select_from(LedgerEntry))
        return int(changes or 0), int(entries or 0)


def _verify(workspace: Workspace) -> None:
    """`gawah verify` finds every ledger entry intact (the fixture's reports were stored as text
    only, so their files are reported missing: those are the only problems allowed here)."""
    checked = CliRunner().invoke(
        gawah_app, ["verify", "-w", str(workspace.settings.root), "--format", "json"]
    )
    report = json.loads(checked.stdout)
    assert [p for p in report["problems"] if "stored file is missing" not in p["detail"]] == []
    assert report["entries_checked"] == _written(workspace)[1]
    key = load_private_key(workspace.settings.signing_key_path).public_key()
    with workspace.sessions() as s:
        assert list(verify_journal(s, key, workspace.settings.log_origin)) == []


def test_each_change_moves_the_version_on_and_a_stale_one_is_refused(
    workspace: Workspace, reports: Reports
) -> None:
    claim_id = _claim(workspace)
    assert _version(workspace, claim_id) == 1
    with deciding(workspace.sessions) as s:
        claims.link(s, claim_id, reports.ngo_incident, "contradicts", "analyst-a", expected_version=1)
    assert _version(workspace, claim_id) == 2
    # Two changes in one transaction move it on twice.
    with deciding(workspace.sessions) as s:
        claims.link(s, claim_id, reports.other_incident, "supports", "analyst-a", expected_version=2)
        claims.link(s, claim_id, reports.other_incident, "contradicts", "analyst-a", expected_version=3)
    assert _version(workspace, claim_id) == 4
    links = _links(workspace, claim_id)
    written = _written(workspace)

    # Analyst B opened the claim at version 2: each of their decisions is refused, naming the claim.
    stale = re.escape(f"claim {claim_id} was changed by someone else")
    with deciding(workspace.sessions) as s, pytest.raises(ConflictError, match=stale):
        claims.link(s, claim_id, reports.news_incident, "supports", "analyst-b", expected_version=2)
    with deciding(workspace.sessions) as s, pytest.raises(ConflictError, match="at version 4"):
        claims.unlink(s, claim_id, reports.ngo_incident, "analyst-b", expected_version=2)
    with deciding(workspace.sessions) as s, pytest.raises(ConflictError, match=stale):
        review.reject(s, "claim", claim_id, "analyst-b", expected_version=2)
    # Nothing of theirs was written: no link, no change, no ledger entry, no new version.
    assert _links(workspace, claim_id) == links
    assert _written(workspace) == written
    assert _version(workspace, claim_id) == 4
    with workspace.sessions() as s:
        claim = s.get(Claim, claim_id)
        assert claim is not None and claim.review_status == "accepted"

    # With the current version the same decisions go through.
    with deciding(workspace.sessions) as s:
        claims.unlink(s, claim_id, reports.ngo_incident, "analyst-b", expected_version=4)
        review.reject(s, "claim", claim_id, "analyst-b", expected_version=5)
    assert _version(workspace, claim_id) == 6
    assert _links(workspace, claim_id) == {reports.other_incident: "contradicts"}
    _verify(workspace)


def test_two_transactions_in_flight_on_one_claim_do_not_both_pass(
    workspace: Workspace, reports: Reports
) -> None:
    claim_id = _claim(workspace)
    first = workspace.sessions()
    second = workspace.sessions()
    try:
        # Both analysts open the claim (held, as a form holds what it showed); the first links;
        # the second's link finds it moved on.
        opened = [session.get(Claim, claim_id) for session in (first, second)]
        assert [c.version for c in opened if c is not None] == [1, 1]
        claims.link(first, claim_id, reports.ngo_incident, "contradicts", "analyst-a")
        first.commit()
        with pytest.raises(StaleDataError):
            claims.link(second, claim_id, reports.news_incident, "supports", "analyst-b")
            second.commit()
        second.rollback()
    finally:
        first.close()
        second.close()
    assert _links(workspace, claim_id) == {reports.ngo_incident: "contradicts"}
    assert _version(workspace, claim_id) == 2


def test_restore_puts_back_exactly_the_links_of_the_snapshot(workspace: Workspace, reports: Reports) -> None:
    claim_id = _claim(workspace)
    with deciding(workspace.sessions) as s:
        claims.link(s, claim_id, reports.ngo_incident, "contradicts", "analyst-a")
        kept = claims.link(s, claim_id, reports.other_incident, "supports", "analyst-a").id
    # Later: one link removed, one moved to the other side, one added.
    with deciding(workspace.sessions) as s:
        claims.unlink(s, claim_id, reports.ngo_incident, "analyst-b")
        claims.link(s, claim_id, reports.other_incident, "contradicts", "analyst-b")
        claims.link(s, claim_id, reports.news_incident, "supports", "analyst-b")
    assert _links(workspace, claim_id) == {
        reports.other_incident: "contradicts",
        reports.news_incident: "supports",
    }
    version = _version(workspace, claim_id)
    written = _written(workspace)

    # A restore made on an older version is refused and writes nothing.
    with deciding(workspace.sessions) as s, pytest.raises(ConflictError, match=f"claim {claim_id}"):
        restore(s, kept, "analyst-c", which="after", expected_version=version - 1)
    assert _written(workspace) == written

    with deciding(workspace.sessions) as s:
        restored = restore(s, kept, "analyst-c", which="after", expected_version=version)
        restored_id = restored.id
    assert _links(workspace, claim_id) == {
        reports.ngo_incident: "contradicts",
        reports.other_incident: "supports",
    }
    assert _version(workspace, claim_id) == version + 1
    with workspace.sessions() as s:
        change = s.get(RegistryChange, restored_id)
        assert change is not None and change.action == "restore" and change.actor == "analyst-c"
        assert change.after is not None and change.after["incidents"] == [
            {"id": i, "relation": r}
            for i, r in sorted(
                {reports.ngo_incident: "contradicts", reports.other_incident: "supports"}.items()
            )
        ]
        assert [c.action for c in history(s, "claim", claim_id)][-1] == "restore"
        ledgered = s.scalars(
            select(LedgerEntry.subject_id).where(LedgerEntry.subject_type == "registry_change")
        ).all()
        assert restored_id in ledgered

    # The claim as it was created had no link: restoring that removes them all.
    with workspace.sessions() as s:
        created = history(s, "claim", claim_id)[0].id
    with deciding(workspace.sessions) as s:
        restore(s, created, "analyst-c", which="after")
    assert _links(workspace, claim_id) == {}
    _verify(workspace)


def test_a_snapshot_without_links_leaves_the_links_as_they_are(
    workspace: Workspace, reports: Reports
) -> None:
    claim_id = _claim(workspace)
    with deciding(workspace.sessions) as s:
        claims.link(s, claim_id, reports.ngo_incident, "contradicts", "analyst-a")
        claim = s.get(Claim, claim_id)
        assert claim is not None
        # As changes written before claims kept their links did: the fields alone.
        old = claim_snapshot(claim) | {"speaker": "Invented Minister"}
        change_id = record(s, "claim", claim_id, "edit", "analyst-a", old, claim_snapshot(claim)).id
    with deciding(workspace.sessions) as s:
        restore(s, change_id, "analyst-b")
    assert _links(workspace, claim_id) == {reports.ngo_incident: "contradicts"}
    with workspace.sessions() as s:
        claim = s.get(Claim, claim_id)
        assert claim is not None and claim.speaker == "Invented Minister"


def test_the_api_form_and_command_line_carry_the_version(workspace: Workspace, reports: Reports) -> None:
    claim_id = _claim(workspace)
    with signed_in_client(workspace, Role.ANALYST) as client:
        shown = client.get(f"/api/claims/{claim_id}").json()
        assert shown["version"] == 1
        linked = client.post(f"/api/claims/{claim_id}/links",
                             json={"incident_id": reports.ngo_incident, "relation": "contradicts", "version": 1})  # fmt: skip
        assert linked.status_code == 200 and linked.json()["version"] == 2
        written = _written(workspace)
        stale = client.post(f"/api/claims/{claim_id}/links",
                            json={"incident_id": reports.news_incident, "relation": "supports", "version": 1})  # fmt: skip
        assert stale.status_code == 409 and f"claim {claim_id}" in stale.json()["detail"]
        stale_unlink = client.post(f"/api/claims/{claim_id}/links",
                                   json={"incident_id": reports.ngo_incident, "unlink": True, "version": 1})  # fmt: skip
        assert stale_unlink.status_code == 409
        assert _written(workspace) == written
        # The page's forms carry the version they were shown with; a stale form is a 409 page.
        page = client.get(f"/claims/{claim_id}").text
        assert 'name="version" value="2"' in page
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token
        form = {"incident_id": str(reports.news_incident), "relation": "supports", "csrf": token[1]}
        refused = client.post(f"/claims/{claim_id}/links", data=form | {"version": "1"})
        assert refused.status_code == 409 and "changed by someone else" in refused.text
        done = client.post(f"/claims/{claim_id}/links", data=form | {"version": "2"}, follow_redirects=False)
        assert done.status_code == 303
    assert _links(workspace, claim_id) == {
        reports.ngo_incident: "contradicts",
        reports.news_incident: "supports",
    }

    def cli(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(gawah_app, [*args, "--workspace", str(workspace.settings.root)])
        return result.exit_code, result.output

    code, out = cli("claims", "unlink", str(claim_id), str(reports.news_incident), "--version", "2")
    assert code == 2 and f"claim {claim_id} was changed" in out
    code, out = cli("claims", "unlink", str(claim_id), str(reports.news_incident), "--version", "3")
    assert code == 0 and "claim version 4" in out
    assert _links(workspace, claim_id) == {reports.ngo_incident: "contradicts"}

    # The history names each change; restoring the claim as it was before the unlink brings the
    # link back, on a current version only, and only from a change to a claim.
    code, out = cli("claims", "history", str(claim_id), "--format", "json")
    changes = json.loads(out)
    assert [c["action"] for c in changes] == ["create", "link_incident", "link_incident", "unlink_incident"]
    assert changes[-1]["diff"] == [
        {
            "field": f"incidents[{reports.news_incident}]",
            "old": {"id": reports.news_incident, "relation": "supports"},
            "new": None,
        }
    ]
    unlinked = str(changes[-1]["change"])
    code, out = cli("claims", "restore", unlinked, "--version", "3")
    assert code == 2 and "changed by someone else" in out
    code, out = cli("claims", "restore", unlinked, "--version", "4")
    assert code == 0 and "claim version 5" in out
    assert _links(workspace, claim_id) == {
        reports.ngo_incident: "contradicts",
        reports.news_incident: "supports",
    }
    with deciding(workspace.sessions) as s:
        review.accept(s, "act", reports.ngo_act, "analyst-a")
    with workspace.sessions() as s:
        incident_change = history(s, "incident", reports.ngo_incident)[-1].id
    code, out = cli("claims", "restore", str(incident_change))
    assert code == 2 and "to a claim" in out
    _verify(workspace)


def test_the_review_queue_sends_the_claims_version(workspace: Workspace, reports: Reports) -> None:
    claim_id = _claim(workspace)
    with deciding(workspace.sessions) as s:
        claim = s.get(Claim, claim_id)
        assert claim is not None
        claim.review_status = "candidate"  # as extraction proposes it
    version = _version(workspace, claim_id)
    with workspace.sessions() as s:
        item = next(i for i in review.queue(s, kind="claim") if i.id == claim_id)
    assert item.version == version
    with signed_in_client(workspace, Role.ANALYST) as client:
        page = client.get("/review")
        form = re.search(rf'action="/review/claim/{claim_id}".*?</form>', page.text, re.S)
        assert form and f'name="version" value="{version}"' in form[0]
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token
        api = client.get("/api/review").json()
        assert next(i for i in api if i["kind"] == "claim" and i["id"] == claim_id)["version"] == version
        stale = client.post(
            f"/review/claim/{claim_id}",
            data={"decision": "accept", "csrf": token[1], "version": str(version - 1)},
            follow_redirects=False,
        )
        assert stale.status_code == 409
        accepted = client.post(
            f"/review/claim/{claim_id}",
            data={"decision": "accept", "csrf": token[1], "version": str(version)},
            follow_redirects=False,
        )
        assert accepted.status_code == 303


def test_the_claim_page_restores_a_version_with_its_links(workspace: Workspace, reports: Reports) -> None:
    claim_id = _claim(workspace)
    with deciding(workspace.sessions) as s:
        claims.link(s, claim_id, reports.ngo_incident, "contradicts", "analyst-a")
    with deciding(workspace.sessions) as s:
        claims.link(s, claim_id, reports.news_incident, "supports", "analyst-a")
    with workspace.sessions() as s:
        second_link = history(s, "claim", claim_id)[-1].id
    version = _version(workspace, claim_id)
    with signed_in_client(workspace, Role.ANALYST) as client:
        page = client.get(f"/claims/{claim_id}").text
        assert f'action="/claims/{claim_id}/restore"' in page and f'name="change_id" value="{second_link}"' in page
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token
        form = {"change_id": str(second_link), "csrf": token[1]}
        stale = client.post(f"/claims/{claim_id}/restore", data=form | {"version": str(version - 1)})
        assert stale.status_code == 409
        assert _links(workspace, claim_id) == {reports.ngo_incident: "contradicts", reports.news_incident: "supports"}
        done = client.post(
            f"/claims/{claim_id}/restore", data=form | {"version": str(version)}, follow_redirects=False
        )
        assert done.status_code == 303
        assert _links(workspace, claim_id) == {reports.ngo_incident: "contradicts"}
        # A change of another claim is not this page's to restore.
        other_claim = _claim(workspace)
        with workspace.sessions() as s:
            foreign_change = history(s, "claim", other_claim)[-1].id
        other = client.post(
            f"/claims/{claim_id}/restore",
            data={"change_id": str(foreign_change), "csrf": token[1], "version": str(version + 1)},
        )
        assert other.status_code == 404
    with signed_in_client(workspace, Role.VIEWER) as viewer:
        assert f"/claims/{claim_id}/restore" not in viewer.get(f"/claims/{claim_id}").text


def test_a_restore_that_would_link_an_incident_above_the_editor_is_refused(
    workspace: Workspace, reports: Reports
) -> None:
    from gawah.store.models import Incident

    claim_id = _claim(workspace)
    with deciding(workspace.sessions) as s:
        hidden = s.get(Incident, reports.news_incident)
        assert hidden is not None
        hidden.confidentiality = "confidential"
        claims.link(s, claim_id, reports.news_incident, "supports", "admin")
    with deciding(workspace.sessions) as s:
        claims.unlink(s, claim_id, reports.news_incident, "admin")
    with workspace.sessions() as s:
        unlinked = history(s, "claim", claim_id)[-1].id
    version = _version(workspace, claim_id)
    with signed_in_client(workspace, Role.ANALYST) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get(f"/claims/{claim_id}").text)
        assert token
        refused = client.post(
            f"/claims/{claim_id}/restore",
            data={"change_id": str(unlinked), "csrf": token[1], "version": str(version)},
        )
        assert refused.status_code == 400 and "above your level" in refused.text
    assert _links(workspace, claim_id) == {} and _version(workspace, claim_id) == version
