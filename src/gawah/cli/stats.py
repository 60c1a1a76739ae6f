"""`gawah stats` and `gawah timeline`: counts and the timeline of confirmed incidents, with filters."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from gawah.analysis import snapshot
from gawah.analysis import timeline as timeline_module
from gawah.analysis.selection import Selection, SelectionError, make_selection
from gawah.analysis.stats import CSV_FIELDS, DIMENSIONS, compute
from gawah.cli.common import WorkspaceOption, fail, open_workspace, print_json
from gawah.store.vocab import Confidentiality


class StatsFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


class Granularity(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


_LEVEL_ORDER = [c.value for c in Confidentiality]

ViolationOption = Annotated[
    list[str] | None, typer.Option("--violation", help="Violation code (repeatable), e.g. killing.")
]
ProvinceOption = Annotated[
    list[str] | None,
    typer.Option("--province", help="Province name or pcode (repeatable), e.g. Panjshir or AF08."),
]
DistrictOption = Annotated[
    list[str] | None, typer.Option("--district", help="District name or pcode (repeatable).")
]
PerpetratorOption = Annotated[
    list[str] | None, typer.Option("--perpetrator", help="Perpetrator code (repeatable); 'unknown' for none.")
]
StatusOption = Annotated[
    list[str] | None,
    typer.Option(
        "--status", help="Incident status (repeatable): reported, corroborated, verified, disputed."
    ),
]
PeriodOption = Annotated[
    str | None,
    typer.Option("--period", help="YYYY, YYYY-MM, YYYY-MM-DD, or FROM..TO (either side may be left open)."),
]
SourceOption = Annotated[
    list[int] | None,
    typer.Option("--source", min=1, help="Only incidents reported by this source id (repeatable)."),
]
FromOption = Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")]
ToOption = Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).")]
LevelOption = Annotated[
    Confidentiality,
    typer.Option(
        "--confidentiality",
        help="Most confidential level counted: public, restricted (default) or confidential.",
    ),
]
NoCacheOption = Annotated[
    bool,
    typer.Option("--no-cache", help="Read the registry afresh instead of the workspace's snapshot file."),
]


def selection_from_options(
    violation: list[str] | None,
    province: list[str] | None,
    district: list[str] | None,
    perpetrator: list[str] | None,
    status: list[str] | None,
    period: str | None,
    start: str | None,
    end: str | None,
    level: Confidentiality,
    source: list[int] | None = None,
) -> Selection:
    """The options every analysis command shares, as a Selection (exits with the reason if bad)."""
    levels = tuple(_LEVEL_ORDER[: _LEVEL_ORDER.index(level.value) + 1])
    try:
        return make_selection(
            violations=violation,
            provinces=province,
            districts=district,
            perpetrators=perpetrator,
            statuses=status,
            period=period,
            start=start,
            end=end,
            levels=levels,
            sources=source,
        )
    except SelectionError as exc:
        fail(str(exc))


def stats(
    workspace: WorkspaceOption = None,
    output_format: Annotated[
        StatsFormat, typer.Option("--format", "-f", help="json or csv.")
    ] = StatsFormat.JSON,
    by: Annotated[
        list[str] | None,
        typer.Option("--by", help=f"Group by (repeatable; default all): {', '.join(DIMENSIONS)}."),
    ] = None,
    violation: ViolationOption = None,
    province: ProvinceOption = None,
    district: DistrictOption = None,
    perpetrator: PerpetratorOption = None,
    status: StatusOption = None,
    period: PeriodOption = None,
    start: FromOption = None,
    end: ToOption = None,
    source: SourceOption = None,
    level: LevelOption = Confidentiality.RESTRICTED,
    no_cache: NoCacheOption = False,
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh", help="Rebuild the workspace's snapshot file first (after rows were deleted by hand)."
        ),
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """Incidents and victims by violation, province, district, month, victim group and perpetrator.

    Victim totals keep their bound: a total that adds any "at least" count is "at_least".
    """
    selection = selection_from_options(
        violation, province, district, perpetrator, status, period, start, end, level, source
    )
    dimensions = tuple(dict.fromkeys(by)) if by else DIMENSIONS
    bad = [d for d in dimensions if d not in DIMENSIONS]
    if bad:
        fail(f"unknown --by {', '.join(bad)}: one of {', '.join(DIMENSIONS)}")
    with open_workspace(workspace) as ws:
        con = snapshot.for_workspace(ws.engine, ws.settings.root, cached=not no_cache, refresh=refresh)
        try:
            result = compute(con, selection, dimensions)
        finally:
            con.close()
    if output_format is StatsFormat.CSV:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(result.csv_rows())
        text = buffer.getvalue()
    else:
        text = json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n"
    if out is not None:
        out.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)


def timeline(
    workspace: WorkspaceOption = None,
    granularity: Annotated[
        Granularity, typer.Option(help="Periods counted: day, month or year.")
    ] = Granularity.MONTH,
    limit: Annotated[int, typer.Option(min=0, max=100_000, help="Incidents listed.")] = 100,
    offset: Annotated[int, typer.Option(min=0, help="Incidents skipped before the list.")] = 0,
    newest_first: Annotated[
        bool, typer.Option("--newest-first", help="List the latest incidents first.")
    ] = False,
    violation: ViolationOption = None,
    province: ProvinceOption = None,
    district: DistrictOption = None,
    perpetrator: PerpetratorOption = None,
    status: StatusOption = None,
    period: PeriodOption = None,
    start: FromOption = None,
    end: ToOption = None,
    source: SourceOption = None,
    level: LevelOption = Confidentiality.RESTRICTED,
    no_cache: NoCacheOption = False,
) -> None:
    """The timeline of confirmed incidents (JSON): counts per period and the incidents in date order."""
    selection = selection_from_options(
        violation, province, district, perpetrator, status, period, start, end, level, source
    )
    with open_workspace(workspace) as ws:
        con = snapshot.for_workspace(ws.engine, ws.settings.root, cached=not no_cache)
        try:
            result = timeline_module.build(
                con,
                selection,
                granularity=granularity.value,
                limit=limit,
                offset=offset,
                newest_first=newest_first,
            )
        finally:
            con.close()
    print_json(result.as_dict())


def register(app: typer.Typer) -> None:
    app.command("stats")(stats)
    app.command("timeline")(timeline)
