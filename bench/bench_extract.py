#!/usr/bin/env python3
"""Extraction speed: documents of 5 KB per second on one core (target: at least 100).

Builds 100 documents of 5 KB from the texts at hand (../shared/corpus and demo/reports, English,
Dari and Pashto), extracts facts from each with gawah.extract.extract_facts, and prints the
rate. Baseline, measured in the same run: the same documents scanned the plain way, one
regular expression per violation category over the whole text (what the word-start matcher in
vocabulary.py replaces), to show what the trigger search costs each way.
"""

from __future__ import annotations

import os
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from gawah.extract import extract_facts
from gawah.extract import vocabulary as vocab

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT.parent / "shared" / "corpus", ROOT / "demo" / "reports",
           ROOT / "tests" / "fixtures" / "reports"]
DOC_CHARS = 5000
N_DOCS = 100


def documents() -> list[str]:
    texts = [p.read_text(encoding="utf-8", errors="replace") for src in SOURCES if src.is_dir()
             for p in sorted(src.iterdir()) if p.suffix in (".txt", ".md")]
    if not texts:
        raise SystemExit("no texts found under ../shared/corpus or demo/reports")
    joined = "\n\n".join(texts)
    while len(joined) < DOC_CHARS * 2:
        joined += "\n\n" + joined
    docs = []
    step = max(1, (len(joined) - DOC_CHARS) // N_DOCS)
    for i in range(N_DOCS):
        start = (i * step) % (len(joined) - DOC_CHARS)
        # Start on a paragraph, as a saved report would.
        para = joined.rfind("\n", 0, start)
        start = para + 1 if para >= 0 else 0
        docs.append(joined[start:start + DOC_CHARS])
    return docs


def rate(func: Callable[[str], object], docs: list[str], repeats: int = 3) -> tuple[float, float]:
    """Best of ``repeats`` runs, in documents per second: (by the wall clock, by CPU time of this
    process). One process uses one core; on a shared machine the CPU figure is the fairer one."""
    wall, cpu = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        for d in docs:
            func(d)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return len(docs) / min(wall), len(docs) / min(cpu)


def naive_trigger_scan(text: str) -> int:
    lex = vocab.violations()
    return sum(1 for p in lex.english.values() for _ in p.finditer(text))


def matcher_trigger_scan(text: str) -> int:
    return len(vocab.violation_matcher().finditer(text))


def main() -> None:
    docs = documents()
    extract_facts(docs[0])  # load vocabulary and gazetteer once, as a running service would
    per_doc: list[float] = []
    for d in docs[:20]:
        t0 = time.perf_counter()
        extract_facts(d)
        per_doc.append((time.perf_counter() - t0) * 1000)
    full_wall, full_cpu = rate(extract_facts, docs)
    naive_cpu = rate(naive_trigger_scan, docs)[1]
    fast_cpu = rate(matcher_trigger_scan, docs)[1]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"documents: {len(docs)} x {DOC_CHARS} characters (English, Dari, Pashto); "
          f"machine: {os.cpu_count()} cores, load average {load:.1f}")
    print(f"extract_facts: {full_cpu:.0f} documents per CPU-second on one core, "
          f"{full_wall:.0f}/s by the wall clock (median {statistics.median(per_doc):.1f} ms per document); "
          f"target >= 100/s: "
          f"{'met' if full_cpu >= 100 else 'NOT met'}")
    print(f"trigger search, baseline (one regex per category over the text): {naive_cpu:.0f} documents/CPU-s")
    print(f"trigger search, word-start matcher (used): {fast_cpu:.0f} documents/CPU-s "
          f"({fast_cpu / naive_cpu:.1f}x baseline)")
    sizes = [len(re.findall(r'\w+', d)) for d in docs]
    print(f"words per document: median {statistics.median(sizes):.0f}")


if __name__ == "__main__":
    main()
