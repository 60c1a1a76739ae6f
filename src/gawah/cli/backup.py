"""`gawah backup`, `gawah restore` and `gawah key change-passphrase`.

Passphrases come from GAWAH_PASSPHRASE (for scripts) or a hidden prompt, never from an argument,
so that they do not land in the shell history or the process list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gawah.cli.common import WorkspaceOption, console, fail, open_workspace, read_passphrase
from gawah.config import DATABASE_URL_ENV, resolve_workspace_dir
from gawah.security.backup import BackupError, backup, restore
from gawah.security.crypto import CryptoError, change_passphrase

key_app = typer.Typer(help="The workspace data key that encrypts confidential records.", no_args_is_help=True)
NEW_PASSPHRASE_ENV = "GAWAH_NEW_PASSPHRASE"


def backup_command(
    archive: Annotated[Path, typer.Argument(help="The archive to write (must not exist).")],
    workspace: WorkspaceOption = None,
) -> None:
    """Write the workspace (database, evidence, settings, keys) to one encrypted archive."""
    passphrase = read_passphrase("Backup passphrase", confirm=True)
    with open_workspace(workspace) as ws:
        try:
            summary = backup(ws, archive, passphrase)
        except BackupError as exc:
            fail(str(exc))
    console.print(
        f"{archive}: {summary.files} files, {summary.bytes} bytes; "
        f"ledger of {summary.ledger_size} entries, root {summary.ledger_root}"
    )


def restore_command(
    archive: Annotated[Path, typer.Argument(help="An archive written by `gawah backup`.")],
    directory: Annotated[Path, typer.Argument(help="A new or empty folder for the workspace.")],
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            envvar=DATABASE_URL_ENV,
            help="For a backup of a PostgreSQL workspace: an empty database to restore the records "
            "into (read from the environment, to keep its password out of the shell history). "
            "Without it they go into the new folder's SQLite file.",
            show_envvar=True,
        ),
    ] = None,
) -> None:
    """Unpack a backup into a new folder, checking every file; then run `gawah verify` there."""
    passphrase = read_passphrase("Backup passphrase")
    try:
        summary = restore(archive, directory, passphrase, database_url=database_url)
    except (BackupError, CryptoError) as exc:
        fail(str(exc))
    console.print(
        f"{directory}: {summary.files} files restored; ledger of {summary.ledger_size} entries, "
        f"root {summary.ledger_root}. Check it with `gawah verify --workspace {directory}`."
    )


@key_app.command("change-passphrase")
def change_passphrase_command(workspace: WorkspaceOption = None) -> None:
    """Wrap the workspace data key under a new passphrase (nothing else is re-encrypted)."""
    root = resolve_workspace_dir(workspace)
    old = read_passphrase("Current passphrase")
    new = read_passphrase("New passphrase", env=NEW_PASSPHRASE_ENV, confirm=True)
    try:
        change_passphrase(root / "keys", old, new)
    except CryptoError as exc:
        fail(str(exc))
    console.print("The data key is now wrapped under the new passphrase.")


@key_app.command("seal")
def seal_command(workspace: WorkspaceOption = None) -> None:
    """Seal the values an encrypted workspace still holds in clear (written before they were sealed)."""
    from gawah.security.crypto import is_encrypted
    from gawah.security.reseal import seal_workspace

    with open_workspace(workspace) as ws:
        if not is_encrypted(ws.settings.keys_dir):
            fail("this workspace is not encrypted: create it with `gawah init --encrypt`")
        try:
            report = seal_workspace(ws)
        except CryptoError as exc:
            fail(str(exc))
    for item in report.columns:
        console.print(f"{item.table}.{item.column}: {item.values} values sealed")
    console.print(
        f"{report.files} evidence files sealed; search index rebuilt over {report.indexed} records."
    )


def register(app: typer.Typer) -> None:
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
    app.add_typer(key_app, name="key")
