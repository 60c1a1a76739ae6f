"""Families' reports sealed to the intake key; person search where names are sealed; received lists.

Every person here is invented.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from gawah.cli import persons as persons_cli
from gawah.registry import cases, lists, matching
from gawah.registry.persons import PersonInput, add_person, list_persons
from gawah.security.commands import guard_commands
from gawah.security.crypto import CryptoError, WrongPassphrase, create_data_key
from gawah.security.intake import (
    INTAKE_PASSPHRASE_ENV,
    create_intake_key,
    intake_public_key,
    open_intake_key,
    open_submission,
    seal_submission,
)
from gawah.security.vault_cipher import unlock_workspace
from gawah.store.models import Case, CaseSubmission, Person, PersonList, PersonListEntry, PersonMatch
from gawah.workspace import Workspace, init_workspace
from tests.persons.conftest import INTAKE_PASSPHRASE, TEST_SCRYPT_N

CONTACT = "+93 79 555 0101 (invented)"
PASSPHRASE = "invented workspace passphrase"


def _report(session: object, public: bytes) -> cases.OpenedCase:
    return cases.report_missing(
        session,  # type: ignore[arg-type]
        PersonInput(name="Mohammad Zaman", father_name="Abdul Ghafoor", home_province="Baghlan", age=33),
        cases.CaseInput(
            last_seen_on=dt.date(2023, 3, 3),
            circumstances="taken from the bus at a checkpoint",
            reporter_name="Invented Sister",
            reporter_contact=CONTACT,
            reporter_relationship="sister",
        ),
        address="192.0.2.7",
        intake_public=public,
    )


def test_a_submission_opens_with_the_private_key_and_on_its_own_case_only(tmp_path: Path) -> None:
    public = create_intake_key(tmp_path, passphrase=INTAKE_PASSPHRASE, n=TEST_SCRYPT_N)
    opener = open_intake_key(tmp_path, passphrase=INTAKE_PASSPHRASE)
    sealed = seal_submission(public, b"contact: " + CONTACT.encode(), b"case GW-AAAA-BBBB")
    assert CONTACT.encode() not in sealed
    assert opener.open(sealed, b"case GW-AAAA-BBBB") == b"contact: " + CONTACT.encode()
    with pytest.raises(CryptoError):
        opener.open(sealed, b"case GW-CCCC-DDDD")  # moved onto another case
    altered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(CryptoError):
        opener.open(altered, b"case GW-AAAA-BBBB")
    # Two submissions of the same text look unrelated (a fresh ephemeral key each time).
    assert seal_submission(public, b"x", b"c") != seal_submission(public, b"x", b"c")
    with pytest.raises(WrongPassphrase):
        open_intake_key(tmp_path, passphrase="a wrong guess")
    with pytest.raises(CryptoError, match="already"):
        create_intake_key(tmp_path, passphrase=INTAKE_PASSPHRASE, n=TEST_SCRYPT_N)
    other = tmp_path / "other"
    create_intake_key(other, passphrase=INTAKE_PASSPHRASE, n=TEST_SCRYPT_N)
    with pytest.raises(CryptoError):
        open_submission(
            open_intake_key(other, passphrase=INTAKE_PASSPHRASE).private, sealed, b"case GW-AAAA-BBBB"
        )


def test_the_raw_database_never_holds_the_relatives_contact(
    workspace: Workspace, intake_public: bytes
) -> None:
    with workspace.sessions.begin() as session:
        opened = _report(session, intake_public)
    with workspace.sessions() as session:
        stored = session.scalar(select(CaseSubmission.sealed).where(CaseSubmission.case_id == opened.case_id))
        case = session.get(Case, opened.case_id)
        assert stored and CONTACT not in stored and case is not None and case.reporter_contact is None
        assert cases.case_view(session, opened.case_id).reporter_contact is None
    if workspace.settings.is_sqlite:
        workspace.engine.dispose()
        raw = b"".join(f.read_bytes() for f in workspace.settings.root.rglob("*") if f.is_file())
        assert b"Mohammad Zaman" in raw  # the file is readable: the check below means something
        for secret in (CONTACT, "Invented Sister", "taken from the bus"):
            assert secret.encode() not in raw


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    persons_cli.register(app)
    guard_commands(app)
    return app


def test_a_reviewer_with_the_passphrase_reads_the_report_a_wrong_one_is_refused(
    cli: typer.Typer, tmp_path: Path
) -> None:
    root = init_workspace(tmp_path / "ws", name="intake").root
    runner = CliRunner()
    base = {"GAWAH_WORKSPACE": str(root), "COLUMNS": "300"}
    made = runner.invoke(cli, ["cases", "intake-key"], env={**base, INTAKE_PASSPHRASE_ENV: INTAKE_PASSPHRASE})
    assert made.exit_code == 0, made.output
    with Workspace.open(root) as ws, ws.sessions.begin() as session:
        opened = _report(session, intake_public_key(ws.settings.keys_dir, None))
    sealed = runner.invoke(cli, ["cases", "show", opened.reference], env=base)
    assert sealed.exit_code == 0 and CONTACT not in sealed.output and "--unseal" in sealed.output
    shown = runner.invoke(
        cli,
        ["cases", "show", opened.reference, "--unseal"],
        env={**base, INTAKE_PASSPHRASE_ENV: INTAKE_PASSPHRASE},
    )
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.output[shown.output.index("{") :])
    assert body["reporter_contact"] == CONTACT and body["reporter_relationship"] == "sister"
    assert body["opened"] and body["circumstances"] == "taken from the bus at a checkpoint"
    wrong = runner.invoke(
        cli,
        ["cases", "show", opened.reference, "--unseal"],
        env={**base, INTAKE_PASSPHRASE_ENV: "a wrong guess"},
    )
    assert wrong.exit_code == 2 and "wrong intake passphrase" in wrong.output and CONTACT not in wrong.output


@pytest.fixture
def encrypted(tmp_path: Path) -> Workspace:
    settings = init_workspace(tmp_path / "sealed", name="sealed")
    create_data_key(settings.keys_dir, PASSPHRASE, n=TEST_SCRYPT_N)
    ws = Workspace.open(settings.root)
    assert unlock_workspace(ws, PASSPHRASE)
    return ws


def test_an_encrypted_workspace_makes_its_intake_key_on_first_need_and_searches_sealed_names(
    encrypted: Workspace,
) -> None:
    from gawah.security.encrypted import engine_key

    data_key = engine_key(encrypted.engine.dialect)
    public = intake_public_key(encrypted.settings.keys_dir, data_key)  # made now, under the data key
    with encrypted.sessions.begin() as session:
        opened = _report(session, public)
        add_person(session, PersonInput(name_native="غلام حضرت", father_name="Din Mohammad"), "analyst-a")
    opener = open_intake_key(encrypted.settings.keys_dir, data_key=data_key)
    levels = ("public", "restricted", "confidential")
    with encrypted.sessions() as session:
        assert cases.case_view(session, opened.case_id, opener).reporter_contact == CONTACT
        # Names are sealed in the database, yet the search finds them (either script, any case).
        assert session.scalar(select(Person.id).where(Person.name.ilike("%zaman%"))) is None
        found = list_persons(session, levels, query="zaman")
        assert [p.name for p in found.persons] == ["Mohammad Zaman"] and found.total == 1
        assert [p.name_native for p in list_persons(session, levels, query="حضرت").persons] == ["غلام حضرت"]
        assert list_persons(session, levels, query="din moh").total == 1
        assert (
            list_persons(session, ("restricted",), query="zaman").total == 0
        )  # the family's is confidential
        assert [p.name for p in list_persons(session, levels).persons] == ["Mohammad Zaman", "غلام حضرت"]
    encrypted.close()


DETAINEES = (
    b"id,name,father_name,province,birth_year,status,place,date\n"
    b"d-1,Muhammad Zaman,Abdulghafur,Baghlan,1990,detained,Pul-e Charkhi,2023-04-01\n"
    b"d-2,Ghulam Hazrat,Din Mohammad,Ghazni,1975,released,Ghazni provincial prison,2023-05-02\n"
)


def test_a_received_list_is_imported_whole_with_its_source_and_matched(workspace: Workspace) -> None:
    with workspace.sessions.begin() as session:
        victim = add_person(
            session,
            PersonInput(
                name="Mohammad Zaman", father_name="Abdul Ghafoor", home_province="Baghlan", birth_year=1990
            ),
            "analyst-a",
        )
        victim_id = victim.id
    source = lists.ListSource(
        name="Detainee list from an invented group", sent_by="Invented Group", received_on=dt.date(2023, 6, 1)
    )
    with workspace.sessions.begin() as session:
        imported = lists.import_list(session, DETAINEES, source, "analyst-a")
        matching.enqueue(session, list(imported.person_ids))
    assert matching.match_queued(workspace.sessions) == 2
    with workspace.sessions() as session:
        listed = session.get(PersonList, imported.list_id)
        assert listed is not None and listed.sent_by == "Invented Group" and listed.entry_count == 2
        entries = session.scalars(select(PersonListEntry).order_by(PersonListEntry.line)).all()
        assert [(e.entry_id, e.line, e.status, e.place) for e in entries] == [
            ("d-1", 2, "detained", "Pul-e Charkhi"),
            ("d-2", 3, "released", "Ghazni provincial prison"),
        ]
        pair = session.scalars(select(PersonMatch)).one()
        assert (pair.person_id, pair.other_id) == (victim_id, imported.person_ids[0])
        assert {r["field"] for r in pair.reasons} >= {"name", "father_name"}
        seen = lists.appearances(session, [imported.person_ids[0]], ("restricted",))
        assert [(a.list_name, a.status) for a in seen] == [
            ("Detainee list from an invented group", "detained")
        ]
        assert matching.queue_length(session) == 0


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"id,name,status\nd-1,Zaman,detained\nd-1,Hazrat,released\n", "line 3: duplicate id"),
        (b"id,name,birth_year\nd-1,Zaman,1990\nd-2,,1975\n", "line 3"),
        (b"id,name,age\nd-1,Zaman,30\nd-2,Hazrat,125\n", "line 3: age must be"),
        (b"name,status\nZaman,detained\n", "line 1"),
        ("id,name\nd-1,Zam\u00e1n\n".encode("latin-1"), "line 2: not valid UTF-8"),
    ],
)
def test_a_bad_list_names_its_line_and_nothing_is_imported(
    workspace: Workspace, content: bytes, problem: str
) -> None:
    with pytest.raises(lists.ListError, match=problem), workspace.sessions.begin() as session:
        lists.import_list(session, content, lists.ListSource(name="bad list"), "analyst-a")
    with workspace.sessions() as session:
        assert session.scalars(select(Person)).all() == []
        assert session.scalars(select(PersonList)).all() == []


def test_import_list_command(cli: typer.Typer, tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws", name="lists").root
    path = tmp_path / "detainees.csv"
    path.write_bytes(DETAINEES)
    env = {"GAWAH_WORKSPACE": str(root), "COLUMNS": "300"}
    runner = CliRunner()
    done = runner.invoke(
        cli,
        ["persons", "import-list", str(path), "--source", "List A", "--sent-by", "Invented Group"],
        env=env,
    )
    assert done.exit_code == 0 and "2 entries imported" in done.output, done.output
    again = runner.invoke(cli, ["persons", "import-list", str(path), "--source", "List A"], env=env)
    assert again.exit_code == 2 and "already imported" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"id,name\nx-1,Zaman\nx-1,Hazrat\n")
    refused = runner.invoke(cli, ["persons", "import-list", str(bad), "--source", "List B"], env=env)
    assert refused.exit_code == 2 and "line 3" in refused.output and "nothing was imported" in refused.output


def test_the_person_page_says_which_list_a_person_appears_on(workspace: Workspace) -> None:
    from gawah.store.vocab import Role
    from tests.web.conftest import signed_in_client

    with workspace.sessions.begin() as session:
        victim = add_person(
            session,
            PersonInput(
                name="Mohammad Zaman", father_name="Abdul Ghafoor", home_province="Baghlan", birth_year=1990
            ),
            "analyst-a",
        )
        victim_id = victim.id
        imported = lists.import_list(
            session, DETAINEES, lists.ListSource(name="List of the invented"), "analyst-a"
        )
        matching.propose_matches(session, list(imported.person_ids))
    with signed_in_client(workspace, Role.ANALYST) as analyst:
        own = analyst.get(f"/persons/{imported.person_ids[0]}")
        assert own.status_code == 200 and "Appears on list List of the invented" in own.text
        assert "Pul-e Charkhi" in own.text
        other = analyst.get(f"/persons/{victim_id}")
        assert "May appear on list List of the invented" in other.text
