"""The analysis routes' filters: one validated set (AnalysisFilters) shared by the dashboard, the
timeline page and both JSON routes, with the search's filters (source included) on the timeline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gawah.store.engine import transaction
from gawah.store.models import Source
from gawah.store.vocab import Role
from gawah.web import analysis_routes
from gawah.web.app import create_app, render
from gawah.workspace import Workspace
from tests.analysis.stats_data import build_registry
from tests.web.conftest import add_account, sign_in

FILTERS = {"violation", "province", "district", "perpetrator", "status", "source", "from", "to", "period"}
# The search's filters (gawah.registry.search.Filters and `gawah search`), in the analysis routes' words.
SEARCH_FILTERS = {"violation", "province", "district", "status", "source", "period"}


@pytest.fixture
def registry(workspace: Workspace) -> dict[str, int]:
    with transaction(workspace.sessions) as session:
        made = {k: v.id for k, v in build_registry(session).items()}
        made["source"] = session.scalars(select(Source.id)).one()
        return made


@pytest.fixture
def analyst(workspace: Workspace, registry: dict[str, int]) -> Iterator[TestClient]:
    app = create_app(workspace)
    if not any(getattr(r, "path", "") == "/analysis" for r in app.routes):
        analysis_routes.register(app, render)
    with TestClient(app, base_url="https://testserver") as client:
        sign_in(client, add_account(workspace, Role.ANALYST))
        yield client


def _timeline_ids(client: TestClient, query: str) -> set[int]:
    answer = client.get("/api/analysis/timeline?" + query)
    assert answer.status_code == 200, answer.text
    return {e["incident_id"] for e in answer.json()["incidents"]}


def test_both_json_routes_declare_the_same_filters(analyst: TestClient) -> None:
    paths = analyst.app.openapi()["paths"]  # type: ignore[attr-defined]
    for path in ("/api/analysis/stats", "/api/analysis/timeline"):
        names = {p["name"] for p in paths[path]["get"]["parameters"]}
        assert names >= FILTERS, path
        assert names >= SEARCH_FILTERS
    violation = next(
        p for p in paths["/api/analysis/timeline"]["get"]["parameters"] if p["name"] == "violation"
    )
    assert "killing" in violation["schema"]["items"]["pattern"]


def test_timeline_takes_the_search_filters(analyst: TestClient, registry: dict[str, int]) -> None:
    everything = _timeline_ids(analyst, "")
    assert everything == {registry[k] for k in "abcd"}  # an analyst does not see the confidential e
    assert _timeline_ids(analyst, f"source={registry['source']}") == {registry["a"]}
    assert _timeline_ids(analyst, "source=999999") == set()
    assert _timeline_ids(analyst, "violation=killing") == {registry["a"], registry["d"]}
    assert _timeline_ids(analyst, "province=AF01&status=verified") == {registry["b"]}
    assert _timeline_ids(analyst, "district=Bazarak") == {registry["a"], registry["d"]}
    assert _timeline_ids(analyst, "period=2022-09") == {registry["a"], registry["b"]}
    assert _timeline_ids(analyst, "from=2022-10-01&to=2022-12-31") == {registry["c"]}
    # Repeated values: either.
    assert _timeline_ids(analyst, "status=verified&status=reported&period=2021") == {registry["d"]}
    # The same filters count the same incidents in the statistics.
    stats = analyst.get(f"/api/analysis/stats?source={registry['source']}").json()
    assert stats["totals"]["incidents"] == 1
    assert stats["selection"]["sources"] == [registry["source"]]


@pytest.mark.parametrize(
    "query",
    [
        "violation=genocide_of_teapots",
        "status=retracted",
        "perpetrator=martians",
        "from=2022-13-01",
        "to=yesterday",
        "period=last%20year",
        "period=2022-13",
        "from=2023-01-01&to=2022-01-01",
        "source=0",
        "source=abc",
        "province=Kabul%00",
        "province=" + "x" * 121,
        "&".join(["violation=killing"] * 51),
    ],
)
def test_bad_filters_are_refused_before_any_query(analyst: TestClient, query: str) -> None:
    for path in ("/api/analysis/stats", "/api/analysis/timeline", "/analysis", "/analysis/timeline"):
        assert analyst.get(f"{path}?{query}").status_code == 422, (path, query)


def test_blank_form_fields_mean_no_filter(analyst: TestClient, registry: dict[str, int]) -> None:
    # What the dashboard's form sends when nothing is chosen.
    blank = "violation=&province=&district=&perpetrator=&status=&source=&from=&to=&period="
    assert _timeline_ids(analyst, blank) == {registry[k] for k in "abcd"}
    page = analyst.get("/analysis?" + blank)
    assert page.status_code == 200, page.text


def test_links_keep_the_filters(analyst: TestClient, registry: dict[str, int]) -> None:
    page = analyst.get(f"/analysis?source={registry['source']}&province=AF08")
    assert page.status_code == 200
    assert f"/analysis/timeline?province=AF08&amp;source={registry['source']}" in page.text
    timeline = analyst.get(f"/analysis/timeline?source={registry['source']}")
    assert f'id="incident-{registry["a"]}"' in timeline.text
    assert f'id="incident-{registry["d"]}"' not in timeline.text
