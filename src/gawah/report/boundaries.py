"""Province and district boundaries for maps, shipped with Gawah (no map tiles, nothing fetched).

`data/afghanistan_adm1.geojson` and `data/afghanistan_adm2.topojson` are geoBoundaries' simplified
ADM1 and ADM2 layers (CC BY 4.0, see data/SOURCES.md) with OCHA pcodes added, so that counts keyed
by pcode join onto shapes. `build` made them from ../shared/data/gazetteer; run it again with
`python -m gawah.report.boundaries GAZETTEER_DIR` if the sources change.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

DATA = Path(__file__).parent / "data"
PROVINCES_FILE = DATA / "afghanistan_adm1.geojson"
DISTRICTS_FILE = DATA / "afghanistan_adm2.topojson"
DISTRICTS_OBJECT = "districts"


@cache
def provinces_geojson() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PROVINCES_FILE.read_text(encoding="utf-8"))
    return data


@cache
def districts_topojson() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DISTRICTS_FILE.read_text(encoding="utf-8"))
    return data


def _gazetteer() -> dict[str, Any]:
    path = Path(__file__).resolve().parent.parent / "extract" / "data" / "gazetteer.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _round(coords: Any, digits: int = 3) -> Any:
    if isinstance(coords, list) and coords and isinstance(coords[0], (int, float)):
        return [round(float(c), digits) for c in coords]
    return [_round(c, digits) for c in coords]


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True))


def _clockwise(kind: str, coordinates: Any) -> Any:
    """Outer rings clockwise, holes anticlockwise: the order Vega's spherical projection expects
    (with RFC 7946's opposite order it fills the whole globe outside each province)."""
    polygons = [coordinates] if kind == "Polygon" else coordinates
    fixed = [
        [
            ring if (_signed_area(ring) < 0) == (i == 0) else list(reversed(ring))
            for i, ring in enumerate(polygon)
        ]
        for polygon in polygons
    ]
    return fixed[0] if kind == "Polygon" else fixed


def _decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    sx, sy = topology["transform"]["scale"]
    tx, ty = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        points.extend(arc if not points else arc[1:])
    return points


def _centroid(ring: list[tuple[float, float]]) -> tuple[float, float]:
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-12:
        return ring[0]
    return cx / (3 * area), cy / (3 * area)


def _inside(point: tuple[float, float], ring: list[list[float]]) -> bool:
    x, y = point
    hit = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y0 > y) != (y1 > y) and x < (x1 - x0) * (y - y0) / (y1 - y0) + x0:
            hit = not hit
    return hit


def _outer_rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    return [polygon[0] for polygon in geometry["coordinates"]]


def build(gazetteer_dir: Path, out_dir: Path = DATA) -> dict[str, int]:
    """Write the two boundary files with pcodes; returns how many shapes were matched to a pcode."""
    gazetteer = _gazetteer()
    by_iso = {p["iso"]: p for p in gazetteer["provinces"]}
    adm1 = json.loads(
        (gazetteer_dir / "geoboundaries" / "geoBoundaries-AFG-ADM1_simplified.geojson").read_text(
            encoding="utf-8"
        )
    )
    features: list[dict[str, Any]] = []
    for feature in adm1["features"]:
        iso = feature["properties"]["shapeISO"].replace("_", "-")
        # A few shapes carry a code outside ISO 3166-2 (AF-BDN for Badakhshan): match by name.
        province = by_iso.get(iso) or max(
            gazetteer["provinces"],
            key=lambda p: max(
                fuzz.ratio(feature["properties"]["shapeName"].casefold(), n.casefold())
                for n in [p["name"], *p["names"]]
            ),
        )
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "pcode": province["pcode"],
                    "name": province["name"],
                    "name_fa": province["name_fa"],
                },
                "geometry": {
                    "type": feature["geometry"]["type"],
                    "coordinates": _clockwise(
                        feature["geometry"]["type"], _round(feature["geometry"]["coordinates"])
                    ),
                },
            }
        )
    features.sort(key=lambda f: f["properties"]["pcode"])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / PROVINCES_FILE.name).write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")),
        encoding="utf-8",
    )

    topology = json.loads(
        (gazetteer_dir / "geoboundaries" / "geoBoundaries-AFG-ADM2_simplified.topojson").read_text(
            encoding="utf-8"
        )
    )
    arcs = _decode_arcs(topology)
    ((_name, layer),) = topology["objects"].items()
    matched = 0
    for geometry in layer["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [_ring(arcs, polygon[0]) for polygon in polygons]
        largest = max(rings, key=len)
        centre = _centroid(largest)
        province_code = next(
            (
                f["properties"]["pcode"]
                for f in features
                if any(_inside(centre, ring) for ring in _outer_rings(f["geometry"]))
            ),
            None,
        )
        shape_name = geometry["properties"]["shapeName"]
        best, score = None, 0.0
        for d in gazetteer["districts"]:
            for candidate in [d["name"], *d.get("names", [])]:
                # Names such as "Sia Gird ( Ghorbund)": the best of whole-name and word-set matching;
                # the province the shape lies in breaks ties (ADM1 and ADM2 borders differ a little).
                s = max(
                    fuzz.ratio(shape_name.casefold(), candidate.casefold()),
                    fuzz.token_set_ratio(shape_name.casefold(), candidate.casefold()) - 5,
                ) + (5 if d["province"] == province_code else 0)
                if s > score:
                    best, score = d, s
        pcode = best["pcode"] if best is not None and score >= 85 else None
        if best is not None and pcode is not None:
            province_code = best["province"]
        matched += pcode is not None
        geometry["properties"] = {"name": shape_name, "province": province_code, "pcode": pcode}
    topology["objects"] = {DISTRICTS_OBJECT: layer}
    (out_dir / DISTRICTS_FILE.name).write_text(json.dumps(topology, separators=(",", ":")), encoding="utf-8")
    return {
        "provinces": len(features),
        "districts": len(layer["geometries"]),
        "districts_with_pcode": matched,
    }


if __name__ == "__main__":
    print(build(Path(sys.argv[1])))
