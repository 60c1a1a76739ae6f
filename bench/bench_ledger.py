"""Ledger benchmark: appends per second, proof times at 1,000,000 entries, full verification.

Targets (issue 3): at least 20,000 appended entries per second in batches; an inclusion proof
at 1 million entries in under 1 ms; verifying 1 million entries, with its time. The baseline,
measured in the same run, is bare hashlib.sha256 over the same entries: the least any
RFC 9162 log must do, since every entry is hashed once as a leaf.
"""

from __future__ import annotations

import hashlib
import random
import statistics
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gawah.ledger.checkpoint import checkpoint_of, sign_checkpoint, verify_checkpoint
from gawah.ledger.merkle import MerkleLog, verify_consistency, verify_inclusion

ENTRIES = 1_000_000
BATCH = 1_000
PROOF_SAMPLES = 10_000
ORIGIN = "gawah.example/bench"


def make_entries(n: int) -> list[bytes]:
    """Entries shaped like ledger records: canonical JSON naming a file by its hash."""
    digest = hashlib.sha256(b"bench").hexdigest()
    return [
        f'{{"kind":"custody_event","seq":{i},"sha256":"{digest}","event":"accessed"}}'.encode()
        for i in range(n)
    ]


def timed(label: str, seconds: float, count: int, unit: str = "entries") -> float:
    rate = count / seconds
    print(f"  {label:<52} {seconds:8.3f} s  {rate:>12,.0f} {unit}/s")
    return rate


def main() -> None:
    print(f"ledger benchmark: {ENTRIES:,} entries, appended in batches of {BATCH:,}")
    entries = make_entries(ENTRIES)

    start = time.perf_counter()
    sha256 = hashlib.sha256
    for entry in entries:
        sha256(entry).digest()
    baseline = timed("baseline: hashlib.sha256 of each entry", time.perf_counter() - start, ENTRIES)

    log = MerkleLog()
    start = time.perf_counter()
    for offset in range(0, ENTRIES, BATCH):
        log.extend(entries[offset : offset + BATCH])
    append_rate = timed("MerkleLog.extend (batches)", time.perf_counter() - start, ENTRIES)

    private_key = Ed25519PrivateKey.generate()
    start = time.perf_counter()
    signed = sign_checkpoint(checkpoint_of(log, ORIGIN), private_key, ORIGIN)
    sign_ms = (time.perf_counter() - start) * 1000

    rng = random.Random(20240101)
    indexes = [rng.randrange(ENTRIES) for _ in range(PROOF_SAMPLES)]
    proof_times, verify_times = [], []
    root = log.root()
    for index in indexes:
        start = time.perf_counter()
        proof = log.inclusion_proof(index)
        middle = time.perf_counter()
        verify_inclusion(index, ENTRIES, log.leaf_hash(index), proof, root)
        end = time.perf_counter()
        proof_times.append((middle - start) * 1e6)
        verify_times.append((end - middle) * 1e6)
    consistency_times = []
    for old_size in (rng.randrange(1, ENTRIES) for _ in range(1_000)):
        start = time.perf_counter()
        proof = log.consistency_proof(old_size)
        verify_consistency(old_size, ENTRIES, proof, log.root(old_size), root)
        consistency_times.append((time.perf_counter() - start) * 1e6)

    # Full verification: re-hash every stored entry, rebuild the tree, compare with the
    # signed checkpoint, as `gawah verify` does after reading the rows.
    start = time.perf_counter()
    rebuilt = MerkleLog.from_entries(entries)
    checkpoint = verify_checkpoint(signed, private_key.public_key(), ORIGIN)
    assert rebuilt.size == checkpoint.tree_size and rebuilt.root() == checkpoint.root_hash
    verify_seconds = time.perf_counter() - start
    verify_rate = timed("verify: re-hash, rebuild tree, check signed root", verify_seconds, ENTRIES)

    def p(values: list[float], q: float) -> float:
        return sorted(values)[min(len(values) - 1, int(q * len(values)))]

    print(f"  checkpoint signing                                    {sign_ms:8.3f} ms")
    print(
        f"  inclusion proof at {ENTRIES:,}: mean {statistics.mean(proof_times):.1f} µs, "
        f"p99 {p(proof_times, 0.99):.1f} µs, max {max(proof_times):.1f} µs "
        f"({PROOF_SAMPLES:,} random leaves)"
    )
    print(
        f"  inclusion proof verification: mean {statistics.mean(verify_times):.1f} µs, "
        f"p99 {p(verify_times, 0.99):.1f} µs"
    )
    print(
        f"  consistency proof, generate + verify: mean {statistics.mean(consistency_times):.1f} µs, "
        f"p99 {p(consistency_times, 0.99):.1f} µs"
    )
    print("comparison with the baseline measured in this run (bare SHA-256 per entry):")
    print(f"  append rate / baseline      {append_rate / baseline:6.2f}  (target: >= 20,000 entries/s)")
    print(f"  verify rate / baseline      {verify_rate / baseline:6.2f}")
    proof_p99 = p(proof_times, 0.99)
    print(
        "targets: "
        f"append {'MET' if append_rate >= 20_000 else 'MISSED'} ({append_rate:,.0f}/s); "
        f"proof p99 {'MET' if proof_p99 < 1000 else 'MISSED'} ({proof_p99:.1f} µs, target < 1 ms); "
        f"verify of {ENTRIES:,} entries in {verify_seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
