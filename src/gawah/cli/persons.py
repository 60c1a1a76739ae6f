"""`gawah persons ...`, `gawah cases ...`: persons named the Afghan way, missing-person cases, matches.

Adding a person compares it at once with every other person recorded (`--no-match` to skip);
`gawah persons match` compares everyone. The reporter's contact is never printed by a list, only
by `gawah cases show`, which needs the confidential read.
"""

from __future__ import annotations

import datetime as dt
import getpass
from typing import Annotated

import typer
from rich.table import Table

from gawah.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    console,
    fail,
    open_workspace,
    print_json,
)
from gawah.registry import cases, matching
from gawah.registry.changes import RegistryError, deciding
from gawah.registry.persons import PersonInput, add_person, list_persons, person_view
from gawah.store.vocab import Confidentiality

persons_app = typer.Typer(
    help="Persons: add, list, show, compare and decide proposed matches.", no_args_is_help=True
)
cases_app = typer.Typer(
    help="Missing-person and detention cases: open, list, show, change status.", no_args_is_help=True
)

ActorOption = Annotated[str | None, typer.Option(help="Who records this (default: the system user).")]
ALL_LEVELS = tuple(c.value for c in Confidentiality)


def _actor(actor: str | None) -> str:
    return actor or getpass.getuser()


@persons_app.command("add")
def add(
    name: Annotated[str, typer.Option(help="Given name (Latin letters or Arabic script).")] = "",
    name_native: Annotated[str, typer.Option(help="The name in Arabic script.")] = "",
    father_name: Annotated[str, typer.Option(help="Father's name.")] = "",
    grandfather_name: Annotated[str, typer.Option(help="Grandfather's name.")] = "",
    tribe: Annotated[str, typer.Option(help="Tribe or qawm.")] = "",
    sex: Annotated[str, typer.Option(help="male, female or unknown.")] = "",
    birth_year: Annotated[int | None, typer.Option(help="Birth year (Gregorian).")] = None,
    age: Annotated[int | None, typer.Option(help="Age when reported.")] = None,
    province: Annotated[str, typer.Option(help="Home province.")] = "",
    district: Annotated[str, typer.Option(help="Home district.")] = "",
    occupation: Annotated[str, typer.Option(help="Occupation.")] = "",
    former_service: Annotated[str, typer.Option(help="police, army, intelligence, official, …")] = "",
    pseudonym: Annotated[bool, typer.Option(help="A protected witness's pseudonym (confidential).")] = False,
    confidentiality: Annotated[str, typer.Option(help="public, restricted or confidential.")] = "restricted",
    match: Annotated[bool, typer.Option(help="Compare with every other person at once.")] = True,
    actor: ActorOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Record a person; likely matches are proposed for review with their reasons."""
    data = PersonInput(
        name=name,
        name_native=name_native,
        father_name=father_name,
        grandfather_name=grandfather_name,
        tribe=tribe,
        sex=sex,
        birth_year=birth_year,
        age=age,
        home_province=province,
        home_district=district,
        occupation=occupation,
        former_service=former_service,
        is_pseudonym=pseudonym,
        confidentiality=confidentiality,
    )
    with open_workspace(workspace) as ws:
        try:
            with deciding(ws.sessions) as session:
                person = add_person(session, data, _actor(actor))
                person_id = person.id
            proposed = 0
            if match:
                with deciding(ws.sessions) as session:
                    proposed = len(matching.propose_matches(session, [person_id]))
        except RegistryError as exc:
            fail(str(exc))
        ws.sign_checkpoint()
    console.print(f"person {person_id} recorded; {proposed} possible match(es) proposed for review")


@persons_app.command("list")
def list_(
    query: Annotated[str, typer.Option("--query", "-q", help="Part of the name or father's name.")] = "",
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 100,
    output: FormatOption = OutputFormat.TABLE,
    workspace: WorkspaceOption = None,
) -> None:
    """Persons, by name."""
    with open_workspace(workspace) as ws, ws.sessions() as session:
        listing = list_persons(session, ALL_LEVELS, query=query, limit=limit)
    if output == OutputFormat.JSON:
        print_json({"total": listing.total, "persons": [p.__dict__ for p in listing.persons]})
        return
    table = Table("id", "name", "native", "father", "province", "district", "level")
    for p in listing.persons:
        table.add_row(
            str(p.id),
            p.name,
            p.name_native or "",
            p.father_name or "",
            p.home_province or "",
            p.home_district or "",
            p.confidentiality,
        )
    console.print(table)
    console.print(f"{len(listing.persons)} of {listing.total}")


@persons_app.command("show")
def show(person_id: int, workspace: WorkspaceOption = None) -> None:
    """One person, the acts they are involved in, cases and linked records (JSON)."""
    with open_workspace(workspace) as ws, ws.sessions() as session:
        try:
            view = person_view(session, person_id)
        except RegistryError as exc:
            fail(str(exc))
        linked = matching.same_person(session, person_id)
    print_json(
        {
            "person": view.person,
            "involvements": [i.__dict__ for i in view.involvements],
            "cases": view.case_ids,
            "same_person": linked,
        }
    )


@persons_app.command("match")
def match_all(
    review_floor: Annotated[
        float, typer.Option(min=0.01, max=1.0, help="Lowest probability proposed.")
    ] = 0.5,
    workspace: WorkspaceOption = None,
) -> None:
    """Compare every person with every other; store new proposals (decided pairs stay decided)."""
    with open_workspace(workspace) as ws:
        with deciding(ws.sessions) as session:
            proposed = matching.propose_matches(session, review_floor=review_floor)
            count = len(proposed)
        ws.sign_checkpoint()
    console.print(f"{count} pair(s) proposed or refreshed for review")


@persons_app.command("matches")
def matches(
    status: Annotated[str, typer.Option(help="proposed, accepted, rejected or all.")] = "proposed",
    output: FormatOption = OutputFormat.TABLE,
    workspace: WorkspaceOption = None,
) -> None:
    """Proposed (or decided) matches with the reasons, likeliest first."""
    with open_workspace(workspace) as ws, ws.sessions() as session:
        listing = matching.list_matches(
            session, ALL_LEVELS, status=None if status == "all" else status, limit=1000
        )
    if output == OutputFormat.JSON:
        print_json(
            [
                {
                    "id": m.id,
                    "person": m.person.__dict__,
                    "other": m.other.__dict__,
                    "probability": m.probability,
                    "reasons": m.reasons,
                    "status": m.status,
                }
                for m in listing.matches
            ]
        )
        return
    table = Table("id", "person", "other", "probability", "why", "status")
    for m in listing.matches:
        why = "; ".join(f"{r['title']}: {r['level']} ({r['weight']:+.1f})" for r in m.reasons)
        table.add_row(
            str(m.id),
            f"{m.person.id} {m.person.name}",
            f"{m.other.id} {m.other.name}",
            f"{m.probability:.3f}",
            why,
            m.status,
        )
    console.print(table)


@persons_app.command("decide")
def decide(
    match_id: int,
    decision: Annotated[str, typer.Argument(help="accept (same person: link) or reject.")],
    note: Annotated[str, typer.Option(help="Why.")] = "",
    actor: ActorOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Decide a proposed match."""
    with open_workspace(workspace) as ws:
        try:
            with deciding(ws.sessions) as session:
                decided = matching.decide_match(session, match_id, decision, _actor(actor), note)
                status = decided.status
        except RegistryError as exc:
            fail(str(exc))
        ws.sign_checkpoint()
    console.print(f"match {match_id}: {status}")


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        fail(f"not a date (YYYY-MM-DD): {value!r}")


@cases_app.command("open")
def open_(
    person_id: int,
    kind: Annotated[str, typer.Option(help="missing or detained.")] = "missing",
    last_seen_on: Annotated[str, typer.Option(help="YYYY-MM-DD.")] = "",
    last_seen_place: Annotated[str, typer.Option(help="Where.")] = "",
    last_seen_by: Annotated[str, typer.Option(help="By whom.")] = "",
    circumstances: Annotated[str, typer.Option(help="How (taken at a checkpoint, from home, …).")] = "",
    reporter_name: Annotated[str, typer.Option(help="The relative who reports (confidential).")] = "",
    reporter_relationship: Annotated[str, typer.Option(help="Their relationship to the person.")] = "",
    reporter_contact: Annotated[str, typer.Option(help="How to reach them (confidential).")] = "",
    source: Annotated[str, typer.Option(help="Where the first status comes from.")] = "report by a relative",
    actor: ActorOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Open a case for a recorded person; prints the reference and the family's code (once)."""
    data = cases.CaseInput(
        kind=kind,
        last_seen_on=_date(last_seen_on),
        last_seen_place=last_seen_place,
        last_seen_by=last_seen_by,
        circumstances=circumstances,
        reporter_name=reporter_name,
        reporter_contact=reporter_contact,
        reporter_relationship=reporter_relationship,
        source=source,
    )
    with open_workspace(workspace) as ws:
        try:
            with deciding(ws.sessions) as session:
                opened = cases.open_case(session, person_id, data, _actor(actor))
        except RegistryError as exc:
            fail(str(exc))
        ws.sign_checkpoint()
    console.print(f"case {opened.case_id}: reference {opened.reference}")
    console.print(
        f"family code (give it to the family; it is not stored and cannot be shown again): {opened.code}"
    )


@cases_app.command("list")
def cases_list(
    status: Annotated[str, typer.Option(help="Only cases with this status.")] = "",
    output: FormatOption = OutputFormat.TABLE,
    workspace: WorkspaceOption = None,
) -> None:
    """Cases, newest first (no reporter, no circumstances)."""
    with open_workspace(workspace) as ws, ws.sessions() as session:
        rows, total = cases.list_cases(session, ALL_LEVELS, status=status or None, limit=1000)
    if output == OutputFormat.JSON:
        print_json({"total": total, "cases": [r.__dict__ for r in rows]})
        return
    table = Table("id", "reference", "person", "status", "last seen", "opened")
    for r in rows:
        table.add_row(
            str(r.id),
            r.reference,
            f"{r.person_id or ''} {r.person_name or ''}",
            r.status,
            str(r.last_seen_on or ""),
            r.opened_at.date().isoformat(),
        )
    console.print(table)


@cases_app.command("show")
def cases_show(case_id: int, workspace: WorkspaceOption = None) -> None:
    """One case with its status history and reporter (JSON; a confidential read)."""
    with open_workspace(workspace) as ws, ws.sessions() as session:
        try:
            view = cases.case_view(session, case_id)
        except RegistryError as exc:
            fail(str(exc))
    print_json(
        {
            **{k: v for k, v in view.__dict__.items() if k != "history"},
            "history": [h.__dict__ for h in view.history],
        }
    )


@cases_app.command("status")
def cases_status(
    case_id: int,
    status: Annotated[
        str, typer.Argument(help="missing, detained, released, found_dead, found_alive, closed.")
    ],
    source: Annotated[str, typer.Option(help="Where the news comes from (required).")] = "",
    note: Annotated[str, typer.Option(help="A note.")] = "",
    actor: ActorOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Record a new status of a case, with its source."""
    with open_workspace(workspace) as ws:
        try:
            with deciding(ws.sessions) as session:
                cases.set_status(session, case_id, status, source=source, actor=_actor(actor), note=note)
        except RegistryError as exc:
            fail(str(exc))
        ws.sign_checkpoint()
    console.print(f"case {case_id}: {status}")


def register(app: typer.Typer) -> None:
    app.add_typer(persons_app, name="persons")
    app.add_typer(cases_app, name="cases")
