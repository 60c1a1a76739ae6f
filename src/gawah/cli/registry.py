"""`gawah review ...`, `gawah incidents ...`, `gawah sources grade`: the registry from the command line.

Every command that decides something takes --actor (default: the system user), keeps it with the
time as a ledger entry, and signs a checkpoint afterwards.
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
    err_console,
    fail,
    open_workspace,
    print_history,
    print_json,
    registry_decision,
    registry_read,
)
from gawah.registry import legal, review, same_event
from gawah.registry.changes import restore
from gawah.registry.corroboration import grade_report, grade_source, set_status
from gawah.registry.incidents import incident_view, list_incidents, statistics
from gawah.registry.search import Filters, index_exists, previews, reindex, search

review_app = typer.Typer(
    help="Review candidate facts: accept, edit, reject, split, attach.", no_args_is_help=True
)
incidents_app = typer.Typer(help="Incidents: list, show, merge reports of one event, grade, history.",
                            no_args_is_help=True)  # fmt: skip
sources_app = typer.Typer(help="Sources: grade their reliability.", no_args_is_help=True)

ActorOption = Annotated[str | None, typer.Option(help="Who decides (default: the system user).")]
NoteOption = Annotated[str, typer.Option(help="Why (kept with the decision).")]
VersionOption = Annotated[
    int | None, typer.Option("--version", help="The incident version you looked at (refused if it moved on).")
]


def _parse_fields(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            fail(f"write each field as name=value, not {pair!r}")
        out[name.strip()] = value.strip()
    return out


@review_app.command("list")
def review_list(
    workspace: WorkspaceOption = None,
    output: FormatOption = OutputFormat.TABLE,
    kind: Annotated[str | None, typer.Option(help="act, claim or person.")] = None,
    document: Annotated[int | None, typer.Option(help="Only facts read from this document.")] = None,
    limit: Annotated[int, typer.Option()] = 50,
) -> None:
    """Candidate facts waiting for a decision, each with the words it was read from."""
    items = registry_read(workspace, lambda s: review.queue(s, kind=kind, document_id=document, limit=limit))
    rows: list[dict[str, Any]] = [
        {
            "kind": i.kind,
            "id": i.id,
            "incident_id": i.incident_id,
            "incident_version": i.incident_version,
            "version": i.version,
            "document_id": i.document_id,
            "document_title": i.document_title,
            "fact": i.summary,
            "quotes": [s.quote for s in i.spans],
        }
        for i in items
    ]
    if output is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} candidates")
    for column in ("kind", "id", "fact", "quoted from the text", "document"):
        table.add_column(column, overflow="fold")
    for row in rows:
        fact = row["fact"]
        what = ", ".join(f"{k}={v}" for k, v in fact.items() if v not in (None, [], ""))
        table.add_row(
            row["kind"], str(row["id"]), what, " … ".join(row["quotes"]), str(row["document_id"] or "")
        )
    console.print(table)


@review_app.command("accept")
def review_accept(
    kind: Annotated[str, typer.Argument(help="act, claim or person.")],
    fact_id: Annotated[int, typer.Argument()],
    workspace: WorkspaceOption = None,
    actor: ActorOption = None,
    note: NoteOption = "",
    version: VersionOption = None,
) -> None:
    """Accept a candidate fact as it stands."""
    with registry_decision(workspace) as s:
        review.accept(s, kind, fact_id, actor_name(actor), note=note, expected_version=version)
    console.print(f"accepted {kind} {fact_id}")


@review_app.command("reject")
def review_reject(
    kind: Annotated[str, typer.Argument(help="act, claim or person.")],
    fact_id: Annotated[int, typer.Argument()],
    workspace: WorkspaceOption = None,
    actor: ActorOption = None,
    note: NoteOption = "",
    version: VersionOption = None,
) -> None:
    """Reject a candidate fact (kept, marked rejected)."""
    with registry_decision(workspace) as s:
        review.reject(s, kind, fact_id, actor_name(actor), note=note, expected_version=version)
    console.print(f"rejected {kind} {fact_id}")


@review_app.command("edit")
def review_edit(
    act_id: Annotated[int, typer.Argument()],
    fields: Annotated[
        list[str], typer.Argument(help="name=value, e.g. count_value=15 victim_groups=civilians")
    ],
    workspace: WorkspaceOption = None,
    actor: ActorOption = None,
    note: NoteOption = "",
    version: VersionOption = None,
    accept_it: Annotated[bool, typer.Option("--accept/--no-accept", help="Accept it as edited.")] = True,
) -> None:
    """Correct a candidate act and (by default) accept it."""
    with registry_decision(workspace) as s:
        review.edit(s, act_id, _parse_fields(fields), actor_name(actor), accept_it=accept_it, note=note,
                    expected_version=version)  # fmt: skip
    console.print(f"edited act {act_id}")


@review_app.command("split")
def review_split(
    act_id: Annotated[int, typer.Argument()],
    part: Annotated[
        list[str], typer.Option(help="One part: 'violation=killing,count_value=3' (give 2 or more).")
    ],
    workspace: WorkspaceOption = None,
    actor: ActorOption = None,
    note: NoteOption = "",
    separate: Annotated[bool, typer.Option(help="Each further part is a separate incident.")] = False,
    version: VersionOption = None,
) -> None:
    """Split one candidate fact that holds several."""
    parts = [_parse_fields([f for f in p.split(",") if f.strip()]) for p in part]
    with registry_decision(workspace) as s:
        ids = review.split(s, act_id, list(parts), actor_name(actor), separate_incidents=separate, note=note,
                           expected_version=version)  # fmt: skip
    console.print(f"act {act_id} split into acts {', '.join(map(str, ids))}")


@review_app.command("attach")
def review_attach(
    act_id: Annotated[int, typer.Argument()],
    incident_id: Annotated[int, typer.Argument(help="The existing incident it belongs to.")],
    workspace: WorkspaceOption = None,
    actor: ActorOption = None,
    note: NoteOption = "",
    version: VersionOption = None,
) -> None:
    """Attach a candidate fact to an existing incident."""
    with registry_decision(workspace) as s:
        review.attach(s, act_id, incident_id, actor_name(actor), note=note, expected_version=version)
    console.print(f"act {act_id} attached to incident {incident_id}")


@incidents_app.command("list")
def incidents_list(
    workspace: WorkspaceOption = None,
    output: FormatOption = OutputFormat.TABLE,
    status: Annotated[str | None, typer.Option()] = None,
    review_status: Annotated[str | None, typer.Option()] = None,
    violation: Annotated[str | None, typer.Option()] = None,
    province: Annotated[str | None, typer.Option()] = None,
    include_merged: Annotated[bool, typer.Option(help="Also incidents merged into another.")] = False,
    limit: Annotated[int, typer.Option()] = 1000,
) -> None:
    """Incidents, one per event, newest first."""
    from gawah.security.commands import reader_levels

    levels = reader_levels(workspace, "incidents list")
    total, rows = registry_read(
        workspace,
        lambda s: list_incidents(s, status=status, review_status=review_status, violation=violation,
                                 province=province, include_merged=include_merged, limit=limit,
                                 levels=levels),
    )  # fmt: skip
    if output is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} of {total} incidents")
    for column in ("id", "date", "violations", "counts", "place", "status", "review", "reports"):
        table.add_column(column, overflow="fold")
    for r in rows:
        counts = ", ".join(
            f"{c['qualifier'] or ''} {c['value']}".strip() for c in r["counts"] if c["value"] is not None
        )
        place = ", ".join(r["districts"] or r["provinces"])
        table.add_row(str(r["id"]), r["start_date"] or "", ", ".join(r["violations"]), counts, place,
                      r["status"], r["review_status"], str(r["reports"]))  # fmt: skip
    console.print(table)


@incidents_app.command("show")
def incidents_show(
    incident_id: Annotated[int, typer.Argument()],
    workspace: WorkspaceOption = None,
    output: FormatOption = OutputFormat.JSON,
) -> None:
    """One incident: acts, victims, perpetrators, places, dates and every report of the event."""
    from gawah.security.commands import reader_levels

    levels = reader_levels(workspace, "incidents show")
    print_json(registry_read(workspace, lambda s: incident_view(s, incident_id, levels)))


@incidents_app.command("stats")
def incidents_stats(
    workspace: WorkspaceOption = None,
    all_reviewed: Annotated[
        bool, typer.Option("--all", help="Count candidates too, not only accepted.")
    ] = False,
) -> None:
    """Incident counts and victim counts, apart; each event once."""
    print_json(registry_read(workspace, lambda s: statistics(s, accepted_only=not all_reviewed)))


@incidents_app.command("same-event")
def incidents_same_event(
    workspace: WorkspaceOption = None,
    output: FormatOption = OutputFormat.TABLE,
    incident: Annotated[int | None, typer.Option(help="Only proposals involving this incident.")] = None,
    threshold: Annotated[float, typer.Option()] = same_event.DEFAULT_THRESHOLD,
) -> None:
    """Incidents from different documents that may be one event, with the reasons."""
    proposals = registry_read(
        workspace, lambda s: same_event.propose(s, incident_id=incident, threshold=threshold)
    )
    rows: list[dict[str, Any]] = [
        {"incident_id": p.incident_id, "other_id": p.other_id, "score": p.score,
         "reasons": [same_event.explain(r) for r in p.reasons]}
        for p in proposals
    ]  # fmt: skip
    if output is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} proposals (confirm with `gawah incidents merge`, refuse with `refuse`)")
    for column in ("incident", "other", "score", "why"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(str(r["incident_id"]), str(r["other_id"]), f"{r['score']:.2f}", "; ".join(r["reasons"]))
    console.print(table)


@incidents_app.command("merge")
def incidents_merge(
    keep: Annotated[int, typer.Argument(help="The incident that stays.")],
    absorb: Annotated[int, typer.Argument(help="The incident that joins it.")],
    workspace: WorkspaceOption = None,
    actor: ActorOption = None,
    note: NoteOption = "",
) -> None:
    """Confirm two incidents are one event (undo with `unmerge`)."""
    with registry_decision(workspace) as s:
        same_event.merge(s, keep, absorb, actor_name(actor), note=note)
    console.print(f"incident {absorb} merged into incident {keep}")


@incidents_app.command("unmerge")
def incidents_unmerge(
    absorbed: Annotated[int, typer.Argument(help="The incident that was merged into another.")],
    workspace: WorkspaceOption = None,
    actor: ActorOption = None,
    note: NoteOption = "",
) -> None:
    """Undo a merge: both incidents are as they were before it."""
    with registry_decision(workspace) as s:
        same_event.undo_merge(s, absorbed, actor_name(actor), note=note)
    console.print(f"incident {absorbed} separated again")


@incidents_app.command("refuse")
def incidents_refuse(
    incident_id: Annotated[int, typer.Argument()],
    other_id: Annotated[int, typer.Argument()],
    workspace: WorkspaceOption = None,
    actor: ActorOption = None,
    note: NoteOption = "",
) -> None:
    """Say two proposed incidents are different events."""
    with registry_decision(workspace) as s:
        same_event.refuse(s, incident_id, other_id, actor_name(actor), note=note)
    console.print(f"incidents {incident_id} and {other_id} kept apart")


@incidents_app.command("status")
def incidents_status(
    incident_id: Annotated[int, typer.Argument()],
    status: Annotated[str, typer.Argument(help="reported, corroborated, verified, disputed or retracted.")],
    workspace: WorkspaceOption = None,
    standard: Annotated[
        str | None,
        typer.Option(
            help="reasonable_basis, reasonable_grounds, substantial_grounds, beyond_reasonable_doubt."
        ),
    ] = None,
    actor: ActorOption = None,
    note: NoteOption = "",
    version: VersionOption = None,
) -> None:
    """Move an incident's status, naming the standard of proof."""
    with registry_decision(workspace) as s:
        set_status(s, incident_id, status, actor_name(actor), standard_of_proof=standard, note=note,
                   expected_version=version)  # fmt: skip
    console.print(f"incident {incident_id} is {status}")


@incidents_app.command("grade-report")
def incidents_grade_report(
    report_id: Annotated[int, typer.Argument(help="A report id (see `incidents show`).")],
    workspace: WorkspaceOption = None,
    credibility: Annotated[int | None, typer.Option(min=1, max=6)] = None,
    independent: Annotated[bool | None, typer.Option("--independent/--not-independent")] = None,
    repeats: Annotated[int | None, typer.Option(help="Id of the source this report repeats.")] = None,
    actor: ActorOption = None,
    note: NoteOption = "",
) -> None:
    """Grade one report: credibility 1–6, independence."""
    with registry_decision(workspace) as s:
        grade_report(s, report_id, actor_name(actor), credibility=credibility, independent=independent,
                     repeats_source_id=repeats, note=note)  # fmt: skip
    console.print(f"report {report_id} graded")


@incidents_app.command("history")
def incidents_history(
    incident_id: Annotated[int, typer.Argument()],
    workspace: WorkspaceOption = None,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Every change to an incident: who, when, what changed."""
    print_history(workspace, "incident", incident_id, output)


@incidents_app.command("restore")
def incidents_restore(
    change_id: Annotated[int, typer.Argument(help="A change id from `incidents history`.")],
    workspace: WorkspaceOption = None,
    after: Annotated[bool, typer.Option(help="Restore the version after the change, not before it.")] = False,
    actor: ActorOption = None,
) -> None:
    """Put an incident back as it was before (or after) an earlier change."""
    with registry_decision(workspace) as s:
        which = "after" if after else "before"
        restore(s, change_id, actor_name(actor), which=which, subject_type="incident")
    console.print(f"restored from change {change_id}")


@sources_app.command("grade")
def sources_grade(
    source_id: Annotated[int, typer.Argument()],
    reliability: Annotated[str, typer.Argument(help="A (completely reliable) … F (cannot be judged).")],
    workspace: WorkspaceOption = None,
    actor: ActorOption = None,
    note: NoteOption = "",
) -> None:
    """Grade a source's reliability A–F."""
    with registry_decision(workspace) as s:
        grade_source(s, source_id, reliability, actor_name(actor), note=note)
    console.print(f"source {source_id} graded {reliability.upper()}")


def search_command(
    query: Annotated[str, typer.Argument(help="Words to find (English, Dari or Pashto; any spelling).")] = "",
    workspace: WorkspaceOption = None,
    output: FormatOption = OutputFormat.TABLE,
    kind: Annotated[str | None, typer.Option(help="document, incident or claim.")] = None,
    violation: Annotated[str | None, typer.Option()] = None,
    province: Annotated[str | None, typer.Option()] = None,
    district: Annotated[str | None, typer.Option()] = None,
    status: Annotated[str | None, typer.Option()] = None,
    source: Annotated[int | None, typer.Option(help="Source id.")] = None,
    since: Annotated[str | None, typer.Option(help="Period start, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Period end, YYYY-MM-DD.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many hits (the next page).")] = 0,
    rebuild: Annotated[bool, typer.Option("--reindex", help="Rebuild the index first.")] = False,
) -> None:
    """Search documents, incidents and claims, with facet counts (only the levels you may see)."""
    from rich.markup import escape

    from gawah.security.commands import reader_levels

    try:
        filters = Filters(kind=kind, violation=violation, province=province, district=district, status=status,
                          source_id=source, start=dt.date.fromisoformat(since) if since else None,
                          end=dt.date.fromisoformat(until) if until else None)  # fmt: skip
    except ValueError as exc:
        fail(f"a date is written YYYY-MM-DD: {exc}")
    levels = reader_levels(workspace, "search")
    with open_workspace(workspace) as ws:
        if rebuild:
            with ws.sessions.begin() as session:
                err_console.print(f"indexed {reindex(session)} records", highlight=False)
        if not query:
            return
        with ws.sessions() as session:
            if not index_exists(session):
                fail("the search index was never built here: run `gawah search --reindex` once")
            result = search(session, query, filters, levels=levels, limit=limit, offset=offset)
            shown = previews(session, result.hits, query)
    data = {
        "query": query,
        "offset": offset,
        "more": result.more,
        "hits": [
            {"kind": p.kind, "id": p.record_id, "title": p.title, "date": p.date, "status": p.status,
             "confidentiality": p.confidentiality, "snippet": "".join(t for t, _ in p.snippet),
             "marked": sorted({t for t, marked in p.snippet if marked})}
            for p in shown
        ],
        "facets": result.facets,
        "facet_sample": result.facet_sample,
    }  # fmt: skip
    if output is OutputFormat.JSON:
        print_json(data)
        return
    table = Table(
        title=f"{len(shown)} results for {query!r}" + (" (more with --offset)" if result.more else "")
    )
    for column in ("kind", "id", "title", "date", "status", "snippet"):
        table.add_column(column, overflow="fold")
    for p in shown:
        snippet = "".join(f"[bold]{escape(t)}[/bold]" if marked else escape(t) for t, marked in p.snippet)
        table.add_row(
            p.kind, str(p.record_id), escape(p.title[:80]), str(p.date or ""), p.status or "", snippet
        )
    console.print(table)
    for name, counts in result.facets.items():
        console.print(f"{name}: " + ", ".join(f"{k} ({v})" for k, v in counts.items()), highlight=False)


legal_app = typer.Typer(help="Legal qualification: provisions and elements per act.", no_args_is_help=True)


@legal_app.command("checklist")
def legal_checklist(act_id: Annotated[int, typer.Argument()], workspace: WorkspaceOption = None) -> None:
    """The provisions to examine for an act, each element with the finding recorded so far."""
    print_json(registry_read(workspace, lambda s: legal.checklist(s, act_id)))


@legal_app.command("assess")
def legal_assess(
    act_id: Annotated[int, typer.Argument()],
    provision: Annotated[str, typer.Argument(help="e.g. rs_7_1_e (see `legal checklist`).")],
    element: Annotated[str, typer.Argument(help="e.g. deprived, context.attack.")],
    finding: Annotated[
        str, typer.Argument(help="satisfied, not_satisfied, insufficient_information, not_examined.")
    ],
    workspace: WorkspaceOption = None,
    notes: Annotated[str, typer.Option()] = "",
    evidence: Annotated[list[str] | None, typer.Option(help="A link such as span:12 or document:3.")] = None,
    actor: ActorOption = None,
) -> None:
    """Record a lawyer's finding on one element (nothing is ever assessed automatically)."""
    with registry_decision(workspace) as s:
        legal.assess(
            s, act_id, provision, element, finding, actor_name(actor), notes=notes, evidence=evidence
        )
    console.print(f"act {act_id}: {provision} {element} → {finding}")


def register(app: typer.Typer) -> None:
    app.add_typer(legal_app, name="legal")
    app.command("search")(search_command)
    app.add_typer(review_app, name="review")
    app.add_typer(incidents_app, name="incidents")
    app.add_typer(sources_app, name="sources")
