"""Benchmark: de-duplicate invented lists of Afghan persons (default 100,000 records).

Prints wall time, peak memory (resource.getrusage) and pairwise quality, against a baseline
measured in the same run: grouping the same records by an exact key (Latin spelling of name and
father's name and the birth year), which is what a spreadsheet user would do.
Set GAWAH_BENCH_LINK_RECORDS to change the size (e.g. 20000 for a quick `make bench`).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections import defaultdict


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    from gawah.link.evaluate import score_clusters
    from gawah.link.pipeline import dedupe
    from gawah.link.synthetic import generate

    n = int(os.environ.get("GAWAH_BENCH_LINK_RECORDS", "100000"))
    start = time.perf_counter()
    data = generate(n, seed=7)
    generated = time.perf_counter() - start

    start = time.perf_counter()
    groups: dict[tuple[str, str, str], str] = {}
    exact: dict[str, str] = {}
    for r in data.records:
        key = ((r.name or r.name_native or "").lower(), (r.father_name or "").lower(), str(r.birth_year))
        exact[r.id] = groups.setdefault(key, r.id)
    baseline = time.perf_counter() - start
    baseline_score = score_clusters(exact, data.person_of)

    start = time.perf_counter()
    result = dedupe(data.records, threshold=0.9)
    elapsed = time.perf_counter() - start
    score = score_clusters(result.clusters, data.person_of)
    persons = len(set(result.clusters.values()))
    true_persons = len(set(data.person_of.values()))
    per_cluster: dict[str, int] = defaultdict(int)
    for c in result.clusters.values():
        per_cluster[c] += 1

    print(f"records: {n} (generated in {generated:.1f} s), true persons {true_persons}")
    print(f"splink dedupe: {elapsed:.1f} s wall, peak RSS {_peak_rss_mb():.0f} MB, {persons} persons found, "
          f"{len(result.pairs)} pairs scored at or above 0.5")
    print(f"  quality: {score.describe()}")
    print(f"baseline exact-key grouping: {baseline:.2f} s")
    print(f"  quality: {baseline_score.describe()}")
    print(f"splink vs baseline: {elapsed / max(baseline, 1e-9):.0f}x the time, "
          f"recall {score.recall:.3f} vs {baseline_score.recall:.3f}")
    limit_ok = elapsed < 120 and _peak_rss_mb() < 4096
    print(f"target (100,000 records < 120 s, < 4 GB): {'met' if limit_ok else 'NOT met'} at {n} records")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
