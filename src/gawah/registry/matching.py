"""Is this the same person? Every new person record compared with all others, matches proposed for review.

Persons come from families' reports (cases), from incidents (victims, detainees) and from lists;
each new record is compared with all the others through `gawah.link` (names across scripts and
transliterations, the father's name weighed like a surname, birth year, home province and
district, occupation) on the Splink pipeline with DuckDB in process. Pairs at or above the review
floor are stored with their reasons — which fields agree and by how much — for a person to decide:
accepted pairs link two records as one person (both records, and each source's spelling, are
kept); rejected pairs are remembered and never proposed again.

Pseudonymous persons (protected witnesses) are left out of matching.

A new record is compared only with the records that share a blocking key with it (the same keys
that block the full run), scored with the model's prior weights: saving a person does not wait
for the whole registry to be scored. Records saved through the public form are queued
(`enqueue`) and compared after the answer is sent (`match_queued`, also run by
`gawah persons match`); the full run re-scores everyone with the model trained on the registry.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from splink import Linker
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from gawah.link.model import blocked_with, blocking_keys, build_comparisons, build_settings, filled_columns
from gawah.link.pipeline import (
    DEFAULT_REVIEW_FLOOR,
    DEFAULT_THRESHOLD,
    Backend,
    DuckDBBackend,
    ProposedMatch,
    _arrow_table,
    _reasons,
    dedupe,
)
from gawah.link.records import FEATURE_COLUMNS, PersonRecord, feature_table, features_of
from gawah.registry.changes import NotFound, RegistryError, deciding, record
from gawah.store.models import Person, PersonMatch, PersonMatchQueue, utcnow

log = logging.getLogger(__name__)

PROPOSED, ACCEPTED, REJECTED = "proposed", "accepted", "rejected"
DECISIONS = {"accept": ACCEPTED, "reject": REJECTED}


class MatchError(RegistryError):
    """A decision on a proposed match that cannot be applied."""


def person_record(person: Person) -> PersonRecord:
    """A registry person as a record for `gawah.link` (the record's id is the person's id)."""
    date: str | None = None
    if person.birth_year is None and person.age is not None and person.created_at is not None:
        # An age is as of when it was reported: the record's creation stands in for that date.
        date = person.created_at.date().isoformat()
    return PersonRecord(
        id=str(person.id),
        name=person.name if person.name != person.name_native else None,
        father_name=person.father_name,
        grandfather_name=person.grandfather_name,
        name_native=person.name_native,
        sex=person.sex if person.sex in ("male", "female") else None,
        birth_year=person.birth_year,
        age=float(person.age) if person.age is not None else None,
        province=person.home_province,
        district=person.home_district,
        occupation=person.occupation or person.former_service,
        date=date,
    )


def reasons_of(pair: ProposedMatch) -> list[dict[str, Any]]:
    return [
        {"field": r.field, "title": r.title, "level": r.level, "weight": round(r.weight, 2)}
        for r in pair.reasons
    ]


# Below this many records the model keeps its prior m and u values (set by hand in
# gawah.link.model) rather than estimating them: a small registry has too few pairs to learn from.
MIN_RECORDS_TO_TRAIN = 1000


def _score_with_priors(
    records: Sequence[PersonRecord], floor: float, backend: Backend | None
) -> list[ProposedMatch]:
    """The Splink model of `gawah.link` with its prior weights: same comparisons, blocking, reasons."""
    table = feature_table(records)
    columns = filled_columns(table)
    comparisons = build_comparisons(columns, len(records))
    db = (backend or DuckDBBackend()).database()
    frame = db.register(_arrow_table(table), dataset_display_name="persons")
    linker = Linker(frame, build_settings(columns, comparisons), log_level=logging.WARNING)
    predictions = linker.inference.predict(threshold_match_probability=floor)
    return [
        ProposedMatch(
            str(row["unique_id_l"]),
            str(row["unique_id_r"]),
            float(row["match_probability"]),
            float(row["match_weight"]),
            _reasons(row, comparisons),
        )
        for row in predictions.as_record_list()
    ]


def compare(
    records: Sequence[PersonRecord],
    new_ids: Collection[str] | None,
    *,
    review_floor: float = DEFAULT_REVIEW_FLOOR,
    threshold: float = DEFAULT_THRESHOLD,
    backend: Backend | None = None,
) -> list[ProposedMatch]:
    """Pairs at or above the review floor that involve one of `new_ids` (all pairs when None).

    With `new_ids`, only the records blocked with them are scored (`compare_new`). Without,
    large registries go through `gawah.link.dedupe` (the model trained on the registry itself);
    smaller ones are scored with the model's prior weights.
    """
    if len(records) < 2:
        return []
    if new_ids is not None:
        return compare_new(records, new_ids, review_floor=review_floor, threshold=threshold, backend=backend)
    if len(records) >= MIN_RECORDS_TO_TRAIN:
        pairs = list(dedupe(records, threshold=threshold, review_floor=review_floor, backend=backend).pairs)
    else:
        pairs = _score_with_priors(records, min(review_floor, threshold), backend)
    pairs.sort(key=lambda p: (-p.match_probability, p.id_l, p.id_r))
    return pairs


def compare_new(
    records: Sequence[PersonRecord],
    new_ids: Collection[str],
    *,
    review_floor: float = DEFAULT_REVIEW_FLOOR,
    threshold: float = DEFAULT_THRESHOLD,
    backend: Backend | None = None,
) -> list[ProposedMatch]:
    """Pairs of a new record with the records that share a blocking key with it, at or above the floor."""
    wanted = {str(i) for i in new_ids}
    rows = [features_of(r) for r in records]
    columns = {c: any(row[c] is not None for row in rows) for c in FEATURE_COLUMNS}
    near = blocked_with(rows, wanted, blocking_keys(columns))
    subset = [r for r in records if r.id in near]
    if len(subset) < 2 or not wanted & {r.id for r in subset}:
        return []
    pairs = _score_with_priors(subset, min(review_floor, threshold), backend)
    pairs = [p for p in pairs if p.id_l in wanted or p.id_r in wanted]
    pairs.sort(key=lambda p: (-p.match_probability, p.id_l, p.id_r))
    return pairs


def propose_matches(
    session: Session,
    person_ids: Collection[int] | None = None,
    *,
    review_floor: float = DEFAULT_REVIEW_FLOOR,
    threshold: float = DEFAULT_THRESHOLD,
    backend: Backend | None = None,
) -> list[PersonMatch]:
    """Compare `person_ids` (or everyone) with all other persons; store and return new proposals.

    A pair already proposed gets its score and reasons refreshed; a decided pair is left as
    decided. Returns the proposals created or refreshed.
    """
    persons = session.scalars(select(Person).where(Person.is_pseudonym.is_(False)).order_by(Person.id)).all()
    if person_ids is not None:
        eligible = {p.id for p in persons} & set(person_ids)
        if not eligible:
            return []
        new_ids: set[str] | None = {str(i) for i in eligible}
    else:
        new_ids = None
    pairs = compare(
        [person_record(p) for p in persons],
        new_ids,
        review_floor=review_floor,
        threshold=threshold,
        backend=backend,
    )
    query = select(PersonMatch)
    if new_ids is not None:
        ints = [int(i) for i in new_ids]
        query = query.where(or_(PersonMatch.person_id.in_(ints), PersonMatch.other_id.in_(ints)))
    existing = {(m.person_id, m.other_id): m for m in session.scalars(query)}
    out: list[PersonMatch] = []
    for pair in pairs:
        a, b = sorted((int(pair.id_l), int(pair.id_r)))
        match = existing.get((a, b))
        if match is None:
            match = PersonMatch(
                person_id=a,
                other_id=b,
                probability=pair.match_probability,
                weight=pair.match_weight,
                reasons=reasons_of(pair),
                status=PROPOSED,
            )
            session.add(match)
            existing[(a, b)] = match
        elif match.status == PROPOSED:
            match.probability, match.weight, match.reasons = (
                pair.match_probability,
                pair.match_weight,
                reasons_of(pair),
            )
        else:
            continue
        out.append(match)
    session.flush()
    return out


def enqueue(session: Session, person_ids: Collection[int]) -> None:
    """Put persons in the matching queue (a person already waiting keeps its place)."""
    waiting = set(
        session.scalars(
            select(PersonMatchQueue.person_id).where(PersonMatchQueue.person_id.in_(list(person_ids)))
        )
    )
    for person_id in sorted(set(person_ids) - waiting):
        session.add(PersonMatchQueue(person_id=person_id))
    session.flush()


def queue_length(session: Session) -> int:
    return len(session.scalars(select(PersonMatchQueue.person_id)).all())


def clear_queue(session: Session) -> None:
    """Empty the queue (after a full run, which compared everyone)."""
    session.execute(delete(PersonMatchQueue))


def proposals_involving(session: Session, person_ids: Collection[int]) -> int:
    """How many proposed pairs involve one of these persons."""
    ids = list(person_ids)
    return len(
        session.scalars(
            select(PersonMatch.id).where(
                PersonMatch.status == PROPOSED,
                or_(PersonMatch.person_id.in_(ids), PersonMatch.other_id.in_(ids)),
            )
        ).all()
    )


# One drain at a time in a process: two would propose the same pair twice.
_DRAINING = threading.Lock()
MAX_ATTEMPTS = 5


def match_queued(sessions: sessionmaker[Session], *, batch: int = 500, backend: Backend | None = None) -> int:
    """Compare the queued persons with the others, batch by batch; returns how many were compared.

    A batch that fails stays queued with its error (up to :data:`MAX_ATTEMPTS` tries), so a
    report is never lost to a matching error.
    """
    done = 0
    with _DRAINING:
        while True:
            with sessions() as session:
                ids = list(
                    session.scalars(
                        select(PersonMatchQueue.person_id)
                        .where(PersonMatchQueue.attempts < MAX_ATTEMPTS)
                        .order_by(PersonMatchQueue.queued_at, PersonMatchQueue.person_id)
                        .limit(batch)
                    )
                )
            if not ids:
                return done
            try:
                with deciding(sessions) as session:
                    propose_matches(session, ids, backend=backend)
                    session.execute(delete(PersonMatchQueue).where(PersonMatchQueue.person_id.in_(ids)))
            except Exception as exc:  # kept in the queue with its error; the next drain tries again
                log.warning("matching %d queued person(s) failed: %s", len(ids), type(exc).__name__)
                with deciding(sessions) as session:
                    for row in session.scalars(
                        select(PersonMatchQueue).where(PersonMatchQueue.person_id.in_(ids))
                    ):
                        row.attempts += 1
                        row.last_error = f"{type(exc).__name__}: {exc}"[:200]
                continue
            done += len(ids)


@dataclass(frozen=True)
class MatchSide:
    id: int
    name: str
    name_native: str | None
    father_name: str | None
    grandfather_name: str | None
    birth_year: int | None
    age: int | None
    home_province: str | None
    home_district: str | None
    former_service: str | None


@dataclass(frozen=True)
class MatchRow:
    id: int
    person: MatchSide
    other: MatchSide
    probability: float
    weight: float
    reasons: list[dict[str, Any]]
    status: str
    decided_by: str | None
    decided_at: dt.datetime | None
    note: str


def _side(p: Person) -> MatchSide:
    return MatchSide(
        p.id,
        p.name,
        p.name_native,
        p.father_name,
        p.grandfather_name,
        p.birth_year,
        p.age,
        p.home_province,
        p.home_district,
        p.former_service,
    )


@dataclass(frozen=True)
class MatchListing:
    matches: list[MatchRow]
    hidden: int


def list_matches(
    session: Session,
    levels: Sequence[str],
    *,
    status: str | None = PROPOSED,
    person_id: int | None = None,
    limit: int = 50,
) -> MatchListing:
    """Proposed (or decided) pairs, likeliest first; a pair with a person above `levels` is only counted."""
    query = select(PersonMatch).order_by(PersonMatch.probability.desc(), PersonMatch.id)
    if status:
        query = query.where(PersonMatch.status == status)
    if person_id is not None:
        query = query.where(or_(PersonMatch.person_id == person_id, PersonMatch.other_id == person_id))
    visible = set(levels)
    rows: list[MatchRow] = []
    hidden = 0
    for m in session.scalars(query):
        a, b = session.get(Person, m.person_id), session.get(Person, m.other_id)
        if a is None or b is None or a.confidentiality not in visible or b.confidentiality not in visible:
            hidden += 1
            continue
        if len(rows) < limit:
            rows.append(
                MatchRow(
                    m.id,
                    _side(a),
                    _side(b),
                    m.probability,
                    m.weight,
                    list(m.reasons),
                    m.status,
                    m.decided_by,
                    m.decided_at,
                    m.note,
                )
            )
    return MatchListing(rows, hidden)


def decide_match(session: Session, match_id: int, decision: str, actor: str, note: str = "") -> PersonMatch:
    """Accept (the two records are one person: linked) or reject (remembered, never proposed again)."""
    status = DECISIONS.get(decision)
    if status is None:
        raise MatchError(f"a decision is one of: {', '.join(DECISIONS)}")
    match = session.get(PersonMatch, match_id)
    if match is None:
        raise NotFound(f"no proposed match {match_id}")
    if match.status != PROPOSED:
        raise MatchError(f"this match was already {match.status} by {match.decided_by}")
    before = {"status": match.status, "person_id": match.person_id, "other_id": match.other_id}
    match.status, match.decided_by, match.decided_at, match.note = status, actor, utcnow(), note.strip()
    record(session, "person_match", match.id, decision, actor, before, {**before, "status": status}, note)
    session.flush()
    return match


def same_person(session: Session, person_id: int) -> list[int]:
    """The records linked to this one by accepted matches, directly or through others (itself excluded)."""
    seen = {person_id}
    frontier = [person_id]
    while frontier:
        current = frontier.pop()
        rows = session.execute(
            select(PersonMatch.person_id, PersonMatch.other_id).where(
                PersonMatch.status == ACCEPTED,
                or_(PersonMatch.person_id == current, PersonMatch.other_id == current),
            )
        ).all()
        for a, b in rows:
            for other in (a, b):
                if other not in seen:
                    seen.add(other)
                    frontier.append(other)
    seen.discard(person_id)
    return sorted(seen)
