"""Search latency on generated documents: p50/p95/p99 of `gawah.registry.search.search` (SQLite FTS5)
against a baseline measured in the same run (a LIKE scan of the same entries, on a few queries).

    .venv/bin/python bench/bench_search.py [DOCUMENTS]     (default 1,000,000; GAWAH_BENCH_DOCS too)

Documents are invented: sentences built from English, Dari and Pashto report vocabulary, invented
names and places, with Arabic and Persian spelling variants mixed in; facets are drawn at random.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from gawah.registry.search import Filters, ensure_index, fold, search
from gawah.workspace import Workspace, init_workspace

ENGLISH = [
    "detained",
    "killed",
    "former",
    "soldiers",
    "house",
    "raid",
    "district",
    "night",
    "taliban",
    "forces",
    "family",
    "reported",
    "relatives",
    "whereabouts",
    "unknown",
    "school",
    "burned",
    "village",
    "elders",
    "commander",
    "checkpoint",
    "civilians",
    "arrested",
    "tortured",
    "released",
    "body",
    "found",
    "mosque",
    "road",
    "market",
    "women",
    "protest",
    "journalist",
]
DARI = [
    "بازداشت",
    "کشته",
    "سربازان",
    "پیشین",
    "خانه",
    "ولسوالی",
    "شب",
    "نیروهای",
    "طالبان",
    "خانواده",
    "گزارش",
    "خویشاوندان",
    "ناپدید",
    "مکتب",
    "سوختانده",
    "قریه",
    "بزرگان",
    "فرمانده",
    "ایست",
    "بازرسی",
    "غیرنظامیان",
    "شکنجه",
    "رها",
    "جسد",
]
PASHTO = [
    "ونیول",
    "وژل",
    "پخواني",
    "سرتېري",
    "کور",
    "ولسوالۍ",
    "شپه",
    "ځواکونه",
    "کورنۍ",
    "راپور",
    "خپلوان",
    "ورک",
    "ښوونځی",
    "کلی",
    "مشران",
    "قوماندان",
    "ملکي",
    "وکړل",
    "شکنجه",
    "خوشې",
]
VARIANTS = {"ی": "ي", "ک": "ك"}
PROVINCES = (
    "Kabul",
    "Baghlan",
    "Panjshir",
    "Ghazni",
    "Daykundi",
    "Kandahar",
    "Nangarhar",
    "Balkh",
    "Herat",
    "Takhar",
    "Badakhshan",
    "Kunduz",
)
VIOLATIONS = (
    "killing",
    "arbitrary_detention",
    "torture",
    "enforced_disappearance",
    "property_destruction",
    "forced_displacement",
    "threats_intimidation",
)
STATUSES = ("reported", "corroborated", "verified")


def _variant(word: str, rng: random.Random) -> str:
    if rng.random() < 0.3:
        for a, b in VARIANTS.items():
            word = word.replace(a, b)
    return word


def generate(n: int, seed: int = 7) -> list[tuple[object, ...]]:
    rng = random.Random(seed)
    rows: list[tuple[object, ...]] = []
    for i in range(1, n + 1):
        language = rng.choices(("en", "fa", "ps"), weights=(5, 3, 2))[0]
        vocab = ENGLISH if language == "en" else DARI if language == "fa" else PASHTO
        words = [_variant(rng.choice(vocab), rng) for _ in range(rng.randint(30, 90))]
        words.insert(rng.randrange(len(words)), f"name{rng.randrange(n // 5 + 1)}")
        body = fold(" ".join(words))
        title = fold(" ".join(rng.choice(vocab) for _ in range(6)))
        year = rng.randint(2021, 2025)
        start = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        kind = rng.choices(("document", "incident", "claim"), weights=(6, 3, 1))[0]
        rows.append(
            (
                i,
                kind,
                i,
                title,
                body,
                language,
                rng.choice(VIOLATIONS),
                rng.choice(PROVINCES),
                None,
                start,
                start,
                rng.choice(STATUSES),
                rng.randint(1, 200),
                "restricted",
            )
        )
    return rows


QUERIES: list[tuple[str, Filters]] = [
    ("name12345", Filters()),
    ("name777 detained", Filters()),
    ("commander checkpoint", Filters(province="Baghlan")),
    ("journalist protest", Filters(violation="arbitrary_detention", start=None)),
    ("بازداشت سربازان", Filters(kind="incident")),
    ("ناپديد مكتب", Filters(province="Daykundi")),
    ("ښوونځی مشران", Filters(status="verified")),
    ("tortured released", Filters(kind="claim")),
    ("body found mosque", Filters(language="en", province="Kabul")),
    ("name4242", Filters(kind="document")),
    ("قوماندان ملکي", Filters()),
    ("school burned village", Filters(violation="property_destruction", province="Panjshir")),
]


# What an analyst's search sees (the web and API pass the caller's visible levels).
LEVELS = ("public", "restricted")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("GAWAH_BENCH_DOCS", "1000000"))
    with tempfile.TemporaryDirectory() as tmp:
        settings = init_workspace(Path(tmp) / "ws", name="bench")
        ws = Workspace.open(settings.root)
        try:
            t0 = time.perf_counter()
            batch = 50_000
            with ws.sessions.begin() as s:
                ensure_index(s)
            for offset in range(0, n, batch):
                rows = generate(min(batch, n - offset), seed=offset)
                rows = [(r[0] + offset, r[1], r[2] + offset, *r[3:]) for r in rows]  # type: ignore[operator]
                with ws.sessions.begin() as s:
                    raw = s.connection().connection.driver_connection
                    assert raw is not None
                    raw.executemany(
                        "INSERT INTO search_entries (id, kind, record_id, title, body, language, violations, "
                        "province, district, start_date, end_date, status, source_id, confidentiality) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        rows,
                    )
                    raw.executemany(
                        "INSERT INTO search_fts(rowid, title, body) VALUES (?,?,?)",
                        [(r[0], r[3], r[4]) for r in rows],
                    )
            build = time.perf_counter() - t0
            latencies: list[float] = []
            with ws.sessions() as s:
                for _ in range(3):  # warm the page cache
                    for q, f in QUERIES:
                        search(s, q, f, levels=LEVELS)
                for _round in range(int(os.environ.get("GAWAH_BENCH_ROUNDS", "10"))):
                    for q, f in QUERIES:
                        t = time.perf_counter()
                        search(s, q, f, levels=LEVELS)
                        latencies.append((time.perf_counter() - t) * 1000)
                bare: list[float] = []
                for _round in range(int(os.environ.get("GAWAH_BENCH_ROUNDS", "10"))):
                    for q, f in QUERIES:
                        t = time.perf_counter()
                        search(s, q, f, levels=LEVELS, facets=False)
                        bare.append((time.perf_counter() - t) * 1000)
                baseline: list[float] = []
                for q, _f in QUERIES[:4]:
                    word = fold(q.split()[0])
                    t = time.perf_counter()
                    s.execute(
                        text("SELECT kind, record_id FROM search_entries WHERE body LIKE :w LIMIT 20"),
                        {"w": f"% {word} %"},
                    ).all()
                    baseline.append((time.perf_counter() - t) * 1000)
            size = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file()) / 2**20
        finally:
            ws.close()
    print(
        f"search: {n:,} generated entries (documents, incidents, claims), "
        f"built in {build:.1f} s, {size:,.0f} MiB"
    )
    print(
        f"  {len(latencies)} queries ({len(QUERIES)} kinds, with facets): "
        f"p50 {percentile(latencies, 50):.1f} ms, p95 {percentile(latencies, 95):.1f} ms, "
        f"p99 {percentile(latencies, 99):.1f} ms, max {max(latencies):.1f} ms "
        f"(target p95 < 50 ms: {'met' if percentile(latencies, 95) < 50 else 'NOT met'})"
    )
    print(
        f"  without facet counts: p50 {percentile(bare, 50):.1f} ms, p95 {percentile(bare, 95):.1f} ms, "
        f"p99 {percentile(bare, 99):.1f} ms"
    )
    print(
        f"  baseline, LIKE scan of the same entries: median {statistics.median(baseline):.1f} ms per query "
        f"({statistics.median(baseline) / max(percentile(latencies, 50), 1e-6):.0f}× the FTS5 median)"
    )


if __name__ == "__main__":
    main()
