"""The evidence routes read an item through the shared `check_read`, then add the consent rule:
what each caller gets, what is audited, and how the JSON routes and forms answer a confidential item
asked for without a reason. Also: a replica copy shows in the custody table as "Copied"."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import select

from gawah.ingest.pipeline import Ingestor
from gawah.store.engine import transaction
from gawah.store.models import AuditEvent, EvidenceItem
from gawah.store.vocab import Role
from gawah.vault.replicas import FolderReplica, replicate
from gawah.vault.statement import record_statement, withdraw_consent
from gawah.web.evidence_routes import graphic_marks
from gawah.workspace import Workspace
from tests.web.conftest import signed_in_client

REASON_DETAIL = "a confidential record: give a reason (?reason=)"


def _item(ws: Workspace, folder: Path, name: str, level: str) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    path.write_text(f"Invented note {name}: a checkpoint on the road to Gardez.\n", encoding="utf-8")
    outcome = Ingestor(ws.sessions, ws.blobs, actor="intake-desk").ingest_file(path)
    with transaction(ws.sessions) as s:
        item = s.scalar(select(EvidenceItem).where(EvidenceItem.sha256 == outcome.sha256))
        assert item is not None
        item.confidentiality = level
        return item.id
    raise AssertionError("unreachable")


def _denials(ws: Workspace, item_id: int) -> list[AuditEvent]:
    with ws.sessions() as s:
        return list(
            s.scalars(
                select(AuditEvent).where(
                    AuditEvent.event == "access.denied",
                    AuditEvent.subject_type == "evidence_item",
                    AuditEvent.subject_id == item_id,
                )
            )
        )


def test_hidden_items_are_not_found_and_only_confidential_refusals_audited(
    workspace: Workspace, tmp_path: Path
) -> None:
    restricted = _item(workspace, tmp_path, "restricted", "restricted")
    secret = _item(workspace, tmp_path, "secret", "confidential")
    with signed_in_client(workspace, Role.VIEWER) as viewer:
        assert viewer.get(f"/evidence/{restricted}").status_code == 404
        hidden = viewer.get(f"/api/evidence/{restricted}/assessments")
        assert hidden.status_code == 404 and hidden.json()["detail"] == f"no evidence item {restricted}"
    with signed_in_client(workspace, Role.ANALYST) as analyst:
        refused = analyst.get(f"/api/evidence/{secret}/assessments")
        assert refused.status_code == 404 and refused.json()["detail"] == f"no evidence item {secret}"
    assert _denials(workspace, restricted) == []
    denied = _denials(workspace, secret)
    assert [(d.actor, d.action) for d in denied] == [("analyst-user", "document.read_confidential")]


def test_a_confidential_item_without_a_reason_on_the_api_and_the_forms(
    workspace: Workspace, tmp_path: Path
) -> None:
    secret = _item(workspace, tmp_path, "secret", "confidential")
    with signed_in_client(workspace, Role.INVESTIGATOR) as investigator:
        asked = investigator.get(f"/api/evidence/{secret}/assessments")
        assert asked.status_code == 403 and asked.json()["detail"] == REASON_DETAIL
        body = {"strand": "source", "finding": "consistent", "method": "called the sender back"}
        posted = investigator.post(f"/api/evidence/{secret}/assessments", json=body)
        assert posted.status_code == 403 and posted.json()["detail"] == REASON_DETAIL
        read = investigator.get(f"/api/evidence/{secret}/assessments?reason=checking+the+source")
        assert read.status_code == 200
        # A form without a reason goes back to the item page, which asks for one; nothing is marked.
        page = investigator.get(f"/evidence/{secret}?reason=marking")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        marked = investigator.post(
            f"/evidence/{secret}/graphic", data={"csrf": csrf[1], "graphic": "1"}, follow_redirects=False
        )
        assert marked.status_code == 303 and marked.headers["location"] == f"/evidence/{secret}"
    with workspace.sessions() as s:
        assert graphic_marks(s, [secret]) == {}
        reads = s.scalars(select(AuditEvent).where(AuditEvent.event == "confidential.read")).all()
    assert {r.reason for r in reads} == {"checking the source", "marking"}


def test_withdrawn_publication_hides_a_public_item_from_public_only_readers_unaudited(
    workspace: Workspace, tmp_path: Path
) -> None:
    item_id = _item(workspace, tmp_path, "statement", "public")
    with transaction(workspace.sessions) as s:
        item = s.get(EvidenceItem, item_id)
        assert item is not None
        row = record_statement(
            s,
            item,
            taken_by="Invented Interviewer",
            taken_at=dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC),
            language="fa",
            consent=["documentation", "publication"],
            consent_recorded_how="oral, at the start of the recording",
            recorded_by="intake-desk",
            confidentiality="public",
        )
        withdraw_consent(s, row, ["publication"], "intake-desk", "by telephone")
    with signed_in_client(workspace, Role.VIEWER) as viewer:
        gone = viewer.get(f"/api/evidence/{item_id}/assessments")
        assert gone.status_code == 404 and gone.json()["detail"] == f"no evidence item {item_id}"
    with signed_in_client(workspace, Role.ANALYST) as analyst:
        assert analyst.get(f"/api/evidence/{item_id}/assessments").status_code == 200
    assert _denials(workspace, item_id) == []


def test_a_replica_copy_shows_as_copied_in_each_language(workspace: Workspace, tmp_path: Path) -> None:
    item_id = _item(workspace, tmp_path / "files", "copied", "restricted")
    report = replicate(workspace.sessions, workspace.blobs, FolderReplica("usb", tmp_path / "usb"), "Farid")
    assert report.recorded == 1
    with signed_in_client(workspace, Role.ANALYST) as analyst:
        for lang, word in (("en", "Copied"), ("fa", "نسخه‌برداری شد"), ("ps", "کاپي شو")):
            page = analyst.get(f"/evidence/{item_id}?lang={lang}").text
            assert f"<td>{word}</td>" in page, lang
