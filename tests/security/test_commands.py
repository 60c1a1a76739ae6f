"""Every command of `gawah`, for every role: guarded, and refused or let through as the policy says."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gawah.cli import app
from gawah.security.commands import (
    COMMAND_ACTIONS,
    DENIED_EXIT,
    USER_ENV,
    Refused,
    check_command,
    command_paths,
)
from gawah.security.policy import Principal, authorize
from gawah.store.vocab import Role
from gawah.workspace import Workspace, init_workspace
from tests.web.conftest import add_account


@pytest.fixture
def accounts(tmp_path: Path) -> Path:
    root = init_workspace(tmp_path / "ws", name="cli").root
    with Workspace.open(root) as ws:
        for role in Role:
            add_account(ws, role)
    return root


def test_every_command_is_guarded_and_has_an_action() -> None:
    paths = dict(command_paths(app))
    assert {"ingest", "documents show", "users add", "audit list", "serve"} <= set(paths)
    for path, info in paths.items():
        assert path in COMMAND_ACTIONS, f"`gawah {path}` needs an action in COMMAND_ACTIONS"
        assert hasattr(info.callback, "body"), f"`gawah {path}` is not behind the policy"


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_command_for_every_role(accounts: Path, role: Role, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(USER_ENV, f"{role.value}-user")
    principal = Principal(f"{role.value}-user", role)
    for path, _info in command_paths(app):
        expected = authorize(principal, COMMAND_ACTIONS[path]).allowed
        try:
            check_command(path, {"workspace": accounts})
            allowed = True
        except Refused as exc:
            allowed = False
            assert "not allowed" in str(exc)
        assert allowed == expected, (role, path)


def test_a_refused_command_exits_3_and_changes_nothing(accounts: Path) -> None:
    runner = CliRunner()
    env = {USER_ENV: "analyst-user", "GAWAH_WORKSPACE": str(accounts)}
    result = runner.invoke(app, ["users", "add", "intruder", "--generate"], env=env)
    assert result.exit_code == DENIED_EXIT
    assert "not allowed: the analyst role may not user.manage" in result.output
    result = runner.invoke(app, ["users", "list", "--format", "json"], env={"GAWAH_WORKSPACE": str(accounts)})
    assert result.exit_code == 0 and "intruder" not in result.output
    audit = runner.invoke(app, ["audit", "list", "--format", "json"], env={"GAWAH_WORKSPACE": str(accounts)})
    assert '"event": "access.denied"' in audit.output and '"actor": "analyst-user"' in audit.output


def test_unknown_user_or_token_is_refused(accounts: Path) -> None:
    runner = CliRunner()
    for env in ({USER_ENV: "nobody"}, {"GAWAH_TOKEN": "gwh_invented"}):
        result = runner.invoke(app, ["users", "roles"], env={**env, "GAWAH_WORKSPACE": str(accounts)})
        assert result.exit_code == DENIED_EXIT, result.output


def test_users_commands(accounts: Path) -> None:
    runner = CliRunner()
    env = {"GAWAH_WORKSPACE": str(accounts)}
    added = runner.invoke(
        app,
        ["users", "add", "shirin", "--role", "legal", "--password-stdin"],
        input="a long enough secret\n",
        env=env,
    )
    assert added.exit_code == 0, added.output
    weak = runner.invoke(app, ["users", "add", "bahar", "--password-stdin"], input="short\n", env=env)
    assert weak.exit_code == 2 and "at least 12 characters" in weak.output
    token = runner.invoke(
        app, ["users", "token", "shirin", "--scope", "document.read", "--days", "2"], env=env
    )
    assert token.exit_code == 0 and token.output.strip().splitlines()[-1].startswith("gwh_")
    assert runner.invoke(app, ["users", "totp", "shirin"], env=env).output.count("otpauth://totp/") == 1
    assert runner.invoke(app, ["users", "disable", "shirin"], env=env).exit_code == 0
    result = runner.invoke(app, ["users", "roles"], env={**env, USER_ENV: "shirin"})
    assert result.exit_code == DENIED_EXIT  # a disabled account acts no more
    listing = runner.invoke(app, ["users", "list", "--format", "json"], env=env).output
    assert '"username": "shirin"' in listing and '"active": false' in listing


def test_listings_show_each_reader_the_levels_they_may_see(accounts: Path) -> None:
    import datetime as dt
    import json

    from gawah.store.engine import transaction
    from tests.analysis.stats_data import add_incident

    with Workspace.open(accounts) as ws, transaction(ws.sessions) as session:
        ids = {
            level: add_incident(
                session,
                title=f"A {level} incident",
                start=dt.date(2023, 1, 2),
                acts=[{"violation": "killing", "count": 2}],
                confidentiality=level,
            ).id
            for level in ("public", "restricted", "confidential")
        }
    runner = CliRunner()

    def listed(user: str) -> set[int]:
        env = {USER_ENV: user, "GAWAH_WORKSPACE": str(accounts)}
        result = runner.invoke(app, ["incidents", "list", "--format", "json"], env=env)
        assert result.exit_code == 0, result.output
        return {row["id"] for row in json.loads(result.stdout)}

    # A viewer sees public records, an analyst restricted ones too, an administrator everything.
    assert listed("viewer-user") == {ids["public"]}
    assert listed("analyst-user") == {ids["public"], ids["restricted"]}
    assert listed("admin-user") == set(ids.values())
    env = {USER_ENV: "analyst-user", "GAWAH_WORKSPACE": str(accounts)}
    hidden = runner.invoke(app, ["incidents", "show", str(ids["confidential"])], env=env)
    assert hidden.exit_code != 0 and f"no incident {ids['confidential']}" in hidden.output
    shown = runner.invoke(app, ["incidents", "show", str(ids["restricted"])], env=env)
    assert shown.exit_code == 0 and json.loads(shown.stdout)["id"] == ids["restricted"]
    # Documents likewise.
    from sqlalchemy import select

    from gawah.ingest.pipeline import Ingestor
    from gawah.store.models import Document

    texts = accounts.parent / "texts"
    texts.mkdir()
    for level in ("public", "restricted", "confidential"):
        (texts / f"{level}.txt").write_text(f"An invented {level} report from Kabul.\n", encoding="utf-8")
    with Workspace.open(accounts) as ws:
        Ingestor(ws.sessions, ws.blobs).ingest([texts])
        with transaction(ws.sessions) as session:
            documents = {}
            for doc in session.scalars(select(Document)):
                doc.confidentiality = doc.title.split()[2] if doc.title.startswith("An invented") else "public"
                documents[doc.confidentiality] = doc.id
    viewer = {USER_ENV: "viewer-user", "GAWAH_WORKSPACE": str(accounts)}
    seen = runner.invoke(app, ["documents", "list", "--format", "json"], env=viewer)
    assert seen.exit_code == 0, seen.output
    assert {row["id"] for row in json.loads(seen.stdout)} == {documents["public"]}
    refused = runner.invoke(app, ["documents", "show", str(documents["restricted"])], env=viewer)
    assert refused.exit_code != 0 and f"no document {documents['restricted']}" in refused.output

    # Persons too: a protected witness (always confidential) is never listed to a restricted reader.
    admin = {"GAWAH_WORKSPACE": str(accounts)}
    for name, extra in (("Invented Public", []), ("Invented Restricted", []), ("Witness K-7", ["--pseudonym"])):
        level = "public" if "Public" in name else "restricted"
        made = runner.invoke(
            app,
            ["persons", "add", "--name", name, "--confidentiality", level, "--no-match", *extra],
            env=admin,
        )
        assert made.exit_code == 0, made.output
    analyst = {USER_ENV: "analyst-user", "GAWAH_WORKSPACE": str(accounts)}
    people = runner.invoke(app, ["persons", "list", "--format", "json"], env=analyst)
    assert people.exit_code == 0, people.output
    assert sorted(p["name"] for p in json.loads(people.stdout)["persons"]) == ["Invented Public", "Invented Restricted"]
    everyone = runner.invoke(app, ["persons", "list", "--format", "json"], env=admin)
    assert "Witness K-7" in {p["name"] for p in json.loads(everyone.stdout)["persons"]}

    # Only the administrator's listing read confidential records, and that read is in the audit trail.
    audit = runner.invoke(app, ["audit", "list", "--format", "json"], env={"GAWAH_WORKSPACE": str(accounts)})
    reads = [e for e in json.loads(audit.stdout) if e["event"] == "confidential.read"]
    assert [e["actor"] for e in reads if "incidents list" in e.get("detail", "")] == ["admin-user"]
