"""Multiple systems estimation against shared/eval/mse_cases.json: case, expected, got, interval.

Run: .venv/bin/python scripts/eval_estimation.py [--lcmcr] [--cases PATH]

For each case it prints the reference fits (computed references, refit by the same model), the
published figure where one exists, and the estimates of the log-linear search (BIC and AIC),
the latent-class model (with --lcmcr; seeded, a few seconds per case) and, for the two-list
EXH x ABA sub-table of Kosovo, Chapman's estimate.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from gawah.analysis.captures import CaptureTable, EstimationRefused, capture_table
from gawah.analysis.estimate import PopulationEstimate, chapman, lcmcr, loglinear
from gawah.analysis.lcmcr import LcmcrSettings
from gawah.analysis.loglinear import fit_model

REPO = Path(__file__).resolve().parent.parent


def default_cases() -> Path:
    for candidate in (REPO.parent / "shared", REPO / "shared"):
        path = candidate / "eval" / "mse_cases.json"
        if path.is_file():
            return path
    raise FileNotFoundError("shared/eval/mse_cases.json not found")


def terms_of(label: str, k: int) -> list[tuple[int, ...]]:
    if label == "independence":
        return []
    if label == "all_two_way":
        return [(i, j) for i in range(k) for j in range(i + 1, k)]
    return [tuple(int(ch) for ch in part) for part in label.split("+")[1:]]


def fmt(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, float) and math.isinf(x):
        return "inf"
    return f"{x:,.1f}" if abs(x) < 1e7 else f"{x:.3g}"


def interval_text(result: PopulationEstimate) -> str:
    low, high = result.interval
    return f"[{fmt(low)}, {fmt(high)}]"


def rows_for(case: dict[str, Any], with_lcmcr: bool) -> list[tuple[str, str, str, str, str]]:
    rows: list[tuple[str, str, str, str, str]] = []
    table: CaptureTable = capture_table(case["counts"], case["lists"])
    k = table.n_lists
    cid = case["id"]
    for label, ref in case.get("computed_reference", {}).items():
        if label == "observed":
            continue
        model = fit_model(table, terms_of(label, k))
        got = fmt(table.observed_total + model.n0) if model.usable else f"refused ({model.reason[:40]})"
        rows.append((cid, f"N {label}", fmt(ref["N_hat"]), got, "-"))
    published = case.get("published", {})
    expected = "-"
    if "N_estimate_recalled_unverified" in published:
        low, high = published["ci95_recalled_unverified"]
        expected = f"{fmt(published['N_estimate_recalled_unverified'])} [{fmt(low)}, {fmt(high)}]"
    elif "N_range" in published:
        low, high = published["N_range"]
        expected = f"range [{fmt(low)}, {fmt(high)}]"
    for criterion in ("bic", "aic"):
        try:
            result = loglinear(table, criterion=criterion)
            rows.append(
                (
                    cid,
                    f"loglinear {criterion}: {result.model['model']}",
                    expected,
                    fmt(result.estimate),
                    interval_text(result),
                )
            )
        except EstimationRefused as exc:
            rows.append((cid, f"loglinear {criterion}", expected, f"refused: {exc}", "-"))
    if with_lcmcr:
        try:
            # As `gawah estimate` runs it: extended once when the first run mixes badly.
            result = lcmcr(table, LcmcrSettings(seed=0), extend=True)
            longer = " extended" if "extended_after" in result.model else ""
            note = (
                f"lcmcr{longer} (R-hat {result.model['r_hat']}, "
                f"ESS {result.model['effective_sample_size']:.0f})"
            )
            rows.append((cid, note, expected, fmt(result.estimate), interval_text(result)))
        except EstimationRefused as exc:
            rows.append((cid, "lcmcr", expected, f"refused: {exc}", "-"))
    two = case.get("computed_two_list_EXH_ABA")
    if two:
        counts: dict[tuple[int, int], int] = {}
        for key, n in case["counts"].items():
            pattern = (int(key[0]), int(key[1]))
            if any(pattern):
                counts[pattern] = counts.get(pattern, 0) + n
        result = chapman(capture_table(counts, lists=case["lists"][:2]))
        rows.append(
            (cid, "chapman EXH x ABA", fmt(two["chapman"]), fmt(result.estimate), interval_text(result))
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=Path, default=None)
    parser.add_argument("--lcmcr", action="store_true", help="also run the latent-class sampler")
    args = parser.parse_args(argv)
    path = args.cases or default_cases()
    cases = json.loads(path.read_text(encoding="utf-8"))["cases"]
    rows = [("case", "what", "expected", "got", "interval (95%)")]
    for case in cases:
        rows.extend(rows_for(case, args.lcmcr))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
