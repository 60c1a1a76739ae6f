from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gawah.cli import app
from gawah.config import sqlite_url
from gawah.store import migrate

runner = CliRunner()


def test_init_ingest_list_show(tmp_path: Path, fixtures_dir: Path) -> None:
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["init", str(ws), "--name", "field office"])
    assert result.exit_code == 0, result.output
    assert "Created workspace" in result.output

    result = runner.invoke(app, ["ingest", str(fixtures_dir / "reports"), "--workspace", str(ws)])
    assert result.exit_code == 0, result.output
    assert "stored" in result.output

    result = runner.invoke(app, ["ingest", str(fixtures_dir / "reports"), "-w", str(ws), "--format", "json"])
    assert result.exit_code == 0
    assert {row["status"] for row in json.loads(result.stdout)} == {"duplicate"}

    result = runner.invoke(app, ["documents", "list", "--workspace", str(ws), "--format", "json"])
    rows = json.loads(result.stdout)
    assert len(rows) == len(list((fixtures_dir / "reports").glob("*.*"))) - len(
        list((fixtures_dir / "reports").glob("*.json"))
    )
    assert {r["language"] for r in rows} >= {"en", "fa"}
    assert all(len(r["sha256"]) == 64 for r in rows)

    result = runner.invoke(app, ["documents", "show", str(rows[0]["id"]), "-w", str(ws), "--format", "json"])
    shown = json.loads(result.stdout)
    assert shown["sha256"] == rows[0]["sha256"] and shown["text"]


def test_ingest_reports_failures_and_exits_nonzero(tmp_path: Path, fixtures_dir: Path) -> None:
    ws = tmp_path / "ws"
    runner.invoke(app, ["init", str(ws)])
    result = runner.invoke(app, ["ingest", str(fixtures_dir / "broken"), "-w", str(ws), "--format", "json"])
    assert result.exit_code == 1
    rows = {Path(r["path"]).name: r for r in json.loads(result.stdout)}
    assert rows["empty.txt"]["status"] == "failed" and rows["empty.txt"]["message"].startswith("empty file")
    assert rows["latin1.txt"]["status"] == "stored"


def test_workspace_from_environment_and_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["documents", "list", "-w", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a Gawah workspace" in result.output
    runner.invoke(app, ["init", str(tmp_path / "ws")])
    monkeypatch.setenv("GAWAH_WORKSPACE", str(tmp_path / "ws"))
    result = runner.invoke(app, ["documents", "list", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_db_upgrade_and_current(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    runner.invoke(app, ["init", str(ws)])
    result = runner.invoke(app, ["db", "downgrade", "base", "-w", str(ws)])
    assert result.exit_code == 0 and "(empty)" in result.output
    result = runner.invoke(app, ["db", "upgrade", "-w", str(ws)])
    assert result.exit_code == 0 and "migrated from (empty)" in result.output
    result = runner.invoke(app, ["db", "current", "-w", str(ws)])
    assert f"current: {migrate.head_revision()}" in result.output


def test_collector_provenance_precedes_receipt_in_custody(tmp_path: Path, fixtures_dir: Path) -> None:
    ws = tmp_path / "ws"
    runner.invoke(app, ["init", str(ws)])
    report = fixtures_dir / "reports" / "sabari_statement.md"
    result = runner.invoke(
        app,
        [
            "ingest",
            str(report),
            "-w",
            str(ws),
            "--collected-by",
            "field researcher 7",
            "--collected-at",
            "2024-03-05T14:30+04:30",
            "--collection-method",
            "handed over on USB",
            "--collection-place",
            "Khost",
        ],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["evidence", "custody", "1", "-w", str(ws), "--format", "json"])
    events = json.loads(result.stdout)["custody"]
    assert [e["event"] for e in events] == ["collected", "received"]
    assert events[0]["actor"] == "field researcher 7" and events[0]["place"] == "Khost"
    assert events[0]["at"].startswith("2024-03-05T10:00")
    assert runner.invoke(app, ["verify", "-w", str(ws)]).exit_code == 0

    bad = runner.invoke(
        app, ["ingest", str(report), "-w", str(ws), "--collected-by", "x", "--collected-at", "March"]
    )
    assert bad.exit_code == 2 and "not an ISO date" in bad.output


def test_demo_prepares_a_workspace_that_can_receive_families_reports(
    tmp_path: Path, demo_texts_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    from gawah.security.intake import INTAKE_PASSPHRASE_ENV, has_intake_key, open_intake_key

    monkeypatch.delenv(INTAKE_PASSPHRASE_ENV, raising=False)
    ws = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--workspace", str(ws), "--data", str(demo_texts_dir), "--no-serve"])
    assert result.exit_code == 0, result.output
    assert has_intake_key(ws / "keys")
    shown = re.search(r"its passphrase is (\S+) \(shown once", result.output)
    assert shown, result.output
    assert open_intake_key(ws / "keys", passphrase=shown[1]) is not None
    again = runner.invoke(app, ["demo", "--workspace", str(ws), "--data", str(demo_texts_dir), "--no-serve"])
    assert again.exit_code == 0 and "its passphrase is" not in again.output  # made once, never shown again

    # The demonstration has counted incidents (statistics, maps, reports show something) and
    # still has candidates waiting in the review queue; its decisions are in a ledger that verifies.
    assert "Demonstration review:" in result.output and "Demonstration review:" not in again.output
    stats = runner.invoke(app, ["stats", "--workspace", str(ws), "--by", "province"])
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.output)["totals"]["incidents"] > 10
    queue = runner.invoke(app, ["review", "list", "--workspace", str(ws), "--kind", "act", "--format", "json"])
    assert queue.exit_code == 0 and json.loads(queue.output), queue.output
    verified = runner.invoke(app, ["verify", "--workspace", str(ws)])
    assert verified.exit_code == 0, verified.output

    # A demonstration workspace left by an older version is upgraded by `gawah demo` itself.
    url = sqlite_url(ws / "gawah.sqlite3")
    migrate.downgrade(url, migrate.all_revisions()[-2])
    older = runner.invoke(app, ["demo", "--workspace", str(ws), "--data", str(demo_texts_dir), "--no-serve"])
    assert older.exit_code == 0, older.output
    assert migrate.current_revision(url) == migrate.SCHEMA_HEAD


def test_each_command_loads_only_its_own_modules_and_misses_nothing() -> None:
    import subprocess
    import sys

    from gawah.cli import COMMAND_HOMES

    # In a fresh process (command groups are module globals that registering twice would
    # duplicate): which modules add commands under each top-level name.
    script = (
        "import importlib, json, typer\n"
        "from gawah.cli import COMMAND_MODULES\n"
        "from gawah.security.commands import command_paths\n"
        "app = typer.Typer(); seen = set(); homes = {}\n"
        "for m in COMMAND_MODULES:\n"
        "    importlib.import_module(m).register(app)\n"
        "    paths = {p for p, _ in command_paths(app)}\n"
        "    for p in paths - seen:\n"
        "        homes.setdefault(p.split()[0], []).append(m)\n"
        "    seen = paths\n"
        "print(json.dumps(homes))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    adders = json.loads(done.stdout)
    assert set(adders) == set(COMMAND_HOMES)
    for name, modules in adders.items():
        assert set(modules) <= set(COMMAND_HOMES[name]), (name, modules)


def test_the_console_script_runs_a_command_with_only_its_modules(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = (
        "import sys; sys.argv = ['gawah', 'stats', '--help']\n"
        "from gawah.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('web' , 'gawah.cli.web' in sys.modules, 'splink', 'splink' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert "--period" in done.stdout  # the stats command's own help
    assert "web False splink False" in done.stdout, done.stdout[-500:]


def test_the_console_script_runs_every_command_by_its_name() -> None:
    import subprocess
    import sys

    # A module that adds a single command (demo, redact, …) must still be called by its name:
    # `make demo` runs `gawah demo`. Checked for every top-level name as the console script builds it.
    script = (
        "import json, typer\n"
        "from gawah.cli import COMMAND_HOMES, build_app\n"
        "wrong = {}\n"
        "for name, homes in COMMAND_HOMES.items():\n"
        "    command = typer.main.get_command(build_app(homes))\n"
        "    commands = getattr(command, 'commands', None)  # a group's commands; a lone command has none\n"
        "    if not isinstance(commands, dict) or name not in commands:\n"
        "        wrong[name] = type(command).__name__\n"
        "print(json.dumps(wrong))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {}
    demo = subprocess.run(
        [sys.executable, "-c", "from gawah.cli import main; main()", "demo", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert demo.returncode == 0 and " demo [OPTIONS]" in demo.stdout, demo.stdout + demo.stderr


def test_a_change_is_recorded_as_the_actor_given_else_the_account_else_the_shell_user(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import getpass

    from gawah.cli.common import actor_name

    monkeypatch.delenv("GAWAH_USER", raising=False)
    assert actor_name() == getpass.getuser()
    monkeypatch.setenv("GAWAH_USER", "analyst-amina")
    assert actor_name(None) == "analyst-amina"  # the account the policy checked, not the shell's user
    assert actor_name("  field office ") == "field office"
