"""Blob stores behave the same on a local folder and on an S3-compatible object store (moto's
standalone server, started by the test on a free loopback port); S3 writes are never seen half done."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gawah.vault.blobstore import BlobStore, LocalBlobStore

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

from gawah.vault.s3 import MIN_PART_SIZE, S3BlobStore  # noqa: E402

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_client(s3_endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS)


@pytest.fixture
def bucket(s3_client: Any) -> str:
    name = f"gawah-test-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "vault")
    client = request.getfixturevalue("s3_client")
    return S3BlobStore(request.getfixturevalue("bucket"), client=client, part_size=MIN_PART_SIZE)


def _file(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- shared behaviour (both backends)


def test_put_stores_by_sha256_and_reads_back(store: BlobStore, tmp_path: Path) -> None:
    data = b"statement of an invented witness, Kabul, 2021\n" * 100
    blob = store.put_file(_file(tmp_path, "s.txt", data))
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob.size == len(data) and blob.created
    assert blob.key == f"{blob.sha256[:2]}/{blob.sha256[2:4]}/{blob.sha256}"
    assert store.exists(blob.sha256)
    with store.open(blob.sha256) as fh:
        assert fh.read() == data


def test_same_content_is_stored_once(store: BlobStore, tmp_path: Path) -> None:
    first = store.put_file(_file(tmp_path, "a.bin", b"same bytes"))
    second = store.put_file(_file(tmp_path, "b.bin", b"same bytes"))
    assert first.created and not second.created
    assert (first.sha256, first.key) == (second.sha256, second.key)
    assert list(store.iter_hashes()) == [first.sha256]


def test_empty_file(store: BlobStore, tmp_path: Path) -> None:
    blob = store.put_file(_file(tmp_path, "empty", b""))
    assert blob.sha256 == hashlib.sha256(b"").hexdigest() and blob.size == 0
    with store.open(blob.sha256) as fh:
        assert fh.read() == b""


def test_large_file_streams_in_parts(store: BlobStore, tmp_path: Path) -> None:
    data = os.urandom(2 * MIN_PART_SIZE + 12345)
    blob = store.put_file(_file(tmp_path, "big.bin", data))
    assert blob.sha256 == hashlib.sha256(data).hexdigest() and blob.size == len(data) and blob.created
    digest = hashlib.sha256()
    with store.open(blob.sha256) as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    assert digest.hexdigest() == blob.sha256
    assert list(store.iter_hashes()) == [blob.sha256]  # no temporary object is listed
    again = store.put_file(_file(tmp_path, "big-again.bin", data))
    assert not again.created and list(store.iter_hashes()) == [blob.sha256]


def test_exactly_one_part(store: BlobStore, tmp_path: Path) -> None:
    data = os.urandom(MIN_PART_SIZE)
    blob = store.put_file(_file(tmp_path, "one-part.bin", data))
    with store.open(blob.sha256) as fh:
        assert fh.read() == data


def test_iter_hashes_lists_everything_in_order(store: BlobStore, tmp_path: Path) -> None:
    hashes = {store.put_file(_file(tmp_path, f"f{i}", f"item {i}".encode())).sha256 for i in range(25)}
    listed = list(store.iter_hashes())
    assert listed == sorted(hashes)


def test_delete_and_missing(store: BlobStore, tmp_path: Path) -> None:
    blob = store.put_file(_file(tmp_path, "x", b"to be undone"))
    store.delete(blob.sha256)
    assert not store.exists(blob.sha256)
    assert list(store.iter_hashes()) == []
    with pytest.raises(FileNotFoundError):
        store.open(blob.sha256)
    store.delete(blob.sha256)  # deleting what is gone is not an error


def test_not_a_hash_is_refused(store: BlobStore) -> None:
    with pytest.raises(ValueError):
        store.exists("../../etc/passwd")
    with pytest.raises(ValueError):
        store.open("ABC")


def test_stored_copy_is_independent_of_the_source(store: BlobStore, tmp_path: Path) -> None:
    source = _file(tmp_path, "orig.bin", b"original bytes")
    blob = store.put_file(source)
    source.write_bytes(b"edited afterwards")
    with store.open(blob.sha256) as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == blob.sha256


# ---------------------------------------------------------------- S3 specifics


def test_object_layout_and_metadata(s3_client: Any, bucket: str, tmp_path: Path) -> None:
    store = S3BlobStore(bucket, client=s3_client, prefix="cases/kabul")
    blob = store.put_file(_file(tmp_path, "a", b"abc"))
    head = s3_client.head_object(Bucket=bucket, Key=f"cases/kabul/{blob.key}")
    assert head["ContentLength"] == 3
    assert head["Metadata"]["sha256"] == blob.sha256
    # An object outside the layout (a stray upload) is not taken for evidence.
    s3_client.put_object(Bucket=bucket, Key=f"cases/kabul/{blob.sha256}", Body=b"abc")
    s3_client.put_object(Bucket=bucket, Key="elsewhere/" + blob.key, Body=b"abc")
    assert list(store.iter_hashes()) == [blob.sha256]


def test_store_built_from_endpoint_url(
    s3_endpoint: str, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    store = S3BlobStore(bucket, endpoint_url=s3_endpoint, region_name="us-east-1")
    blob = store.put_file(_file(tmp_path, "a", b"through the endpoint"))
    assert store.exists(blob.sha256)


def test_iter_hashes_pages_through_long_listings(s3_client: Any, bucket: str, tmp_path: Path) -> None:
    store = S3BlobStore(bucket, client=s3_client)
    for i in range(1005):  # list_objects_v2 returns at most 1000 keys a page
        s3_client.put_object(
            Bucket=bucket, Key=store.object_key(hashlib.sha256(b"%d" % i).hexdigest()), Body=b""
        )
    assert len(set(store.iter_hashes())) == 1005


class _Watching:
    """A client that runs a check before each part is sent, and can fail at a given part."""

    def __init__(self, client: Any, check: Any, fail_at_part: int | None = None) -> None:
        self._client = client
        self._check = check
        self._fail_at = fail_at_part
        self.parts = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def upload_part(self, **kwargs: Any) -> Any:
        self.parts += 1
        self._check()
        if self.parts == self._fail_at:
            raise ConnectionError("network lost in the middle of the upload")
        return self._client.upload_part(**kwargs)


def test_no_reader_sees_a_partial_object(s3_client: Any, bucket: str, tmp_path: Path) -> None:
    data = os.urandom(3 * MIN_PART_SIZE + 1)
    sha256 = hashlib.sha256(data).hexdigest()
    observer = S3BlobStore(bucket, client=s3_client)

    def final_absent() -> None:
        assert not observer.exists(sha256)
        assert list(observer.iter_hashes()) == []

    watching = _Watching(s3_client, final_absent)
    store = S3BlobStore(bucket, client=watching, part_size=MIN_PART_SIZE)
    blob = store.put_file(_file(tmp_path, "v.bin", data))
    assert watching.parts == 4 and blob.created and observer.exists(sha256)
    leftovers = s3_client.list_objects_v2(Bucket=bucket, Prefix="evidence/.incoming/")
    assert leftovers.get("KeyCount", 0) == 0


def test_failed_upload_leaves_nothing(s3_client: Any, bucket: str, tmp_path: Path) -> None:
    data = os.urandom(3 * MIN_PART_SIZE)
    watching = _Watching(s3_client, lambda: None, fail_at_part=2)
    store = S3BlobStore(bucket, client=watching, part_size=MIN_PART_SIZE)
    with pytest.raises(OSError, match="network lost"):
        store.put_file(_file(tmp_path, "v.bin", data))
    assert not store.exists(hashlib.sha256(data).hexdigest())
    assert s3_client.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    assert s3_client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_killed_uploader_leaves_no_evidence_object(
    s3_endpoint: str, s3_client: Any, bucket: str, tmp_path: Path
) -> None:
    """SIGKILL in the middle of a multipart upload: no object under an evidence key, and
    clean_incoming() removes the unfinished upload."""
    data_path = _file(tmp_path, "long.bin", os.urandom(6 * MIN_PART_SIZE))
    script = textwrap.dedent(
        f"""
        import time, boto3
        from pathlib import Path
        from gawah.vault.s3 import S3BlobStore, MIN_PART_SIZE
        client = boto3.client("s3", endpoint_url={s3_endpoint!r}, aws_access_key_id="testing",
                              aws_secret_access_key="testing", region_name="us-east-1")
        original = client.upload_part
        def slow_part(**kwargs):
            result = original(**kwargs)
            print("part", kwargs["PartNumber"], flush=True)
            time.sleep(30)
            return result
        client.upload_part = slow_part
        S3BlobStore({bucket!r}, client=client, part_size=MIN_PART_SIZE).put_file(Path({str(data_path)!r}))
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("part 1")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    store = S3BlobStore(bucket, client=s3_client)
    assert list(store.iter_hashes()) == []
    assert not store.exists(hashlib.sha256(data_path.read_bytes()).hexdigest())
    assert len(s3_client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])) == 1
    assert store.clean_incoming() == 1
    assert s3_client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_part_size_below_the_s3_minimum_is_refused(s3_client: Any, bucket: str) -> None:
    with pytest.raises(ValueError):
        S3BlobStore(bucket, client=s3_client, part_size=1 << 20)


def test_changed_object_is_read_as_changed(s3_client: Any, bucket: str, tmp_path: Path) -> None:
    """A byte changed in the bucket reaches the reader as is, so `gawah verify` can see it."""
    store = S3BlobStore(bucket, client=s3_client)
    blob = store.put_file(_file(tmp_path, "a", b"true account"))
    s3_client.put_object(Bucket=bucket, Key=store.object_key(blob.sha256), Body=b"false account")
    with store.open(blob.sha256) as fh:
        assert hashlib.sha256(fh.read()).hexdigest() != blob.sha256
