"""`gawah extract FILE`: the facts of one document, without a workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gawah.cli.common import FormatOption, OutputFormat, console, fail, print_json
from gawah.extract import extract_facts
from gawah.extract.models import Extraction
from gawah.extract.pipeline import DocumentTooLarge


def extract(
    file: Annotated[
        Path, typer.Argument(help="A .txt, .md, .html or .pdf file.", metavar="FILE", show_default=False)
    ],
    output_format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Print the candidate facts of one document: incidents, named victims and claims."""
    from gawah.ingest.readers import ReadError, read_path

    if not file.is_file():
        fail(f"no such file: {file}")
    try:
        doc = read_path(file)
    except ReadError as exc:
        fail(f"{file}: {exc}")
    try:
        result = extract_facts(
            doc.text,
            title=doc.title,
            published=doc.published,
            language=doc.language if doc.language and doc.language != "und" else None,
            sha256=doc.sha256,
        )
    except DocumentTooLarge as exc:
        fail(f"{file}: {exc}")
    if output_format == OutputFormat.JSON:
        print_json(result.model_dump(mode="json"))
    else:
        print_table(result)


def print_table(result: Extraction) -> None:
    d = result.document
    console.print(f"[bold]{d.title or '(untitled)'}[/]  language={d.language}  "
                  f"published={d.published or '?'}")
    table = Table("violation", "count", "date", "places", "perpetrator", "reported by", "words")
    for inc in result.incidents:
        count = f"{inc.count.qualifier} {inc.count.value}" if inc.count else ""
        when = ""
        if inc.date:
            when = inc.date.start if inc.date.start == inc.date.end else f"{inc.date.start}..{inc.date.end}"
        places = ", ".join(p.name if p.province in (None, p.name) else f"{p.name} ({p.province})"
                           for p in inc.places)
        words = inc.spans[-1].quote if inc.spans else ""
        table.add_row(inc.violation, count, when, places, inc.perpetrator or "", inc.reported_by or "", words)
    console.print(table)
    if result.persons:
        people = Table("person", "role", "fate")
        for p in result.persons:
            people.add_row(p.name, p.role, p.fate or "")
        console.print(people)
    if result.claims:
        claims = Table("speaker", "affiliation", "date", "stance", "quote")
        for c in result.claims:
            claims.add_row(c.speaker, c.affiliation or "", c.date or "", c.stance, c.quote[:120])
        console.print(claims)


def register(app: typer.Typer) -> None:
    app.command("extract")(extract)
