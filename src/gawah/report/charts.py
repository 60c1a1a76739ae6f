"""Charts and maps as Vega-Lite specifications, drawn to PNG in process by vl-convert (no browser,
no network): the same picture in the PDF, the HTML report and the dashboard.

Specs are plain data (dicts), so a test can read what a chart says without looking at pixels.
Arabic-script labels are shaped by vl-convert's text engine with the Noto fonts registered below.
"""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path
from typing import Any

from gawah.analysis.stats import GroupCount
from gawah.report.boundaries import DISTRICTS_OBJECT, districts_topojson, provinces_geojson
from gawah.report.i18n import ReportText

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"))
COLOUR = "#8c2d04"
SCHEME = "oranges"


def _font(text: ReportText) -> str:
    return "Noto Naskh Arabic" if text.direction == "rtl" else "Noto Sans"


def _config(text: ReportText) -> dict[str, Any]:
    font = _font(text)
    return {
        "font": font,
        "axis": {"labelFont": font, "titleFont": font, "labelFontSize": 12, "titleFontSize": 12},
        "legend": {"labelFont": font, "titleFont": font},
        "view": {"stroke": None},
    }


def _count_axis(most: int) -> dict[str, Any]:
    """Whole numbers only: with small counts, one tick per value."""
    axis: dict[str, Any] = {"format": "d", "tickMinStep": 1}
    if most <= 10:
        axis["values"] = list(range(0, most + 1))
    return axis


def bar_chart(groups: list[GroupCount], dimension: str, text: ReportText, title: str) -> dict[str, Any]:
    """Incidents per group, largest first, as horizontal bars."""
    values = [{"group": text.key(dimension, g.key), "incidents": g.incidents} for g in groups]
    return {
        "$schema": SCHEMA,
        "title": {"text": title, "font": _font(text)},
        "data": {"values": values},
        "mark": {"type": "bar", "color": COLOUR},
        "encoding": {
            "y": {"field": "group", "type": "nominal", "sort": "-x", "title": None},
            "x": {
                "field": "incidents",
                "type": "quantitative",
                "title": text.t("Incidents"),
                "axis": _count_axis(max((g.incidents for g in groups), default=0)),
                # Right to left: bars grow from the right edge.
                "scale": {"reverse": text.direction == "rtl"},
            },
        },
        "width": 420,
        "config": _config(text),
    }


def month_chart(groups: list[GroupCount], text: ReportText, title: str) -> dict[str, Any]:
    values = [{"month": g.key, "incidents": g.incidents} for g in groups if g.key != "unknown"]
    return {
        "$schema": SCHEMA,
        "title": {"text": title, "font": _font(text)},
        "data": {"values": values},
        "mark": {"type": "bar", "color": COLOUR},
        "encoding": {
            "x": {
                "field": "month",
                "type": "ordinal",
                "sort": "descending" if text.direction == "rtl" else "ascending",
                "title": text.t("Month"),
            },
            "y": {
                "field": "incidents",
                "type": "quantitative",
                "title": text.t("Incidents"),
                "axis": _count_axis(max((g.incidents for g in groups), default=0))
                | {"orient": "right" if text.direction == "rtl" else "left"},
            },
        },
        "width": 520,
        "config": _config(text),
    }


def province_map(groups: list[GroupCount], text: ReportText, title: str) -> dict[str, Any]:
    """A choropleth of incidents per province (pcode AFpp), from the shipped boundaries."""
    counts = [{"pcode": g.key, "incidents": g.incidents} for g in groups if g.key.startswith("AF")]
    features = provinces_geojson()["features"]
    return _choropleth(
        {"values": features, "format": {"type": "json"}}, counts, text, title, "properties.pcode"
    )


def district_map(groups: list[GroupCount], text: ReportText, title: str) -> dict[str, Any]:
    counts = [{"pcode": g.key, "incidents": g.incidents} for g in groups if len(g.key) == 6]
    data = {"values": districts_topojson(), "format": {"type": "topojson", "feature": DISTRICTS_OBJECT}}
    return _choropleth(data, counts, text, title, "properties.pcode")


def _choropleth(
    data: dict[str, Any], counts: list[dict[str, Any]], text: ReportText, title: str, key: str
) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": {"text": title, "font": _font(text)},
        "width": 520,
        "height": 420,
        "projection": {"type": "mercator"},
        "layer": [
            {
                "data": data,
                "mark": {"type": "geoshape", "fill": "#eeeeee", "stroke": "#ffffff", "strokeWidth": 0.5},
            },
            {
                "data": data,
                "transform": [
                    {
                        "lookup": key,
                        "from": {"data": {"values": counts}, "key": "pcode", "fields": ["incidents"]},
                    },
                    {"filter": "isValid(datum.incidents)"},
                ],
                "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.5},
                "encoding": {
                    "color": {
                        "field": "incidents",
                        "type": "quantitative",
                        "scale": {"scheme": SCHEME},
                        "title": text.t("Incidents"),
                        "legend": {"format": "d"}
                        | ({"values": sorted({c["incidents"] for c in counts})} if len(counts) <= 8 else {}),
                    }
                },
            },
        ],
        "config": _config(text),
    }


@cache
def _fonts_registered() -> bool:
    import vl_convert

    for folder in FONT_DIRS:
        if folder.is_dir():
            vl_convert.register_font_directory(str(folder))
    return True


def to_png(spec: dict[str, Any], scale: float = 2.0) -> bytes:
    import vl_convert

    _fonts_registered()
    png: bytes = vl_convert.vegalite_to_png(spec, scale=scale)
    return png


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
