"""Bayesian latent-class multiple systems estimation (LCMCR; Manrique-Vallier 2016).

People fall into latent classes; within a class each list records a person independently with
its own probability. Heterogeneity in how easy people are to record (the usual reason lists
overlap more than chance) is captured by the mixture. The class weights follow a Dirichlet
process, truncated at ``K`` classes and written as stick-breaking, with concentration
``alpha ~ Gamma(a, b)``; list probabilities have uniform Beta(1, 1) priors and the population
size the improper prior p(N) ∝ 1/N. This is the model of the R package LCMCR (the defaults
``K``, ``a_alpha = b_alpha = 0.25`` follow it); the sampler here is a fresh numpy
implementation of the data-augmentation Gibbs sampler described in the paper, working on the
aggregated table (one multinomial draw per pattern and chain instead of one draw per person), with
all chains advanced together in the same arrays.

Sweep, given the class weights pi and list probabilities lambda:
1. allocate the people of each observed pattern to classes (multinomial);
2. draw the number never recorded, n0 ~ NegBinomial(n, 1 - p0), p0 = Pr(on no list);
3. allocate those n0 to classes;
4. move the numbers never recorded in the occupied classes with lambda and the weights integrated
   out (`_RidgeMoves`), swap class labels (`_swap_labels`), then draw lambda from its Beta full
   conditional, the stick-breaking weights and alpha.

Why step 4. On sparse tables with many lists (the Netherlands and UK trafficking cases in
shared/eval/mse_cases.json) the posterior has a long ridge: a class that lists rarely record can
hold a few thousand or a hundred thousand unrecorded people, its lambda falling as its size grows,
and plain Gibbs steps move along it only as fast as lambda and the size follow each other (R-hat
2.5 to 4.8 after 15,000 sweeps). With lambda and the weights integrated out the unrecorded count of
a class has a closed-form conditional up to a constant, and a Metropolis random walk on it crosses
the ridge in a few steps; lambda and the weights are then drawn given the new sizes, so the sweep
stays a valid sampler of the same posterior.

Why the start. The Netherlands posterior also has a minor mode: the people recorded by list K
(1,299 by K alone, 1,350 in all) form a class of their own that K records almost surely and no
other list does, and the total sits near 50,000 instead of about 145,000. Chains in it leave only
through states some 10 to 25 nats less likely (the class merging into the hard-to-record one while
the number unrecorded grows), which takes thousands of sweeps. In the runs made to diagnose it
(over 300,000 chain-sweeps in the main mode) no chain that had reached the main mode went back,
while chains left the minor one every few thousand sweeps: by detailed balance the minor mode holds
little posterior mass. Chains fell into it because they started with ten classes of random list
probabilities, among which a K-only class could take shape at once. Chains here start with
everyone in one class (the first stick weight near 1) at list probabilities spread between the
independence fit and a population ten times larger, so classes split off as the data ask; R-hat,
computed on split chains that started apart, still reports any chain that does not join the others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln

from gawah.analysis.captures import CaptureTable, EstimationRefused

MIN_LCMCR_LISTS = 3
SWAPS_PER_SWEEP = 1
# Chain i starts at the coverage of a population START_SPREAD ** u_i times the independence total.
START_SPREAD = 10.0
# The first class's stick-breaking share at the start: everyone starts in one class.
START_FIRST_WEIGHT = 0.999


@dataclass(frozen=True)
class LcmcrSettings:
    """Sampler settings; the defaults take about 4 seconds on a six-list table on a 2-core machine
    (8,000 sweeps of 4 chains advanced together: 6,000 of burn-in, then 500 draws per chain, one
    every 4 sweeps).

    Why these (before: 10,000 of burn-in, 500 draws every 10 sweeps, 12 to 17 seconds): from the
    one-class start, chains on the Netherlands table joined the main mode within a few thousand
    sweeps in the diagnosis runs, and with 6,000 of burn-in the chains agreed (R-hat < 1.05) for
    each of 10 seeds on the Netherlands and UK tables; and the ridge moves, spent on the classes that
    hold the unrecorded, bring the autocorrelation down far enough that 500 draws every 4 sweeps
    give an effective sample size of about 350 to 1,000 on the UK and Netherlands tables. Denser
    tables (Kosovo, spina bifida) mix more slowly (effective sizes of about 50 to 180): the
    estimate warns when it is under 200; raise --burn-in and --samples there.
    """

    classes: int = 10
    burn_in: int = 6000
    samples: int = 500
    thinning: int = 4
    chains: int = 4
    a_alpha: float = 0.25
    b_alpha: float = 0.25
    seed: int = 0
    # Metropolis moves per sweep on the unrecorded count of an occupied class, lambda and the
    # weights integrated out (0: plain Gibbs, as in the R package).
    ridge_moves: int = 4
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
        """Split-chain Gelman-Rubin potential scale reduction of log N (Gelman et al., Bayesian Data
        Analysis, 3rd ed., section 11.4): 1 when the chains agree. Each chain is cut in halves, so a
        chain still drifting from one region to another shows as well as chains that disagree."""
        x = np.log(self.chains.astype(float))
        half = x.shape[1] // 2
        if half < 2:
            return math.nan
        x = np.concatenate([x[:, :half], x[:, x.shape[1] - half :]], axis=0)
        m, n = x.shape
        if m < 2:
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
    """Run the sampler and return the thinned posterior draws of N, chain by chain.

    The chains run side by side in the same numpy arrays (one leading axis per chain): the cost
    of a sweep is dominated by per-call overhead, so several chains cost little more than one.
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
    cell_counts = np.broadcast_to(counts, (n_chains, counts.size))

    lam, pi = _start(table, n, n_chains, k_cls, rng)
    alpha = np.ones(n_chains)
    ridge = _RidgeMoves(n, n_chains, k_cls, settings.ridge_moves)
    kept: list[NDArray[np.int64]] = []
    used: list[float] = []
    total_sweeps = settings.burn_in + settings.samples * settings.thinning
    for sweep in range(total_sweeps):
        log_not = np.log1p(-lam)
        # log Pr(pattern | class) = sum_j x_j log(lam_j / (1 - lam_j)) + sum_j log(1 - lam_j):
        # chains x cells x classes, one matrix product per sweep.
        log_odds = np.log(lam) - log_not
        log_missed = log_not.sum(axis=2)  # log Pr(on no list | class): chains x classes
        log_post = patterns @ log_odds.transpose(0, 2, 1) + (log_missed + np.log(pi))[:, None, :]
        log_post -= log_post.max(axis=2, keepdims=True)
        probs = np.exp(log_post)
        probs /= probs.sum(axis=2, keepdims=True)
        alloc = rng.multinomial(cell_counts, probs)  # chains x cells x classes
        observed_by_class = alloc.sum(axis=1)
        ones_by_class = alloc.transpose(0, 2, 1) @ patterns  # chains x classes x lists

        weights0 = pi * np.exp(log_missed)
        p0 = np.clip(weights0.sum(axis=1), 1e-300, 1.0 - 1e-12)
        n0 = rng.negative_binomial(n, 1.0 - p0)
        missed_by_class = rng.multinomial(n0, weights0 / p0[:, None])

        if settings.ridge_moves:
            missed_by_class = ridge.move(
                missed_by_class, observed_by_class, ones_by_class, alpha, rng, tune=sweep < settings.burn_in
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


def _start(
    table: CaptureTable, observed: int, chains: int, classes: int, rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Starting list probabilities (chains x classes x lists) and class weights (chains x classes).

    Chain i starts every class at the coverage the lists would have if the population were
    START_SPREAD ** u_i times Darroch's independence total (u_i stratified on [0, 1), so the chains
    start apart), jittered per class, with nearly all the weight on the first class: the first
    sweep puts everyone there, and further classes split off as the data ask (see the module notes
    for why not ten random classes).
    """
    totals = np.array(list(table.list_totals().values()), dtype=float)
    base = independence_total(totals, observed)
    u = (np.arange(chains) + rng.random(chains)) / chains
    coverage = totals[None, :] / (base * START_SPREAD ** u[:, None])  # chains x lists
    jitter = rng.normal(0.0, 0.5, size=(chains, classes, totals.size))
    lam = np.clip(1.0 / (1.0 + (1.0 / coverage[:, None, :] - 1.0) * np.exp(jitter)), 1e-4, 0.99)
    v = rng.beta(1.0, 1.0, size=(chains, classes))
    v[:, 0] = START_FIRST_WEIGHT
    v[:, -1] = 1.0
    return lam, _stick_weights(v)


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
    if classes < 2:
        return order
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
    """Metropolis moves of an occupied class's unrecorded count m_k, lambda and the weights integrated out.

    Up to a constant in m, with N = n + sum(m), n_k = o_k + m_k (o_k: recorded people in class k),
    s_j the ones of list j in class k, and r_k = n_{k+1} + ... + n_K:

        log p(m | allocation, alpha) = log (N-1)! - sum_k log m_k!
            + sum_{k<K} [log n_k! + log Gamma(alpha + r_k) - log Gamma(1 + alpha + n_k + r_k)]
            + sum_{k,j} [log (n_k - s_kj)! - log (n_k + 1)!]

    from the prior 1/N on N, the multinomial split of the N - n unrecorded among classes, the
    stick-breaking Beta(1, alpha) weights and the Beta(1, 1) list probabilities. Each move draws,
    chain by chain, one class with probability proportional to its recorded people (see `move`)
    and proposes a symmetric random-walk step: the tuned step (towards 40% acceptance during burn-in, fixed
    afterwards, so the draws kept come from a fixed, valid kernel) or, by a coin that ignores the
    state, a step up to e^{+-SPREAD} times longer or shorter, for where the ridge holds two regions
    of high density apart.
    """

    TARGET = 0.4
    SPREAD = 3.0
    WIDE = 0.3

    def __init__(self, observed: int, chains: int, classes: int, moves: int) -> None:
        self.observed = observed
        self.moves = moves
        self.log_step = np.full((chains, classes), math.log(5.0))
        self.sweeps = 0

    def move(
        self,
        missed: NDArray[np.int64],
        observed_by_class: NDArray[np.int64],
        ones: NDArray[np.float64],
        alpha: NDArray[np.float64],
        rng: np.random.Generator,
        *,
        tune: bool,
    ) -> NDArray[np.int64]:
        chains = missed.shape[0]
        n_lists = ones.shape[2]
        rows = np.arange(chains)
        missed = missed.copy()
        sizes = (observed_by_class + missed).astype(float)
        total = self.observed + missed.sum(axis=1).astype(float)
        sticks = _log_sticks(sizes, alpha)
        # The class to move is drawn with probability proportional to its recorded people: this
        # depends on the allocation only, which the moves leave as it is, so every move keeps the
        # target; it spends the moves where the unrecorded are (the largest, hardest-to-record
        # class holds nearly all of them), and an empty class, with no list data to trade its size
        # against, is left to the exact Gibbs draw of the unrecorded.
        weight = np.cumsum(observed_by_class, axis=1).astype(float)
        uniform = rng.random((self.moves, 4, chains))  # class, wide coin, spread, acceptance
        normal = rng.standard_normal((self.moves, chains))
        self.sweeps += 1
        rate = 1.0 / math.sqrt(self.sweeps)
        for i in range(self.moves):
            k = np.argmax(weight > uniform[i, 0, :, None] * weight[:, -1:], axis=1)
            wide = uniform[i, 1] < self.WIDE
            log_step = self.log_step[rows, k] + np.where(wide, self.SPREAD * (2.0 * uniform[i, 2] - 1.0), 0.0)
            here = missed[rows, k].astype(float)
            delta = np.rint(normal[i] * np.exp(log_step))
            valid = (here + delta >= 0.0) & (delta != 0.0)
            delta = np.where(valid, delta, 0.0)
            size_k = sizes[rows, k]
            resized = sizes.copy()
            resized[rows, k] += delta
            # The change in log p(m | allocation, alpha) when m_k moves by delta (see the class notes).
            single = gammaln(
                np.stack(
                    [total + delta, total, here + delta + 1.0, here + 1.0, size_k + delta + 2.0, size_k + 2.0]
                )
            )
            ones_k = ones[rows, k]
            per_list = gammaln(np.stack([size_k + delta, size_k])[:, :, None] - ones_k + 1.0).sum(axis=2)
            new_sticks = _log_sticks(resized, alpha)
            change = (
                single[0]
                - single[1]
                - single[2]
                + single[3]
                - n_lists * (single[4] - single[5])
                + per_list[0]
                - per_list[1]
                + new_sticks
                - sticks
            )
            accept = valid & (np.log(uniform[i, 3]) < change)
            step = np.where(accept, delta, 0.0)
            missed[rows, k] += step.astype(np.int64)
            total += step
            sizes = np.where(accept[:, None], resized, sizes)
            sticks = np.where(accept, new_sticks, sticks)
            if tune:
                # Robbins-Monro on the tuned log step, fading so it settles before burn-in ends.
                moved = self.log_step[rows, k] + np.where(wide, 0.0, rate * (accept - self.TARGET))
                self.log_step[rows, k] = np.clip(moved, 0.0, 12.0)
        return missed


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
