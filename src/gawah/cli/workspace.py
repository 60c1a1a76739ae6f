"""`gawah init`, `gawah db ...`: create a workspace and migrate its database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gawah.cli.common import WorkspaceOption, console, fail, open_workspace, read_passphrase
from gawah.config import WorkspaceError, load_settings, resolve_workspace_dir
from gawah.security.crypto import create_data_key
from gawah.store import migrate
from gawah.store.engine import DatabaseError, safe_url
from gawah.workspace import init_workspace

db_app = typer.Typer(help="Database schema: migrate and inspect.", no_args_is_help=True)


def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new workspace (created if missing).")],
    name: Annotated[str | None, typer.Option(help="A name for the workspace.")] = None,
    database_url: Annotated[
        str | None,
        typer.Option(help="PostgreSQL URL instead of the workspace's SQLite file."),
    ] = None,
    encrypt: Annotated[
        bool,
        typer.Option(
            "--encrypt",
            help="Encrypt confidential records and every evidence file under a passphrase "
            "(GAWAH_PASSPHRASE, else asked).",
        ),
    ] = False,
) -> None:
    """Create a workspace: settings, database, evidence folder and an Ed25519 signing key pair."""
    passphrase = read_passphrase("New passphrase", confirm=True) if encrypt else None
    try:
        settings = init_workspace(directory, name=name, database_url=database_url)
    except (WorkspaceError, DatabaseError) as exc:
        fail(str(exc))
    if passphrase is not None:
        create_data_key(settings.keys_dir, passphrase)
        console.print("Encrypted: confidential records and evidence files are sealed under your passphrase.")
    console.print(f"Created workspace [bold]{settings.name}[/] in {settings.root}")
    console.print(f"  database: {safe_url(settings.database_url)}")
    console.print(f"  evidence: {settings.evidence_dir}")
    console.print(
        f"  signing key: {settings.signing_key_path} (keep it safe; share {settings.public_key_path.name})"
    )


@db_app.command("upgrade")
def db_upgrade(
    workspace: WorkspaceOption = None,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Migrate the workspace database to the latest schema (or to --revision)."""
    try:
        settings = load_settings(resolve_workspace_dir(workspace))
        before = migrate.current_revision(settings.database_url)
        migrate.upgrade(settings.database_url, revision)
        after = migrate.current_revision(settings.database_url)
    except (WorkspaceError, DatabaseError) as exc:
        fail(str(exc))
    if before == after:
        console.print(f"Database already at revision {after}.")
    else:
        console.print(f"Database migrated from {before or '(empty)'} to {after}.")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision ('base' empties the database).")],
    workspace: WorkspaceOption = None,
) -> None:
    """Migrate the workspace database down to REVISION."""
    try:
        settings = load_settings(resolve_workspace_dir(workspace))
        migrate.downgrade(settings.database_url, revision)
    except (WorkspaceError, DatabaseError) as exc:
        fail(str(exc))
    console.print(f"Database now at revision {migrate.current_revision(settings.database_url) or '(empty)'}.")


@db_app.command("current")
def db_current(workspace: WorkspaceOption = None) -> None:
    """Show the schema revision of the workspace database and the latest one."""
    with open_workspace(workspace, check_schema=False) as ws:
        current = migrate.current_revision(ws.settings.database_url)
    console.print(f"current: {current or '(empty)'}  latest: {migrate.head_revision()}")


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.add_typer(db_app, name="db")
