"""The statistics dashboard and the timeline, as pages and as JSON: thin routes over `gawah.analysis`.

Pages are rendered from `gawah/report/templates` in the report's words (`gawah.report.i18n`) and
placed in the site's layout; charts and maps are PNG images drawn on the server (no script, so the
strict content security policy holds). Every count links to the timeline of the incidents behind it.
Each route asks the policy through one dependency, and counts only the levels the caller may see.
All four routes take the same filters through one more (`AnalysisFilters`, read by `filtered`): the
search's filters (violation, province, district, status, source, period) and the perpetrator, each
validated before any query is made: codes from the vocabularies, bounded names, real dates.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import urlencode

import duckdb
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlalchemy import select

from gawah.analysis import snapshot, timeline
from gawah.analysis.selection import COUNTED_STATUSES, Selection, SelectionError, make_selection
from gawah.analysis.stats import CSV_FIELDS, DIMENSIONS, GroupCount, VictimCount, compute
from gawah.report import charts
from gawah.report.i18n import MESSAGES, ReportText
from gawah.report.render import HEADINGS, TEMPLATES, TITLES
from gawah.security.policy import Action, Principal, visible_levels
from gawah.store.models import Incident
from gawah.store.vocab import PERPETRATORS, VIOLATIONS
from gawah.web.auth import requires
from gawah.web.i18n import choose_locale

Render = Callable[..., HTMLResponse]
Reader = Annotated[Principal, Depends(requires(Action.DOCUMENT_READ))]
PAGE_SIZE = 50


def _one_of(codes: tuple[str, ...]) -> str:
    # Empty is allowed: a form's "All" option sends the parameter with no value.
    return "^(" + "|".join(codes) + ")?$"


ViolationCode = Annotated[str, StringConstraints(pattern=_one_of(VIOLATIONS))]
PerpetratorCode = Annotated[str, StringConstraints(pattern=_one_of(PERPETRATORS))]
StatusCode = Annotated[str, StringConstraints(pattern=_one_of(COUNTED_STATUSES))]
# A province or district by name (any script) or pcode; no control characters.
PlaceName = Annotated[str, StringConstraints(max_length=120, pattern=r"^[^\x00-\x1f\x7f]*$")]
SourceId = Annotated[int, Field(ge=1, le=2**31 - 1)]
PERIOD_PATTERN = r"^(\d{4}(-\d{2}){0,2})?(\.\.(\d{4}(-\d{2}){0,2})?)?$"
MAX_VALUES = 50


class AnalysisFilters(BaseModel):
    """Which confirmed incidents a statistic or timeline is about, as query parameters.

    Repeat a parameter for several values (`?province=AF08&province=AF01`: either). `from` and `to`
    bound the period (an incident counts when it overlaps it), and so does `period` (`2022`,
    `2022-09`, `2022-09-05`, or two of them joined by `..`); given together, the narrower wins.
    """

    model_config = ConfigDict(frozen=True)

    violation: list[ViolationCode] = Field(
        default_factory=list, max_length=MAX_VALUES, description="Violation codes (TAXONOMY.md)."
    )
    province: list[PlaceName] = Field(
        default_factory=list, max_length=MAX_VALUES, description="Province names or pcodes (AF08)."
    )
    district: list[PlaceName] = Field(
        default_factory=list, max_length=MAX_VALUES, description="District names or pcodes (AF0801)."
    )
    perpetrator: list[PerpetratorCode] = Field(default_factory=list, max_length=MAX_VALUES)
    status: list[StatusCode] = Field(
        default_factory=list,
        max_length=MAX_VALUES,
        description="Incident status (retracted ones are not counted).",
    )
    source: list[SourceId] = Field(
        default_factory=list, max_length=MAX_VALUES, description="Ids of sources reporting the incident."
    )
    start: dt.date | None = Field(None, alias="from", description="Period start, YYYY-MM-DD.")
    end: dt.date | None = Field(None, alias="to", description="Period end, YYYY-MM-DD.")
    period: Annotated[str, StringConstraints(max_length=21, pattern=PERIOD_PATTERN)] = Field(
        "", description="YYYY, YYYY-MM, YYYY-MM-DD, or two of them joined by '..'."
    )

    @field_validator("source", mode="before")
    @classmethod
    def _no_empty_ids(cls, value: Any) -> Any:
        # A form field left blank arrives as an empty string: no filter, not an error.
        if isinstance(value, list):
            return [v for v in value if v != ""]
        return value

    @field_validator("start", "end", mode="before")
    @classmethod
    def _no_empty_date(cls, value: Any) -> Any:
        return value or None

    def selection(self, levels: tuple[str, ...]) -> Selection:
        """The selection these filters make for a reader of `levels`; SelectionError if inconsistent."""
        return make_selection(
            violations=self.violation,
            provinces=self.province,
            districts=self.district,
            perpetrators=self.perpetrator,
            statuses=self.status,
            sources=self.source,
            start=self.start,
            end=self.end,
            period=self.period or None,
            levels=levels,
        )


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


_ENV = _environment()


@lru_cache(maxsize=256)
def _png(spec_json: str) -> str:
    """A chart drawn once per distinct spec (drawing takes longer than counting)."""
    return charts.data_uri(charts.to_png(json.loads(spec_json)))


def _chart(spec: dict[str, Any]) -> str:
    return _png(json.dumps(spec, sort_keys=True, ensure_ascii=False))


def _connection(request: Request) -> Iterator[duckdb.DuckDBPyConnection]:
    workspace = request.app.state.workspace
    con = snapshot.for_workspace(workspace.engine, workspace.settings.root)
    try:
        yield con
    finally:
        con.close()


Snapshot = Annotated[duckdb.DuckDBPyConnection, Depends(_connection)]


def filtered(principal: Reader, filters: Annotated[AnalysisFilters, Query()]) -> Selection:
    """The selection of a request: its filters, over the levels its caller may see."""
    try:
        return filters.selection(visible_levels(principal))
    except SelectionError as exc:
        raise HTTPException(422, detail=str(exc)) from None


Filtered = Annotated[Selection, Depends(filtered)]


def _language(request: Request) -> ReportText:
    default = request.app.state.workspace.settings.default_locale
    code = choose_locale(
        request.query_params.get("lang"),
        request.cookies.get("gawah_lang"),
        request.headers.get("accept-language"),
        default,
    )
    return ReportText(code)


def _href(path: str, selection: Selection, **extra: str) -> str:
    items = selection.query_items() + [(k, v) for k, v in extra.items() if v]
    return path + ("?" + urlencode(items) if items else "")


def _filtered(selection: Selection, dimension: str, key: str) -> Selection:
    """The selection narrowed to one group (what a count's link shows)."""
    if dimension == "month" and key != "unknown":
        first = make_selection(period=key)
        return Selection(**{**selection.__dict__, "start": first.start, "end": first.end})
    field = {
        "violation": "violations",
        "province": "provinces",
        "district": "districts",
        "perpetrator": "perpetrators",
    }.get(dimension)
    if field is None:
        return selection
    return Selection(**{**selection.__dict__, field: (key,)})


def register(app: FastAPI, render: Render) -> None:
    """Add the dashboard (/analysis), the timeline (/analysis/timeline) and their JSON routes."""

    def page(request: Request, title: str, body: str) -> HTMLResponse:
        return render(request, "analysis.html", page_title=title, body=Markup(body), section="analysis")

    @app.api_route("/analysis", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False)
    def dashboard(
        request: Request,
        principal: Reader,
        con: Snapshot,
        selection: Filtered,
    ) -> HTMLResponse:
        text = _language(request)
        stats = compute(con, selection)
        figures = []
        if not stats.empty:
            for dimension in DIMENSIONS:
                groups = stats.groups[dimension]
                if dimension == "province":
                    spec = charts.province_map(groups, text, text.t("Incidents by province"))
                elif dimension == "district":
                    spec = charts.district_map(groups, text, text.t("Incidents by district"))
                elif dimension == "month":
                    spec = charts.month_chart(groups, text, text.t("Incidents per month"))
                else:
                    spec = charts.bar_chart(groups[:15], dimension, text, text.t(TITLES[dimension]))
                rows = [
                    {
                        "name": text.key(dimension, g.key),
                        "incidents": text.num(g.incidents),
                        "victims": text.victims(g.victims.total, g.victims.bound),
                        "href": _href("/analysis/timeline", _filtered(selection, dimension, g.key)),
                    }
                    for g in groups
                ]
                figures.append(
                    {
                        "dimension": dimension,
                        "title": text.t(TITLES[dimension]),
                        "chart": _chart(spec),
                        "rows": rows,
                    }
                )
        body = _ENV.get_template("dashboard.html").render(
            t=text.t,
            text=text,
            stats=stats,
            figures=figures,
            headings=HEADINGS,
            selection=selection,
            timeline_href=_href("/analysis/timeline", selection),
            json_href=_href("/api/analysis/stats", selection),
            csv_href=_href("/api/analysis/stats", selection, format="csv"),
            statuses=[s for s in MESSAGES if s in ("reported", "corroborated", "verified", "disputed")],
        )
        return page(request, text.t("Statistics"), body)

    @app.api_route(
        "/analysis/timeline", methods=["GET", "HEAD"], response_class=HTMLResponse, include_in_schema=False
    )
    def timeline_page(
        request: Request,
        principal: Reader,
        con: Snapshot,
        selection: Filtered,
        page_number: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
    ) -> HTMLResponse:
        text = _language(request)
        line = timeline.build(con, selection, limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE)
        with request.app.state.workspace.sessions() as session:
            ids = [e.incident_id for e in line.entries]
            titles = dict(
                session.execute(select(Incident.id, Incident.title).where(Incident.id.in_(ids))).all()
            )
        pages = max(1, -(-line.total // PAGE_SIZE))
        body = _ENV.get_template("timeline.html").render(
            t=text.t,
            text=text,
            line=line,
            titles=titles,
            chart=_chart(
                charts.month_chart(
                    [
                        # The month chart reads the same fields as statistics groups.
                        _period_group(p.period, p.incidents)
                        for p in line.periods
                    ],
                    text,
                    text.t("Incidents per month"),
                )
            )
            if line.periods
            else None,
            previous_href=_href("/analysis/timeline", selection, page=str(page_number - 1))
            if page_number > 1
            else None,
            next_href=_href("/analysis/timeline", selection, page=str(page_number + 1))
            if page_number < pages
            else None,
            stats_href=_href("/analysis", selection),
        )
        return page(request, text.t("Timeline"), body)

    @app.get(
        "/api/analysis/stats",
        tags=["analysis"],
        response_model=None,
        responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    )
    def api_stats(
        principal: Reader,
        con: Snapshot,
        selection: Filtered,
        format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
    ) -> Response:
        """Incidents and victims by violation, province, district, month, victim group and perpetrator,
        over the confirmed incidents the caller may see; victim totals keep their bound (at_least)."""
        result = compute(con, selection)
        if format == "csv":
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(result.csv_rows())
            return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8")
        return JSONResponse(result.as_dict())

    @app.get("/api/analysis/timeline", tags=["analysis"], response_model=None)
    def api_timeline(
        principal: Reader,
        con: Snapshot,
        selection: Filtered,
        granularity: Annotated[str, Query(pattern="^(day|month|year)$")] = "month",
        limit: Annotated[int, Query(ge=0, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    ) -> JSONResponse:
        """Counts per period and one page of confirmed incidents in date order."""
        line = timeline.build(con, selection, granularity=granularity, limit=limit, offset=offset)
        return JSONResponse(line.as_dict())


def _period_group(period: str, incidents: int) -> GroupCount:
    return GroupCount(period, period, incidents, 0, VictimCount.of(0, 0, 0, 0))
