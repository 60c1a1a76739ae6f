"""`gawah export` (incidents as Gawah JSON/CSV, ACLED CSV, HURIDOCS JSON) and `gawah import-events`."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from gawah.analysis import snapshot
from gawah.analysis.stats import incident_ids
from gawah.cli.common import WorkspaceOption, fail, open_workspace, print_json
from gawah.cli.stats import (
    DistrictOption,
    FromOption,
    NoCacheOption,
    PeriodOption,
    PerpetratorOption,
    ProvinceOption,
    StatusOption,
    ToOption,
    ViolationOption,
    selection_from_options,
)
from gawah.ingest.pipeline import Ingestor
from gawah.registry.search import index_document
from gawah.report.exports import WRITERS
from gawah.report.imports import ImportRefused, read_events, store_events
from gawah.report.records import Disclosure, incident_records
from gawah.store.engine import transaction
from gawah.store.models import Document, EvidenceItem, Source
from gawah.store.vocab import Confidentiality


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    ACLED = "acled"
    HURIDOCS = "huridocs"


def export(
    output_format: Annotated[
        ExportFormat,
        typer.Option(
            "--format", "-f", help="json or csv (Gawah's schema), acled (CSV), huridocs (events JSON)."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    workspace: WorkspaceOption = None,
    level: Annotated[
        Confidentiality,
        typer.Option(
            "--confidentiality",
            help="Most confidential level exported (default public). Wider exports are for authorised users.",
        ),
    ] = Confidentiality.PUBLIC,
    identities: Annotated[
        bool, typer.Option("--identities", help="Name the persons involved (left out by default).")
    ] = False,
    violation: ViolationOption = None,
    province: ProvinceOption = None,
    district: DistrictOption = None,
    perpetrator: PerpetratorOption = None,
    status: StatusOption = None,
    period: PeriodOption = None,
    start: FromOption = None,
    end: ToOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Export confirmed incidents. By default public rows only, and no person named."""
    selection = selection_from_options(
        violation, province, district, perpetrator, status, period, start, end, level
    )
    disclosure = Disclosure.up_to(level.value, identities=identities)
    with open_workspace(workspace) as ws:
        con = snapshot.for_workspace(ws.engine, ws.settings.root, cached=not no_cache)
        try:
            ids = incident_ids(con, selection)
        finally:
            con.close()
        with ws.sessions() as session:
            records = incident_records(session, ids, disclosure)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(WRITERS[output_format.value](records), encoding="utf-8")
    print_json(
        {
            "out": str(out),
            "format": output_format.value,
            "incidents": len(records),
            "levels": list(disclosure.levels),
            "identities": identities,
        }
    )


def import_events(
    csv_file: Annotated[Path, typer.Argument(help="An ACLED export or a UCDP GED CSV.", show_default=False)],
    workspace: WorkspaceOption = None,
    source_name: Annotated[
        str | None, typer.Option("--source", help="The dataset's name as a source (default: ACLED or UCDP).")
    ] = None,
) -> None:
    """Import ACLED or UCDP events as candidate incidents (for review); the file is kept as evidence."""
    try:
        text = csv_file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{csv_file}: cannot read: {exc}")
    try:
        events, skipped = read_events(text)
    except ImportRefused as exc:
        fail(f"{csv_file}: {exc}")
    with open_workspace(workspace) as ws:
        outcome = Ingestor(ws.sessions, ws.blobs).ingest_file(csv_file)
        if outcome.status == "failed" or outcome.sha256 is None:
            fail(f"{csv_file}: not preserved: {outcome.message}")
        dataset = events[0].dataset if events else "events"
        with transaction(ws.sessions) as session:
            name = source_name or dataset
            source = session.scalar(select(Source).where(Source.name == name, Source.kind == "other"))
            if source is None:
                source = Source(name=name, kind="other", confidentiality=Confidentiality.PUBLIC.value)
                session.add(source)
                session.flush()
            item = session.scalar(select(EvidenceItem).where(EvidenceItem.sha256 == outcome.sha256))
            assert item is not None
            document = session.scalar(select(Document).where(Document.evidence_item_id == item.id))
            if document is None:
                # The CSV's own text is the document the imported incidents cite.
                document = Document(
                    evidence_item_id=item.id,
                    source_id=source.id,
                    title=f"{dataset} events: {csv_file.name}",
                    language="en",
                    text=text,
                    text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                    reader="csv/events-import",
                )
                session.add(document)
                session.flush()
            result = store_events(session, events, document_id=document.id, source_id=source.id)
            result.skipped = skipped
            # The imported incidents are found by search at once, like ingested ones.
            index_document(session, document)
    output = result.as_dict()
    output["document_id"] = document.id
    typer.echo(json.dumps(output, ensure_ascii=False, indent=2))


def register(app: typer.Typer) -> None:
    app.command("export")(export)
    app.command("import-events")(import_events)
