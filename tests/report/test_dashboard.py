"""The dashboard and timeline pages and their JSON: counts the caller may see, links to the records."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gawah.report.i18n import MESSAGES
from gawah.store.engine import transaction
from gawah.store.vocab import Role
from gawah.web import analysis_routes
from gawah.web.app import create_app, render
from gawah.workspace import Workspace
from tests.analysis.stats_data import build_registry
from tests.web.conftest import add_account, sign_in


@pytest.fixture
def registry(workspace: Workspace) -> dict[str, int]:
    with transaction(workspace.sessions) as session:
        return {k: v.id for k, v in build_registry(session).items()}


def _client(workspace: Workspace, role: Role) -> TestClient:
    app = create_app(workspace)
    if not any(getattr(r, "path", "") == "/analysis" for r in app.routes):
        analysis_routes.register(app, render)
    client = TestClient(app, base_url="https://testserver")
    sign_in(client, add_account(workspace, role))
    return client


@pytest.fixture
def analyst(workspace: Workspace, registry: dict[str, int]) -> Iterator[TestClient]:
    with _client(workspace, Role.ANALYST) as client:
        yield client


def test_dashboard_counts_and_links(analyst: TestClient, registry: dict[str, int]) -> None:
    page = analyst.get("/analysis")
    assert page.status_code == 200, page.text
    html = page.text
    # Analysts see restricted rows, not confidential ones: a, b, c, d.
    assert re.search(r'<dd><a href="/analysis/timeline[^"]*">4</a></dd>', html)
    assert html.count("data:image/png;base64,") == 6
    assert "Content-Security-Policy" in page.headers and "<script" not in html
    # A count links to the timeline of its incidents.
    link = re.search(r'href="(/analysis/timeline\?violation=killing)"', html)
    assert link is not None
    timeline = analyst.get(link.group(1).replace("&amp;", "&"))
    assert timeline.status_code == 200
    assert (
        f'id="incident-{registry["a"]}"' in timeline.text
        and f'id="incident-{registry["b"]}"' not in timeline.text
    )
    assert "Killings in Bazarak" in timeline.text


def test_dashboard_in_dari_and_empty(analyst: TestClient) -> None:
    page = analyst.get("/analysis?lang=fa")
    assert 'dir="rtl"' in page.text and MESSAGES["Statistics"]["fa"] in page.text
    empty = analyst.get("/analysis?violation=pillage&lang=en")
    assert "No confirmed incident matches this selection" in empty.text
    assert "<img" not in empty.text
    bad = analyst.get("/analysis?from=2022-13-01")
    assert bad.status_code == 422


def test_json_and_csv(analyst: TestClient, registry: dict[str, int]) -> None:
    data = analyst.get("/api/analysis/stats?province=AF08").json()
    assert data["totals"]["incidents"] == 2 and data["totals"]["victims"]["bound"] == "at_least"
    rows = list(csv.DictReader(io.StringIO(analyst.get("/api/analysis/stats?format=csv").text)))
    assert rows[0]["dimension"] == "total" and rows[0]["incidents"] == "4"
    line = analyst.get("/api/analysis/timeline?granularity=year").json()
    assert [p["period"] for p in line["periods"]] == ["2021", "2022"]


def test_viewer_sees_public_counts_only(workspace: Workspace, registry: dict[str, int]) -> None:
    with _client(workspace, Role.VIEWER) as viewer:
        data = viewer.get("/api/analysis/stats").json()
        assert data["totals"]["incidents"] == 4  # every built incident but e is public
    anonymous = TestClient(create_app(workspace), base_url="https://testserver")
    if not any(getattr(r, "path", "") == "/analysis" for r in anonymous.app.routes):  # type: ignore[attr-defined]
        analysis_routes.register(anonymous.app, render)  # type: ignore[arg-type]
    assert anonymous.get("/api/analysis/stats").status_code == 401
