"""Provinces and districts of the gazetteer the package ships (`extract/data/gazetteer.json`, built from
`shared/data/gazetteer/`; its sources are named there): codes for places named in the registry, and
names for codes in statistics."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

GAZETTEER = Path(__file__).resolve().parent.parent / "extract" / "data" / "gazetteer.json"


@cache
def _gazetteer() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GAZETTEER.read_text(encoding="utf-8"))
    return data


@cache
def _gazetteer_codes() -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Province name → pcode and (province pcode, district name) → pcode, from the extract gazetteer."""
    data = _gazetteer()
    provinces: dict[str, str] = {}
    for p in data["provinces"]:
        for name in [p["name"], p.get("name_fa") or "", *p.get("names", [])]:
            if name:
                provinces.setdefault(name.casefold(), p["pcode"])
        provinces.setdefault(p["pcode"].casefold(), p["pcode"])
    districts: dict[tuple[str, str], str] = {}
    for d in data["districts"]:
        for name in [d["name"], *d.get("names", [])]:
            districts.setdefault((d["province"], name.casefold()), d["pcode"])
    return provinces, districts


def place_codes(
    province: str | None, district: str | None, pcode: str | None
) -> tuple[str | None, str | None]:
    """The province (AFpp) and district (AFppdd) codes of a place, from its pcode or its names."""
    provinces, districts = _gazetteer_codes()
    code = (pcode or "").strip().upper()
    province_code = code[:4] if len(code) >= 4 and code.startswith("AF") else None
    district_code = code[:6] if len(code) >= 6 and code.startswith("AF") else None
    if province_code is None and province:
        province_code = provinces.get(province.strip().casefold())
    if district_code is None and district and province_code:
        district_code = districts.get((province_code, district.strip().casefold()))
    return province_code, district_code


@cache
def place_names() -> dict[str, tuple[str, str]]:
    """pcode → (English name, Dari name) of provinces and districts."""
    data = _gazetteer()
    names: dict[str, tuple[str, str]] = {}
    for p in data["provinces"]:
        names[p["pcode"]] = (p["name"], p.get("name_fa") or "")
    for d in data["districts"]:
        native = next((n for n in d.get("names", []) if any("\u0600" <= ch <= "\u06ff" for ch in n)), "")
        names[d["pcode"]] = (d["name"], native)
    return names


def english_place_labels() -> dict[str, dict[str, str]]:
    """Labels for the province and district dimensions of statistics: each pcode's English name."""
    names = place_names()
    return {
        "province": {code: name for code, (name, _fa) in names.items() if len(code) == 4},
        "district": {code: name for code, (name, _fa) in names.items() if len(code) == 6},
    }
