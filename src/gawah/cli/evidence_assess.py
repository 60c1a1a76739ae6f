"""`gawah evidence assess|assessments|statement|statements|withdraw-consent`: the verification strands
of an item and the witness statements it holds, each recorded as a ledger entry."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from gawah.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    actor_name,
    console,
    fail,
    open_workspace,
    print_json,
)
from gawah.store.engine import transaction
from gawah.store.models import Person, WitnessStatement
from gawah.vault.assessment import (
    CONFIDENCE,
    FINDINGS,
    STRANDS,
    AssessmentError,
    assessments_of,
    by_strand,
    record_assessment,
    strands_agree,
)
from gawah.vault.statement import (
    USES,
    StatementError,
    parse_uses,
    record_statement,
    statements_of,
    view_of,
    withdraw_consent,
)

ItemArgument = Annotated[str, typer.Argument(metavar="ITEM", help="Evidence item id or SHA-256 prefix.")]


def _when(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        fail(
            f"{value!r}: give a date and time as YYYY-MM-DD or YYYY-MM-DDTHH:MM"
            " (UTC unless an offset is given)"
        )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def assess(
    item_ref: ItemArgument,
    strand: Annotated[str, typer.Option(help=f"One of: {', '.join(STRANDS)}.")],
    finding: Annotated[str, typer.Option(help=f"One of: {', '.join(FINDINGS)}.")],
    method: Annotated[
        str, typer.Option(help="How: reverse image search, shadow analysis, geolocation …")
    ] = "",
    tool: Annotated[list[str] | None, typer.Option(help="A tool and its version; repeat for each.")] = None,
    notes: Annotated[str, typer.Option(help="What was found, and why it supports the finding.")] = "",
    confidence: Annotated[str | None, typer.Option(help=f"One of: {', '.join(CONFIDENCE)}.")] = None,
    assessor: Annotated[str | None, typer.Option(help="Who assessed (default: you).")] = None,
    assessed_at: Annotated[str | None, typer.Option(help="When (default: now).")] = None,
    confidentiality: Annotated[str, typer.Option(help="public, restricted or confidential.")] = "restricted",
    workspace: WorkspaceOption = None,
) -> None:
    """Record one finding in one verification strand (source, technical, content); a ledger entry."""
    from gawah.cli.evidence import _item

    with open_workspace(workspace) as ws:
        with transaction(ws.sessions) as session:
            item = _item(session, item_ref)
            try:
                row = record_assessment(
                    session,
                    item,
                    strand=strand,
                    finding=finding,
                    assessor=assessor or actor_name(),
                    method=method,
                    tools=tool or [],
                    notes=notes,
                    confidence=confidence,
                    assessed_at=_when(assessed_at),
                    confidentiality=confidentiality,
                )
            except AssessmentError as exc:
                fail(str(exc))
            assessment_id = row.id
        ws.sign_checkpoint()
    console.print(f"Recorded assessment #{assessment_id} ({strand}: {finding}) and signed a new checkpoint.")


def assessments(
    item_ref: ItemArgument, workspace: WorkspaceOption = None, output: FormatOption = OutputFormat.TABLE
) -> None:
    """The item's assessments by strand: the latest finding of each, and the history."""
    with open_workspace(workspace) as ws, ws.sessions() as session:
        from gawah.cli.evidence import _item

        item = _item(session, item_ref)
        rows = assessments_of(session, item.id)
        sha = item.sha256
    views = by_strand(rows)
    if output is OutputFormat.JSON:
        print_json(
            {
                "sha256": sha,
                "strands": {
                    v.strand: {
                        "latest": v.latest.finding if v.latest else None,
                        "history": [r.as_dict() for r in v.history],
                    }
                    for v in views
                },
                "strands_agree": strands_agree(views),
            }
        )
        return
    table = Table(title=f"Verification of {sha[:16]}…")
    for column in ("strand", "finding", "confidence", "when", "by", "method", "tools", "notes", "ledger"):
        table.add_column(column)
    for view in views:
        if not view.history:
            table.add_row(view.strand, "(not yet assessed)", *[""] * 7)
        for index, r in enumerate(view.history):
            table.add_row(
                view.strand if index == 0 else "",
                r.finding if index == 0 else f"[dim]{r.finding}[/]",
                r.confidence or "",
                r.assessed_at.isoformat()[:19],
                r.assessor,
                r.method,
                "; ".join(r.tools),
                r.notes,
                str(r.ledger_entry),
            )
    console.print(table)


def statement(
    item_ref: ItemArgument,
    taker: Annotated[str, typer.Option(help="Who took the statement.")],
    language: Annotated[str, typer.Option(help="Language of the statement (fa, ps, en …).")],
    consent: Annotated[str, typer.Option(help=f"Uses agreed to, comma-separated: {', '.join(USES)}.")],
    consent_how: Annotated[
        str, typer.Option(help="How consent was recorded (signed form, on the recording …).")
    ],
    taken_at: Annotated[str, typer.Option(help="When it was taken (YYYY-MM-DD[THH:MM]).")],
    place: Annotated[str | None, typer.Option(help="Where it was taken.")] = None,
    interpreter: Annotated[str | None, typer.Option(help="The interpreter, if any.")] = None,
    interpreter_language: Annotated[
        list[str] | None, typer.Option(help="A language the interpreter worked between; repeat.")
    ] = None,
    witness: Annotated[
        int | None, typer.Option(help="The witness's person id (a pseudonym is fine).")
    ] = None,
    notes: Annotated[str, typer.Option(help="Notes.")] = "",
    confidentiality: Annotated[
        str, typer.Option(help="public, restricted or confidential.")
    ] = "confidential",
    workspace: WorkspaceOption = None,
) -> None:
    """Describe the witness statement an item holds: taker, time, place, language, interpreter, consent."""
    from gawah.cli.evidence import _item

    when = _when(taken_at)
    assert when is not None
    with open_workspace(workspace) as ws:
        with transaction(ws.sessions) as session:
            item = _item(session, item_ref)
            person = session.get(Person, witness) if witness is not None else None
            if witness is not None and person is None:
                fail(f"no person {witness}")
            try:
                row = record_statement(
                    session,
                    item,
                    taken_by=taker,
                    taken_at=when,
                    language=language,
                    consent=parse_uses(consent),
                    consent_recorded_how=consent_how,
                    recorded_by=actor_name(),
                    witness=person,
                    taken_place=place,
                    interpreter=interpreter,
                    interpreter_languages=interpreter_language or [],
                    notes=notes,
                    confidentiality=confidentiality,
                )
            except StatementError as exc:
                fail(str(exc))
            statement_id = row.id
        ws.sign_checkpoint()
    console.print(f"Recorded witness statement #{statement_id} and signed a new checkpoint.")


def statements(
    item_ref: ItemArgument, workspace: WorkspaceOption = None, output: FormatOption = OutputFormat.TABLE
) -> None:
    """The witness statements an item holds, with consent as given and as it stands now."""
    with open_workspace(workspace) as ws, ws.sessions() as session:
        from gawah.cli.evidence import _item

        item = _item(session, item_ref)
        views = statements_of(session, item.id)
    if output is OutputFormat.JSON:
        print_json([v.as_dict() for v in views])
        return
    for v in views:
        through = f" through {v.interpreter} ({', '.join(v.interpreter_languages)})" if v.interpreter else ""
        console.print(
            f"[bold]Statement #{v.id}[/] taken by {v.taken_by} on {v.taken_at.isoformat()[:16]}"
            f"{' at ' + v.taken_place if v.taken_place else ''}, in {v.language}"
            f"{through}",
            highlight=False,
        )
        console.print(
            f"  consent given: {', '.join(v.consent_given)} ({v.consent_recorded_how})", highlight=False
        )
        for w in v.withdrawals:
            console.print(
                f"  [bold red]CONSENT WITHDRAWN[/] for {', '.join(w.uses)} on {w.at.isoformat()[:16]}"
                f" (recorded by {w.by}: {w.how})",
                highlight=False,
            )
        console.print(f"  consent now: {', '.join(v.consent_now) or 'none'}", highlight=False)
    if not views:
        console.print("No witness statement is recorded for this item.")


def withdraw(
    statement_id: Annotated[int, typer.Argument(metavar="STATEMENT", help="Witness statement id.")],
    uses: Annotated[str, typer.Option(help=f"Uses withdrawn, comma-separated: {', '.join(USES)}.")],
    how: Annotated[str, typer.Option(help="How the witness withdrew consent (call, letter …).")],
    workspace: WorkspaceOption = None,
) -> None:
    """Record that a witness withdrew consent to some uses of a statement; a ledger entry."""
    with open_workspace(workspace) as ws:
        with transaction(ws.sessions) as session:
            row = session.get(WitnessStatement, statement_id)
            if row is None:
                fail(f"no witness statement {statement_id}")
            try:
                withdraw_consent(session, row, parse_uses(uses), actor_name(), how)
            except StatementError as exc:
                fail(str(exc))
            now = view_of(session, row).consent_now
        ws.sign_checkpoint()
    console.print(f"Consent withdrawn; it now stands for: {', '.join(now) or 'nothing'}.")


def register(evidence_app: typer.Typer) -> None:
    evidence_app.command("assess")(assess)
    evidence_app.command("assessments")(assessments)
    evidence_app.command("statement")(statement)
    evidence_app.command("statements")(statements)
    evidence_app.command("withdraw-consent")(withdraw)
