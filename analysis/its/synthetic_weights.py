"""Donor weights of a synthetic control: the simplex QP, its de-meaned variant and the ridge
augmentation. Pure functions over arrays (rows = periods, columns = donors, model scale).

- **standard** (Abadie, Diamond & Hainmueller 2010, outcome-only with V = identity):
  w = argmin ‖y₁ − Y₀w‖² subject to w ≥ 0, Σw = 1 over the fit periods.
- **demeaned** (Ferman & Pinto 2021; Doudchenko & Imbens' intercept): the same on each unit's
  deviations from its own fit-period mean; the counterfactual is Y₀w + (ȳ₁ − Ȳ₀w), so a treated
  unit above or below every donor can still be matched in its movements.
- **detrended** (the de-meaned idea one step further, as Ferman & Pinto's "detrended"
  estimator): each unit's own linear trend over the fit periods is removed before the QP, and
  the counterfactual is Y₀w + a + b·t with (a, b) the treated-minus-synthetic trend of the fit
  periods. A treated city whose own trend runs apart from the donors' (Almaty's since the
  first relocation wave of March 2022) keeps its trend in the counterfactual instead of
  being pulled back onto theirs.
- **broken-trend**: detrended, with the treated-minus-synthetic trend allowed one bend: the
  bend (a hinge (t − τ)₊ in the basis) is kept when it lowers the BIC of that difference
  over the fit periods, τ searched over every fit period with at least ``MIN_SEGMENT``
  periods on each side. A treated city whose own trend turned half a year before the event
  is extrapolated along its recent slope, not its average one.
- **broken**: as broken-trend, but the one break may also be a level shift (an indicator
  1[t ≥ τ]) or a shift and a bend together, the kind and τ chosen by the same BIC. A treated
  city whose level rose once half a year before the event (Almaty's first relocation wave of
  spring 2022) keeps the new level without a slope fitted through the rise.
- **augmented** (Ben-Michael, Feller & Rothstein 2021, ridge ASCM as R ``augsynth`` with
  ``progfunc="Ridge"``, ``fixedeff=FALSE``): w + (B'B + λI)⁻¹B'(a − Bw), with a, B the
  outcomes centred on the donors' mean in each period. The adjustment sums to zero, so the
  weights still sum to one but may be negative (extrapolation, which is the point when the
  treated unit lies outside the donors' hull). λ by leave-one-period-out cross-validation
  with the one-standard-error rule, over augsynth's grid (σ₁(B)² · (1e-8)^(k/20), k = 0..20);
  the standard error is sd/√(folds), as augsynth computes it.

The QP is solved by ``scipy.optimize.minimize(method="SLSQP")`` with the analytic gradient
(what pysyncon and CausalPy use) on a rescaled problem: every period is centred on the
donors' mean (which the simplex constraint leaves the objective unchanged by) and divided by
one overall scale, because log rents near 12.5 make the raw Gram matrix nearly singular. An
active-set polish then solves the equality-constrained least squares on SLSQP's support
exactly and checks the KKT conditions, so weights are exact zeros off the support and
reproducible to ~1e-10 rather than SLSQP's 1e-6 noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import ThreadpoolController

Variant = Literal[
    "standard",
    "demeaned",
    "detrended",
    "broken-trend",
    "broken",
    "augmented",
    "augmented-demeaned",
    "augmented-detrended",
]
VARIANTS: tuple[str, ...] = (
    "standard", "demeaned", "detrended", "broken-trend", "broken", "augmented",
    "augmented-demeaned", "augmented-detrended",
)  # fmt: skip
# broken-trend, broken: the shortest stretch a trend segment may span, in fit rows.
MIN_SEGMENT = 13
# The kinds of break each broken variant may choose: a hinge (t − τ)₊, a level shift
# 1[t ≥ τ], or both.
BREAK_KINDS: dict[str, tuple[str, ...]] = {
    "broken-trend": ("bend",),
    "broken": ("bend", "shift", "both"),
}

_SUPPORT_TOL = 1e-9
_KKT_TOL = 1e-8
LAMBDA_MIN_RATIO = 1e-8
N_LAMBDA = 20


@dataclass(frozen=True)
class Weights:
    """Fitted donor weights: counterfactual_t = Y₀[t]·w + intercept (model scale).

    ``simplex``: the convex (SCM) part; ``w``: the weights used (= simplex unless
    augmented); ``ridge_lambda``: λ of the augmentation (None otherwise); ``info``: solver
    details (``polished``: the active-set step succeeded; ``kkt``: its largest violation).
    """

    w: np.ndarray
    simplex: np.ndarray
    intercept: float
    ridge_lambda: float | None
    info: dict[str, Any] = field(default_factory=dict)
    trend: float = 0.0  # per unit of time (detrended variants): counterfactual + trend·t
    bend_at: float | None = None  # broken variants: τ, and the slope change after it
    bend: float = 0.0
    shift: float = 0.0  # broken: the level shift from τ on
    break_kind: str | None = None  # "bend", "shift" or "both" (None: no break)

    def predict(self, donors: np.ndarray, time: np.ndarray | None = None) -> np.ndarray:
        """The counterfactual of rows ``donors`` at times ``time`` (needed when detrended)."""
        out = donors @ self.w + self.intercept
        if self.trend or self.bend or self.shift:
            if time is None:
                raise ValueError("a detrended synthetic control needs the rows' times")
            t = np.asarray(time, dtype=float)
            out = out + self.trend * t
            if self.bend_at is not None:
                out = out + self.bend * np.maximum(t - self.bend_at, 0.0)
                out = out + self.shift * (t >= self.bend_at)
        return np.asarray(out)


def is_demeaned(variant: str) -> bool:
    """Variants with an intercept (the detrended ones, broken included, have a slope too)."""
    return variant in ("demeaned", "augmented-demeaned") or is_detrended(variant)


def is_detrended(variant: str) -> bool:
    return variant in ("detrended", "augmented-detrended", *BREAK_KINDS)


# The terms of each kind of break, in the order of their basis columns.
_BREAK_TERMS: dict[str, tuple[str, ...]] = {
    "bend": ("bend",),
    "shift": ("shift",),
    "both": ("bend", "shift"),
}


def _break_columns(time: np.ndarray, tau: float, kind: str) -> list[np.ndarray]:
    """The basis columns of a break of ``kind`` at ``tau`` (see ``_BREAK_TERMS``)."""
    columns = {"bend": np.maximum(time - tau, 0.0), "shift": (time >= tau).astype(float)}
    return [columns[term] for term in _BREAK_TERMS[kind]]


def is_augmented(variant: str) -> bool:
    return variant in ("augmented", "augmented-demeaned", "augmented-detrended")


def fit_weights(
    target: np.ndarray,
    donors: np.ndarray,
    variant: str,
    *,
    ridge_lambda: float | None = None,
    start: np.ndarray | None = None,
    time: np.ndarray | None = None,
    bend_at: float | None = None,
    break_kind: str | None = None,
    trend_halflife: float | None = None,
    trend_window: int | None = None,
) -> Weights:
    """Weights of ``variant`` fitted on all rows given (the fit periods).

    ``ridge_lambda``: λ of the augmented variants (None: cross-validated); ``start``: a
    starting point for the QP (e.g. the weights of a nearby refit); ``time``: the rows'
    times (periods), required by the detrended variants; ``bend_at``, ``break_kind``: the
    broken variants' break, when already chosen (their conformal refits keep the
    pre-period's break, as they keep λ: else the break would follow the tested effect into
    the window);
    ``trend_halflife``: the detrended variants' trend (and level) is the treated-minus-
    synthetic difference's least-squares line with weights halving every this many periods
    back from the last fit period, so a trend that turned recently is followed (None: all
    fit periods weigh the same); ``trend_window``: instead, the line of the last this many
    fit periods (by time), each weighing the same, so that a rise which ended before them
    (an earlier wave) does not tilt it and a bend before them is followed at its new slope.
    The donor weights themselves come from the unweighted fit.
    """
    a, b = np.asarray(target, dtype=float), np.asarray(donors, dtype=float)
    a_raw, b_raw = a, b
    if is_detrended(variant):
        if time is None:
            raise ValueError(f"the {variant} variant needs the rows' times")
        t = np.asarray(time, dtype=float)
        basis = np.column_stack([np.ones(len(a)), t])
        if variant in BREAK_KINDS:
            if bend_at is None:
                found = choose_break(a_raw, b_raw, t, kinds=BREAK_KINDS[variant], start=start)
                bend_at, break_kind = found if found is not None else (None, None)
            elif break_kind is None:
                break_kind = "bend"
            if bend_at is not None:
                assert break_kind is not None
                basis = np.column_stack([basis, *_break_columns(t, bend_at, break_kind)])
        project = basis @ np.linalg.pinv(basis)
        a, b = a - project @ a, b - project @ b
    elif is_demeaned(variant):
        a_mean, b_mean = float(a.mean()), b.mean(axis=0)
        a, b = a - a_mean, b - b_mean
    simplex, info = simplex_weights(a, b, start=start)
    w = simplex
    lam = None
    if is_augmented(variant):
        lam = (
            ridge_lambda
            if ridge_lambda is not None
            else cross_validate_lambda(a, b, start=simplex).best
        )
        w = simplex + ridge_adjustment(a, b, simplex, lam)
        info = {**info, "lambda_cv": ridge_lambda is None}
    if is_detrended(variant):
        if variant not in BREAK_KINDS:
            bend_at = break_kind = None
        gap = a_raw - b_raw @ w
        if trend_halflife is not None and trend_window is not None:
            raise ValueError("give trend_halflife or trend_window, not both")
        if trend_halflife is not None or trend_window is not None:
            root = _trend_roots(t, trend_halflife, trend_window)
            coef = np.linalg.lstsq(basis * root[:, None], gap * root, rcond=None)[0]
        else:
            coef = np.linalg.pinv(basis) @ gap
        extra = {}
        if bend_at is not None:
            assert break_kind is not None
            extra = dict(zip(_BREAK_TERMS[break_kind], map(float, coef[2:]), strict=True))
        return Weights(
            w, simplex, float(coef[0]), lam, info, trend=float(coef[1]), bend_at=bend_at,
            bend=extra.get("bend", 0.0), shift=extra.get("shift", 0.0),
            break_kind=break_kind if bend_at is not None else None,
        )  # fmt: skip
    intercept = float(a_mean - b_mean @ w) if is_demeaned(variant) else 0.0
    return Weights(w=w, simplex=simplex, intercept=intercept, ridge_lambda=lam, info=info)


def _trend_roots(t: np.ndarray, halflife: float | None, window: int | None) -> np.ndarray:
    """Square roots of the trend line's weights over fit periods at times ``t``: halving
    every ``halflife`` periods back from the last, or 1 over the last ``window`` periods and 0
    before (at least the last three fit periods, the fewest a line and its noise need)."""
    age = t.max() - t
    if halflife is not None:
        if not halflife > 0:
            raise ValueError(f"trend_halflife must be positive; got {halflife}")
        return np.sqrt(0.5 ** (age / halflife))
    assert window is not None
    if not window >= 1:
        raise ValueError(f"trend_window must be at least 1 period; got {window}")
    inside = age < window
    if inside.sum() < 3:
        inside = age <= np.sort(age)[min(2, len(age) - 1)]
    return inside.astype(float)


def choose_break(
    target: np.ndarray,
    donors: np.ndarray,
    time: np.ndarray,
    *,
    kinds: tuple[str, ...] = ("bend",),
    start: np.ndarray | None = None,
    step: int = 2,
) -> tuple[float, str] | None:
    """(τ, kind) of the break that, with the weights refitted for it, lowers the BIC of the
    treated-minus-synthetic difference below the straight detrended fit's; None when no break
    does. Candidates: every ``step``-th fit period with ``MIN_SEGMENT`` on each side (then the
    periods next to the best of them), each kind of ``kinds`` ("bend": a hinge (t − τ)₊;
    "shift": a level shift 1[t ≥ τ]; "both"). The weights are refitted per candidate, because
    weights fitted around a straight trend bend themselves to hide a break."""
    n = len(target)
    if n < 2 * MIN_SEGMENT + 2:
        return None

    def bic(extra: list[np.ndarray]) -> tuple[float, np.ndarray]:
        basis = np.column_stack([np.ones(n), time, *extra])
        project = basis @ np.linalg.pinv(basis)
        w, _ = simplex_weights(target - project @ target, donors - project @ donors, start=start)
        resid = target - donors @ w
        resid = resid - project @ resid
        k = basis.shape[1] + int((w > 0).sum()) - 1
        return float(n * np.log(max(float(resid @ resid), 1e-300) / n) + k * np.log(n)), w

    best, start = bic([])
    chosen = None
    ordered = np.sort(time)
    allowed = ordered[MIN_SEGMENT : n - MIN_SEGMENT]
    for tau in allowed[::step]:
        for kind in kinds:
            value, _ = bic(_break_columns(time, float(tau), kind))
            if value < best:
                best, chosen = value, (float(tau), kind)
    if chosen is not None and step > 1:
        # The periods the coarse search stepped over next to its choice, same kind.
        at = int(np.searchsorted(allowed, chosen[0]))
        for tau in allowed[max(at - step + 1, 0) : at + step]:
            value, _ = bic(_break_columns(time, float(tau), chosen[1]))
            if value < best:
                best, chosen = value, (float(tau), chosen[1])
    return chosen


def simplex_weights(
    target: np.ndarray, donors: np.ndarray, *, start: np.ndarray | None = None
) -> tuple[np.ndarray, dict[str, Any]]:
    """argmin ‖target − donors·w‖² over the simplex (w ≥ 0, Σw = 1)."""
    j = donors.shape[1]
    centre = donors.mean(axis=1)
    a = target - centre
    b = donors - centre[:, None]
    scale = float(np.sqrt((b**2).mean())) or 1.0
    a, b = a / scale, b / scale
    q = b.T @ b
    c = b.T @ a
    if start is not None and np.all(np.isfinite(start)) and (start > 0).any():
        # A warm start (a refit on nearly the same data) usually has the right support:
        # the active-set step alone then finds the exact solution.
        warm, kkt = _polish(q, c, np.clip(start, 0.0, None))
        if warm is not None:
            return warm, {"solver": "active set from a warm start", "polished": True, "kkt": kkt}
    # SLSQP's tiny BLAS calls on several threads of a busy 2-core machine took 1.3 s instead
    # of 20 ms (Prop 99, 38 donors): one thread is always faster at this size.
    with _blas().limit(limits=1, user_api="blas"):
        result = minimize(
            lambda w: 0.5 * w @ q @ w - c @ w,
            np.full(j, 1.0 / j),
            jac=lambda w: q @ w - c,
            method="SLSQP",
            bounds=[(0.0, 1.0)] * j,
            constraints=[
                {"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones(j)}
            ],
            options={"ftol": 1e-14, "maxiter": 500},
        )
    w = np.clip(np.asarray(result.x, dtype=float), 0.0, None)
    w = w / w.sum()
    polished, kkt = _polish(q, c, w)
    info: dict[str, Any] = {
        "solver": "scipy SLSQP + active-set polish",
        "slsqp_status": int(result.status),
        "slsqp_iterations": int(result.nit),
        "polished": polished is not None,
        "kkt": kkt,
    }
    return (polished if polished is not None else w), info


@cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def _polish(q: np.ndarray, c: np.ndarray, w: np.ndarray) -> tuple[np.ndarray | None, float]:
    """Exact solution on an active set started from SLSQP's support: solve the KKT system of
    min ½w'Qw − c'w, Σw = 1 on the support, drop negative weights or add the most violating
    zero weight, until the KKT conditions hold (None if they never do)."""
    j = len(w)
    support = w > _SUPPORT_TOL * max(float(w.max()), 1.0)
    scale = max(float(np.abs(q).max()), float(np.abs(c).max()), 1.0)
    worst = float("inf")
    for _ in range(3 * j + 3):
        idx = np.flatnonzero(support)
        k = len(idx)
        kkt = np.zeros((k + 1, k + 1))
        kkt[:k, :k] = q[np.ix_(idx, idx)]
        kkt[:k, k] = 1.0
        kkt[k, :k] = 1.0
        rhs = np.r_[c[idx], 1.0]
        try:
            sol = np.linalg.solve(kkt, rhs)
        except np.linalg.LinAlgError:
            return None, worst
        if not np.all(np.isfinite(sol)):
            return None, worst
        w_s, nu = sol[:k], sol[k]
        if (w_s <= 0).any():
            support[idx[int(np.argmin(w_s))]] = False
            if not support.any():
                return None, worst
            continue
        full = np.zeros(j)
        full[idx] = w_s
        # Off the support the multiplier λ_j = g_j + ν must be ≥ 0.
        multiplier = q @ full - c + nu
        off = ~support
        worst = float(max(0.0, -multiplier[off].min())) / scale if off.any() else 0.0
        if worst <= _KKT_TOL:
            return full, worst
        support[np.flatnonzero(off)[int(np.argmin(multiplier[off]))]] = True
    return None, worst


def ridge_adjustment(a: np.ndarray, b: np.ndarray, w: np.ndarray, lam: float) -> np.ndarray:
    """The ridge correction of ASCM: (B'B + λI)⁻¹B'(a − Bw), on outcomes centred on the
    donors' mean in each period (so it sums to zero)."""
    centre = b.mean(axis=1)
    ac, bc = a - centre, b - centre[:, None]
    j = b.shape[1]
    return np.asarray(np.linalg.solve(bc.T @ bc + lam * np.eye(j), bc.T @ (ac - bc @ w)))


@dataclass(frozen=True)
class LambdaChoice:
    """Cross-validation of the ridge λ: the grid, mean held-out error and its standard
    error per λ, and the λ chosen (largest within one s.e. of the minimum)."""

    lambdas: np.ndarray
    errors: np.ndarray
    errors_se: np.ndarray
    best: float


def lambda_grid(b: np.ndarray) -> np.ndarray:
    """augsynth's grid: σ₁(B_c)² · ratio^(k/n), k = 0..n, B_c centred per period."""
    bc = b - b.mean(axis=1)[:, None]
    top = float(np.linalg.svd(bc, compute_uv=False)[0] ** 2) or 1.0
    scaler = LAMBDA_MIN_RATIO ** (1 / N_LAMBDA)
    return top * scaler ** np.arange(N_LAMBDA + 1)


def cross_validate_lambda(
    a: np.ndarray, b: np.ndarray, *, holdout: int = 1, start: np.ndarray | None = None
) -> LambdaChoice:
    """Leave-``holdout``-periods-out CV of the ridge λ (augsynth ``cv_lambda``): for each
    fold, refit the simplex weights without the held-out periods (from ``start``, e.g. the
    full-sample weights), then score every λ by the squared error of the augmented weights
    on them."""
    lambdas = lambda_grid(b)
    n = len(a)
    folds = []
    for i in range(n - holdout):
        held = np.zeros(n, dtype=bool)
        held[i : i + holdout] = True
        w, _ = simplex_weights(a[~held], b[~held], start=start)
        centre = b[~held].mean(axis=1)
        bc = b[~held] - centre[:, None]
        resid = a[~held] - centre - bc @ w
        # (B'B + λI)⁻¹B'r for every λ from one eigendecomposition of B'B.
        values, vectors = np.linalg.eigh(bc.T @ bc)
        projected = vectors.T @ (bc.T @ resid)
        adjust = vectors @ (projected[:, None] / (values[:, None] + lambdas[None, :]))
        errors = a[held][:, None] - b[held] @ (w[:, None] + adjust)
        folds.append((errors**2).sum(axis=0))
    table = np.asarray(folds)
    means = table.mean(axis=0)
    ses = table.std(axis=0, ddof=1) / np.sqrt(table.shape[0])
    best_i = int(np.argmin(means))
    within = means <= means[best_i] + ses[best_i]
    return LambdaChoice(lambdas, means, ses, float(lambdas[within].max()))


def hull_share(target: np.ndarray, donors: np.ndarray) -> float:
    """Share of periods in which the target is above every donor or below every donor."""
    outside = (target > donors.max(axis=1)) | (target < donors.min(axis=1))
    return float(outside.mean())
