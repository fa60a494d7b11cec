"""Simulated panels for the comparison-unit designs: log rents of a treated city and its
donors from a linear factor model, with a known effect. Everything made here is simulated
and says so (``simulated=True`` wherever it goes).

    y_jt = a_j + b_j·t + Σ_k λ_jk f_kt + s·sin(2πt/P + φ_j) + e_jt,   e AR(1) (ρ, σ)

The treated unit's loadings, level and trend are a convex combination of the donors' (so a
synthetic control exists) plus ``offset`` in level; the effect adds ``effect`` log points in
the first ``effect_periods`` post periods (all of them when None).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulated_panel(
    *,
    seed: int,
    donors: int = 10,
    pre: int = 75,
    post: int = 6,
    effect: float = 0.0,
    rho: float = 0.5,
    sigma: float = 0.02,
    factors: int = 2,
    offset: float = 0.0,
    start: str = "2021-03-01",
) -> tuple[pd.DataFrame, str]:
    """A wide weekly panel (``week`` + one column per unit, KZT per month) and its event.

    Columns: ``treated``, ``d01`` … ``dNN``. The event is the first post week (inclusive).
    """
    rng = np.random.default_rng(seed)
    n = pre + post
    t = np.arange(n, dtype=float)
    f = np.cumsum(rng.normal(0, 0.01, size=(n, factors)), axis=0)
    loadings = rng.uniform(0.5, 1.5, size=(donors, factors))
    level = np.log(250_000) + rng.normal(0, 0.15, size=donors)
    trend = rng.normal(0.002, 0.001, size=donors)
    phase = rng.uniform(0, 2 * np.pi, size=donors)
    mix = rng.dirichlet(np.full(donors, 0.7))

    def noise() -> np.ndarray:
        e = np.empty(n)
        e[0] = rng.normal(0, sigma / np.sqrt(1 - rho**2))
        for i in range(1, n):
            e[i] = rho * e[i - 1] + rng.normal(0, sigma)
        return e

    season = 0.03 * np.sin(2 * np.pi * t[:, None] / (365.25 / 7) + phase[None, :])
    systematic = level + t[:, None] * trend + f @ loadings.T + season  # n × donors
    donor_values = systematic + np.column_stack([noise() for _ in range(donors)])
    treated = systematic @ mix + offset + noise()
    treated[pre:] += effect
    weeks = pd.date_range(start, periods=n, freq="7D")
    frame = pd.DataFrame({"week": weeks, "treated": np.exp(treated)})
    for j in range(donors):
        frame[f"d{j + 1:02d}"] = np.exp(donor_values[:, j])
    return frame, weeks[pre].date().isoformat()


def formula_panel(
    *, donors: int = 6, pre: int = 30, post: int = 4, effect: float = 0.05, offset: float = 0.0
) -> tuple[pd.DataFrame, float]:
    """A small deterministic panel (no random numbers: the same on every platform), for
    golden-number tests against the peers' weights. Numbers as times (0, 1, …), levels
    exp(y): donors y_jt = 12 + 0.1j + 0.003(j+1)t + 0.05 sin(0.7t + j) + 0.02 cos(1.3tj/donors);
    the treated unit 0.5·y_1 + 0.3·y_3 + 0.2·y_4 + 0.01 sin(2.1t) + ``offset``, plus
    ``effect`` from the event on. Returns the wide frame (``t``, ``treated``, ``d1``…) and the
    event."""
    t = np.arange(pre + post, dtype=float)
    cols = {}
    for j in range(1, donors + 1):
        cols[f"d{j}"] = (
            12 + 0.1 * j + 0.003 * (j + 1) * t + 0.05 * np.sin(0.7 * t + j)
            + 0.02 * np.cos(1.3 * t * j / donors)
        )  # fmt: skip
    treated = 0.5 * cols["d1"] + 0.3 * cols["d3"] + 0.2 * cols["d4"] + 0.01 * np.sin(2.1 * t)
    treated = treated + offset + np.where(t >= pre, effect, 0.0)
    frame = pd.DataFrame({"t": t, "treated": np.exp(treated)})
    for name, values in cols.items():
        frame[name] = np.exp(values)
    return frame, float(pre)
