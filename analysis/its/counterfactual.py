"""Counterfactual design: predict the post period from a regression fitted on the pre-period.

Effect = observed − predicted, as CausalImpact and CausalPy report it. Intervals come from
simulation: coefficients drawn from N(β̂, V̂) of the chosen error model, plus prediction
noise drawn as a stationary AR(1) process with the pre-period residuals' variance and lag-1
autocorrelation (so persistent residuals widen the interval of an average, as they should).
On a log scale, predicted levels are exp(prediction + noise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.its.effects import coefficient_draws, summarise_draws


@dataclass(frozen=True)
class PredictionDraws:
    """Post-period rows: observed (original scale), point prediction and simulated
    predictions (model scale, B × m)."""

    observed: np.ndarray
    y_model: np.ndarray
    predicted: np.ndarray
    draws: np.ndarray
    log_link: bool

    def levels(self, values: np.ndarray) -> np.ndarray:
        return np.exp(values) if self.log_link else values


def residual_process(resid: np.ndarray) -> tuple[float, float]:
    """(variance, lag-1 autocorrelation) of the pre-period residuals."""
    e = np.asarray(resid, dtype=float)
    e = e - e.mean()
    variance = float(e @ e / max(len(e) - 1, 1))
    rho = float((e[1:] @ e[:-1]) / (e @ e)) if len(e) > 2 and e @ e > 0 else 0.0
    return variance, float(np.clip(rho, -0.99, 0.99))


def simulate_predictions(
    x_post: np.ndarray,
    params: np.ndarray,
    cov: np.ndarray,
    *,
    observed: np.ndarray,
    y_model: np.ndarray,
    resid_pre: np.ndarray,
    log_link: bool,
    n_draws: int,
    rng: np.random.Generator,
) -> PredictionDraws:
    variance, rho = residual_process(resid_pre)
    betas = coefficient_draws(params, cov, n_draws, rng)
    m = x_post.shape[0]
    shocks = rng.standard_normal((n_draws, m)) * np.sqrt(variance * (1 - rho**2))
    noise = np.empty((n_draws, m))
    noise[:, 0] = rng.standard_normal(n_draws) * np.sqrt(variance)
    for i in range(1, m):
        noise[:, i] = rho * noise[:, i - 1] + shocks[:, i]
    return PredictionDraws(
        observed=observed,
        y_model=y_model,
        predicted=x_post @ params,
        draws=betas @ x_post.T + noise,
        log_link=log_link,
    )


def window_effect(pred: PredictionDraws, rows: np.ndarray, level: float) -> dict[str, float]:
    """Average, cumulative and relative effect of observed − predicted over ``rows``."""
    observed = pred.observed[rows]
    point = pred.levels(pred.predicted[rows])
    sims = pred.levels(pred.draws[:, rows])
    m = len(observed)
    effect_draws = pred.y_model[rows].mean() - pred.draws[:, rows].mean(axis=1)
    abs_draws = observed.mean() - sims.mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct_draws = 100 * (observed.sum() / sims.sum(axis=1) - 1)
    return summarise_draws(
        effect=float((pred.y_model[rows] - pred.predicted[rows]).mean()),
        effect_draws=effect_draws,
        percent=float(100 * (observed.sum() / point.sum() - 1)),
        pct_draws=pct_draws,
        absolute=float(observed.mean() - point.mean()),
        abs_draws=abs_draws,
        p_draws=abs_draws,
        periods=m,
        counterfactual=float(point.mean()),
        level=level,
    )


def prediction_band(pred: PredictionDraws, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise prediction interval of the counterfactual path (original scale)."""
    tail = 100 * (1 - level) / 2
    lo, hi = np.percentile(pred.levels(pred.draws), [tail, 100 - tail], axis=0)
    return lo, hi
