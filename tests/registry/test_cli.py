"""`gawah review ...` and `gawah incidents ...` on a workspace with candidate facts."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from gawah.cli import app as gawah_app
from gawah.cli import registry as registry_cli
from gawah.workspace import Workspace
from tests.registry.conftest import Reports

runner = CliRunner()


def _app() -> typer.Typer:
    # The integrator lists gawah.cli.registry in COMMAND_MODULES; until then, register it here.
    names = {g.name for g in gawah_app.registered_groups}
    if "review" not in names:
        registry_cli.register(gawah_app)
    return gawah_app


def _run(ws: Workspace, *args: str) -> str:
    result = runner.invoke(_app(), [*args, "--workspace", str(ws.settings.root)])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_review_then_list_incidents_as_json(workspace: Workspace, reports: Reports) -> None:
    queue = json.loads(_run(workspace, "review", "list", "--format", "json"))
    assert [q["id"] for q in queue if q["kind"] == "act"] == [reports.ngo_act, reports.news_act, reports.other_act]
    assert queue[0]["quotes"] == ["detained at least 14 former soldiers"]
    _run(workspace, "review", "accept", "act", str(reports.ngo_act), "--actor", "analyst-a")
    _run(workspace, "review", "edit", str(reports.news_act), "count_value=15", "--actor", "analyst-a")
    _run(workspace, "review", "reject", "act", str(reports.other_act), "--actor", "analyst-a", "--note", "duplicate")
    listed = json.loads(_run(workspace, "incidents", "list", "--format", "json", "--review-status", "accepted"))
    assert {i["id"] for i in listed} == {reports.ngo_incident, reports.news_incident}
    proposals = json.loads(_run(workspace, "incidents", "same-event", "--format", "json"))
    assert proposals[0]["incident_id"] == reports.ngo_incident
    assert "same district: Khinjan" in proposals[0]["reasons"]
    _run(workspace, "incidents", "merge", str(reports.ngo_incident), str(reports.news_incident), "--actor", "a")
    stats = json.loads(_run(workspace, "incidents", "stats"))
    assert stats["incidents"] == 1 and stats["victims_by_violation"] == {"arbitrary_detention": 15}
    history = json.loads(_run(workspace, "incidents", "history", str(reports.news_incident), "--format", "json"))
    assert [h["action"] for h in history] == ["edit_act", "merge_into"]
    assert {"field": "merged_into_id", "old": None, "new": reports.ngo_incident} in history[1]["diff"]
    _run(workspace, "incidents", "unmerge", str(reports.news_incident), "--actor", "a")
    assert json.loads(_run(workspace, "incidents", "stats"))["incidents"] == 2


def test_errors_are_plain_messages(workspace: Workspace, reports: Reports) -> None:
    result = runner.invoke(
        _app(), ["incidents", "status", str(reports.ngo_incident), "verified", "-w", str(workspace.settings.root)]
    )
    assert result.exit_code == 2
    assert "can become" in result.output


def test_search_command(workspace: Workspace, reports: Reports) -> None:
    found = json.loads(_run(workspace, "search", "Khinjan", "--reindex", "--kind", "incident", "--format", "json"))
    assert {h["id"] for h in found["hits"]} == {reports.ngo_incident, reports.news_incident}
    assert found["facets"]["province"] == {"Baghlan": 2}
