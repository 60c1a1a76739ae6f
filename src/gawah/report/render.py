"""`gawah report`: a report in the form of a UN human-rights report, as HTML and PDF.

Summary, methodology, tables, charts and maps, and an annex of incidents with their sources. Every
figure links to the records it counts: a number in a table links to the list of incidents behind it,
each of which links to its entry in the annex. Statistics come from `gawah.analysis`; this module
only lays them out. A selection with no confirmed incident gives a report that says so, with no
empty charts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from gawah.analysis.selection import Selection
from gawah.analysis.stats import DIMENSIONS, Statistics, compute, group_members
from gawah.report import charts
from gawah.report.i18n import ReportText
from gawah.report.records import Disclosure, incident_records
from gawah.web.formatting import solar_hijri

TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_ANNEX_LIMIT = 2000
TITLES = {
    "violation": "Incidents and victims by violation",
    "province": "By province",
    "district": "By district",
    "month": "By month",
    "victim_group": "By victim group",
    "perpetrator": "By perpetrator",
}
HEADINGS = {
    "violation": "Violation",
    "province": "Province",
    "district": "District",
    "month": "Month",
    "victim_group": "Victim group",
    "perpetrator": "Perpetrator",
}


def anchor(*parts: object) -> str:
    """An id usable in a URL fragment (codes are ASCII; anything else is replaced)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(str(p) for p in parts)).strip("-")


@dataclass
class Figure:
    dimension: str
    title: str
    chart: str | None
    rows: list[dict[str, Any]]


@dataclass
class ReportData:
    text: ReportText
    workspace_name: str
    prepared_on: dt.date
    stats: Statistics
    figures: list[Figure] = field(default_factory=list)
    members: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    annex: list[dict[str, Any]] = field(default_factory=list)
    annex_total: int = 0
    disclosure: Disclosure = field(default_factory=Disclosure)

    @property
    def empty(self) -> bool:
        return self.stats.empty


def _rows(stats: Statistics, dimension: str, text: ReportText) -> list[dict[str, Any]]:
    return [
        {
            "key": g.key,
            "name": text.key(dimension, g.key),
            "incidents": text.num(g.incidents),
            "victims": text.victims(g.victims.total, g.victims.bound),
            "anchor": anchor("records", dimension, g.key),
        }
        for g in stats.groups[dimension]
    ]


def _chart(stats: Statistics, dimension: str, text: ReportText) -> str | None:
    groups = stats.groups[dimension]
    if not groups:
        return None
    title = text.t(TITLES[dimension])
    if dimension == "province":
        spec = charts.province_map(groups, text, text.t("Incidents by province"))
    elif dimension == "district":
        spec = charts.district_map(groups, text, text.t("Incidents by district"))
    elif dimension == "month":
        spec = charts.month_chart(groups, text, text.t("Incidents per month"))
    else:
        spec = charts.bar_chart(groups[:15], dimension, text, title)
    return charts.data_uri(charts.to_png(spec))


def build(
    con: duckdb.DuckDBPyConnection,
    session: Session,
    selection: Selection,
    *,
    language: str,
    workspace_name: str,
    disclosure: Disclosure,
    annex_limit: int = DEFAULT_ANNEX_LIMIT,
    with_charts: bool = True,
    today: dt.date | None = None,
) -> ReportData:
    """Everything a report shows, for `selection` as far as `disclosure` allows."""
    text = ReportText(language)
    # What is counted is what may be shown: a reader can follow every figure to its records.
    selection = Selection(
        **{
            **selection.__dict__,
            "levels": tuple(level for level in selection.levels if level in disclosure.levels),
        }
    )
    stats = compute(con, selection, DIMENSIONS)
    data = ReportData(text, workspace_name, today or dt.date.today(), stats, disclosure=disclosure)
    if stats.empty:
        return data
    for dimension in DIMENSIONS:
        data.figures.append(
            Figure(
                dimension,
                text.t(TITLES[dimension]),
                _chart(stats, dimension, text) if with_charts else None,
                _rows(stats, dimension, text),
            )
        )
        data.members[dimension] = group_members(con, selection, dimension)
    ids = sorted({i for groups in data.members["month"].values() for i in groups})
    data.annex_total = len(ids)
    data.annex = incident_records(session, ids[:annex_limit], disclosure)
    return data


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _date(text: ReportText, value: str | None) -> str:
    if not value:
        return text.t("Unknown")
    day = dt.date.fromisoformat(value)
    if text.code == "en":
        return value
    return f"{solar_hijri(day, text.code)} (\u2066{text.num_text(value)}\u2069)"


def to_html(data: ReportData) -> str:
    text = data.text
    selection = data.stats.selection
    period = (
        f"{_date(text, selection.start.isoformat()) if selection.start else '…'} – "
        f"{_date(text, selection.end.isoformat()) if selection.end else '…'}"
        if selection.start or selection.end
        else text.t("all dates")
    )
    filters = [
        (text.t(HEADINGS[dim]), ", ".join(text.key(dim, v) for v in values))
        for dim, values in (
            ("violation", selection.violations),
            ("province", selection.provinces),
            ("district", selection.districts),
            ("perpetrator", selection.perpetrators),
        )
        if values
    ] + (
        [(text.t("Status"), ", ".join(text.status(s) for s in selection.statuses))]
        if selection.statuses
        else []
    )
    top = data.stats.groups.get("violation", [])
    return (
        _environment()
        .get_template("report.html")
        .render(
            d=data,
            t=text.t,
            text=text,
            stats=data.stats,
            period=period,
            filters=filters,
            top=top[0] if top else None,
            headings=HEADINGS,
            anchor=anchor,
            date=lambda v: _date(text, v),
            levels=", ".join(text.t(level) for level in data.disclosure.levels),
        )
    )


def to_pdf(html: str) -> bytes:
    """The HTML laid out as PDF pages by WeasyPrint (Pango shapes Arabic script)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    return pdf
