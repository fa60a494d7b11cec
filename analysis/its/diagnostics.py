"""Residual diagnostics: is there autocorrelation left, and how well does the pre-period fit?

Two residual series are tested. ``ols``: residuals of the same mean model fitted by OLS (for
count families, the GLM's Pearson residuals, named ``pearson``) — Durbin–Watson,
Breusch–Godfrey and Ljung–Box here say whether independent errors are tenable. ``model``:
what the chosen error model treats as white noise (AR-transformed residuals, ARIMA one-step
errors, Pearson residuals) — tests here say whether it whitened them. Lags: min(10, n/5)
(Hyndman's rule for Ljung–Box), used for Breusch–Godfrey too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import statsmodels.api as sm
from statsmodels.stats.diagnostic import acorr_breusch_godfrey, acorr_ljungbox
from statsmodels.stats.stattools import durbin_watson


@dataclass(frozen=True)
class ResidualTests:
    """Tests on one residual series (``lags`` for Breusch–Godfrey and Ljung–Box)."""

    residuals: str
    n: int
    lags: int
    durbin_watson: float
    autocorrelation_lag1: float
    breusch_godfrey: float
    breusch_godfrey_p: float
    ljung_box: float
    ljung_box_p: float


@dataclass(frozen=True)
class PreFit:
    """How the model fits the pre-period (treated unit, original scale).

    ``r2`` on the model scale; ``rmse`` and ``mape_percent`` on the original scale.
    """

    n: int
    r2: float
    rmse: float
    mape_percent: float


@dataclass(frozen=True)
class Diagnostics:
    ols: ResidualTests
    model: ResidualTests
    pre_fit: PreFit

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def test_lags(n: int) -> int:
    return int(max(1, min(10, n // 5)))


def residual_tests(residuals: np.ndarray, exog: np.ndarray, *, name: str) -> ResidualTests:
    """DW, BG (LM form) and LB on ``residuals`` with the regressors ``exog``."""
    resid = np.asarray(residuals, dtype=float)
    n = len(resid)
    lags = test_lags(n)
    # Breusch–Godfrey is defined on an OLS fit; regressing the residuals on their own
    # regressors reproduces them exactly for OLS and nearly so for whitened residuals.
    aux = sm.OLS(resid, exog).fit()
    bg = acorr_breusch_godfrey(aux, nlags=lags, result_object=True)
    lb = acorr_ljungbox(resid, lags=[lags])
    lag1 = float(np.corrcoef(resid[1:], resid[:-1])[0, 1]) if n > 2 else float("nan")
    return ResidualTests(
        residuals=name,
        n=n,
        lags=lags,
        durbin_watson=float(durbin_watson(resid)),
        autocorrelation_lag1=lag1,
        breusch_godfrey=float(bg.lm),
        breusch_godfrey_p=float(bg.lmpval),
        ljung_box=float(lb["lb_stat"].iloc[0]),
        ljung_box_p=float(lb["lb_pvalue"].iloc[0]),
    )


def pre_fit(
    y_model: np.ndarray, fitted_model: np.ndarray, observed: np.ndarray, fitted: np.ndarray
) -> PreFit:
    """Fit statistics over the pre-period rows given."""
    ss_res = float(((y_model - fitted_model) ** 2).sum())
    ss_tot = float(((y_model - y_model.mean()) ** 2).sum())
    err = observed - fitted
    with np.errstate(divide="ignore", invalid="ignore"):
        ape = np.abs(err / observed)
    return PreFit(
        n=len(y_model),
        r2=1 - ss_res / ss_tot if ss_tot > 0 else float("nan"),
        rmse=float(np.sqrt((err**2).mean())),
        mape_percent=float(100 * np.nanmean(ape[np.isfinite(ape)]))
        if np.isfinite(ape).any()
        else float("nan"),
    )
