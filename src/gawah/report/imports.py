"""Event data from ACLED or UCDP (GED) CSV files, read into candidate incidents for review.

Each row becomes one candidate incident with one candidate act, its place and its count, never an
accepted fact: a reviewer decides, as for anything extraction proposes. The file itself is kept as
evidence (with its text as the document the incidents cite), and a row already imported (same
dataset and event id) is skipped, so importing a file twice adds nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from gawah.analysis.places import place_codes
from gawah.store.models import Act, Incident, IncidentSource, Place

ACLED_REQUIRED = {"event_id_cnty", "event_date", "event_type", "admin1"}
UCDP_REQUIRED = {"id", "date_start", "type_of_violence", "adm_1"}


class ImportRefused(ValueError):
    """The file is not an ACLED or UCDP CSV Gawah can read; the message says what is missing."""


@dataclass(frozen=True)
class EventRow:
    """One event as the dataset states it, in Gawah's codes."""

    dataset: str
    event_id: str
    start: dt.date | None
    end: dt.date | None
    violation: str
    count: int | None
    qualifier: str | None
    perpetrator: str
    province: str | None
    district: str | None
    location: str | None
    latitude: float | None
    longitude: float | None
    summary: str

    @property
    def reference(self) -> str:
        return f"{self.dataset}:{self.event_id}"


@dataclass
class ImportResult:
    read: int = 0
    created: int = 0
    already_imported: int = 0
    skipped: list[str] = field(default_factory=list)
    incident_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "rows_read": self.read,
            "incidents_created": self.created,
            "already_imported": self.already_imported,
            "skipped": self.skipped,
            "incident_ids": self.incident_ids,
        }


def perpetrator_code(actor: str) -> str:
    name = actor.casefold()
    if "taliban" in name or "taleban" in name or "islamic emirate" in name:
        return "taliban"
    if any(w in name for w in ("united states", "nato", "coalition", "international security assistance")):
        return "foreign_military"
    if any(
        w in name for w in ("islamic state", "is-k", "iskp", "front", "militia", "armed group", "resistance")
    ):
        return "armed_group"
    return "unknown"


def _date(text: str | None) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _int(text: str | None) -> int | None:
    try:
        return int(float((text or "").strip()))
    except ValueError:
        return None


def _float(text: str | None) -> float | None:
    try:
        return float((text or "").strip())
    except ValueError:
        return None


_ACLED_VIOLATION = {
    "abduction/forced disappearance": "enforced_disappearance",
    "sexual violence": "sexual_violence",
    "looting/property destruction": "property_destruction",
    "arrests": "arbitrary_detention",
}


def _acled(row: dict[str, str]) -> EventRow | str:
    fatalities = _int(row.get("fatalities"))
    sub = (row.get("sub_event_type") or "").strip().casefold()
    violation = _ACLED_VIOLATION.get(sub)
    if violation is None:
        if fatalities:
            event = (row.get("event_type") or "").casefold()
            violation = "killing" if "civilians" in event else "indiscriminate_attack"
        elif (row.get("event_type") or "").casefold() == "violence against civilians":
            violation = "threats_intimidation"
        else:
            return (
                f"{row.get('event_id_cnty')}: {row.get('event_type')} / {row.get('sub_event_type')} with no "
                "fatalities is not a violation Gawah records"
            )
    date = _date(row.get("event_date"))
    return EventRow(
        dataset="ACLED",
        event_id=row["event_id_cnty"].strip(),
        start=date,
        end=date,
        violation=violation,
        # ACLED's fatality figures are conservative: a lower bound.
        count=fatalities if violation in ("killing", "indiscriminate_attack") else None,
        qualifier="at_least" if violation in ("killing", "indiscriminate_attack") else None,
        perpetrator=perpetrator_code(row.get("actor1") or ""),
        province=(row.get("admin1") or "").strip() or None,
        district=(row.get("admin2") or "").strip() or None,
        location=(row.get("location") or "").strip() or None,
        latitude=_float(row.get("latitude")),
        longitude=_float(row.get("longitude")),
        summary=(row.get("notes") or "").strip(),
    )


def _ucdp(row: dict[str, str]) -> EventRow | str:
    kind = (row.get("type_of_violence") or "").strip()
    best = _int(row.get("best"))
    civilians = _int(row.get("deaths_civilians"))
    if kind == "3":
        count, perpetrator = best, perpetrator_code(row.get("side_a") or "")
    elif civilians:
        count, perpetrator = civilians, "unknown"
    else:
        kind_name = "state-based" if kind == "1" else "non-state"
        return f"{row.get('id')}: a {kind_name} event with no civilian deaths"
    location = (row.get("where_coordinates") or "").strip()
    return EventRow(
        dataset="UCDP",
        event_id=row["id"].strip(),
        start=_date(row.get("date_start")),
        end=_date(row.get("date_end")) or _date(row.get("date_start")),
        violation="killing" if kind == "3" else "indiscriminate_attack",
        count=count,
        # UCDP's "best" is an estimate between its "low" and "high".
        qualifier="approximately",
        perpetrator=perpetrator,
        province=(row.get("adm_1") or "").replace(" province", "").strip() or None,
        district=(row.get("adm_2") or "").replace(" district", "").strip() or None,
        location=location.split("(")[0].strip() or None,
        latitude=_float(row.get("latitude")),
        longitude=_float(row.get("longitude")),
        summary=(
            f"{row.get('dyad_name') or ''}; deaths best {row.get('best') or '?'} "
            f"(low {row.get('low') or '?'}, high {row.get('high') or '?'}); "
            f"{row.get('source_headline') or ''}"
        ).strip(),
    )


def read_events(text: str) -> tuple[list[EventRow], list[str]]:
    """The events of an ACLED or UCDP CSV, and the rows skipped with why; ImportRefused if neither."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = set(reader.fieldnames or ())
    if columns >= ACLED_REQUIRED:
        parse = _acled
    elif columns >= UCDP_REQUIRED:
        parse = _ucdp
    else:
        raise ImportRefused(
            "neither an ACLED CSV (needs "
            + ", ".join(sorted(ACLED_REQUIRED))
            + ") nor a UCDP GED CSV (needs "
            + ", ".join(sorted(UCDP_REQUIRED))
            + f"); columns found: {', '.join(sorted(columns)) or 'none'}"
        )
    events, skipped = [], []
    for line, row in enumerate(reader, start=2):
        try:
            parsed = parse(row)
        except (KeyError, AttributeError) as exc:
            skipped.append(f"line {line}: missing {exc}")
            continue
        if isinstance(parsed, str):
            skipped.append(f"line {line}: {parsed}")
        else:
            events.append(parsed)
    return events, skipped


def _place(session: Session, event: EventRow) -> Place | None:
    if not event.province:
        return None
    province_code, district_code = place_codes(event.province, event.district, None)
    name = event.location or event.district or event.province
    kind = (
        "village"
        if event.location and event.location not in (event.district, event.province)
        else ("district" if event.district else "province")
    )
    existing = session.scalar(
        select(Place).where(
            Place.name == name,
            Place.kind == kind,
            Place.province == event.province,
            Place.district.is_(None) if event.district is None else Place.district == event.district,
        )
    )
    if existing is not None:
        return existing
    place = Place(
        name=name,
        kind=kind,
        province=event.province,
        district=event.district,
        pcode=district_code or province_code,
        latitude=event.latitude,
        longitude=event.longitude,
    )
    session.add(place)
    session.flush()
    return place


def store_events(
    session: Session, events: Iterable[EventRow], *, document_id: int | None, source_id: int | None
) -> ImportResult:
    """Add each new event as a candidate incident (restricted, like every new fact)."""
    result = ImportResult()
    for event in events:
        result.read += 1
        if session.scalar(select(Incident.id).where(Incident.reported_by == event.reference)) is not None:
            result.already_imported += 1
            continue
        incident = Incident(
            title=f"{event.dataset} event {event.event_id}",
            summary=event.summary,
            start_date=event.start,
            end_date=event.end,
            date_precision="day" if event.start else None,
            reported_by=event.reference,
        )
        incident.acts.append(
            Act(
                violation=event.violation,
                count_value=event.count,
                count_qualifier=event.qualifier if event.count is not None else None,
                count_unit="victims" if event.count is not None else None,
                perpetrator=event.perpetrator,
                victim_groups=["civilians"] if event.violation == "killing" else [],
                start_date=event.start,
                end_date=event.end,
            )
        )
        place = _place(session, event)
        if place is not None:
            incident.places.append(place)
        session.add(incident)
        session.flush()
        if document_id is not None:
            session.add(IncidentSource(incident_id=incident.id, document_id=document_id, source_id=source_id))
        result.created += 1
        result.incident_ids.append(incident.id)
    session.flush()
    return result
