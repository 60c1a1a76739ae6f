"""`gawah demo`: a demonstration workspace from the repo's invented reports, served in the browser."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer

from gawah.cli.common import console, fail
from gawah.config import SETTINGS_FILE, WorkspaceError
from gawah.ingest.pipeline import Ingestor
from gawah.registry.candidates import store_candidates_hook
from gawah.security.accounts import demo_login
from gawah.security.intake import INTAKE_PASSPHRASE_ENV, create_intake_key, has_intake_key
from gawah.store.engine import DatabaseError
from gawah.workspace import Workspace, init_workspace


def demo(
    workspace: Annotated[
        Path, typer.Option("--workspace", "-w", help="Folder of the demo workspace.")
    ] = Path("demo-workspace"),
    data: Annotated[Path, typer.Option(help="Folder of demonstration reports.")] = Path("demo/reports"),
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    serve_web: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the web interface.")] = True,
) -> None:
    """Create (or reuse) a demonstration workspace, ingest the demo reports, serve the web interface."""
    if not data.is_dir():
        fail(f"{data}: no such folder of demonstration reports")
    created = False
    try:
        if not (workspace / SETTINGS_FILE).exists():
            init_workspace(workspace, name="Gawah demonstration")
            created = True
            console.print(f"Created demonstration workspace in {workspace.resolve()}")
        else:
            # A demonstration workspace made by an older version is brought to this version's
            # schema (other workspaces are upgraded only by `gawah db upgrade`, on purpose).
            from gawah.config import load_settings
            from gawah.store.migrate import upgrade

            upgrade(load_settings(workspace.resolve()).database_url)
        ws = Workspace.open(workspace.resolve())
    except (WorkspaceError, DatabaseError) as exc:
        fail(str(exc))
    try:
        outcomes = Ingestor(ws.sessions, ws.blobs, actor="demo", on_document=store_candidates_hook).ingest(
            [data]
        )
        ws.sign_checkpoint()
        stored = sum(o.status == "stored" for o in outcomes)
        known = sum(o.status == "duplicate" for o in outcomes)
        console.print(f"Demonstration data: {stored} documents ingested, {known} already there.")
        for o in outcomes:
            if o.status == "failed":
                console.print(f"[red]failed[/] {o.path}: {o.message}")
        if created:
            accepted, waiting = accept_demo_candidates(ws)
            if accepted:
                console.print(
                    f"Demonstration review: {accepted} candidate acts accepted as user 'demo', so that "
                    f"statistics, maps, the timeline and reports have incidents to count; the "
                    f"candidates of {waiting or 'the last document'} wait in the review queue (/review).",
                    highlight=False,
                    soft_wrap=True,
                )
        login = demo_login(ws)
        if login is None:
            console.print(
                "Sign in with the demo account created on the first run (its password was shown then; "
                f"`gawah users passwd demo-admin -w {workspace}` sets a new one).",
                highlight=False,
                soft_wrap=True,
            )
        else:
            console.print(
                f"Sign in as [bold]{login[0]}[/] with password [bold]{login[1]}[/] (shown once; "
                f"`gawah users passwd {login[0]} -w {workspace}` sets a new one).",
                highlight=False,
                soft_wrap=True,
            )
        if not has_intake_key(ws.settings.keys_dir):
            # Families' reports are sealed to the intake key as they arrive; the demo makes one
            # under a generated passphrase, shown once, and lets this server open the reports.
            intake = secrets.token_urlsafe(18)
            create_intake_key(ws.settings.keys_dir, passphrase=intake)
            os.environ.setdefault(INTAKE_PASSPHRASE_ENV, intake)
            console.print(
                f"Families' reports (/family/report) are sealed to an intake key; its passphrase is "
                f"[bold]{intake}[/] (shown once; `gawah cases show REF --unseal` asks for it).",
                highlight=False,
                soft_wrap=True,
            )
        if serve_web:
            from gawah.web.server import serve, server_url  # FastAPI: only when serving

            console.print(f"Serving Gawah at [bold]{server_url(host, port)}[/] (Ctrl+C stops).")
            serve(ws, host=host, port=port)
    finally:
        ws.close()


def accept_demo_candidates(ws: Workspace) -> tuple[int, str]:
    """Accept the candidate acts read from every demonstration document but the last one ingested,
    as the registry records any decision (ledgered, noted as the demonstration's); the last one's
    stay in the review queue. Returns how many were accepted and the title of the one left."""
    from sqlalchemy import select

    from gawah.registry import review
    from gawah.registry.changes import deciding
    from gawah.store.models import Document

    with ws.sessions() as session:
        last = session.scalars(select(Document).order_by(Document.id.desc()).limit(1)).first()
        left_id, left_title = (last.id, last.title) if last is not None else (None, "")
        pending = [
            item.id
            for item in review.queue(session, kind="act", limit=100_000)
            if item.document_id != left_id
        ]
    with deciding(ws.sessions) as session:
        for act_id in pending:
            review.accept(
                session, "act", act_id, "demo", note="accepted by `gawah demo` to give the demonstration data"
            )
    ws.sign_checkpoint()
    return len(pending), left_title


def register(app: typer.Typer) -> None:
    app.command()(demo)
