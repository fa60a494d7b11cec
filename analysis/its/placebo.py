"""Placebo events: the same analysis at dates when nothing happened.

Only data before the real event is used, so the real effect cannot leak into a placebo.
Each placebo date p gets the model of the result (same design, shape, seasonality, error
model; a pulse's decay re-estimated unless told otherwise), on data up to p plus at most as
many post periods as the real analysis had. A placebo fit has at least one full season (a
year, on a dated axis; the seasonality's period otherwise) of data before its date: fits on
less could not tell the season from the trend, and their spread (17 points against 2.4 for
the full-year ones, on the demo's weekly series) made the real estimate look like noise.

The statistic is the average effect on the model scale over the first ``window`` periods
from the event (log points on a log scale). The empirical two-sided p-value is
(1 + #{|placebo| ≥ |actual|}) / (1 + N).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.its.data import counted
from analysis.its.exceptions import ITSError, TooFewPrePeriods
from analysis.its.threads import small_problem
from analysis.its.timeaxis import as_time_values

if TYPE_CHECKING:
    from analysis.its.result import ITSResult


@dataclass(frozen=True)
class PlaceboResult:
    """``table``: one row per placebo date (``event``, ``estimate``, ``percent``);
    ``actual``: the same statistic at the real event; ``p_value``: empirical, two-sided."""

    statistic: str
    window: float
    actual: float
    actual_percent: float
    p_value: float
    table: pd.DataFrame
    failed: int

    @property
    def n(self) -> int:
        return len(self.table)

    def to_dict(self) -> dict[str, Any]:
        estimates = self.table["estimate"].to_numpy(dtype=float)
        return {
            "statistic": self.statistic,
            "window": self.window,
            "actual": self.actual,
            "actual_percent": self.actual_percent,
            "p": self.p_value,
            "n": self.n,
            "failed": self.failed,
            "quantiles": {
                str(q): float(np.quantile(estimates, q)) for q in (0.025, 0.25, 0.5, 0.75, 0.975)
            }
            if self.n
            else {},
            "placebos": [
                {"event": e, "estimate": float(v), "percent": float(p)}
                for e, v, p in self.table[["event", "estimate", "percent"]].itertuples(index=False)
            ],
        }


def placebo_test(
    result: ITSResult,
    *,
    n: int = 200,
    window: float | None = None,
    reestimate_decay: bool = True,
) -> PlaceboResult:
    """Refit the result's model at up to ``n`` evenly spaced pre-period dates."""
    if n < 1:
        raise ITSError(f"the number of placebos must be at least 1; got {n}")
    model = result.model
    axis = model.axis
    series = result.series
    post_t = series.loc[series["post"], "t"]
    post_span = float(post_t.max() - post_t.min() + 1)
    pre = series[~series["post"]]
    if window is None:
        window = float(min(post_span, max(1, len(pre) // 3)))
    actual_effect = result.average_effect(periods=window)

    data = model.data
    times = as_time_values(data[model.spec.columns.time])
    pre_data = data[(times < model.event).to_numpy()]
    candidates = _candidates(result, window)
    if len(candidates) == 0:
        season = season_length(result)
        need = f"a full season ({season:.1f} periods) before each and " if season else ""
        raise TooFewPrePeriods(
            f"the pre-period ({counted(len(pre), 'observation')}) is too short for placebo events: "
            f"they "
            f"need {need}a {window:g}-period window after it"
        )
    chosen = candidates[np.unique(np.linspace(0, len(candidates) - 1, n).round().astype(int))]
    pre_times = as_time_values(pre_data[model.spec.columns.time])
    pre_t = axis.positions(pre_times)
    fit_options = _fit_options(result, reestimate_decay)
    rows = []
    failed = 0
    with small_problem(len(pre_data)):
        for event in chosen:
            t_event = float(axis.positions(pd.Series([event]))[0])
            keep = pre_t < t_event + post_span
            try:
                placebo = model.restricted(
                    pre_data[keep], before_t=t_event + post_span, event=event
                )
                effect = placebo.fit(**fit_options).average_effect(periods=window)
            except (ITSError, np.linalg.LinAlgError, ValueError):
                failed += 1
                continue
            rows.append(
                {"event": axis.label(event), "estimate": effect.effect, "percent": effect.percent}
            )
    table = pd.DataFrame(rows, columns=["event", "estimate", "percent"])
    estimates = table["estimate"].to_numpy(dtype=float)
    extreme = int((np.abs(estimates) >= abs(actual_effect.effect)).sum())
    return PlaceboResult(
        statistic=f"average effect over the first {window:g} periods (model scale)",
        window=window,
        actual=actual_effect.effect,
        actual_percent=actual_effect.percent,
        p_value=(1 + extreme) / (1 + len(table)),
        table=table,
        failed=failed,
    )


def season_length(result: ITSResult) -> float | None:
    """One full season in periods of ``t``: the seasonality's own period when it has one,
    else a year on a dated axis; None for a plain numeric axis without seasonality."""
    model = result.model
    seasonality = model.spec.seasonality
    if seasonality.period is not None:
        return float(seasonality.period)
    if model.spec.columns.season is not None and seasonality.kind != "none":
        return float(model.frame["season"].max())
    return model.axis.season_period


def _candidates(result: ITSResult, window: float) -> np.ndarray:
    """Pre-period times with enough data before them — a full season (see
    :func:`season_length`), the specification's minimum, and at least a quarter of the
    pre-period — and a full window after them, still before the real event."""
    series = result.series
    pre = series[~series["post"]].reset_index(drop=True)
    pre_terms = len([c for c in result.design_names if not c.startswith("diff_")]) - len(
        result.effect_terms
    )
    needed = max(3, pre_terms + 1, int(0.25 * len(pre)))
    t = pre["t"].to_numpy(dtype=float)
    ok = (np.arange(len(pre)) >= needed) & (t + window - 1 <= t.max())
    season = season_length(result)
    if season is not None:
        # a season's worth of observations before the date: 52 weeks, 12 months, 365 days
        ok &= t - t.min() >= np.floor(season)
    return pre.loc[ok, "time"].to_numpy()


def _fit_options(result: ITSResult, reestimate_decay: bool) -> dict[str, Any]:
    options: dict[str, Any] = {
        "errors": result.errors,
        "alpha": 1 - result.level,
        "seed": result.seed,
        "decay_interval": False,
    }
    if result.decay is not None and (result.decay.fixed or not reestimate_decay):
        options["decay"] = result.decay.estimate
    return options
