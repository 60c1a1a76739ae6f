"""A columnar snapshot of the registry in DuckDB, the one place statistics and timelines read from.

Only confirmed incidents and their accepted acts are copied (see `_counted`), and only what counting
needs: ids, dates, codes, counts and confidentiality levels; no names, titles or free text. Rows are
pulled through SQLAlchemy's engine (so SQLite and PostgreSQL behave alike, and no DuckDB extension is
downloaded) into Arrow columns and handed to an in-process DuckDB.

Pulling a million incidents takes seconds, so the snapshot is kept in a DuckDB file in the workspace
(`cache/analysis.duckdb`) with a fingerprint of the tables it was made from; it is rebuilt only when
the fingerprint changes (see `fingerprint`); `--no-cache` on the commands reads the registry afresh.
A change is applied incrementally when it can be (only the incidents touched since the snapshot are
read again, see `gawah.analysis.refresh`), and by a full rebuild otherwise.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

import duckdb
from sqlalchemy import Engine, text

from gawah.config import KEYS_DIR
from gawah.security.crypto import is_encrypted
from gawah.store.vocab import Confidentiality

READERSHIPS = tuple(c.value for c in Confidentiality)
CACHE_DIR = "cache"
CACHE_FILE = "analysis.duckdb"
# The layout of the snapshot; a change makes every older cache file stale.
SNAPSHOT_LAYOUT = 4

# Plain SQL over the tables of gawah.store.models, so that checking the snapshot needs no ORM.
_FINGERPRINT_SQL = text(
    "SELECT (SELECT max(id) FROM incidents), (SELECT max(id) FROM acts), "
    "(SELECT max(id) FROM places), (SELECT max(id) FROM registry_changes)"
)

def fingerprint(engine: Engine) -> str:
    """What the snapshot was made from: the highest ids of the counted tables, and the latest registry
    change.

    Read from the primary-key indexes only, so it costs about a millisecond on a million rows (a
    count would scan). New rows raise the ids; edits of existing rows (review decisions, merges,
    corrections, places) are recorded as registry changes. The registry never deletes an incident
    (it rejects or retracts it); after rows are deleted by hand, run `gawah stats --refresh` once.
    """
    with engine.connect() as conn:
        row = conn.execute(_FINGERPRINT_SQL).one()
    return json.dumps([SNAPSHOT_LAYOUT, *row], default=str)


def load(con: duckdb.DuckDBPyConnection, engine: Engine, only: Sequence[int] | None = None) -> None:
    """Copy the registry's counting columns from `engine` into tables of `con` (for the incidents
    among `only`, when given)."""
    from gawah.analysis.loader import load_registry

    load_registry(con, engine, only)


def in_memory(engine: Engine) -> duckdb.DuckDBPyConnection:
    """A fresh snapshot in memory (no file written)."""
    con = duckdb.connect(":memory:")
    load(con, engine)
    return con


def _fill(con: duckdb.DuckDBPyConnection, engine: Engine, stamp: str) -> None:
    """Everything a snapshot holds: the rows, what an incremental refresh needs, the unfiltered
    answer for each readership (public; up to restricted; everything), and the fingerprint."""
    from gawah.analysis import refresh
    from gawah.analysis.stats import precompute

    # Read before the rows, so that whatever changes while they are read is read again later.
    marks = refresh.high_water_marks(engine)
    load(con, engine)
    refresh.record_state(con, engine, marks)
    precompute(con, [READERSHIPS[:1], READERSHIPS[:2], READERSHIPS])
    con.execute("CREATE TABLE snapshot_meta AS SELECT ? AS fingerprint", [stamp])


def _build_file(path: Path, engine: Engine, stamp: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".analysis-", suffix=".duckdb", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # DuckDB creates the file itself; mkstemp only reserved a private name.
    try:
        con = duckdb.connect(str(tmp))
        try:
            _fill(con, engine, stamp)
        finally:
            con.close()
        os.chmod(tmp, 0o600)
        # Readers holding the old file keep reading it; new readers see the new one whole.
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        with contextlib.suppress(FileNotFoundError):
            Path(str(tmp) + ".wal").unlink()


def _stamp_of(path: Path) -> str | None:
    try:
        con = duckdb.connect(str(path), read_only=True)
    except (duckdb.Error, OSError):
        return None
    try:
        row = con.execute("SELECT fingerprint FROM snapshot_meta").fetchone()
        return str(row[0]) if row else None
    except duckdb.Error:
        return None
    finally:
        con.close()


def cache_path(workspace_root: Path) -> Path:
    return workspace_root / CACHE_DIR / CACHE_FILE


def open_snapshot(
    engine: Engine, cache_file: Path | None, *, refresh: bool = False
) -> duckdb.DuckDBPyConnection:
    """A read-only DuckDB connection on an up-to-date snapshot (rebuilt first if the registry changed).

    With `cache_file` None the snapshot is made in memory and thrown away after use.
    """
    if cache_file is None:
        return in_memory(engine)
    stamp = fingerprint(engine)
    if refresh:
        _build_file(cache_file, engine, stamp)
    elif _stamp_of(cache_file) != stamp:
        from gawah.analysis import refresh as incremental

        if not incremental.update(cache_file, engine, stamp):
            _build_file(cache_file, engine, stamp)
    return duckdb.connect(str(cache_file), read_only=True)


def for_workspace(
    engine: Engine, workspace_root: Path, *, cached: bool = True, refresh: bool = False
) -> duckdb.DuckDBPyConnection:
    """The snapshot of a workspace: its cache file (rebuilt first with `refresh`), or (cached=False)
    a fresh one in memory.

    An encrypted workspace keeps no snapshot on disk: dates, districts and counts of confidential
    incidents would lie there in the clear. Its snapshot is held in this process's memory instead
    (rebuilt when the registry changes), and a cache file left from before is deleted.
    """
    if is_encrypted(workspace_root / KEYS_DIR):
        discard_cache(workspace_root)
        if not cached:
            return in_memory(engine)
        return _held(engine, workspace_root, refresh=refresh)
    return open_snapshot(engine, cache_path(workspace_root) if cached else None, refresh=refresh)


def discard_cache(workspace_root: Path) -> None:
    """Delete the workspace's snapshot file (and DuckDB's write-ahead log beside it), if any."""
    path = cache_path(workspace_root)
    for leftover in (path, Path(str(path) + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


# Snapshots of encrypted workspaces, one per workspace folder: (fingerprint, in-memory database).
_HELD: dict[Path, tuple[str, duckdb.DuckDBPyConnection]] = {}
_HELD_LOCK = threading.Lock()


def _held(engine: Engine, workspace_root: Path, *, refresh: bool) -> duckdb.DuckDBPyConnection:
    """A connection (the caller closes it) on the in-memory snapshot of an encrypted workspace.

    After a change only the incidents touched are read again, in one transaction on the held
    database (readers see the old snapshot or the new one whole); a full rebuild when that cannot be
    done safely, as for snapshot files.
    """
    from gawah.analysis import refresh as incremental

    key = workspace_root.resolve()
    stamp = fingerprint(engine)
    with _HELD_LOCK:
        held = _HELD.get(key)
        stale = held is not None and not refresh and held[0] != stamp
        if held is not None and stale and incremental.update_open(held[1], engine, stamp):
            held = _HELD[key] = (stamp, held[1])
        if refresh or held is None or held[0] != stamp:
            con = duckdb.connect(":memory:")
            _fill(con, engine, stamp)
            if held is not None:
                held[1].close()
            held = _HELD[key] = (stamp, con)
        # A cursor is a connection of its own on the same database: closing it leaves the snapshot.
        return held[1].cursor()
