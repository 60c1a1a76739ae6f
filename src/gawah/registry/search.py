"""Search across documents, incidents and claims, in English, Dari and Pashto, with facets.

Text is folded by `gawah.extract.normalize` before it is indexed and before a query is run, so
that either spelling of an Arabic-script word (ي/ی, ك/ک, with or without ZWNJ or diacritics,
Persian or Arabic digits) finds both. SQLite uses an FTS5 table; PostgreSQL a GIN index over
`to_tsvector('simple', …)` (the 'simple' configuration: no English stemming of Dari words).

The index follows the records: ingest indexes each new document (and the candidates drawn from
it), and every registry decision (`registry.changes.record`) refreshes the record it touched, in
the same transaction, so a search right after finds it. `reindex` rebuilds everything.

Confidentiality: a search sees only the levels it is given (`security.policy.visible_levels`),
and facet counts are taken over those rows only. In an encrypted workspace, where the records'
texts are sealed, the index holds no readable copy of them: every word is indexed as a keyed
blind token (HMAC-SHA256 under a key derived from the workspace data key, truncated), and a
query's words are blinded the same way. There, words are found whole (no prefix or phrase search),
and a copied database does not give them away; facets (codes, places, dates) stay readable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session, object_session

from gawah.extract.normalize import normalize_text, normalize_with_map
from gawah.security.encrypted import engine_key
from gawah.store.models import Act, Claim, Document, Incident, IncidentSource, Involvement, SearchEntry
from gawah.store.vocab import Confidentiality

KINDS = ("document", "incident", "claim")
FACETS = ("kind", "violations", "province", "district", "status", "source_id", "language")
LEVELS = tuple(level.value for level in Confidentiality)
# Facet counts are taken over the newest this-many text matches (then filtered), so that a query for
# a common word, or with narrow filters, does a bounded amount of work.
FACET_SCAN = 5000
# Words of a query beyond these are ignored: a pasted paragraph must not become a huge query.
MAX_QUERY_WORDS = 16
# Blind tokens: a prefix no folded word is likely to carry, then this many hex digits of the HMAC.
BLIND_PREFIX = "bx"
BLIND_HEX = 16
BLIND_CONTEXT = b"gawah search blind index v1"
# Snippets: characters shown around the first matching word, and how far into a text to look.
SNIPPET_CHARS = 240
SNIPPET_SCAN = 200_000
_TOKEN = re.compile(r"\w+", re.UNICODE)
_SPACES = re.compile(r"\s+")
_RANK = {level: rank for rank, level in enumerate(LEVELS)}


def fold(value: str) -> str:
    """The form both the index and the query use."""
    return normalize_text(value, for_key=True)


def words_of(value: str) -> list[str]:
    """The folded words of a text, as the index and the query split them."""
    return _TOKEN.findall(fold(value))


def level_rank(level: str | None) -> int:
    # An unknown level is treated as the strictest, never as public.
    return _RANK.get(level or "", len(LEVELS) - 1)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


# Blind index ---------------------------------------------------------------------------------


def blind_key(session: Session) -> bytes | None:
    """The key for blind tokens in an unlocked encrypted workspace; None in a plain one."""
    data_key = engine_key(session.get_bind().dialect)
    if data_key is None:
        return None
    # A key of its own, derived from the data key: the tokens reveal nothing about the data key.
    return hmac.new(data_key, BLIND_CONTEXT, hashlib.sha256).digest()


def blind_token(key: bytes, word: str) -> str:
    """The blind form of one folded word (the same word always gives the same token)."""
    digest = hmac.new(key, word.encode("utf-8"), hashlib.sha256).hexdigest()
    return BLIND_PREFIX + digest[:BLIND_HEX]


def blind_text(key: bytes, value: str) -> str:
    """A text as blind tokens: one per distinct word (order and repetition would leak more)."""
    return " ".join(sorted({blind_token(key, w) for w in words_of(value)}))


# Index maintenance -----------------------------------------------------------------------------


def index_exists(session: Session) -> bool:
    """Whether the full-text index was ever built in this workspace."""
    if _dialect(session) == "sqlite":
        found = session.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_fts'")
        ).first()
    else:
        found = session.execute(text("SELECT to_regclass('ix_search_entries_fulltext')")).scalar()
    return bool(found)


def ensure_index(session: Session) -> bool:
    """Create the full-text index if it is missing; True when it was created now."""
    if index_exists(session):
        return False
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
    return True


def _write(session: Session, entry: SearchEntry) -> None:
    session.add(entry)
    session.flush()
    if _dialect(session) == "sqlite":
        session.execute(
            text("INSERT INTO search_fts(rowid, title, body) VALUES (:id, :title, :body)"),
            {"id": entry.id, "title": entry.title, "body": entry.body},
        )


def _drop(session: Session, kind: str, record_id: int) -> None:
    entry_id = session.scalar(
        select(SearchEntry.id).where(SearchEntry.kind == kind, SearchEntry.record_id == record_id)
    )
    if entry_id is None:
        return
    if _dialect(session) == "sqlite":
        session.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": entry_id})
    session.execute(delete(SearchEntry).where(SearchEntry.id == entry_id))


def _texts(entry: SearchEntry, title: str, body: str, key: bytes | None) -> SearchEntry:
    """Fill the entry's text: folded words, or, in an encrypted workspace, blind tokens (the
    records' texts are sealed there, so the index must hold no readable copy of them either)."""
    if key is not None:
        entry.title = blind_text(key, title)
        entry.body = blind_text(key, body)
    else:
        entry.title = fold(title)
        entry.body = fold(body)
    return entry


def document_entry(doc: Document, key: bytes | None = None) -> SearchEntry:
    entry = SearchEntry(
        kind="document",
        record_id=doc.id,
        language=doc.language,
        start_date=doc.published,
        end_date=doc.published,
        source_id=doc.source_id,
        confidentiality=doc.confidentiality,
    )
    return _texts(entry, doc.title, doc.text, key)


def _person_names(incident: Incident, acts: Sequence[Act]) -> list[str]:
    """Names of the persons involved, when they are no more secret than the incident itself
    (otherwise a search would tie a confidential person to a less confidential incident)."""
    ceiling = level_rank(incident.confidentiality)
    names: list[str] = []
    for act in acts:
        for inv in act.involvements:
            person = inv.person
            if person.review_status == "rejected":
                continue
            if max(level_rank(inv.confidentiality), level_rank(person.confidentiality)) > ceiling:
                continue
            names += [person.name, person.name_native or "", person.father_name or ""]
    return names


def _absorbed(incident: Incident) -> list[Incident]:
    """The incidents merged into this one, however deep (their words find the merged incident)."""
    session = object_session(incident)
    if session is None or incident.id is None:
        return []
    found: list[Incident] = []
    frontier = [incident.id]
    while frontier:
        rows = list(session.scalars(select(Incident).where(Incident.merged_into_id.in_(frontier))))
        rows = [r for r in rows if r.id != incident.id and r not in found]
        found += rows
        frontier = [r.id for r in rows]
    return found


def incident_entry(incident: Incident, key: bytes | None = None) -> SearchEntry:
    # Words of a merged report more secret than this incident stay out of its entry.
    ceiling = level_rank(incident.confidentiality)
    group = [incident, *(i for i in _absorbed(incident) if level_rank(i.confidentiality) <= ceiling)]
    acts = [a for i in group for a in i.acts if a.review_status != "rejected"]
    places = [p for i in group for p in i.places]
    words = [w for i in group for w in (i.title if i is not incident else "", i.summary, i.reported_by or "")]
    words += [p.name for p in places] + [a.perpetrator_detail or "" for a in acts]
    provinces = sorted({p.province for p in places if p.province})
    districts = sorted({p.district for p in places if p.district})
    sources = [s.source_id for s in incident.sources if s.source_id is not None]
    entry = SearchEntry(
        kind="incident",
        record_id=incident.id,
        violations=" ".join(sorted({a.violation for a in acts})),
        province=provinces[0] if provinces else None,
        district=districts[0] if districts else None,
        start_date=incident.start_date,
        end_date=incident.end_date or incident.start_date,
        status=incident.status,
        source_id=sources[0] if sources else None,
        confidentiality=incident.confidentiality,
    )
    body = " ".join(w for w in [*words, *_person_names(incident, acts)] if w)
    return _texts(entry, incident.title, body, key)


def claim_entry(claim: Claim, key: bytes | None = None) -> SearchEntry:
    entry = SearchEntry(
        kind="claim",
        record_id=claim.id,
        start_date=claim.stated_on,
        end_date=claim.stated_on,
        status=claim.stance,
        source_id=claim.document.source_id if claim.document is not None else None,
        confidentiality=claim.confidentiality,
    )
    return _texts(entry, f"{claim.speaker} {claim.affiliation or ''}", claim.quote, key)


def _entry(record: Document | Incident | Claim, key: bytes | None) -> SearchEntry | None:
    if isinstance(record, Document):
        return document_entry(record, key)
    if isinstance(record, Incident):
        # A merged incident is found through the one it was merged into.
        return incident_entry(record, key) if record.merged_into_id is None else None
    return claim_entry(record, key)


def index_record(session: Session, record: Document | Incident | Claim) -> None:
    """Add or refresh one record's entry (the index must exist: `ensure_index`)."""
    kind = (
        "document"
        if isinstance(record, Document)
        else "incident"
        if isinstance(record, Incident)
        else "claim"
    )
    _drop(session, kind, record.id)
    entry = _entry(record, blind_key(session))
    if entry is not None:
        _write(session, entry)


def reindex(session: Session) -> int:
    """Rebuild every entry and the full-text index; returns how many records are indexed."""
    ensure_index(session)
    if _dialect(session) == "sqlite":
        session.execute(text("DELETE FROM search_fts"))
    session.execute(delete(SearchEntry))
    key = blind_key(session)
    # One kind at a time, so that only one kind of record is held in memory at once.
    count = _write_all(session, session.scalars(select(Document).order_by(Document.id)), key)
    count += _write_all(session, session.scalars(select(Incident).order_by(Incident.id)), key)
    return count + _write_all(session, session.scalars(select(Claim).order_by(Claim.id)), key)


def _write_all(session: Session, records: Iterable[Document | Incident | Claim], key: bytes | None) -> int:
    count = 0
    for record in records:
        entry = _entry(record, key)
        if entry is not None:
            _write(session, entry)
            count += 1
    return count


def _load(session: Session, kind: str, record_id: int) -> Document | Incident | Claim | None:
    if kind == "document":
        return session.get(Document, record_id)
    if kind == "incident":
        return session.get(Incident, record_id)
    if kind == "claim":
        return session.get(Claim, record_id)
    return None


def refresh_entries(session: Session, kind: str, ids: Iterable[int]) -> int:
    """Bring the entries of some records up to date in the caller's transaction.

    `kind` is document, incident or claim (a deleted or merged record loses its entry), or person
    (the incidents that person is involved in). The first change in a workspace whose index was
    never built builds it whole, once. Returns how many records were looked at.
    """
    wanted = sorted(set(ids))
    if not wanted:
        return 0
    if kind == "person":
        incident_ids = session.scalars(
            select(Act.incident_id)
            .join(Involvement, Involvement.act_id == Act.id)
            .where(Involvement.person_id.in_(wanted))
            .distinct()
        )
        return refresh_entries(session, "incident", list(incident_ids))
    if kind not in KINDS:
        raise ValueError(f"records of kind {kind!r} are not searched; one of {', '.join(KINDS)}")
    if ensure_index(session):
        reindex(session)
        return len(wanted)
    key = blind_key(session)
    session.flush()
    for record_id in wanted:
        _drop(session, kind, record_id)
        record = _load(session, kind, record_id)
        entry = _entry(record, key) if record is not None else None
        if entry is not None:
            _write(session, entry)
    return len(wanted)


def index_document(session: Session, document: Document) -> int:
    """Index a newly ingested document and the candidate incidents and claims drawn from it."""
    count = refresh_entries(session, "document", [document.id])
    incidents = session.scalars(
        select(IncidentSource.incident_id).where(IncidentSource.document_id == document.id)
    )
    count += refresh_entries(session, "incident", list(incidents))
    claims = session.scalars(select(Claim.id).where(Claim.document_id == document.id))
    return count + refresh_entries(session, "claim", list(claims))


def reindex_incident(session: Session, incident_id: int) -> None:
    """Refresh one incident's entry after a decision (drop it when it was merged into another)."""
    refresh_entries(session, "incident", [incident_id])


# Queries ---------------------------------------------------------------------------------------


def query_words(query: str) -> list[str]:
    """The distinct folded words of a query, in order, at most MAX_QUERY_WORDS."""
    return list(dict.fromkeys(words_of(query)))[:MAX_QUERY_WORDS]


def fts5_query(query: str, key: bytes | None = None) -> str:
    """A folded FTS5 query: every word must occur (each quoted, so no word is read as an operator).

    With a blind key each word matches either itself or its blind token.
    """
    words = query_words(query)
    if key is None:
        return " ".join(f'"{w}"' for w in words)
    return " AND ".join(f'("{w}" OR "{blind_token(key, w)}")' for w in words)


def _pg_tsquery(words: list[str], key: bytes | None) -> tuple[str, dict[str, str]]:
    if key is None:
        return "plainto_tsquery('simple', :words)", {"words": " ".join(words)}
    params: dict[str, str] = {}
    parts = []
    for i, word in enumerate(words):
        params[f"w{i}"] = word
        params[f"b{i}"] = blind_token(key, word)
        parts.append(f"(plainto_tsquery('simple', :w{i}) || plainto_tsquery('simple', :b{i}))")
    return "(" + " && ".join(parts) + ")", params


@dataclass
class Hit:
    kind: str
    record_id: int
    title: str
    start_date: dt.date | None
    province: str | None
    status: str | None
    confidentiality: str = Confidentiality.RESTRICTED.value


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    facet_sample: int = 0
    offset: int = 0
    more: bool = False  # another page follows


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

    def sql(self, levels: Sequence[str] | None = None) -> tuple[str, dict[str, Any]]:
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
        if levels is not None:
            names = [f"level{i}" for i in range(len(levels))]
            parts.append(f"e.confidentiality IN ({', '.join(':' + n for n in names)})" if names else "1 = 0")
            params.update(zip(names, levels, strict=True))
        return "".join(f" AND {p}" for p in parts), params


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def search(
    session: Session,
    query: str,
    filters: Filters | None = None,
    *,
    levels: Sequence[str] | None = None,
    limit: int = 20,
    offset: int = 0,
    facets: bool = True,
) -> SearchResult:
    """Records matching every word of `query` (folded), newest entries first, with facet counts.

    `levels`: the confidentiality levels the caller may see (None: all). Hits and facet counts
    alike come from those rows only, so a count never tells of a record the caller cannot see.
    """
    filters = filters or Filters()
    where, params = filters.sql(levels)
    words = query_words(query)
    if not words or not index_exists(session):
        return SearchResult(query, [], offset=offset)
    key = blind_key(session)
    if _dialect(session) == "sqlite":
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
        params["match"] = fts5_query(query, key)
    else:
        tsquery, tsparams = _pg_tsquery(words, key)
        base = (
            f"FROM search_entries e WHERE to_tsvector('simple', e.title || ' ' || e.body) @@ {tsquery}{where}"
        )
        order = "ORDER BY e.id DESC"
        scanned = (
            "FROM (SELECT id FROM search_entries WHERE to_tsvector('simple', title || ' ' || body) "
            f"@@ {tsquery} ORDER BY id DESC LIMIT :scan) m "
            "JOIN search_entries e ON e.id = m.id"
        )
        params.update(tsparams)
    columns = "e.kind, e.record_id, e.title, e.start_date, e.province, e.status, e.confidentiality"
    rows = session.execute(
        text(f"SELECT {columns} {base} {order} LIMIT :limit OFFSET :offset"),
        {**params, "limit": limit + 1, "offset": offset},
    ).all()
    hits = [
        Hit(kind, rid, title, _as_date(start), province, status, level)
        for kind, rid, title, start, province, status, level in rows[:limit]
    ]
    result = SearchResult(query, hits, offset=offset, more=len(rows) > limit)
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


# What a hit shows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """A hit as a person reads it: the record's own title, and a snippet with the query's words
    marked (`snippet` is a list of (text, marked) pieces; empty for confidential records, whose
    text is shown only on their page, with a reason)."""

    kind: str
    record_id: int
    title: str
    snippet: tuple[tuple[str, bool], ...]
    confidentiality: str
    date: dt.date | None = None
    language: str | None = None
    document_id: int | None = None  # a claim's document
    status: str | None = None


def _fold_map(value: str) -> tuple[str, Sequence[int]]:
    """`value` folded character for character as `fold` does, with the original offset of each."""
    mapped = normalize_with_map(value)
    table: dict[int, str] = {}
    for ch in set(mapped.text):
        if ch.isspace():
            table[ord(ch)] = " "
        else:
            folded = normalize_text(ch, for_key=True)
            # A character whose folded form is not one character (rare) is matched as it is.
            table[ord(ch)] = folded if len(folded) == 1 else ch
    return mapped.text.translate(table), mapped.offsets


def snippet(value: str, words: Sequence[str], width: int = SNIPPET_CHARS) -> list[tuple[str, bool]]:
    """A stretch of `value` around the first of `words` (folded), every occurrence marked.

    Either spelling of an Arabic-script word is found, as in the index. Without a match, the
    beginning of the text.
    """
    head = value[:SNIPPET_SCAN]
    folded, offsets = _fold_map(head)
    found: list[tuple[int, int]] = []
    if words and folded:
        pattern = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?!\w)"
        )
        for m in pattern.finditer(folded):
            found.append((offsets[m.start()], offsets[m.end() - 1] + 1))
    start = max(0, found[0][0] - width // 3) if found else 0
    end = min(len(value), start + width)
    # Cut at spaces so that no word is shown in part.
    if start > 0:
        space = value.find(" ", start, found[0][0] if found else end)
        start = space + 1 if space >= 0 else start
    if end < len(value):
        space = value.rfind(" ", start, end)
        end = space if space > start else end
    pieces: list[tuple[str, bool]] = []
    position = start
    for a, b in found:
        if a < position or b > end:
            continue
        if a > position:
            pieces.append((value[position:a], False))
        pieces.append((value[a:b], True))
        position = b
    if position < end:
        pieces.append((value[position:end], False))
    if start > 0:
        pieces.insert(0, ("… ", False))
    if end < len(value):
        pieces.append((" …", False))
    # Line breaks and runs of spaces become one space: a snippet is one line.
    return [(_SPACES.sub(" ", t), marked) for t, marked in pieces if t]


def previews(session: Session, hits: Sequence[Hit], query: str) -> list[Preview]:
    """What each hit shows, read from the records themselves (missing records are left out)."""
    words = query_words(query)
    out: list[Preview] = []
    for hit in hits:
        record = _load(session, hit.kind, hit.record_id)
        if record is None:
            continue
        shown = level_rank(record.confidentiality) < _RANK[Confidentiality.CONFIDENTIAL.value]
        if isinstance(record, Document):
            title, body = record.title or f"#{record.id}", record.text
            extra: dict[str, Any] = {"date": record.published, "language": record.language}
        elif isinstance(record, Incident):
            places = ", ".join(p.name for p in record.places)
            title = record.title or f"#{record.id}"
            body = " ".join(x for x in (record.summary, places, record.reported_by or "") if x)
            extra = {"date": record.start_date, "status": record.status}
        else:
            title = record.speaker + (f" ({record.affiliation})" if record.affiliation else "")
            body = record.quote
            extra = {"date": record.stated_on, "status": record.stance, "document_id": record.document_id}
        out.append(
            Preview(
                kind=hit.kind,
                record_id=hit.record_id,
                title=title,
                snippet=tuple(snippet(body, words)) if shown else (),
                confidentiality=record.confidentiality,
                **extra,
            )
        )
    return out


__all__ = [
    "FACET_SCAN",
    "KINDS",
    "Filters",
    "Hit",
    "Preview",
    "SearchResult",
    "blind_key",
    "blind_token",
    "ensure_index",
    "fold",
    "index_document",
    "index_exists",
    "previews",
    "refresh_entries",
    "reindex",
    "reindex_incident",
    "search",
    "snippet",
]
