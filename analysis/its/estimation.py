"""Fit an :class:`ITSModel` with an error model and assemble the :class:`ITSResult`."""

from __future__ import annotations

from functools import partial
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.its import counterfactual as cf
from analysis.its import diagnostics as diag
from analysis.its import error_models
from analysis.its.coding import counterfactual_of
from analysis.its.effects import Coefficient, Inference, linear_coefficient
from analysis.its.exceptions import InvalidSpecification
from analysis.its.result import SIMULATION_DRAWS, ITSResult, PostRows
from analysis.its.shapes import DecayEstimate, profile_decay
from analysis.its.spec import ErrorSpec, shape_has_pulse

if TYPE_CHECKING:
    from analysis.its.model import ITSModel

_INTERVENTION = ("intercept", "pre_trend", "level_change", "slope_change", "pulse")


def fit_model(
    model: ITSModel, errors: ErrorSpec, *, decay: float | None, level: float, seed: int
) -> ITSResult:
    spec = model.spec
    frame = model.frame
    mask = model.fit_mask()
    y = frame["y"].to_numpy(dtype=float)
    offset = frame["offset"].to_numpy(dtype=float) if spec.family != "gaussian" else None
    groups = model.group_codes()

    decay_estimate = _decay(model, errors, decay, level)
    delta = decay_estimate.estimate if decay_estimate is not None else None
    design = model.design(delta)
    out = error_models.fit(
        y[mask],
        design[mask],
        errors,
        family=spec.family,
        offset=None if offset is None else offset[mask],
        groups=None if groups is None else groups[mask],
    )
    names = out.names
    design = design[list(names)]
    inference = Inference(level, out.use_t, out.p_use_t, out.df_resid)
    coefficients = _coefficients(
        names,
        out.params,
        out.cov,
        inference,
        pooled=model.pooled,
        segmented=spec.design == "segmented",
    )
    rate_ratios = {k: v.exp() for k, v in coefficients.items()} if spec.family != "gaussian" else {}

    x_all = design.to_numpy(dtype=float)
    effect_columns = [c for c in model.effect_columns if c in names]
    x0_all = counterfactual_of(design, effect_columns).to_numpy(dtype=float)
    off_all = offset if offset is not None else np.zeros(len(frame))
    treated = frame["treated"].to_numpy()
    post = frame["post"].to_numpy()
    post_rows = treated & post

    prediction = None
    if spec.design == "counterfactual":
        fit_treated = mask & treated
        prediction = cf.simulate_predictions(
            x_all[post_rows],
            out.params,
            out.cov,
            observed=frame.loc[post_rows, "value"].to_numpy(dtype=float),
            y_model=y[post_rows],
            resid_pre=y[fit_treated] - x_all[fit_treated] @ out.params,
            log_link=model.log_link,
            n_draws=SIMULATION_DRAWS,
            rng=np.random.default_rng(seed),
        )

    series = _series(
        model, frame, x_all, x0_all, off_all, out.params, out.cov, inference, mask, prediction
    )
    t_post = frame.loc[post_rows, "t"].to_numpy(dtype=float)
    post_data = PostRows(
        time=frame.loc[post_rows, "time"].reset_index(drop=True),
        horizon=t_post - model.first_post_t,
        x1=x_all[post_rows],
        x0=x0_all[post_rows],
        offset=off_all[post_rows],
        observed=frame.loc[post_rows, "value"].to_numpy(dtype=float),
        y_model=y[post_rows],
    )
    counts = model.counts()
    return ITSResult(
        model=model,
        errors=errors,
        level=level,
        seed=seed,
        coefficients=MappingProxyType(coefficients),
        rate_ratios=MappingProxyType(rate_ratios),
        decay=decay_estimate,
        effect_terms=tuple(effect_columns),
        n=int(mask.sum()),
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
        fit_info=MappingProxyType(dict(out.extra)),
        design_names=names,
        _params=_frozen(out.params),
        _cov=_frozen(out.cov),
        _series=series,
        _post=post_data,
        _inference=inference,
        _prediction=prediction,
        _diagnose=partial(_diagnostics, model, frame, design, y, mask, out, series, errors),
    )


def _decay(
    model: ITSModel, errors: ErrorSpec, decay: float | None, level: float
) -> DecayEstimate | None:
    spec = model.spec
    # The counterfactual design has no effect terms, so no pulse whose decay could be profiled
    # (a flat likelihood had reported δ = 0 with the interval [0, 0.999]).
    if spec.design == "counterfactual" or not shape_has_pulse(spec.shape):
        if decay is not None:
            raise InvalidSpecification(
                f"decay applies to pulse shapes of the segmented design, not {spec.shape} "
                f"in the {spec.design} design"
            )
        return None
    if decay is not None:
        if not 0 <= decay < 1:
            raise InvalidSpecification(f"decay must be in [0, 1); got {decay}")
        return DecayEstimate(decay, float("nan"), float("nan"), level, fixed=True)
    return estimate_decay(model, errors, level)


def estimate_decay(model: ITSModel, errors: ErrorSpec, level: float) -> DecayEstimate:
    """Profile likelihood over δ (see :mod:`analysis.its.shapes`)."""
    spec = model.spec
    frame = model.frame
    mask = model.fit_mask()
    y = frame["y"].to_numpy(dtype=float)[mask]
    offset = frame["offset"].to_numpy(dtype=float)[mask] if spec.family != "gaussian" else None

    # Only the pulse column depends on δ: patch it in place instead of rebuilding the design.
    base = model.design(0.5)
    x = base.to_numpy(dtype=float)[mask]
    pulse_term = "level_change" if spec.shape == "pulse" else "pulse"
    t = frame["t"].to_numpy(dtype=float)[mask]
    post = frame["post"].to_numpy()[mask]
    treated = frame["treated"].to_numpy()[mask].astype(float)
    k = np.where(post, t - model.first_post_t, 0.0)
    patches = [
        (base.columns.get_loc(name), treated if name.startswith("diff_") else 1.0)
        for name in base.columns
        if name in (pulse_term, f"control_{pulse_term}", f"diff_{pulse_term}")
    ]

    def with_decay(delta: float) -> np.ndarray:
        pulse = post * np.power(delta, k)
        for col, factor in patches:
            x[:, col] = pulse * factor
        return x

    def loglik(delta: float) -> float:
        return error_models.point_fit(
            y, with_decay(delta), errors, family=spec.family, offset=offset
        )[1]

    if errors.method == "arima":
        # An ARIMA fit per δ is slow; hold the ARMA parameters at their values from a fit at
        # the OLS-profile optimum and profile δ by GLS given them (one fit, then cheap).
        start = estimate_decay(model, ErrorSpec(), level).estimate
        first = error_models.fit(y, pd.DataFrame(with_decay(start), columns=base.columns), errors)
        whitener = error_models.ArmaWhitener.from_fit(first, errors.arima_order, len(y))

        def loglik(delta: float) -> float:
            return whitener.loglik(y, with_decay(delta))

    dispersion = None
    if spec.family == "quasipoisson":

        def dispersion(delta: float) -> float:
            x = model.design(delta)[mask]
            out = error_models.fit(y, x, ErrorSpec(), family=spec.family, offset=offset)
            return out.scale

    post_t = frame.loc[frame["treated"] & frame["post"], "t"]
    return profile_decay(
        loglik,
        post_periods=float(post_t.max() - post_t.min() + 1),
        level=level,
        dispersion=dispersion,
    )


def _coefficients(
    names: tuple[str, ...],
    params: np.ndarray,
    cov: np.ndarray,
    inference: Inference,
    *,
    pooled: bool,
    segmented: bool,
) -> dict[str, Coefficient]:
    """Named terms, intervention terms first, with derived ``post_trend`` in segmented
    designs (and, for pooled designs, the treated unit's own terms = control + diff)."""
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
    return {name: linear_coefficient(combos[name], params, cov, inference) for name in ordered}


def _order(combos: dict[str, np.ndarray], pooled: bool) -> list[str]:
    head = ["intercept", "pre_trend", "level_change", "slope_change", "pulse", "post_trend"]
    if pooled:
        head += [f"{p}{t}" for p in ("control_", "diff_") for t in (*_INTERVENTION, "post_trend")]
    first = [n for n in head if n in combos]
    return first + [n for n in combos if n not in first]


def _series(
    model: ITSModel,
    frame: pd.DataFrame,
    x_all: np.ndarray,
    x0_all: np.ndarray,
    offset: np.ndarray,
    params: np.ndarray,
    cov: np.ndarray,
    inference: Inference,
    mask: np.ndarray,
    prediction: cf.PredictionDraws | None,
) -> pd.DataFrame:
    treated = frame["treated"].to_numpy()
    x1, x0, off = x_all[treated], x0_all[treated], offset[treated]
    eta1 = x1 @ params + off
    eta0 = x0 @ params + off
    se0 = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", x0, cov, x0), 0.0))
    crit = inference.critical()

    def level(eta: np.ndarray) -> np.ndarray:
        return np.exp(eta) if model.log_link else eta

    part = frame.loc[treated]
    band_low, band_high = level(eta0 - crit * se0), level(eta0 + crit * se0)
    if prediction is not None:
        post = part["post"].to_numpy()
        low, high = cf.prediction_band(prediction, inference.level)
        band_low = band_low.copy()
        band_high = band_high.copy()
        band_low[post], band_high[post] = low, high
    y = part["y"].to_numpy(dtype=float)
    series = pd.DataFrame(
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
            "in_fit": mask[treated],
        }
    )
    return series


def _diagnostics(
    model: ITSModel,
    frame: pd.DataFrame,
    design: pd.DataFrame,
    y: np.ndarray,
    mask: np.ndarray,
    out: error_models.FitOutput,
    series: pd.DataFrame,
    errors: ErrorSpec,
) -> diag.Diagnostics:
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
    pre = series[~series["post"] & series["in_fit"]]
    fitted_model = np.log(pre["fitted"].to_numpy()) if model.log_link else pre["fitted"].to_numpy()
    pre_rows = (~series["post"] & series["in_fit"]).to_numpy()
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
