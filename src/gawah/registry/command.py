"""Units, named commanders and the command relationships between them: the basis of
command-responsibility analysis.

A perpetrator may be a unit (a battalion, a district police command, an intelligence office) or a
named person. Relations run from a superior to a subordinate, each with the incident and the
document that show it and the period it held. The kinds follow the Rome Statute of the
International Criminal Court:

- ``commands``: effective command and control (art. 28(a)), or for a civilian superior effective
  authority and control (art. 28(b)). These relations form the hierarchy, which may hold no cycle.
  ``subordinate_of`` is the same relation seen from below and is stored as ``commands``.
- ``gave_orders``: the superior ordered the acts of an incident (art. 25(3)(b), ordering).
- ``failed_to_prevent_or_punish``: the superior did not take all necessary and reasonable measures
  to prevent or repress the acts of an incident, or to submit them to the competent authorities
  (art. 28(a)(ii), 28(b)(iii)).

Nothing here finds anyone responsible: `responsibility` lists who, by the relations recorded, had
command over the perpetrators of an incident at its time, for a lawyer to weigh against the
elements of art. 28 (knowledge, effective control, causation). Every change is a RegistryChange,
so a ledger entry with who and when.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gawah.registry.changes import (
    NotFound,
    RegistryError,
    get_incident,
    incident_snapshot,
    record,
    touch,
)
from gawah.store.models import (
    Act,
    ActUnit,
    CommandRelation,
    Document,
    Incident,
    Involvement,
    Person,
    Unit,
)
from gawah.store.vocab import PERPETRATORS, Confidentiality, ReviewStatus

COMMANDS = "commands"
GAVE_ORDERS = "gave_orders"
FAILED_TO_PREVENT_OR_PUNISH = "failed_to_prevent_or_punish"
SUBORDINATE_OF = "subordinate_of"

# The relations kept, with what each means (Rome Statute of the ICC, arts. 25(3)(b) and 28).
RELATIONS: dict[str, str] = {
    COMMANDS: "has effective command and control (or authority and control) over (Rome Statute art. 28)",
    GAVE_ORDERS: "ordered the acts of the incident (Rome Statute art. 25(3)(b))",
    FAILED_TO_PREVENT_OR_PUNISH: (
        "failed to prevent or repress the acts of the incident, or to submit them to the competent "
        "authorities (Rome Statute art. 28(a)(ii), 28(b)(iii))"
    ),
}
# Words a person may use for a relation, read the other way round.
INVERSES: dict[str, str] = {SUBORDINATE_OF: COMMANDS}
# These concern the acts of one incident, so they name it.
INCIDENT_RELATIONS = frozenset({GAVE_ORDERS, FAILED_TO_PREVENT_OR_PUNISH})
PARTY_TYPES = ("unit", "person")


class CommandError(RegistryError):
    """A unit or relation that cannot be kept as asked (the message says why)."""


class Party(NamedTuple):
    """A unit or a named person, as a relation names it: ("unit", 3) is written unit:3."""

    type: str
    id: int

    def __str__(self) -> str:
        return f"{self.type}:{self.id}"


def parse_party(text: str) -> Party:
    """`unit:3` or `person:7` (a bare number is a unit)."""
    kind, sep, number = text.strip().partition(":")
    if not sep:
        kind, number = "unit", kind
    kind = kind.strip().lower()
    if kind not in PARTY_TYPES or not number.strip().isdigit():
        raise CommandError(f"name a unit or a person as unit:ID or person:ID, not {text!r}")
    return Party(kind, int(number))


# A period with open ends: (None, None) is "at any time".
Period = tuple[dt.date | None, dt.date | None]
ALWAYS: Period = (None, None)


def intersect(a: Period, b: Period) -> Period | None:
    """The common part of two periods, None when they do not meet."""
    starts = [d for d in (a[0], b[0]) if d is not None]
    ends = [d for d in (a[1], b[1]) if d is not None]
    start = max(starts) if starts else None
    end = min(ends) if ends else None
    if start is not None and end is not None and start > end:
        return None
    return (start, end)


@dataclass(frozen=True)
class Edge:
    """A relation as the computations see it."""

    id: int
    superior: Party
    subordinate: Party
    relation: str
    period: Period = ALWAYS
    incident_id: int | None = None
    document_id: int | None = None


def find_cycle(edges: Iterable[Edge], new: Edge) -> list[Party] | None:
    """The cycle that `new` (a ``commands`` relation) would close, as the parties from its
    superior round to it again, or None.

    A cycle counts only when every relation in it holds at one time: a unit that commanded
    another in 2020 may serve under it after a reorganisation in 2023.
    """
    if new.superior == new.subordinate:
        return [new.superior, new.superior]
    below: dict[Party, list[Edge]] = {}
    for edge in edges:
        if edge.relation == COMMANDS and edge.id != new.id:
            below.setdefault(edge.superior, []).append(edge)
    # Search down from the new subordinate for the new superior, keeping the time all hold together.
    stack: list[tuple[Party, Period, list[Party]]] = [(new.subordinate, new.period, [new.subordinate])]
    seen: set[tuple[Party, Period]] = set()
    while stack:
        party, period, path = stack.pop()
        if (party, period) in seen:
            continue
        seen.add((party, period))
        for edge in below.get(party, []):
            common = intersect(period, edge.period)
            if common is None:
                continue
            if edge.subordinate == new.superior:
                return [new.superior, *path, new.superior]
            if edge.subordinate not in path:
                stack.append((edge.subordinate, common, [*path, edge.subordinate]))
    return None


@dataclass(frozen=True)
class ChainLink:
    """One step of a chain of command: `edge` joins a party `depth` steps from the start."""

    depth: int
    edge: Edge

    def party(self, upward: bool) -> Party:
        return self.edge.superior if upward else self.edge.subordinate


def chain(
    edges: Iterable[Edge], start: Party, *, upward: bool = True, during: Period = ALWAYS
) -> list[ChainLink]:
    """The chain of command above `start` (its superiors, theirs, …) or below it (its
    subordinates), through ``commands`` relations that hold during `during`; nearest first."""
    index: dict[Party, list[Edge]] = {}
    for edge in edges:
        if edge.relation == COMMANDS and intersect(edge.period, during) is not None:
            key = edge.subordinate if upward else edge.superior
            index.setdefault(key, []).append(edge)
    out: list[ChainLink] = []
    seen = {start}
    queue: deque[tuple[Party, int]] = deque([(start, 0)])
    while queue:
        party, depth = queue.popleft()
        for edge in sorted(index.get(party, []), key=lambda e: e.id):
            out.append(ChainLink(depth + 1, edge))
            nxt = edge.superior if upward else edge.subordinate
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, depth + 1))
    return out


@dataclass(frozen=True)
class Perpetrator:
    """A unit or person named as perpetrator of one act."""

    party: Party
    act_id: int
    violation: str


@dataclass(frozen=True)
class Basis:
    """Why a party is listed: it is a perpetrator, or it stands above one through relation(s).

    `kind` is "perpetrator" or a relation kind; `via` is the subordinate the relation names;
    `depth` the steps from the perpetrator (0 for the perpetrator itself)."""

    kind: str
    act_id: int
    depth: int
    via: Party | None = None
    relation_id: int | None = None


@dataclass
class Responsible:
    party: Party
    bases: list[Basis] = field(default_factory=list)

    @property
    def depth(self) -> int:
        return min(b.depth for b in self.bases)


def responsibility(
    perpetrators: Sequence[Perpetrator], edges: Sequence[Edge], during: Period, incident_ids: Collection[int]
) -> list[Responsible]:
    """Who stood over the perpetrators of an incident during its period, by the relations kept.

    Each perpetrator is listed, then its superiors through ``commands`` relations in force during
    the incident, then anyone who gave orders or failed to prevent or punish in this incident
    (relations naming one of `incident_ids`) with respect to a perpetrator or a party above one.
    Nearest first. A basis for analysis, never a finding.
    """
    found: dict[Party, Responsible] = {}

    def add(party: Party, basis: Basis) -> None:
        entry = found.setdefault(party, Responsible(party))
        if basis not in entry.bases:
            entry.bases.append(basis)

    specific = [e for e in edges if e.relation in INCIDENT_RELATIONS and e.incident_id in incident_ids]
    for perp in perpetrators:
        add(perp.party, Basis("perpetrator", perp.act_id, 0))
        reach = {perp.party: 0}
        for link in chain(edges, perp.party, upward=True, during=during):
            add(
                link.edge.superior,
                Basis(COMMANDS, perp.act_id, link.depth, link.edge.subordinate, link.edge.id),
            )
            reach.setdefault(link.edge.superior, link.depth)
        for edge in specific:
            if edge.subordinate in reach:
                depth = reach[edge.subordinate] + 1
                add(edge.superior, Basis(edge.relation, perp.act_id, depth, edge.subordinate, edge.id))
    return sorted(found.values(), key=lambda r: (r.depth, r.party.type, r.party.id))


# Units -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitInput:
    """What is known of a unit; `perpetrator` is the category of TAXONOMY.md (taliban, …)."""

    name: str
    perpetrator: str = ""
    province: str = ""
    notes: str = ""
    confidentiality: str = Confidentiality.RESTRICTED.value


UNIT_FIELDS = ("name", "perpetrator", "province", "notes", "confidentiality")
LEVELS = tuple(c.value for c in Confidentiality)


def _text(value: str | None, limit: int, what: str) -> str:
    cleaned = " ".join((value or "").split())
    if len(cleaned) > limit:
        raise CommandError(f"{what} is longer than {limit} characters")
    return cleaned


def _level(value: str) -> str:
    if value not in LEVELS:
        raise CommandError(f"confidentiality is one of {', '.join(LEVELS)}, not {value!r}")
    return value


def _check_unit(data: UnitInput) -> UnitInput:
    name = _text(data.name, 300, "the unit's name")
    if not name:
        raise CommandError("a unit needs a name")
    perpetrator = data.perpetrator.strip()
    if perpetrator and perpetrator not in PERPETRATORS:
        raise CommandError(
            f"the perpetrator category is one of {', '.join(PERPETRATORS)}, not {perpetrator!r}"
        )
    return UnitInput(
        name=name,
        perpetrator=perpetrator,
        province=_text(data.province, 120, "the province"),
        notes=(data.notes or "").strip(),
        confidentiality=_level(data.confidentiality),
    )


def unit_snapshot(unit: Unit) -> dict[str, Any]:
    return {"id": unit.id, **{name: getattr(unit, name) for name in UNIT_FIELDS}}


def _set_unit(unit: Unit, data: UnitInput) -> None:
    unit.name = data.name
    unit.perpetrator = data.perpetrator or None
    unit.province = data.province or None
    unit.notes = data.notes
    unit.confidentiality = data.confidentiality


def create_unit(session: Session, data: UnitInput, actor: str) -> Unit:
    """Keep a new unit (its creation is a change in the ledger)."""
    checked = _check_unit(data)
    unit = Unit(name=checked.name)
    _set_unit(unit, checked)
    session.add(unit)
    session.flush()
    record(session, "unit", unit.id, "create", actor, None, unit_snapshot(unit))
    return unit


def get_unit(session: Session, unit_id: int, levels: Collection[str] | None = None) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None or (levels is not None and unit.confidentiality not in levels):
        raise NotFound(f"no unit {unit_id}")
    return unit


def edit_unit(session: Session, unit_id: int, data: UnitInput, actor: str, *, note: str = "") -> Unit:
    """Change a unit's name, category, province, notes or level; unchanged input records nothing."""
    unit = get_unit(session, unit_id)
    checked = _check_unit(data)
    before = unit_snapshot(unit)
    _set_unit(unit, checked)
    session.flush()
    after = unit_snapshot(unit)
    if after != before:
        record(session, "unit", unit.id, "edit", actor, before, after, note)
    return unit


def list_units(
    session: Session,
    levels: Collection[str] | None = None,
    *,
    query: str = "",
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """Units the reader may see, by name; with how many acts name each as perpetrator."""
    stmt = select(Unit)
    if levels is not None:
        stmt = stmt.where(Unit.confidentiality.in_(list(levels)))
    if query.strip():
        stmt = stmt.where(Unit.name.ilike(f"%{query.strip()}%"))
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    units = list(session.scalars(stmt.order_by(Unit.name, Unit.id).limit(limit).offset(offset)))
    counts = dict(
        session.execute(
            select(ActUnit.unit_id, func.count(func.distinct(Act.incident_id)))
            .join(Act, Act.id == ActUnit.act_id)
            .where(ActUnit.unit_id.in_([u.id for u in units]))
            .group_by(ActUnit.unit_id)
        ).all()
    )
    return total, [{**unit_snapshot(u), "incidents": int(counts.get(u.id, 0))} for u in units]


# Relations -------------------------------------------------------------------------------------


def edge_of(row: CommandRelation) -> Edge:
    return Edge(
        id=row.id,
        superior=Party(row.superior_type, row.superior_id),
        subordinate=Party(row.subordinate_type, row.subordinate_id),
        relation=row.relation,
        period=(row.start_date, row.end_date),
        incident_id=row.incident_id,
        document_id=row.document_id,
    )


def load_edges(session: Session, levels: Collection[str] | None = None) -> list[Edge]:
    """Every relation (those the reader may see, when `levels` is given), oldest first."""
    stmt = select(CommandRelation).order_by(CommandRelation.id)
    if levels is not None:
        stmt = stmt.where(CommandRelation.confidentiality.in_(list(levels)))
    return [edge_of(r) for r in session.scalars(stmt)]


def _party_row(session: Session, party: Party) -> Unit | Person | None:
    return session.get(Unit, party.id) if party.type == "unit" else session.get(Person, party.id)


def _require_party(session: Session, party: Party) -> Unit | Person:
    row = _party_row(session, party)
    if row is None:
        raise NotFound(f"no {party.type} {party.id}")
    return row


def relation_snapshot(row: CommandRelation) -> dict[str, Any]:
    return {
        "id": row.id,
        "superior": f"{row.superior_type}:{row.superior_id}",
        "subordinate": f"{row.subordinate_type}:{row.subordinate_id}",
        "relation": row.relation,
        "incident_id": row.incident_id,
        "document_id": row.document_id,
        "start_date": row.start_date.isoformat() if row.start_date else None,
        "end_date": row.end_date.isoformat() if row.end_date else None,
        "notes": row.notes,
        "confidentiality": row.confidentiality,
    }


def relate(
    session: Session,
    subject: Party,
    relation: str,
    obj: Party,
    actor: str,
    *,
    incident_id: int | None = None,
    document_id: int | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    notes: str = "",
    confidentiality: str = Confidentiality.RESTRICTED.value,
) -> CommandRelation:
    """Keep "`subject` `relation` `obj`" (person:7 commands unit:3; unit:3 subordinate_of unit:1).

    Refused: a party related to itself, an unknown relation or party, a period that ends before
    it starts, an order or failure without its incident, the same relation again for a time it
    already covers, and a ``commands`` relation that would close a cycle in the hierarchy.
    """
    kind = relation.strip().lower()
    if kind in INVERSES:
        kind, subject, obj = INVERSES[kind], obj, subject
    if kind not in RELATIONS:
        known = ", ".join([*RELATIONS, *INVERSES])
        raise CommandError(f"unknown relation {relation!r}; one of {known}")
    if subject == obj:
        raise CommandError(f"{subject} cannot be in a relation with itself")
    for party in (subject, obj):
        if party.type not in PARTY_TYPES:
            raise CommandError(f"a relation joins units and persons, not {party.type!r}")
        _require_party(session, party)
    if start_date and end_date and end_date < start_date:
        raise CommandError(f"the period ends ({end_date}) before it starts ({start_date})")
    if kind in INCIDENT_RELATIONS and incident_id is None:
        raise CommandError(f"{kind} concerns the acts of one incident: name the incident")
    if incident_id is not None and session.get(Incident, incident_id) is None:
        raise NotFound(f"no incident {incident_id}")
    if document_id is not None and session.get(Document, document_id) is None:
        raise NotFound(f"no document {document_id}")
    new = Edge(0, subject, obj, kind, (start_date, end_date), incident_id, document_id)
    edges = load_edges(session)
    for edge in edges:
        if (edge.superior, edge.subordinate, edge.relation, edge.incident_id) == (
            subject,
            obj,
            kind,
            incident_id,
        ) and intersect(edge.period, new.period) is not None:
            raise CommandError(f"{subject} {kind} {obj} is already recorded (relation {edge.id})")
    if kind == COMMANDS:
        cycle = find_cycle(edges, new)
        if cycle is not None:
            raise CommandError(
                f"{subject} cannot command {obj}: the hierarchy would go round in a circle "
                f"({' → '.join(str(p) for p in cycle)}) during the same period"
            )
    row = CommandRelation(
        superior_type=subject.type,
        superior_id=subject.id,
        subordinate_type=obj.type,
        subordinate_id=obj.id,
        relation=kind,
        incident_id=incident_id,
        document_id=document_id,
        start_date=start_date,
        end_date=end_date,
        notes=notes.strip(),
        created_by=actor,
        confidentiality=_level(confidentiality),
    )
    session.add(row)
    session.flush()
    record(session, "command_relation", row.id, "create", actor, None, relation_snapshot(row))
    return row


def remove_relation(session: Session, relation_id: int, actor: str, *, note: str = "") -> None:
    """Delete a relation recorded in error; the ledger keeps what it was, who removed it and why."""
    row = session.get(CommandRelation, relation_id)
    if row is None:
        raise NotFound(f"no relation {relation_id}")
    if not note.strip():
        raise CommandError("say why the relation is removed (a note is required)")
    before = relation_snapshot(row)
    session.delete(row)
    session.flush()
    record(session, "command_relation", relation_id, "remove", actor, before, None, note)


# Perpetrator units of acts ---------------------------------------------------------------------


def units_of_acts(session: Session, act_ids: Collection[int]) -> dict[int, list[int]]:
    """act id → the ids of units named as its perpetrators."""
    out: dict[int, list[int]] = {}
    if not act_ids:
        return out
    rows = session.execute(
        select(ActUnit.act_id, ActUnit.unit_id)
        .where(ActUnit.act_id.in_(list(act_ids)))
        .order_by(ActUnit.unit_id)
    )
    for act_id, unit_id in rows:
        out.setdefault(act_id, []).append(unit_id)
    return out


def incident_record(session: Session, incident: Incident) -> dict[str, Any]:
    """The incident's snapshot with the perpetrator units of each act, so history shows them."""
    snap = incident_snapshot(incident)
    linked = units_of_acts(session, [a["id"] for a in snap["acts"]])
    for act in snap["acts"]:
        act["perpetrator_units"] = linked.get(act["id"], [])
    return snap


def assign_unit(
    session: Session,
    incident_id: int,
    unit_id: int,
    actor: str,
    *,
    act_ids: Collection[int] | None = None,
    document_id: int | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> list[int]:
    """Name `unit_id` as perpetrator of acts of an incident (all its acts not rejected, unless
    `act_ids` says which). Returns the acts newly linked; one change on the incident's history."""
    incident = get_incident(session, incident_id, expected_version)
    get_unit(session, unit_id)
    if document_id is not None and session.get(Document, document_id) is None:
        raise NotFound(f"no document {document_id}")
    acts = [a for a in incident.acts if a.review_status != ReviewStatus.REJECTED.value]
    if act_ids is not None:
        unknown = set(act_ids) - {a.id for a in incident.acts}
        if unknown:
            raise NotFound(f"incident {incident_id} has no act {', '.join(map(str, sorted(unknown)))}")
        acts = [a for a in incident.acts if a.id in set(act_ids)]
    if not acts:
        raise CommandError(f"incident {incident_id} has no act to name a perpetrator for")
    before = incident_record(session, incident)
    linked = units_of_acts(session, [a.id for a in acts])
    added = [a.id for a in acts if unit_id not in linked.get(a.id, [])]
    if not added:
        return []
    session.add_all(
        ActUnit(act_id=a, unit_id=unit_id, document_id=document_id, created_by=actor) for a in added
    )
    touch(incident)
    session.flush()
    record(
        session,
        "incident",
        incident.id,
        "assign_unit",
        actor,
        before,
        incident_record(session, incident),
        note,
    )
    return added


def unassign_unit(
    session: Session,
    act_id: int,
    unit_id: int,
    actor: str,
    *,
    note: str = "",
    expected_version: int | None = None,
) -> None:
    """Take a unit off an act's perpetrators (recorded on the incident's history)."""
    act = session.get(Act, act_id)
    if act is None:
        raise NotFound(f"no act {act_id}")
    incident = get_incident(session, act.incident_id, expected_version)
    row = session.get(ActUnit, (act_id, unit_id))
    if row is None:
        raise NotFound(f"unit {unit_id} is not named as perpetrator of act {act_id}")
    before = incident_record(session, incident)
    session.delete(row)
    touch(incident)
    session.flush()
    record(
        session,
        "incident",
        incident.id,
        "unassign_unit",
        actor,
        before,
        incident_record(session, incident),
        note,
    )


# Views ------------------------------------------------------------------------------------------


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def party_view(session: Session, party: Party, levels: Collection[str] | None) -> dict[str, Any]:
    """A party as a reader sees it: a unit or person above the reader's level is withheld."""
    row = _party_row(session, party)
    if row is None or (levels is not None and row.confidentiality not in levels):
        return {"type": party.type, "id": None, "name": None, "withheld": True}
    return {"type": party.type, "id": party.id, "name": row.name, "withheld": False}


def edge_view(session: Session, edge: Edge, levels: Collection[str] | None) -> dict[str, Any]:
    return {
        "id": edge.id,
        "superior": party_view(session, edge.superior, levels),
        "subordinate": party_view(session, edge.subordinate, levels),
        "relation": edge.relation,
        "start_date": _iso(edge.period[0]),
        "end_date": _iso(edge.period[1]),
        "incident_id": edge.incident_id,
        "document_id": edge.document_id,
    }


def chain_view(
    session: Session,
    party: Party,
    *,
    upward: bool,
    on: dt.date | None = None,
    levels: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """A party's chain of command upward (or its subordinates downward) on a day (any time if None)."""
    during: Period = (on, on)
    links = chain(load_edges(session, levels), party, upward=upward, during=during)
    return [{"depth": link.depth, **edge_view(session, link.edge, levels)} for link in links]


def unit_view(session: Session, unit_id: int, levels: Collection[str] | None = None) -> dict[str, Any]:
    """One unit: its fields, chain of command up and down, every relation naming it, and the
    incidents whose acts name it as perpetrator."""
    unit = get_unit(session, unit_id, levels)
    me = Party("unit", unit.id)
    edges = load_edges(session, levels)
    incident_rows = session.execute(
        select(
            Incident.id,
            Incident.title,
            Incident.start_date,
            Incident.status,
            Incident.confidentiality,
            Act.id,
        )
        .join(Act, Act.incident_id == Incident.id)
        .join(ActUnit, ActUnit.act_id == Act.id)
        .where(ActUnit.unit_id == unit.id)
        .order_by(Incident.start_date.desc().nulls_last(), Incident.id, Act.id)
    ).all()
    incidents: dict[int, dict[str, Any]] = {}
    withheld = 0
    for inc_id, title, start, status, level, act_id in incident_rows:
        if levels is not None and level not in levels:
            withheld += 1
            continue
        entry = incidents.setdefault(
            inc_id, {"id": inc_id, "title": title, "start_date": _iso(start), "status": status, "acts": []}
        )
        entry["acts"].append(act_id)
    return {
        **unit_snapshot(unit),
        "superiors": [
            {"depth": link.depth, **edge_view(session, link.edge, levels)}
            for link in chain(edges, me, upward=True)
        ],
        "subordinates": [
            {"depth": link.depth, **edge_view(session, link.edge, levels)}
            for link in chain(edges, me, upward=False)
        ],
        "relations": [edge_view(session, e, levels) for e in edges if me in (e.superior, e.subordinate)],
        "incidents": list(incidents.values()),
        "incidents_withheld": withheld,
    }


def perpetrators_of(session: Session, incidents: Sequence[Incident]) -> list[Perpetrator]:
    """The units and persons named as perpetrators of the acts of these incidents (rejected acts aside)."""
    acts = [a for i in incidents for a in i.acts if a.review_status != ReviewStatus.REJECTED.value]
    by_id = {a.id: a for a in acts}
    out: list[Perpetrator] = []
    for act_id, units in units_of_acts(session, list(by_id)).items():
        out.extend(Perpetrator(Party("unit", u), act_id, by_id[act_id].violation) for u in units)
    involved = session.execute(
        select(Involvement.act_id, Involvement.person_id).where(
            Involvement.act_id.in_(list(by_id)), Involvement.role == "perpetrator"
        )
    )
    out.extend(Perpetrator(Party("person", p), a, by_id[a].violation) for a, p in involved)
    return sorted(out, key=lambda p: (p.act_id, p.party.type, p.party.id))


def incident_responsibility(
    session: Session, incident_id: int, levels: Collection[str] | None = None
) -> dict[str, Any]:
    """Who, by the relations recorded, stood over the perpetrators of an incident at its time.

    The incident's period is its start and end dates (any time when it has none, which the view
    says); reports merged into it count. Parties above the reader's level are withheld by name.
    """
    from gawah.registry.same_event import group_of

    incident = session.get(Incident, incident_id)
    if incident is None or (levels is not None and incident.confidentiality not in levels):
        raise NotFound(f"no incident {incident_id}")
    group = group_of(session, incident.id)
    during: Period = (incident.start_date, incident.end_date or incident.start_date)
    perps = perpetrators_of(session, group)
    found = responsibility(perps, load_edges(session, levels), during, {i.id for i in group})
    return {
        "incident_id": incident.id,
        "period": {"start": _iso(during[0]), "end": _iso(during[1])},
        "undated": incident.start_date is None,
        "perpetrators": [
            {"act_id": p.act_id, "violation": p.violation, **party_view(session, p.party, levels)}
            for p in perps
        ],
        "responsible": [
            {
                **party_view(session, r.party, levels),
                "depth": r.depth,
                "bases": [
                    {
                        "kind": b.kind,
                        "act_id": b.act_id,
                        "depth": b.depth,
                        "via": party_view(session, b.via, levels) if b.via else None,
                        "relation_id": b.relation_id,
                    }
                    for b in r.bases
                ],
            }
            for r in found
        ],
    }
