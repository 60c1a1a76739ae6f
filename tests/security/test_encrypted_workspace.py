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
