"""Two reports of one invented event (an NGO report and a news article repeating it) and a third,
different event, each stored as extraction stores candidates: one incident and one act each."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import pytest

from gawah.ledger.journal import record_document, record_evidence
from gawah.store.models import Act, Document, EvidenceItem, Incident, IncidentSource, Place, Source, Span
from gawah.workspace import Workspace

NGO_TEXT = (
    "Field report. On 3 March 2023 Taliban forces detained at least 14 former soldiers in "
    "Khinjan district, Baghlan province. Relatives of the men were threatened."
)
NEWS_TEXT = (
    "According to Invented Rights Watch, at least 14 former soldiers were detained by the Taliban "
    "in Khinjan, Baghlan, in early March 2023."
)
OTHER_TEXT = "On 20 September 2022 three civilians were killed in Malistan district, Ghazni province."


@dataclass(frozen=True)
class Reports:
    ngo_incident: int
    news_incident: int
    other_incident: int
    ngo_act: int
    news_act: int
    other_act: int
    ngo_source: int
    news_source: int


def add_document(session: object, text: str, title: str, source: Source | None) -> Document:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    sha = hashlib.sha256(text.encode()).hexdigest()
    item = EvidenceItem(sha256=sha, size_bytes=len(text), original_filename=f"{title}.txt", storage_key=sha)
    session.add(item)
    record_evidence(session, item)
    doc = Document(
        evidence_item_id=item.id, source_id=source.id if source else None, title=title, language="en",
        text=text, text_sha256=sha, reader="test",
    )  # fmt: skip
    session.add(doc)
    session.flush()
    record_document(session, doc)
    return doc


def add_candidate(
    session: object,
    doc: Document,
    quote: str,
    *,
    violation: str,
    count: int | None,
    province: str,
    district: str,
    date: dt.date,
    reported_by: str | None = None,
) -> tuple[int, int]:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    place = session.query(Place).filter_by(name=district, kind="district", province=province).one_or_none()
    if place is None:
        place = Place(name=district, kind="district", province=province, district=district)
        session.add(place)
    incident = Incident(title=f"{violation}: {doc.title}", start_date=date, end_date=date,
                        date_precision="day", reported_by=reported_by)  # fmt: skip
    incident.places.append(place)
    act = Act(violation=violation, count_value=count, count_qualifier="at_least" if count else None,
              perpetrator="taliban", victim_groups=["former_security_forces"], start_date=date, end_date=date)  # fmt: skip
    incident.acts.append(act)
    incident.sources.append(IncidentSource(document_id=doc.id, source_id=doc.source_id))
    session.add(incident)
    session.flush()
    start = doc.text.index(quote)
    session.add(Span(document_id=doc.id, start=start, end=start + len(quote), quote=quote,
                     target_type="act", target_id=act.id))  # fmt: skip
    session.flush()
    return incident.id, act.id


@pytest.fixture
def reports(workspace: Workspace) -> Reports:
    with workspace.sessions.begin() as session:
        ngo = Source(name="Invented Rights Watch", kind="ngo")
        news = Source(name="Invented Daily", kind="media")
        session.add_all([ngo, news])
        session.flush()
        d1 = add_document(session, NGO_TEXT, "Field report", ngo)
        d2 = add_document(session, NEWS_TEXT, "News article", news)
        d3 = add_document(session, OTHER_TEXT, "Other report", ngo)
        i1, a1 = add_candidate(session, d1, "detained at least 14 former soldiers", violation="arbitrary_detention",
                               count=14, province="Baghlan", district="Khinjan", date=dt.date(2023, 3, 3))
        i2, a2 = add_candidate(session, d2, "at least 14 former soldiers were detained by the Taliban",
                               violation="arbitrary_detention", count=14, province="Baghlan", district="Khinjan",
                               date=dt.date(2023, 3, 5), reported_by="Invented Rights Watch")
        i3, a3 = add_candidate(session, d3, "three civilians were killed", violation="killing", count=3,
                               province="Ghazni", district="Malistan", date=dt.date(2022, 9, 20))  # fmt: skip
        return Reports(i1, i2, i3, a1, a2, a3, ngo.id, news.id)
