"""Review decisions: accept, edit, reject, split, attach; reviewer, time, ledger entry, conflicts."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from gawah.ledger.journal import verify_journal
from gawah.ledger.keys import load_private_key
from gawah.registry import review
from gawah.registry.changes import ConflictError, RegistryError, deciding, diff, history, restore
from gawah.store.models import Act, Incident, LedgerEntry, RegistryChange, Span
from gawah.workspace import Workspace
from tests.registry.conftest import Reports


def _problems(ws: Workspace) -> list[str]:
    key = load_private_key(ws.settings.signing_key_path).public_key()
    with ws.sessions() as s:
        return [str(p) for p in verify_journal(s, key, ws.settings.log_origin)]


def test_the_queue_shows_each_candidate_with_its_quote(workspace: Workspace, reports: Reports) -> None:
    with workspace.sessions() as s:
        items = review.queue(s)
        assert [i.id for i in items if i.kind == "act"] == [reports.ngo_act, reports.news_act, reports.other_act]
        first = items[0]
        assert first.spans[0].quote == "detained at least 14 former soldiers"
        assert first.document_title == "Field report"
        assert review.queue_size(s)["act"] == 3


def test_accept_keeps_reviewer_time_and_a_ledger_entry(workspace: Workspace, reports: Reports) -> None:
    with deciding(workspace.sessions) as s:
        review.accept(s, "act", reports.ngo_act, "analyst-a", note="matches the report")
    with workspace.sessions() as s:
        act = s.get(Act, reports.ngo_act)
        assert act is not None and act.review_status == "accepted" and act.reviewed_at is not None
        incident = s.get(Incident, reports.ngo_incident)
        assert incident is not None and incident.review_status == "accepted"
        changes = history(s, "incident", reports.ngo_incident)
        assert [(c.action, c.actor, c.note) for c in changes] == [("accept_act", "analyst-a", "matches the report")]
        assert changes[0].at is not None
        assert [d.path for d in diff(changes[0].before, changes[0].after)] == [
            f"acts[{reports.ngo_act}].review_status",
            "review_status",
        ]
        kinds = s.scalars(select(LedgerEntry.kind)).all()
        assert kinds.count("registry_change") == 1
    assert _problems(workspace) == []


def test_an_edited_change_breaks_verification(workspace: Workspace, reports: Reports) -> None:
    with deciding(workspace.sessions) as s:
        review.reject(s, "act", reports.other_act, "analyst-a", note="not a violation")
    with workspace.sessions.begin() as s:
        s.execute(update(RegistryChange).values(actor="someone else"))
    assert any("the record was changed after it was recorded" in p for p in _problems(workspace))


def test_reject_all_acts_rejects_the_incident(workspace: Workspace, reports: Reports) -> None:
    with deciding(workspace.sessions) as s:
        review.reject(s, "act", reports.other_act, "analyst-a")
    with workspace.sessions() as s:
        incident = s.get(Incident, reports.other_incident)
        assert incident is not None and incident.review_status == "rejected"


def test_edit_checks_the_vocabulary_and_accepts(workspace: Workspace, reports: Reports) -> None:
    with deciding(workspace.sessions) as s, pytest.raises(RegistryError, match="unknown violation"):
        review.edit(s, reports.ngo_act, {"violation": "murder"}, "analyst-a")
    with deciding(workspace.sessions) as s:
        review.edit(s, reports.ngo_act, {"count_value": "15", "victim_groups": "former_security_forces, youth"},
                    "analyst-a")  # fmt: skip
    with workspace.sessions() as s:
        act = s.get(Act, reports.ngo_act)
        assert act is not None
        assert (act.count_value, act.victim_groups, act.review_status) == (
            15, ["former_security_forces", "youth"], "accepted"
        )  # fmt: skip


def test_split_makes_new_candidates_with_the_same_quote(workspace: Workspace, reports: Reports) -> None:
    with deciding(workspace.sessions) as s:
        ids = review.split(
            s, reports.ngo_act,
            [{"violation": "arbitrary_detention"}, {"violation": "threats_intimidation", "count_value": None}],
            "analyst-a", separate_incidents=True,
        )  # fmt: skip
    assert len(ids) == 2
    with workspace.sessions() as s:
        new = s.get(Act, ids[1])
        assert new is not None and new.violation == "threats_intimidation" and new.review_status == "candidate"
        assert new.incident_id != reports.ngo_incident
        quotes = s.scalars(select(Span.quote).where(Span.target_type == "act", Span.target_id == ids[1])).all()
        assert quotes == ["detained at least 14 former soldiers"]
        assert [c.action for c in history(s, "incident", new.incident_id)] == ["created_by_split"]


def test_attach_moves_the_fact_and_its_source(workspace: Workspace, reports: Reports) -> None:
    with deciding(workspace.sessions) as s:
        review.attach(s, reports.news_act, reports.ngo_incident, "analyst-a")
    with workspace.sessions() as s:
        target = s.get(Incident, reports.ngo_incident)
        origin = s.get(Incident, reports.news_incident)
        assert target is not None and origin is not None
        assert {a.id for a in target.acts} == {reports.ngo_act, reports.news_act}
        assert len(target.sources) == 2
        assert origin.review_status == "rejected" and origin.merged_into_id == target.id
        change_id = history(s, "incident", reports.news_incident)[-1].id
    # Restoring the origin from history puts the act back where it was.
    with deciding(workspace.sessions) as s:
        restore(s, change_id, "analyst-b")
    with workspace.sessions() as s:
        act = s.get(Act, reports.news_act)
        origin = s.get(Incident, reports.news_incident)
        assert act is not None and origin is not None
        assert act.incident_id == reports.news_incident and origin.merged_into_id is None
        assert origin.review_status == "candidate"
    assert _problems(workspace) == []


def test_a_stale_form_is_refused(workspace: Workspace, reports: Reports) -> None:
    with workspace.sessions() as s:
        incident = s.get(Incident, reports.ngo_incident)
        assert incident is not None
        opened = incident.version
    with deciding(workspace.sessions) as s:
        review.edit(s, reports.ngo_act, {"count_value": 20}, "analyst-a", expected_version=opened)
    with deciding(workspace.sessions) as s, pytest.raises(ConflictError, match="changed by someone else"):
        review.edit(s, reports.ngo_act, {"count_value": 30}, "analyst-b", expected_version=opened)
    with workspace.sessions() as s:
        act = s.get(Act, reports.ngo_act)
        assert act is not None and act.count_value == 20


def test_two_transactions_in_flight_do_not_overwrite(workspace: Workspace, reports: Reports) -> None:
    first = workspace.sessions()
    second = workspace.sessions()
    try:
        # Both analysts open the incident; the first saves; the second's save finds it moved on.
        for session in (first, second):
            incident = session.get(Incident, reports.ngo_incident)
            assert incident is not None and incident.acts
        review.edit(first, reports.ngo_act, {"count_value": 20}, "analyst-a")
        first.commit()
        with pytest.raises(StaleDataError):
            review.edit(second, reports.ngo_act, {"count_value": 30}, "analyst-b")
            second.commit()
        second.rollback()
    finally:
        first.close()
        second.close()
    with workspace.sessions() as s:
        act = s.get(Act, reports.ngo_act)
        assert act is not None and act.count_value == 20


def test_every_decision_needs_a_person(workspace: Workspace, reports: Reports) -> None:
    with deciding(workspace.sessions) as s, pytest.raises(RegistryError, match="name of the person"):
        review.accept(s, "act", reports.ngo_act, " ")
