"""Incidents as plain records in Gawah's schema, with what a reader may not see left out.

The one place that decides what leaves the workspace: `Disclosure` names the confidentiality levels
shown and whether persons' identities are. The default is public rows only and no identities: a
restricted or confidential incident, act, source or document is left out whole, and persons are
named only when identities are asked for (and then a protected witness only by pseudonym).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from gawah.analysis.places import place_codes
from gawah.store.models import Act, Document, Incident, IncidentSource, Involvement, Person, Source
from gawah.store.vocab import Confidentiality

SCHEMA = "gawah.incident/1"


@dataclass(frozen=True)
class Disclosure:
    """What an export or report may show: confidentiality levels, and persons' identities or not."""

    levels: tuple[str, ...] = (Confidentiality.PUBLIC.value,)
    identities: bool = False

    @classmethod
    def up_to(cls, level: str, *, identities: bool = False) -> Disclosure:
        order = [c.value for c in Confidentiality]
        return cls(tuple(order[: order.index(level) + 1]), identities)

    def shows(self, level: str | None) -> bool:
        return (level or Confidentiality.RESTRICTED.value) in self.levels


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _person(person: Person, disclosure: Disclosure) -> dict[str, Any] | None:
    if not disclosure.identities or not disclosure.shows(person.confidentiality):
        return None
    record: dict[str, Any] = {"id": person.id, "name": person.name, "is_pseudonym": person.is_pseudonym}
    if not person.is_pseudonym:
        record |= {
            "name_native": person.name_native,
            "father_name": person.father_name,
            "tribe": person.tribe,
            "sex": person.sex,
            "age": person.age,
            "home_province": person.home_province,
            "occupation": person.occupation,
        }
    return record


def _act(act: Act, disclosure: Disclosure) -> dict[str, Any]:
    persons = []
    for inv in act.involvements:
        if not disclosure.shows(inv.confidentiality):
            continue
        shown = _person(inv.person, disclosure)
        if shown is not None:
            persons.append({"role": inv.role, "fate": inv.fate, "person": shown})
    return {
        "id": act.id,
        "violation": act.violation,
        "subtype": act.subtype,
        "count": {"value": act.count_value, "qualifier": act.count_qualifier, "unit": act.count_unit},
        "perpetrator": act.perpetrator or "unknown",
        "perpetrator_detail": act.perpetrator_detail,
        "victim_groups": list(act.victim_groups or []),
        "start_date": _date(act.start_date),
        "end_date": _date(act.end_date),
        "involvements": persons,
    }


def _source(
    link: IncidentSource, sources: dict[int, Source], disclosure: Disclosure
) -> dict[str, Any] | None:
    document: Document = link.document
    if not disclosure.shows(document.confidentiality):
        return None
    source = sources.get(link.source_id or document.source_id or -1)
    if source is not None and not disclosure.shows(source.confidentiality):
        source = None
    return {
        "document_id": document.id,
        "document_title": document.title,
        "published": _date(document.published),
        "language": document.language,
        "sha256": document.evidence_item.sha256 if document.evidence_item else None,
        "source": source.name if source else None,
        "source_kind": source.kind if source else None,
        "url": source.url if source else None,
        "independent": link.independent,
        "credibility": link.credibility,
    }


def incident_records(session: Session, ids: Sequence[int], disclosure: Disclosure) -> list[dict[str, Any]]:
    """The incidents `ids` (in that order) as records; those the disclosure does not show are left out."""
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        rows = session.scalars(
            select(Incident)
            .where(Incident.id.in_(chunk))
            .options(
                selectinload(Incident.acts).selectinload(Act.involvements).selectinload(Involvement.person),
                selectinload(Incident.places),
                selectinload(Incident.sources)
                .selectinload(IncidentSource.document)
                .selectinload(Document.evidence_item),
            )
        ).all()
        source_ids = {s.source_id or s.document.source_id for i in rows for s in i.sources}
        sources = {
            s.id: s
            for s in session.scalars(select(Source).where(Source.id.in_([x for x in source_ids if x])))
        }
        by_id = {i.id: i for i in rows}
        for incident_id in chunk:
            incident = by_id.get(incident_id)
            if incident is None or not disclosure.shows(incident.confidentiality):
                continue
            out.append(_incident(incident, sources, disclosure))
    return out


def _incident(incident: Incident, sources: dict[int, Source], disclosure: Disclosure) -> dict[str, Any]:
    places = []
    for place in incident.places:
        province_code, district_code = place_codes(place.province, place.district, place.pcode)
        places.append(
            {
                "name": place.name,
                "name_native": place.name_native,
                "kind": place.kind,
                "province": place.province,
                "district": place.district,
                "province_pcode": province_code,
                "district_pcode": district_code,
                "latitude": place.latitude,
                "longitude": place.longitude,
            }
        )
    return {
        "schema": SCHEMA,
        "id": incident.id,
        "title": incident.title,
        "summary": incident.summary,
        "start_date": _date(incident.start_date),
        "end_date": _date(incident.end_date),
        "date_precision": incident.date_precision,
        "status": incident.status,
        "review_status": incident.review_status,
        "confidentiality": incident.confidentiality,
        "places": places,
        "acts": [
            _act(a, disclosure)
            for a in incident.acts
            if a.review_status == "accepted" and disclosure.shows(a.confidentiality)
        ],
        "sources": [s for s in (_source(link, sources, disclosure) for link in incident.sources) if s],
    }


def flat_rows(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per act (an incident with no shown act gives one row), for CSV."""
    rows = []
    for rec in records:
        base = {
            "incident_id": rec["id"],
            "title": rec["title"],
            "start_date": rec["start_date"],
            "end_date": rec["end_date"],
            "date_precision": rec["date_precision"],
            "status": rec["status"],
            "confidentiality": rec["confidentiality"],
            "provinces": "; ".join(sorted({p["province"] or "" for p in rec["places"]} - {""})),
            "districts": "; ".join(sorted({p["district"] or "" for p in rec["places"]} - {""})),
            "pcodes": "; ".join(
                sorted({p["district_pcode"] or p["province_pcode"] or "" for p in rec["places"]} - {""})
            ),
            "sources": "; ".join(s["source"] or s["document_title"] for s in rec["sources"]),
            "document_ids": "; ".join(str(s["document_id"]) for s in rec["sources"]),
        }
        acts = rec["acts"] or [None]
        for act in acts:
            rows.append(
                base
                | {
                    "act_id": act["id"] if act else None,
                    "violation": act["violation"] if act else None,
                    "count_value": act["count"]["value"] if act else None,
                    "count_qualifier": act["count"]["qualifier"] if act else None,
                    "count_unit": act["count"]["unit"] if act else None,
                    "perpetrator": act["perpetrator"] if act else None,
                    "victim_groups": "; ".join(act["victim_groups"]) if act else "",
                }
            )
    return rows


FLAT_FIELDS = (
    "incident_id",
    "title",
    "start_date",
    "end_date",
    "date_precision",
    "status",
    "confidentiality",
    "provinces",
    "districts",
    "pcodes",
    "act_id",
    "violation",
    "count_value",
    "count_qualifier",
    "count_unit",
    "perpetrator",
    "victim_groups",
    "sources",
    "document_ids",
)
