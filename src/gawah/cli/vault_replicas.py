"""`gawah evidence fixity` and `gawah replicate`: fixity checks logged in custody, and copies of
every original in independent replicas, with recovery from them."""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer
from rich.progress import MofNCompleteColumn, Progress

from gawah.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    console,
    err_console,
    open_workspace,
    print_json,
)
from gawah.security.commands import USER_ENV
from gawah.vault.fixity import run_fixity

ActorOption = Annotated[
    str | None, typer.Option(help="Who runs the check (default: $GAWAH_USER, else the system user).")
]


def _actor(actor: str | None) -> str:
    return actor or os.environ.get(USER_ENV, "").strip() or getpass.getuser()


def _progress(output: OutputFormat) -> Progress:
    # Progress goes to stderr, so that stdout holds only the report (a table or JSON).
    return Progress(
        *Progress.get_default_columns(),
        MofNCompleteColumn(),
        console=err_console,
        transient=True,
        disable=output is OutputFormat.JSON,
    )


def fixity(
    sample: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Check only the N originals checked longest ago (never-checked first); default: all.",
        ),
    ] = None,
    record: Annotated[
        bool, typer.Option(help="Record a 'verified' custody event for each original found intact.")
    ] = True,
    actor: ActorOption = None,
    workspace: WorkspaceOption = None,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Re-hash stored originals and log each intact one in its custody history; exit 1 on a mismatch.

    Run it from cron or a systemd timer, e.g. `gawah evidence fixity --sample 500` every night."""
    who = _actor(actor)
    with open_workspace(workspace) as ws, _progress(output) as progress:
        task = progress.add_task("Re-hashing stored originals", total=None)
        report = run_fixity(
            ws.sessions,
            ws.blobs,
            who,
            sample=sample,
            record=record,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
        if report.recorded:
            ws.sign_checkpoint()
    if output is OutputFormat.JSON:
        print_json(
            {
                "ok": report.ok,
                "checked": report.checked,
                "intact": report.intact,
                "events_recorded": report.recorded,
                "problems": [{"what": p.what, "detail": p.detail} for p in report.problems],
            }
        )
    else:
        for problem in report.problems:
            console.print(f"[bold red]MISMATCH[/] {problem}", highlight=False, soft_wrap=True)
        verdict = "[green]intact[/]" if report.ok else f"[bold red]{len(report.problems)} problem(s)[/]"
        console.print(
            f"{report.checked} originals re-hashed, {report.intact} intact, "
            f"{report.recorded} 'verified' custody events recorded: {verdict}"
        )
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    from gawah.cli.evidence import evidence_app

    evidence_app.command("fixity")(fixity)
