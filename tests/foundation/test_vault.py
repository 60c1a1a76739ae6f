from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from gawah.vault import LocalBlobStore, hash_file


def test_stored_once_by_sha256_and_read_only(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "evidence")
    source = tmp_path / "photo-notes.txt"
    source.write_bytes(b"the school was used as a base\n" * 1000)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()

    first = store.put_file(source)
    second = store.put_file(source)
    assert (first.sha256, first.created) == (digest, True)
    assert (second.sha256, second.created) == (digest, False)
    stored = store.path(digest)
    assert stored.read_bytes() == source.read_bytes()
    assert not os.access(stored, os.W_OK) or os.geteuid() == 0
    assert stored.stat().st_mode & 0o222 == 0
    assert list(store.iter_hashes()) == [digest]
    assert list((tmp_path / "evidence" / ".incoming").iterdir()) == []
    assert hash_file(source) == (digest, source.stat().st_size)


def test_a_failed_copy_leaves_no_partial_blob(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalBlobStore(tmp_path / "evidence")
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(3 << 20))

    def full_disk(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        store.put_file(source)
    assert list(store.iter_hashes()) == []
    assert list((tmp_path / "evidence" / ".incoming").iterdir()) == []


def test_keys_must_be_hashes(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        LocalBlobStore(tmp_path).path("../../etc/passwd")
