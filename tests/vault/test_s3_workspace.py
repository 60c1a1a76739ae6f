"""A whole workspace whose evidence lives in an S3-compatible store (moto's server on loopback)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import server as moto_server

from gawah.config import WorkspaceError, load_settings
from gawah.ingest.pipeline import Ingestor
from gawah.vault.s3 import S3BlobStore
from gawah.verification import verify_workspace
from gawah.workspace import Workspace, init_workspace

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def test_ingest_and_verify_with_evidence_in_s3(
    tmp_path: Path, endpoint: str, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key.upper() if key != "region_name" else "AWS_DEFAULT_REGION", value)
    bucket = f"gawah-{uuid.uuid4().hex[:10]}"
    client = boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS)
    client.create_bucket(Bucket=bucket)
    settings = init_workspace(tmp_path / "ws")
    toml = settings.root / "gawah.toml"
    text = toml.read_text().replace('backend = "local"', f'backend = "s3"\nbucket = "{bucket}"\nendpoint_url = "{endpoint}"')
    toml.write_text(text)

    with Workspace.open(settings.root) as ws:
        assert isinstance(ws.blobs, S3BlobStore)
        outcomes = Ingestor(ws.sessions, ws.blobs).ingest([fixtures_dir / "reports"])
        assert {o.status for o in outcomes} == {"stored"}
        ws.sign_checkpoint()
        assert verify_workspace(ws).ok
        assert not any((settings.root / "evidence").rglob("*.txt"))  # nothing went to the local folder

        some = next(iter(ws.blobs.iter_hashes()))
        client.put_object(Bucket=bucket, Key=f"evidence/{some[:2]}/{some[2:4]}/{some}", Body=b"tampered")
        problems = "\n".join(map(str, verify_workspace(ws).problems))
        assert "the stored file changed" in problems


def test_s3_backend_needs_a_bucket(tmp_path: Path) -> None:
    settings = init_workspace(tmp_path / "ws")
    toml = settings.root / "gawah.toml"
    toml.write_text(toml.read_text().replace('backend = "local"', 'backend = "s3"'))
    with pytest.raises(WorkspaceError, match=r"needs storage\.bucket"):
        load_settings(settings.root)
