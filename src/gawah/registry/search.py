"""Search across documents, incidents and claims, in English, Dari and Pashto, with facets.

Text is folded by `gawah.extract.normalize` before it is indexed and before a query is run, so
that either spelling of an Arabic-script word (ي/ی, ك/ک, with or without ZWNJ or diacritics,
Persian or Arabic digits) finds both. SQLite uses an FTS5 table; PostgreSQL a GIN index over
`to_tsvector('simple', …)` (the 'simple' configuration: no English stemming of Dari words). The
index is derived from `search_entries` and rebuilt by `reindex`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from gawah.extract.normalize import normalize_text
from gawah.store.models import Claim, Document, Incident, SearchEntry

KINDS = ("document", "incident", "claim")
FACETS = ("kind", "violations", "province", "district", "status", "source_id", "language")
# Facet counts are taken over the newest this-many text matches (then filtered), so that a query for
# a common word, or with narrow filters, does a bounded amount of work.
FACET_SCAN = 5000
_TOKEN = re.compile(r"\w+", re.UNICODE)


def fold(value: str) -> str:
    """The form both the index and the query use."""
    return normalize_text(value, for_key=True)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def ensure_index(session: Session) -> None:
    """Create the full-text index if it is missing (idempotent)."""
    if _dialect(session) == "sqlite":
        session.execute(
            text(
                "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
                "title, body, tokenize = 'unicode61 remove_diacritics 2')"
            )
        )
    else:
        session.execute(
            text(
                "CREATE INDEX IF NOT EXISTS ix_search_entries_fulltext ON search_entries "
                "USING gin (to_tsvector('simple', title || ' ' || body))"
            )
        )


def _upsert(session: Session, entry: SearchEntry) -> None:
    existing = session.scalar(
        select(SearchEntry).where(SearchEntry.kind == entry.kind, SearchEntry.record_id == entry.record_id)
    )
    sqlite = _dialect(session) == "sqlite"
    if existing is not None:
        if sqlite:
            session.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": existing.id})
        session.delete(existing)
        session.flush()
    session.add(entry)
    session.flush()
    if sqlite:
        session.execute(
            text("INSERT INTO search_fts(rowid, title, body) VALUES (:id, :title, :body)"),
            {"id": entry.id, "title": entry.title, "body": entry.body},
        )


def document_entry(doc: Document) -> SearchEntry:
    return SearchEntry(
        kind="document",
        record_id=doc.id,
        title=fold(doc.title),
        body=fold(doc.text),
        language=doc.language,
        start_date=doc.published,
        end_date=doc.published,
        source_id=doc.source_id,
        confidentiality=doc.confidentiality,
    )


def incident_entry(incident: Incident) -> SearchEntry:
    acts = [a for a in incident.acts if a.review_status != "rejected"]
    words = [incident.summary, incident.reported_by or "", *(p.name for p in incident.places)]
    words += [a.perpetrator_detail or "" for a in acts]
    provinces = sorted({p.province for p in incident.places if p.province})
    districts = sorted({p.district for p in incident.places if p.district})
    sources = [s.source_id for s in incident.sources if s.source_id is not None]
    return SearchEntry(
        kind="incident",
        record_id=incident.id,
        title=fold(incident.title),
        body=fold(" ".join(words)),
        violations=" ".join(sorted({a.violation for a in acts})),
        province=provinces[0] if provinces else None,
        district=districts[0] if districts else None,
        start_date=incident.start_date,
        end_date=incident.end_date or incident.start_date,
        status=incident.status,
        source_id=sources[0] if sources else None,
        confidentiality=incident.confidentiality,
    )


def claim_entry(claim: Claim) -> SearchEntry:
    return SearchEntry(
        kind="claim",
        record_id=claim.id,
        title=fold(f"{claim.speaker} {claim.affiliation or ''}"),
        body=fold(claim.quote),
        start_date=claim.stated_on,
        end_date=claim.stated_on,
        status=claim.stance,
        confidentiality=claim.confidentiality,
    )


def index_record(session: Session, record: Document | Incident | Claim) -> None:
    """Add or refresh one record's entry (the index must exist: `ensure_index`)."""
    if isinstance(record, Document):
        _upsert(session, document_entry(record))
    elif isinstance(record, Incident):
        if record.merged_into_id is None:
            _upsert(session, incident_entry(record))
    else:
        _upsert(session, claim_entry(record))


def reindex(session: Session) -> int:
    """Rebuild every entry and the full-text index; returns how many records are indexed."""
    ensure_index(session)
    if _dialect(session) == "sqlite":
        session.execute(text("DELETE FROM search_fts"))
    session.execute(delete(SearchEntry))
    count = 0
    records: list[Document | Incident | Claim] = [
        *session.scalars(select(Document)),
        *session.scalars(select(Incident)),
        *session.scalars(select(Claim)),
    ]
    for row in records:
        index_record(session, row)
        count += 1
    return count


def fts5_query(query: str) -> str:
    """A folded FTS5 query: every word must occur (each quoted, so no word is read as an operator)."""
    return " ".join(f'"{t}"' for t in _TOKEN.findall(fold(query)))


@dataclass
class Hit:
    kind: str
    record_id: int
    title: str
    start_date: dt.date | None
    province: str | None
    status: str | None


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    facet_sample: int = 0


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    violation: str | None = None
    province: str | None = None
    district: str | None = None
    status: str | None = None
    source_id: int | None = None
    language: str | None = None
    start: dt.date | None = None  # the period searched: records overlapping [start, end]
    end: dt.date | None = None

    def sql(self) -> tuple[str, dict[str, Any]]:
        parts: list[str] = []
        params: dict[str, Any] = {}
        for name in ("kind", "province", "district", "status", "source_id", "language"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"e.{name} = :{name}")
                params[name] = value
        if self.violation:
            parts.append("(' ' || e.violations || ' ') LIKE :violation")
            params["violation"] = f"% {self.violation} %"
        if self.start:
            parts.append("COALESCE(e.end_date, e.start_date) >= :start")
            params["start"] = self.start
        if self.end:
            parts.append("e.start_date <= :end")
            params["end"] = self.end
        return "".join(f" AND {p}" for p in parts), params


def search(
    session: Session, query: str, filters: Filters | None = None, *, limit: int = 20, facets: bool = True
) -> SearchResult:
    """Records matching every word of `query` (folded), newest entries first, with facet counts."""
    filters = filters or Filters()
    where, params = filters.sql()
    sqlite = _dialect(session) == "sqlite"
    if sqlite:
        match = fts5_query(query)
        if not match:
            return SearchResult(query, [])
        # CROSS JOIN keeps SQLite from driving the query from a facet index and probing FTS per row.
        base = (
            "FROM search_fts CROSS JOIN search_entries e ON e.id = search_fts.rowid "
            f"WHERE search_fts MATCH :match{where}"
        )
        # Newest first in index order: FTS5 streams matches by rowid and stops at the limit, where
        # ranking by bm25 would score every match of a common word first.
        order = "ORDER BY search_fts.rowid DESC"
        scanned = (
            "FROM (SELECT rowid AS id FROM search_fts WHERE search_fts MATCH :match "
            "ORDER BY rowid DESC LIMIT :scan) m CROSS JOIN search_entries e ON e.id = m.id"
        )
        params["match"] = match
    else:
        words = " ".join(_TOKEN.findall(fold(query)))
        if not words:
            return SearchResult(query, [])
        base = (
            "FROM search_entries e WHERE to_tsvector('simple', e.title || ' ' || e.body) "
            f"@@ plainto_tsquery('simple', :words){where}"
        )
        order = "ORDER BY e.id DESC"
        scanned = (
            "FROM (SELECT id FROM search_entries WHERE to_tsvector('simple', title || ' ' || body) "
            "@@ plainto_tsquery('simple', :words) ORDER BY id DESC LIMIT :scan) m "
            "JOIN search_entries e ON e.id = m.id"
        )
        params["words"] = words
    columns = "e.kind, e.record_id, e.title, e.start_date, e.province, e.status"
    rows = session.execute(text(f"SELECT {columns} {base} {order} LIMIT :limit"), {**params, "limit": limit})
    hits = [
        Hit(
            kind,
            rid,
            title,
            start if isinstance(start, dt.date) or start is None else dt.date.fromisoformat(start),
            province,
            status,
        )
        for kind, rid, title, start, province, status in rows
    ]
    result = SearchResult(query, hits)
    if facets:
        sample = session.execute(
            text(
                f"SELECT e.kind, e.violations, e.province, e.district, e.status, e.source_id, e.language "
                f"{scanned} WHERE 1 = 1{where}"
            ),
            {**params, "scan": FACET_SCAN},
        ).all()
        counters: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
        for row in sample:
            for name, value in zip(FACETS, row, strict=True):
                if name == "violations":
                    counters[name].update(str(value).split())
                elif value is not None:
                    counters[name][str(value)] += 1
        result.facets = {name: dict(c.most_common(20)) for name, c in counters.items() if c}
        result.facet_sample = len(sample)
    return result


def reindex_incident(session: Session, incident_id: int) -> None:
    """Refresh one incident's entry after a decision (drop it when it was merged into another)."""
    incident = session.get(Incident, incident_id)
    ensure_index(session)
    if incident is None or incident.merged_into_id is not None:
        existing = session.scalar(
            select(SearchEntry).where(SearchEntry.kind == "incident", SearchEntry.record_id == incident_id)
        )
        if existing is not None:
            if _dialect(session) == "sqlite":
                session.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": existing.id})
            session.delete(existing)
        return
    index_record(session, incident)


__all__ = ["Filters", "SearchResult", "ensure_index", "fold", "reindex", "reindex_incident", "search"]
