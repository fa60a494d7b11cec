"""Simulated rent series with a known effect, for coverage checks, benchmarks and examples.

Everything made here is simulated and says so: the frame has ``origin = "simulated"`` and
models built from it should pass ``simulated=True``. The series is
log rent_t = level + pre_trend·t + effect_t + u_t with AR(1) noise u_t = ρ·u_{t−1} + ε_t
(stationary start), where effect_t, k periods after the event, is
level_change + slope_change·k + pulse·decay^k — the shapes of :mod:`analysis.its.coding`
with the slope anchored at 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

_FREQ_ALIASES = {"D": "D", "W": "W-MON", "M": "MS"}


@dataclass(frozen=True)
class SimulatedSeries:
    """``frame``: ``period`` (dates), ``value`` (KZT per month, rounded), ``origin``.
    ``log_mean``: the noise-free log rent with the effect; ``log_counterfactual``: without."""

    frame: pd.DataFrame
    event: pd.Timestamp
    log_mean: np.ndarray
    log_counterfactual: np.ndarray

    def true_percent(self, periods: int) -> float:
        """The true average effect over the first ``periods`` post periods, in % (the
        estimand of :meth:`ITSResult.average_effect`: Σμ1/Σμ0 − 1 of the noise-free paths)."""
        post = np.flatnonzero(self.frame["period"].to_numpy() >= np.datetime64(self.event))
        rows = post[:periods]
        mu1 = np.exp(self.log_mean[rows]).sum()
        mu0 = np.exp(self.log_counterfactual[rows]).sum()
        return float(100 * (mu1 / mu0 - 1))


def simulate_series(
    *,
    event: str = "2022-09-21",
    periods_pre: int = 365,
    periods_post: int = 365,
    freq: str = "D",
    level: float = float(np.log(150_000)),
    pre_trend: float = 0.0006,
    level_change: float = 0.10,
    slope_change: float = 0.0,
    pulse: float = 0.0,
    decay: float = 0.9,
    ar: float = 0.5,
    sd: float = 0.02,
    seed: int = 0,
) -> SimulatedSeries:
    """One simulated series; ``freq`` D, W (Mondays) or M (first days); the event is the
    first post period when it falls on one, else the next period start."""
    rng = np.random.default_rng(seed)
    event_day = pd.Timestamp(event)
    alias = _FREQ_ALIASES[freq]
    after = pd.date_range(event_day, periods=periods_post, freq=alias)
    before = pd.date_range(end=after[0], periods=periods_pre + 1, freq=alias)[:-1]
    periods = before.append(after)
    n = len(periods)
    t = np.arange(n, dtype=float)
    k = np.where(t >= periods_pre, t - periods_pre, 0.0)
    post = t >= periods_pre
    effect = post * (level_change + slope_change * k + pulse * np.power(decay, k))
    base = level + pre_trend * t
    shocks = rng.normal(0.0, sd, n)
    noise = np.empty(n)
    noise[0] = shocks[0] / np.sqrt(1 - ar**2)
    for i in range(1, n):
        noise[i] = ar * noise[i - 1] + shocks[i]
    frame = pd.DataFrame(
        {
            "period": periods,
            "value": np.round(np.exp(base + effect + noise)),
            "origin": "simulated",
        }
    )
    return SimulatedSeries(frame, pd.Timestamp(after[0]), base + effect, base)
