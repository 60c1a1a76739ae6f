"""An encrypted workspace through the command line: nothing in clear on disk, a wrong passphrase refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gawah.cli import app

runner = CliRunner()
SECRET = "Witness Zarmina Qasemi-Invented lives behind the blue mosque"


def test_init_encrypt_ingest_and_no_clear_text_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = tmp_path / "ws"
    monkeypatch.setenv("GAWAH_PASSPHRASE", "correct horse battery staple")
    result = runner.invoke(app, ["init", str(ws), "--encrypt"])
    assert result.exit_code == 0, result.output
    testimony = tmp_path / "testimony.txt"
    testimony.write_text(f"Statement (invented).\n\n{SECRET}. He was detained in Kabul.\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(testimony), "-w", str(ws), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["status"] == "stored"

    needle = SECRET.split()[1].encode()
    # The evidence, and the database too: the document's text and title are sealed.
    for path in ws.rglob("*"):
        if path.is_file() and path.parent.name != "keys":
            assert needle not in path.read_bytes(), path
    assert runner.invoke(app, ["verify", "-w", str(ws)]).exit_code == 0
    sealed = runner.invoke(app, ["key", "seal", "-w", str(ws)])
    assert sealed.exit_code == 0 and "0 evidence files sealed" in sealed.output, sealed.output

    monkeypatch.setenv("GAWAH_PASSPHRASE", "wrong passphrase entirely")
    refused = runner.invoke(app, ["documents", "list", "-w", str(ws)])
    assert refused.exit_code == 2 and "wrong passphrase" in refused.output
