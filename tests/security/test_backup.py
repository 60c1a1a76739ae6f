"""Backup and restore: an encrypted archive that restores, into a new folder, a workspace that
`gawah verify` proves identical (same files, same ledger root); a wrong passphrase or a damaged
archive is refused and leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from gawah.security.backup import BackupError, backup, ledger_state, restore
from gawah.security.crypto import WrongPassphrase
from gawah.verification import verify_workspace
from gawah.workspace import Workspace
from tests.web.conftest import WebWorkspace

CHEAP_N = 2**10
PASSPHRASE = "an invented backup passphrase"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_backup_restores_an_identical_workspace(web_workspace: WebWorkspace, tmp_path: Path) -> None:
    ws = web_workspace.workspace
    ws.sign_checkpoint()
    archive = tmp_path / "ws.gawah-backup"
    summary = backup(ws, archive, PASSPHRASE, n=CHEAP_N)
    assert summary.files >= 6 and summary.ledger_size > 0
    raw = archive.read_bytes()
    # Neither the reports' words nor the database are readable in the archive.
    assert b"SQLite format 3" not in raw and b"Andarab" not in raw and "مکتب".encode() not in raw

    restored_dir = tmp_path / "elsewhere" / "restored"
    restored = restore(archive, restored_dir, PASSPHRASE)
    assert restored.ledger_root == summary.ledger_root
    with Workspace.open(restored_dir) as copy:
        report = verify_workspace(copy)
        assert report.ok, report.problems
        assert report.files_checked == verify_workspace(ws).files_checked > 0
        assert ledger_state(copy) == ledger_state(ws) == (summary.ledger_size, summary.ledger_root)

    with pytest.raises(BackupError, match="not empty"):
        restore(archive, restored_dir, PASSPHRASE)
    with pytest.raises(BackupError, match="exists"):
        backup(ws, archive, PASSPHRASE, n=CHEAP_N)

    wrong = tmp_path / "wrong"
    with pytest.raises(WrongPassphrase, match="does not open"):
        restore(archive, wrong, "a wrong guess")
    assert not wrong.exists() or not any(wrong.iterdir())

    damaged = tmp_path / "damaged.gawah-backup"
    middle = len(raw) // 2
    damaged.write_bytes(raw[:middle] + bytes([raw[middle] ^ 1]) + raw[middle + 1 :])
    # AES-GCM cannot tell a flipped bit from a wrong key in the first chunk: either is refused.
    with pytest.raises((BackupError, WrongPassphrase), match="damaged"):
        restore(damaged, tmp_path / "from-damaged", PASSPHRASE)
    truncated = tmp_path / "truncated.gawah-backup"
    truncated.write_bytes(raw[: len(raw) - 100])
    with pytest.raises((BackupError, WrongPassphrase)):
        restore(truncated, tmp_path / "from-truncated", PASSPHRASE)
    assert not (tmp_path / "from-damaged").exists() and not (tmp_path / "from-truncated").exists()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_backup_and_restore_commands(
    web_workspace: WebWorkspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer
    from typer.testing import CliRunner

    from gawah.cli import backup as backup_cli

    # The command's own scrypt cost is the real one; the test only shortens it.
    monkeypatch.setattr(
        backup_cli, "backup", lambda ws, archive, passphrase: backup(ws, archive, passphrase, n=CHEAP_N)
    )
    app = typer.Typer()
    backup_cli.register(app)
    runner = CliRunner()
    root = web_workspace.workspace.settings.root
    archive = tmp_path / "cli.gawah-backup"
    env = {"GAWAH_PASSPHRASE": PASSPHRASE}
    made = runner.invoke(app, ["backup", str(archive), "--workspace", str(root)], env=env)
    assert made.exit_code == 0, made.output
    refused = runner.invoke(
        app, ["restore", str(archive), str(tmp_path / "r1")], env={"GAWAH_PASSPHRASE": "no"}
    )
    assert refused.exit_code == 2 and "does not open" in refused.output
    done = runner.invoke(app, ["restore", str(archive), str(tmp_path / "r2")], env=env)
    assert done.exit_code == 0 and "gawah verify" in done.output, done.output
