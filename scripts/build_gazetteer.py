#!/usr/bin/env python3
"""Rebuild the compact gazetteer packaged with the extractor.

Reads the public sources under shared/data/gazetteer/ (see its SOURCES.md) and writes
src/gawah/extract/data/gazetteer.json: the 34 provinces and 399 districts of the OCHA/AGCHO 2018
reference set with their codes, each with its spelling variants in English, Dari and Pashto, plus
villages (romanised, some with a Dari spelling) and the province and district they lie in.

Usage: python scripts/build_gazetteer.py [SHARED_GAZETTEER_DIR] [OUT_JSON]
"""

from __future__ import annotations

import csv
import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SRC = ROOT.parent / "shared" / "data" / "gazetteer"
DEFAULT_OUT = ROOT / "src" / "gawah" / "extract" / "data" / "gazetteer.json"

# Common English spellings of province names in UN, NGO and media reports that the sources above
# do not carry (or carry only in one form). Keyed by OCHA pcode.
PROVINCE_SPELLINGS = {
    "AF01": ["Kabol"], "AF04": ["Wardak", "Wardag", "Maidan Wardak", "Maydan Wardak", "Wardaq"],
    "AF08": ["Panjshir", "Panjsheer", "Panjshayr", "Panjshear", "Panjsher"],
    "AF10": ["Bamiyan", "Bamian"], "AF13": ["Paktia", "Paktiya", "Paktya"], "AF14": ["Khowst"],
    "AF15": ["Konar"], "AF16": ["Nurestan"], "AF19": ["Kunduz", "Kundoz", "Qunduz", "Konduz"],
    "AF22": ["Sar-e Pol", "Sar-i-Pul", "Sari Pul", "Sar-e-Pol", "Sar e Pul", "Saripul", "Sar-i Pul"],
    "AF23": ["Ghowr"], "AF24": ["Daikundi", "Dai Kundi", "Daikondi", "Daykondi"],
    "AF25": ["Oruzgan", "Urozgan", "Uruzgan", "Orozgan"], "AF26": ["Zabol"],
    "AF27": ["Qandahar", "Kandahar"], "AF28": ["Jowzjan", "Jozjan", "Jawzjan"],
    "AF29": ["Faryab", "Faryaab"], "AF30": ["Helmand", "Hilmand"], "AF32": ["Herat", "Hirat"],
    "AF34": ["Nimruz", "Nimroz"], "AF17": ["Badakhshan", "Badakshan"],
}
# Dari/Pashto spellings seen in Afghan media that differ from the sources.
PROVINCE_SPELLINGS_AR = {
    "AF15": ["کنر", "کونړ", "کنړ"], "AF13": ["پکتیا", "پکتیاء"], "AF19": ["کندوز", "قندوز", "کندز"],
    "AF27": ["قندهار", "کندهار"], "AF30": ["هلمند"], "AF04": ["وردک", "میدان وردگ", "میدان وردک"],
    "AF22": ["سرپل", "سر پل"], "AF25": ["اروزگان", "ارزگان", "روزگان"], "AF24": ["دایکندی", "دایکنډی"],
    "AF08": ["پنجشیر", "پنجشېر", "پنجشير"], "AF21": ["بلخ"], "AF32": ["هرات"],
}
PREFIXES_AR = re.compile(
    r"^(?:مسجد|جامع|جامع|مکتب|مكتب|لیسه|ليسه|لیسهٔ|ابتدائیه|ابتدائيه|متوسطه|عالی|دبیرستان|کلینیک|"
    r"کلنیک|مدرسه|شفاخانه|دارالحفاظ|دار|الحفاظ|ذکور|اناث|انات|نسوان|دخترانه|پسرانه)\s+")
NOT_VILLAGE = re.compile(
    r"\b(street|road|school|mosque|nahia|district|center|centre|hospital|clinic|office|"
    r"building|market|bazaar|university|project|block|square|ministry|camp)\b", re.IGNORECASE)


def ascii_key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def clean_en(name: str) -> str:
    name = " ".join(name.replace("_", " ").split())
    return name.title() if name.isupper() else name


def add(names: list[str], *more: str | None) -> None:
    for n in more:
        if n and n.strip() and n.strip() not in names and n.strip().upper() != "N/A":
            names.append(n.strip())


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else DEFAULT_SRC
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT

    provinces: dict[str, dict[str, Any]] = {}
    prov_by_key: dict[str, str] = {}
    adm1 = src / "ocha_agcho_2018/afg_adm1_agcho_20180522_attributes_centroids.csv"
    with open(adm1, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            pcode = row["ADM1_PCODE"]
            names: list[str] = []
            add(names, row["ADM1_EN"], row["ADM1_DA"], *PROVINCE_SPELLINGS.get(pcode, []),
                *PROVINCE_SPELLINGS_AR.get(pcode, []))
            provinces[pcode] = {"pcode": pcode, "name": row["ADM1_EN"], "name_fa": row["ADM1_DA"],
                                "region": row["REG_EN"], "lat": round(float(row["centroid_lat"]), 4),
                                "lon": round(float(row["centroid_lon"]), 4), "names": names}
    for pcode, p in provinces.items():
        for n in p["names"]:
            prov_by_key[ascii_key(n)] = pcode

    def province_of(name: str) -> str | None:
        key = ascii_key(name)
        return prov_by_key.get(key) or prov_by_key.get(key.replace(" ", ""))

    # IEC province keyfile: Dari and Pashto names.
    with open(src / "iec_elections/province_key_2019.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            pcode = province_of(row["province_name_eng"])
            if pcode:
                add(provinces[pcode]["names"], row["province_name_eng"], row["province_name_dari"],
                    row["province_name_pashto"])
    # ISO 3166-2 names (with diacritics removed) and codes.
    iso = json.loads((src / "iso_3166_2/iso_3166-2_AF.json").read_text(encoding="utf-8"))
    for entry in iso["3166-2"]:
        plain = unicodedata.normalize("NFKD", entry["name"])
        plain = "".join(c for c in plain if not unicodedata.combining(c))
        pcode = province_of(plain)
        if pcode:
            add(provinces[pcode]["names"], plain)
            provinces[pcode]["iso"] = entry["code"]

    districts: dict[str, dict[str, Any]] = {}
    dist_by_prov_key: dict[tuple[str, str], str] = {}
    adm2 = src / "ocha_agcho_2018/afg_adm2_agcho_20180522_attributes_centroids.csv"
    with open(adm2, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            pcode = row["ADM2_PCODE"]
            names = []
            da = row["ADM2_DA"]
            # "خنج (حصه اول)": the bracket holds a second name.
            bracket = re.match(r"^(.*?)\s*\((.*)\)\s*$", da)
            add(names, row["ADM2_EN"], row["ADM2ALT1EN"], row["ADM2ALT2EN"])
            if bracket:
                add(names, bracket[1], bracket[2])
            else:
                add(names, da)
            add(names, row["ADM2ALT1DA"], row["ADM2ALT2DA"])
            # Alternate names such as "Centre" say nothing on their own.
            names = [n for n in names if n.lower() not in {"centre", "center", "markaz", "مرکز"}]
            districts[pcode] = {"pcode": pcode, "name": row["ADM2_EN"], "province": row["ADM1_PCODE"],
                                "lat": round(float(row["centroid_lat"]), 4),
                                "lon": round(float(row["centroid_lon"]), 4), "names": names}
            for n in names:
                dist_by_prov_key[(row["ADM1_PCODE"], ascii_key(n))] = pcode

    def district_of(prov: str, name: str) -> str | None:
        key = ascii_key(re.sub(r"\(.*?\)", "", name))
        hit = dist_by_prov_key.get((prov, key))
        if hit:
            return hit
        for (p, k), code in dist_by_prov_key.items():
            if p == prov and k and key and (k.replace(" ", "") == key.replace(" ", "")):
                return code
        return None

    # abubaker47: district spellings in English, Dari and Pashto.
    ab = json.loads((src / "abubaker47/provinces-and-districts.json").read_text(encoding="utf-8"))
    for prov in ab:
        pcode = province_of(prov["name"])
        if not pcode:
            continue
        add(provinces[pcode]["names"], prov["name"], prov.get("nameFa"), prov.get("namePa"))
        for d in prov.get("districts", []):
            code = district_of(pcode, d["name"])
            if code is None:
                fa = (d.get("nameFa") or "").strip()
                code = next((c for c, dd in districts.items() if dd["province"] == pcode
                             and fa and fa in dd["names"]), None)
            if code:
                add(districts[code]["names"], d["name"], d.get("nameFa"), d.get("namePa"))

    # Villages: the village polygon layer (romanised) and IEC polling-centre locations
    # (romanised, with a Dari spelling taken from the centre's Dari name where it names the place).
    villages: dict[tuple[str, str], dict[str, Any]] = {}
    vil = json.loads((src / "abubaker47/villages.json").read_text(encoding="utf-8"))
    for v in vil:
        pcode = province_of(v["Province"])
        name = clean_en(str(v["Village Name"]))
        if not pcode or len(name) < 3:
            continue
        dcode = district_of(pcode, str(v["District"]))
        villages.setdefault((pcode, ascii_key(name)), {"name": name, "province": pcode, "district": dcode,
                                                       "names": [name]})
    with open(src / "iec_elections/pc_key_2014_polling_centers_latlon.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            pcode = province_of(row["province_name_eng"])
            loc = clean_en(row["pc_location_eng"])
            if not pcode or len(loc) < 3 or NOT_VILLAGE.search(loc) or re.search(r"\d", loc):
                continue
            dcode = district_of(pcode, row["district_name_eng"])
            entry = villages.setdefault((pcode, ascii_key(loc)), {"name": loc, "province": pcode,
                                                                  "district": dcode, "names": [loc]})
            if entry["district"] is None:
                entry["district"] = dcode
            name_en, name_fa = row["pc_name_eng"], row["pc_name_dari"]
            if name_en.lower().startswith(loc.lower()) or loc.lower() in name_en.lower():
                fa = name_fa
                for _ in range(4):
                    fa = PREFIXES_AR.sub("", fa.strip())
                if fa and len(fa.split()) <= 3 and not re.search(r"[0-9٠-٩۰-۹A-Za-z]", fa):
                    add(entry["names"], fa)

    data = {
        "about": "Compact Afghanistan gazetteer for Gawah extraction; built by scripts/build_gazetteer.py "
                 "from shared/data/gazetteer (see data/SOURCES.md).",
        "provinces": sorted(provinces.values(), key=lambda p: str(p["pcode"])),
        "districts": sorted(districts.values(), key=lambda d: str(d["pcode"])),
        "villages": [[v["name"], v["province"], v["district"], [n for n in v["names"] if n != v["name"]]]
                     for v in sorted(villages.values(), key=lambda v: (str(v["province"]), str(v["name"])))],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {out}: {len(provinces)} provinces, {len(districts)} districts, {len(villages)} villages, "
          f"{out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
