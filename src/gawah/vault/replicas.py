"""Independent replicas of the evidence store, and recovery of the primary from them.

A replica holds every original under the same content address as the primary (``ab/cd/<sha256>``),
in a folder (another disk, a mounted drive) or in an S3-compatible bucket. Copying is streamed and
hashed on the way: a copy becomes visible under its name only when its bytes hash to that name, and
nothing already in a replica is ever overwritten (the name is the content, so there is nothing to
update). Recovery works the other way: a primary file that is missing or no longer matches its
hash is refilled from a replica, again checked before it takes the name; a changed primary file is
moved aside into ``.quarantine/``, not deleted, so that it can still be examined. In an encrypted
workspace each copy is sealed under the workspace's data key as it is written (folders only, as for
the primary), and checked by opening it, so no replica ever holds an original in clear.

What custody records (chosen for a court, and kept cheap):

- each copy written to a replica is one ``copied`` custody event (place: the replica; method:
  replica copy, hash checked on write), written once per item and replica, since PRE-1 asks that
  every copy be documented. It is a copy, not a transfer: the original stays in the primary store
  with the same custodian, who made the copy (a replica is a store the workspace configures);
- each replica copy re-hashed by ``--verify`` is one ``verified`` event with the replica as its
  place (kept apart from the primary's fixity checks by its method);
- each primary file restored is one ``copied`` event (place: the primary store; method: restored
  from replica), saying what was wrong, where the good copy came from, and where the displaced file
  is kept. A restore is again a checked bit-exact copy within one custodian's stores, so nothing
  changes hands.

Files already present and intact in a replica add nothing. Events written as ``transferred`` by
earlier versions for the same two operations are left as they are (the ledger hashes the stored
rows); their method (``COPY_METHOD``, ``RESTORE_METHOD``) still tells them apart from real transfers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gawah.config import ReplicaSettings, Settings
from gawah.ledger.journal import Problem
from gawah.store.models import EvidenceItem
from gawah.vault.blobstore import CHUNK, BlobStore, LocalBlobStore, hash_stream
from gawah.vault.fixity import RECORD_BATCH, CustodyNote, check_blob, record_custody_batch, stored_items

if TYPE_CHECKING:
    from gawah.security.vault_cipher import SealingBlobStore
    from gawah.vault.s3 import S3BlobStore

COPY_METHOD = "replica copy, sha256 checked on write"
REPLICA_CHECK_METHOD = "sha256 re-hash of replica copy"
RESTORE_METHOD = "restored from replica, sha256 checked on write"
QUARANTINE = ".quarantine"

Progress = Callable[[int, int], None]


class ReplicaError(OSError):
    """A copy could not be written or did not hash to its name; nothing took that name."""


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


class Replica(Protocol):
    """What replication needs of a store: its hashes, reading a copy, and writing one checked."""

    name: str
    location: str

    def iter_hashes(self) -> Iterator[str]: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def exists(self, sha256: str) -> bool: ...
    def receive(self, sha256: str, source: BinaryIO, size: int) -> bool: ...
    def displace(self, sha256: str) -> str: ...


class FolderReplica:
    """A replica in a folder, laid out as the local store is (so either can stand in for the other)."""

    def __init__(self, name: str, root: Path) -> None:
        self.name = name
        self.store = LocalBlobStore(root)
        self.location = str(root)

    def iter_hashes(self) -> Iterator[str]:
        return self.store.iter_hashes()

    def open(self, sha256: str) -> BinaryIO:
        return self.store.open(sha256)

    def exists(self, sha256: str) -> bool:
        return self.store.exists(sha256)

    def receive(self, sha256: str, source: BinaryIO, size: int) -> bool:
        """Write `source` under `sha256` if it hashes to it; False when a copy is already there."""
        final = self.store.path(sha256)
        if final.is_file():
            return False
        self.store.tmp.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.store.tmp, prefix="replica-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                found = self._write(sha256, source, out)
                out.flush()
                os.fsync(out.fileno())
            if found != sha256:
                raise ReplicaError(f"the bytes read hash to {found}, not {sha256}")
            os.chmod(tmp, 0o444)
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                # A hard link never replaces an existing name: a copy written meanwhile is kept.
                os.link(tmp, final)
            except FileExistsError:
                return False
            except OSError:
                # File systems without hard links (FAT and exFAT drives): check, then rename.
                if final.exists():
                    return False
                os.replace(tmp, final)
            return True
        finally:
            tmp.unlink(missing_ok=True)

    def _write(self, sha256: str, source: BinaryIO, out: BinaryIO) -> str:
        """Write what `source` holds in this replica's stored form; the SHA-256 of what was read."""
        digest = hashlib.sha256()
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
        return digest.hexdigest()

    def displace(self, sha256: str) -> str:
        """Move the file under `sha256` into the quarantine folder; returns where it went."""
        source = self.store.path(sha256)
        target = self.store.root / QUARANTINE / f"{sha256}.{_stamp()}"
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        return str(target)


class SealedFolderReplica(FolderReplica):
    """A folder replica of an encrypted workspace: each copy is sealed under the workspace's data
    key, as the primary's files are, so no replica holds an original in clear."""

    def __init__(self, name: str, root: Path, sealing: SealingBlobStore) -> None:
        from gawah.security.vault_cipher import SealingBlobStore

        self.name = name
        self.location = str(root)
        # The same data key as the primary's store: a replica opens with the same passphrase.
        self.store = SealingBlobStore(root, sealing._key)  # type: ignore[assignment]

    def _write(self, sha256: str, source: BinaryIO, out: BinaryIO) -> str:
        from gawah.security.crypto import seal_stream
        from gawah.security.vault_cipher import _context, _HashingReader

        reader = _HashingReader(source)
        seal_stream(cast(BinaryIO, reader), out, self.store._key, _context(sha256))  # type: ignore[attr-defined]
        return reader.digest.hexdigest()


class BucketReplica:
    """A replica in an S3-compatible bucket, laid out as the S3 store is."""

    def __init__(self, name: str, store: S3BlobStore) -> None:
        self.name = name
        self.store = store
        self.location = f"s3://{store.bucket}/{store.prefix}"

    def iter_hashes(self) -> Iterator[str]:
        return self.store.iter_hashes()

    def open(self, sha256: str) -> BinaryIO:
        return self.store.open(sha256)

    def exists(self, sha256: str) -> bool:
        return self.store.exists(sha256)

    def receive(self, sha256: str, source: BinaryIO, size: int) -> bool:
        from gawah.vault.s3 import MAX_PARTS, _read_full

        if self.store.exists(sha256):
            return False
        # The store's own upload paths hash as they send: one PUT conditional on the name being
        # free, or a multipart upload copied into place only once its hash is known.
        part_size = max(self.store.part_size, math.ceil(size / (MAX_PARTS - 1000)))
        first = _read_full(source, part_size)
        if len(first) < part_size:
            if hashlib.sha256(first).hexdigest() != sha256:
                raise ReplicaError(
                    f"the bytes read hash to {hashlib.sha256(first).hexdigest()}, not {sha256}"
                )
            blob = self.store._put_small(first)
        else:
            blob = self.store._put_multipart(source, first, part_size)
            if blob.sha256 != sha256:
                if blob.created:
                    self.store.delete(blob.sha256)
                raise ReplicaError(f"the bytes read hash to {blob.sha256}, not {sha256}")
        return blob.created

    def displace(self, sha256: str) -> str:
        source_key = self.store.object_key(sha256)
        target_key = f"{self.store.prefix}{QUARANTINE}/{sha256}.{_stamp()}"
        client, bucket = self.store.client, self.store.bucket
        try:
            client.copy_object(
                Bucket=bucket, Key=target_key, CopySource={"Bucket": bucket, "Key": source_key}
            )
            client.delete_object(Bucket=bucket, Key=source_key)
        except Exception as exc:
            raise ReplicaError(f"cannot move s3://{bucket}/{source_key} aside: {exc}") from exc
        return f"s3://{bucket}/{target_key}"


def open_replica(settings: ReplicaSettings, primary: BlobStore | None = None) -> Replica:
    """The replica a ``[[replicas]]`` entry names; sealed when the primary store is."""
    from gawah.security.vault_cipher import SealingBlobStore

    if isinstance(primary, SealingBlobStore):
        if settings.backend != "local" or settings.path is None:
            raise ReplicaError(
                f"replica {settings.name!r}: an encrypted workspace keeps its evidence in folders only"
            )
        return SealedFolderReplica(settings.name, settings.path, primary)
    if settings.backend == "s3":
        from gawah.vault.s3 import S3BlobStore

        options = settings.options
        store = S3BlobStore(
            options["bucket"],
            endpoint_url=options.get("endpoint_url"),
            prefix=options.get("prefix", "evidence/"),
            region_name=options.get("region"),
        )
        return BucketReplica(settings.name, store)
    assert settings.path is not None
    return FolderReplica(settings.name, settings.path)


def primary_as_replica(settings: Settings, blobs: BlobStore) -> Replica:
    """The workspace's own store, seen as a replica, so that it can be refilled the same way."""
    from gawah.security.vault_cipher import SealingBlobStore
    from gawah.vault.s3 import S3BlobStore

    if isinstance(blobs, S3BlobStore):
        return BucketReplica("primary", blobs)
    if isinstance(blobs, SealingBlobStore):
        return SealedFolderReplica("primary", blobs.root, blobs)
    if isinstance(blobs, LocalBlobStore):
        return FolderReplica("primary", blobs.root)
    raise ReplicaError(f"no replica support for a store of type {type(blobs).__name__}")


@dataclass
class ReplicationReport:
    replica: str
    location: str
    items: int = 0
    copied: int = 0
    present: int = 0
    verified: int = 0
    restored: int = 0
    recorded: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Recorder:
    """Collects custody notes and writes them a batch at a time."""

    def __init__(self, sessions: sessionmaker[Session], actor: str, batch_size: int) -> None:
        self.sessions, self.actor, self.batch_size = sessions, actor, batch_size
        self.pending: list[CustodyNote] = []
        self.recorded = 0

    def add(self, note: CustodyNote) -> None:
        self.pending.append(note)
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        self.recorded += record_custody_batch(self.sessions, self.pending, self.actor)
        self.pending = []


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def replicate(
    sessions: sessionmaker[Session],
    primary: BlobStore,
    replica: Replica,
    actor: str,
    *,
    verify: bool = False,
    record: bool = True,
    progress: Progress | None = None,
    batch_size: int = RECORD_BATCH,
) -> ReplicationReport:
    """Copy every original the replica lacks into it; with `verify`, re-hash the copies it has."""
    report = ReplicationReport(replica.name, replica.location)
    recorder = _Recorder(sessions, actor, batch_size)
    # One listing instead of a look-up per item (one request per thousand keys on S3).
    held = set(replica.iter_hashes())
    with sessions() as session:
        total = int(session.scalar(select(func.count()).select_from(EvidenceItem)) or 0)
        for item_id, sha256, size in stored_items(session, batch_size):
            report.items += 1
            label = f"evidence item #{item_id} ({sha256[:12]})"
            if sha256 in held:
                report.present += 1
                if verify:
                    problem = check_blob(replica, sha256)
                    if problem is not None:
                        report.problems.append(Problem(f"{label} in replica {replica.name}", problem))
                    else:
                        report.verified += 1
                        if record:
                            recorder.add(
                                CustodyNote(
                                    item_id,
                                    sha256,
                                    "verified",
                                    REPLICA_CHECK_METHOD,
                                    f"copy in replica {replica.name} ({replica.location}) re-hashed: "
                                    f"sha256 {sha256} as recorded",
                                    _now(),
                                    place=f"replica {replica.name}",
                                )
                            )
            else:
                try:
                    with primary.open(sha256) as source:
                        created = replica.receive(sha256, source, size)
                except FileNotFoundError:
                    report.problems.append(Problem(label, "the primary file is missing; not copied"))
                    continue
                except (ReplicaError, OSError) as exc:
                    # A primary file that no longer matches its hash lands here: it is not copied.
                    report.problems.append(Problem(label, f"not copied to replica {replica.name}: {exc}"))
                    continue
                if not created:
                    report.present += 1  # another run wrote it meanwhile
                else:
                    report.copied += 1
                    if record:
                        recorder.add(
                            CustodyNote(
                                item_id,
                                sha256,
                                "copied",
                                COPY_METHOD,
                                f"copy written to replica {replica.name} ({replica.location}) and "
                                f"checked: sha256 {sha256}; the original stays in the primary store "
                                "with the same custodian",
                                _now(),
                                place=f"replica {replica.name}",
                            )
                        )
            if progress:
                progress(report.items, max(total, report.items))
        recorder.flush()
    report.recorded = recorder.recorded
    return report


def restore_from(
    sessions: sessionmaker[Session],
    primary: Replica,
    replica: Replica,
    actor: str,
    *,
    progress: Progress | None = None,
    batch_size: int = RECORD_BATCH,
) -> ReplicationReport:
    """Re-hash every primary original; refill each missing or changed one from `replica`."""
    report = ReplicationReport(replica.name, replica.location)
    recorder = _Recorder(sessions, actor, batch_size)
    with sessions() as session:
        total = int(session.scalar(select(func.count()).select_from(EvidenceItem)) or 0)
        for item_id, sha256, size in stored_items(session, batch_size):
            report.items += 1
            label = f"evidence item #{item_id} ({sha256[:12]})"
            wrong = check_blob(primary, sha256)
            if wrong is None:
                report.present += 1
            else:
                displaced = ""
                try:
                    if primary.exists(sha256):
                        # A changed file is moved aside only once a good copy is known to exist.
                        with replica.open(sha256) as fh:
                            good, _ = hash_stream(fh)
                        if good != sha256:
                            raise ReplicaError(f"its copy in replica {replica.name} hashes to {good}")
                        displaced = primary.displace(sha256)
                    with replica.open(sha256) as source:
                        primary.receive(sha256, source, size)
                except FileNotFoundError:
                    report.problems.append(Problem(label, f"{wrong}, and replica {replica.name} has no copy"))
                    continue
                except (ReplicaError, OSError) as exc:
                    report.problems.append(Problem(label, f"{wrong}; not restored: {exc}"))
                    continue
                report.restored += 1
                kept = f"; the displaced file is kept at {displaced}" if displaced else ""
                recorder.add(
                    CustodyNote(
                        item_id,
                        sha256,
                        "copied",
                        RESTORE_METHOD,
                        f"primary file: {wrong}; restored from replica {replica.name} "
                        f"({replica.location}), checked: sha256 {sha256}{kept}",
                        _now(),
                        place="primary store",
                    )
                )
            if progress:
                progress(report.items, max(total, report.items))
        recorder.flush()
    report.recorded = recorder.recorded
    return report
