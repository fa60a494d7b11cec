"""Fixed-b critical values for Newey–West t statistics, simulated for the fitted design.

Kiefer & Vogelsang (2005): a HAC t statistic is not normal in samples of the size ITS sees,
because the HAC variance is itself noisy and biased by the estimated residuals; its limit with
the bandwidth a fixed fraction b of the sample is a known, non-normal functional. With a
linear trend among the regressors (every ITS design) that functional depends on the
regressors too, so the published polynomial critical values, derived for a location model,
do not apply. Here the reference distribution is simulated for the design itself: Gaussian iid
errors through the same X, the same Bartlett lags, the same small-sample factor, 2,000 draws
(fixed seed). Under iid Gaussian errors the t statistic is exactly pivotal for a fixed X; under
autocorrelated errors the same distribution is the fixed-b approximation. Intervals and
p-values of any linear combination c'β then use the simulated |t| quantile instead of z or t.

With Stata's conventions and normal critical values, Newey–West covered the six-week effect
80% of the time at a nominal 95% (``bench/its_coverage.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DRAWS = 2000
_SEED = 20_050_101
_CHUNK = 100


@dataclass(frozen=True, eq=False)
class FixedBReference:
    """Simulated estimation errors β̂* − β (B × k) and HAC covariances (B × k × k)."""

    errors: np.ndarray
    covs: np.ndarray

    def t_stats(self, weights: np.ndarray) -> np.ndarray:
        c = np.asarray(weights, dtype=float)
        var = np.einsum("bij,i,j->b", self.covs, c, c)
        return (self.errors @ c) / np.sqrt(np.maximum(var, 1e-300))

    def critical(self, weights: np.ndarray, level: float) -> float:
        """The two-sided critical value for c'β at ``level``."""
        return float(np.quantile(np.abs(self.t_stats(weights)), level))

    def critical_rows(self, rows: np.ndarray, level: float, *, most: int = 120) -> np.ndarray:
        """Critical values for each row of ``rows`` (m × k) as a contrast: computed at up to
        ``most`` evenly spaced rows and interpolated between them (a band's rows change
        smoothly with time; the full set cost more than the fit on daily series)."""
        if len(rows) > most:
            at = np.unique(np.linspace(0, len(rows) - 1, most).round().astype(int))
            return np.interp(np.arange(len(rows)), at, self.critical_rows(rows[at], level))
        m, k = rows.shape
        num = self.errors @ rows.T
        outer = (rows[:, :, None] * rows[:, None, :]).reshape(m, k * k)
        var = self.covs.reshape(len(self.covs), k * k) @ outer.T
        t = np.abs(num) / np.sqrt(np.maximum(var, 1e-300))
        return np.asarray(np.quantile(t, level, axis=0))

    def p_value(self, weights: np.ndarray, t: float) -> float:
        """Two-sided p of an observed |t| for c'β."""
        draws = np.abs(self.t_stats(weights))
        return float((1 + (draws >= abs(t)).sum()) / (len(draws) + 1))


def bartlett_hac(
    x: np.ndarray, resid: np.ndarray, lags: int, groups: np.ndarray | None = None
) -> np.ndarray:
    """Newey–West meat Σ_l w_l (Γ_l + Γ_l') for residual columns (n × B) → (B × k × k), with
    Bartlett weights 1 − l/(lags + 1); with ``groups`` only pairs within a unit count (panel
    HAC). statsmodels' ``HAC``/``hac-panel`` covariances use the same sums.

    Computed as (1/M)·Σ_t S_t S_t' with S_t the moving sums of M = lags + 1 consecutive
    scores (zero-padded): the Bartlett identity, O(n·k²) whatever the bandwidth, so the
    simulation can afford a bandwidth of the whole series."""
    scores = resid.T[:, :, None] * x[None, :, :]  # B × n × k
    if groups is None:
        return _moving_sum_meat(scores, lags + 1)
    meat = np.zeros((resid.shape[1], x.shape[1], x.shape[1]))
    for unit in np.unique(groups):
        meat += _moving_sum_meat(scores[:, groups == unit], lags + 1)
    return meat


def _moving_sum_meat(scores: np.ndarray, width: int) -> np.ndarray:
    n = scores.shape[1]
    padded = np.concatenate([np.zeros((scores.shape[0], 1, scores.shape[2])),
                             np.cumsum(scores, axis=1)], axis=1)  # fmt: skip
    ends = np.arange(1, n + width)
    sums = padded[:, np.minimum(ends, n)] - padded[:, np.maximum(ends - width, 0)]
    return np.asarray(sums.transpose(0, 2, 1) @ sums) / width


def fixed_b_reference(
    x: np.ndarray,
    lags: int,
    *,
    groups: np.ndarray | None = None,
    correction: float = 1.0,
    draws: int = DRAWS,
) -> FixedBReference:
    """The reference distribution for the design ``x`` (n × k) and ``lags`` (``correction``:
    the covariance's small-sample factor, e.g. n/(n − k))."""
    rng = np.random.default_rng(_SEED)
    n = x.shape[0]
    bread = np.linalg.inv(x.T @ x)
    errors, covs = [], []
    for start in range(0, draws, _CHUNK):
        e = rng.standard_normal((n, min(_CHUNK, draws - start)))
        beta = bread @ (x.T @ e)
        resid = e - x @ beta
        meat = bartlett_hac(x, resid, lags, groups)
        covs.append(correction * np.einsum("ij,bjk,kl->bil", bread, meat, bread))
        errors.append(beta.T)
    return FixedBReference(np.vstack(errors), np.concatenate(covs))
