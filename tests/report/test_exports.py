"""Exports (Gawah JSON/CSV, ACLED, HURIDOCS) leave out what may not be disclosed; ACLED/UCDP imports."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from gawah.cli import export as export_cli
from gawah.report.exports import acled_rows, huridocs_events, to_csv
from gawah.report.imports import ImportRefused, read_events
from gawah.report.records import Disclosure, incident_records
from gawah.store.engine import transaction
from gawah.store.models import Act, Incident, Involvement, Person
from gawah.workspace import Workspace
from tests.analysis.stats_data import build_registry

ACLED_CSV = """event_id_cnty,event_date,year,event_type,sub_event_type,actor1,admin1,admin2,location,latitude,longitude,fatalities,notes
AFG90001,2022-09-05,2022,Violence against civilians,Attack,Taliban,Panjshir,Bazarak,Bazarak,35.31,69.51,3,Invented: three men shot.
AFG90002,2022-09-06,2022,Violence against civilians,Abduction/forced disappearance,Taliban,Baghlan,Andarab,Banu,35.6,69.3,0,Invented: a teacher taken.
AFG90003,2022-09-07,2022,Protests,Peaceful protest,Protesters (Afghanistan),Kabul,Kabul,Kabul,34.5,69.1,0,Invented protest.
"""
UCDP_CSV = """id,date_start,date_end,type_of_violence,side_a,side_b,dyad_name,adm_1,adm_2,where_coordinates,latitude,longitude,best,low,high,deaths_civilians,source_headline
501,2021-09-01,2021-09-02,3,Taleban,Civilians,Taleban - Civilians,Panjshir province,Rukha district,Rukha town,35.3,69.6,4,4,6,4,Invented headline
502,2021-09-03,2021-09-03,1,Government of Afghanistan,Taleban,Government - Taleban,Kabul province,,Kabul city,34.5,69.1,10,8,12,0,Invented battle
"""


@pytest.fixture
def registry(workspace: Workspace) -> dict[str, int]:
    with transaction(workspace.sessions) as session:
        made = build_registry(session)
        witness = Person(name="Invented Witness Name", is_pseudonym=False, confidentiality="public")
        shown = Person(name="W-17", is_pseudonym=True, confidentiality="public")
        session.add_all([witness, shown])
        session.flush()
        act = made["a"].acts[0]
        session.add(
            Involvement(
                person_id=witness.id, act_id=act.id, role="victim", fate="killed", confidentiality="public"
            )
        )
        session.add(Involvement(person_id=shown.id, act_id=act.id, role="witness", confidentiality="public"))
        return {k: v.id for k, v in made.items()}


def _records(workspace: Workspace, ids: list[int], disclosure: Disclosure) -> list[dict[str, Any]]:
    with workspace.sessions() as session:
        return incident_records(session, ids, disclosure)


def test_public_export_leaves_out_confidential_rows_and_identities(
    workspace: Workspace, registry: dict[str, int]
) -> None:
    ids = [registry[k] for k in "abcde"]
    records = _records(workspace, ids, Disclosure())
    assert [r["id"] for r in records] == [registry[k] for k in "abcd"]
    killing = records[0]["acts"][0]
    assert killing["involvements"] == []
    assert "Invented Witness Name" not in json.dumps(records)
    assert records[0]["sources"][0]["source"] == "Invented Monitoring Group"
    # The candidate act of b is never exported as a fact.
    assert [a["violation"] for a in records[1]["acts"]] == ["arbitrary_detention"]
    wide = _records(workspace, ids, Disclosure.up_to("confidential", identities=True))
    assert len(wide) == 5
    people = {i["person"]["name"]: i["person"] for i in wide[0]["acts"][0]["involvements"]}
    assert set(people) == {"Invented Witness Name", "W-17"}
    # A pseudonymous witness is shown by pseudonym only.
    assert set(people["W-17"]) == {"id", "name", "is_pseudonym"}


def test_formats(workspace: Workspace, registry: dict[str, int]) -> None:
    records = _records(workspace, [registry[k] for k in "ad"], Disclosure())
    rows = list(csv.DictReader(io.StringIO(to_csv(records))))
    assert [(r["incident_id"], r["violation"], r["count_qualifier"]) for r in rows] == [
        (str(registry["a"]), "killing", "exact"),
        (str(registry["a"]), "arbitrary_detention", "at_least"),
        (str(registry["d"]), "killing", "more_than"),
    ]
    assert rows[0]["pcodes"] == "AF0801"
    acled = acled_rows(records)
    assert [(r["event_type"], r["sub_event_type"], r["fatalities"]) for r in acled] == [
        ("Violence against civilians", "Abduction/forced disappearance", 0),
        ("Violence against civilians", "Attack", 5),
        ("Violence against civilians", "Attack", 3),
    ]
    assert acled[2]["tags"].endswith("fatalities are a lower bound") and acled[1]["admin1"] == "Panjshir"
    events = huridocs_events(records)["events"]
    assert events[0]["event_record_number"] == f"E{registry['a']}"
    assert events[0]["acts"][1]["count_qualifier"] == "at_least"
    assert events[0]["geographical_term"] == ["AF0801"]


def test_export_command(workspace: Workspace, registry: dict[str, int], tmp_path: Path) -> None:
    app = typer.Typer()
    export_cli.register(app)
    out = tmp_path / "out" / "acled.csv"
    result = CliRunner().invoke(
        app,
        [
            "export",
            "-w",
            str(workspace.settings.root),
            "--format",
            "acled",
            "--out",
            str(out),
            "--violation",
            "killing",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["incidents"] == 2  # a and d; e is confidential
    # An incident is exported whole: a's detention comes with its killing.
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert sorted(r["sub_event_type"] for r in rows) == ["Abduction/forced disappearance", "Attack", "Attack"]


def test_import_acled_and_ucdp(workspace: Workspace, tmp_path: Path) -> None:
    app = typer.Typer()
    export_cli.register(app)
    acled = tmp_path / "acled.csv"
    acled.write_text(ACLED_CSV, encoding="utf-8")
    root = str(workspace.settings.root)
    result = CliRunner().invoke(app, ["import-events", str(acled), "-w", root], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["incidents_created"] == 2 and len(data["skipped"]) == 1 and "Protests" in data["skipped"][0]
    again = json.loads(CliRunner().invoke(app, ["import-events", str(acled), "-w", root]).output)
    assert again["incidents_created"] == 0 and again["already_imported"] == 2
    with workspace.sessions() as session:
        incidents = session.scalars(select(Incident).order_by(Incident.id)).all()
        assert {i.review_status for i in incidents} == {"candidate"}
        first = incidents[0]
        assert first.places[0].pcode == "AF0801" and first.sources[0].document_id == data["document_id"]
        # Imported incidents are found by search at once (the index follows the import).
        from gawah.registry.search import search

        found = search(session, first.title.split(":")[0])
        assert ("incident", first.id) in {(h.kind, h.record_id) for h in found.hits}
        act = session.scalars(select(Act).where(Act.incident_id == first.id)).one()
        assert (act.violation, act.count_value, act.count_qualifier, act.perpetrator) == (
            "killing",
            3,
            "at_least",
            "taliban",
        )
    ucdp = tmp_path / "ged.csv"
    ucdp.write_text(UCDP_CSV, encoding="utf-8")
    result = CliRunner().invoke(app, ["import-events", str(ucdp), "-w", root], catch_exceptions=False)
    data = json.loads(result.output)
    assert data["incidents_created"] == 1 and "no civilian deaths" in data["skipped"][0]
    with workspace.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Incident)) == 3
        act = session.scalars(select(Act).order_by(Act.id.desc())).first()
        assert act is not None and (act.count_value, act.count_qualifier) == (4, "approximately")


def test_import_refuses_other_files(tmp_path: Path, workspace: Workspace) -> None:
    with pytest.raises(ImportRefused, match="neither an ACLED"):
        read_events("name,age\nA,3\n")
    app = typer.Typer()
    export_cli.register(app)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["import-events", str(bad), "-w", str(workspace.settings.root)])
    assert result.exit_code == 2 and "neither an ACLED" in result.output
