"""Replicas: every original copied to a folder and to an S3-compatible bucket (moto's server on
loopback), hash-checked, never overwritten, each copy in custody; and tested recovery: primary files
deleted and changed are restored from a replica and `gawah verify` passes again."""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from gawah.cli import app
from gawah.config import WorkspaceError, load_settings
from gawah.ingest.pipeline import Ingestor
from gawah.store.models import CustodyEvent, EvidenceItem
from gawah.vault.replicas import (
    COPY_METHOD,
    REPLICA_CHECK_METHOD,
    RESTORE_METHOD,
    FolderReplica,
    ReplicaError,
    primary_as_replica,
    replicate,
    restore_from,
)
from gawah.verification import verify_workspace
from gawah.workspace import Workspace

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


@pytest.fixture
def filled(workspace: Workspace, fixtures_dir: Path) -> Workspace:
    Ingestor(workspace.sessions, workspace.blobs, actor="field-team").ingest([fixtures_dir / "reports"])
    workspace.sign_checkpoint()
    return workspace


def _hashes(ws: Workspace) -> list[str]:
    with ws.sessions() as s:
        return list(s.scalars(select(EvidenceItem.sha256).order_by(EvidenceItem.id)))


def _events(ws: Workspace, method: str) -> list[CustodyEvent]:
    with ws.sessions() as s:
        return list(s.scalars(select(CustodyEvent).where(CustodyEvent.method == method)))


def _add_replicas(ws: Workspace, text: str) -> Workspace:
    toml = ws.settings.root / "gawah.toml"
    toml.write_text(toml.read_text() + text)
    return ws


def test_settings_list_replicas(tmp_path: Path, workspace: Workspace) -> None:
    _add_replicas(
        workspace,
        '\n[[replicas]]\nname = "usb"\npath = "../usb"\n\n'
        '[[replicas]]\nname = "offsite"\nbucket = "b"\nendpoint_url = "http://127.0.0.1:9"\n',
    )
    settings = load_settings(workspace.settings.root)
    usb, offsite = settings.replicas
    assert (usb.backend, usb.path) == ("local", workspace.settings.root / "../usb")
    assert offsite.backend == "s3" and offsite.options["bucket"] == "b"
    assert "replicas" not in settings.extra
    _add_replicas(workspace, '\n[[replicas]]\nname = "usb"\npath = "/elsewhere"\n')
    with pytest.raises(WorkspaceError, match="same name"):
        load_settings(workspace.settings.root)


def test_copy_is_checked_recorded_and_never_overwrites(filled: Workspace, tmp_path: Path) -> None:
    replica = FolderReplica("usb", tmp_path / "usb")
    report = replicate(filled.sessions, filled.blobs, replica, "Farid (invented)")
    assert report.ok and report.copied == 4 and report.recorded == 4
    assert sorted(replica.iter_hashes()) == sorted(_hashes(filled))
    copies = _events(filled, COPY_METHOD)
    # A copy, not a transfer: the custodian is the same.
    assert {e.event for e in copies} == {"copied"} and {e.place for e in copies} == {"replica usb"}

    again = replicate(filled.sessions, filled.blobs, replica, "Farid (invented)", verify=True)
    assert again.ok and (again.copied, again.present, again.verified) == (0, 4, 4)
    assert len(_events(filled, REPLICA_CHECK_METHOD)) == 4

    # A copy never replaces what is there, and bytes that do not match the name never take it.
    sha = _hashes(filled)[0]
    assert replica.receive(sha, io.BytesIO(b"other bytes"), 11) is False
    fresh = "0" * 64
    with pytest.raises(ReplicaError):
        replica.receive(fresh, io.BytesIO(b"other bytes"), 11)
    assert not replica.exists(fresh)

    # A changed copy in the replica is found by --verify and gets no event.
    path = replica.store.path(sha)
    os.chmod(path, 0o644)
    path.write_bytes(b"changed")
    bad = replicate(filled.sessions, filled.blobs, replica, "auditor", verify=True)
    assert not bad.ok and "the stored file changed" in str(bad.problems[0]) and bad.verified == 3
    filled.sign_checkpoint()
    assert verify_workspace(filled).ok


def test_replica_copies_recorded_as_transferred_earlier_are_kept_as_they_are(
    filled: Workspace, tmp_path: Path
) -> None:
    # Before `copied` existed, a replica copy was written as `transferred`; such a row is part of
    # the signed ledger, so it is read as stored and later copies sit beside it.
    from gawah.ledger.journal import record_custody
    from gawah.store.engine import transaction

    with transaction(filled.sessions) as session:
        item = session.scalars(select(EvidenceItem).order_by(EvidenceItem.id)).first()
        assert item is not None
        old = record_custody(
            session, item, "transferred", "Farid (invented)", place="replica old-usb", method=COPY_METHOD
        )
        old_id = old.id
    filled.sign_checkpoint()
    assert replicate(
        filled.sessions, filled.blobs, FolderReplica("usb", tmp_path / "usb"), "Farid (invented)"
    ).ok
    filled.sign_checkpoint()
    copies = _events(filled, COPY_METHOD)
    assert {(e.id == old_id, e.event) for e in copies} == {(True, "transferred"), (False, "copied")}
    assert verify_workspace(filled).ok


def test_recovery_of_deleted_and_changed_files_from_a_folder(filled: Workspace, tmp_path: Path) -> None:
    replica = FolderReplica("usb", tmp_path / "usb")
    assert replicate(filled.sessions, filled.blobs, replica, "Farid (invented)").ok
    gone, changed, *_ = _hashes(filled)
    filled.blobs.path(gone).unlink()
    path = filled.blobs.path(changed)
    os.chmod(path, 0o644)
    path.write_bytes(b"overwritten by accident")
    assert not verify_workspace(filled).ok

    primary = primary_as_replica(filled.settings, filled.blobs)
    report = restore_from(filled.sessions, primary, replica, "Farid (invented)")
    assert report.ok and report.restored == 2 and report.present == 2
    quarantined = list((filled.settings.evidence_dir / ".quarantine").iterdir())
    assert [p.read_bytes() for p in quarantined] == [b"overwritten by accident"]
    restores = _events(filled, RESTORE_METHOD)
    assert len(restores) == 2 and all("restored from replica usb" in e.notes for e in restores)
    assert {(e.event, e.place) for e in restores} == {("copied", "primary store")}
    filled.sign_checkpoint()
    final = verify_workspace(filled)
    assert final.ok, final.problems


def test_a_corrupt_replica_copy_is_not_restored(filled: Workspace, tmp_path: Path) -> None:
    replica = FolderReplica("usb", tmp_path / "usb")
    replicate(filled.sessions, filled.blobs, replica, "a")
    sha = _hashes(filled)[0]
    for path in (filled.blobs.path(sha), replica.store.path(sha)):
        os.chmod(path, 0o644)
        path.write_bytes(b"both changed")
    report = restore_from(filled.sessions, primary_as_replica(filled.settings, filled.blobs), replica, "a")
    assert not report.ok and report.restored == 0
    assert filled.blobs.path(sha).read_bytes() == b"both changed"  # left in place: nothing better


# ---------------------------------------------------------------- S3 replica, and the command


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    moto_server = pytest.importorskip("moto.server")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _bucket(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    boto3 = pytest.importorskip("boto3")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS)
    name = f"gawah-replica-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=name)
    return client, name


def test_command_replicates_to_a_folder_and_a_bucket_and_restores(
    filled: Workspace, tmp_path: Path, endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, bucket = _bucket(endpoint, monkeypatch)
    _add_replicas(
        filled,
        f'\n[[replicas]]\nname = "usb"\npath = "{tmp_path / "usb"}"\n\n'
        f'[[replicas]]\nname = "offsite"\nbucket = "{bucket}"\nendpoint_url = "{endpoint}"\nprefix = "copy/"\n',
    )
    runner = CliRunner()
    root = str(filled.settings.root)
    result = runner.invoke(app, ["replicate", "-w", root, "-f", "json"])
    assert result.exit_code == 0, result.output
    reports = {r["name"]: r for r in json.loads(result.stdout)["replicas"]}
    assert reports["usb"]["copied"] == reports["offsite"]["copied"] == 4
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix="copy/")["Contents"]]
    assert sorted(k.rsplit("/", 1)[1] for k in keys) == sorted(_hashes(filled))

    result = runner.invoke(app, ["replicate", "-w", root, "--verify", "--replica", "offsite", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["replicas"][0]["verified"] == 4

    # Corrupt one copy in the bucket: --verify fails and names it.
    sha = _hashes(filled)[1]
    client.put_object(Bucket=bucket, Key=f"copy/{sha[:2]}/{sha[2:4]}/{sha}", Body=b"tampered")
    result = runner.invoke(app, ["replicate", "-w", root, "--verify", "--replica", "offsite"])
    assert result.exit_code == 1 and "the stored file changed" in result.stdout
    client.delete_object(Bucket=bucket, Key=f"copy/{sha[:2]}/{sha[2:4]}/{sha}")
    assert runner.invoke(app, ["replicate", "-w", root, "--replica", "offsite"]).exit_code == 0

    # Lose two primary files; restore them from the bucket; verify passes.
    for lost in _hashes(filled)[:2]:
        filled.blobs.path(lost).unlink()
    assert runner.invoke(app, ["verify", "-w", root]).exit_code == 1
    result = runner.invoke(app, ["replicate", "-w", root, "--restore-from", "offsite", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["replicas"][0]["restored"] == 2
    assert runner.invoke(app, ["verify", "-w", root]).exit_code == 0

    assert runner.invoke(app, ["replicate", "-w", root, "--restore-from", "nowhere"]).exit_code == 2


def test_bucket_copy_of_a_large_file_goes_by_parts_and_is_checked(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gawah.vault.replicas import BucketReplica
    from gawah.vault.s3 import MIN_PART_SIZE, S3BlobStore

    client, bucket = _bucket(endpoint, monkeypatch)
    replica = BucketReplica("offsite", S3BlobStore(bucket, client=client, part_size=MIN_PART_SIZE))
    data = os.urandom(MIN_PART_SIZE + 1234)
    sha = hashlib.sha256(data).hexdigest()
    with pytest.raises(ReplicaError):
        replica.receive("f" * 64, io.BytesIO(data), len(data))
    assert list(replica.iter_hashes()) == []  # the mismatching upload was removed again
    assert replica.receive(sha, io.BytesIO(data), len(data)) is True
    assert replica.receive(sha, io.BytesIO(data), len(data)) is False
    with replica.open(sha) as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == sha


def test_an_encrypted_workspace_gets_sealed_replicas_and_restores_from_them(tmp_path: Path) -> None:
    from gawah.config import ReplicaSettings
    from gawah.security.crypto import create_data_key
    from gawah.security.vault_cipher import unlock_workspace
    from gawah.vault.replicas import open_replica
    from gawah.workspace import init_workspace

    settings = init_workspace(tmp_path / "ws", name="sealed")
    create_data_key(settings.keys_dir, "an invented passphrase", n=2**10)
    statement = tmp_path / "statement.txt"
    statement.write_text("Invented witness Zarmina of Pul-e Khumri saw the arrest.\n", encoding="utf-8")
    with Workspace.open(settings.root) as ws:
        assert unlock_workspace(ws, "an invented passphrase")
        Ingestor(ws.sessions, ws.blobs).ingest([statement])
        ws.sign_checkpoint()
        replica = open_replica(ReplicaSettings("usb", "local", tmp_path / "usb"), ws.blobs)
        assert replicate(ws.sessions, ws.blobs, replica, "a", verify=True).copied == 1
        copied = b"".join(p.read_bytes() for p in (tmp_path / "usb").rglob("*.sealed"))
        assert copied and b"Zarmina" not in copied  # never in clear outside the workspace
        assert replicate(ws.sessions, ws.blobs, replica, "a", verify=True).verified == 1
        with pytest.raises(ReplicaError, match="folders only"):
            open_replica(ReplicaSettings("cloud", "s3", None, {"bucket": "b"}), ws.blobs)

        (sha,) = _hashes(ws)
        ws.blobs.path(sha).unlink()  # type: ignore[attr-defined]
        assert not verify_workspace(ws).ok
        report = restore_from(ws.sessions, primary_as_replica(ws.settings, ws.blobs), replica, "a")
        assert report.restored == 1
        ws.sign_checkpoint()
        assert verify_workspace(ws).ok
