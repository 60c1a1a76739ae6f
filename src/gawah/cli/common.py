"""What every command shares: the --workspace option, opening it, and clear errors."""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console

from gawah.config import WorkspaceError, resolve_workspace_dir
from gawah.security.crypto import PASSPHRASE_ENV, CryptoError, WrongPassphrase, is_encrypted
from gawah.store.engine import DatabaseError
from gawah.workspace import Workspace

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder (default: $GAWAH_WORKSPACE, else the current folder).",
        show_default=False,
    ),
]


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]


def fail(message: str, code: int = 2) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def read_passphrase(prompt: str, *, env: str = PASSPHRASE_ENV, confirm: bool = False) -> str:
    """A passphrase from the environment variable, else asked for without echo."""
    value = os.environ.get(env)
    if value:
        return value
    entered: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return entered


@contextmanager
def open_workspace(workspace: Path | None, *, check_schema: bool = True) -> Iterator[Workspace]:
    """Open the workspace; an encrypted one is unlocked first, so nothing is read or written in clear."""
    root = resolve_workspace_dir(workspace)
    try:
        ws = Workspace.open(root, check_schema=check_schema)
    except (WorkspaceError, DatabaseError) as exc:
        fail(str(exc))
    if is_encrypted(ws.settings.keys_dir):
        # Imported here: the cipher brings the ORM, which a plain workspace's reads may not need.
        from gawah.security.vault_cipher import unlock_workspace

        try:
            unlock_workspace(ws, read_passphrase(f"Passphrase of {root}"))
        except WrongPassphrase:
            ws.close()
            fail("wrong passphrase: the workspace stays locked and nothing was changed")
        except CryptoError as exc:
            ws.close()
            fail(str(exc))
    try:
        yield ws
    finally:
        ws.close()


def actor_name(given: str | None = None) -> str:
    """Who a change is recorded as: `--actor` when given, else the account the command runs as
    (`GAWAH_USER`, which the policy checked), else the shell's user."""
    from gawah.security.commands import USER_ENV

    return (given or "").strip() or os.environ.get(USER_ENV, "").strip() or getpass.getuser()


@contextmanager
def registry_decision(workspace: Path | None) -> Iterator[Session]:
    """One registry decision: a transaction that is kept whole or not at all (a refusal exits with
    its reason), then a signed checkpoint over the ledger entries it wrote."""
    from gawah.registry.changes import RegistryError, deciding

    with open_workspace(workspace) as ws:
        try:
            with deciding(ws.sessions) as session:
                yield session
        except RegistryError as exc:
            fail(str(exc))
        ws.sign_checkpoint()


def registry_read(workspace: Path | None, read: Callable[[Session], T]) -> T:
    """What `read` finds in the registry (a refusal, such as a record not found, exits with it)."""
    from gawah.registry.changes import RegistryError

    with open_workspace(workspace) as ws, ws.sessions() as session:
        try:
            return read(session)
        except RegistryError as exc:
            fail(str(exc))


def print_history(workspace: Path | None, subject_type: str, subject_id: int, output: OutputFormat) -> None:
    """Every change to a registry record (`incidents history`, `claims history`): who, when, what
    changed, as a list or JSON."""
    from gawah.registry.changes import diff, history

    def read(s: Session) -> list[dict[str, Any]]:
        return [
            {"change": c.id, "action": c.action, "actor": c.actor, "at": c.at.isoformat(), "note": c.note,
             "diff": [{"field": d.path, "old": d.old, "new": d.new} for d in diff(c.before, c.after)]}
            for c in history(s, subject_type, subject_id)
        ]  # fmt: skip

    rows = registry_read(workspace, read)
    if output is OutputFormat.JSON:
        print_json(rows)
        return
    for r in rows:
        console.print(f"#{r['change']} {r['at']} {r['actor']}: {r['action']} {r['note']}", markup=False)
        for d in r["diff"]:
            console.print(f"    {d['field']}: {d['old']!r} → {d['new']!r}", highlight=False, markup=False)


def print_json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
