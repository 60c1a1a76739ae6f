"""Persons, missing-person cases and proposed matches in the registry (SQLite and PostgreSQL).

Every person here is invented.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from gawah.registry import cases, matching
from gawah.registry.persons import PersonError, PersonInput, add_person, person_view, validate
from gawah.security.intake import IntakeOpener
from gawah.store.models import Act, CaseIntake, Incident, Involvement, Person, PersonMatch, RegistryChange
from gawah.workspace import Workspace

ZAMAN = PersonInput(
    name="Mohammad Zaman",
    father_name="Abdul Ghafoor",
    grandfather_name="Gul Ahmad",
    sex="male",
    birth_year=1990,
    home_province="Baghlan",
    home_district="Khinjan",
    former_service="police",
)
ZAMAN_DARI = PersonInput(
    name_native="محمد زمان", father_name="عبدالغفور", home_province="بغلان", sex="male", age=33
)
ZAMAN_SPELLED = PersonInput(
    name="Muhammad Zaman",
    father_name="Abdulghafur",
    home_province="Baghlan",
    birth_year=1991,
    occupation="police officer",
)
OTHER = PersonInput(
    name="Ghulam Hazrat",
    father_name="Din Mohammad",
    home_province="Ghazni",
    home_district="Malistan",
    birth_year=1975,
)
CONTACT = "+93 70 000 0000 (invented)"


def test_validation_names_the_field_and_moves_scripts() -> None:
    checked = validate(PersonInput(name="محمد زمان", father_name="  Abdul   Ghafoor "))
    assert checked.name == "" and checked.name_native == "محمد زمان"
    assert checked.father_name == "Abdul Ghafoor"
    with pytest.raises(PersonError, match="name"):
        validate(PersonInput(father_name="Abdul Ghafoor"))
    with pytest.raises(PersonError, match="birth year"):
        validate(PersonInput(name="X", birth_year=1700))
    with pytest.raises(PersonError, match="former service"):
        validate(PersonInput(name="X", former_service="pilot"))
    pseudonym = validate(PersonInput(name="Witness A", is_pseudonym=True, confidentiality="public"))
    assert pseudonym.confidentiality == "confidential"


def test_a_report_opens_a_confidential_case_with_history_and_a_family_code(
    workspace: Workspace, intake_public: bytes, intake_opener: IntakeOpener
) -> None:
    with workspace.sessions.begin() as session:
        opened = cases.report_missing(
            session,
            ZAMAN,
            cases.CaseInput(
                last_seen_on=dt.date(2023, 3, 3),
                last_seen_place="checkpoint at Pul-e Khumri",
                last_seen_by="his brother",
                circumstances="taken at a checkpoint",
                reporter_name="Invented Relative",
                reporter_contact=CONTACT,
                reporter_relationship="brother",
            ),
            address="203.0.113.9",
            intake_public=intake_public,
        )
    assert opened.reference.startswith("GW-") and len(opened.code) == 14
    with workspace.sessions.begin() as session:
        person = session.get(Person, opened.person_id)
        assert person is not None and person.confidentiality == "confidential"
        assert person.review_status == "candidate"
        sealed = cases.case_view(session, opened.case_id)
        assert sealed.sealed and not sealed.opened and sealed.reporter_contact is None
        view = cases.case_view(session, opened.case_id, intake_opener)
        assert view.confidentiality == "confidential" and view.status == "missing"
        assert view.reporter_contact == CONTACT and view.reporter_relationship == "brother"
        assert (
            view.circumstances == "taken at a checkpoint"
            and view.person_as_reported["name"] == "Mohammad Zaman"
        )
        intake = session.scalar(select(CaseIntake).where(CaseIntake.case_id == opened.case_id))
        assert intake is not None and opened.code not in (intake.code_hash or "")
        cases.set_status(session, opened.case_id, "detained", source="a released detainee", actor="analyst-a")
        with pytest.raises(cases.CaseError, match="source"):
            cases.set_status(session, opened.case_id, "released", source=" ", actor="analyst-a")
        # The registry's history (and so the ledger) never holds the reporter.
        changes = session.scalars(select(RegistryChange).where(RegistryChange.subject_type == "case")).all()
        assert [c.action for c in changes] == ["open", "status"]
        assert all(CONTACT not in str(c.after) and "Invented Relative" not in str(c.after) for c in changes)
    with workspace.sessions.begin() as session:
        view = cases.case_view(session, opened.case_id)
        assert [(h.previous_status, h.status, h.source) for h in view.history] == [
            (None, "missing", "report by a relative"),
            ("missing", "detained", "a released detainee"),
        ]
        family = cases.family_view(session, opened.reference.lower(), opened.code.replace("-", " ").lower())
        assert family is not None and family.status == "detained"
        assert [s for s, _ in family.changes] == ["missing", "detained"]
        assert not {"reporter_contact", "circumstances", "source"} & set(family.__dataclass_fields__)
        assert cases.family_view(session, opened.reference, "AAAA-BBBB-CCCC") is None
        assert cases.family_view(session, "GW-0000-0000", opened.code) is None


def test_family_lookups_and_public_reports_are_rate_limited(
    workspace: Workspace, intake_public: bytes
) -> None:
    with workspace.sessions.begin() as session:
        opened = cases.report_missing(
            session, OTHER, cases.CaseInput(), address="198.51.100.1", intake_public=intake_public
        )
    for _ in range(5):
        with workspace.sessions.begin() as session:
            view, limit = cases.family_lookup(session, opened.reference, "WRONG-CODE-0000", "198.51.100.2")
            assert view is None and not limit.blocked
    with workspace.sessions.begin() as session:
        view, limit = cases.family_lookup(session, opened.reference, opened.code, "198.51.100.2")
        assert view is None and limit.blocked  # even the right code waits once the reference is locked
    with workspace.sessions.begin() as session:
        for _ in range(cases.INTAKE_PER_ADDRESS - 1):
            cases.report_missing(
                session, OTHER, cases.CaseInput(), address="198.51.100.1", intake_public=intake_public
            )
        with pytest.raises(cases.TooManyReports):
            cases.report_missing(
                session, OTHER, cases.CaseInput(), address="198.51.100.1", intake_public=intake_public
            )


def test_a_new_person_is_matched_across_scripts_and_spellings(workspace: Workspace) -> None:
    with workspace.sessions.begin() as session:
        first = add_person(session, ZAMAN, "analyst-a")
        other = add_person(session, OTHER, "analyst-a")
        witness = add_person(
            session,
            PersonInput(
                name="Mohammad Zaman", father_name="Abdul Ghafoor", home_province="Baghlan", is_pseudonym=True
            ),
            "analyst-a",
        )
        # A victim named in an incident.
        incident = Incident(title="detention in Khinjan")
        act = Act(violation="arbitrary_detention")
        incident.acts.append(act)
        session.add(incident)
        session.flush()
        session.add(Involvement(person_id=other.id, act_id=act.id, role="victim"))
        assert matching.propose_matches(session, [first.id]) == []
        dari = add_person(session, ZAMAN_DARI, "analyst-a")
        spelled = add_person(session, ZAMAN_SPELLED, "analyst-a")
        proposals = matching.propose_matches(session, [dari.id, spelled.id])
        pairs = {(m.person_id, m.other_id) for m in proposals}
        assert (first.id, dari.id) in pairs and (first.id, spelled.id) in pairs
        assert not any(witness.id in p or other.id in p for p in pairs)
        best = next(m for m in proposals if (m.person_id, m.other_id) == (first.id, spelled.id))
        fields = {r["field"]: r for r in best.reasons}
        assert fields["father_name"]["weight"] > 2 and fields["name"]["weight"] > 2
        assert best.probability >= 0.9
        ids = (first.id, dari.id, spelled.id)
    with workspace.sessions.begin() as session:
        listing = matching.list_matches(session, ["public", "restricted", "confidential"])
        assert {(r.person.id, r.other.id) for r in listing.matches} >= {(ids[0], ids[1]), (ids[0], ids[2])}
        assert matching.list_matches(session, ["public"]).hidden == len(listing.matches)
        accept = next(r for r in listing.matches if (r.person.id, r.other.id) == (ids[0], ids[1]))
        reject = next(r for r in listing.matches if (r.person.id, r.other.id) == (ids[0], ids[2]))
        matching.decide_match(session, accept.id, "accept", "reviewer-b")
        matching.decide_match(session, reject.id, "reject", "reviewer-b", note="different father")
        with pytest.raises(matching.MatchError):
            matching.decide_match(session, reject.id, "accept", "reviewer-b")
    with workspace.sessions.begin() as session:
        # Compared again: the rejected pair stays rejected, the accepted pair links the records.
        matching.propose_matches(session)
        decided = {(m.person_id, m.other_id): m.status for m in session.scalars(select(PersonMatch))}
        assert decided[(ids[0], ids[2])] == "rejected" and decided[(ids[0], ids[1])] == "accepted"
        assert ids[0] in matching.same_person(session, ids[1])
        assert person_view(session, other.id).involvements[0].role == "victim"
