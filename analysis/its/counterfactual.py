"""The counterfactual design: predict the post period from a regression fitted on the
pre-period only; effect = observed − predicted, as CausalImpact and CausalPy report it.

Intervals come from simulation: coefficients drawn from N(β̂, V̂) of the chosen error model,
plus prediction noise drawn from the fitted error model (:mod:`analysis.its.noise`), so
persistent errors widen the interval of an average, as they should. On a log scale
predicted levels are exp(prediction + noise). The design has no effect terms, hence no shape
and no pulse decay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from analysis.its import noise
from analysis.its.effects import SIMULATION_DRAWS, coefficient_draws, summarise_draws
from analysis.its.exceptions import InvalidSpecification
from analysis.its.fitting import build_result, fit_rows, named_coefficients, series_table
from analysis.its.spec import ErrorSpec

if TYPE_CHECKING:
    from analysis.its.model import ITSModel
    from analysis.its.result import ITSResult

NAME = "counterfactual"


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


@dataclass(frozen=True, eq=False)
class PredictionEffects:
    """Window effects of observed − predicted (simulation intervals only)."""

    prediction: PredictionDraws
    level: float
    noise: noise.AR1Noise | noise.ArmaNoise

    methods: tuple[str, ...] = ("simulation",)
    uses_observed: bool = True

    def describe(self) -> dict[str, Any]:
        return {"noise": self.noise.describe()}

    def path_draws(self) -> np.ndarray:
        pred = self.prediction
        return np.asarray(pred.observed[None, :] - pred.levels(pred.draws))

    def window(self, rows: np.ndarray, method: str) -> dict[str, float]:
        values = window_effect(self.prediction, rows, self.level)
        values["observed"] = float(self.prediction.observed[rows].mean())
        return values


def fit(
    model: ITSModel,
    errors: ErrorSpec,
    *,
    decay: float | None,
    level: float,
    seed: int,
    decay_interval: bool = True,
) -> ITSResult:
    """Fit the pre-period regression and simulate the post-period prediction."""
    if decay is not None:
        raise InvalidSpecification(
            f"decay applies to pulse shapes of the segmented design, not {model.spec.shape} "
            "in the counterfactual design"
        )
    fitted = fit_rows(model, errors, model.design(None), level)
    frame = model.frame
    x_all = fitted.design.to_numpy(dtype=float)
    treated = frame["treated"].to_numpy()
    post_rows = treated & frame["post"].to_numpy()
    fit_treated = fitted.mask & treated
    out = fitted.out
    rng = np.random.default_rng(seed)
    t = frame["t"].to_numpy(dtype=float)
    process = noise.from_fit(
        errors,
        out,
        y=fitted.y[fit_treated],
        x=x_all[fit_treated],
        gaps=model.gaps(fit_treated),
    )
    betas = coefficient_draws(out.params, out.cov, SIMULATION_DRAWS, rng)
    paths = process.draw(model.positions(t[post_rows]), SIMULATION_DRAWS, rng)
    x_post = x_all[post_rows]
    prediction = PredictionDraws(
        observed=frame.loc[post_rows, "value"].to_numpy(dtype=float),
        y_model=fitted.y[post_rows],
        predicted=x_post @ out.params,
        draws=betas @ x_post.T + paths,
        log_link=model.log_link,
    )
    return build_result(
        model,
        errors,
        fitted,
        coefficients=named_coefficients(fitted, pooled=False, segmented=False),
        effect_terms=(),
        series=series_table(model, fitted, x_all, band=prediction_band(prediction, level)),
        effects=PredictionEffects(prediction, level, process),
        decay=None,
        seed=seed,
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
