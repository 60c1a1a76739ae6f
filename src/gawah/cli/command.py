"""`gawah units ...` (perpetrator units, command relations, chains of command, who stood over an
incident's perpetrators) and `gawah incidents bulk` (one change to many incidents, all or nothing).

Every command that changes something takes --actor (default: $GAWAH_USER, else the system user),
keeps it with the time as a ledger entry, and signs a checkpoint afterwards.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.table import Table

from gawah.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    actor_name,
    console,
    fail,
    print_json,
    registry_decision,
    registry_read,
)
from gawah.registry import command
from gawah.registry.bulk import BulkChange, bulk_edit, parse_ids, parse_versions
from gawah.registry.changes import RegistryError

units_app = typer.Typer(
    help="Perpetrator units and named commanders: command relations, chains of command.", no_args_is_help=True
)

ActorOption = Annotated[
    str | None, typer.Option(help="Who decides (default: $GAWAH_USER, else the system user).")
]
NoteOption = Annotated[str, typer.Option(help="Why (kept with the decision).")]
LevelOption = Annotated[str, typer.Option("--confidentiality", help="public, restricted or confidential.")]


def _date(value: str | None, what: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{what} is a date written YYYY-MM-DD, not {value!r}")


def _party(text: str) -> command.Party:
    try:
        return command.parse_party(text)
    except RegistryError as exc:
        fail(str(exc))


def _name(p: dict[str, Any]) -> str:
    return f"{p['type']}:{p['id']} {p['name']}" if not p.get("withheld") else f"({p['type']} withheld)"


@units_app.command("add")
def units_add(
    name: Annotated[str, typer.Argument(help="The unit's name as the sources give it.")],
    workspace: WorkspaceOption = None,
    perpetrator: Annotated[str, typer.Option(help="taliban, foreign_military, armed_group or unknown.")] = "",
    province: Annotated[str, typer.Option(help="Where it is based.")] = "",
    notes: Annotated[str, typer.Option()] = "",
    confidentiality: LevelOption = "restricted",
    actor: ActorOption = None,
) -> None:
    """Add a unit (a battalion, a district police command, an intelligence office)."""
    data = command.UnitInput(name, perpetrator, province, notes, confidentiality)
    with registry_decision(workspace) as s:
        unit_id = command.create_unit(s, data, actor_name(actor)).id
    console.print(f"unit {unit_id} added", highlight=False)


@units_app.command("edit")
def units_edit(
    unit_id: Annotated[int, typer.Argument()],
    workspace: WorkspaceOption = None,
    name: Annotated[str | None, typer.Option()] = None,
    perpetrator: Annotated[str | None, typer.Option()] = None,
    province: Annotated[str | None, typer.Option()] = None,
    notes: Annotated[str | None, typer.Option()] = None,
    confidentiality: Annotated[str | None, typer.Option("--confidentiality")] = None,
    actor: ActorOption = None,
    note: NoteOption = "",
) -> None:
    """Change a unit's fields (those not given stay as they are)."""
    with registry_decision(workspace) as s:
        unit = command.get_unit(s, unit_id)
        data = command.UnitInput(
            name=unit.name if name is None else name,
            perpetrator=(unit.perpetrator or "") if perpetrator is None else perpetrator,
            province=(unit.province or "") if province is None else province,
            notes=unit.notes if notes is None else notes,
            confidentiality=unit.confidentiality if confidentiality is None else confidentiality,
        )
        command.edit_unit(s, unit_id, data, actor_name(actor), note=note)
    console.print(f"unit {unit_id} saved", highlight=False)


@units_app.command("list")
def units_list(
    workspace: WorkspaceOption = None,
    query: Annotated[str, typer.Option("--query", "-q", help="Part of the name.")] = "",
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 200,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Units by name, with how many incidents name each as perpetrator."""
    total, rows = registry_read(workspace, lambda s: command.list_units(s, query=query, limit=limit))
    if output is OutputFormat.JSON:
        print_json({"total": total, "units": rows})
        return
    table = Table("id", "name", "perpetrator", "province", "incidents", "level", title=f"{total} units")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["name"],
            r["perpetrator"] or "",
            r["province"] or "",
            str(r["incidents"]),
            r["confidentiality"],
        )
    console.print(table)


@units_app.command("show")
def units_show(
    unit_id: Annotated[int, typer.Argument()],
    workspace: WorkspaceOption = None,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """A unit: its chain of command up and down, its relations and its incidents."""
    view = registry_read(workspace, lambda s: command.unit_view(s, unit_id))
    if output is OutputFormat.JSON:
        print_json(view)
        return
    console.print(
        f"[bold]unit {view['id']}[/] {view['name']} ({view['perpetrator'] or '-'}, "
        f"{view['province'] or '-'}) [{view['confidentiality']}]",
        highlight=False,
    )
    for title, key, side in (
        ("superiors", "superiors", "superior"),
        ("subordinates", "subordinates", "subordinate"),
    ):
        console.print(f"{title}:")
        for link in view[key]:
            console.print(f"  {'  ' * (link['depth'] - 1)}{_name(link[side])}", highlight=False, markup=False)
    console.print("relations:")
    for r in view["relations"]:
        period = (
            f" {r['start_date'] or '…'} – {r['end_date'] or '…'}" if r["start_date"] or r["end_date"] else ""
        )
        incident = f" (incident {r['incident_id']})" if r["incident_id"] else ""
        console.print(
            f"  #{r['id']} {_name(r['superior'])} {r['relation']} {_name(r['subordinate'])}"
            f"{period}{incident}",
            highlight=False,
            markup=False,
        )
    console.print("incidents:")
    for i in view["incidents"]:
        console.print(
            f"  {i['id']} {i['start_date'] or ''} {i['title']} ({i['status']})", highlight=False, markup=False
        )


@units_app.command("relate")
def units_relate(
    subject: Annotated[str, typer.Argument(help="unit:ID or person:ID.")],
    relation: Annotated[
        str, typer.Argument(help="commands, subordinate_of, gave_orders or failed_to_prevent_or_punish.")
    ],
    obj: Annotated[str, typer.Argument(metavar="OBJECT", help="unit:ID or person:ID.")],
    workspace: WorkspaceOption = None,
    incident: Annotated[int | None, typer.Option(help="The incident the relation shows in.")] = None,
    document: Annotated[int | None, typer.Option(help="The document that shows it.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="Held from (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Held until (YYYY-MM-DD).")] = None,
    notes: Annotated[str, typer.Option()] = "",
    confidentiality: LevelOption = "restricted",
    actor: ActorOption = None,
) -> None:
    """Record "SUBJECT RELATION OBJECT": person:7 commands unit:3; unit:3 subordinate_of unit:1."""
    start_date, end_date = _date(start, "--from"), _date(end, "--to")
    with registry_decision(workspace) as s:
        row = command.relate(
            s,
            _party(subject),
            relation,
            _party(obj),
            actor_name(actor),
            incident_id=incident,
            document_id=document,
            start_date=start_date,
            end_date=end_date,
            notes=notes,
            confidentiality=confidentiality,
        )
        text = f"relation {row.id}: {row.superior_type}:{row.superior_id} {row.relation} "
        text += f"{row.subordinate_type}:{row.subordinate_id}"
    console.print(text, highlight=False)


@units_app.command("unrelate")
def units_unrelate(
    relation_id: Annotated[int, typer.Argument()],
    note: Annotated[str, typer.Option(help="Why it is removed (required).")],
    workspace: WorkspaceOption = None,
    actor: ActorOption = None,
) -> None:
    """Remove a relation recorded in error (the ledger keeps what it was)."""
    with registry_decision(workspace) as s:
        command.remove_relation(s, relation_id, actor_name(actor), note=note)
    console.print(f"relation {relation_id} removed", highlight=False)


@units_app.command("chain")
def units_chain(
    party: Annotated[str, typer.Argument(help="unit:ID or person:ID (a bare number is a unit).")],
    workspace: WorkspaceOption = None,
    down: Annotated[bool, typer.Option("--down", help="Subordinates instead of superiors.")] = False,
    on: Annotated[str | None, typer.Option(help="Relations in force on this day (YYYY-MM-DD).")] = None,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """The chain of command above a unit or person (or below it with --down), nearest first."""
    start, day = _party(party), _date(on, "--on")
    links = registry_read(workspace, lambda s: command.chain_view(s, start, upward=not down, on=day))
    if output is OutputFormat.JSON:
        print_json(links)
        return
    side = "subordinate" if down else "superior"
    for link in links:
        console.print(
            f"{'  ' * (link['depth'] - 1)}{_name(link[side])}  (#{link['id']})", highlight=False, markup=False
        )


@units_app.command("assign")
def units_assign(
    incident_id: Annotated[int, typer.Argument()],
    unit_id: Annotated[int, typer.Argument()],
    workspace: WorkspaceOption = None,
    act: Annotated[
        list[int] | None, typer.Option(help="Only this act (repeatable); default: every act.")
    ] = None,
    document: Annotated[int | None, typer.Option(help="The document that names the unit.")] = None,
    version: Annotated[
        int | None, typer.Option("--version", help="The incident version you looked at.")
    ] = None,
    actor: ActorOption = None,
    note: NoteOption = "",
) -> None:
    """Name a unit as perpetrator of an incident's acts."""
    with registry_decision(workspace) as s:
        added = command.assign_unit(
            s,
            incident_id,
            unit_id,
            actor_name(actor),
            act_ids=act,
            document_id=document,
            note=note,
            expected_version=version,
        )
    console.print(f"unit {unit_id} named perpetrator of acts {added or 'none new'}", highlight=False)


@units_app.command("responsible")
def units_responsible(
    incident_id: Annotated[int, typer.Argument()],
    workspace: WorkspaceOption = None,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Who, by the relations recorded, stood over the incident's perpetrators at its time."""
    view = registry_read(workspace, lambda s: command.incident_responsibility(s, incident_id))
    if output is OutputFormat.JSON:
        print_json(view)
        return
    period = view["period"]
    when = (
        "any time (the incident has no date)" if view["undated"] else f"{period['start']} – {period['end']}"
    )
    console.print(f"incident {incident_id}, relations in force {when}; a basis for analysis, not a finding")
    table = Table("party", "steps", "basis")
    for r in view["responsible"]:
        bases = "; ".join(
            f"{b['kind']} act {b['act_id']}" + (f" via {_name(b['via'])}" if b["via"] else "")
            for b in r["bases"]
        )
        table.add_row(_name(r), str(r["depth"]), bases)
    console.print(table)


def incidents_bulk(
    ids: Annotated[str, typer.Option("--ids", help="Incident numbers: 1,2,3 or 4-9.")],
    workspace: WorkspaceOption = None,
    status: Annotated[
        str | None, typer.Option(help="reported, corroborated, verified, disputed or retracted.")
    ] = None,
    standard: Annotated[
        str | None,
        typer.Option(
            help="reasonable_basis, reasonable_grounds, substantial_grounds, beyond_reasonable_doubt."
        ),
    ] = None,
    confidentiality: Annotated[str | None, typer.Option(help="public, restricted or confidential.")] = None,
    unit: Annotated[int | None, typer.Option(help="Name this unit as perpetrator of every act.")] = None,
    versions: Annotated[
        str,
        typer.Option(help="The versions you looked at, incident:version (1:3,2:5); a stale one refuses all."),
    ] = "",
    actor: ActorOption = None,
    note: NoteOption = "",
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Apply one change to many incidents at once: all of them, or none if one is refused."""
    try:
        chosen, expected = parse_ids(ids), parse_versions(versions)
    except RegistryError as exc:
        fail(str(exc))
    change = BulkChange(
        status=status, standard_of_proof=standard, confidentiality=confidentiality, unit_id=unit, note=note
    )
    with registry_decision(workspace) as s:
        done = bulk_edit(s, chosen, change, actor_name(actor), expected_versions=expected)
    if output is OutputFormat.JSON:
        print_json({"change": change.describe(), "incidents": done})
        return
    changed = sum(1 for d in done if d["changed"])
    console.print(f"{change.describe()}: {changed} of {len(done)} incidents changed", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(units_app, name="units")
    # `bulk` joins the `incidents` group of gawah.cli.registry (registered before this module).
    from gawah.cli.registry import incidents_app

    if not any(info.name == "bulk" for info in incidents_app.registered_commands):
        incidents_app.command("bulk")(incidents_bulk)
