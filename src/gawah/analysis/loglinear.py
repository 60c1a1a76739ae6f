"""Log-linear multiple systems estimation (Fienberg 1972; Bishop, Fienberg & Holland 1975).

The counts of the 2^k - 1 observable inclusion patterns are modelled as independent Poisson
variables whose logarithm is linear in the list indicators and chosen interactions between
lists. The unobserved pattern (on no list) has every indicator at zero, so its expected count is
``exp(intercept)``: a model that fits what was seen says how many nobody saw.

A model is a set of interaction terms (tuples of list indices, e.g. ``(0, 1)`` for lists 0 and
1 recorded people together more often than chance); main effects are always included and
models are hierarchical. The interaction of all k lists is never allowed: it is confounded with
the unobserved cell, which is what makes the estimate rest on an untestable assumption.

Before a model is fitted it is checked, as Chan, Silverman & Vincent (2019, SparseMSE) advise:
the design must have full rank (identifiability) and the maximum likelihood estimate must exist
(Fienberg & Rinaldo 2012: the observed margins must lie in the relative interior of the cone
spanned by the design, decided here by a linear programme). Models failing either are reported
with the reason and never selected.

Intervals are profile-likelihood intervals for the unobserved count (the intercept is fixed on
a grid of values, the rest refitted, and the chi-square cut-off with one degree of freedom
applied), shifted by the number observed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import linalg, optimize, stats

from gawah.analysis.captures import CaptureTable, EstimationRefused

Term = tuple[int, ...]
FloatArray = NDArray[np.float64]

CRITERIA = ("aic", "bic")
# Beyond this many lists the exhaustive search is replaced by stepwise selection.
EXHAUSTIVE_MAX_LISTS = 4
MAX_LOGLINEAR_LISTS = 12
_MAX_ITER = 100
_TOL = 1e-10


@dataclass(frozen=True)
class PoissonFit:
    beta: FloatArray
    mu: FloatArray
    loglik: float
    converged: bool


@dataclass
class LoglinearModel:
    """One fitted (or refused) log-linear model."""

    terms: tuple[Term, ...]
    n_params: int
    df: int
    usable: bool
    reason: str = ""
    n0: float = math.nan
    deviance: float = math.nan
    loglik: float = math.nan
    aic: float = math.nan
    bic: float = math.nan
    weight: float = 0.0
    interval_n0: tuple[float, float] | None = None
    notes: list[str] = field(default_factory=list)

    def label(self, lists: Sequence[str]) -> str:
        return model_label(self.terms, lists)


def model_label(terms: Iterable[Term], lists: Sequence[str]) -> str:
    """'independence' or 'main + A:B + A:C', in the names of the lists."""
    parts = [":".join(lists[j] for j in term) for term in sorted(terms, key=lambda t: (len(t), t))]
    return "independence" if not parts else "main + " + " + ".join(parts)


def index_label(terms: Iterable[Term]) -> str:
    """The compact form used in the evaluation cases: 'main+01+12'."""
    parts = ["".join(str(j) for j in term) for term in sorted(terms, key=lambda t: (len(t), t))]
    return "independence" if not parts else "main+" + "+".join(parts)


def cell_matrix(k: int) -> NDArray[np.int64]:
    """Rows are the 2^k - 1 observable patterns, in the order of CaptureTable.observable_patterns."""
    codes = np.arange(1, 2**k)
    shifts = np.arange(k - 1, -1, -1)
    return ((codes[:, None] >> shifts[None, :]) & 1).astype(np.int64)


def design_matrix(k: int, terms: Iterable[Term]) -> FloatArray:
    """Intercept, k main effects, then one column per interaction term."""
    cells = cell_matrix(k)
    columns = [np.ones(cells.shape[0]), *[cells[:, j].astype(float) for j in range(k)]]
    for term in terms:
        columns.append(np.prod(cells[:, list(term)], axis=1).astype(float))
    return np.column_stack(columns)


def cell_counts(table: CaptureTable) -> FloatArray:
    return np.array([table.count(p) for p in table.observable_patterns()], dtype=float)


def poisson_loglik(y: FloatArray, mu: FloatArray) -> float:
    """Poisson log-likelihood without the log(y!) constant."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(y > 0, y * np.log(mu), 0.0) - mu
    return float(np.sum(terms))


def saturated_loglik(y: FloatArray) -> float:
    return poisson_loglik(y, np.where(y > 0, y, 1.0)) + float(np.sum(np.where(y > 0, 0.0, 1.0)))


def fit_poisson(
    X: FloatArray, y: FloatArray, offset: FloatArray | None = None, start: FloatArray | None = None
) -> PoissonFit:
    """Maximum likelihood Poisson regression with log link by Newton-Raphson (= IRLS).

    Starts from ``start`` or the least-squares fit to log(y + 0.5) and halves steps that lower
    the likelihood, so it converges whenever the maximum exists (checked beforehand).
    """
    off = np.zeros_like(y) if offset is None else offset
    if X.shape[1] == 0:
        mu = np.exp(off)
        return PoissonFit(np.zeros(0), mu, poisson_loglik(y, mu), True)
    if start is None:
        beta = np.asarray(np.linalg.lstsq(X, np.log(y + 0.5) - off, rcond=None)[0], dtype=np.float64)
    else:
        beta = start.copy()
    mu = np.exp(np.clip(X @ beta + off, -700, 700))
    ll = poisson_loglik(y, mu)
    for _ in range(_MAX_ITER):
        grad = X.T @ (y - mu)
        hess = X.T @ (X * mu[:, None])
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        scale = 1.0
        while True:
            new_beta = beta + scale * step
            new_mu = np.exp(np.clip(X @ new_beta + off, -700, 700))
            new_ll = poisson_loglik(y, new_mu)
            if new_ll >= ll - 1e-12 * max(1.0, abs(ll)) or scale < 1e-8:
                break
            scale /= 2
        gain = new_ll - ll
        beta, mu, ll = new_beta, new_mu, new_ll
        if abs(gain) <= _TOL * max(1.0, abs(ll)) and float(np.max(np.abs(scale * step))) < 1e-7:
            return PoissonFit(beta, mu, ll, True)
    return PoissonFit(beta, mu, ll, False)


def facial_set(X: FloatArray, y: FloatArray) -> NDArray[np.bool_]:
    """Cells whose fitted mean can be positive (Fienberg & Rinaldo 2012).

    The maximum likelihood estimate exists in the usual sense only when every cell can be; if
    not, the extended estimate fits the model on this facial set and the other cells' means are
    zero. A cell belongs to the set when some non-negative vector of cell means reproduces the
    observed sufficient statistics X'y while giving it a positive mean; each linear programme
    maximises the sum of the cells not yet placed, so a few of them settle all cells.
    """
    support = y > 0
    if bool(np.all(support)):
        return support
    scale = max(float(np.sum(y)), 1.0)
    n_cells = X.shape[0]
    a_eq = X.T
    b_eq = X.T @ (y / scale)
    # A cell inside a zero margin is forced to zero. Usually every other cell can be positive,
    # which one programme confirms (maximise the smallest of their means).
    margins = X.T @ y
    forced = np.any((X > 0) & (margins[None, :] <= 0), axis=1)
    free = ~forced
    c = np.zeros(n_cells + 1)
    c[-1] = -1.0
    floor_rows = np.hstack([-np.eye(n_cells)[free], np.ones((int(np.sum(free)), 1))])
    bounds = [(0.0, 0.0) if f else (0.0, None) for f in forced] + [(0.0, 1.0)]
    result = optimize.linprog(
        c,
        A_ub=floor_rows,
        b_ub=np.zeros(floor_rows.shape[0]),
        A_eq=np.hstack([a_eq, np.zeros((a_eq.shape[0], 1))]),
        b_eq=b_eq,
        bounds=bounds,
        method="highs",
    )
    if result.status == 0 and -result.fun > 1e-9:
        return free
    remaining = ~support & free
    while bool(np.any(remaining)):
        c = np.where(remaining, -1.0, 0.0)
        result = optimize.linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=[(0.0, None)] * n_cells, method="highs")
        if result.status != 0 or -result.fun <= 1e-9:
            break
        newly = remaining & (np.asarray(result.x) > 1e-9)
        if not bool(np.any(newly)):
            break
        support = support | newly
        remaining = remaining & ~newly
    return support


def independent_columns(M: FloatArray) -> NDArray[np.int64]:
    """Indices of a maximal set of linearly independent columns, in their original order."""
    if M.shape[1] == 0:
        return np.zeros(0, dtype=np.int64)
    _, r, piv = linalg.qr(M, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    tol = max(M.shape) * np.finfo(float).eps * (diag[0] if diag.size else 0.0)
    rank = int(np.sum(diag > tol))
    return np.sort(piv[:rank]).astype(np.int64)


def is_hierarchical(terms: Iterable[Term]) -> bool:
    present = set(terms)
    for term in present:
        if len(term) > 2:
            for face in itertools.combinations(term, len(term) - 1):
                if len(face) >= 2 and face not in present:
                    return False
    return True


@dataclass(frozen=True)
class _FacialDesign:
    """A model's design restricted to its facial set, with full column rank, intercept first."""

    support: NDArray[np.bool_]
    X: FloatArray
    y: FloatArray


def _restrict(k: int, terms: Sequence[Term], y: FloatArray) -> _FacialDesign | str:
    """The design on the facial set, or the reason the unobserved count is not determined."""
    X = design_matrix(k, terms)
    support = facial_set(X, y)
    on_face = X[support]
    rest = on_face[:, 1:]
    keep = independent_columns(rest)
    rest = rest[:, keep]
    ones = on_face[:, :1]
    if rest.shape[1] and len(independent_columns(np.hstack([ones, rest]))) == rest.shape[1]:
        return (
            "the unobserved count is not determined: zero cells put the observed margins on the "
            "boundary and the estimate would diverge"
        )
    return _FacialDesign(support=support, X=np.hstack([ones, rest]), y=y[support])


def fit_model(table: CaptureTable, terms: Sequence[Term], y: FloatArray | None = None) -> LoglinearModel:
    """Fit one model; a model that cannot give an estimate comes back with ``usable=False``.

    Where zero cells put the maximum likelihood estimate on the boundary, the extended estimate
    is used (the model fitted on the facial set) if it still determines the unobserved count,
    as SparseMSE's existence check allows.
    """
    k = table.n_lists
    y = cell_counts(table) if y is None else y
    terms = tuple(sorted(terms, key=lambda t: (len(t), t)))
    n_cells = 2**k - 1
    n_params = 1 + k + len(terms)
    model = LoglinearModel(terms=terms, n_params=n_params, df=n_cells - n_params, usable=False)
    if any(len(t) >= k for t in terms):
        model.reason = "the interaction of all lists is confounded with the unobserved cell"
        return model
    if model.df < 0:
        model.reason = "more parameters than observable cells"
        return model
    restricted = _restrict(k, terms, y)
    if isinstance(restricted, str):
        model.reason = restricted
        return model
    fit = fit_poisson(restricted.X, restricted.y)
    if not fit.converged or not np.all(np.isfinite(fit.beta)):
        model.reason = "the fit did not converge"
        return model
    n_observed = float(np.sum(y))
    model.usable = True
    model.n0 = float(math.exp(fit.beta[0]))
    model.loglik = fit.loglik
    model.deviance = max(0.0, 2.0 * (saturated_loglik(restricted.y) - fit.loglik))
    # Penalise every term named by the model, including one driven to minus infinity by zero
    # cells: counting only the rank on the facial set would make such terms free to add.
    model.aic = -2.0 * fit.loglik + 2.0 * n_params
    model.bic = -2.0 * fit.loglik + math.log(n_observed) * n_params
    outside = int(np.sum(~restricted.support))
    if outside:
        model.notes.append(
            f"{outside} zero cell(s) fitted as zero (the estimate lies on the boundary; the extended "
            "maximum likelihood estimate is used)"
        )
    if model.df == 0:
        model.notes.append("saturated for the observed cells: no degrees of freedom left to test its fit")
    return model


def profile_interval(
    table: CaptureTable, terms: Sequence[Term], level: float = 0.95, y: FloatArray | None = None
) -> tuple[float, float]:
    """Profile-likelihood interval for the unobserved count under one model.

    The intercept (log of the unobserved count) is fixed, the other parameters refitted; the
    interval holds the values whose likelihood-ratio statistic is below the chi-square(1)
    quantile. An upper end that does not exist is returned as ``inf``.
    """
    k = table.n_lists
    y = cell_counts(table) if y is None else y
    restricted = _restrict(k, terms, y)
    if isinstance(restricted, str):
        raise EstimationRefused(restricted)
    X, yf = restricted.X, restricted.y
    full = fit_poisson(X, yf)
    b_hat = float(full.beta[0])
    cut = float(stats.chi2.ppf(level, df=1)) / 2.0
    rest = X[:, 1:]
    start_beta = full.beta[1:]

    def drop(b0: float) -> float:
        off = np.full_like(yf, b0)
        fit = fit_poisson(rest, yf, off, start_beta)
        return full.loglik - fit.loglik - cut

    def find(direction: float) -> float:
        step = 0.05
        inner = b_hat
        outer = b_hat + direction * step
        while abs(outer - b_hat) < 60:
            if drop(outer) > 0:
                return float(optimize.brentq(drop, min(inner, outer), max(inner, outer), xtol=1e-9))
            inner = outer
            step *= 1.6
            outer = b_hat + direction * step
        return math.inf * direction

    low = find(-1.0)
    high = find(1.0)
    return (math.exp(low) if math.isfinite(low) else 0.0, math.exp(high) if math.isfinite(high) else math.inf)


def hierarchical_models(k: int, max_order: int | None = None) -> list[tuple[Term, ...]]:
    """Every hierarchical model with interactions of order 2..max_order (at most k - 1)."""
    top = min(k - 1, 3 if max_order is None else max_order)
    pairs = list(itertools.combinations(range(k), 2))
    models: list[tuple[Term, ...]] = []
    for r in range(len(pairs) + 1):
        for chosen in itertools.combinations(pairs, r):
            chosen_set = set(chosen)
            triples = [
                t
                for t in itertools.combinations(range(k), 3)
                if top >= 3 and all(face in chosen_set for face in itertools.combinations(t, 2))
            ]
            for q in range(len(triples) + 1):
                for extra in itertools.combinations(triples, q):
                    models.append(tuple(chosen) + tuple(extra))
    return models


def _criterion(model: LoglinearModel, criterion: str) -> float:
    return model.aic if criterion == "aic" else model.bic


def _neighbours(k: int, terms: frozenset[Term], max_order: int) -> list[frozenset[Term]]:
    """Models one hierarchical step away: add a term whose faces are present, or drop a top term."""
    out: list[frozenset[Term]] = []
    for order in range(2, max_order + 1):
        for term in itertools.combinations(range(k), order):
            if term in terms:
                continue
            faces = itertools.combinations(term, order - 1)
            if order == 2 or all(face in terms for face in faces):
                out.append(terms | {term})
    for term in terms:
        if not any(len(other) > len(term) and set(term) <= set(other) for other in terms):
            out.append(terms - {term})
    return out


@dataclass
class ModelSearch:
    """All models fitted, best first by the criterion, with the search that produced them."""

    models: list[LoglinearModel]
    refused: list[LoglinearModel]
    criterion: str
    search: str

    @property
    def best(self) -> LoglinearModel:
        return self.models[0]


def search_models(table: CaptureTable, criterion: str = "bic", max_order: int | None = None) -> ModelSearch:
    """Fit candidate models and rank the usable ones by AIC or BIC.

    Up to four lists every hierarchical model (two- and three-list interactions) is fitted; with
    more lists, a stepwise search from independence adds or drops one term at a time while the
    criterion improves. Akaike/Schwarz weights are attached to the usable models.
    """
    if criterion not in CRITERIA:
        raise EstimationRefused(f"unknown model selection criterion {criterion!r}; use aic or bic")
    k = table.n_lists
    if k > MAX_LOGLINEAR_LISTS:
        raise EstimationRefused(
            f"log-linear models are limited to {MAX_LOGLINEAR_LISTS} lists ({2**MAX_LOGLINEAR_LISTS - 1} "
            f"cells); the table has {k}: merge lists or use the latent-class model"
        )
    y = cell_counts(table)
    if max_order is None:
        max_order = 3 if k <= EXHAUSTIVE_MAX_LISTS else 2
    order = min(max_order, k - 1)
    fitted: dict[frozenset[Term], LoglinearModel] = {}

    def fit(terms: frozenset[Term]) -> LoglinearModel:
        if terms not in fitted:
            fitted[terms] = fit_model(table, sorted(terms, key=lambda t: (len(t), t)), y)
        return fitted[terms]

    if k <= EXHAUSTIVE_MAX_LISTS:
        search = "exhaustive over hierarchical models"
        for terms in hierarchical_models(k, order):
            fit(frozenset(terms))
    else:
        search = "stepwise (add or drop one term) from independence"
        current: frozenset[Term] = frozenset()
        while True:
            scored = [
                (_criterion(model, criterion), model.n_params, sorted(candidate), candidate)
                for candidate in _neighbours(k, current, order)
                if (model := fit(candidate)).usable
            ]
            if not scored:
                break
            score, _, _, candidate = min(scored)
            here = fit(current)
            # Move only on a strict improvement, so the search cannot cycle.
            if here.usable and score >= _criterion(here, criterion) - 1e-9:
                break
            current = candidate
    usable = [m for m in fitted.values() if m.usable]
    refused = [m for m in fitted.values() if not m.usable]
    if not usable:
        reasons = sorted({m.reason for m in refused})
        raise EstimationRefused("no log-linear model gives an estimate for this table: " + "; ".join(reasons))
    usable.sort(key=lambda m: (_criterion(m, criterion), m.n_params))
    best_score = _criterion(usable[0], criterion)
    raw = [math.exp(-0.5 * (_criterion(m, criterion) - best_score)) for m in usable]
    total = sum(raw)
    for model, w in zip(usable, raw, strict=True):
        model.weight = w / total
    return ModelSearch(models=usable, refused=refused, criterion=criterion, search=search)
