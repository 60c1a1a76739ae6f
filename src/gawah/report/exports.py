"""Incidents written out: Gawah's own CSV and JSON, an ACLED-compatible CSV, a HURIDOCS-style JSON.

Every writer takes records from `records.incident_records` (already cut to what may be disclosed)
and returns text. ACLED columns follow ACLED's codebook names; the ACLED interaction codes are left
empty because Gawah's perpetrator codes do not map onto them one to one. HURIDOCS fields follow the
Events Standard Formats (event, act, involvement) with their names in snake case.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from gawah.report.records import FLAT_FIELDS, SCHEMA, flat_rows

ACLED_FIELDS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)

# Gawah violation → ACLED (event type, sub-event type).
ACLED_EVENT: dict[str, tuple[str, str]] = {
    "killing": ("Violence against civilians", "Attack"),
    "torture": ("Violence against civilians", "Attack"),
    "sexual_violence": ("Violence against civilians", "Sexual violence"),
    "enforced_disappearance": ("Violence against civilians", "Abduction/forced disappearance"),
    "arbitrary_detention": ("Violence against civilians", "Abduction/forced disappearance"),
    "hostage_taking": ("Violence against civilians", "Abduction/forced disappearance"),
    "property_destruction": ("Strategic developments", "Looting/property destruction"),
    "property_seizure": ("Strategic developments", "Looting/property destruction"),
    "pillage": ("Strategic developments", "Looting/property destruction"),
    "indiscriminate_attack": ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
}
ACLED_ACTOR = {
    "taliban": "Taliban",
    "foreign_military": "Military Forces (foreign)",
    "armed_group": "Unidentified Armed Group (Afghanistan)",
    "unknown": "Unidentified Armed Group (Afghanistan)",
}
ACLED_TIME_PRECISION = {"day": 1, "month": 3, "year": 3}


def to_json(records: list[dict[str, Any]]) -> str:
    return json.dumps({"schema": SCHEMA, "incidents": records}, ensure_ascii=False, indent=2) + "\n"


def _csv(rows: Iterable[dict[str, Any]], fields: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def to_csv(records: list[dict[str, Any]]) -> str:
    """One row per act, in Gawah's field names."""
    return _csv(flat_rows(records), FLAT_FIELDS)


def _lower_bound(count: dict[str, Any]) -> int:
    value = count.get("value")
    if value is None or (count.get("unit") or "victims") != "victims":
        return 0
    return int(value) + 1 if count.get("qualifier") == "more_than" else int(value)


def acled_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One ACLED event per incident and violation (ACLED codes one event type per row)."""
    rows = []
    for rec in records:
        place = rec["places"][0] if rec["places"] else {}
        by_violation: dict[str, list[dict[str, Any]]] = {}
        for act in rec["acts"]:
            by_violation.setdefault(act["violation"], []).append(act)
        for n, (violation, acts) in enumerate(sorted(by_violation.items()), start=1):
            event_type, sub_event = ACLED_EVENT.get(violation, ("Strategic developments", "Other"))
            killed = sum(_lower_bound(a["count"]) for a in acts) if violation == "killing" else 0
            bounded = any(a["count"].get("qualifier") not in ("exact", None) for a in acts)
            perpetrators = sorted({a["perpetrator"] for a in acts})
            tags = [f"gawah_violation={violation}"]
            if violation == "killing" and bounded:
                tags.append("fatalities are a lower bound")
            rows.append(
                {
                    "event_id_cnty": f"GAWAH{rec['id']}-{n}",
                    "event_date": rec["start_date"] or "",
                    "year": (rec["start_date"] or "")[:4],
                    "time_precision": ACLED_TIME_PRECISION.get(rec["date_precision"] or "", 3),
                    "disorder_type": "Political violence",
                    "event_type": event_type,
                    "sub_event_type": sub_event,
                    "actor1": ACLED_ACTOR.get(perpetrators[0], perpetrators[0]) if perpetrators else "",
                    "assoc_actor_1": "; ".join(ACLED_ACTOR.get(p, p) for p in perpetrators[1:]),
                    "actor2": "Civilians (Afghanistan)",
                    "civilian_targeting": "Civilian targeting" if event_type.startswith("Violence") else "",
                    "iso": 4,
                    "region": "South Asia",
                    "country": "Afghanistan",
                    "admin1": place.get("province") or "",
                    "admin2": place.get("district") or "",
                    "location": place.get("name") or "",
                    "latitude": place.get("latitude") if place.get("latitude") is not None else "",
                    "longitude": place.get("longitude") if place.get("longitude") is not None else "",
                    "geo_precision": 1
                    if place.get("kind") in ("village", "town", "city")
                    else (2 if place.get("district") else 3),
                    "source": "; ".join(s["source"] or s["document_title"] for s in rec["sources"]),
                    "source_scale": "Other",
                    "notes": rec["summary"] or rec["title"],
                    "fatalities": killed,
                    "tags": "; ".join(tags),
                    "timestamp": "",
                }
            )
    return rows


def to_acled_csv(records: list[dict[str, Any]]) -> str:
    return _csv(acled_rows(records), ACLED_FIELDS)


def huridocs_events(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Events with their acts and involvements, after the HURIDOCS Events Standard Formats."""
    events = []
    for rec in records:
        acts = []
        for act in rec["acts"]:
            acts.append(
                {
                    "act_record_number": f"A{act['id']}",
                    "type_of_act": act["violation"],
                    "act_subtype": act["subtype"],
                    "initial_date": act["start_date"] or rec["start_date"],
                    "final_date": act["end_date"] or rec["end_date"],
                    "number_of_victims": act["count"]["value"],
                    "count_qualifier": act["count"]["qualifier"],
                    "victim_characteristics": act["victim_groups"],
                    "involvements": [
                        {"type_of_perpetrator": act["perpetrator"], "degree_of_involvement": "direct"}
                    ]
                    + [
                        {
                            "role": i["role"],
                            "fate": i["fate"],
                            "person_record_number": f"P{i['person']['id']}",
                            "name": i["person"]["name"],
                        }
                        for i in act["involvements"]
                    ],
                }
            )
        events.append(
            {
                "event_record_number": f"E{rec['id']}",
                "event_title": rec["title"],
                "initial_date": rec["start_date"],
                "final_date": rec["end_date"],
                "date_type": rec["date_precision"],
                "geographical_term": sorted(
                    {p["district_pcode"] or p["province_pcode"] or "" for p in rec["places"]} - {""}
                ),
                "local_geographical_area": "; ".join(p["name"] for p in rec["places"]),
                "event_description": rec["summary"],
                "violation_status": rec["status"],
                "confidentiality": rec["confidentiality"],
                "acts": acts,
                "sources": [
                    {
                        "source_name": s["source"],
                        "document_title": s["document_title"],
                        "date_of_source": s["published"],
                        "language": s["language"],
                        "url": s["url"],
                        "independent": s["independent"],
                    }
                    for s in rec["sources"]
                ],
            }
        )
    return {"format": "HURIDOCS Events Standard Formats (JSON rendering by Gawah)", "events": events}


def to_huridocs_json(records: list[dict[str, Any]]) -> str:
    return json.dumps(huridocs_events(records), ensure_ascii=False, indent=2) + "\n"


WRITERS = {
    "json": to_json,
    "csv": to_csv,
    "acled": to_acled_csv,
    "huridocs": to_huridocs_json,
}
