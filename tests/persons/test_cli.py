"""`gawah persons ...` and `gawah cases ...`, behind the policy. Every person here is invented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from gawah.cli import persons as persons_cli
from gawah.security.accounts import add_user
from gawah.security.commands import COMMAND_ACTIONS, USER_ENV, command_paths, guard_commands
from gawah.store.vocab import Role
from gawah.workspace import Workspace, init_workspace


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    persons_cli.register(app)
    guard_commands(app)
    return app


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return init_workspace(tmp_path / "ws", name="cli").root


def test_every_command_has_an_action(cli: typer.Typer) -> None:
    paths = {path for path, _ in command_paths(cli)}
    assert paths == {p for p in COMMAND_ACTIONS if p.split()[0] in ("persons", "cases")}


def test_add_match_decide_and_follow_a_case(cli: typer.Typer, root: Path) -> None:
    runner = CliRunner()
    env = {"GAWAH_WORKSPACE": str(root), "COLUMNS": "300"}

    def run(*args: str) -> str:
        result = runner.invoke(cli, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    run(
        "persons",
        "add",
        "--name",
        "Mohammad Zaman",
        "--father-name",
        "Abdul Ghafoor",
        "--province",
        "Baghlan",
        "--birth-year",
        "1990",
        "--former-service",
        "police",
    )
    added = run(
        "persons",
        "add",
        "--name",
        "محمد زمان",
        "--father-name",
        "عبدالغفور",
        "--province",
        "بغلان",
        "--birth-year",
        "1990",
    )
    assert "1 possible match" in added
    proposals = json.loads(run("persons", "matches", "--format", "json"))
    assert [(m["person"]["id"], m["other"]["id"]) for m in proposals] == [(1, 2)]
    assert {r["field"] for r in proposals[0]["reasons"]} >= {"name", "father_name"}
    run("persons", "decide", str(proposals[0]["id"]), "accept")
    assert json.loads(run("persons", "show", "1"))["same_person"] == [2]
    opened = run(
        "cases", "open", "2", "--last-seen-on", "2023-03-03", "--reporter-contact", "+93 70 (invented)"
    )
    code = re.search(r"family code .*: (\S+)", opened)
    assert code and "+93" not in run("cases", "list")
    run("cases", "status", "1", "detained", "--source", "a released detainee")
    shown = json.loads(run("cases", "show", "1"))
    assert [h["status"] for h in shown["history"]] == ["missing", "detained"]
    bad = runner.invoke(cli, ["cases", "status", "1", "released"], env=env)
    assert bad.exit_code == 2 and "source" in bad.output


def test_a_viewer_may_not_add_persons(cli: typer.Typer, root: Path) -> None:
    with Workspace.open(root) as ws, ws.sessions.begin() as session:
        add_user(session, "viewer-user", Role.VIEWER, "correct horse battery staple")
    result = CliRunner().invoke(
        cli, ["persons", "add", "--name", "X"], env={"GAWAH_WORKSPACE": str(root), USER_ENV: "viewer-user"}
    )
    assert result.exit_code == 3
