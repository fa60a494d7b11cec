"""The segmented design: one regression over the whole series, the intervention coded as
terms (level, slope, pulse; pooled designs add control and difference terms).

Effects are model-based: the fitted path with the intervention against the same path with
the intervention terms set to zero (:class:`analysis.its.effects.ModelBasedEffects`). A pulse's
decay δ is profiled (:mod:`analysis.its.shapes`) and the other coefficients are conditional on
δ̂. This is the design of Stata ``itsa`` and of the published count cases (Sicily).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.its import error_models
from analysis.its.coding import counterfactual_of
from analysis.its.effects import ModelBasedEffects
from analysis.its.exceptions import InvalidSpecification
from analysis.its.fitting import build_result, fit_rows, named_coefficients, series_table
from analysis.its.shapes import DecayEstimate, decay_interval, profile_decay
from analysis.its.spec import ErrorSpec, shape_has_pulse

if TYPE_CHECKING:
    from analysis.its.model import ITSModel
    from analysis.its.result import ITSResult

NAME = "segmented"


def fit(
    model: ITSModel,
    errors: ErrorSpec,
    *,
    decay: float | None,
    level: float,
    seed: int,
    decay_interval: bool = True,
) -> ITSResult:
    """Fit the segmented design (see the module doc). ``decay_interval`` False skips the
    likelihood-ratio interval of δ (placebos and sensitivity rows never use it)."""
    decay_estimate = _decay(model, errors, decay, level, decay_interval)
    delta = decay_estimate.estimate if decay_estimate is not None else None
    fitted = fit_rows(model, errors, model.design(delta), level)
    names = fitted.out.names
    effect_terms = tuple(c for c in model.effect_columns if c in names)
    x0_all = counterfactual_of(fitted.design, effect_terms).to_numpy(dtype=float)
    x_all = fitted.design.to_numpy(dtype=float)
    frame = model.frame
    post_rows = (frame["treated"] & frame["post"]).to_numpy()
    effects = ModelBasedEffects(
        x1=x_all[post_rows],
        x0=x0_all[post_rows],
        offset=fitted.offset[post_rows],
        log_link=model.log_link,
        params=fitted.out.params,
        cov=fitted.out.cov,
        inference=fitted.inference,
        seed=seed,
    )
    return build_result(
        model,
        errors,
        fitted,
        coefficients=named_coefficients(fitted, pooled=model.pooled, segmented=True),
        effect_terms=effect_terms,
        series=series_table(model, fitted, x0_all),
        effects=effects,
        decay=decay_estimate,
        seed=seed,
    )


def _decay(
    model: ITSModel, errors: ErrorSpec, decay: float | None, level: float, interval: bool
) -> DecayEstimate | None:
    spec = model.spec
    if not shape_has_pulse(spec.shape):
        if decay is not None:
            raise InvalidSpecification(
                f"decay applies to pulse shapes of the segmented design, not {spec.shape}"
            )
        return None
    if decay is not None:
        if not 0 <= decay < 1:
            raise InvalidSpecification(f"decay must be in [0, 1); got {decay}")
        return DecayEstimate(decay, float("nan"), float("nan"), level, fixed=True)
    return estimate_decay(model, errors, level, interval=interval)


def estimate_decay(
    model: ITSModel, errors: ErrorSpec, level: float, *, interval: bool = True
) -> DecayEstimate:
    """Profile likelihood over δ (see :mod:`analysis.its.shapes`)."""
    spec = model.spec
    frame = model.frame
    mask = model.fit_mask()
    y = frame["y"].to_numpy(dtype=float)[mask]
    offset = frame["offset"].to_numpy(dtype=float)[mask] if spec.family != "gaussian" else None
    gaps = model.gaps(mask)

    # Only the pulse column depends on δ: patch it in place instead of rebuilding the design.
    base = model.design(0.5)
    x = base.to_numpy(dtype=float)[mask]
    pulse_term = "level_change" if spec.shape == "pulse" else "pulse"
    t = frame["t"].to_numpy(dtype=float)[mask]
    post = frame["post"].to_numpy()[mask]
    treated = frame["treated"].to_numpy()[mask].astype(float)
    k = np.where(post, t - model.first_post_t, 0.0)
    names = list(base.columns)
    patches = [
        (names.index(name), treated if name.startswith("diff_") else 1.0)
        for name in names
        if name in (pulse_term, f"control_{pulse_term}", f"diff_{pulse_term}")
    ]

    def with_decay(delta: float) -> np.ndarray:
        pulse = post * np.power(delta, k)
        for col, factor in patches:
            x[:, col] = pulse * factor
        return x

    def loglik(delta: float) -> float:
        return error_models.point_fit(
            y, with_decay(delta), errors, family=spec.family, offset=offset, gaps=gaps
        )[1]

    # Only the pulse columns change with δ: factor the others once (FixedPartGLS) and
    # project the pulse on them, instead of a full least-squares fit per δ.
    fixed = np.delete(x, [col for col, _ in patches], axis=1)

    def changing(delta: float) -> np.ndarray:
        pulse = post * np.power(delta, k)
        return np.column_stack([pulse * factor for _, factor in patches])

    post_t = frame.loc[frame["treated"] & frame["post"], "t"]
    span = float(post_t.max() - post_t.min() + 1)
    gaussian = spec.family == "gaussian"
    if (
        gaussian
        and errors.method in ("ols", "newey", "ar1")
        and not (errors.method == "ar1" and errors.ar_method != "reml")
    ):
        ols = error_models.FixedPartGLS(y, fixed)
        delta = profile_decay(
            lambda d: ols.loglik(changing(d)), post_periods=span, level=level, interval=False
        ).estimate
        if errors.method == "ar1":
            # REML's ρ barely moves with δ: hold it while δ is profiled by GLS, refit ρ at δ̂,
            # profile once more. The joint search re-ran REML at every δ, ~65 times a fit
            # (~780 solves); the interval, when asked for, still inverts the joint profile.
            for _ in range(2):
                rho = error_models.reml_rho(y, with_decay(delta), gaps)
                held = error_models.FixedPartGLS(y, fixed, rho, gaps)
                delta = profile_decay(
                    lambda d, held=held: held.loglik(changing(d)),  # type: ignore[misc]
                    post_periods=span,
                    level=level,
                    interval=False,
                ).estimate
            profile: Callable[[float], float] = loglik
        else:

            def profile(d: float) -> float:
                return ols.loglik(changing(d))

        if not interval:
            return DecayEstimate(delta, float("nan"), float("nan"), level)
        return decay_interval(profile, delta, post_periods=span, level=level)

    if errors.method == "arima":
        # An ARIMA fit per δ is slow; hold the ARMA parameters at their values from a fit at
        # the OLS-profile optimum and profile δ by GLS given them (one fit, then cheap).
        start = estimate_decay(model, ErrorSpec("ols"), level, interval=False).estimate
        first = error_models.fit(
            y, pd.DataFrame(with_decay(start), columns=base.columns), errors, gaps=gaps
        )
        whitener = error_models.ArmaWhitener.from_fit(first, errors.arima_order, gaps, len(y))

        def loglik(delta: float) -> float:
            return whitener.loglik(y, with_decay(delta))

    dispersion = None
    if spec.family == "quasipoisson":

        def dispersion(delta: float) -> float:
            x = model.design(delta)[mask]
            out = error_models.fit(y, x, ErrorSpec(), family=spec.family, offset=offset)
            return out.scale

    return profile_decay(
        loglik,
        post_periods=span,
        level=level,
        dispersion=dispersion,
        interval=interval,
    )
