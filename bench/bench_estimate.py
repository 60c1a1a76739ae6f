#!/usr/bin/env python3
"""Population estimates on the six-list trafficking tables: time, R-hat and effective sample size.

For the UK 2013 and Netherlands tables of shared/eval/mse_cases.json, runs `gawah estimate
--method lcmcr` (gawah.analysis.estimate.lcmcr, default settings) with several seeds and prints, per
seed, the time per estimate, the median and 95% interval, the split R-hat and effective sample size
of the N draws, and the median of each chain (a chain left in a minor mode shows there). Targets:
R-hat under 1.05 for every seed, a few seconds per estimate.

Baselines, measured in the same run: the log-linear estimate (BIC search) on the same table, the
cheapest estimate the command offers; and the same sampler as plain Gibbs, as in the R package
(no ridge moves, no label swaps; same start, same sweeps), to show what the added moves buy in
R-hat and effective sample size at what cost in time.

Seeds: GAWAH_BENCH_SEEDS (default 5). The default run takes about one to two minutes.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from gawah.analysis.captures import CaptureTable, capture_table
from gawah.analysis.estimate import loglinear
from gawah.analysis.lcmcr import LcmcrPosterior, LcmcrSettings, sample_lcmcr

CASES = ("uk_modern_slavery_2013_6lists", "netherlands_trafficking_6lists")
SEEDS = int(os.environ.get("GAWAH_BENCH_SEEDS", "5"))
REPO = Path(__file__).resolve().parent.parent


def load_table(case_id: str) -> CaptureTable:
    for candidate in (REPO.parent / "shared", REPO / "shared"):
        path = candidate / "eval" / "mse_cases.json"
        if path.is_file():
            cases = {c["id"]: c for c in json.loads(path.read_text(encoding="utf-8"))["cases"]}
            case = cases[case_id]
            return capture_table(case["counts"], case["lists"])
    raise FileNotFoundError("shared/eval/mse_cases.json not found beside the repository")


def timed_posterior(table: CaptureTable, settings: LcmcrSettings) -> tuple[float, LcmcrPosterior]:
    start = time.perf_counter()
    posterior = sample_lcmcr(table, settings)
    return time.perf_counter() - start, posterior


def line(label: str, seconds: float, posterior: LcmcrPosterior) -> str:
    low, high = posterior.interval()
    chains = ", ".join(f"{int(np.median(c)):,}" for c in posterior.chains)
    return (
        f"  {label:<16} {seconds:5.1f} s  N {posterior.median:>9,.0f} [{low:>9,.0f}, {high:>9,.0f}]  "
        f"R-hat {posterior.r_hat():5.3f}  ESS {posterior.effective_sample_size():5.0f}  chains {chains}"
    )


def main() -> int:
    for case_id in CASES:
        table = load_table(case_id)
        print(f"{case_id}: {table.observed_total:,} recorded on {table.n_lists} lists")
        start = time.perf_counter()
        classic = loglinear(table)
        classic_s = time.perf_counter() - start
        low, high = classic.interval
        upper = "-" if high is None else f"{high:,.0f}"
        print(f"  log-linear (BIC) {classic_s:5.2f} s  N {classic.estimate:>9,.0f} [{low:>9,.0f}, {upper}]")
        times: list[float] = []
        plain_times: list[float] = []
        r_hats: list[float] = []
        plain_r_hats: list[float] = []
        ess: list[float] = []
        plain_ess: list[float] = []
        for seed in range(SEEDS):
            settings = LcmcrSettings(seed=seed)
            seconds, posterior = timed_posterior(table, settings)
            times.append(seconds)
            r_hats.append(posterior.r_hat())
            ess.append(posterior.effective_sample_size())
            print(line(f"lcmcr seed {seed}", seconds, posterior))
            plain = replace(settings, ridge_moves=0, label_swaps=False)
            seconds, posterior = timed_posterior(table, plain)
            plain_times.append(seconds)
            plain_r_hats.append(posterior.r_hat())
            plain_ess.append(posterior.effective_sample_size())
            print(line(f"plain Gibbs {seed}", seconds, posterior))
        print(
            f"  lcmcr: {statistics.median(times):.1f} s per estimate (median of {SEEDS}); R-hat < 1.05 in "
            f"{sum(r < 1.05 for r in r_hats)}/{SEEDS} seeds (worst {max(r_hats):.3f}); "
            f"ESS {min(ess):.0f}-{max(ess):.0f}"
        )
        print(
            f"  baseline plain Gibbs, same sweeps: {statistics.median(plain_times):.1f} s; R-hat < 1.05 in "
            f"{sum(r < 1.05 for r in plain_r_hats)}/{SEEDS} seeds (worst {max(plain_r_hats):.3f}); "
            f"ESS {min(plain_ess):.0f}-{max(plain_ess):.0f}"
        )
        print(
            f"  baseline log-linear: {classic_s:.2f} s; lcmcr takes "
            f"{statistics.median(times) / classic_s:.1f} times as long"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
