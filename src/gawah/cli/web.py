"""`gawah serve`: the web interface of a workspace."""

from __future__ import annotations

from typing import Annotated

import typer

from gawah.cli.common import WorkspaceOption, console, open_workspace


def serve_command(
    workspace: WorkspaceOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web interface (English, Dari, Pashto) until Ctrl-C."""
    # Imported here so that other commands start without loading the web stack.
    from gawah.web.server import is_loopback, serve, server_url

    with open_workspace(workspace) as ws:
        console.print(
            f"Gawah: serving workspace [bold]{ws.settings.name}[/] ({ws.settings.root}) "
            f"at [bold]{server_url(host, port)}[/]  (Ctrl-C to stop)",
            highlight=False,
            soft_wrap=True,
        )
        if not is_loopback(host):
            console.print(
                f"[bold yellow]warning:[/] listening on {host}: serve it over HTTPS (a reverse proxy), "
                "since session cookies are only sent over HTTPS away from loopback.",
                highlight=False,
            )
        serve(ws, host=host, port=port)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
