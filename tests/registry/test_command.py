"""Units, command relationships and bulk edits: cycles refused, chains computed, who stood over the
perpetrators of an incident, and bulk edits that apply whole or not at all."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from gawah.registry.bulk import BulkChange, BulkError, bulk_edit, parse_ids, parse_versions
from gawah.registry.changes import ConflictError, NotFound, RegistryError, deciding, diff, history, restore
from gawah.registry.command import (
    ALWAYS,
    COMMANDS,
    CommandError,
    Edge,
    Party,
    Perpetrator,
    UnitInput,
    assign_unit,
    chain,
    chain_view,
    create_unit,
    edit_unit,
    find_cycle,
    incident_responsibility,
    list_units,
    parse_party,
    relate,
    remove_relation,
    responsibility,
    unit_view,
    units_of_acts,
)
from gawah.registry.persons import PersonInput, add_person
from gawah.store.models import (
    CommandRelation,
    Document,
    Incident,
    IncidentSource,
    Involvement,
    LedgerEntry,
    RegistryChange,
    Source,
)
from gawah.workspace import Workspace
from tests.registry.conftest import Reports, add_document

D = dt.date
U1, U2, U3 = Party("unit", 1), Party("unit", 2), Party("unit", 3)


def _edge(i: int, sup: Party, sub: Party, start: D | None = None, end: D | None = None) -> Edge:
    return Edge(i, sup, sub, COMMANDS, (start, end))


# Pure computations -----------------------------------------------------------------------------


def test_find_cycle_counts_only_relations_that_hold_at_one_time() -> None:
    edges = [_edge(1, U1, U2), _edge(2, U2, U3, D(2020, 1, 1), D(2021, 12, 31))]
    assert find_cycle(edges, _edge(0, U3, U1)) == [U3, U1, U2, U3]
    # After a reorganisation in 2023 the former subordinate may command: no common time.
    assert find_cycle(edges, _edge(0, U3, U1, D(2023, 1, 1))) is None
    assert find_cycle(edges, _edge(0, U3, U1, D(2021, 6, 1), D(2023, 1, 1))) is not None
    assert find_cycle(edges, _edge(0, U2, U2)) == [U2, U2]
    # Orders given in an incident are no part of the hierarchy.
    orders = [Edge(3, U3, U1, "gave_orders", ALWAYS, incident_id=1)]
    assert find_cycle(orders, _edge(0, U1, U3)) is None


def test_chain_up_and_down_on_a_day() -> None:
    p = Party("person", 9)
    edges = [_edge(1, U1, U2), _edge(2, U2, U3), _edge(3, p, U1, D(2022, 1, 1))]
    assert [(link.depth, link.edge.superior) for link in chain(edges, U3)] == [(1, U2), (2, U1), (3, p)]
    assert [link.edge.subordinate for link in chain(edges, U1, upward=False)] == [U2, U3]
    before = (D(2021, 5, 1), D(2021, 5, 1))
    assert [link.edge.superior for link in chain(edges, U3, during=before)] == [U2, U1]


def test_responsibility_lists_superiors_in_force_and_orders_of_this_incident() -> None:
    commander, old, orderer, elsewhere = (Party("person", n) for n in (1, 2, 3, 4))
    edges = [
        _edge(1, U1, U2),
        _edge(2, old, U1, None, D(2021, 12, 31)),
        _edge(3, commander, U1, D(2022, 1, 1)),
        Edge(4, orderer, U2, "gave_orders", ALWAYS, incident_id=7),
        Edge(5, elsewhere, U2, "failed_to_prevent_or_punish", ALWAYS, incident_id=8),
    ]
    found = responsibility([Perpetrator(U2, 70, "killing")], edges, (D(2023, 3, 3), D(2023, 3, 3)), {7})
    by_party = {r.party: r for r in found}
    assert set(by_party) == {U2, U1, commander, orderer}
    assert by_party[U2].depth == 0 and by_party[U1].depth == 1 and by_party[commander].depth == 2
    assert [b.kind for b in by_party[orderer].bases] == ["gave_orders"]
    assert found[0].party == U2


def test_parse_party_and_ids() -> None:
    assert parse_party("person:7") == Party("person", 7) and parse_party("3") == U3
    with pytest.raises(CommandError):
        parse_party("battalion:3")
    assert parse_ids("1,2, 5-7,2") == [1, 2, 5, 6, 7]
    assert parse_versions("1:3,2:5") == {1: 3, 2: 5}
    with pytest.raises(BulkError):
        parse_ids("1,x")


# In the database --------------------------------------------------------------------------------


def _units(ws: Workspace, *names: str) -> list[int]:
    with deciding(ws.sessions) as s:
        return [create_unit(s, UnitInput(name=n, perpetrator="taliban"), "analyst-a").id for n in names]


def test_units_and_relations_kept_with_history_and_cycles_refused(workspace: Workspace) -> None:
    corps, brigade, battalion = _units(workspace, "Invented Corps", "Invented Brigade", "Invented Battalion")
    with deciding(workspace.sessions) as s:
        relate(s, Party("unit", corps), "commands", Party("unit", brigade), "analyst-a")
        # "subordinate_of" reads the same relation from below.
        rel = relate(s, Party("unit", battalion), "subordinate_of", Party("unit", brigade), "analyst-a")
        assert (rel.superior_id, rel.subordinate_id, rel.relation) == (brigade, battalion, COMMANDS)
    with pytest.raises(CommandError, match="circle"), deciding(workspace.sessions) as s:
        relate(s, Party("unit", battalion), "commands", Party("unit", corps), "analyst-a")
    with pytest.raises(CommandError, match="itself"), deciding(workspace.sessions) as s:
        relate(s, Party("unit", corps), "commands", Party("unit", corps), "analyst-a")
    with pytest.raises(CommandError, match="name the incident"), deciding(workspace.sessions) as s:
        relate(s, Party("unit", corps), "gave_orders", Party("unit", brigade), "analyst-a")
    with pytest.raises(NotFound), deciding(workspace.sessions) as s:
        relate(s, Party("person", 999), "commands", Party("unit", corps), "analyst-a")
    with pytest.raises(CommandError, match="ends"), deciding(workspace.sessions) as s:
        relate(s, Party("unit", corps), "commands", Party("unit", battalion), "a",
               start_date=D(2022, 1, 1), end_date=D(2021, 1, 1))  # fmt: skip
    with workspace.sessions() as s:
        assert s.scalar(select(func.count()).select_from(CommandRelation)) == 2
        assert [v["depth"] for v in chain_view(s, Party("unit", battalion), upward=True)] == [1, 2]
        view = unit_view(s, corps)
        assert [x["subordinate"]["name"] for x in view["subordinates"]] == [
            "Invented Brigade",
            "Invented Battalion",
        ]
        assert view["superiors"] == []
    with deciding(workspace.sessions) as s:
        edit_unit(
            s, corps, UnitInput(name="Invented Army Corps", perpetrator="taliban", province="Kabul"), "b"
        )
        with pytest.raises(CommandError, match="note"):
            remove_relation(s, rel.id, "b")
        remove_relation(s, rel.id, "b", note="entered twice")
    with workspace.sessions() as s:
        changes = history(s, "unit", corps)
        assert [c.action for c in changes] == ["create", "edit"]
        assert {(d.path, d.new) for d in diff(changes[1].before, changes[1].after)} == {
            ("name", "Invented Army Corps"),
            ("province", "Kabul"),
        }
        assert [c.action for c in history(s, "command_relation", rel.id)] == ["create", "remove"]
        total, rows = list_units(s, ["restricted"], query="brigade")
        assert total == 1 and rows[0]["name"] == "Invented Brigade"


def test_incident_responsibility_through_perpetrator_units_and_persons(
    workspace: Workspace, reports: Reports
) -> None:
    corps, brigade = _units(workspace, "Invented Corps", "Invented Brigade")
    with deciding(workspace.sessions) as s:
        commander = add_person(s, PersonInput(name="Invented Commander"), "a").id
        former = add_person(s, PersonInput(name="Invented Former Commander"), "a").id
        fighter = add_person(s, PersonInput(name="Invented Fighter"), "a").id
        s.add(Involvement(person_id=fighter, act_id=reports.ngo_act, role="perpetrator"))
        relate(s, Party("unit", corps), "commands", Party("unit", brigade), "a")
        relate(s, Party("unit", brigade), "commands", Party("person", fighter), "a")
        relate(s, Party("person", commander), "commands", Party("unit", corps), "a", start_date=D(2022, 1, 1))
        relate(s, Party("person", former), "commands", Party("unit", corps), "a", end_date=D(2021, 12, 31))
        relate(s, Party("person", commander), "gave_orders", Party("unit", brigade), "a",
               incident_id=reports.ngo_incident)  # fmt: skip
        relate(s, Party("person", former), "failed_to_prevent_or_punish", Party("unit", brigade), "a",
               incident_id=reports.other_incident)  # fmt: skip
        added = assign_unit(s, reports.ngo_incident, brigade, "a", expected_version=1)
        assert added == [reports.ngo_act]
        assert assign_unit(s, reports.ngo_incident, brigade, "a") == []
    with workspace.sessions() as s:
        view = incident_responsibility(s, reports.ngo_incident)
        assert view["period"] == {"start": "2023-03-03", "end": "2023-03-03"} and not view["undated"]
        assert {(p["type"], p["id"]) for p in view["perpetrators"]} == {
            ("unit", brigade),
            ("person", fighter),
        }
        names = [(r["name"], r["depth"]) for r in view["responsible"]]
        assert set(names[:2]) == {("Invented Brigade", 0), ("Invented Fighter", 0)}
        assert ("Invented Corps", 1) in names and ("Invented Commander", 1) in names
        assert "Invented Former Commander" not in {n for n, _ in names}
        bases = next(r["bases"] for r in view["responsible"] if r["name"] == "Invented Commander")
        assert {b["kind"] for b in bases} == {"commands", "gave_orders"}
        # The link is a change on the incident's history, with the unit in the diff.
        change = history(s, "incident", reports.ngo_incident)[-1]
        assert change.action == "assign_unit"
        assert [(d.path, d.old, d.new) for d in diff(change.before, change.after)] == [
            (f"acts[{reports.ngo_act}].perpetrator_units", [], [brigade])
        ]
        assert s.get(Incident, reports.ngo_incident).version == 2  # type: ignore[union-attr]
        assert unit_view(s, brigade)["incidents"][0]["id"] == reports.ngo_incident
    with workspace.sessions() as s, pytest.raises(NotFound):
        unit_view(s, corps, ["public"])
    # Restoring the incident as it was before the assignment takes the unit off its act.
    with deciding(workspace.sessions) as s:
        assigned = history(s, "incident", reports.ngo_incident)[-1]
        restore(s, assigned.id, "a")
    with workspace.sessions() as s:
        assert units_of_acts(s, [reports.ngo_act]) == {}
        assert history(s, "incident", reports.ngo_incident)[-1].action == "restore"


def _second_source(ws: Workspace, incident_id: int) -> None:
    with ws.sessions.begin() as s:
        other = Source(name="Invented Monitor", kind="ngo")
        s.add(other)
        s.flush()
        doc = add_document(s, "A second, independent report of the detentions.", "Second report", other)
        s.add(IncidentSource(incident_id=incident_id, document_id=doc.id, source_id=other.id))


def _changes(ws: Workspace) -> int:
    with ws.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(RegistryChange)) or 0)


def test_bulk_edit_is_all_or_nothing(workspace: Workspace, reports: Reports) -> None:
    _second_source(workspace, reports.ngo_incident)
    before = _changes(workspace)
    ids = [reports.ngo_incident, reports.other_incident]
    # The second incident has one source only: corroboration is refused, so nothing is applied.
    refused = pytest.raises(RegistryError, match=f"incident {reports.other_incident}: .*nothing was changed")
    with refused, deciding(workspace.sessions) as s:
        bulk_edit(s, ids, BulkChange(status="corroborated", confidentiality="confidential"), "analyst-a")
    with workspace.sessions() as s:
        first = s.get(Incident, reports.ngo_incident)
        assert first is not None and first.status == "reported" and first.confidentiality == "restricted"
    assert _changes(workspace) == before
    with workspace.sessions() as s:
        ledger_before = s.scalar(select(func.count()).select_from(LedgerEntry))
    with deciding(workspace.sessions) as s:
        done = bulk_edit(
            s,
            [reports.ngo_incident, reports.news_incident, reports.other_incident],
            BulkChange(confidentiality="confidential", note="witness names in the reports"),
            "analyst-a",
            expected_versions={reports.ngo_incident: 1, reports.news_incident: 1},
        )
    assert [d["changed"] for d in done] == [["confidentiality"]] * 3
    assert [d["version"] for d in done] == [2, 2, 2]
    with workspace.sessions() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == (ledger_before or 0) + 3
        change = history(s, "incident", reports.news_incident)[-1]
        assert (change.action, change.actor) == ("confidentiality", "analyst-a")
        assert change.note == "bulk edit (3 incidents): witness names in the reports"
    with deciding(workspace.sessions) as s:
        done = bulk_edit(
            s,
            [reports.ngo_incident],
            BulkChange(status="corroborated", standard_of_proof="reasonable_grounds"),
            "b",
        )
        assert done[0]["changed"] == ["status"]
        # Those already as asked are left alone, not refused.
        assert (
            bulk_edit(s, [reports.ngo_incident], BulkChange(confidentiality="confidential"), "b")[0][
                "changed"
            ]
            == []
        )


def test_a_stale_version_aborts_the_batch(workspace: Workspace, reports: Reports) -> None:
    (unit,) = _units(workspace, "Invented District Command")
    with deciding(workspace.sessions) as s:
        bulk_edit(s, [reports.news_incident], BulkChange(confidentiality="public"), "analyst-b")
    before = _changes(workspace)
    # Analyst A opened both at version 1; B has since changed the second.
    stale = pytest.raises(ConflictError, match=f"{reports.news_incident} .now version 2, you saw 1")
    with stale, deciding(workspace.sessions) as s:
        bulk_edit(
            s,
            [reports.ngo_incident, reports.news_incident],
            BulkChange(unit_id=unit),
            "analyst-a",
            expected_versions={reports.ngo_incident: 1, reports.news_incident: 1},
        )
    assert _changes(workspace) == before
    with workspace.sessions() as s:
        assert unit_view(s, unit)["incidents"] == []
    with deciding(workspace.sessions) as s:
        done = bulk_edit(
            s, [reports.ngo_incident, reports.news_incident], BulkChange(unit_id=unit), "analyst-a",
            expected_versions={reports.ngo_incident: 1, reports.news_incident: 2},
        )  # fmt: skip
    assert [d["changed"] for d in done] == [["perpetrator_unit"]] * 2
    with workspace.sessions() as s:
        assert {i["id"] for i in unit_view(s, unit)["incidents"]} == {
            reports.ngo_incident,
            reports.news_incident,
        }


def test_bulk_refuses_what_it_cannot_do(workspace: Workspace, reports: Reports) -> None:
    with deciding(workspace.sessions) as s:
        s.get(Incident, reports.other_incident).confidentiality = "confidential"  # type: ignore[union-attr]
    cases = [
        ([], BulkChange(confidentiality="public"), "at least one"),
        ([reports.ngo_incident], BulkChange(), "say what to change"),
        ([reports.ngo_incident], BulkChange(standard_of_proof="reasonable_grounds"), "goes with a status"),
        ([reports.ngo_incident], BulkChange(status="retracted"), "note is required"),
        ([reports.ngo_incident], BulkChange(confidentiality="secret"), "confidentiality is one of"),
        ([reports.ngo_incident, reports.ngo_incident], BulkChange(confidentiality="public"), "twice"),
        ([reports.ngo_incident], BulkChange(unit_id=999), "no unit 999"),
        # An incident above the caller's level is not found, whatever else is chosen.
        ([reports.ngo_incident, reports.other_incident], BulkChange(confidentiality="public"), "no incident"),
    ]
    for ids, change, message in cases:
        with pytest.raises(RegistryError, match=message), deciding(workspace.sessions) as s:
            bulk_edit(s, ids, change, "analyst-a", levels=("public", "restricted"))
    with workspace.sessions() as s:
        assert s.get(Incident, reports.ngo_incident).confidentiality == "restricted"  # type: ignore[union-attr]
        assert s.scalar(select(func.count()).select_from(Document)) == 3


def test_command_line_units_relate_chain_and_bulk(workspace: Workspace, reports: Reports) -> None:
    import json

    from typer.testing import CliRunner

    from gawah.cli import app

    runner = CliRunner()
    root = str(workspace.settings.root)

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, [*args, "--workspace", root])
        assert result.exit_code == code, result.output
        return result.output

    assert "unit 1 added" in run("units", "add", "Invented Corps", "--perpetrator", "taliban", "--actor", "a")
    run("units", "add", "Invented Brigade", "--province", "Baghlan", "--actor", "a")
    run("units", "relate", "unit:2", "subordinate_of", "unit:1", "--from", "2022-01-01", "--actor", "a")
    assert "circle" in run("units", "relate", "unit:2", "commands", "unit:1", code=2)
    assert "already recorded" in run("units", "relate", "unit:1", "commands", "unit:2", code=2)
    chain_up = json.loads(run("units", "chain", "2", "--format", "json"))
    assert [(c["depth"], c["superior"]["name"]) for c in chain_up] == [(1, "Invented Corps")]
    assert json.loads(run("units", "chain", "2", "--on", "2021-06-01", "--format", "json")) == []
    ids = f"{reports.ngo_incident},{reports.news_incident}"
    stale = run(
        "incidents", "bulk", "--ids", ids, "--unit", "2", "--versions", f"{reports.ngo_incident}:7", code=2
    )
    assert "nothing was changed" in stale
    done = json.loads(
        run("incidents", "bulk", "--ids", ids, "--unit", "2", "--format", "json", "--actor", "a")
    )
    assert [d["changed"] for d in done["incidents"]] == [["perpetrator_unit"]] * 2
    shown = json.loads(run("units", "show", "2", "--format", "json"))
    assert {i["id"] for i in shown["incidents"]} == {reports.ngo_incident, reports.news_incident}
    responsible = json.loads(run("units", "responsible", str(reports.ngo_incident), "--format", "json"))
    assert [r["name"] for r in responsible["responsible"]] == ["Invented Brigade", "Invented Corps"]
    assert "Invented Corps" in run("units", "list")
