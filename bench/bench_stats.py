#!/usr/bin/env python3
"""Statistics over 1 million incidents: `gawah stats` and the dashboard's queries (target: under 1 s each).

Builds a SQLite workspace with N incidents (default 1,000,000; `GAWAH_BENCH_INCIDENTS` to change),
1.5 acts each and one or two places each, written with plain INSERTs. Then times the path `gawah
stats` takes: the snapshot fingerprint check, the snapshot build (once, after a change), the counts
by every dimension, the dashboard's queries (by province, by month, the timeline page), the
dashboard's pages whole over HTTP in process (charts and maps drawn offline included), and the
whole command as a new process through the console script's entry point (target: under 1 s, Python's
own start included). Baselines, measured in the same run: a plain `SELECT count(*)` over the
incidents in SQLite, the least any count of them can cost; and for the new process, a Python process
that does nothing.

Then the refresh after 1% of the incidents change (status and review edited, a registry change
recorded): the incremental refresh (`gawah.analysis.refresh`) against a full rebuild of the same
registry, with a check that both give the same statistics.
"""

from __future__ import annotations

import functools
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gawah.analysis import snapshot, timeline
from gawah.analysis.selection import Selection, make_selection
from gawah.analysis.stats import compute
from gawah.store.vocab import PERPETRATORS, VICTIM_GROUPS, VIOLATIONS
from gawah.workspace import Workspace, init_workspace

N = int(os.environ.get("GAWAH_BENCH_INCIDENTS", "1000000"))
QUALIFIERS = ("exact", "exact", "exact", "at_least", "more_than", "approximately", "vague")
STAMP = "2026-01-01 00:00:00.000000"


def _province_codes() -> list[tuple[str, str]]:
    import json

    data = json.loads(
        (Path(snapshot.__file__).parent.parent / "extract" / "data" / "gazetteer.json").read_text(
            encoding="utf-8"
        )
    )
    return [(d["pcode"][:4], d["pcode"]) for d in data["districts"]]


def populate(path: Path, n: int) -> None:
    rng = random.Random(7)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    districts = _province_codes()
    db.executemany(
        "INSERT INTO places (id, name, kind, province, district, pcode, created_at, updated_at) "
        "VALUES (?, ?, 'district', NULL, NULL, ?, ?, ?)",
        [(i + 1, f"district {code}", code, STAMP, STAMP) for i, (_p, code) in enumerate(districts)],
    )
    chunk = 100_000
    act_id = 0
    for base in range(0, n, chunk):
        incidents, acts, links = [], [], []
        for incident_id in range(base + 1, min(n, base + chunk) + 1):
            day = 738000 + rng.randrange(1600)  # 2021-07 to 2025-11, as ordinal days
            date = time.strftime("%Y-%m-%d", time.gmtime((day - 719163) * 86400))
            review = "accepted" if rng.random() < 0.9 else "candidate"
            status = rng.choice(("reported", "corroborated", "verified", "disputed", "retracted"))
            merged = incident_id - 1 if incident_id % 50 == 0 else None
            level = rng.choice(("public", "restricted", "restricted", "confidential"))
            incidents.append(
                ("", "", date, date, "day", status, merged, 1, level, review, STAMP, STAMP, incident_id)
            )
            for _ in range(1 if rng.random() < 0.5 else 2):
                act_id += 1
                groups = rng.sample(VICTIM_GROUPS, rng.randrange(3))
                value = rng.randrange(1, 40) if rng.random() < 0.9 else None
                acts.append(
                    (
                        act_id,
                        incident_id,
                        rng.choice(VIOLATIONS),
                        value,
                        rng.choice(QUALIFIERS) if value is not None else None,
                        "victims",
                        rng.choice(PERPETRATORS),
                        "[" + ", ".join(f'"{g}"' for g in groups) + "]",
                        "accepted" if rng.random() < 0.95 else "candidate",
                        level,
                        STAMP,
                        STAMP,
                    )
                )
            for place in {rng.randrange(len(districts)) + 1 for _ in range(1 if rng.random() < 0.8 else 2)}:
                links.append((incident_id, place))
        db.executemany(
            "INSERT INTO incidents (title, summary, start_date, end_date, date_precision, status, "
            "merged_into_id, version, confidentiality, review_status, created_at, updated_at, id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            incidents,
        )
        db.executemany(
            "INSERT INTO acts (id, incident_id, violation, count_value, count_qualifier, count_unit, "
            "perpetrator, victim_groups, review_status, confidentiality, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            acts,
        )
        db.executemany("INSERT INTO incident_places (incident_id, place_id) VALUES (?, ?)", links)
        db.commit()
    db.close()


def change_share(path: Path, n: int, share: float = 0.01) -> int:
    """Edit `share` of the incidents as the registry would (timestamps set, one change recorded each)."""
    rng = random.Random(11)
    ids = rng.sample(range(1, n + 1), max(1, int(n * share)))
    now = time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime())
    db = sqlite3.connect(path)
    for k, incident_id in enumerate(ids):
        if k % 2:
            db.execute(
                "UPDATE incidents SET status = ?, updated_at = ? WHERE id = ?",
                (rng.choice(("reported", "verified", "disputed", "retracted")), now, incident_id),
            )
        else:
            db.execute(
                "UPDATE acts SET review_status = 'rejected', updated_at = ? WHERE incident_id = ?",
                (now, incident_id),
            )
        db.execute(
            "INSERT INTO registry_changes (subject_type, subject_id, action, actor, at, note) "
            "VALUES ('incident', ?, 'edit', 'bench', ?, '')",
            (incident_id, now),
        )
    db.commit()
    db.close()
    return len(ids)


def refresh_figures(ws: Workspace, db_path: Path, cache: Path) -> None:
    """Time the incremental refresh and a full rebuild after 1% of the incidents changed."""
    changed = change_share(db_path, N)
    start = time.perf_counter()
    con = snapshot.open_snapshot(ws.engine, cache)
    incremental = time.perf_counter() - start
    by_refresh = compute(con, Selection()).as_dict()
    filtered = compute(con, make_selection(provinces=["AF08"], period="2023")).as_dict()
    con.close()
    start = time.perf_counter()
    con = snapshot.open_snapshot(ws.engine, cache, refresh=True)
    full = time.perf_counter() - start
    same = (
        by_refresh == compute(con, Selection()).as_dict()
        and filtered == compute(con, make_selection(provinces=["AF08"], period="2023")).as_dict()
    )
    con.close()
    print(f"refresh   after {changed:,} incidents changed (1%): full rebuild      {full * 1000:8.1f} ms")
    print(
        f"refresh   after {changed:,} incidents changed (1%): incremental      {incremental * 1000:8.1f} ms"
        f"  {full / incremental:5.1f}x faster  same statistics: {'yes' if same else 'NO'}"
    )


def page_figures(ws: Workspace) -> list[tuple[str, float]]:
    """The dashboard's pages whole, over HTTP in process: queries, charts drawn offline, the map."""
    from fastapi.testclient import TestClient

    from gawah.security.accounts import add_user
    from gawah.security.policy import Action
    from gawah.security.tokens import issue_token
    from gawah.store.engine import transaction
    from gawah.store.vocab import Role
    from gawah.web.app import create_app

    with transaction(ws.sessions) as session:
        user = add_user(session, "bench-analyst", Role.ANALYST, "bench analyst password 1")
        scopes = [Action.ANALYSIS_RUN, Action.DOCUMENT_READ, Action.DOCUMENT_READ_RESTRICTED]
        token, _row = issue_token(session, user, scopes)
    client = TestClient(create_app(ws), base_url="https://testserver")
    client.headers["Authorization"] = f"Bearer {token}"
    pages = {
        "dashboard page /analysis (counts, charts, maps), HTTP": "/analysis",
        "dashboard page /analysis?province=AF08&period=2023, HTTP": "/analysis?province=AF08&period=2023",
        "timeline page /analysis/timeline, HTTP": "/analysis/timeline",
        "GET /api/analysis/stats, HTTP": "/api/analysis/stats",
    }
    figures: list[tuple[str, float]] = []
    for name, path in pages.items():
        response = client.get(path)  # the first request also warms the chart renderer
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code} {response.text[:200]}")
        figures.append((name, timed(functools.partial(client.get, path), repeat=3)[0]))
    return figures


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True)


def timed(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, Any]:
    """Median seconds of `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="gawah-bench-stats-") as tmp:
        root = Path(tmp) / "ws"
        settings = init_workspace(root, name="bench")
        db_path = root / "gawah.sqlite3"
        start = time.perf_counter()
        populate(db_path, N)
        size = db_path.stat().st_size / 1e6
        print(f"registry: {N:,} incidents written in {time.perf_counter() - start:.1f} s ({size:.0f} MB)")

        raw = sqlite3.connect(db_path)
        baseline, count = timed(lambda: raw.execute("SELECT count(*) FROM incidents").fetchone()[0])
        raw.close()
        print(f"baseline  SQLite SELECT count(*) FROM incidents ({count:,})      {baseline * 1000:8.1f} ms")

        ws = Workspace.open(settings.root)
        cache = snapshot.cache_path(settings.root)
        start = time.perf_counter()
        snapshot.open_snapshot(ws.engine, cache).close()
        build = time.perf_counter() - start
        print(f"snapshot  built after a change (once)                     {build * 1000:8.1f} ms")
        fp, _ = timed(lambda: snapshot.fingerprint(ws.engine))
        print(f"snapshot  fingerprint check                               {fp * 1000:8.1f} ms")

        def stats_all() -> Any:
            con = snapshot.open_snapshot(ws.engine, cache)
            try:
                return compute(con, Selection())
            finally:
                con.close()

        def stats_filtered() -> Any:
            con = snapshot.open_snapshot(ws.engine, cache)
            try:
                return compute(con, make_selection(provinces=["AF08"], period="2022..2023"))
            finally:
                con.close()

        figures: list[tuple[str, float]] = []
        t, result = timed(stats_all)
        figures.append((f"gawah stats, all dimensions ({result.incidents:,} counted), in process", t))
        t, result = timed(stats_filtered)
        figures.append(
            (f"gawah stats --province AF08 --period 2022..2023 ({result.incidents:,}), in process", t)
        )

        con = snapshot.open_snapshot(ws.engine, cache)
        queries: dict[str, Callable[[], Any]] = {
            "dashboard: by province": lambda: compute(con, Selection(), ("province",)),
            "dashboard: by district": lambda: compute(con, Selection(), ("district",)),
            "dashboard: by month": lambda: compute(con, Selection(), ("month",)),
            "dashboard: by violation, filtered (killing, 2023)": lambda: compute(
                con, make_selection(violations=["killing"], period="2023"), ("violation", "province")
            ),
            "dashboard: timeline page (months + 50 incidents)": lambda: timeline.build(
                con, Selection(), limit=50
            ),
            "dashboard: timeline page, filtered (AF08)": lambda: timeline.build(
                con, make_selection(provinces=["AF08"]), limit=50
            ),
            "dashboard: all six dimensions, filtered (AF08)": lambda: compute(
                con, make_selection(provinces=["AF08"])
            ),
        }
        for name, fn in queries.items():
            figures.append((name, timed(fn)[0]))
        con.close()
        figures.extend(page_figures(ws))

        # The console script's own entry point, as `gawah stats` runs it (only the stats commands load).
        entry = [sys.executable, "-c", "from gawah.cli import main; main()"]
        where = str(settings.root)
        subprocess.run([*entry, "stats", "-w", where], check=True, capture_output=True)
        interpreter = timed(
            lambda: subprocess.run([sys.executable, "-c", "pass"], check=True, capture_output=True), repeat=3
        )[0]
        print(f"baseline  a new Python process doing nothing                  {interpreter * 1000:8.1f} ms")
        for label, args in (
            ("gawah stats as a new process (incl. Python start)", ["stats", "-w", where]),
            (
                "gawah stats --province AF08 --period 2022..2023, new process",
                ["stats", "-w", where, "--province", "AF08", "--period", "2022..2023"],
            ),
        ):
            figures.append((label, timed(functools.partial(_run, [*entry, *args]), 3)[0]))
        refresh_figures(ws, db_path, cache)
        ws.close()

        for name, seconds in figures:
            verdict = "ok" if seconds < 1.0 else "OVER 1 s"
            if "new process" in name:
                versus = f"{seconds / interpreter:6.1f}x an empty Python"
            else:
                versus = f"{seconds / baseline:6.1f}x baseline"
            print(f"{name:<66} {seconds * 1000:8.1f} ms  {versus}  {verdict}")

if __name__ == "__main__":
    main()
