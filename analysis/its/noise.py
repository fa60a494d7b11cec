"""Prediction noise of a counterfactual path, from the fitted error model.

The counterfactual design predicts the post period as x'β̂; an observed value also carries
the error process, so a simulated counterfactual path is x'β* + u*, with β* a coefficient
draw and u* a draw of the errors at the post-period positions (stationary start: the
counterfactual is the trend and season, not a forecast from the last residual). The process
is the one the fit estimated:

- ``ar1``: AR(1) with the fitted ρ (REML by default) and innovation s.d. σ; positions d
  periods apart are linked by ρ^d, so a missing week is a gap, not a neighbour. Each path is
  scaled by sqrt(ν/χ²_ν) with ν the fit's residual degrees of freedom: t draws, for σ is
  estimated (the naive residual ρ, 0.38 where REML gave 0.50 on the demo's series, and normal
  draws had made the bands too narrow).
- ``ols``: independent errors with the fitted σ, t draws.
- ``arima``: the fitted ARMA process on the regular grid (integrated once more when d = 1,
  from the first post period), normal draws as the ARIMA fit's own inference.
- ``newey``: Newey–West models no error process, so an AR(1) is fitted for the noise alone
  (REML on the same pre-period design, t draws); the residuals' plain lag-1 autocorrelation
  and normal draws had covered 0.88 in the weekly AR(1) case.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.tsa.arima_process import arma_generate_sample

from analysis.its import error_models
from analysis.its.error_models import FitOutput
from analysis.its.spec import ErrorSpec

_BURN_IN = 200


@dataclass(frozen=True)
class AR1Noise:
    """AR(1) errors: innovation s.d. ``sigma`` per one-period step, ``rho``; ``df`` degrees
    of freedom of t-scaled paths (None: normal)."""

    sigma: float
    rho: float
    df: float | None = None

    def describe(self) -> dict[str, float | str | None]:
        return {"process": "ar1", "rho": self.rho, "sigma": self.sigma, "df": self.df}

    @property
    def variance(self) -> float:
        """The stationary (marginal) variance σ²/(1 − ρ²)."""
        return self.sigma**2 / (1 - self.rho**2)

    def draw(self, positions: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draws (n × m) at the post-period ``positions`` (periods, increasing)."""
        m = len(positions)
        d = np.diff(np.asarray(positions, dtype=float))
        rho = self.rho
        r = np.sign(rho) ** np.round(d) * np.abs(rho) ** d
        step = np.sqrt(self.variance * (1 - r**2))
        # Time runs down the rows of a (m × n) array: each step reads and writes one
        # contiguous row.
        paths = rng.standard_normal((m, n))
        paths[0] *= np.sqrt(self.variance)
        for i in range(1, m):
            paths[i] *= step[i - 1]
            paths[i] += r[i - 1] * paths[i - 1]
        return _t_scaled(paths.T, self.df, rng)


@dataclass(frozen=True)
class ArmaNoise:
    """ARMA(p, q) errors (``ar``, ``ma`` coefficients as statsmodels names them, innovation
    variance ``sigma2``), integrated ``differences`` times."""

    ar: np.ndarray
    ma: np.ndarray
    sigma2: float
    differences: int

    def describe(self) -> dict[str, float | str | None]:
        return {"process": "arma", "ar": list(map(float, self.ar)),  # type: ignore[dict-item]
                "ma": list(map(float, self.ma)), "sigma2": self.sigma2,  # type: ignore[dict-item]
                "differences": self.differences}  # fmt: skip

    def draw(self, positions: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        grid = np.round(np.asarray(positions, dtype=float) - positions[0]).astype(int)
        paths = arma_generate_sample(
            np.r_[1.0, -self.ar], np.r_[1.0, self.ma], (n, int(grid[-1]) + 1),
            scale=np.sqrt(self.sigma2), distrvs=rng.standard_normal, axis=1, burnin=_BURN_IN,
        )  # fmt: skip
        for _ in range(self.differences):
            paths = np.cumsum(paths, axis=1)
        return np.asarray(paths[:, grid])


def _t_scaled(paths: np.ndarray, df: float | None, rng: np.random.Generator) -> np.ndarray:
    if df is None or not df > 0:
        return paths
    return paths * np.sqrt(df / rng.chisquare(df, len(paths)))[:, None]


def residual_process(resid: np.ndarray) -> tuple[float, float]:
    """(variance, lag-1 autocorrelation) of the pre-period residuals."""
    e = np.asarray(resid, dtype=float)
    e = e - e.mean()
    variance = float(e @ e / max(len(e) - 1, 1))
    rho = float((e[1:] @ e[:-1]) / (e @ e)) if len(e) > 2 and e @ e > 0 else 0.0
    return variance, float(np.clip(rho, -0.99, 0.99))


def from_fit(
    errors: ErrorSpec,
    out: FitOutput,
    *,
    y: np.ndarray,
    x: np.ndarray,
    gaps: np.ndarray | None,
) -> AR1Noise | ArmaNoise:
    """The error process a pre-period fit of ``y`` on ``x`` estimated (see the module doc)."""
    if errors.method == "ar1" and out.rho is not None:
        return AR1Noise(float(np.sqrt(out.scale)), float(out.rho), out.df_resid)
    if errors.method == "ols":
        return AR1Noise(float(np.sqrt(out.scale)), 0.0, out.df_resid)
    if errors.method == "arima":
        p, d, q = errors.arima_order
        arma = out.extra["arma"]
        return ArmaNoise(
            ar=np.array([arma[f"ar.L{i}"] for i in range(1, p + 1)]),
            ma=np.array([arma[f"ma.L{i}"] for i in range(1, q + 1)]),
            sigma2=float(arma["sigma2"]),
            differences=d,
        )
    if errors.method == "newey":
        ar1 = error_models.fit(y, pd.DataFrame(x), ErrorSpec("ar1"), gaps=gaps)
        assert ar1.rho is not None
        return AR1Noise(float(np.sqrt(ar1.scale)), float(ar1.rho), ar1.df_resid)
    variance, rho = residual_process(y - x @ out.params)
    return AR1Noise(float(np.sqrt(variance * (1 - rho**2))), rho)
