"""A small invented registry for the statistics, timeline, report and export tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from gawah.store.models import Act, Document, EvidenceItem, Incident, IncidentSource, Place, Source


def add_incident(
    session: Session,
    *,
    title: str,
    start: dt.date | None,
    acts: list[dict[str, Any]],
    places: list[Place] = (),  # type: ignore[assignment]
    review_status: str = "accepted",
    status: str = "reported",
    confidentiality: str = "public",
    merged_into: Incident | None = None,
    document: Document | None = None,
) -> Incident:
    incident = Incident(
        title=title,
        summary=f"Summary of {title}.",
        start_date=start,
        end_date=start,
        date_precision="day" if start else None,
        review_status=review_status,
        status=status,
        confidentiality=confidentiality,
        merged_into_id=merged_into.id if merged_into else None,
    )
    for spec in acts:
        incident.acts.append(
            Act(
                violation=spec["violation"],
                count_value=spec.get("count"),
                count_qualifier=spec.get("qualifier", "exact" if spec.get("count") is not None else None),
                count_unit=spec.get("unit", "victims"),
                perpetrator=spec.get("perpetrator", "taliban"),
                victim_groups=spec.get("groups", []),
                review_status=spec.get("review_status", "accepted"),
                confidentiality=spec.get("confidentiality", confidentiality),
            )
        )
    incident.places.extend(places)
    session.add(incident)
    session.flush()
    if document is not None:
        session.add(
            IncidentSource(incident_id=incident.id, document_id=document.id, source_id=document.source_id)
        )
        session.flush()
    return incident


def build_registry(session: Session) -> dict[str, Any]:
    """Eight incidents: five counted, one candidate, one retracted, one merged into another."""
    source = Source(name="Invented Monitoring Group", kind="ngo", confidentiality="public")
    session.add(source)
    session.flush()
    item = EvidenceItem(
        sha256="a" * 64,
        size_bytes=10,
        original_filename="report.txt",
        storage_key="a" * 64,
        source_id=source.id,
        confidentiality="public",
    )
    session.add(item)
    session.flush()
    document = Document(
        evidence_item_id=item.id,
        source_id=source.id,
        title="Invented report on Panjshir",
        language="en",
        text="text",
        text_sha256="b" * 64,
        reader="test",
        confidentiality="public",
        published=dt.date(2022, 10, 1),
    )
    session.add(document)
    session.flush()
    panjshir = Place(name="Bazarak", kind="district", province="Panjshir", district="Bazarak", pcode="AF0801")
    kabul = Place(name="Kabul", kind="province", province="Kabul", pcode="AF01")
    baghlan = Place(name="Andarab", kind="district", province="Baghlan", district="Andarab")
    session.add_all([panjshir, kabul, baghlan])
    session.flush()
    a = add_incident(
        session,
        title="Killings in Bazarak",
        start=dt.date(2022, 9, 5),
        places=[panjshir],
        document=document,
        acts=[
            {"violation": "killing", "count": 5, "groups": ["civilians"]},
            {
                "violation": "arbitrary_detention",
                "count": 10,
                "qualifier": "at_least",
                "groups": ["civilians", "youth"],
            },
        ],
    )
    b = add_incident(
        session,
        title="Detentions in Kabul",
        start=dt.date(2022, 9, 20),
        places=[kabul],
        status="verified",
        acts=[{"violation": "arbitrary_detention", "count": 3, "groups": ["former_security_forces"]}],
    )
    c = add_incident(
        session,
        title="Torture in Andarab",
        start=dt.date(2022, 10, 2),
        places=[baghlan],
        acts=[{"violation": "torture", "count": 20, "qualifier": "approximately", "perpetrator": None}],
    )
    d = add_incident(
        session,
        title="Killing in Kabul and Panjshir",
        start=dt.date(2021, 9, 1),
        places=[kabul, panjshir],
        acts=[{"violation": "killing", "count": 2, "qualifier": "more_than", "groups": ["former_officials"]}],
    )
    e = add_incident(
        session,
        title="Confidential killing",
        start=dt.date(2022, 11, 1),
        places=[kabul],
        confidentiality="confidential",
        acts=[{"violation": "killing", "count": None, "groups": ["journalists"]}],
    )
    candidate = add_incident(
        session,
        title="Candidate killing",
        start=dt.date(2022, 9, 6),
        places=[panjshir],
        review_status="candidate",
        acts=[{"violation": "killing", "count": 50, "review_status": "candidate"}],
    )
    retracted = add_incident(
        session,
        title="Retracted killing",
        start=dt.date(2022, 9, 7),
        places=[panjshir],
        status="retracted",
        acts=[{"violation": "killing", "count": 40}],
    )
    merged = add_incident(
        session,
        title="Second report of Bazarak killings",
        start=dt.date(2022, 9, 5),
        places=[panjshir],
        merged_into=a,
        acts=[{"violation": "killing", "count": 5}],
    )
    # A candidate act inside an accepted incident is not yet counted.
    b.acts.append(
        Act(
            violation="torture",
            count_value=7,
            count_qualifier="exact",
            review_status="candidate",
            confidentiality="public",
            victim_groups=[],
        )
    )
    session.flush()
    return {
        "a": a,
        "b": b,
        "c": c,
        "d": d,
        "e": e,
        "candidate": candidate,
        "retracted": retracted,
        "merged": merged,
        "document": document,
    }
