"""`gawah claims ...`: statements by parties, set against the incidents that contradict or support them.

Reading commands print records of every level (the command line's reader holds the workspace);
`link`, `unlink` and `add` keep the actor and the time as a registry change and a ledger entry, and
sign a checkpoint afterwards.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from gawah.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    actor_name,
    console,
    fail,
    print_history,
    print_json,
    registry_decision,
    registry_read,
)
from gawah.registry import claims
from gawah.registry.changes import restore
from gawah.security.commands import reader_levels

if TYPE_CHECKING:
    pass

claims_app = typer.Typer(
    help="Statements by parties (denials, assurances) and the incidents that contradict or support them.",
    no_args_is_help=True,
)
ActorOption = Annotated[str | None, typer.Option(help="Who decides (default: the system user).")]
NoteOption = Annotated[str, typer.Option(help="Why (kept with the decision).")]
VersionOption = Annotated[
    int | None,
    typer.Option("--version", help="The claim version you looked at (refused if it moved on since)."),
]


class Relation(StrEnum):
    CONTRADICTS = "contradicts"
    SUPPORTS = "supports"


@claims_app.command("list")
def claims_list(
    workspace: WorkspaceOption = None,
    output: FormatOption = OutputFormat.TABLE,
    speaker: Annotated[str | None, typer.Option(help="Part of the speaker's name or party.")] = None,
    stance: Annotated[
        str | None, typer.Option(help="denial, assurance, acknowledgement, allegation, other.")
    ] = None,
    incident: Annotated[
        int | None, typer.Option(help="Claims linked to this incident (or its merged reports).")
    ] = None,
    document: Annotated[int | None, typer.Option(help="Claims read from this document.")] = None,
    review_status: Annotated[str | None, typer.Option(help="candidate, accepted or rejected.")] = None,
    limit: Annotated[int, typer.Option()] = 1000,
) -> None:
    """Claims, newest statement first, with how many incidents contradict and support each."""
    levels = reader_levels(workspace, "claims list")
    total, rows = registry_read(
        workspace,
        lambda s: claims.list_claims(s, levels, speaker=speaker, stance=stance, incident_id=incident,
                                     document_id=document, review_status=review_status, limit=limit),
    )  # fmt: skip
    if output is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} of {total} claims")
    for column in ("id", "date", "speaker", "stance", "quote", "contradicting", "supporting", "review"):
        table.add_column(column, overflow="fold")
    for r in rows:
        speaker_text = r["speaker"] + (f" ({r['affiliation']})" if r["affiliation"] else "")
        table.add_row(str(r["id"]), r["stated_on"] or "", escape(speaker_text), r["stance"],
                      escape(r["quote"][:160]), str(r["contradicting"]), str(r["supporting"]),
                      r["review_status"])  # fmt: skip
    console.print(table)


@claims_app.command("show")
def claims_show(
    claim_id: Annotated[int, typer.Argument()],
    workspace: WorkspaceOption = None,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """A claim and the evidence on each side: the incidents that contradict it and that support it."""
    levels = reader_levels(workspace, "claims show")
    view: dict[str, Any] = registry_read(workspace, lambda s: claims.dossier(s, claim_id, levels))
    if output is OutputFormat.JSON:
        print_json(view)
        return
    party = f" ({view['affiliation']})" if view["affiliation"] else ""
    console.print(f"[bold]Claim {view['id']}[/]: {escape(view['speaker'] + party)}", highlight=False)
    console.print(
        f"{view['stated_on'] or 'date not given'} · {view['stance']} · {view['review_status']}"
        f" · version {view['version']}"
    )
    console.print(f"“{view['quote']}”", highlight=False, markup=False)
    if view["document"]:
        doc = view["document"]
        console.print(
            f"source: document {doc['id']} {doc['title']!r}"
            + (f", {doc['source_name']}" if doc["source_name"] else ""),
            markup=False,
        )
    console.print("This lists the incidents linked to the claim; it does not say whether the claim is true.")
    for side in claims.RELATIONS:
        table = Table(title=f"Evidence that {side} it")
        for column in ("incident", "date", "status", "acts", "places", "sources"):
            table.add_column(column, overflow="fold")
        for e in view[side]:
            acts = "; ".join(
                a["violation"]
                + (f" {a['count']['qualifier'] or ''} {a['count']['value']}" if a["count"] else "")
                for a in e["acts"]
            )
            places = ", ".join(p["name"] for p in e["places"])
            sources = "; ".join(r["source_name"] or r["document_title"] for r in e["reports"])
            status = e["status"] + (f" ({e['standard_of_proof']})" if e["standard_of_proof"] else "")
            cells = (f"{e['incident_id']} {e['title']}", e["start_date"] or "", status, acts, places, sources)
            table.add_row(*(escape(c) for c in cells))
        console.print(table)


@claims_app.command("link")
def claims_link(
    claim_id: Annotated[int, typer.Argument()],
    incident_id: Annotated[int, typer.Argument()],
    relation: Annotated[Relation, typer.Option(help="Does the incident contradict or support the claim?")],
    workspace: WorkspaceOption = None,
    note: NoteOption = "",
    actor: ActorOption = None,
    version: VersionOption = None,
) -> None:
    """Link a claim to an incident that contradicts or supports it (or change the side)."""
    with registry_decision(workspace) as s:
        claims.link(s, claim_id, incident_id, relation.value, actor_name(actor), note=note,
                    expected_version=version)  # fmt: skip
        now = claims.get_claim(s, claim_id).version
    console.print(f"claim {claim_id}: incident {incident_id} {relation.value} it (claim version {now})")


@claims_app.command("unlink")
def claims_unlink(
    claim_id: Annotated[int, typer.Argument()],
    incident_id: Annotated[int, typer.Argument()],
    workspace: WorkspaceOption = None,
    note: NoteOption = "",
    actor: ActorOption = None,
    version: VersionOption = None,
) -> None:
    """Remove a link (the link and its removal stay in the claim's history)."""
    with registry_decision(workspace) as s:
        claims.unlink(s, claim_id, incident_id, actor_name(actor), note=note, expected_version=version)
        now = claims.get_claim(s, claim_id).version
    console.print(f"claim {claim_id}: incident {incident_id} unlinked (claim version {now})")


@claims_app.command("add")
def claims_add(
    speaker: Annotated[str, typer.Option(help="Who said it.")],
    quote: Annotated[str, typer.Option(help="The words said.")],
    workspace: WorkspaceOption = None,
    stance: Annotated[
        str, typer.Option(help="denial, assurance, acknowledgement, allegation, other.")
    ] = "other",
    affiliation: Annotated[str | None, typer.Option(help="The speaker's party.")] = None,
    stated_on: Annotated[str | None, typer.Option(help="When (YYYY-MM-DD).")] = None,
    document: Annotated[int | None, typer.Option(help="The document it was read in.")] = None,
    confidentiality: Annotated[str, typer.Option(help="public, restricted or confidential.")] = "restricted",
    note: NoteOption = "",
    actor: ActorOption = None,
) -> None:
    """Enter a claim by hand (accepted as entered)."""
    try:
        when = dt.date.fromisoformat(stated_on) if stated_on else None
    except ValueError:
        fail("dates are written YYYY-MM-DD")
    with registry_decision(workspace) as s:
        made = claims.create_claim(s, actor_name(actor), speaker=speaker, quote=quote, stance=stance,
                                   affiliation=affiliation, stated_on=when, document_id=document,
                                   confidentiality=confidentiality, note=note)  # fmt: skip
        claim_id = made.id
    console.print(f"claim {claim_id} added")


@claims_app.command("history")
def claims_history(
    claim_id: Annotated[int, typer.Argument()],
    workspace: WorkspaceOption = None,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Every change to a claim (its links included): who, when, what changed."""
    print_history(workspace, "claim", claim_id, output)


@claims_app.command("restore")
def claims_restore(
    change_id: Annotated[int, typer.Argument(help="A change id from `claims history`.")],
    workspace: WorkspaceOption = None,
    after: Annotated[bool, typer.Option(help="Restore the version after the change, not before it.")] = False,
    actor: ActorOption = None,
    version: VersionOption = None,
) -> None:
    """Put a claim back as it was before (or after) an earlier change: its fields and its links."""
    with registry_decision(workspace) as s:
        made = restore(s, change_id, actor_name(actor), which="after" if after else "before",
                       expected_version=version, subject_type="claim")  # fmt: skip
        claim_id = made.subject_id
        now = claims.get_claim(s, claim_id).version
    console.print(f"claim {claim_id} restored from change {change_id} (claim version {now})")


def register(app: typer.Typer) -> None:
    app.add_typer(claims_app, name="claims")
