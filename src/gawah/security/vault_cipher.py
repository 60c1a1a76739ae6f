"""Evidence files sealed at rest, and unlocking an encrypted workspace.

In an encrypted workspace every evidence file is stored sealed (`crypto.seal_stream`) beside the
plain store's layout, as `ab/cd/<sha256>.sealed`, where `<sha256>` stays the hash of the original
file: custody, the ledger and court bundles name the same hash as before. Reading decrypts chunk
by chunk, so `gawah verify` re-hashes the original without writing it to disk. Each sealed file
is bound to its hash, so a sealed file renamed to another item's hash does not open.

`unlock_workspace` asks the passphrase once, attaches the data key to the database engine (for
the confidential columns) and puts this store in front of the evidence folder. A wrong passphrase
is refused, changes nothing, and is written to the audit trail.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

from sqlalchemy import event

from gawah.security.audit import AuditKind, record
from gawah.security.crypto import (
    PASSPHRASE_ENV,
    CryptoError,
    OpenedStream,
    WrongPassphrase,
    is_encrypted,
    load_data_key,
    seal_stream,
)
from gawah.security.encrypted import attach_key
from gawah.security.policy import Principal
from gawah.store.engine import transaction
from gawah.vault.blobstore import SHA256_RE, StoredBlob, hash_file
from gawah.workspace import Workspace

SUFFIX = ".sealed"


def _context(sha256: str) -> bytes:
    return f"gawah:evidence:{sha256}".encode("ascii")


class _HashingReader:
    """Reads a file while hashing it, so the file is read once to seal and to name it."""

    def __init__(self, source: BinaryIO) -> None:
        self.source = source
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        return data


class SealingBlobStore:
    """A local blob store whose files are sealed under the workspace data key."""

    def __init__(self, root: Path, key: bytes) -> None:
        self.root = root
        self.tmp = root / ".incoming"
        self._key = key

    def key(self, sha256: str) -> str:
        if not SHA256_RE.match(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}{SUFFIX}"

    def path(self, sha256: str) -> Path:
        return self.root / self.key(sha256)

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put_file(self, path: Path) -> StoredBlob:
        # The hash names the sealed file and is bound into its seal, so it is computed first; the
        # file is then read again to seal it (never held in memory whole), and hashed again on
        # the way, in case it changed in between.
        sha256, size = hash_file(path)
        final = self.path(sha256)
        if final.is_file():
            return StoredBlob(sha256, size, self.key(sha256), created=False)
        self.tmp.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="sealed-")
        tmp_path = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, path.open("rb") as src:
                reader = _HashingReader(src)
                seal_stream(cast(BinaryIO, reader), out, self._key, _context(sha256))
                out.flush()
                os.fsync(out.fileno())
            if reader.digest.hexdigest() != sha256:
                raise CryptoError(f"{path} changed while it was being stored")
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp_path, 0o444)
            os.replace(tmp_path, final)
            return StoredBlob(sha256, size, self.key(sha256), created=True)
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise

    def open(self, sha256: str) -> BinaryIO:
        source = self.path(sha256).open("rb")
        return cast(BinaryIO, OpenedStream(source, self._key, _context(sha256)))

    def delete(self, sha256: str) -> None:
        """Only for undoing a write whose record could not be committed."""
        self.path(sha256).unlink(missing_ok=True)

    def iter_hashes(self) -> Iterator[str]:
        for path in sorted(self.root.glob(f"??/??/*{SUFFIX}")):
            name = path.name.removesuffix(SUFFIX)
            if path.is_file() and SHA256_RE.match(name):
                yield name


def read_passphrase_from_env() -> str | None:
    return os.environ.get(PASSPHRASE_ENV) or None


def unlock_workspace(ws: Workspace, passphrase: str, *, actor: Principal | None = None) -> bool:
    """Unlock an encrypted workspace in place; False when it is not encrypted (nothing to do).

    Raises WrongPassphrase (after auditing the attempt) when the passphrase does not open the key.
    """
    keys_dir = ws.settings.keys_dir
    if not is_encrypted(keys_dir):
        return False
    if ws.settings.storage_backend != "local":
        raise CryptoError("encrypted evidence is kept in the workspace folder only, not in an object store")
    try:
        data_key = load_data_key(keys_dir, passphrase)
    except WrongPassphrase:
        who = actor or Principal("anonymous", None, channel="cli")
        with transaction(ws.sessions) as session:
            record(session, AuditKind.KEY_REJECTED, "denied", who, detail="wrong passphrase for the data key")
        raise
    attach_key(ws.engine, data_key)
    if ws.engine.dialect.name == "sqlite":
        # Deleted and overwritten rows (a search entry rewritten, a redacted note) would otherwise
        # stay readable in the file's free pages; SQLite zeroes them with secure_delete.
        event.listen(ws.engine, "connect", _secure_delete)
        ws.engine.dispose()
    ws.blobs = SealingBlobStore(ws.settings.evidence_dir, data_key)
    return True


def _secure_delete(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
