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
4. move the numbers never recorded in each class with lambda and the class weights integrated out
   (`_ridge_moves`), then draw lambda from its Beta full conditional and the stick-breaking weights
   and alpha.

Step 4's first part is this implementation's addition. On sparse tables with many lists (the
Netherlands and UK trafficking cases in shared/eval/mse_cases.json) the posterior has a long ridge:
a class that lists rarely record can hold a few thousand or a hundred thousand unrecorded people,
its lambda falling as its size grows. Plain Gibbs steps move along it only as fast as lambda and
the size can follow each other, so chains started side by side ended tens of thousands apart after
15,000 sweeps (R-hat 2.5 to 4.8). With lambda and the weights integrated out, the number of
unrecorded people in a class has a closed-form conditional up to a constant (Beta-Binomial and
stick-breaking marginals), and a Metropolis random walk on it crosses the ridge in a few steps;
lambda and the weights are then drawn given the new sizes, so the sweep stays a valid sampler of the
same posterior.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln, ndtr

from gawah.analysis.captures import CaptureTable, EstimationRefused

MIN_LCMCR_LISTS = 3
SWAPS_PER_SWEEP = 2
HEAT_START = 0.05
HEAT_SHARE = 0.75


@dataclass(frozen=True)
class LcmcrSettings:
    """Sampler settings; the defaults take about 5 to 20 seconds on a six-list table (15,000 sweeps
    of 4 chains; the ridge moves make a sweep about five times dearer than a plain Gibbs sweep, and
    the effective sample size on sparse tables 5 to 30 times larger)."""

    classes: int = 10
    burn_in: int = 10000
    samples: int = 500
    thinning: int = 10
    chains: int = 4
    a_alpha: float = 0.25
    b_alpha: float = 0.25
    seed: int = 0
    # Metropolis passes per sweep over the classes' unrecorded counts, lambda and weights integrated
    # out (0: plain Gibbs, as in the R package).
    ridge_moves: int = 1
    # Metropolis swaps of class labels each sweep (False: none, as in the R package).
    label_swaps: bool = True

    def check(self) -> None:
        if self.classes < 1:
            raise EstimationRefused("the latent-class model needs at least one class")
        if self.burn_in < 0 or self.samples < 10 or self.thinning < 1 or self.chains < 1:
            raise EstimationRefused("burn-in must be >= 0, samples >= 10, thinning >= 1 and chains >= 1")
        if self.a_alpha <= 0 or self.b_alpha <= 0:
            raise EstimationRefused("the Gamma prior on alpha needs positive parameters")
        if self.ridge_moves < 0:
            raise EstimationRefused("ridge moves must be >= 0")


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

    ridge = _RidgeMoves(n, n_chains, k_cls, settings.ridge_moves)
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

        if settings.ridge_moves:
            missed_by_class = ridge.move(
                missed_by_class,
                observed_by_class,
                ones_by_class,
                alpha,
                rng,
                tune=sweep < settings.burn_in,
                heat=_heat(sweep, settings.burn_in),
            )
            n0 = missed_by_class.sum(axis=1)
        if settings.label_swaps:
            order = _swap_labels(observed_by_class + missed_by_class, alpha, rng, SWAPS_PER_SWEEP)
            observed_by_class = np.take_along_axis(observed_by_class, order, axis=1)
            missed_by_class = np.take_along_axis(missed_by_class, order, axis=1)
            ones_by_class = np.take_along_axis(ones_by_class, order[:, :, None], axis=1)
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


def _heat(sweep: int, burn_in: int) -> float:
    """The power on the moves' target: flattened early in burn-in so a chain started in a minor mode
    can leave it (HEAT_START rising to 1 over the first HEAT_SHARE of it), exact (1) afterwards."""
    span = int(burn_in * HEAT_SHARE)
    if sweep >= span or span == 0:
        return 1.0
    return HEAT_START + (1.0 - HEAT_START) * sweep / span


def _log_sticks(sizes: NDArray[np.float64], alpha: NDArray[np.float64]) -> NDArray[np.float64]:
    """log p(class sizes | alpha) under truncated stick-breaking, the weights integrated out (per chain)."""
    rest = np.cumsum(sizes[:, ::-1], axis=1)[:, ::-1] - sizes
    a = alpha[:, None]
    terms = (
        gammaln(1.0 + sizes[:, :-1])
        + gammaln(a + rest[:, :-1])
        - gammaln(1.0 + a + sizes[:, :-1] + rest[:, :-1])
    )
    return np.asarray(terms.sum(axis=1), dtype=np.float64)


def _swap_labels(
    sizes: NDArray[np.int64], alpha: NDArray[np.float64], rng: np.random.Generator, tries: int
) -> NDArray[np.int64]:
    """Metropolis swaps of two classes' labels (Papaspiliopoulos & Roberts 2008); returns the new order.

    Stick-breaking weights are ordered in prior, so a large class born at a late label sits under a
    small weight the Gibbs steps cannot reorder: a chain stays where it is for thousands of sweeps.
    Exchanging two labels changes nothing but the stick-breaking prior (the likelihood is the same
    whatever the names), so the swap is accepted with the ratio of that prior, weights integrated out.
    """
    chains, classes = sizes.shape
    order = np.tile(np.arange(classes), (chains, 1))
    current = sizes.astype(float)
    rows = np.arange(chains)
    log_now = _log_sticks(current, alpha)
    for _ in range(tries):
        first = rng.integers(0, classes, chains)
        second = (first + rng.integers(1, classes, chains)) % classes
        proposal = current.copy()
        proposal[rows, first], proposal[rows, second] = current[rows, second], current[rows, first]
        log_new = _log_sticks(proposal, alpha)
        accept = np.log(rng.random(chains)) < log_new - log_now
        swapped = order.copy()
        swapped[rows, first], swapped[rows, second] = order[rows, second], order[rows, first]
        order = np.where(accept[:, None], swapped, order)
        current = np.where(accept[:, None], proposal, current)
        log_now = np.where(accept, log_new, log_now)
    return order


class _RidgeMoves:
    """Metropolis moves of each class's unrecorded count m_k with lambda and the weights integrated out.

    Up to a constant in m, with N = n + sum(m), n_k = o_k + m_k (o_k: recorded people in class k),
    s_j the ones of list j in class k, and r_k = n_{k+1} + ... + n_K:

        log p(m | allocation, alpha) = log (N-1)! - sum_k log m_k!
            + sum_{k<K} [log n_k! + log Gamma(alpha + r_k) - log Gamma(1 + alpha + n_k + r_k)]
            + sum_{k,j} [log (n_k - s_kj)! - log (n_k + 1)!]

    from the prior 1/N on N, the multinomial split of the N - n unrecorded among classes, the
    stick-breaking Beta(1, alpha) weights and the Beta(1, 1) list probabilities. Each class in turn
    gets a symmetric random-walk proposal whose step is tuned during burn-in (towards 40%
    acceptance) and fixed afterwards, so the draws kept come from a fixed, valid kernel.
    """

    TARGET = 0.4
    SCALE = 1.0
    JUMPS = 0.5

    def __init__(self, observed: int, chains: int, classes: int, passes: int) -> None:
        self.observed = observed
        self.passes = passes
        self.log_step = np.full((chains, classes), math.log(5.0))
        self.sweeps = 0

    def log_target(
        self,
        missed: NDArray[np.int64],
        observed_by_class: NDArray[np.int64],
        ones: NDArray[np.int64],
        alpha: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        sizes = (observed_by_class + missed).astype(float)
        total = self.observed + missed.sum(axis=1)
        sticks = _log_sticks(sizes, alpha)
        lists = gammaln(sizes[:, :, None] - ones + 1.0).sum(axis=2) - ones.shape[2] * gammaln(sizes + 2.0)
        return np.asarray(
            gammaln(total.astype(float)) - gammaln(missed + 1.0).sum(axis=1) + sticks + lists.sum(axis=1),
            dtype=np.float64,
        )

    def move(
        self,
        missed: NDArray[np.int64],
        observed_by_class: NDArray[np.int64],
        ones: NDArray[np.int64],
        alpha: NDArray[np.float64],
        rng: np.random.Generator,
        *,
        tune: bool,
        heat: float = 1.0,
    ) -> NDArray[np.int64]:
        missed = missed.copy()
        current = self.log_target(missed, observed_by_class, ones, alpha)
        chains, classes = missed.shape
        self.sweeps += 1
        for _ in range(self.passes):
            for k in range(classes):
                # One of two kernels, chosen by a coin that ignores the state (so the mixture is valid):
                # a jump on the log scale, or a random walk with a tuned step.
                if rng.random() < self.JUMPS:
                    missed, current = self._scale(
                        k, missed, current, observed_by_class, ones, alpha, rng, heat
                    )
                    continue
                step = np.exp(self.log_step[:, k])
                delta = np.rint(rng.normal(0.0, 1.0, chains) * step).astype(np.int64)
                proposal = missed.copy()
                proposal[:, k] += delta
                valid = (proposal[:, k] >= 0) & (delta != 0)
                proposal[~valid, k] = missed[~valid, k]
                new = self.log_target(proposal, observed_by_class, ones, alpha)
                accept = valid & (np.log(rng.random(chains)) < heat * (new - current))
                missed[accept, k] = proposal[accept, k]
                current = np.where(accept, new, current)
                if tune:
                    # Robbins-Monro on the log step, fading so the step settles before burn-in ends.
                    rate = 1.0 / math.sqrt(self.sweeps)
                    self.log_step[:, k] += rate * (accept.astype(float) - self.TARGET)
                    np.clip(self.log_step[:, k], 0.0, 12.0, out=self.log_step[:, k])
        return missed

    def _scale(
        self,
        k: int,
        missed: NDArray[np.int64],
        current: NDArray[np.float64],
        observed_by_class: NDArray[np.int64],
        ones: NDArray[np.int64],
        alpha: NDArray[np.float64],
        rng: np.random.Generator,
        heat: float,
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """A multiplicative jump of m_k (up to e^{+-2} at once): where the ridge holds two regions
        of high density apart, the random walk's tuned step is too short to cross between them.

        m' + 1 = floor(exp(log(m + 1) + SCALE * z)); the Hastings ratio uses the exact probability
        of landing on each integer, q(m -> m') = Phi(log((m'+2)/(m+1))/SCALE) - Phi(log((m'+1)/(m+1))/SCALE).
        """
        chains = missed.shape[0]
        here = missed[:, k].astype(float) + 1.0
        there = np.floor(np.exp(np.log(here) + self.SCALE * rng.normal(0.0, 1.0, chains)))
        there = np.clip(there, 1.0, 1e12)
        proposal = missed.copy()
        proposal[:, k] = there.astype(np.int64) - 1
        moved = proposal[:, k] != missed[:, k]

        def landing(origin: NDArray[np.float64], target: NDArray[np.float64]) -> NDArray[np.float64]:
            upper = ndtr(np.log((target + 1.0) / origin) / self.SCALE)
            # Every draw below 1 lands on m' = 0.
            lower = np.where(target <= 1.0, 0.0, ndtr(np.log(target / origin) / self.SCALE))
            return np.asarray(np.log(np.maximum(upper - lower, 1e-300)), dtype=np.float64)

        new = self.log_target(proposal, observed_by_class, ones, alpha)
        log_ratio = heat * (new - current) + landing(there, here) - landing(here, there)
        accept = moved & (np.log(rng.random(chains)) < log_ratio)
        missed = np.where(accept[:, None], proposal, missed)
        return missed, np.where(accept, new, current)


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
