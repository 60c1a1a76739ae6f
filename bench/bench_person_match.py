"""Benchmark: how long saving a person waits for matching, in a registry of 3,000 persons.

Compares one new record with the registry two ways, in the same run: the whole registry scored
and filtered to the new record (how matching ran before), and the new record scored only against
the records that share a blocking key with it (`gawah.registry.matching.compare_new`). Also
prints whether the incremental run proposed the pairs that the whole run proposed.
Set GAWAH_BENCH_MATCH_RECORDS to change the size.
"""

from __future__ import annotations

import os
import statistics
import time


def main() -> None:
    from gawah.link.records import PersonRecord
    from gawah.link.synthetic import generate
    from gawah.registry import matching

    n = int(os.environ.get("GAWAH_BENCH_MATCH_RECORDS", "3000"))
    reps = 5
    data = generate(n + reps, seed=11)
    # New records that are another spelling of someone already listed: matching should find them.
    seen: set[str] = set()
    chosen: list[PersonRecord] = []
    for record in data.records:
        person = data.person_of[record.id]
        if person in seen and len(chosen) < reps:
            chosen.append(record)
        seen.add(person)
    newcomers = chosen
    base = [r for r in data.records if r not in chosen][:n]
    # Warm-up: imports and DuckDB start once, outside the timings.
    matching.compare_new([*base[:50], newcomers[0]], [newcomers[0].id])

    def timed(new: PersonRecord, full: bool) -> tuple[float, set[tuple[str, str]]]:
        records = [*base, new]
        start = time.perf_counter()
        if full:
            pairs = matching.compare(records, None)
            pairs = [p for p in pairs if new.id in (p.id_l, p.id_r)]
        else:
            pairs = matching.compare(records, [new.id])
        return time.perf_counter() - start, {(p.id_l, p.id_r) for p in pairs}

    full_times, new_times, found, missed = [], [], 0, 0
    for new in newcomers:
        t_full, pairs_full = timed(new, True)
        t_new, pairs_new = timed(new, False)
        full_times.append(t_full)
        new_times.append(t_new)
        found += len(pairs_full & pairs_new)
        missed += len(pairs_full - pairs_new)
    print(f"registry of {n} persons, {reps} new records each compared with it")
    print(f"baseline (whole registry scored): median {statistics.median(full_times):.2f} s per new record")
    print(f"incremental (blocked candidates): median {statistics.median(new_times):.2f} s per new record")
    print(f"speed-up: {statistics.median(full_times) / statistics.median(new_times):.1f}x")
    print(f"pairs proposed by the whole run, also proposed incrementally: {found} (missed {missed})")


if __name__ == "__main__":
    main()
