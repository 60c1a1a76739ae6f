"""The Berkeley Protocol's three verification strands, recorded apart: every assessment is a ledger
entry that `gawah verify` recomputes, a later view is a new row, and only roles that may record
custody may record one; the item page shows the strands with their history, in Dari too."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from gawah.cli import app
from gawah.ingest.pipeline import Ingestor
from gawah.store.engine import transaction
from gawah.store.models import Assessment, EvidenceItem, LedgerEntry
from gawah.store.vocab import Role
from gawah.vault.assessment import (
    AssessmentError,
    assessments_of,
    by_strand,
    record_assessment,
    strands_agree,
)
from gawah.verification import verify_workspace
from gawah.workspace import Workspace
from tests.web.conftest import signed_in_client

runner = CliRunner()


def _item(ws: Workspace, folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "market-video-still.txt"
    path.write_text("Invented still from a video of the market road, taken at dusk.\n", encoding="utf-8")
    outcome = Ingestor(ws.sessions, ws.blobs, actor="intake-desk").ingest_file(path)
    with ws.sessions() as s:
        item_id = s.scalar(select(EvidenceItem.id).where(EvidenceItem.sha256 == outcome.sha256))
    assert item_id is not None
    return item_id


def _assess(ws: Workspace, item_id: int, strand: str, finding: str, **more: object) -> int:
    with transaction(ws.sessions) as s:
        item = s.get(EvidenceItem, item_id)
        assert item is not None
        row = record_assessment(
            s,
            item,
            strand=strand,
            finding=finding,
            assessor=str(more.pop("assessor", "analyst-a")),
            method=str(more.pop("method", "geolocation against satellite imagery")),
            **more,  # type: ignore[arg-type]
        )
        return row.id
    raise AssertionError("unreachable")


def _problems(ws: Workspace) -> list[str]:
    ws.sign_checkpoint()
    return [str(p) for p in verify_workspace(ws).problems]


def test_each_assessment_is_a_ledger_entry_and_verifies(workspace: Workspace, tmp_path: Path) -> None:
    item_id = _item(workspace, tmp_path / "files")
    first = _assess(workspace, item_id, "content", "inconclusive", tools=["Google Earth Pro 7.3.6"])
    second = _assess(workspace, item_id, "content", "consistent", confidence="high", notes="Minaret matches.")
    _assess(
        workspace, item_id, "technical", "consistent", method="reverse image search", tools=["InVID 0.75"]
    )
    with workspace.sessions() as s:
        entries = s.scalars(
            select(LedgerEntry.subject_id).where(LedgerEntry.subject_type == "assessment")
        ).all()
        rows = assessments_of(s, item_id)
    assert sorted(entries) == sorted(r.id for r in rows) and len(rows) == 3
    assert all(r.ledger_entry is not None for r in rows)
    views = by_strand(rows)
    assert [v.strand for v in views] == ["source", "technical", "content"]
    content = views[2]
    # The later view is the latest; the earlier stays in the history, not overwritten.
    assert content.latest is not None and content.latest.id == second
    assert [r.id for r in content.history] == [second, first]
    assert content.history[1].tools == ["Google Earth Pro 7.3.6"]
    assert views[0].latest is None
    assert strands_agree(views) is True
    assert _problems(workspace) == []


@pytest.mark.parametrize("column", ["finding", "notes", "assessor", "strand"])
def test_an_edited_assessment_row_is_caught(workspace: Workspace, tmp_path: Path, column: str) -> None:
    item_id = _item(workspace, tmp_path / "files")
    assessment_id = _assess(workspace, item_id, "source", "inconsistent", notes="Account created last week.")
    assert _problems(workspace) == []
    forged = {"finding": "consistent", "notes": "", "assessor": "someone else", "strand": "content"}[column]
    with transaction(workspace.sessions) as s:
        s.execute(update(Assessment).where(Assessment.id == assessment_id).values({column: forged}))
    problems = _problems(workspace)
    assert any(
        f"assessment #{assessment_id})" in p and "changed after it was recorded" in p for p in problems
    )


def test_a_deleted_or_inserted_assessment_is_caught(workspace: Workspace, tmp_path: Path) -> None:
    item_id = _item(workspace, tmp_path / "files")
    assessment_id = _assess(workspace, item_id, "technical", "consistent")
    with transaction(workspace.sessions) as s:
        # Inserted first, so that the database cannot hand the deleted row's id to it.
        s.add(Assessment(evidence_item_id=item_id, strand="content", finding="consistent", assessor="x"))
        s.flush()
        s.execute(delete(Assessment).where(Assessment.id == assessment_id))
    problems = _problems(workspace)
    assert any("the record it names was deleted" in p for p in problems)
    assert any(p.startswith("assessment #") and "not in the ledger" in p for p in problems)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"strand": "legal"}, "unknown strand"),
        ({"finding": "true"}, "unknown finding"),
        ({"confidence": "certain"}, "unknown confidence"),
        ({"assessor": " "}, "name of the analyst"),
        ({"method": ""}, "the method"),
    ],
)
def test_bad_assessments_are_refused(
    workspace: Workspace, tmp_path: Path, values: dict[str, str], message: str
) -> None:
    item_id = _item(workspace, tmp_path / "files")
    arguments = {"strand": "content", "finding": "consistent", **values}
    with pytest.raises(AssessmentError, match=message):
        _assess(workspace, item_id, **arguments)
    with workspace.sessions() as s:
        assert s.scalar(select(Assessment.id)) is None


def test_strands_that_disagree_are_shown_as_such(workspace: Workspace, tmp_path: Path) -> None:
    item_id = _item(workspace, tmp_path / "files")
    _assess(workspace, item_id, "source", "consistent")
    _assess(workspace, item_id, "technical", "inconclusive")
    with workspace.sessions() as s:
        assert strands_agree(by_strand(assessments_of(s, item_id))) is None
    _assess(workspace, item_id, "content", "inconsistent", method="shadow analysis")
    with workspace.sessions() as s:
        assert strands_agree(by_strand(assessments_of(s, item_id))) is False


def test_command_line_records_and_lists(workspace: Workspace, tmp_path: Path) -> None:
    item_id = _item(workspace, tmp_path / "files")
    root = str(workspace.settings.root)
    result = runner.invoke(
        app,
        [
            "evidence", "assess", str(item_id), "-w", root,
            "--strand", "technical", "--finding", "consistent",
            "--method", "reverse image search", "--tool", "InVID 0.75", "--tool", "exiftool 12.76",
            "--notes", "No earlier copy found.", "--confidence", "medium",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    refused = runner.invoke(
        app, ["evidence", "assess", str(item_id), "-w", root, "--strand", "x", "--finding", "consistent"]
    )
    assert refused.exit_code == 2 and "unknown strand" in refused.output
    listed = runner.invoke(app, ["evidence", "assessments", str(item_id), "-w", root, "--format", "json"])
    assert listed.exit_code == 0, listed.output
    data = json.loads(listed.output)
    assert data["strands"]["technical"]["latest"] == "consistent"
    assert data["strands"]["technical"]["history"][0]["tools"] == ["InVID 0.75", "exiftool 12.76"]
    assert data["strands"]["source"] == {"latest": None, "history": []}
    assert _problems(workspace) == []


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found[1]


def test_item_page_form_and_api(workspace: Workspace, tmp_path: Path) -> None:
    item_id = _item(workspace, tmp_path / "files")
    _assess(workspace, item_id, "content", "inconclusive", notes="Hills match; the road does not.")
    with signed_in_client(workspace, Role.LEGAL) as client:
        page = client.get(f"/evidence/{item_id}")
        assert page.status_code == 200
        assert 'id="verification-heading"' in page.text and "Hills match; the road does not." in page.text
        posted = client.post(
            f"/evidence/{item_id}/assessments",
            data={
                "csrf": _csrf(page.text),
                "strand": "source",
                "finding": "consistent",
                "method": "account history",
                "tools": "Wayback Machine\nWhoisology 2",
                "notes": "Posted by a local reporter with a long record.",
                "confidence": "high",
            },
            follow_redirects=False,
        )
        assert posted.status_code == 303, posted.text[:300]
        without_token = client.post(
            f"/evidence/{item_id}/assessments",
            data={"strand": "source", "finding": "consistent", "method": "x"},
            headers={"X-CSRF-Token": ""},
        )
        assert without_token.status_code in (400, 403)
        api = client.get(f"/api/evidence/{item_id}/assessments").json()
        assert api["strands"]["source"]["latest"] == "consistent"
        assert api["strands"]["source"]["history"][0]["tools"] == ["Wayback Machine", "Whoisology 2"]
        made = client.post(
            f"/api/evidence/{item_id}/assessments",
            json={
                "strand": "technical",
                "finding": "consistent",
                "method": "hash matching",
                "tools": ["sha256sum 9.4"],
            },
        )
        assert made.status_code == 201, made.text
        bad = client.post(
            f"/api/evidence/{item_id}/assessments", json={"strand": "legal", "finding": "consistent"}
        )
        assert bad.status_code == 422
    with signed_in_client(workspace, Role.ANALYST) as client:
        # An analyst reads the strands but may not record custody-level findings.
        assert client.get(f"/api/evidence/{item_id}/assessments").status_code == 200
        refused = client.post(
            f"/api/evidence/{item_id}/assessments",
            json={"strand": "content", "finding": "consistent", "method": "shadows"},
        )
        assert refused.status_code == 403
    with workspace.sessions() as s:
        rows = assessments_of(s, item_id)
    assert [r.strand for r in rows].count("source") == 1 and len(rows) == 3
    assert {r.assessor for r in rows if r.strand != "content"} == {rows[0].assessor}
    assert _problems(workspace) == []


def test_item_page_in_dari(workspace: Workspace, tmp_path: Path) -> None:
    item_id = _item(workspace, tmp_path / "files")
    _assess(workspace, item_id, "content", "consistent")
    with signed_in_client(workspace, Role.INVESTIGATOR) as client:
        page = client.get(f"/evidence/{item_id}?lang=fa")
        assert page.status_code == 200
        assert 'id="verification-heading"' in page.text
        assert 'lang="fa"' in page.text and "تحلیل محتوا" in page.text
