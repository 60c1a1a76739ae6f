"""`gawah verify` at scale: the ledger check over a workspace of N entries (default 1,000,000).

What is timed is `verify_journal`, the ledger half of `gawah verify`: every entry recomputed from
the record it names and compared with its leaf hash, the records never logged looked for, and the
signed checkpoint checked against the tree. Re-hashing stored files is left out (its speed is
the disk's and is measured by bench_vault.py), so the workspace holds records but no files.

The workspace is made cheaply: evidence items, their documents and custody events are bulk
inserted with leaf hashes computed by the journal's own entry functions, in the shape an ingest
leaves (per item: its entry, its document's, then 8 custody events), and one checkpoint is
signed over the whole log.

Baselines measured in the same run, each in a fresh process so that its peak memory is its own:
  - plain reading: the same rows selected and iterated, no hashing (the floor for any verifier);
  - per entry: the unbatched path this replaced (a query or two per entry, every entry held in
    memory), over the first GAWAH_BENCH_VERIFY_BASELINE_N entries (default 20,000).

Environment: GAWAH_BENCH_VERIFY_N (entries, default 1000000), GAWAH_BENCH_VERIFY_BASELINE_N,
GAWAH_BENCH_VERIFY_DIR (keep the workspace there and reuse it when its size matches).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from gawah.ledger.journal import (
    custody_entry,
    document_entry,
    evidence_entry,
    verify_journal,
)
from gawah.ledger.keys import load_public_key
from gawah.ledger.merkle import leaf_hash
from gawah.store.models import CustodyEvent, Document, EvidenceItem, LedgerEntry
from gawah.workspace import Workspace, init_workspace

PER_ITEM = 10  # ledger entries per evidence item: the item, its document, 8 custody events
CUSTODY = ("collected", "received", "accessed", "transferred", "accessed", "verified", "accessed", "exported")
CHUNK_ITEMS = 5_000
EPOCH = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.UTC)


def _peak_rss_mib() -> float:
    """The process's peak resident memory since start, or since the last `_reset_peak`."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _reset_peak() -> None:
    """Start the peak over from the current size (Linux), so that imports do not count."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _chunk(start_item: int, count: int, leaf_start: int) -> tuple[list[dict[str, Any]], ...]:
    """Rows for items start_item+1 .. start_item+count and their ledger entries, in ingest order."""
    items: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    ledger: list[dict[str, Any]] = []
    leaf = leaf_start
    for item_id in range(start_item + 1, start_item + count + 1):
        at = EPOCH + dt.timedelta(seconds=item_id, microseconds=item_id % 997)
        sha = hashlib.sha256(b"bench evidence %d" % item_id).hexdigest()
        item = {
            "id": item_id,
            "sha256": sha,
            "size_bytes": 4096 + item_id % 1000,
            "media_type": "text/plain",
            "original_filename": f"field-report-{item_id}.txt",
            "storage_key": f"{sha[:2]}/{sha[2:4]}/{sha}",
            "derived_from_id": None,
            "derivation": None,
            "collected_at": at - dt.timedelta(days=2),
            "collected_by": "field team 3",
            "collector_notes": "handed over on a USB drive",
            "acquired_at": at,
            "acquired_by": "bench",
            "acquisition_method": "file-ingest",
            "acquisition_tool": "gawah bench",
            "tool_metadata": {"media_type": "text/plain", "readers": {"text": "1"}},
        }
        items.append(item)
        ledger.append(
            _leaf(leaf, "evidence", "evidence_item", item_id, evidence_entry(EvidenceItem(**item), None))
        )
        leaf += 1
        body = f"Report {item_id}: an invented account of a search of houses in a village, for the benchmark."
        document = {
            "id": item_id,
            "evidence_item_id": item_id,
            "title": f"Field report {item_id}",
            "language": "en",
            "text": body,
            "text_sha256": hashlib.sha256(body.encode()).hexdigest(),
            "reader": "text/plain",
            "ingested_at": at,
            "ingested_by": "bench",
            "warnings": [],
        }
        documents.append(document)
        ledger.append(_leaf(leaf, "document", "document", item_id, document_entry(Document(**document), sha)))
        leaf += 1
        for k, event in enumerate(CUSTODY):
            event_id = (item_id - 1) * len(CUSTODY) + k + 1
            row = {
                "id": event_id,
                "evidence_item_id": item_id,
                "event": event,
                "actor": "analyst 7",
                "occurred_at": at + dt.timedelta(minutes=k),
                "place": "documentation office",
                "tool": "gawah bench",
                "method": "benchmark",
                "notes": "",
            }
            events.append(row)
            ledger.append(
                _leaf(leaf, "custody", "custody_event", event_id, custody_entry(CustodyEvent(**row), sha))
            )
            leaf += 1
    return items, documents, events, ledger


def _leaf(index: int, kind: str, subject_type: str, subject_id: int, entry: bytes) -> dict[str, Any]:
    return {
        "leaf_index": index,
        "kind": kind,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "leaf_hash": leaf_hash(entry).hex(),
    }


def build_workspace(root: Path, entries: int) -> float:
    """A workspace of `entries` ledger entries (rounded up to whole items); seconds taken."""
    start = time.perf_counter()
    init_workspace(root)
    items = -(-entries // PER_ITEM)
    with Workspace.open(root) as ws:
        for offset in range(0, items, CHUNK_ITEMS):
            count = min(CHUNK_ITEMS, items - offset)
            rows_items, rows_documents, rows_events, rows_ledger = _chunk(offset, count, offset * PER_ITEM)
            with ws.engine.begin() as conn:
                conn.execute(insert(EvidenceItem), rows_items)
                conn.execute(insert(Document), rows_documents)
                conn.execute(insert(CustodyEvent), rows_events)
                conn.execute(insert(LedgerEntry), rows_ledger)
            print(f"\r  building: {offset + count:,} of {items:,} items", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        assert ws.sign_checkpoint() is not None
    return time.perf_counter() - start


# -- measured paths, each run in a child process ---------------------------------------------------


def _per_entry(session: Session, entry: LedgerEntry) -> bytes | None:
    """The unbatched recomputation this benchmark compares with: one or two queries per entry."""

    def sha_of(item_id: int | None) -> str | None:
        if item_id is None:
            return None
        return session.scalar(select(EvidenceItem.sha256).where(EvidenceItem.id == item_id))

    if entry.subject_type == "evidence_item":
        item = session.get(EvidenceItem, entry.subject_id)
        return None if item is None else evidence_entry(item, sha_of(item.derived_from_id))
    if entry.subject_type == "custody_event":
        event = session.get(CustodyEvent, entry.subject_id)
        return None if event is None else custody_entry(event, sha_of(event.evidence_item_id) or "")
    if entry.subject_type == "document":
        document = session.get(Document, entry.subject_id)
        return None if document is None else document_entry(document, sha_of(document.evidence_item_id) or "")
    raise ValueError(entry.subject_type)


def child(mode: str, root: Path, limit: int) -> dict[str, Any]:
    with Workspace.open(root) as ws:
        public_key = load_public_key(ws.settings.public_key_path)
        with ws.sessions() as session:
            session.scalar(select(func.count()).select_from(LedgerEntry))  # connect before timing
            _reset_peak()
            rss_before = _peak_rss_mib()
            start = time.perf_counter()
            if mode == "batched":
                problems = verify_journal(session, public_key, ws.settings.log_origin)
                checked = int(session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)
                bad = len(problems)
            elif mode == "read":
                conn = session.connection()
                ledger = "SELECT leaf_index, subject_type, subject_id, leaf_hash FROM ledger_entries"
                checked = sum(1 for _ in conn.execute(text(ledger + " ORDER BY leaf_index")))
                for table in ("evidence_items", "documents", "custody_events"):
                    for _ in conn.execute(text(f"SELECT * FROM {table} ORDER BY id")):
                        pass
                bad = 0
            else:
                entries = session.scalars(
                    select(LedgerEntry).where(LedgerEntry.leaf_index < limit).order_by(LedgerEntry.leaf_index)
                ).all()
                bad = 0
                for entry in entries:
                    current = _per_entry(session, entry)
                    if current is None or leaf_hash(current).hex() != entry.leaf_hash:
                        bad += 1
                checked = len(entries)
            seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "checked": checked,
        "problems": bad,
        "rss_before": rss_before,
        "rss_peak": _peak_rss_mib(),
    }


def _run_child(mode: str, root: Path, limit: int = 0) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(root), str(limit)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    entries = int(os.environ.get("GAWAH_BENCH_VERIFY_N", "1000000"))
    baseline_n = min(entries, int(os.environ.get("GAWAH_BENCH_VERIFY_BASELINE_N", "20000")))
    keep = os.environ.get("GAWAH_BENCH_VERIFY_DIR")
    scratch = Path(tempfile.mkdtemp(prefix="gawah-bench-verify-"))
    root = Path(keep) if keep else scratch / "workspace"
    try:
        expected = -(-entries // PER_ITEM) * PER_ITEM
        reuse = False
        if keep and (root / "gawah.toml").exists():
            with Workspace.open(root) as ws, ws.sessions() as session:
                reuse = session.scalar(select(func.count()).select_from(LedgerEntry)) == expected
            if not reuse:
                shutil.rmtree(root)
        print(
            f"verify benchmark: {expected:,} ledger entries (SQLite workspace, {PER_ITEM} entries per item)"
        )
        if reuse:
            print(f"  workspace reused from {root}")
        else:
            seconds = build_workspace(root, entries)
            print(f"  built with bulk inserts in {seconds:.1f} s ({expected / seconds:,.0f} entries/s)")

        batched = _run_child("batched", root)
        read = _run_child("read", root)
        per_entry = _run_child("per-entry", root, baseline_n)
        assert batched["problems"] == 0 and per_entry["problems"] == 0, (batched, per_entry)
        assert batched["checked"] == expected

        def line(label: str, result: dict[str, Any]) -> float:
            rate = result["checked"] / result["seconds"]
            print(
                f"  {label:<44} {result['checked']:>10,} entries {result['seconds']:9.2f} s "
                f"{rate:>10,.0f} entries/s  peak RSS {result['rss_peak']:7.1f} MiB "
                f"(+{result['rss_peak'] - result['rss_before']:.1f} while checking)"
            )
            return rate

        batched_rate = line("verify_journal (batched, streaming)", batched)
        read_rate = line("baseline: plain reading of the same rows", read)
        per_entry_rate = line("baseline: per-entry queries (the old path)", per_entry)
        print("comparison with the baselines measured in this run:")
        print(f"  batched / plain reading     {batched_rate / read_rate:6.2f}")
        print(f"  batched / per-entry         {batched_rate / per_entry_rate:6.2f}")
        print(
            f"verify of {expected:,} entries in {batched['seconds']:.1f} s, "
            f"peak RSS {batched['rss_peak']:.0f} MiB"
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))))
    else:
        main()
