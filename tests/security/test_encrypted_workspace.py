"""An encrypted workspace: evidence files sealed in the vault (named by the original's SHA-256,
which `verify` re-checks by decrypting), and a wrong passphrase refused, audited, nothing changed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from gawah.ingest.pipeline import Ingestor
from gawah.security.crypto import WrongPassphrase, create_data_key
from gawah.security.vault_cipher import SealingBlobStore, unlock_workspace
from gawah.store.models import AuditEvent, EvidenceItem
from gawah.vault.blobstore import LocalBlobStore
from gawah.verification import verify_workspace
from gawah.workspace import Workspace, init_workspace

CHEAP_N = 2**10
PASSPHRASE = "an invented workspace passphrase"
PLANTED = "Invented witness Gulalai Noorzai of Qala-e Sabz, phone +93 79 000 5678"


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.fixture
def encrypted_root(tmp_path: Path) -> Path:
    settings = init_workspace(tmp_path / "ws", name="sealed")
    create_data_key(settings.keys_dir, PASSPHRASE, n=CHEAP_N)
    return settings.root


def test_confidential_evidence_is_sealed_and_still_verifiable(encrypted_root: Path, tmp_path: Path) -> None:
    testimony = tmp_path / "testimony.txt"
    testimony.write_text(f"Statement taken in Kabul.\n{PLANTED}\nShe saw the detention.\n", encoding="utf-8")
    original_sha = hashlib.sha256(testimony.read_bytes()).hexdigest()
    with Workspace.open(encrypted_root) as ws:
        assert unlock_workspace(ws, PASSPHRASE)
        assert isinstance(ws.blobs, SealingBlobStore)
        outcomes = Ingestor(ws.sessions, ws.blobs).ingest([testimony])
        assert [o.status for o in outcomes] == ["stored"]
        with ws.sessions() as session:
            shas = set(session.scalars(select(EvidenceItem.sha256)))
        assert original_sha in shas
        with ws.blobs.open(original_sha) as fh:
            assert fh.read() == testimony.read_bytes()
        report = verify_workspace(ws)
        assert report.ok, report.problems
        assert report.files_checked == len(shas) >= 1

    stored = _all_bytes(encrypted_root / "evidence")
    for needle in ("Gulalai", "Noorzai", "000 5678", "Statement taken"):
        assert needle.encode("utf-8") not in stored
        assert needle.encode("utf-16-le") not in stored

    # A sealed file that is altered no longer opens, and verify says so instead of failing.
    with Workspace.open(encrypted_root) as ws:
        unlock_workspace(ws, PASSPHRASE)
        assert isinstance(ws.blobs, SealingBlobStore)
        sealed = ws.blobs.path(original_sha)
        sealed.chmod(0o644)
        data = bytearray(sealed.read_bytes())
        data[40] ^= 1
        sealed.write_bytes(bytes(data))
        problems = verify_workspace(ws).problems
        assert any("does not open" in p.detail for p in problems), problems


def test_wrong_passphrase_is_refused_audited_and_changes_nothing(encrypted_root: Path) -> None:
    key_file = encrypted_root / "keys" / "data-key.json"
    before = key_file.read_bytes()
    with Workspace.open(encrypted_root) as ws:
        with pytest.raises(WrongPassphrase, match="does not open"):
            unlock_workspace(ws, "a wrong guess")
        assert isinstance(ws.blobs, LocalBlobStore)  # still locked: nothing can be read or sealed
        with ws.sessions() as session:
            events = list(session.scalars(select(AuditEvent).where(AuditEvent.event == "key.rejected")))
        assert len(events) == 1 and events[0].outcome == "denied"
        assert "wrong guess" not in events[0].detail
    assert key_file.read_bytes() == before


def test_a_workspace_without_a_key_is_left_as_it_is(tmp_path: Path) -> None:
    settings = init_workspace(tmp_path / "plain", name="plain")
    with Workspace.open(settings.root) as ws:
        assert not unlock_workspace(ws, "anything")
        assert isinstance(ws.blobs, LocalBlobStore)


def test_identities_and_contacts_never_reach_the_database_file(encrypted_root: Path) -> None:
    from gawah.security.accounts import add_user
    from gawah.security.crypto import CryptoError
    from gawah.store.engine import transaction
    from gawah.store.models import Case, Person, User
    from gawah.store.vocab import Role

    with Workspace.open(encrypted_root) as ws:
        unlock_workspace(ws, PASSPHRASE)
        with transaction(ws.sessions) as session:
            person = Person(name="Gulalai Noorzai", father_name="Abdul Wahid Noorzai", is_pseudonym=False)
            session.add(person)
            session.flush()
            session.add(
                Case(
                    reference="C-0001",
                    person_id=person.id,
                    reporter_name="Shirin Noorzai",
                    reporter_contact="+93 79 000 5678",
                )
            )
            user = add_user(session, "zahra", Role.INVESTIGATOR, "correct horse battery staple")
            user.totp_secret = "JBSWY3DPEHPK3PXPSECRET"
        with ws.sessions() as session:
            case = session.scalars(select(Case)).one()
            assert case.reporter_contact == "+93 79 000 5678"
            assert case.person is not None and case.person.father_name == "Abdul Wahid Noorzai"
            totp = session.scalars(select(User.totp_secret).where(User.username == "zahra")).one()
            assert totp == "JBSWY3DPEHPK3PXPSECRET"

    stored = b"".join(
        p.read_bytes() for p in sorted(encrypted_root.rglob("*")) if p.is_file() and p.parent.name != "keys"
    )
    for needle in ("Gulalai", "Noorzai", "Abdul Wahid", "000 5678", "JBSWY3DPEHPK3PXP"):
        assert needle.encode("utf-8") not in stored, needle
        assert needle.encode("utf-16-le") not in stored, needle

    # Opened without the passphrase, the workspace refuses to show sealed fields.
    with (
        Workspace.open(encrypted_root) as ws,
        ws.sessions() as session,
        pytest.raises(CryptoError, match="passphrase"),
    ):
        session.scalars(select(Case.reporter_contact)).one()


TESTIMONY = """Testimony of Gulalai Noorzai

On 14 March 2024, Taliban intelligence officers detained Gulalai Noorzai, a former police officer,
at her home in Qala-e Sabz district, Kabul province. Her brother Shirin Noorzai said she was
beaten and taken to an unknown place. Three other women were arrested in the same raid.
Zabihullah Mujahid, the Taliban spokesman, denied that any women were detained in Qala-e Sabz.
"""
# Identities, contacts and the testimony's own words: none may lie in the workspace folder in clear.
NEEDLES = (
    "Gulalai",
    "Noorzai",
    "Shirin",
    "Yalda Karimi",
    "000 5678",
    "taken to an unknown place",
    "Testimony of",
)


def _picture_of_text(path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1400, 260), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 56)
    draw.text((40, 40), "Statement of Gulalai Noorzai", fill="black", font=font)
    draw.text((40, 140), "taken to an unknown place", fill="black", font=font)
    exif = Image.Exif()
    exif[0x013B] = "Shirin Noorzai"  # Artist: who took the photograph
    image.save(path, exif=exif)


def _leaks(root: Path, needles: tuple[str, ...]) -> dict[str, list[str]]:
    """Which needles lie in which files of `root` (UTF-8, UTF-16 and case-folded ASCII)."""
    found: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.parent.name == "keys":
            continue
        data = path.read_bytes()
        lowered = data.lower()
        for needle in needles:
            forms = (needle.encode("utf-8"), needle.encode("utf-16-le"), needle.lower().encode("utf-8"))
            if any(form in data or form in lowered for form in forms):
                found.setdefault(needle, []).append(path.relative_to(root).as_posix())
    return found


def _plant_and_work(encrypted_root: Path, tmp_path: Path) -> None:
    """Plant identities in a testimony, a photographed statement (OCR, EXIF) and the registry; run
    ingest, extraction, review, persons, cases, statistics and verify, checking all reads back."""
    import shutil

    from gawah.analysis import snapshot
    from gawah.ingest.pipeline import Provenance
    from gawah.registry.candidates import store_candidates_hook
    from gawah.registry.cases import CaseInput, open_case, set_status
    from gawah.registry.persons import PersonInput, add_person
    from gawah.registry.review import accept
    from gawah.store.engine import transaction
    from gawah.store.models import Act, Claim, Document, Person, Span
    from gawah.store.vocab import Confidentiality

    incoming = tmp_path / "incoming"
    incoming.mkdir()
    testimony = incoming / "gulalai-noorzai-testimony.txt"
    testimony.write_text(TESTIMONY, encoding="utf-8")
    picture = incoming / "shirin-noorzai-photo.png"
    _picture_of_text(picture)
    ocr_available = shutil.which("tesseract") is not None

    with Workspace.open(encrypted_root) as ws:
        assert unlock_workspace(ws, PASSPHRASE)
        ingestor = Ingestor(ws.sessions, ws.blobs, actor="investigator", on_document=store_candidates_hook)
        provenance = Provenance(
            collected_by="field team",
            place="the house of Shirin Noorzai",
            notes="given by Gulalai Noorzai in person; call +93 79 000 5678",
        )
        outcomes = ingestor.ingest([testimony, picture], provenance=provenance)
        assert [o.status for o in outcomes] == ["stored", "stored" if ocr_available else "preserved"]
        with transaction(ws.sessions) as session:
            for document in session.scalars(select(Document)):
                document.confidentiality = Confidentiality.CONFIDENTIAL.value
            act_ids = list(session.scalars(select(Act.id)))
            claim_ids = list(session.scalars(select(Claim.id)))
            assert act_ids and claim_ids
            for act_id in act_ids:
                accept(session, "act", act_id, "analyst")
            for claim_id in claim_ids:
                accept(session, "claim", claim_id, "analyst")
            person = add_person(
                session,
                PersonInput(
                    name="Witness K-7",
                    is_pseudonym=True,
                    notes="real name Yalda Karimi, reachable on +93 79 000 5678",
                    confidentiality=Confidentiality.CONFIDENTIAL.value,
                ),
                "investigator",
            )
            relative = add_person(
                session, PersonInput(name="Gulalai Noorzai", father_name="Abdul Wahid"), "investigator"
            )
            opened = open_case(
                session,
                relative.id,
                CaseInput(
                    last_seen_place="near the house of Shirin Noorzai",
                    circumstances="Gulalai Noorzai was taken to an unknown place by men in uniform.",
                    reporter_name="Shirin Noorzai",
                    reporter_contact="+93 79 000 5678",
                ),
                "investigator",
            )
            set_status(
                session,
                opened.case_id,
                "detained",
                source="Shirin Noorzai, by telephone",
                actor="investigator",
                note="Yalda Karimi saw her in the provincial prison",
            )
            assert person.id
        # Still readable after unlock: the text, the quotes, and offsets that match.
        with ws.sessions() as session:
            texts = {d.title: d.text for d in session.scalars(select(Document))}
            assert TESTIMONY in texts.values()
            if ocr_available:
                assert any("Gulalai" in t for t in texts.values() if t != TESTIMONY)
            for span in session.scalars(select(Span)):
                assert span.document.text[span.start : span.end] == span.quote
            assert (
                session.scalars(select(Person.notes).where(Person.id == person.id)).one().startswith("real")
            )
        con = snapshot.for_workspace(ws.engine, ws.settings.root)
        try:
            assert con.execute("SELECT count(*) FROM incidents").fetchone() == (3,)
        finally:
            con.close()
        assert not snapshot.cache_path(ws.settings.root).exists()
        report = verify_workspace(ws)
        assert report.ok, report.problems


SEARCH_TABLES = ("search_entries", "search_fts")


def _without_search_index(root: Path, copy: Path) -> Path:
    """A copy of the workspace whose full-text index is dropped, its pages zeroed (secure_delete)."""
    import shutil
    import sqlite3

    shutil.copytree(root, copy)
    db = sqlite3.connect(copy / "gawah.sqlite3")
    try:
        db.execute("PRAGMA secure_delete=ON")
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table in SEARCH_TABLES:
            if table in tables:
                db.execute(f"DROP TABLE {table}")
        db.commit()
    finally:
        db.close()
    return copy


def test_confidential_testimony_and_everything_made_from_it_stay_sealed(
    encrypted_root: Path, tmp_path: Path
) -> None:
    _plant_and_work(encrypted_root, tmp_path)
    # The full-text index (registry/search.py) is made safe in its own change and checked below;
    # here every other byte of the folder (database free pages and write-ahead log included).
    leaks = _leaks(_without_search_index(encrypted_root, tmp_path / "copy"), NEEDLES)
    assert leaks == {}, leaks


def test_the_search_index_of_an_encrypted_workspace_holds_no_clear_text(
    encrypted_root: Path, tmp_path: Path
) -> None:
    _plant_and_work(encrypted_root, tmp_path)
    leaks = _leaks(encrypted_root, NEEDLES)
    assert leaks == {}, leaks


@pytest.mark.postgres
def test_an_encrypted_workspace_on_postgresql_holds_no_clear_text(postgres_url: str, tmp_path: Path) -> None:
    """The same on a PostgreSQL server: every row, read raw (as a backup dump reads it)."""
    import io

    from gawah.security.dbdump import dump

    settings = init_workspace(tmp_path / "ws-pg", name="sealed-pg", database_url=postgres_url)
    create_data_key(settings.keys_dir, PASSPHRASE, n=CHEAP_N)
    _plant_and_work(settings.root, tmp_path)
    with Workspace.open(settings.root) as ws:
        out = io.StringIO()
        dump(ws.engine, out)  # no key attached: the values as the server holds them
    rows = out.getvalue()
    assert "gwh1:" in rows
    assert [n for n in NEEDLES if n.lower() in rows.lower()] == []
    assert _leaks(settings.root, NEEDLES) == {}


def test_values_written_in_clear_are_sealed_by_key_seal(tmp_path: Path) -> None:
    """A workspace with records from before its columns were sealed: `reseal` seals them once,
    every value reads back the same, and the ledger still verifies."""
    from gawah.registry.candidates import store_candidates_hook
    from gawah.security.reseal import reseal, seal_evidence, seal_workspace
    from gawah.store.models import Document, Span

    settings = init_workspace(tmp_path / "ws", name="older")
    testimony = tmp_path / "gulalai-noorzai-testimony.txt"
    testimony.write_text(TESTIMONY, encoding="utf-8")
    with Workspace.open(settings.root) as ws:
        Ingestor(ws.sessions, ws.blobs, on_document=store_candidates_hook).ingest([testimony])
        with ws.sessions() as session:
            before = [(s.id, s.quote) for s in session.scalars(select(Span).order_by(Span.id))]
    assert before
    assert _leaks(settings.root, ("Gulalai",))  # in clear, as an older workspace holds it

    create_data_key(settings.keys_dir, PASSPHRASE, n=CHEAP_N)
    with Workspace.open(settings.root) as ws:
        unlock_workspace(ws, PASSPHRASE)
        assert seal_evidence(ws) == 1
        assert seal_evidence(ws) == 0
        done = {(r.table, r.column) for r in reseal(ws.engine)}
        assert {("documents", "text"), ("spans", "quote"), ("evidence_items", "tool_metadata")} <= done
        assert reseal(ws.engine) == []  # nothing left the second time
        with ws.sessions() as session:
            assert [(s.id, s.quote) for s in session.scalars(select(Span).order_by(Span.id))] == before
            assert session.scalars(select(Document.text)).one() == TESTIMONY
        report = verify_workspace(ws)
        assert report.ok, report.problems
    # The search index still holds the words it was given in clear, until `gawah key seal` ends
    # by rebuilding it.
    assert set(_leaks(settings.root, NEEDLES)) <= set(NEEDLES)
    with Workspace.open(settings.root) as ws:
        unlock_workspace(ws, PASSPHRASE)
        sealed = seal_workspace(ws)
        assert sealed.files == 0 and sealed.columns == [] and sealed.indexed >= 1
    assert _leaks(settings.root, NEEDLES) == {}
