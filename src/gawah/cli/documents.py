"""`gawah ingest` and `gawah documents ...`: files in, documents listed and shown."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
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
from gawah.ingest.pipeline import Ingestor, IngestOutcome, Provenance, collect_files
from gawah.registry.candidates import store_candidates_hook
from gawah.store.models import Document, EvidenceItem

documents_app = typer.Typer(help="Documents: the text of preserved files.", no_args_is_help=True)

STATUS_STYLE = {
    "stored": "green",
    "preserved": "yellow",
    "duplicate": "cyan",
    "skipped": "yellow",
    "failed": "bold red",
}


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (searched recursively).")],
    workspace: WorkspaceOption = None,
    actor: Annotated[str | None, typer.Option(help="Who is ingesting (default: the system user).")] = None,
    output: FormatOption = OutputFormat.TABLE,
    collected_by: Annotated[
        str | None, typer.Option(help="Who collected the files (recorded as a 'collected' custody event).")
    ] = None,
    collected_at: Annotated[
        str | None, typer.Option(help="When they were collected: ISO date or date-time (UTC unless given).")
    ] = None,
    collection_method: Annotated[str | None, typer.Option(help="How they were collected.")] = None,
    collection_place: Annotated[str | None, typer.Option(help="Where they were collected.")] = None,
    collector_notes: Annotated[str, typer.Option(help="The collector's notes.")] = "",
) -> None:
    """Preserve files of any kind by SHA-256; record the text of .txt, .md, .html, .pdf, .warc and .wacz."""
    provenance = None
    if collected_by or collected_at or collection_method or collection_place or collector_notes:
        if not collected_by:
            fail("--collected-by is needed when stating how files were collected")
        provenance = Provenance(
            collected_by=collected_by,
            collected_at=_parse_when(collected_at) if collected_at else None,
            method=collection_method,
            place=collection_place,
            notes=collector_notes,
        )
    with open_workspace(workspace) as ws:
        ingestor = Ingestor(ws.sessions, ws.blobs, actor=actor, on_document=store_candidates_hook)
        files, _ = collect_files(paths)
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=output is OutputFormat.JSON or len(files) < 2,
        ) as progress:
            task = progress.add_task("Ingesting", total=len(files))

            def advance(outcome: IngestOutcome) -> None:
                if outcome.path in files:
                    progress.advance(task)
                progress.update(task, description=f"Ingesting {outcome.path.name[:40]}")

            outcomes = ingestor.ingest(paths, progress=advance, provenance=provenance)
        checkpoint = ws.sign_checkpoint()

    if output is OutputFormat.JSON:
        print_json([o.as_dict() for o in outcomes])
    else:
        _print_outcomes(outcomes)
        if checkpoint is not None:
            console.print(f"Ledger: signed checkpoint at {checkpoint.tree_size} entries.")
    if any(o.status == "failed" for o in outcomes):
        raise typer.Exit(1)


def _parse_when(value: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        fail(
            f"--collected-at {value!r}: not an ISO date or date-time (e.g. 2024-03-05T14:30+04:30)"
        )
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _print_outcomes(outcomes: list[IngestOutcome]) -> None:
    table = Table(title="Ingest", show_lines=False)
    table.add_column("file")
    table.add_column("result")
    table.add_column("document", justify="right")
    table.add_column("lang")
    table.add_column("sha256")
    table.add_column("note")
    for o in outcomes:
        style = STATUS_STYLE[o.status]
        table.add_row(
            str(o.path),
            f"[{style}]{o.status}[/]",
            str(o.document_id or ""),
            o.language or "",
            (o.sha256 or "")[:12],
            o.message,
        )
    console.print(table)
    counts = {s: sum(1 for o in outcomes if o.status == s) for s in STATUS_STYLE}
    console.print(", ".join(f"{n} {s}" for s, n in counts.items() if n) or "nothing to ingest")


@documents_app.command("list")
def list_documents(
    workspace: WorkspaceOption = None,
    output: FormatOption = OutputFormat.TABLE,
    language: Annotated[
        str | None, typer.Option(help="Only documents in this language (en, fa, ps).")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 1000,
) -> None:
    """List documents, newest first (those of the levels you may see)."""
    from gawah.security.commands import reader_levels

    levels = reader_levels(workspace, "documents list")
    with open_workspace(workspace) as ws, ws.sessions() as session:
        query = (
            select(Document, EvidenceItem)
            .join(EvidenceItem, Document.evidence_item_id == EvidenceItem.id)
            .where(Document.confidentiality.in_(levels))
            .order_by(Document.id.desc())
            .limit(limit)
        )
        if language:
            query = query.where(Document.language == language)
        rows = [
            {
                "id": doc.id,
                "title": doc.title,
                "language": doc.language,
                "published": doc.published.isoformat() if doc.published else None,
                "sha256": item.sha256,
                "filename": item.original_filename,
                "media_type": item.media_type,
                "characters": len(doc.text),
                "ingested_at": doc.ingested_at.isoformat(),
                "ingested_by": doc.ingested_by,
                "confidentiality": doc.confidentiality,
            }
            for doc, item in session.execute(query)
        ]
    if output is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} documents")
    for column in ("id", "title", "lang", "published", "sha256", "file"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            str(row["id"]),
            str(row["title"])[:70],
            str(row["language"]),
            str(row["published"] or ""),
            str(row["sha256"])[:12],
            str(row["filename"]),
        )
    console.print(table)


@documents_app.command("show")
def show_document(
    document_id: Annotated[int, typer.Argument(help="Document id (see `gawah documents list`).")],
    workspace: WorkspaceOption = None,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Show one document: its metadata and text."""
    from gawah.security.commands import reader_levels

    levels = reader_levels(workspace, "documents show")
    with open_workspace(workspace) as ws, ws.sessions() as session:
        doc = session.get(Document, document_id)
        if doc is None or doc.confidentiality not in levels:
            fail(f"no document {document_id}")  # one above the caller's levels is not revealed
        item = doc.evidence_item
        data = {
            "id": doc.id,
            "title": doc.title,
            "language": doc.language,
            "published": doc.published.isoformat() if doc.published else None,
            "sha256": item.sha256,
            "size_bytes": item.size_bytes,
            "filename": item.original_filename,
            "media_type": item.media_type,
            "reader": doc.reader,
            "ingested_at": doc.ingested_at.isoformat(),
            "ingested_by": doc.ingested_by,
            "warnings": doc.warnings,
            "text": doc.text,
        }
    if output is OutputFormat.JSON:
        print_json(data)
        return
    for key, value in data.items():
        if key != "text":
            console.print(f"[bold]{key}[/]: {value}", highlight=False)
    console.rule()
    console.print(data["text"], highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.add_typer(documents_app, name="documents")
