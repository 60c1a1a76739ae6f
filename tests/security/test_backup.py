"""Backup and restore: an encrypted archive that restores, into a new folder, a workspace that
`gawah verify` proves identical (same files, same ledger root); a wrong passphrase or a damaged
archive is refused and leaves nothing behind."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from gawah.security.backup import BackupError, backup, ledger_state, restore
from gawah.security.crypto import WrongPassphrase
from gawah.security.dbdump import dump
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


@pytest.fixture
def empty_postgres_url(postgres_server_url: str | None) -> Iterator[str]:
    """A second fresh PostgreSQL database (the workspace's own comes from `database_url`)."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if not postgres_server_url:
        pytest.skip("no PostgreSQL server (GAWAH_TEST_POSTGRES_URL not set)")
    name = f"gawah_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _dumped(ws: Workspace) -> list[str]:
    """Every row of every table, as the portable dump writes it (the header line aside)."""
    out = io.StringIO()
    dump(ws.engine, out)
    return out.getvalue().splitlines()[1:]


def _indexes(ws: Workspace) -> list[str]:
    from gawah.security.dbdump import extra_indexes

    with ws.engine.connect() as conn:
        return extra_indexes(conn)


def _enrich(ws: Workspace) -> None:
    """Rows that test the dump's corners: JSON snapshots, a self-reference to a later row, bytes."""
    from sqlalchemy import select

    from gawah.registry.cases import CaseInput, open_case
    from gawah.registry.persons import PersonInput, add_person
    from gawah.store.engine import transaction
    from gawah.store.models import Incident, TimestampToken

    with transaction(ws.sessions) as session:
        person = add_person(session, PersonInput(name="Invented Person Sahar", is_pseudonym=True), "tester")
        open_case(session, person.id, CaseInput(reporter_contact="+93 70 000 0000"), "tester")
        first, second = session.scalars(select(Incident).order_by(Incident.id).limit(2)).all()
        first.merged_into_id = second.id  # points forward: loaded before its target exists
    checkpoint = ws.sign_checkpoint()
    assert checkpoint is not None
    with transaction(ws.sessions) as session:
        session.add(
            TimestampToken(
                checkpoint_id=checkpoint.id,
                authority="https://tsa.example.invalid",
                message_imprint="0" * 64,
                nonce="18446744073709551615",
                request=bytes(range(256)),
            )
        )


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_postgresql_workspace_restores_exactly(
    web_workspace: WebWorkspace, tmp_path: Path, empty_postgres_url: str
) -> None:
    ws = web_workspace.workspace
    _enrich(ws)
    archive = tmp_path / "pg.gawah-backup"
    summary = backup(ws, archive, PASSPHRASE, n=CHEAP_N)
    assert b"Andarab" not in archive.read_bytes()
    original = _dumped(ws)
    assert len(original) > 100

    restored_dir = tmp_path / "restored-pg"
    restore(archive, restored_dir, PASSPHRASE, database_url=empty_postgres_url)
    with Workspace.open(restored_dir) as copy:
        assert copy.settings.database_url == empty_postgres_url
        report = verify_workspace(copy)
        assert report.ok, report.problems
        assert ledger_state(copy) == ledger_state(ws) == (summary.ledger_size, summary.ledger_root)
        assert _dumped(copy) == original
        # Indexes made outside the migrations (the full-text index) are made again.
        assert _indexes(copy) == _indexes(ws)
        assert any("to_tsvector" in i for i in _indexes(ws))
        # New rows continue after the restored ids (the sequences were moved on).
        copy.sign_checkpoint()

    # Into a database that is not empty: refused, nothing written to the folder.
    with pytest.raises(BackupError, match="not empty"):
        restore(archive, tmp_path / "again", PASSPHRASE, database_url=empty_postgres_url)
    assert not (tmp_path / "again").exists()

    # On a machine without a server: the same records in the restored folder's SQLite file.
    on_sqlite = tmp_path / "restored-sqlite"
    restore(archive, on_sqlite, PASSPHRASE)
    with Workspace.open(on_sqlite) as copy:
        assert copy.settings.is_sqlite
        report = verify_workspace(copy)
        assert report.ok, report.problems
        assert ledger_state(copy) == ledger_state(ws)
