"""`gawah backup` and `gawah restore`: the whole workspace in one encrypted archive.

The archive holds the settings, a consistent copy of the database (SQLite's online backup API,
so a running server need not stop), every evidence file and the keys folder, with a manifest of
their SHA-256 hashes and the ledger's size and root. It is sealed in 1 MiB chunks with
AES-256-GCM under a key that scrypt derives from the backup passphrase (`crypto.seal_stream`:
chunks cannot be reordered, dropped or cut off unnoticed). Restoring checks every hash before
the folder becomes a workspace.

A workspace on PostgreSQL is backed up the same way, its database as a portable dump
(`gawah.security.dbdump`: one consistent snapshot, every value exactly as stored), and restored
into a new, empty PostgreSQL database (`database_url`) or, without one, into the SQLite file of
the restored folder. Evidence in an object store is not copied: back up the bucket itself.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tarfile
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import tomli_w

from gawah.config import DATABASE_FILE, KEYS_DIR, SETTINGS_FILE, load_settings, sqlite_url
from gawah.ledger.journal import load_log
from gawah.security.crypto import (
    SCRYPT_N,
    CryptoError,
    KdfParameters,
    WrongPassphrase,
    new_kdf_parameters,
    open_chunks,
    seal_stream,
)
from gawah.security.dbdump import DumpError, dump_to_file, load_from_file
from gawah.vault.blobstore import hash_file
from gawah.workspace import Workspace

MAGIC = b"GAWAH-BACKUP-1\n"
CHUNK = 1 << 20  # for hashing files
MANIFEST = "manifest.json"
# The database of a workspace on a server, as a portable dump (in place of the SQLite file).
DATABASE_DUMP = "database.jsonl"


class BackupError(Exception):
    """A backup could not be made or restored; the message says why."""


@dataclass(frozen=True)
class BackupSummary:
    files: int
    bytes: int
    ledger_size: int
    ledger_root: str


def _sha256_file(path: Path) -> str:
    return hash_file(path)[0]


def ledger_state(ws: Workspace) -> tuple[int, str]:
    """The ledger's size and root hash (hex): equal on the original and on its restored copy."""
    with ws.sessions() as session:
        log = load_log(session)
    return log.size, log.root().hex()


def _stage(ws: Workspace, staging: Path) -> BackupSummary:
    settings = ws.settings
    if settings.storage_backend != "local":
        raise BackupError("this workspace's evidence is in an object store: back up the bucket itself")
    root = settings.root
    (staging / SETTINGS_FILE).write_bytes((root / SETTINGS_FILE).read_bytes())
    if settings.is_sqlite:
        database = root / DATABASE_FILE
        source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        target = sqlite3.connect(staging / DATABASE_FILE)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
    else:
        dump_to_file(ws.engine, staging / DATABASE_DUMP)
    for folder in (settings.evidence_dir, settings.keys_dir):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                destination = staging / path.relative_to(root)
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(path.read_bytes())
    files = {
        path.relative_to(staging).as_posix(): _sha256_file(path)
        for path in sorted(staging.rglob("*"))
        if path.is_file()
    }
    size, root_hash = ledger_state(ws)
    manifest = {"files": files, "ledger": {"size": size, "root": root_hash}, "workspace": settings.name}
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    total = sum((staging / name).stat().st_size for name in files)
    return BackupSummary(len(files), total, size, root_hash)


def _open_archive(source: BinaryIO, out: BinaryIO, key: bytes, header: bytes) -> None:
    opened = 0
    try:
        for chunk in open_chunks(source, key, header):
            out.write(chunk)
            opened += 1
    except CryptoError as exc:
        if opened == 0 and "cut short" not in str(exc):
            raise WrongPassphrase(
                "the passphrase does not open this backup (or the archive is damaged)"
            ) from None
        raise BackupError(f"the archive is damaged after {opened} good chunks: {exc}") from None


def _header(params: KdfParameters) -> bytes:
    document = {"kdf": "scrypt", "salt": params.salt.hex(), "n": params.n, "r": params.r, "p": params.p}
    return MAGIC + json.dumps(document, sort_keys=True).encode("ascii") + b"\n"


def backup(ws: Workspace, archive: Path, passphrase: str, *, n: int = SCRYPT_N) -> BackupSummary:
    """Write the encrypted archive of `ws` to `archive` (refuses to overwrite a file)."""
    if not passphrase:
        raise BackupError("a backup needs a passphrase")
    if archive.exists():
        raise BackupError(f"{archive} exists: choose a new name")
    params = new_kdf_parameters(n)
    header = _header(params)
    key = params.derive(passphrase)
    with tempfile.TemporaryDirectory(prefix="gawah-backup-") as tmp:
        staging = Path(tmp) / "workspace"
        staging.mkdir(mode=0o700)
        summary = _stage(ws, staging)
        plain = Path(tmp) / "workspace.tar"
        with tarfile.open(plain, "w") as tar:
            tar.add(staging, arcname=".")
        partial = archive.with_name(archive.name + ".partial")
        with plain.open("rb") as source, partial.open("wb") as out:
            out.write(header)
            seal_stream(source, out, key, header)
        os.replace(partial, archive)
    return summary


def _read_header(fh: BinaryIO) -> tuple[bytes, KdfParameters]:
    magic = fh.read(len(MAGIC))
    if magic != MAGIC:
        raise BackupError("not a Gawah backup archive")
    line = fh.readline(4096)
    try:
        document = json.loads(line)
        params = KdfParameters(bytes.fromhex(document["salt"]), document["n"], document["r"], document["p"])
    except (ValueError, KeyError, TypeError):
        raise BackupError("the archive's header is damaged") from None
    return magic + line, params


def _files_in(folder: Path) -> Iterator[Path]:
    return (p for p in sorted(folder.rglob("*")) if p.is_file())


def _point_settings(target: Path, database_url: str | None) -> None:
    """Make the restored settings name the database the records were loaded into."""
    path = target / SETTINGS_FILE
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    document["database"] = {"url": database_url} if database_url else {"file": DATABASE_FILE}
    path.write_text(tomli_w.dumps(document), encoding="utf-8")


def restore(
    archive: Path, target: Path, passphrase: str, *, database_url: str | None = None
) -> BackupSummary:
    """Unpack `archive` into the new or empty folder `target`, checking every file's hash.

    The records of a workspace that was on PostgreSQL go into the empty database at
    `database_url`, or into `target`'s own SQLite file when none is given; `database_url` is
    refused for a backup of a SQLite workspace (its file is restored as it was).
    """
    target = target.expanduser().resolve()
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: restore into a new folder")
    with tempfile.TemporaryDirectory(prefix="gawah-restore-") as tmp:
        plain = Path(tmp) / "workspace.tar"
        with archive.open("rb") as fh, plain.open("wb") as out:
            header, params = _read_header(fh)
            _open_archive(fh, out, params.derive(passphrase), header)
        unpacked = Path(tmp) / "workspace"
        with tarfile.open(plain) as tar:
            tar.extractall(unpacked, filter="data")
        manifest = json.loads((unpacked / MANIFEST).read_text(encoding="utf-8"))
        files: dict[str, str] = manifest["files"]
        found = {p.relative_to(unpacked).as_posix() for p in _files_in(unpacked)} - {MANIFEST}
        if found != set(files):
            raise BackupError("the archive's files differ from its manifest")
        for name, sha256 in files.items():
            if _sha256_file(unpacked / name) != sha256:
                raise BackupError(f"{name} in the archive does not match its manifest hash")
        dumped = DATABASE_DUMP in files
        if database_url and not dumped:
            raise BackupError("this backup holds a SQLite workspace: restore it without a database URL")
        if dumped:
            url = database_url or sqlite_url(unpacked / DATABASE_FILE)
            try:
                load_from_file(unpacked / DATABASE_DUMP, url)
            except DumpError as exc:
                raise BackupError(f"the records could not be restored: {exc}") from None
            (unpacked / DATABASE_DUMP).unlink()
            _point_settings(unpacked, database_url)
        target.mkdir(parents=True, exist_ok=True)
        for path in _files_in(unpacked):
            if path.name == MANIFEST and path.parent == unpacked:
                continue
            destination = target / path.relative_to(unpacked)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, destination)
        if (target / KEYS_DIR).is_dir():
            os.chmod(target / KEYS_DIR, 0o700)
    load_settings(target)  # the restored folder must read as a workspace
    ledger = manifest["ledger"]
    total = sum((target / name).stat().st_size for name in files if (target / name).is_file())
    return BackupSummary(len(files), total, int(ledger["size"]), str(ledger["root"]))
