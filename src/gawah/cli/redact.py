"""`gawah redact ITEM --span START:END ... | --box x,y,w,h ...`: a redacted copy as a new item."""

from __future__ import annotations

from typing import Annotated

import typer

from gawah.cli.common import WorkspaceOption, console, fail, open_workspace
from gawah.security.commands import local_operator
from gawah.security.redaction import Box, RedactionError, TextSpan, make_redacted_copy
from gawah.store.engine import transaction


def redact_command(
    item: Annotated[int, typer.Argument(help="The evidence item to redact (it stays as it is).")],
    span: Annotated[
        list[str] | None, typer.Option("--span", help="Characters START:END of a text file to remove.")
    ] = None,
    box: Annotated[
        list[str] | None, typer.Option("--box", help="Pixels x,y,width,height of an image to black out.")
    ] = None,
    level: Annotated[
        str, typer.Option("--confidentiality", help="Level of the copy: public, restricted or confidential.")
    ] = "restricted",
    workspace: WorkspaceOption = None,
) -> None:
    """Make a redacted copy of an evidence item, derived from it and recorded in the ledger."""
    if level not in ("public", "restricted", "confidential"):
        fail(f"unknown confidentiality {level!r}")
    try:
        spans = [TextSpan.parse(s) for s in span or []]
        boxes = [Box.parse(b) for b in box or []]
        with open_workspace(workspace) as ws, transaction(ws.sessions) as session:
            copy = make_redacted_copy(
                session,
                ws.blobs,
                item,
                spans=spans,
                boxes=boxes,
                actor=local_operator().username,
                confidentiality=level,
            )
            copy_id, sha256, derivation = copy.id, copy.sha256, copy.derivation
    except RedactionError as exc:
        fail(str(exc))
    console.print(f"evidence item {copy_id} ({sha256[:12]}), derived from {item}: {derivation}")


def register(app: typer.Typer) -> None:
    app.command("redact")(redact_command)
