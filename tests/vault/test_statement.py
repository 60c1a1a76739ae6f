"""Witness statements (COL-13): who took one, when, where, in what language, through which
interpreter, and the witness's consent, which is required; each a ledger entry. A withdrawal is a
ledgered registry change that the item page shows first, and a witness who did not agree to
publication (or withdrew it) is never shown to the public."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from gawah.cli import app
from gawah.ingest.pipeline import Ingestor
from gawah.store.engine import transaction
from gawah.store.models import EvidenceItem, LedgerEntry, Person, RegistryChange, WitnessStatement
from gawah.store.vocab import Role
from gawah.vault.statement import (
    StatementError,
    blocked_uses,
    record_statement,
    statements_of,
    withdraw_consent,
)
from gawah.verification import verify_workspace
from gawah.workspace import Workspace
from tests.web.conftest import signed_in_client

runner = CliRunner()
TAKEN = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)


def _item(ws: Workspace, folder: Path, confidentiality: str = "restricted") -> int:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "statement-transcript.txt"
    path.write_text("Invented transcript: the witness describes the night raid.\n", encoding="utf-8")
    outcome = Ingestor(ws.sessions, ws.blobs, actor="intake-desk").ingest_file(path)
    with transaction(ws.sessions) as s:
        item = s.scalar(select(EvidenceItem).where(EvidenceItem.sha256 == outcome.sha256))
        assert item is not None
        item.confidentiality = confidentiality
        return item.id
    raise AssertionError("unreachable")


def _witness(ws: Workspace) -> int:
    with transaction(ws.sessions) as s:
        person = Person(name="Witness K-7", is_pseudonym=True, confidentiality="confidential")
        s.add(person)
        s.flush()
        return person.id
    raise AssertionError("unreachable")


def _statement(ws: Workspace, item_id: int, consent: list[str], **more: object) -> int:
    with transaction(ws.sessions) as s:
        item = s.get(EvidenceItem, item_id)
        assert item is not None
        witness = s.get(Person, more.pop("witness_id")) if "witness_id" in more else None
        row = record_statement(
            s,
            item,
            taken_by="Invented Interviewer",
            taken_at=TAKEN,
            language="ps",
            consent=consent,
            consent_recorded_how=str(more.pop("how", "oral, at the start of the recording")),
            recorded_by="intake-desk",
            witness=witness,
            taken_place="an office in Jalalabad",
            interpreter=str(more.pop("interpreter", "Invented Interpreter")),
            interpreter_languages=["ps", "en"],
        )
        return row.id
    raise AssertionError("unreachable")


def _problems(ws: Workspace) -> list[str]:
    ws.sign_checkpoint()
    return [str(p) for p in verify_workspace(ws).problems]


def test_a_statement_is_recorded_with_its_fields_and_ledgered(workspace: Workspace, tmp_path: Path) -> None:
    item_id = _item(workspace, tmp_path / "files")
    witness_id = _witness(workspace)
    statement_id = _statement(workspace, item_id, ["documentation", "courts"], witness_id=witness_id)
    with workspace.sessions() as s:
        (view,) = statements_of(s, item_id)
        ledgered = s.scalar(
            select(LedgerEntry.leaf_index).where(
                LedgerEntry.subject_type == "witness_statement", LedgerEntry.subject_id == statement_id
            )
        )
    assert ledgered is not None
    assert (view.taken_by, view.language, view.interpreter) == (
        "Invented Interviewer",
        "ps",
        "Invented Interpreter",
    )
    assert view.taken_at == TAKEN and view.taken_place == "an office in Jalalabad"
    assert view.witness_id == witness_id and view.witness_is_pseudonym is True
    assert view.consent_given == ["documentation", "courts"] == view.consent_now
    assert view.confidentiality == "confidential"  # a statement is confidential unless said otherwise
    assert _problems(workspace) == []
    with transaction(workspace.sessions) as s:
        s.execute(update(WitnessStatement).values(consent=["documentation", "courts", "publication"]))
    assert any(
        "witness statement #" in p and "changed after it was recorded" in p for p in _problems(workspace)
    )


@pytest.mark.parametrize(
    ("consent", "how", "message"),
    [
        ([], "signed form", "consent to documentation"),
        (["courts"], "signed form", "consent to documentation"),
        (["documentation", "broadcast"], "signed form", "unknown use"),
        (["documentation"], " ", "how consent was recorded"),
    ],
)
def test_consent_is_required(
    workspace: Workspace, tmp_path: Path, consent: list[str], how: str, message: str
) -> None:
    item_id = _item(workspace, tmp_path / "files")
    with pytest.raises(StatementError, match=message):
        _statement(workspace, item_id, consent, how=how)
    with workspace.sessions() as s:
        assert s.scalar(select(WitnessStatement.id)) is None


def test_withdrawal_blocks_the_use_and_is_ledgered(workspace: Workspace, tmp_path: Path) -> None:
    item_id = _item(workspace, tmp_path / "files")
    statement_id = _statement(workspace, item_id, ["documentation", "courts", "publication"])
    with workspace.sessions() as s:
        assert blocked_uses(s, [item_id], "publication") == {}
    with transaction(workspace.sessions) as s:
        row = s.get(WitnessStatement, statement_id)
        assert row is not None
        withdraw_consent(s, row, ["publication"], "intake-desk", "by telephone to the interviewer")
    with workspace.sessions() as s:
        (view,) = statements_of(s, item_id)
        assert view.consent_now == ["documentation", "courts"] and view.withdrawn == ["publication"]
        assert blocked_uses(s, [item_id], "publication") == {
            item_id: f"statement #{statement_id}: consent to publication withdrawn"
        }
        assert blocked_uses(s, [item_id], "courts") == {}
    assert _problems(workspace) == []
    # Withdrawing documentation withdraws every use.
    with transaction(workspace.sessions) as s:
        row = s.get(WitnessStatement, statement_id)
        assert row is not None
        withdraw_consent(s, row, ["documentation"], "intake-desk", "letter from the witness")
    with workspace.sessions() as s:
        assert statements_of(s, item_id)[0].consent_now == []
        assert set(blocked_uses(s, [item_id], "courts")) == {item_id}
    # Deleting the withdrawal to make the statement usable again is caught.
    with transaction(workspace.sessions) as s:
        s.execute(delete(RegistryChange).where(RegistryChange.subject_type == "witness_statement"))
    assert any("the record it names was deleted" in p for p in _problems(workspace))


def test_command_line(workspace: Workspace, tmp_path: Path) -> None:
    item_id = _item(workspace, tmp_path / "files")
    witness_id = _witness(workspace)
    root = str(workspace.settings.root)
    result = runner.invoke(
        app,
        [
            "evidence", "statement", str(item_id), "-w", root,
            "--taker", "Invented Interviewer", "--language", "fa", "--taken-at", "2026-03-14T09:30",
            "--place", "Herat", "--interpreter", "Invented Interpreter",
            "--interpreter-language", "fa", "--interpreter-language", "en",
            "--consent", "documentation,courts", "--consent-how", "signed form, kept on paper",
            "--witness", str(witness_id),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    no_consent = runner.invoke(
        app,
        [
            "evidence", "statement", str(item_id), "-w", root, "--taker", "x", "--language", "fa",
            "--taken-at", "2026-03-14", "--consent", "courts", "--consent-how", "oral",
        ],
    )  # fmt: skip
    assert no_consent.exit_code == 2 and "consent to documentation" in no_consent.output
    listed = runner.invoke(app, ["evidence", "statements", str(item_id), "-w", root, "--format", "json"])
    (data,) = json.loads(listed.output)
    assert data["consent_given"] == ["documentation", "courts"] and data["interpreter_languages"] == [
        "fa",
        "en",
    ]
    assert data["taken_at"].startswith("2026-03-14T09:30")
    withdrawn = runner.invoke(
        app,
        [
            "evidence",
            "withdraw-consent",
            str(data["id"]),
            "-w",
            root,
            "--uses",
            "courts",
            "--how",
            "phone call",
        ],
    )
    assert withdrawn.exit_code == 0 and "documentation" in withdrawn.output
    shown = runner.invoke(app, ["evidence", "statements", str(item_id), "-w", root])
    assert "CONSENT WITHDRAWN" in shown.output
    assert _problems(workspace) == []


def test_item_page_shows_withdrawal_first_and_hides_it_from_the_public(
    workspace: Workspace, tmp_path: Path
) -> None:
    item_id = _item(workspace, tmp_path / "files", confidentiality="public")
    statement_id = _statement(workspace, item_id, ["documentation", "courts", "publication"])
    with transaction(workspace.sessions) as s:
        s.execute(update(WitnessStatement).values(confidentiality="public"))
    viewer = signed_in_client(workspace, Role.VIEWER)
    # Consent given to publication: a viewer (public records only) sees the item.
    assert viewer.get(f"/evidence/{item_id}").status_code == 200
    assert f'href="/evidence/{item_id}"' in viewer.get("/evidence").text
    with transaction(workspace.sessions) as s:
        row = s.get(WitnessStatement, statement_id)
        assert row is not None
        withdraw_consent(s, row, ["publication"], "intake-desk", "by telephone")
    with signed_in_client(workspace, Role.INVESTIGATOR) as client:
        page = client.get(f"/evidence/{item_id}")
        assert page.status_code == 200
        assert 'class="proof proof--failed consent-withdrawn"' in page.text
        assert page.text.index("consent-withdrawn") < page.text.index("Taken by")
        assert "Invented Interpreter" in page.text
        fa = client.get(f"/evidence/{item_id}?lang=fa")
        assert "رضایت پس گرفته شد" in fa.text
    with viewer:
        assert viewer.get(f"/evidence/{item_id}").status_code == 404
        assert f'href="/evidence/{item_id}"' not in viewer.get("/evidence").text  # not even listed
        assert viewer.get(f"/evidence/{item_id}/media").status_code in (403, 404)


def test_a_court_bundle_is_refused_without_consent_to_use_in_court(
    workspace: Workspace, tmp_path: Path
) -> None:
    from gawah.ledger.bundle import BundleError, export_bundle

    agreed = _item(workspace, tmp_path / "a")
    _statement(workspace, agreed, ["documentation", "courts"])
    bundle = export_bundle(workspace, tmp_path / "ok.zip", [str(agreed)], actor="counsel")
    assert bundle is not None and (tmp_path / "ok.zip").is_file()

    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "second-transcript.txt").write_text(
        "Invented transcript: a second witness.\n", encoding="utf-8"
    )
    outcome = Ingestor(workspace.sessions, workspace.blobs, actor="intake-desk").ingest_file(
        folder / "second-transcript.txt"
    )
    with workspace.sessions() as s:
        refused_item = s.scalar(select(EvidenceItem.id).where(EvidenceItem.sha256 == outcome.sha256))
    assert refused_item is not None
    _statement(workspace, refused_item, ["documentation"])
    with pytest.raises(BundleError, match=f"no consent for use in court: item {refused_item}"):
        export_bundle(workspace, tmp_path / "refused.zip", [str(agreed), str(refused_item)], actor="counsel")
    assert not (tmp_path / "refused.zip").exists()
