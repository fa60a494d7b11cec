"""What every design does with a fit: named coefficients, the series table, diagnostics, and
the immutable :class:`ITSResult` that holds them.

A design module (:mod:`segmented`, :mod:`counterfactual`, …) decides which rows to fit, how
the intervention is coded and how effects are computed; it calls :func:`fit_rows` to run the
error model and :func:`build_result` to assemble the result with its own effect source.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.its import diagnostics as diag
from analysis.its import error_models
from analysis.its.effects import Coefficient, Inference, linear_coefficient
from analysis.its.result import EffectSource, ErrorModelParams, ITSResult
from analysis.its.shapes import DecayEstimate
from analysis.its.spec import ErrorSpec

if TYPE_CHECKING:
    from analysis.its.model import ITSModel

_INTERVENTION = ("intercept", "pre_trend", "level_change", "slope_change", "pulse")


@dataclass(frozen=True)
class Fitted:
    """One error-model fit of a model's rows: the design (every row, fitted columns only),
    the model-scale outcome, the fit mask and the error model's output."""

    design: pd.DataFrame
    y: np.ndarray
    offset: np.ndarray
    mask: np.ndarray
    out: error_models.FitOutput
    inference: Inference


def fit_rows(model: ITSModel, errors: ErrorSpec, design: pd.DataFrame, level: float) -> Fitted:
    """Fit the rows of ``model.fit_mask()`` with ``errors`` on ``design`` (all rows)."""
    spec = model.spec
    frame = model.frame
    mask = model.fit_mask()
    y = frame["y"].to_numpy(dtype=float)
    counts = spec.family != "gaussian"
    offset = frame["offset"].to_numpy(dtype=float) if counts else np.zeros(len(frame))
    groups = model.group_codes()
    out = error_models.fit(
        y[mask],
        design[mask],
        errors,
        family=spec.family,
        offset=offset[mask] if counts else None,
        groups=None if groups is None else groups[mask],
        gaps=model.gaps(mask),
    )
    inference = Inference(level, out.use_t, out.p_use_t, out.df_resid, out.reference)
    return Fitted(design[list(out.names)], y, offset, mask, out, inference)


def named_coefficients(fitted: Fitted, *, pooled: bool, segmented: bool) -> dict[str, Coefficient]:
    """Named terms, intervention terms first, with derived ``post_trend`` in segmented
    designs (and, for pooled designs, the treated unit's own terms = control + diff)."""
    names = fitted.out.names
    index = {name: i for i, name in enumerate(names)}
    k = len(names)

    def unit(*terms: str) -> np.ndarray | None:
        if not all(t in index for t in terms):
            return None
        w = np.zeros(k)
        for t in terms:
            w[index[t]] += 1.0
        return w

    combos: dict[str, np.ndarray] = {}
    slope = "slope_change" in index or "control_slope_change" in index
    prefixes = ("control_", "diff_") if pooled else ("",)
    if pooled:
        for term in _INTERVENTION:
            w = unit(f"control_{term}", f"diff_{term}")
            if w is not None:
                combos[term] = w
        own = ["control_pre_trend", "diff_pre_trend"]
        own += ["control_slope_change", "diff_slope_change"] if slope else []
        w = unit(*own)
        if w is not None:
            combos["post_trend"] = w
    for prefix in prefixes:
        for term in _INTERVENTION:
            w = unit(f"{prefix}{term}")
            if w is not None:
                combos[f"{prefix}{term}"] = w
        trend_terms = [f"{prefix}pre_trend"] + ([f"{prefix}slope_change"] if slope else [])
        w = unit(*trend_terms)
        if w is not None and segmented:
            combos[f"{prefix}post_trend"] = w
    for name in names:
        if name not in combos:
            combos[name] = np.eye(k)[index[name]]
    ordered = _order(combos, pooled)
    out = fitted.out
    return {
        name: linear_coefficient(combos[name], out.params, out.cov, fitted.inference)
        for name in ordered
    }


def _order(combos: dict[str, np.ndarray], pooled: bool) -> list[str]:
    head = ["intercept", "pre_trend", "level_change", "slope_change", "pulse", "post_trend"]
    if pooled:
        head += [f"{p}{t}" for p in ("control_", "diff_") for t in (*_INTERVENTION, "post_trend")]
    first = [n for n in head if n in combos]
    return first + [n for n in combos if n not in first]


def series_table(
    model: ITSModel,
    fitted: Fitted,
    x0_all: np.ndarray,
    band: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """The treated series with its fit and counterfactual (see :attr:`ITSResult.series`).

    ``band``: the post-period counterfactual band when the design has its own (prediction
    intervals); otherwise the band is the mean's interval at the result's level."""
    frame = model.frame
    out = fitted.out
    treated = frame["treated"].to_numpy()
    x_all = fitted.design.to_numpy(dtype=float)
    x1, x0, off = x_all[treated], x0_all[treated], fitted.offset[treated]
    eta1 = x1 @ out.params + off
    eta0 = x0 @ out.params + off
    se0 = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", x0, out.cov, x0), 0.0))
    reference = fitted.inference.reference
    crit = (
        reference.critical_rows(x0, fitted.inference.level)
        if reference is not None
        else fitted.inference.critical()
    )

    def level(eta: np.ndarray) -> np.ndarray:
        return np.exp(eta) if model.log_link else eta

    part = frame.loc[treated]
    band_low, band_high = level(eta0 - crit * se0), level(eta0 + crit * se0)
    if band is not None:
        post = part["post"].to_numpy()
        band_low, band_high = band_low.copy(), band_high.copy()
        band_low[post], band_high[post] = band
    y = part["y"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "time": part["time"].to_numpy(),
            "t": part["t"].to_numpy(dtype=float),
            "observed": part["value"].to_numpy(dtype=float),
            "fitted": level(eta1),
            "counterfactual": level(eta0),
            "counterfactual_low": band_low,
            "counterfactual_high": band_high,
            "residual": y - (level(eta1) if model.spec.family != "gaussian" else eta1),
            "post": part["post"].to_numpy(),
            "phase_in": part["phase_in"].to_numpy(),
            "in_fit": fitted.mask[treated],
        }
    )


def build_result(
    model: ITSModel,
    errors: ErrorSpec,
    fitted: Fitted,
    *,
    coefficients: dict[str, Coefficient],
    effect_terms: tuple[str, ...],
    series: pd.DataFrame,
    effects: EffectSource,
    decay: DecayEstimate | None,
    seed: int,
) -> ITSResult:
    """The immutable result of a design's fit."""
    spec = model.spec
    frame = model.frame
    out = fitted.out
    counts = model.counts()
    post_rows = (frame["treated"] & frame["post"]).to_numpy()
    t_post = frame.loc[post_rows, "t"].to_numpy(dtype=float)
    rate_ratios = {k: v.exp() for k, v in coefficients.items()} if spec.family != "gaussian" else {}
    return ITSResult(
        model=model,
        errors=errors,
        level=fitted.inference.level,
        seed=seed,
        coefficients=MappingProxyType(coefficients),
        rate_ratios=MappingProxyType(rate_ratios),
        decay=decay,
        effect_terms=effect_terms,
        n=int(fitted.mask.sum()),
        n_pre=counts["pre"],
        n_post=counts["post"],
        n_phase_in=counts["phase_in"],
        n_units=int(frame["unit"].nunique()),
        df_resid=out.df_resid,
        scale=out.scale,
        deviance=out.deviance,
        rho=out.rho,
        lags=out.lags,
        llf=out.llf,
        error_model=ErrorModelParams.from_fit(errors, out),
        fit_info=MappingProxyType(dict(out.extra)),
        design_names=out.names,
        _params=_frozen(out.params),
        _cov=_frozen(out.cov),
        _series=series,
        _post_time=frame.loc[post_rows, "time"].reset_index(drop=True),
        _post_horizon=_frozen(t_post - model.first_post_t),
        _effects=effects,
        _diagnose=partial(_diagnostics, model, fitted, series, errors),
    )


def _diagnostics(
    model: ITSModel, fitted: Fitted, series: pd.DataFrame, errors: ErrorSpec
) -> diag.Diagnostics:
    frame = model.frame
    design, y, mask, out = fitted.design, fitted.y, fitted.mask, fitted.out
    treated = frame["treated"].to_numpy()
    rows = mask & treated
    x = design.to_numpy(dtype=float)
    if model.spec.family == "gaussian":
        ols_resid = y[mask] - x[mask] @ np.linalg.lstsq(x[mask], y[mask], rcond=None)[0]
    else:
        ols_resid = out.innovations
    # Tests run on the treated unit's rows (a pooled fit's residuals interleave units);
    # there diff_* columns repeat the control_* ones, so they are left out of the exog.
    keep = treated[mask]
    own = np.array([not name.startswith("diff_") for name in design.columns])
    first_name = "ols" if model.spec.family == "gaussian" else "pearson"
    ols = diag.residual_tests(ols_resid[keep], x[rows][:, own], name=first_name)
    innovations = out.innovations
    if len(innovations) == int(mask.sum()):
        model_tests = diag.residual_tests(
            innovations[keep], out.innovation_exog[keep][:, own], name=errors.label()
        )
    else:
        # Cochrane–Orcutt and differenced ARIMA drop leading rows (single series only).
        model_tests = diag.residual_tests(innovations, out.innovation_exog, name=errors.label())
    pre_rows = (~series["post"] & series["in_fit"]).to_numpy()
    pre = series[pre_rows]
    fitted_model = np.log(pre["fitted"].to_numpy()) if model.log_link else pre["fitted"].to_numpy()
    y_pre = frame.loc[treated, "y"].to_numpy(dtype=float)[pre_rows]
    if model.spec.family != "gaussian":
        y_pre = np.log(np.maximum(y_pre, 0.5))
        fitted_model = np.log(pre["fitted"].to_numpy())
    return diag.Diagnostics(
        ols=ols,
        model=model_tests,
        pre_fit=diag.pre_fit(
            y_pre, fitted_model, pre["observed"].to_numpy(), pre["fitted"].to_numpy()
        ),
    )


def _frozen(array: np.ndarray) -> np.ndarray:
    copy = np.array(array, dtype=float, copy=True)
    copy.setflags(write=False)
    return copy
