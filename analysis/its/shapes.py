"""Effect shapes that need estimation beyond least squares: the decay of a pulse.

A Box–Tiao pulse ω/(1 − δB)·P_t puts ω·δ^k on the k-th period after the event. δ enters the
design non-linearly, so it is estimated by profile likelihood: for each δ on a grid the rest
of the model is fitted by its error model, the best δ is refined by bounded Brent search,
and the interval is {δ : 2·(ℓ(δ̂) − ℓ(δ)) ≤ χ²₁(level)} (divided by the dispersion for
quasi-Poisson). The other coefficients are then reported conditional on δ̂.

With ``newey`` errors the profile uses the OLS (independent-errors) likelihood, so the decay
interval does not account for autocorrelation; use ``ar1`` or ``arima`` errors for one that
does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

_GRID_SIZE = 24
_MAX_DECAY = 0.999


@dataclass(frozen=True)
class DecayEstimate:
    """δ per period, its interval, and the same as half-lives (periods until half the jump is
    gone: ln 0.5 / ln δ). ``ci_low`` 0 or ``ci_high`` 0.999 mean the interval reaches the
    edge of the searched range. ``fixed`` is True when δ was given, not estimated."""

    estimate: float
    ci_low: float
    ci_high: float
    level: float
    fixed: bool = False

    @property
    def half_life(self) -> float:
        return half_life(self.estimate)

    def to_dict(self) -> dict[str, float | bool]:
        return {
            "estimate": self.estimate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "half_life": self.half_life,
            "half_life_low": half_life(self.ci_low),
            "half_life_high": half_life(self.ci_high),
            "level": self.level,
            "fixed": self.fixed,
        }


def half_life(decay: float) -> float:
    if decay <= 0:
        return 0.0
    return float(np.log(0.5) / np.log(decay))


def decay_grid(post_periods: float) -> np.ndarray:
    """δ values whose half-lives run from a fifth of a period to twice the post period."""
    lives = np.geomspace(0.2, max(2.0, 2.0 * post_periods), _GRID_SIZE)
    return np.concatenate([[0.0], 0.5 ** (1 / lives)])


def profile_decay(
    loglik: Callable[[float], float],
    *,
    post_periods: float,
    level: float,
    dispersion: Callable[[float], float] | None = None,
    interval: bool = True,
) -> DecayEstimate:
    """Maximise ``loglik(δ)`` and invert the likelihood-ratio test for the interval.

    ``dispersion(δ̂)`` (quasi-Poisson) scales the likelihood-ratio statistic. ``interval``
    False returns δ̂ alone (NaN bounds): the interval's root searches are about a third of
    the profile's work, and placebos and sensitivity rows never use it.
    """
    grid = decay_grid(post_periods)
    values = np.array([loglik(d) for d in grid])
    best = int(np.nanargmax(values))
    lo = grid[max(best - 1, 0)]
    hi = grid[min(best + 1, len(grid) - 1)]
    estimate, top = grid[best], values[best]
    if hi > lo:
        found = optimize.minimize_scalar(
            lambda d: -loglik(d),
            bounds=(lo, min(hi, _MAX_DECAY)),
            method="bounded",
            options={"xatol": 1e-5},
        )
        if -found.fun > top:
            estimate, top = float(found.x), float(-found.fun)
    if not interval:
        return DecayEstimate(float(estimate), float("nan"), float("nan"), level)
    return decay_interval(
        loglik, float(estimate), post_periods=post_periods, level=level, dispersion=dispersion
    )


def decay_interval(
    loglik: Callable[[float], float],
    estimate: float,
    *,
    post_periods: float,
    level: float,
    dispersion: Callable[[float], float] | None = None,
) -> DecayEstimate:
    """The likelihood-ratio interval of ``loglik`` around δ̂ = ``estimate``."""
    grid = decay_grid(post_periods)
    top = loglik(estimate)
    phi = dispersion(estimate) if dispersion is not None else 1.0
    threshold = stats.chi2.ppf(level, 1) / 2 * phi

    def excess(d: float) -> float:
        return top - loglik(d) - threshold

    below = grid[grid < estimate]
    above = grid[grid > estimate]
    ci_low = _crossing(excess, estimate, below[::-1], edge=0.0)
    ci_high = _crossing(excess, estimate, above, edge=_MAX_DECAY)
    return DecayEstimate(float(estimate), ci_low, ci_high, level)


def _crossing(
    excess: Callable[[float], float], start: float, outward: np.ndarray, *, edge: float
) -> float:
    """The first δ moving outward from ``start`` where ``excess`` turns positive."""
    inner = start
    for point in outward:
        if excess(point) > 0:
            return float(optimize.brentq(excess, min(inner, point), max(inner, point), xtol=1e-6))
        inner = point
    if excess(edge) > 0:
        return float(optimize.brentq(excess, min(inner, edge), max(inner, edge), xtol=1e-6))
    return edge
