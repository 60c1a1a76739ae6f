"""`gawah report`: a report in English, Dari or Pashto, as HTML and PDF."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from gawah.analysis import snapshot
from gawah.cli.common import WorkspaceOption, fail, open_workspace
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
from gawah.report import render
from gawah.report.records import Disclosure
from gawah.store.vocab import Confidentiality


class Language(StrEnum):
    EN = "en"
    FA = "fa"
    PS = "ps"


def report(
    out: Annotated[
        Path,
        typer.Option("--out", help="File to write: NAME.pdf, NAME.html, or NAME (both are written)."),
    ],
    workspace: WorkspaceOption = None,
    language: Annotated[Language, typer.Option("--language", "-l", help="en, fa (Dari) or ps (Pashto).")] = (
        Language.EN
    ),
    level: Annotated[
        Confidentiality,
        typer.Option(
            "--confidentiality",
            help="Most confidential level shown and counted (default public, for publication).",
        ),
    ] = Confidentiality.PUBLIC,
    annex_limit: Annotated[
        int, typer.Option(min=0, help="Most incidents listed in the annex.")
    ] = render.DEFAULT_ANNEX_LIMIT,
    charts: Annotated[bool, typer.Option("--charts/--no-charts", help="Draw charts and maps.")] = True,
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
    """Summary, methodology, tables, charts, map and annex of incidents with their sources.

    Every figure links to the incidents behind it. Public rows only unless --confidentiality says more.
    """
    selection = selection_from_options(
        violation, province, district, perpetrator, status, period, start, end, level
    )
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm", ""):
        fail(f"--out {out}: name a .pdf or .html file, or give no suffix for both")
    with open_workspace(workspace) as ws:
        con = snapshot.for_workspace(ws.engine, ws.settings.root, cached=not no_cache)
        try:
            with ws.sessions() as session:
                data = render.build(
                    con,
                    session,
                    selection,
                    language=language.value,
                    workspace_name=ws.settings.name,
                    disclosure=Disclosure.up_to(level.value),
                    annex_limit=annex_limit,
                    with_charts=charts,
                )
        finally:
            con.close()
    html = render.to_html(data)
    written = []
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix in (".html", ".htm", ""):
        path = out if suffix else out.with_suffix(".html")
        path.write_text(html, encoding="utf-8")
        written.append(str(path))
    if suffix in (".pdf", ""):
        path = out if suffix else out.with_suffix(".pdf")
        path.write_bytes(render.to_pdf(html))
        written.append(str(path))
    typer.echo(
        json.dumps(
            {
                "written": written,
                "language": language.value,
                "incidents": data.stats.incidents,
                "empty": data.empty,
                "annex": len(data.annex),
            },
            ensure_ascii=False,
            indent=2,
        )
    )


def register(app: typer.Typer) -> None:
    app.command("report")(report)
