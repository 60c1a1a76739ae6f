"""Bayesian latent-class multiple systems estimation (LCMCR; Manrique-Vallier 2016).

People fall into latent classes; within a class each list records a person independently with
its own probability. Heterogeneity in how easy people are to record (the usual reason lists
overlap more than chance) is captured by the mixture. The class weights follow a Dirichlet
process, truncated at ``K`` classes and written as stick-breaking, with concentration
``alpha ~ Gamma(a, b)``; list probabilities have uniform Beta(1, 1) priors and the population
size the improper prior p(N) ∝ 1/N. This is the model of the R package LCMCR (the defaults
``K``, ``a_alpha = b_alpha = 0.25`` follow it); the sampler here is a fresh numpy
implementation of the data-augmentation Gibbs sampler described in the paper, working on the
aggregated table (one multinomial draw per pattern instead of one draw per person).

Sweep, given the class weights pi and list probabilities lambda:
1. allocate the people of each observed pattern to classes (multinomial);
2. draw the number never recorded, n0 ~ NegBinomial(n, 1 - p0), p0 = Pr(on no list);
3. allocate those n0 to classes;
4. draw lambda from its Beta full conditional and the stick-breaking weights and alpha.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gawah.analysis.captures import CaptureTable, EstimationRefused

MIN_LCMCR_LISTS = 3


@dataclass(frozen=True)
class LcmcrSettings:
    """Sampler settings; the defaults run in a few seconds on tables of up to ~10 lists."""

    classes: int = 10
    burn_in: int = 10000
    samples: int = 500
    thinning: int = 10
    chains: int = 4
    a_alpha: float = 0.25
    b_alpha: float = 0.25
    seed: int = 0

    def check(self) -> None:
        if self.classes < 1:
            raise EstimationRefused("the latent-class model needs at least one class")
        if self.burn_in < 0 or self.samples < 10 or self.thinning < 1 or self.chains < 1:
            raise EstimationRefused("burn-in must be >= 0, samples >= 10, thinning >= 1 and chains >= 1")
        if self.a_alpha <= 0 or self.b_alpha <= 0:
            raise EstimationRefused("the Gamma prior on alpha needs positive parameters")


@dataclass(frozen=True)
class LcmcrPosterior:
    """Posterior draws of the population size N (observed + never recorded), chain by chain."""

    chains: NDArray[np.int64]  # chains x samples
    observed: int
    settings: LcmcrSettings
    mean_classes_used: float

    @property
    def draws(self) -> NDArray[np.int64]:
        return self.chains.reshape(-1)

    def quantile(self, q: float) -> float:
        return float(np.quantile(self.draws, q))

    @property
    def median(self) -> float:
        return self.quantile(0.5)

    @property
    def mean(self) -> float:
        return float(np.mean(self.draws))

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        tail = (1.0 - level) / 2.0
        return self.quantile(tail), self.quantile(1.0 - tail)

    def effective_sample_size(self) -> float:
        """Sum over chains of Geyer's (1992) initial-positive-sequence effective sizes."""
        return float(sum(_chain_ess(chain.astype(float)) for chain in self.chains))

    def r_hat(self) -> float:
        """Gelman-Rubin potential scale reduction of log N across chains (1 when they agree)."""
        x = np.log(self.chains.astype(float))
        m, n = x.shape
        if m < 2 or n < 2:
            return math.nan
        within = float(np.mean(np.var(x, axis=1, ddof=1)))
        between = float(n * np.var(np.mean(x, axis=1), ddof=1))
        if within == 0.0:
            return 1.0 if between == 0.0 else math.inf
        pooled = (n - 1) / n * within + between / n
        return math.sqrt(pooled / within)


def _chain_ess(x: NDArray[np.float64]) -> float:
    n = x.size
    x = x - x.mean()
    var = float(np.dot(x, x) / n)
    if var == 0.0:
        return float(n)
    spectrum = np.fft.rfft(x, n=2 * n)
    acf = np.fft.irfft(spectrum * np.conj(spectrum))[:n] / (n * var)
    total = 0.0
    for lag in range(1, n - 1, 2):
        pair = acf[lag] + acf[lag + 1]
        if pair <= 0:
            break
        total += pair
    return float(n / (1.0 + 2.0 * total))


def sample_lcmcr(table: CaptureTable, settings: LcmcrSettings | None = None) -> LcmcrPosterior:
    """Run the Gibbs sampler and return the thinned posterior draws of N, all chains pooled.

    The chains run side by side in the same numpy arrays (one leading axis per chain): the cost
    of a sweep is dominated by per-call overhead, so several chains cost little more than one
    and multiply the effective sample size.
    """
    settings = settings or LcmcrSettings()
    settings.check()
    if table.n_lists < MIN_LCMCR_LISTS:
        raise EstimationRefused(
            f"the latent-class model needs at least {MIN_LCMCR_LISTS} lists (with {table.n_lists} the "
            "classes are not identifiable); use the two-list (Chapman) estimate"
        )
    rng = np.random.default_rng(settings.seed)
    patterns = np.array(list(table.counts.keys()), dtype=float)  # cells x lists
    counts = np.array(list(table.counts.values()), dtype=np.int64)
    n = int(counts.sum())
    n_chains = settings.chains
    k_cls = settings.classes
    n_lists = table.n_lists
    cell_counts = np.broadcast_to(counts, (n_chains, counts.size))

    # Start every class near the lists' coverage under independence, jittered per chain: a start
    # far from it leaves a chain crawling towards the bulk of the posterior for thousands of sweeps.
    totals = np.array(list(table.list_totals().values()), dtype=float)
    coverage = totals / independence_total(totals, n)
    jitter = rng.normal(0.0, 0.5, size=(n_chains, k_cls, n_lists))
    lam = np.clip(1.0 / (1.0 + (1.0 / coverage - 1.0) * np.exp(jitter)), 0.01, 0.99)
    alpha = np.ones(n_chains)
    v = rng.beta(1.0, alpha[:, None], size=(n_chains, k_cls))
    v[:, -1] = 1.0
    pi = _stick_weights(v)

    kept: list[NDArray[np.int64]] = []
    used: list[float] = []
    total_sweeps = settings.burn_in + settings.samples * settings.thinning
    for sweep in range(total_sweeps):
        log_lam = np.log(lam)
        log_not = np.log1p(-lam)
        # log Pr(pattern | class): chains x cells x classes.
        log_like = np.einsum("cj,akj->ack", patterns, log_lam) + np.einsum(
            "cj,akj->ack", 1.0 - patterns, log_not
        )
        log_post = log_like + np.log(pi)[:, None, :]
        log_post -= log_post.max(axis=2, keepdims=True)
        probs = np.exp(log_post)
        probs /= probs.sum(axis=2, keepdims=True)
        alloc = rng.multinomial(cell_counts, probs)  # chains x cells x classes
        observed_by_class = alloc.sum(axis=1)
        ones_by_class = np.einsum("ack,cj->akj", alloc, patterns)

        miss_prob = np.exp(log_not.sum(axis=2))  # Pr(on no list | class): chains x classes
        weights0 = pi * miss_prob
        p0 = np.clip(weights0.sum(axis=1), 1e-300, 1.0 - 1e-12)
        n0 = rng.negative_binomial(n, 1.0 - p0)
        missed_by_class = rng.multinomial(n0, weights0 / p0[:, None])

        class_sizes = observed_by_class + missed_by_class
        lam = rng.beta(1.0 + ones_by_class, 1.0 + class_sizes[:, :, None] - ones_by_class)
        lam = np.clip(lam, 1e-12, 1.0 - 1e-12)
        later = np.cumsum(class_sizes[:, ::-1], axis=1)[:, ::-1] - class_sizes
        v = rng.beta(1.0 + class_sizes, alpha[:, None] + later)
        v[:, -1] = 1.0
        pi = np.maximum(_stick_weights(v), 1e-300)
        log_rest = np.sum(np.log1p(-np.minimum(v[:, :-1], 1.0 - 1e-16)), axis=1)
        alpha = rng.gamma(settings.a_alpha + k_cls - 1, 1.0 / (settings.b_alpha - log_rest))

        if sweep >= settings.burn_in and (sweep - settings.burn_in) % settings.thinning == 0:
            kept.append(n + n0)
            used.append(float(np.mean(np.count_nonzero(class_sizes, axis=1))))
    draws = np.array(kept, dtype=np.int64)  # samples x chains
    return LcmcrPosterior(
        chains=draws.T.copy(),
        observed=n,
        settings=settings,
        mean_classes_used=float(np.mean(used)) if used else math.nan,
    )


def independence_total(list_totals: NDArray[np.float64], observed: int) -> float:
    """Darroch's maximum likelihood N when lists are independent with constant coverage.

    Solves N - observed = N * prod_j (1 - n_j / N) by fixed-point iteration; used only to start
    the sampler somewhere sensible.
    """
    size = float(observed) * 2.0
    for _ in range(500):
        missed = size * float(np.prod(1.0 - list_totals / size))
        new_size = observed + missed
        if abs(new_size - size) < 1e-6 * size:
            return new_size
        size = max(new_size, float(np.max(list_totals)) + 1.0)
    return size


def _stick_weights(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """pi_k = v_k * prod_{l<k} (1 - v_l), row by row."""
    ones = np.ones((v.shape[0], 1))
    remaining = np.concatenate([ones, np.cumprod(1.0 - v[:, :-1], axis=1)], axis=1)
    return np.asarray(v * remaining, dtype=np.float64)
