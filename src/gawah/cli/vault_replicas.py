"""`gawah evidence fixity` and `gawah replicate`: fixity checks logged in custody, and copies of
every original in independent replicas, with recovery from them."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import MofNCompleteColumn, Progress, TaskID

from gawah.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    actor_name,
    console,
    err_console,
    fail,
    open_workspace,
    print_json,
)
from gawah.vault.fixity import run_fixity
from gawah.vault.replicas import (
    ReplicaError,
    ReplicationReport,
    open_replica,
    primary_as_replica,
    replicate,
    restore_from,
)

ActorOption = Annotated[
    str | None, typer.Option(help="Who runs the check (default: $GAWAH_USER, else the system user).")
]


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
    who = actor_name(actor)
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


def replicate_command(
    verify: Annotated[
        bool, typer.Option("--verify", help="Also re-hash the copies each replica already holds.")
    ] = False,
    only: Annotated[
        str | None, typer.Option("--replica", help="Work on this replica only (its name in gawah.toml).")
    ] = None,
    restore_from_name: Annotated[
        str | None,
        typer.Option(
            "--restore-from",
            metavar="REPLICA",
            help="Instead: re-hash every primary original and refill each missing or changed one "
            "from this replica (a changed file is moved into .quarantine/, not deleted).",
        ),
    ] = None,
    record: Annotated[
        bool,
        typer.Option(help="Record each copy and check in custody (a restore always is)."),
    ] = True,
    actor: ActorOption = None,
    workspace: WorkspaceOption = None,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Copy every original missing from each `[[replicas]]` entry of gawah.toml (hash checked on
    write, nothing overwritten); exit 1 if anything could not be copied, checked or restored."""
    who = actor_name(actor)
    with open_workspace(workspace) as ws, _progress(output) as progress:
        configured = {r.name: r for r in ws.settings.replicas}
        if not configured:
            fail("no replicas configured: add a [[replicas]] entry (name and path, or bucket) to gawah.toml")
        wanted = restore_from_name or only
        if wanted is not None and wanted not in configured:
            fail(f"no replica named {wanted!r}; configured: {', '.join(configured)}")
        try:
            primary = primary_as_replica(ws.settings, ws.blobs)
        except ReplicaError as exc:
            fail(str(exc))
        reports: list[ReplicationReport] = []
        for name, settings in configured.items():
            if wanted is not None and name != wanted:
                continue
            try:
                replica = open_replica(settings, ws.blobs)
            except ReplicaError as exc:
                fail(str(exc))
            verb = "Restoring from" if restore_from_name else "Copying to"
            task = progress.add_task(f"{verb} {name}", total=None)

            def advance(done: int, total: int, task: TaskID = task) -> None:
                progress.update(task, completed=done, total=total)

            if restore_from_name:
                reports.append(restore_from(ws.sessions, primary, replica, who, progress=advance))
            else:
                reports.append(
                    replicate(
                        ws.sessions, ws.blobs, replica, who, verify=verify, record=record, progress=advance
                    )
                )
        if any(r.recorded for r in reports):
            ws.sign_checkpoint()
    ok = all(r.ok for r in reports)
    if output is OutputFormat.JSON:
        print_json(
            {
                "ok": ok,
                "replicas": [
                    {
                        "name": r.replica,
                        "location": r.location,
                        "items": r.items,
                        "copied": r.copied,
                        "already_present": r.present,
                        "verified": r.verified,
                        "restored": r.restored,
                        "events_recorded": r.recorded,
                        "problems": [{"what": p.what, "detail": p.detail} for p in r.problems],
                    }
                    for r in reports
                ],
            }
        )
    else:
        for r in reports:
            for problem in r.problems:
                console.print(f"[bold red]PROBLEM[/] {problem}", highlight=False, soft_wrap=True)
            done = (
                f"{r.restored} restored"
                if restore_from_name
                else f"{r.copied} copied, {r.present} already there, {r.verified} re-hashed"
            )
            verdict = "[green]ok[/]" if r.ok else f"[bold red]{len(r.problems)} problem(s)[/]"
            console.print(
                f"{r.replica} ({r.location}): {r.items} originals, {done}, "
                f"{r.recorded} custody events: {verdict}",
                highlight=False,
            )
    if not ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    from gawah.cli.evidence import evidence_app

    evidence_app.command("fixity")(fixity)
    app.command("replicate")(replicate_command)
