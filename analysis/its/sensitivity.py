"""Sensitivity table: the headline effect when one choice at a time is changed.

Starting from the result's specification, rows vary the error model, the Newey–West lags,
the effect shape and the data window (observations within ±w periods of the first post
period), one at a time; the first row is the specification itself. Each row reports the
same window effect (see :meth:`ITSResult.average_effect`) and the level and slope change.
A variant that cannot be fitted keeps its row with the reason in ``status``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.its.exceptions import ITSError
from analysis.its.spec import SHAPES, ErrorSpec, automatic_lags
from analysis.its.threads import small_problem
from analysis.its.timeaxis import as_time_values

if TYPE_CHECKING:
    from analysis.its.model import ITSModel
    from analysis.its.result import ITSResult

COLUMNS = (
    "varied", "errors", "shape", "window", "n", "effect", "ci_low", "ci_high", "percent",
    "percent_low", "percent_high", "absolute", "level_change", "level_change_se",
    "slope_change", "slope_change_se", "decay", "status",
)  # fmt: skip


def sensitivity_table(
    result: ITSResult,
    *,
    start: Any = None,
    end: Any = None,
    periods: float | None = None,
    errors: Sequence[str] | None = None,
    lags: Sequence[int] | None = None,
    shapes: Sequence[str] | None = None,
    windows: Sequence[float] | None = None,
) -> pd.DataFrame:
    """One row per variant (columns :data:`COLUMNS`).

    Defaults: every error model the design allows; lags 1, L, 2L, 4L with L the automatic
    lag; every shape; windows of half and a quarter of the series' span.
    """
    model = result.model
    base_errors = result.errors
    n_fit = result.n_pre + result.n_post
    auto = base_errors.lags if base_errors.lags is not None else automatic_lags(n_fit)
    if errors is None:
        errors = _allowed_errors(model)
    if lags is None:
        lags = sorted({1, max(auto, 1), 2 * max(auto, 1), 4 * max(auto, 1)})
    if shapes is None:
        shapes = [s for s in SHAPES if model.spec.design == "segmented"]
    span = float(model.frame["t"].max())
    if windows is None:
        windows = [round(span / 2), round(span / 4)]

    variants: list[tuple[str, ITSModel, ErrorSpec, str]] = [("base", model, base_errors, "all")]
    for method in errors:
        if method != base_errors.method:
            variants.append(("errors", model, _errors_like(base_errors, method), "all"))
    for lag in lags:
        if base_errors.method != "newey" or lag != base_errors.lags:
            newey = replace(_errors_like(base_errors, "newey"), lags=lag)
            variants.append(("lags", model, newey, "all"))
    for shape in shapes:
        if shape != model.spec.shape:
            variants.append(("shape", _variant(model, shape=shape), base_errors, "all"))
    for width in windows:
        variants.append(("window", _variant(model, window=width), base_errors, f"±{width:g}"))

    with small_problem(len(model.frame)):
        rows = [
            _row(varied, variant, spec, window, result, start, end, periods)
            for varied, variant, spec, window in variants
        ]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _allowed_errors(model: ITSModel) -> list[str]:
    if model.spec.family != "gaussian" or model.pooled:
        return ["ols", "newey"]
    return ["ols", "newey", "ar1", "arima"]


def _errors_like(base: ErrorSpec, method: str) -> ErrorSpec:
    return ErrorSpec(
        method=method,  # type: ignore[arg-type]
        ar_method=base.ar_method,
        arima_order=base.arima_order,
    )


class _Unavailable:
    """A variant that could not be built; the reason goes to the row's status."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _variant(model: ITSModel, *, shape: str | None = None, window: float | None = None) -> Any:
    try:
        if shape is not None:
            return model.replace(shape=shape)
        data = model.data
        axis = model.axis
        t = axis.positions(as_time_values(data[model.spec.columns.time]))
        t0 = model.first_post_t
        keep = (t >= t0 - (window or 0)) & (t < t0 + (window or 0))
        return model.replace(data=data[keep])
    except ITSError as exc:
        return _Unavailable(str(exc))


def _row(
    varied: str,
    model: Any,
    errors: ErrorSpec,
    window: str,
    base: ITSResult,
    start: Any,
    end: Any,
    periods: float | None,
) -> dict[str, Any]:
    shape = base.model.spec.shape if isinstance(model, _Unavailable) else model.spec.shape
    row: dict[str, Any] = {c: np.nan for c in COLUMNS}
    row.update(varied=varied, errors=errors.label(), shape=shape, window=window)
    if isinstance(model, _Unavailable):
        row["status"] = model.reason
        return row
    try:
        fitted = model.fit(errors, alpha=1 - base.level, seed=base.seed, decay_interval=False)
        effect = fitted.average_effect(start, end, periods=periods)
    except (ITSError, np.linalg.LinAlgError, ValueError) as exc:
        row["status"] = str(exc)
        return row
    coefs = fitted.coefficients
    prefix = "diff_" if model.pooled else ""
    level = coefs.get(f"{prefix}level_change")
    slope = coefs.get(f"{prefix}slope_change")
    row.update(
        n=fitted.n,
        effect=effect.effect,
        ci_low=effect.ci_low,
        ci_high=effect.ci_high,
        percent=effect.percent,
        percent_low=effect.percent_low,
        percent_high=effect.percent_high,
        absolute=effect.absolute,
        level_change=level.estimate if level else np.nan,
        level_change_se=level.se if level else np.nan,
        slope_change=slope.estimate if slope else np.nan,
        slope_change_se=slope.se if slope else np.nan,
        decay=fitted.decay.estimate if fitted.decay else np.nan,
        status="ok",
    )
    return row
