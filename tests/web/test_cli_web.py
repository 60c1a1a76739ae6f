"""`gawah serve`: opens the workspace with clear errors and hands it to the server."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from gawah.cli import web as cli_web
from gawah.web import server
from gawah.workspace import Workspace, init_workspace


def cli() -> typer.Typer:
    app = typer.Typer()
    cli_web.register(app)

    @app.callback()
    def _root() -> None:  # a group, so that `serve` is a subcommand as in `gawah serve`
        pass

    return app


def test_serve_prints_the_address_and_serves_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = init_workspace(tmp_path / "ws", name="field-office").root
    served: list[tuple[str, str, int]] = []

    def fake_serve(ws: Workspace, host: str, port: int, **_: object) -> None:
        served.append((ws.settings.name, host, port))

    monkeypatch.setattr(server, "serve", fake_serve)
    result = CliRunner().invoke(cli(), ["serve", "--workspace", str(root), "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/" in result.output
    assert "field-office" in result.output
    assert "warning" not in result.output
    assert served == [("field-office", "127.0.0.1", 8123)]

    result = CliRunner().invoke(cli(), ["serve", "-w", str(root), "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8000/" in result.output
    assert "HTTPS" in result.output


def test_serve_refuses_a_folder_that_is_not_a_workspace(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli(), ["serve", "--workspace", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a Gawah workspace" in result.output


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8000, "http://127.0.0.1:8000/"),
        ("0.0.0.0", 80, "http://127.0.0.1:80/"),
        ("::1", 8000, "http://[::1]:8000/"),
        ("::", 8000, "http://[::1]:8000/"),
        ("localhost", 9000, "http://localhost:9000/"),
    ],
)
def test_server_url(host: str, port: int, url: str) -> None:
    assert server.server_url(host, port) == url


def test_is_loopback() -> None:
    assert server.is_loopback("127.0.0.1") and server.is_loopback("::1") and server.is_loopback("localhost")
    assert not server.is_loopback("0.0.0.0") and not server.is_loopback("192.168.1.5")
    assert not server.is_loopback("example.org")
