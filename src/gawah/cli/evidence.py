"""`gawah verify` and `gawah evidence ...`: prove the record intact, show custody, give proofs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import MofNCompleteColumn, Progress
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from gawah.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    console,
    err_console,
    fail,
    open_workspace,
    print_json,
)
from gawah.ledger.journal import CUSTODY_EVENTS, inclusion_proofs, record_custody
from gawah.ledger.merkle import VerificationError
from gawah.store.engine import transaction
from gawah.store.models import CustodyEvent, EvidenceItem, LedgerEntry
from gawah.verification import verify_workspace

evidence_app = typer.Typer(help="Evidence items: custody history and ledger proofs.", no_args_is_help=True)


def verify(workspace: WorkspaceOption = None, output: FormatOption = OutputFormat.TABLE) -> None:
    """Re-hash every stored file and ledger entry, check every signed checkpoint; exit 1 on any mismatch."""
    # Progress goes to stderr, so that stdout holds only the report (a table or JSON).
    with (
        open_workspace(workspace) as ws,
        Progress(
            *Progress.get_default_columns(),
            MofNCompleteColumn(),
            console=err_console,
            transient=True,
            disable=output is OutputFormat.JSON,
        ) as progress,
    ):
        files = progress.add_task("Re-hashing stored files", total=None)
        entries = progress.add_task("Checking ledger entries", total=None, start=False)

        def entries_done(done: int, total: int) -> None:
            progress.start_task(entries)
            progress.update(entries, completed=done, total=total)

        report = verify_workspace(
            ws,
            lambda done, total: progress.update(files, completed=done, total=total),
            ledger_progress=entries_done,
        )
    if output is OutputFormat.JSON:
        print_json(
            {
                "ok": report.ok,
                "files_checked": report.files_checked,
                "entries_checked": report.entries_checked,
                "checkpoints_checked": report.checkpoints_checked,
                "timestamps_checked": report.timestamps_checked,
                "problems": [{"what": p.what, "detail": p.detail} for p in report.problems],
                "notes": [{"what": p.what, "detail": p.detail} for p in report.notes],
            }
        )
    else:
        for note in report.notes:
            console.print(f"[yellow]NOTE[/] {note}", highlight=False, soft_wrap=True)
        for problem in report.problems:
            console.print(f"[bold red]MISMATCH[/] {problem}", highlight=False, soft_wrap=True)
        verdict = "[green]intact[/]" if report.ok else f"[bold red]{len(report.problems)} problem(s)[/]"
        console.print(
            f"{report.files_checked} files, {report.entries_checked} ledger entries, "
            f"{report.checkpoints_checked} signed checkpoints, {report.timestamps_checked} timestamps "
            f"checked: {verdict}"
        )
    if not report.ok:
        raise typer.Exit(1)


def _item(session: Session, ref: str) -> EvidenceItem:
    query = select(EvidenceItem)
    if ref.isdigit():
        query = query.where(EvidenceItem.id == int(ref))
    elif len(ref) >= 8:
        query = query.where(EvidenceItem.sha256.startswith(ref.lower()))
    else:
        fail(f"{ref!r}: give an evidence item id or at least 8 characters of its SHA-256")
    items = session.scalars(query.limit(2)).all()
    if len(items) != 1:
        fail(f"{ref!r}: {'no' if not items else 'more than one'} evidence item matches")
    return items[0]


@evidence_app.command("list")
def list_items(workspace: WorkspaceOption = None, output: FormatOption = OutputFormat.TABLE) -> None:
    """List evidence items."""
    with open_workspace(workspace) as ws, ws.sessions() as session:
        rows = [
            {
                "id": i.id,
                "sha256": i.sha256,
                "size_bytes": i.size_bytes,
                "media_type": i.media_type,
                "filename": i.original_filename,
                "acquired_at": i.acquired_at.isoformat(),
                "acquired_by": i.acquired_by,
                "derived_from_id": i.derived_from_id,
            }
            for i in session.scalars(select(EvidenceItem).order_by(EvidenceItem.id))
        ]
    if output is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} evidence items")
    for column in ("id", "sha256", "size", "type", "file", "acquired"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            str(r["id"]),
            str(r["sha256"])[:16],
            str(r["size_bytes"]),
            str(r["media_type"]),
            str(r["filename"]),
            str(r["acquired_at"])[:19],
        )
    console.print(table)


@evidence_app.command("custody")
def custody(
    item_ref: Annotated[str, typer.Argument(metavar="ITEM", help="Evidence item id or SHA-256 prefix.")],
    workspace: WorkspaceOption = None,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """The whole chain of custody of one evidence item, oldest first."""
    with open_workspace(workspace) as ws, ws.sessions() as session:
        item = _item(session, item_ref)
        events = session.scalars(
            select(CustodyEvent).where(CustodyEvent.evidence_item_id == item.id).order_by(CustodyEvent.id)
        ).all()
        entries = {
            e.subject_id: e.leaf_index
            for e in session.scalars(select(LedgerEntry).where(LedgerEntry.subject_type == "custody_event"))
        }
        rows = [
            {
                "event": e.event,
                "at": e.occurred_at.isoformat(),
                "actor": e.actor,
                "place": e.place,
                "tool": e.tool,
                "method": e.method,
                "notes": e.notes,
                "ledger_entry": entries.get(e.id),
            }
            for e in events
        ]
        sha = item.sha256
    if output is OutputFormat.JSON:
        print_json({"sha256": sha, "custody": rows})
        return
    table = Table(title=f"Custody of {sha[:16]}…")
    for column in ("when", "event", "actor", "tool", "method", "place", "notes", "ledger"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            *(str(r[k] or "") for k in ("at", "event", "actor", "tool", "method", "place", "notes")),
            str(r["ledger_entry"]),
        )
    console.print(table)


@evidence_app.command("record")
def record(
    item_ref: Annotated[str, typer.Argument(metavar="ITEM", help="Evidence item id or SHA-256 prefix.")],
    event: Annotated[
        str,
        typer.Option(
            help=f"One of: {', '.join(CUSTODY_EVENTS)}. 'transferred': custody passed to another "
            "holder; 'copied': a bit-exact copy made and checked, custody unchanged."
        ),
    ],
    actor: Annotated[str, typer.Option(help="Who.")],
    place: Annotated[str | None, typer.Option(help="Where.")] = None,
    tool: Annotated[str | None, typer.Option(help="With what tool.")] = None,
    method: Annotated[str | None, typer.Option(help="How.")] = None,
    notes: Annotated[str, typer.Option(help="Notes.")] = "",
    workspace: WorkspaceOption = None,
) -> None:
    """Add a custody event (collected, transferred, …) to an item; it becomes a ledger entry."""
    if event not in CUSTODY_EVENTS:
        fail(f"unknown custody event {event!r}; one of {', '.join(CUSTODY_EVENTS)}")
    with open_workspace(workspace) as ws:
        with transaction(ws.sessions) as session:
            item = _item(session, item_ref)
            row = record_custody(
                session, item, event, actor, place=place, tool=tool, method=method, notes=notes
            )
            event_id = row.id
        ws.sign_checkpoint()
    console.print(f"Recorded custody event #{event_id} ({event}) and signed a new checkpoint.")


@evidence_app.command("prove")
def prove(
    item_ref: Annotated[str, typer.Argument(metavar="ITEM", help="Evidence item id or SHA-256 prefix.")],
    out: Annotated[Path | None, typer.Option(help="Write the proof file here (default: print it).")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Inclusion proofs of an item and its custody events against the latest signed checkpoint."""
    with open_workspace(workspace) as ws, ws.sessions() as session:
        item = _item(session, item_ref)
        event_ids = session.scalars(
            select(CustodyEvent.id).where(CustodyEvent.evidence_item_id == item.id)
        ).all()
        indexes = sorted(
            e.leaf_index
            for e in session.scalars(select(LedgerEntry))
            if (e.subject_type, e.subject_id) == ("evidence_item", item.id)
            or (e.subject_type == "custody_event" and e.subject_id in set(event_ids))
        )
        try:
            proofs = inclusion_proofs(session, indexes)
        except VerificationError as exc:
            fail(str(exc))
    text = json.dumps(proofs, indent=2)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        console.print(f"Wrote {len(indexes)} inclusion proofs to {out}")


def register(app: typer.Typer) -> None:
    from gawah.cli.evidence_assess import register as register_assessments
    from gawah.cli.vault_similar import similar_command

    evidence_app.command("similar")(similar_command)
    register_assessments(evidence_app)
    app.command()(verify)
    app.add_typer(evidence_app, name="evidence")
