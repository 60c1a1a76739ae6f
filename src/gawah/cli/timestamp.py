"""`gawah timestamp run|status|verify`: RFC 3161 timestamps over signed checkpoints."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from gawah.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    console,
    fail,
    open_workspace,
    print_json,
)
from gawah.ledger.timestamp import TimestampError, stamp_pending, verify_tokens
from gawah.ledger.verifier import VerificationError
from gawah.store.models import Checkpoint, TimestampToken

timestamp_app = typer.Typer(
    help="Trusted time: RFC 3161 timestamps from [timestamp] authorities over each signed checkpoint.",
    no_args_is_help=True,
)


@timestamp_app.command("run")
def run(
    timeout: Annotated[
        float | None, typer.Option(help="Seconds to wait for each authority (default: timestamp.timeout).")
    ] = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Ask again where an authority's answer was refused.")
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Queue a request per checkpoint and authority, and send those waiting; exit 1 if any still wait."""
    with open_workspace(workspace) as ws:
        if not ws.settings.timestamp.authorities:
            fail("no timestamp authorities are configured: add [timestamp] authorities = [URL, ...]")
        try:
            result = stamp_pending(
                ws.sessions, ws.settings.timestamp, timeout=timeout, retry_failed=retry_failed
            )
        except TimestampError as exc:
            fail(str(exc))
    if len(ws.settings.timestamp.authorities) == 1:
        # Authorities fail or answer badly; a second, independent one keeps the time provable.
        console.print("NOTE  one authority is configured; two independent ones are advised.", highlight=False)
    for url, reason in sorted(result.unreachable.items()):
        console.print(f"[yellow]UNREACHABLE[/] {url}: {reason}", highlight=False, soft_wrap=True)
    for reason in result.refused:
        console.print(f"[bold red]REFUSED[/] {reason}", highlight=False, soft_wrap=True)
    console.print(
        f"{result.queued} request(s) queued; {result.stamped} stamped, {result.failed} refused, "
        f"{result.pending} still waiting for a connection.",
        highlight=False,
    )
    if not result.complete:
        raise typer.Exit(1)


@timestamp_app.command("status")
def status(workspace: WorkspaceOption = None, output: FormatOption = OutputFormat.TABLE) -> None:
    """Every timestamp request: its checkpoint, authority, state, tries, time stamped, last error."""
    with open_workspace(workspace) as ws, ws.sessions() as session:
        rows = [
            {
                "id": token.id,
                "checkpoint_size": size,
                "authority": token.authority,
                "status": token.status,
                "attempts": token.attempts,
                "gen_time": token.gen_time.isoformat() if token.gen_time else None,
                "policy": token.policy,
                "last_error": token.last_error,
            }
            for token, size in session.execute(
                select(TimestampToken, Checkpoint.tree_size)
                .join(Checkpoint, Checkpoint.id == TimestampToken.checkpoint_id)
                .order_by(TimestampToken.id)
            )
        ]
    if output is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} timestamp request(s)")
    for column in ("id", "checkpoint", "authority", "status", "tries", "stamped at", "last error"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            str(r["id"]),
            str(r["checkpoint_size"]),
            str(r["authority"]),
            str(r["status"]),
            str(r["attempts"]),
            str(r["gen_time"] or ""),
            str(r["last_error"] or ""),
        )
    console.print(table)


@timestamp_app.command("verify")
def verify(workspace: WorkspaceOption = None, output: FormatOption = OutputFormat.TABLE) -> None:
    """Check every stamped token offline, as of its own time; exit 1 naming each that fails."""
    with open_workspace(workspace) as ws, ws.sessions() as session:
        try:
            checks = verify_tokens(session, ws.settings.timestamp)
        except VerificationError as exc:
            fail(str(exc))
    failures = [c for c in checks if not c.ok]
    if output is OutputFormat.JSON:
        print_json(
            [
                {
                    "id": c.token_id,
                    "checkpoint_size": c.tree_size,
                    "authority": c.authority,
                    "ok": c.ok,
                    "detail": c.detail,
                    "gen_time": c.gen_time.isoformat() if c.gen_time else None,
                    "root_pinned": c.pinned,
                }
                for c in checks
            ]
        )
    else:
        for c in checks:
            mark = "[green]OK[/]  " if c.ok else "[bold red]FAIL[/]"
            console.print(
                f"{mark} timestamp #{c.token_id} (checkpoint size {c.tree_size}, {c.authority}): {c.detail}",
                highlight=False,
                soft_wrap=True,
            )
        console.print(f"{len(checks)} timestamp(s) checked, {len(failures)} failed.", highlight=False)
    if failures:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(timestamp_app, name="timestamp")
