"""Coefficients and effects with intervals: linear combinations, delta method, simulation.

Effects of a segmented design are model-based: the fitted path with the intervention (μ1)
against the same path with the intervention switched off (μ0), both on the original scale
(exp of the linear predictor when the model is on the log scale or has a log link — the
median, not the mean, of a log-normal series). Over a window of m observed periods:

- ``effect``: mean of the linear-predictor difference (log points on a log scale, else the
  series' unit), with an exact interval (it is linear in the coefficients);
- ``absolute``: mean(μ1 − μ0) in the series' unit (KZT per month for rents);
- ``cumulative``: sum(μ1 − μ0);
- ``percent``: 100·(Σμ1/Σμ0 − 1), the average effect relative to the average counterfactual
  (CausalImpact's "relative effect"); on a log scale its interval transforms the interval of
  log(Σμ1/Σμ0).

Effects of the counterfactual design compare the observed series with the prediction
(observed − predicted) and take their intervals from simulation (see :mod:`counterfactual`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

SIMULATION_DRAWS = 4000
"""Draws behind every simulated interval (coefficients, and prediction paths)."""


@dataclass(frozen=True)
class Inference:
    """Which reference distribution intervals and p-values use, at which level."""

    level: float
    use_t: bool
    p_use_t: bool
    df: float
    reference: Any = None
    """A simulated distribution of t statistics (:class:`analysis.its.hac.FixedBReference`)
    that replaces t or z for linear combinations ``weights``·β when given."""

    def critical(self, weights: np.ndarray | None = None) -> float:
        if self.reference is not None and weights is not None:
            return float(self.reference.critical(weights, self.level))
        q = 0.5 + self.level / 2
        return float(stats.t.ppf(q, self.df) if self.use_t else stats.norm.ppf(q))

    def p_value(self, estimate: float, se: float, weights: np.ndarray | None = None) -> float:
        if not se > 0:
            return float("nan")
        z = abs(estimate / se)
        if self.reference is not None and weights is not None:
            return float(self.reference.p_value(weights, z))
        return float(2 * (stats.t.sf(z, self.df) if self.p_use_t else stats.norm.sf(z)))


@dataclass(frozen=True)
class Coefficient:
    """One term: estimate, standard error, interval at the result's level, two-sided p."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    def exp(self) -> Coefficient:
        """The rate ratio (or ratio) of a log-scale coefficient: exp of estimate and bounds."""
        return Coefficient(
            float(np.exp(self.estimate)),
            float("nan"),
            float(np.exp(self.ci_low)),
            float(np.exp(self.ci_high)),
            self.p,
        )


def linear_coefficient(
    weights: np.ndarray, params: np.ndarray, cov: np.ndarray, inference: Inference
) -> Coefficient:
    """The linear combination weights·β with its standard error."""
    estimate = float(weights @ params)
    se = float(np.sqrt(max(weights @ cov @ weights, 0.0)))
    half = inference.critical(weights) * se
    return Coefficient(
        estimate, se, estimate - half, estimate + half, inference.p_value(estimate, se, weights)
    )


@dataclass(frozen=True)
class Effect:
    """An effect averaged over a window of observed post periods (inclusive at both ends).

    ``start``/``end``: the window's first and last observation (ISO dates or numbers);
    ``periods``: how many observations it averages; ``horizon_start``/``horizon_end``:
    periods since the first post observation. ``effect`` is on the model scale, ``percent``
    in %, ``absolute`` and ``cumulative`` in ``unit``; ``counterfactual`` and ``observed``
    are window means on the original scale (``observed`` None when not used). See the module
    documentation for the definitions; ``method`` says how the intervals were made.
    """

    start: str | float
    end: str | float
    periods: int
    horizon_start: float
    horizon_end: float
    effect: float
    se: float
    ci_low: float
    ci_high: float
    p: float
    percent: float
    percent_low: float
    percent_high: float
    absolute: float
    absolute_low: float
    absolute_high: float
    cumulative: float
    cumulative_low: float
    cumulative_high: float
    counterfactual: float
    observed: float | None
    method: str
    level: float
    unit: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class WindowRows:
    """What a model-based window effect needs: the design with (``x1``) and without (``x0``)
    the intervention for the window's rows, their offsets, and the link to the original scale."""

    x1: np.ndarray
    x0: np.ndarray
    offset: np.ndarray
    log_link: bool


def _levels(rows: WindowRows, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    eta1 = rows.x1 @ beta + rows.offset
    eta0 = rows.x0 @ beta + rows.offset
    if rows.log_link:
        return np.exp(eta1), np.exp(eta0)
    return eta1, eta0


def delta_window(
    rows: WindowRows, params: np.ndarray, cov: np.ndarray, inference: Inference
) -> dict[str, float]:
    """Window effect by the delta method (exact for ``effect``); each quantity takes the
    critical value of its own gradient (they differ under fixed-b references only)."""
    m = rows.x1.shape[0]
    diff = (rows.x1 - rows.x0).mean(axis=0)
    effect = float(diff @ params)
    se = float(np.sqrt(max(diff @ cov @ diff, 0.0)))
    mu1, mu0 = _levels(rows, params)
    if rows.log_link:
        grad_abs = (mu1[:, None] * rows.x1 - mu0[:, None] * rows.x0).mean(axis=0)
        g1 = (mu1[:, None] * rows.x1).sum(axis=0)
        g0 = (mu0[:, None] * rows.x0).sum(axis=0)
    else:
        grad_abs = diff
        g1 = rows.x1.sum(axis=0)
        g0 = rows.x0.sum(axis=0)
    absolute = float((mu1 - mu0).mean())
    se_abs = float(np.sqrt(max(grad_abs @ cov @ grad_abs, 0.0)))
    crit = inference.critical(diff)
    crit_abs = inference.critical(grad_abs)
    s1, s0 = float(mu1.sum()), float(mu0.sum())
    if s1 > 0 and s0 > 0:
        log_ratio = np.log(s1 / s0)
        grad_ratio = g1 / s1 - g0 / s0
        se_ratio = float(np.sqrt(max(grad_ratio @ cov @ grad_ratio, 0.0)))
        crit_ratio = inference.critical(grad_ratio)
        percent = 100 * (np.exp(log_ratio) - 1)
        percent_low = 100 * (np.exp(log_ratio - crit_ratio * se_ratio) - 1)
        percent_high = 100 * (np.exp(log_ratio + crit_ratio * se_ratio) - 1)
    else:
        percent = percent_low = percent_high = float("nan")
    return {
        "effect": effect,
        "se": se,
        "ci_low": effect - crit * se,
        "ci_high": effect + crit * se,
        "p": inference.p_value(effect, se, diff),
        "percent": float(percent),
        "percent_low": float(percent_low),
        "percent_high": float(percent_high),
        "absolute": absolute,
        "absolute_low": absolute - crit_abs * se_abs,
        "absolute_high": absolute + crit_abs * se_abs,
        "cumulative": absolute * m,
        "cumulative_low": (absolute - crit_abs * se_abs) * m,
        "cumulative_high": (absolute + crit_abs * se_abs) * m,
        "counterfactual": float(mu0.mean()),
    }


def simulated_window(
    rows: WindowRows, params: np.ndarray, draws: np.ndarray, level: float
) -> dict[str, float]:
    """Window effect with percentile intervals over coefficient draws (B × k)."""
    m = rows.x1.shape[0]
    diff = (rows.x1 - rows.x0).mean(axis=0)
    effect_draws = draws @ diff
    eta1 = draws @ rows.x1.T + rows.offset
    eta0 = draws @ rows.x0.T + rows.offset
    mu1, mu0 = (np.exp(eta1), np.exp(eta0)) if rows.log_link else (eta1, eta0)
    abs_draws = (mu1 - mu0).mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct_draws = 100 * (mu1.sum(axis=1) / mu0.sum(axis=1) - 1)
    point1, point0 = _levels(rows, params)
    absolute = float((point1 - point0).mean())
    s0 = float(point0.sum())
    percent = 100 * (float(point1.sum()) / s0 - 1) if s0 != 0 else float("nan")
    return summarise_draws(
        effect=float(diff @ params),
        effect_draws=effect_draws,
        percent=percent,
        pct_draws=pct_draws,
        absolute=absolute,
        abs_draws=abs_draws,
        p_draws=effect_draws,
        periods=m,
        counterfactual=float(point0.mean()),
        level=level,
    )


def summarise_draws(
    *,
    effect: float,
    effect_draws: np.ndarray,
    percent: float,
    pct_draws: np.ndarray,
    absolute: float,
    abs_draws: np.ndarray,
    p_draws: np.ndarray,
    periods: int,
    counterfactual: float,
    level: float,
) -> dict[str, float]:
    """A window effect from its point values and simulation draws: percentile intervals for
    the model-scale effect, the % effect and the absolute effect (per period and cumulated
    over ``periods``); the p-value is the two-sided tail share of ``p_draws`` around zero."""
    lo_e, hi_e = percentile_interval(effect_draws, level)
    lo_a, hi_a = percentile_interval(abs_draws, level)
    lo_p, hi_p = percentile_interval(pct_draws, level)
    return {
        "effect": effect,
        "se": float(effect_draws.std(ddof=1)),
        "ci_low": lo_e,
        "ci_high": hi_e,
        "p": tail_p(p_draws),
        "percent": percent,
        "percent_low": lo_p,
        "percent_high": hi_p,
        "absolute": absolute,
        "absolute_low": lo_a,
        "absolute_high": hi_a,
        "cumulative": absolute * periods,
        "cumulative_low": lo_a * periods,
        "cumulative_high": hi_a * periods,
        "counterfactual": counterfactual,
    }


def percentile_interval(values: np.ndarray, level: float) -> tuple[float, float]:
    tail = 100 * (1 - level) / 2
    lo, hi = np.nanpercentile(values, [tail, 100 - tail])
    return float(lo), float(hi)


def tail_p(values: np.ndarray) -> float:
    """Two-sided simulation p-value for "no effect": twice the smaller tail beyond 0."""
    n = len(values)
    smaller = min(int((values <= 0).sum()), int((values >= 0).sum()))
    return float(min(1.0, 2 * (smaller + 1) / (n + 1)))


def coefficient_draws(
    params: np.ndarray, cov: np.ndarray, n: int, rng: np.random.Generator
) -> np.ndarray:
    """Draws from the estimated sampling distribution N(β̂, V̂) (B × k)."""
    return rng.multivariate_normal(params, cov, size=n, method="eigh")


@dataclass(frozen=True, eq=False)
class ModelBasedEffects:
    """Window effects of a design whose effect is a set of coefficients (segmented, pooled):
    the fitted path with the intervention (``x1``) against the same path without it
    (``x0``), one row per post-period observation of the treated unit, in time order.

    ``delta`` (the default) gives delta-method intervals; ``simulation`` percentile
    intervals over ``SIMULATION_DRAWS`` coefficient draws made once from ``seed``.
    """

    x1: np.ndarray
    x0: np.ndarray
    offset: np.ndarray
    log_link: bool
    params: np.ndarray
    cov: np.ndarray
    inference: Inference
    seed: int

    methods: tuple[str, ...] = ("delta", "simulation")
    uses_observed: bool = False

    def describe(self) -> dict[str, Any]:
        return {"effects": "model-based: fitted path with against without the intervention"}

    def path_draws(self) -> np.ndarray:
        draws = self._draws()
        eta1 = draws @ self.x1.T + self.offset
        eta0 = draws @ self.x0.T + self.offset
        if self.log_link:
            return np.asarray(np.exp(eta1) - np.exp(eta0))
        return np.asarray(eta1 - eta0)

    def window(self, rows: np.ndarray, method: str) -> dict[str, float]:
        window = WindowRows(self.x1[rows], self.x0[rows], self.offset[rows], self.log_link)
        if method == "delta":
            return delta_window(window, self.params, self.cov, self.inference)
        return simulated_window(window, self.params, self._draws(), self.inference.level)

    def _draws(self) -> np.ndarray:
        cached: np.ndarray | None = self.__dict__.get("_cached_draws")
        if cached is None:
            rng = np.random.default_rng(self.seed)
            cached = coefficient_draws(self.params, self.cov, SIMULATION_DRAWS, rng)
            object.__setattr__(self, "_cached_draws", cached)
        return cached
