"""Serve a workspace's web interface with uvicorn (used by `gawah serve` and `gawah demo`)."""

from __future__ import annotations

import uvicorn

from gawah.web.app import create_app
from gawah.web.auth import is_loopback

__all__ = ["is_loopback", "serve", "server_url"]
from gawah.workspace import Workspace


def server_url(host: str, port: int) -> str:
    """The address a browser opens: IPv6 hosts in brackets, the wildcard shown as loopback."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"


def serve(
    workspace: Workspace, host: str = "127.0.0.1", port: int = 8000, *, log_level: str = "info"
) -> None:
    """Serve until interrupted (Ctrl-C). The caller opens the workspace and closes it afterwards."""
    uvicorn.run(
        create_app(workspace),
        host=host,
        port=port,
        log_level=log_level,
        # The interface is read-only and small: one process keeps SQLite access simple.
        workers=1,
        proxy_headers=False,
        server_header=False,
    )
