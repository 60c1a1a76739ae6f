"""Log-linear MSE against the computed and published cases of shared/eval/mse_cases.json."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gawah.analysis.captures import EstimationRefused, capture_table
from gawah.analysis.estimate import estimate_population, loglinear
from gawah.analysis.loglinear import fit_model, hierarchical_models, profile_interval, search_models

from .cases import load_cases, table_of, terms_of

CASES = load_cases()
REFERENCE_FITS = [
    (case_id, label, ref)
    for case_id, case in CASES.items()
    for label, ref in case.get("computed_reference", {}).items()
    if label != "observed"
]


@pytest.mark.parametrize(
    ("case_id", "label", "ref"), REFERENCE_FITS, ids=[f"{c}-{m}" for c, m, _ in REFERENCE_FITS]
)
def test_fits_match_the_computed_references(case_id: str, label: str, ref: dict[str, float]) -> None:
    case = CASES[case_id]
    table = table_of(case)
    model = fit_model(table, terms_of(label, table.n_lists))
    if case_id.startswith("artificial_3") and label in {"all_two_way", "main+01"}:
        # The reference fit diverged (n0 ~ 2.4e18) or was singular: these must be refused.
        assert not model.usable
        assert "not determined" in model.reason
        return
    assert model.usable, model.reason
    # The references are printed to 3 decimals.
    assert model.n0 == pytest.approx(ref["n0_hat"], rel=1e-5, abs=2e-3)
    assert table.observed_total + model.n0 == pytest.approx(ref["N_hat"], rel=1e-5, abs=2e-3)
    assert model.deviance == pytest.approx(ref["deviance"], abs=2e-3)
    assert model.df == ref["df"]


def test_spina_bifida_saturated_model_equals_the_closed_form() -> None:
    table = table_of(CASES["spina_bifida_madigan_york_3lists"])
    model = fit_model(table, [(0, 1), (0, 2), (1, 2)])
    closed = 12 * 60 * 49 * 247 / (4 * 112 * 142)
    assert model.n0 == pytest.approx(closed, rel=1e-8)
    assert model.df == 0
    assert any("no degrees of freedom" in note for note in model.notes)


def test_artificial_3_keeps_only_the_models_whose_estimate_exists() -> None:
    table = table_of(CASES["artificial_3_sparse_identifiability"])
    found = search_models(table, criterion="aic")
    usable = {m.terms for m in found.models}
    refused = {m.terms for m in found.refused}
    assert (0, 1) not in {t for terms in usable for t in terms}
    assert ((0, 1),) in refused
    assert ((0, 1), (0, 2), (1, 2)) in refused
    assert {(), ((0, 2),), ((1, 2),)} <= usable


def test_two_list_independence_is_lincoln_petersen() -> None:
    kosovo = CASES["kosovo_1999_4lists"]
    # EXH x ABA from the four-list table, as in computed_two_list_EXH_ABA.
    counts: dict[tuple[int, int], int] = {}
    for key, n in kosovo["counts"].items():
        pattern = (int(key[0]), int(key[1]))
        if any(pattern):
            counts[pattern] = counts.get(pattern, 0) + n
    table = capture_table(counts, lists=["EXH", "ABA"])
    result = loglinear(table)
    expected = kosovo["computed_two_list_EXH_ABA"]["lincoln_petersen"]
    assert result.estimate == pytest.approx(expected, abs=2e-3)


def test_kosovo_bic_selection_lands_on_the_published_estimate() -> None:
    """Ball et al. (2002): about 10,500; widely quoted 10,356 (95% 9,002-12,122)."""
    case = CASES["kosovo_1999_4lists"]
    result = loglinear(table_of(case), criterion="bic")
    low, high = case["published"]["ci95_recalled_unverified"]
    assert low <= result.estimate <= high
    assert result.estimate == pytest.approx(case["published"]["N_estimate_recalled_unverified"], rel=0.02)
    lower, upper = result.interval
    assert upper is not None
    assert lower == pytest.approx(low, rel=0.02)
    assert upper == pytest.approx(high, rel=0.02)
    assert result.estimate > 10000  # ABA/AAAS 2000: "over 10,000"


@pytest.mark.parametrize("criterion", ["aic", "bic"])
def test_uk_modern_slavery_within_the_published_range(criterion: str) -> None:
    """Home Office 2014: 'between 10 thousand and 13 thousand' potential victims in 2013."""
    case = CASES["uk_modern_slavery_2013_6lists"]
    result = loglinear(table_of(case), criterion=criterion)
    low, high = case["published"]["N_range"]
    assert low <= result.estimate <= high
    assert result.model["search"].startswith("stepwise")


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_every_case_gives_a_finite_estimate_inside_its_interval(case_id: str) -> None:
    table = table_of(CASES[case_id])
    result = estimate_population(table, "loglinear")
    low, high = result.interval
    assert high is not None
    assert table.observed_total <= low <= result.estimate <= high
    assert result.candidates and result.candidates[0]["model"] == result.model["model"]
    weights = [c["bic_weight"] for c in result.candidates]
    assert weights == sorted(weights, reverse=True)


def test_profile_interval_is_where_the_likelihood_ratio_crosses_the_cutoff() -> None:
    table = table_of(CASES["spina_bifida_madigan_york_3lists"])
    low, high = profile_interval(table, [(0, 1)], level=0.95)
    model = fit_model(table, [(0, 1)])
    assert low < model.n0 < high
    narrow = profile_interval(table, [(0, 1)], level=0.5)
    assert low < narrow[0] < model.n0 < narrow[1] < high


def test_hierarchical_models_for_four_lists_respect_hierarchy() -> None:
    models = hierarchical_models(4)
    assert len(models) == len(set(models))
    for terms in models:
        for term in terms:
            if len(term) == 3:
                assert all(
                    pair in terms for pair in [(term[0], term[1]), (term[0], term[2]), (term[1], term[2])]
                )
    assert () in models
    assert all(len(t) < 4 for terms in models for t in terms)


def simulate(rng: np.random.Generator, size: int, coverage: list[float]) -> dict[tuple[int, ...], int]:
    hits = rng.random((size, len(coverage))) < np.array(coverage)
    counts: dict[tuple[int, ...], int] = {}
    for row in hits.astype(int):
        pattern = tuple(int(b) for b in row)
        if any(pattern):
            counts[pattern] = counts.get(pattern, 0) + 1
    return counts


def test_interval_covers_a_known_population_of_independent_lists() -> None:
    """Simulated populations with independent lists: the 95% interval covers N most times."""
    rng = np.random.default_rng(7)
    covered = 0
    runs = 40
    for _ in range(runs):
        counts = simulate(rng, 2000, [0.3, 0.2, 0.25, 0.15])
        result = loglinear(capture_table(counts))
        low, high = result.interval
        covered += int(low <= 2000 <= (high if high is not None else math.inf))
    assert covered >= 33  # 95% nominal; 33/40 leaves room for chance and model selection


def test_no_usable_model_is_refused_with_the_reasons() -> None:
    # k = 12 lists would need 4095 cells; beyond the limit the log-linear search refuses.
    counts = {"1" * 13: 5, "1" + "0" * 12: 3, "0" + "1" * 12: 4}
    with pytest.raises(EstimationRefused, match="limited to 12 lists"):
        loglinear(capture_table(counts))
