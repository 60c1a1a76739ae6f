"""`gawah stats` and `gawah timeline` on a workspace: JSON and CSV, filters, refusals."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from gawah.analysis import snapshot, timeline
from gawah.analysis.selection import Selection, make_selection
from gawah.cli import stats as stats_cli
from gawah.store.engine import transaction
from gawah.workspace import Workspace
from tests.analysis.stats_data import build_registry


@pytest.fixture
def app() -> typer.Typer:
    application = typer.Typer()
    stats_cli.register(application)
    return application


@pytest.fixture
def registry(workspace: Workspace) -> dict[str, int]:
    with transaction(workspace.sessions) as session:
        return {k: v.id for k, v in build_registry(session).items()}


def _run(app: typer.Typer, *args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_stats_json_and_csv(app: typer.Typer, workspace: Workspace, registry: dict[str, int]) -> None:
    root = str(workspace.settings.root)
    result = _run(app, "stats", "-w", root)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # The confidential incident is left out by default (restricted is the most counted).
    assert data["totals"]["incidents"] == 4
    assert data["totals"]["victims"]["bound"] == "at_least"
    assert data["totals"]["victims"]["text"].startswith("at least ")
    assert any("lower bounds" in n for n in data["notes"])
    result = _run(app, "stats", "-w", root, "--confidentiality", "confidential", "--no-cache")
    assert json.loads(result.output)["totals"]["incidents"] == 5
    result = _run(app, "stats", "-w", root, "--format", "csv", "--by", "violation", "--violation", "killing")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows[0]["dimension"] == "total" and rows[0]["incidents"] == "2"
    assert [(r["key"], r["victims"], r["victims_bound"]) for r in rows[1:]] == [("killing", "8", "at_least")]


def test_stats_refuses_bad_filters(app: typer.Typer, workspace: Workspace) -> None:
    root = str(workspace.settings.root)
    result = CliRunner().invoke(app, ["stats", "-w", root, "--period", "2022-14"])
    assert result.exit_code == 2 and "period" in result.output
    result = CliRunner().invoke(app, ["stats", "-w", root, "--by", "colour"])
    assert result.exit_code == 2 and "unknown --by" in result.output


def test_timeline(app: typer.Typer, workspace: Workspace, registry: dict[str, int]) -> None:
    con = snapshot.in_memory(workspace.engine)
    line = timeline.build(con, Selection(), granularity="month")
    assert [(p.period, p.incidents) for p in line.periods] == [
        ("2021-09", 1),
        ("2022-09", 2),
        ("2022-10", 1),
        ("2022-11", 1),
    ]
    assert [e.incident_id for e in line.entries] == [registry[k] for k in "dabce"]
    first = line.entries[1]
    assert first.violations == ("arbitrary_detention", "killing") and first.provinces == ("AF08",)
    assert first.victims.as_text() == "at least 15"
    newest = timeline.build(con, make_selection(provinces=["AF01"]), limit=1, newest_first=True)
    assert newest.total == 3 and [e.incident_id for e in newest.entries] == [registry["e"]]
    years = timeline.build(con, Selection(), granularity="year")
    assert [(p.period, p.incidents) for p in years.periods] == [("2021", 1), ("2022", 4)]
    result = _run(app, "timeline", "-w", str(workspace.settings.root), "--violation", "torture")
    data = json.loads(result.output)
    assert data["total_incidents"] == 1 and data["incidents"][0]["incident_id"] == registry["c"]


def test_timeline_counts_undated_apart(workspace: Workspace) -> None:
    from tests.analysis.stats_data import add_incident

    with transaction(workspace.sessions) as session:
        add_incident(session, title="Undated", start=None, acts=[{"violation": "killing", "count": 1}])
    line = timeline.build(snapshot.in_memory(workspace.engine), Selection())
    assert line.periods == [] and line.undated == 1 and line.total == 1 and not line.empty


def test_stats_and_timeline_by_source(
    app: typer.Typer, workspace: Workspace, registry: dict[str, int]
) -> None:
    from sqlalchemy import select

    from gawah.store.models import Source

    root = str(workspace.settings.root)
    with workspace.sessions() as session:
        source_id = session.scalar(select(Source.id).where(Source.name == "Invented Monitoring Group"))
    assert source_id is not None
    everything = json.loads(_run(app, "stats", "-w", root, "--no-cache").output)["totals"]["incidents"]
    reported = json.loads(_run(app, "stats", "-w", root, "--no-cache", "--source", str(source_id)).output)
    assert 0 < reported["totals"]["incidents"] < everything
    line = json.loads(_run(app, "timeline", "-w", root, "--no-cache", "--source", str(source_id)).output)
    assert registry["a"] in [i["incident_id"] for i in line["incidents"]]
    assert registry["b"] not in [i["incident_id"] for i in line["incidents"]]  # no report from that source
    nobody = json.loads(_run(app, "stats", "-w", root, "--no-cache", "--source", "999999").output)
    assert nobody["totals"]["incidents"] == 0


# Modules `gawah stats` must not import when the snapshot is current: together they cost about
# 0.6 s of start-up, more than half the 1 s the command is allowed (issue 7's benchmark).
HEAVY_MODULES = ("sqlalchemy.orm", "alembic", "pyarrow", "numpy", "argon2", "gawah.store.models")


def test_stats_starts_without_the_orm_alembic_or_arrow(workspace: Workspace, registry: dict[str, int]) -> None:
    import subprocess
    import sys

    root = str(workspace.settings.root)
    workspace.close()
    probe = (
        "import json, sys\n"
        "from gawah.cli import main\n"
        f"sys.argv = ['gawah', 'stats', '--workspace', {root!r}, '--by', 'violation']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        f"heavy = {HEAVY_MODULES!r}\n"
        "loaded = sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in heavy))\n"
        "print('LOADED', json.dumps(loaded))\n"
    )

    def run() -> tuple[dict[str, Any], list[str]]:
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        output, _, loaded = done.stdout.rpartition("LOADED ")
        return json.loads(output), json.loads(loaded)

    first, _ = run()  # builds the snapshot file: Arrow and the models are needed for that
    second, loaded = run()
    assert second == first and first["totals"]["incidents"] > 0
    assert loaded == []
