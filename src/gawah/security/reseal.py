"""Seal what an encrypted workspace still holds in clear (`gawah key seal`).

Values written before a column became sealed (by an older Gawah, before migration 0009 sealed
document texts, quotes, file names and registry snapshots, or before the workspace had a key) stay
readable as they are, and stay in clear on disk until rewritten. `reseal` rewrites each such value
once, through its column type, so it is sealed; the value itself does not change, so the ledger's
hashes still match. With SQLite the unlocked engine uses secure_delete, so the clear copies are
zeroed, not left in free pages.

The full-text index is then rebuilt (`gawah.registry.search.reindex`), so that it holds blind
tokens instead of the words it was given in clear. `seal_evidence` does the same as `reseal` for
evidence files stored in clear: each is sealed under its hash
(checked on the way) and the clear file removed. The file system may keep the removed blocks until
they are reused: on a disk that is not itself encrypted, old copies can remain recoverable.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Table, Text, and_, bindparam, cast, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement

from gawah.security.crypto import CryptoError
from gawah.security.encrypted import PREFIX, EncryptedJSON, EncryptedText, engine_key
from gawah.security.vault_cipher import SealingBlobStore
from gawah.store.models import Base, EvidenceItem
from gawah.vault.blobstore import LocalBlobStore
from gawah.workspace import Workspace

_BATCH = 500


@dataclass(frozen=True)
class Resealed:
    table: str
    column: str
    values: int


def sealed_columns() -> list[tuple[Table, Column[object]]]:
    """Every column of the model whose values are sealed in an encrypted workspace."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText | EncryptedJSON):
                found.append((table, column))
    return found


def _in_clear(column: Column[object]) -> ColumnElement[bool]:
    # Read as stored: a sealed JSON value is a JSON string, so its text starts with a quote; JSON's
    # null says nothing and is left as it is.
    stored = cast(column, Text)
    return and_(
        column.isnot(None),
        stored.notlike(f"{PREFIX}%"),
        stored.notlike(f'"{PREFIX}%'),
        stored != "null",
    )


def reseal(engine: Engine) -> list[Resealed]:
    """Seal every value still in clear in the sealed columns of `engine`'s database."""
    if engine_key(engine.dialect) is None:
        raise CryptoError("unlock the workspace first: sealing needs its data key")
    done = []
    for table, column in sealed_columns():
        (key,) = table.primary_key.columns
        count = 0
        last: object = None
        with engine.begin() as conn:
            while True:
                # Read with the column's own type: a clear value comes back as it is. Keys only go
                # up, so each row is visited once whatever happens to it.
                query = select(key, column).where(_in_clear(column))
                if last is not None:
                    query = query.where(key > last)
                rows = conn.execute(query.order_by(key).limit(_BATCH)).all()
                if not rows:
                    break
                last = rows[-1][0]
                conn.execute(
                    table.update()
                    .where(key == bindparam("key_"))
                    .values({column.name: bindparam("value_", type_=column.type)}),
                    [{"key_": k, "value_": v} for k, v in rows],
                )
                count += len(rows)
        if count:
            done.append(Resealed(table.name, column.name, count))
    return done


def seal_evidence(ws: Workspace) -> int:
    """Seal every evidence file of an unlocked workspace still stored in clear; returns how many."""
    sealing = ws.blobs
    if not isinstance(sealing, SealingBlobStore):
        raise CryptoError("unlock the workspace first: sealing needs its data key")
    plain = LocalBlobStore(sealing.root)
    sealed = 0
    for sha256 in list(plain.iter_hashes()):
        if not sealing.exists(sha256):
            stored = sealing.put_file(plain.path(sha256))
            if stored.sha256 != sha256:
                sealing.delete(stored.sha256)
                raise CryptoError(f"evidence file {sha256} no longer matches its hash: left as it is")
        with ws.engine.begin() as conn:
            conn.execute(
                update(EvidenceItem)
                .where(EvidenceItem.sha256 == sha256)
                .values(storage_key=sealing.key(sha256))
            )
        plain.path(sha256).unlink()
        sealed += 1
    return sealed


@dataclass(frozen=True)
class SealReport:
    files: int
    columns: list[Resealed]
    indexed: int


def seal_workspace(ws: Workspace) -> SealReport:
    """Everything `gawah key seal` does: evidence files, sealed columns, and the search index."""
    from gawah.registry.search import reindex
    from gawah.store.engine import transaction

    files = seal_evidence(ws)
    columns = reseal(ws.engine)
    with transaction(ws.sessions) as session:
        indexed = reindex(session)
        if ws.engine.dialect.name == "sqlite":
            # FTS5 only marks deleted words: merging its segments drops them (pages zeroed, as
            # secure_delete is on), so the words given in clear do not outlive the rebuild.
            session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))
    return SealReport(files, columns, indexed)
