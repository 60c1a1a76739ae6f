"""`gawah persons ...`, `gawah cases ...`: persons named the Afghan way, missing-person cases, matches.

Adding a person compares it at once with the persons that share a blocking key with it
(`--no-match` to skip); `gawah persons match` compares everyone (`--queue`: only the persons the
web form queued). `gawah persons import-list` imports a received list (detainees, …) as a source.
The reporter's contact is never printed by a list, only by `gawah cases show`, which needs the
confidential read; a family's report is sealed to the intake key and read with
`gawah cases show REF --unseal` (the intake passphrase, or the data key of an encrypted workspace).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gawah.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    actor_name,
    console,
    err_console,
    fail,
    open_workspace,
    print_json,
    read_passphrase,
)
from gawah.registry import cases, lists, matching
from gawah.registry.changes import NotFound, RegistryError, deciding
from gawah.registry.persons import PersonInput, add_person, list_persons, person_view
from gawah.security.crypto import CryptoError, WrongPassphrase
from gawah.security.encrypted import engine_key
from gawah.security.intake import (
    DATA_KEY,
    INTAKE_PASSPHRASE_ENV,
    IntakeOpener,
    create_intake_key,
    has_intake_key,
    open_intake_key,
    protection,
)
from gawah.store.vocab import Confidentiality
from gawah.workspace import Workspace

persons_app = typer.Typer(
    help="Persons: add, list, show, compare and decide proposed matches.", no_args_is_help=True
)
cases_app = typer.Typer(
    help="Missing-person and detention cases: open, list, show, change status.", no_args_is_help=True
)

ActorOption = Annotated[str | None, typer.Option(help="Who records this (default: the system user).")]
ALL_LEVELS = tuple(c.value for c in Confidentiality)


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
                person = add_person(session, data, actor_name(actor))
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
    """Persons, by name (those of the levels you may see)."""
    from gawah.security.commands import reader_levels

    levels = reader_levels(workspace, "persons list")
    with open_workspace(workspace) as ws, ws.sessions() as session:
        listing = list_persons(session, levels, query=query, limit=limit)
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
    queue: Annotated[
        bool, typer.Option("--queue", help="Only the persons waiting in the queue (e.g. family reports).")
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Compare every person with every other (or only the queued ones); store new proposals."""
    with open_workspace(workspace) as ws:
        if queue:
            compared = matching.match_queued(ws.sessions)
            ws.sign_checkpoint()
            console.print(f"{compared} queued person(s) compared")
            return
        with deciding(ws.sessions) as session:
            proposed = matching.propose_matches(session, review_floor=review_floor)
            count = len(proposed)
            # Everyone was compared: nothing waits any more.
            matching.clear_queue(session)
        ws.sign_checkpoint()
    console.print(f"{count} pair(s) proposed or refreshed for review")


@persons_app.command("import-list")
def import_list(
    file: Annotated[
        Path, typer.Argument(help="CSV: id, name or name_native, father_name, …, status, place, date.")
    ],
    source: Annotated[str, typer.Option("--source", help="The list's name, to cite it by (unique).")],
    sent_by: Annotated[str, typer.Option(help="Who sent the list.")] = "",
    received_on: Annotated[str, typer.Option(help="When it was received (YYYY-MM-DD).")] = "",
    kind: Annotated[str, typer.Option(help="detainees, missing, killed, released or other.")] = "detainees",
    confidentiality: Annotated[str, typer.Option(help="public, restricted or confidential.")] = "restricted",
    match: Annotated[bool, typer.Option(help="Compare the entries with everyone at once.")] = True,
    actor: ActorOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Import a received list whole (or nothing, naming the bad line); entries are matched with everyone."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    meta = lists.ListSource(
        name=source,
        sent_by=sent_by,
        received_on=_date(received_on),
        kind=kind,
        filename=file.name,
        confidentiality=confidentiality,
    )
    with open_workspace(workspace) as ws:
        try:
            with deciding(ws.sessions) as session:
                imported = lists.import_list(session, raw, meta, actor_name(actor))
                matching.enqueue(session, list(imported.person_ids))
        except RegistryError as exc:
            fail(f"{file}: {exc}; nothing was imported")
        if match:
            matching.match_queued(ws.sessions)
        ws.sign_checkpoint()
        with ws.sessions() as session:
            proposed = matching.proposals_involving(session, imported.person_ids)
    console.print(
        f"list {imported.list_id} {imported.name!r}: {len(imported.person_ids)} entries imported "
        f"(sha256 {imported.sha256[:16]}…); {proposed} possible match(es) proposed for review"
    )


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
                decided = matching.decide_match(session, match_id, decision, actor_name(actor), note)
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
                opened = cases.open_case(session, person_id, data, actor_name(actor))
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
    """Cases, newest first (no reporter, no circumstances; those of the levels you may see)."""
    from gawah.security.commands import reader_levels

    levels = reader_levels(workspace, "cases list")
    with open_workspace(workspace) as ws, ws.sessions() as session:
        rows, total = cases.list_cases(session, levels, status=status or None, limit=1000)
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


def _opener(ws: Workspace, unseal: bool) -> IntakeOpener | None:
    keys = ws.settings.keys_dir
    if not has_intake_key(keys):
        return None
    data_key = engine_key(ws.engine.dialect)
    if protection(keys) == DATA_KEY:
        return open_intake_key(keys, data_key=data_key) if data_key is not None else None
    if not unseal:
        return None
    try:
        return open_intake_key(
            keys, passphrase=read_passphrase("Intake passphrase", env=INTAKE_PASSPHRASE_ENV)
        )
    except WrongPassphrase:
        fail("wrong intake passphrase: the family's report stays sealed")
    except CryptoError as exc:
        fail(str(exc))


@cases_app.command("show")
def cases_show(
    case: Annotated[str, typer.Argument(help="The case's number or its reference (GW-…).")],
    unseal: Annotated[
        bool,
        typer.Option(
            "--unseal",
            help=f"Open a family's sealed report with the intake passphrase ({INTAKE_PASSPHRASE_ENV}).",
        ),
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """One case with its status history and reporter (JSON; a confidential read).

    A family's report through the public form is sealed: in an encrypted workspace it opens with
    the workspace; otherwise `--unseal` asks the intake passphrase.
    """
    with open_workspace(workspace) as ws:
        opener = _opener(ws, unseal)
        with ws.sessions() as session:
            try:
                case_id = int(case) if case.isdigit() else cases.case_by_reference(session, case).id
                view = cases.case_view(session, case_id, opener)
            except NotFound as exc:
                fail(str(exc))
            except RegistryError as exc:
                fail(str(exc))
            except CryptoError as exc:
                fail(f"the family's report does not open: {exc}")
    if view.sealed and not view.opened:
        err_console.print(
            "the family's report is sealed: add --unseal (and the intake passphrase) to read it",
            highlight=False,
        )
    print_json(
        {
            **{k: v for k, v in view.__dict__.items() if k != "history"},
            "history": [h.__dict__ for h in view.history],
        }
    )


@cases_app.command("intake-key")
def intake_key(workspace: WorkspaceOption = None) -> None:
    """Make the workspace's intake key, to which families' reports are sealed.

    In an encrypted workspace it is sealed under the data key (and is also made on the first
    report); otherwise under an intake passphrase (GAWAH_INTAKE_PASSPHRASE, else asked), which
    whoever reads families' reports needs.
    """
    with open_workspace(workspace) as ws:
        keys = ws.settings.keys_dir
        if has_intake_key(keys):
            fail(f"this workspace already has an intake key ({keys})")
        data_key = engine_key(ws.engine.dialect)
        try:
            if data_key is not None:
                create_intake_key(keys, data_key=data_key)
                console.print("Intake key made, sealed under the workspace data key.")
            else:
                passphrase = read_passphrase("New intake passphrase", env=INTAKE_PASSPHRASE_ENV, confirm=True)
                create_intake_key(keys, passphrase=passphrase)
                console.print("Intake key made, sealed under the intake passphrase: keep it safe.")
        except CryptoError as exc:
            fail(str(exc))


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
                cases.set_status(session, case_id, status, source=source, actor=actor_name(actor), note=note)
        except RegistryError as exc:
            fail(str(exc))
        ws.sign_checkpoint()
    console.print(f"case {case_id}: {status}")


def register(app: typer.Typer) -> None:
    app.add_typer(persons_app, name="persons")
    app.add_typer(cases_app, name="cases")
