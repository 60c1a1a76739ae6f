"""Blob stores keep each file once under its SHA-256; writes are atomic, reads stream.

A file is hashed while it is copied (one pass, constant memory), written to a temporary name in
the store, flushed to disk, then renamed into place: a crash leaves at most a temporary file that
the next write ignores, never a blob under a name that does not match its content.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 1 << 20
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    key: str
    created: bool  # False when the store already held this content


class BlobStore(Protocol):
    """The interface every storage backend offers (local folder, S3-compatible object store)."""

    def put_file(self, path: Path) -> StoredBlob: ...
    def exists(self, sha256: str) -> bool: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def delete(self, sha256: str) -> None: ...
    def iter_hashes(self) -> Iterator[str]: ...


def hash_stream(stream: BinaryIO) -> tuple[str, int]:
    """SHA-256 (hex) and size of what a binary stream holds, read in chunks (constant memory)."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def hash_file(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file, streamed."""
    with path.open("rb") as fh:
        return hash_stream(fh)


def _check_hash(sha256: str) -> str:
    if not SHA256_RE.match(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return sha256


class LocalBlobStore:
    """Blobs under `root/ab/cd/abcd…` (two levels of fan-out keep folders small)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / ".incoming"

    def key(self, sha256: str) -> str:
        _check_hash(sha256)
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def path(self, sha256: str) -> Path:
        return self.root / self.key(sha256)

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put_file(self, path: Path) -> StoredBlob:
        self.tmp.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="blob-")
        tmp_path = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, path.open("rb") as src:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha256 = digest.hexdigest()
            final = self.path(sha256)
            if final.is_file():
                tmp_path.unlink()
                return StoredBlob(sha256, size, self.key(sha256), created=False)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp_path, 0o444)  # originals are read-only
            os.replace(tmp_path, final)
            _fsync_dir(final.parent)
            return StoredBlob(sha256, size, self.key(sha256), created=True)
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def delete(self, sha256: str) -> None:
        """Only for undoing a write whose record could not be committed."""
        self.path(sha256).unlink(missing_ok=True)

    def iter_hashes(self) -> Iterator[str]:
        for path in sorted(self.root.glob("??/??/*")):
            if path.is_file() and SHA256_RE.match(path.name):
                yield path.name


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
