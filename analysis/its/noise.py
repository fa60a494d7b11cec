"""Prediction noise of a counterfactual path, from the fitted error model.

The counterfactual design predicts the post period as x'β̂; an observed value also carries
the error process, so a simulated counterfactual path is x'β* + u*, with β* a coefficient
draw and u* a draw of the errors over the post-period positions (stationary start: the
counterfactual is the trend and season, not a forecast from the last residual).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.its.error_models import FitOutput
from analysis.its.spec import ErrorSpec


@dataclass(frozen=True)
class AR1Noise:
    """Stationary AR(1) errors: marginal ``variance``, lag-one ``rho``."""

    variance: float
    rho: float

    def draw(self, positions: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draws (n × m) at the post-period ``positions`` (periods, increasing)."""
        m = len(positions)
        variance, rho = self.variance, self.rho
        shocks = rng.standard_normal((n, m)) * np.sqrt(variance * (1 - rho**2))
        paths = np.empty((n, m))
        paths[:, 0] = rng.standard_normal(n) * np.sqrt(variance)
        for i in range(1, m):
            paths[:, i] = rho * paths[:, i - 1] + shocks[:, i]
        return paths


def residual_process(resid: np.ndarray) -> tuple[float, float]:
    """(variance, lag-1 autocorrelation) of the pre-period residuals."""
    e = np.asarray(resid, dtype=float)
    e = e - e.mean()
    variance = float(e @ e / max(len(e) - 1, 1))
    rho = float((e[1:] @ e[:-1]) / (e @ e)) if len(e) > 2 and e @ e > 0 else 0.0
    return variance, float(np.clip(rho, -0.99, 0.99))


def from_fit(
    errors: ErrorSpec, out: FitOutput, *, resid_pre: np.ndarray, gaps: np.ndarray | None
) -> AR1Noise:
    """The error process of a pre-period fit."""
    variance, rho = residual_process(resid_pre)
    return AR1Noise(variance, rho)
