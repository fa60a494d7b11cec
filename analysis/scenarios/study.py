"""The scenario study: every design on every family of simulated panels, and the rule that
chooses the headline design from the table.

A design is a function ``Panel -> Estimate`` (the window-average % effect and its 95%
interval), built on the engine's public API exactly as the reports would call it. The study
runs each design on ``seeds`` panels of each family and tabulates, per family and design, the
bias and RMSE of the estimate against the truth (percentage points), the coverage and width of
the interval, and the share of panels where the design failed to give an answer.

The rule (:func:`choose_default`), worst family first: a design qualifies when it answers on
every panel and, in every family, its coverage is within ``coverage`` and its |bias| below
``max_bias``; among those the one with the smallest worst-family RMSE wins. When none qualifies
the design with the smallest worst-family penalty wins — |bias| plus the coverage shortfall
below the band's lower end, in points — and the table says no design met the targets.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

import numpy as np
import pandas as pd

from analysis.scenarios.panels import FAMILIES, WINDOW, Panel, Scenario, simulate_panel
from analysis.scenarios.two_factor import TWO_FACTOR_FAMILIES, simulate_two_factor


@dataclass(frozen=True)
class Estimate:
    percent: float
    low: float
    high: float


Design = Callable[[Panel], Estimate]


def _treated_frame(panel: Panel, *, with_donors: bool = False) -> pd.DataFrame:
    levels = panel.levels()
    frame = levels.rename_axis("period").reset_index()
    frame = frame.rename(columns={panel.treated: "value"})
    needed = ["value", *panel.donors] if with_donors else ["value"]
    return frame.dropna(subset=needed)


def _effect(result: Any, panel: Panel) -> Estimate:
    """The window's weeks by date (a gap week is then simply not in the average)."""
    end = panel.event + pd.Timedelta(weeks=WINDOW - 1)
    effect = result.average_effect(panel.event, end)
    return Estimate(effect.percent, effect.percent_low, effect.percent_high)


def single_series_counterfactual(panel: Panel) -> Estimate:
    """The current headline: the treated city's own trend + Fourier(1) season, AR(1) errors."""
    from analysis.its import ITSModel

    model = ITSModel(
        _treated_frame(panel), time_col="period", value_col="value", event=panel.event,
        design="counterfactual", shape="step", log=True, seasonality="fourier:1",
        simulated=True,
    )  # fmt: skip
    return _effect(model.fit("ar1"), panel)


def segmented_step_pulse(panel: Panel) -> Estimate:
    """The headline before the counterfactual design: step-pulse over the whole series."""
    from analysis.its import ITSModel

    model = ITSModel(
        _treated_frame(panel), time_col="period", value_col="value", event=panel.event,
        design="segmented", shape="step-pulse", log=True, seasonality="fourier:1",
        simulated=True,
    )  # fmt: skip
    return _effect(model.fit("ar1"), panel)


def covariate_counterfactual(panel: Panel) -> Estimate:
    """The single-series counterfactual with every donor's log index as a covariate."""
    from analysis.its import ITSModel

    frame = _treated_frame(panel, with_donors=True)
    for donor in panel.donors:
        frame[donor] = np.log(frame[donor])
    model = ITSModel(
        frame, time_col="period", value_col="value", event=panel.event,
        design="counterfactual", shape="step", log=True, covariate_cols=list(panel.donors),
        simulated=True,
    )  # fmt: skip
    return _effect(model.fit("ar1"), panel)


def synthetic_control(
    panel: Panel,
    *,
    variant: str,
    inference: str = "conformal",
    trend_halflife: float | None = None,
    trend_window: int | None = None,
    anticipation: int = 0,
) -> Estimate:
    """Synthetic control of ``variant`` on the log index with ``inference`` (conformal or
    backtest); a donor's short gaps are bridged and the weeks still missing somewhere left
    out (``interpolate-donors``, as the headline does)."""
    from analysis.its.synthetic import SyntheticControl

    model = SyntheticControl(
        panel.levels(), treated=panel.treated, donors=list(panel.donors),
        event=panel.event, variant=variant, log=True, missing="interpolate-donors",
        trend_halflife=trend_halflife, trend_window=trend_window, anticipation=anticipation,
        simulated=True,
    )  # fmt: skip
    end = panel.event + pd.Timedelta(weeks=WINDOW - 1)
    effect = model.fit().average_effect(panel.event, end, inference=inference)
    return Estimate(effect.percent, effect.percent_low, effect.percent_high)


def comparative_its(panel: Panel, *, comparison: str) -> Estimate:
    """Comparative ITS: the treated log index minus the ``comparison`` of the donors',
    level and slope change over the whole series, AR(1) errors."""
    from analysis.its.comparative import ComparativeITS

    model = ComparativeITS(
        panel.levels(), treated=panel.treated, controls=list(panel.donors),
        event=panel.event, comparison=comparison, log=True, missing="interpolate-donors",
    )  # fmt: skip
    return _effect(model.fit("ar1"), panel)


def gap_counterfactual(panel: Panel, *, comparison: str) -> Estimate:
    """The counterfactual design on the gap: d_t = log treated − log comparison (the donors'
    equal average, or their synthetic-control combination fitted on the pre-period), its
    trend and AR(1) errors fitted to the weeks before the event and predicted over the window.
    The common national movement is differenced away before any trend is extrapolated."""
    from analysis.its import ITSModel
    from analysis.its.synthetic import SyntheticControl

    logs = panel.observed.dropna()
    if comparison == "equal":
        base = logs[list(panel.donors)].mean(axis=1)
    else:
        fitted = SyntheticControl(
            panel.levels(), treated=panel.treated, donors=list(panel.donors),
            event=panel.event, variant=comparison, log=True, missing="interpolate-donors",
            simulated=True,
        ).fit()  # fmt: skip
        weights = pd.Series(fitted.weights)
        base = logs[list(weights.index)] @ weights + float(fitted.intercept or 0.0)
    gap = np.exp(logs[panel.treated] - base)
    frame = pd.DataFrame({"period": logs.index, "value": np.asarray(gap)})
    model = ITSModel(
        frame, time_col="period", value_col="value", event=panel.event,
        design="counterfactual", shape="step", log=True, simulated=True,
    )  # fmt: skip
    return _effect(model.fit("ar1"), panel)


DESIGNS: dict[str, Design] = {
    "single-series counterfactual": single_series_counterfactual,
    "segmented step-pulse": segmented_step_pulse,
    "covariate regression on donors": covariate_counterfactual,
    "comparative ITS, equal weights": partial(comparative_its, comparison="equal"),
    "gap counterfactual, equal weights": partial(gap_counterfactual, comparison="equal"),
    "synthetic control": partial(synthetic_control, variant="standard"),
    "synthetic control, de-meaned": partial(synthetic_control, variant="demeaned"),
    "synthetic control, detrended": partial(synthetic_control, variant="detrended"),
    "synthetic control, detrended, backtest": partial(
        synthetic_control, variant="detrended", inference="backtest"
    ),
    "synthetic control, detrended (half-life 26), backtest": partial(
        synthetic_control, variant="detrended", inference="backtest", trend_halflife=26
    ),
    "synthetic control, detrended (half-life 13), backtest": partial(
        synthetic_control, variant="detrended", inference="backtest", trend_halflife=13
    ),
    # The backtest interval widened to the placebos' spread (the design's errors at the event
    # in the donors), where the pool has five donors or more.
    "synthetic control, detrended (half-life 13), backtest + placebo": partial(
        synthetic_control, variant="detrended", inference="backtest-placebo", trend_halflife=13
    ),
    "synthetic control, broken trend, backtest": partial(
        synthetic_control, variant="broken-trend", inference="backtest"
    ),
    # The last four pre-period weeks left out of the fit (and of each backtest's horizon):
    # the remedy for a rise that starts before the event, at the price of a longer forecast.
    "synthetic control, detrended (half-life 13), anticipation 4, backtest": partial(
        synthetic_control,
        variant="detrended",
        inference="backtest",
        trend_halflife=13,
        anticipation=4,
    ),
    "synthetic control, broken trend, anticipation 4, backtest": partial(
        synthetic_control, variant="broken-trend", inference="backtest", anticipation=4
    ),
    # A shorter half-life follows a recent bend; the last weeks left out keep a surge before
    # the event out of that trend (3 Dec 2026, evening).
    "synthetic control, detrended (half-life 6), anticipation 2, backtest + placebo": partial(
        synthetic_control,
        variant="detrended",
        inference="backtest-placebo",
        trend_halflife=6,
        anticipation=2,
    ),
    "synthetic control, detrended (half-life 6), anticipation 3, backtest + placebo": partial(
        synthetic_control,
        variant="detrended",
        inference="backtest-placebo",
        trend_halflife=6,
        anticipation=3,
    ),
    # The trend of the last weeks only, equally weighted: a half-life's tail still feels a
    # bend or a rise months back (3 Dec 2026, night).
    "synthetic control, detrended (last 13 weeks' trend), anticipation 3, backtest + placebo": (
        partial(
            synthetic_control,
            variant="detrended",
            inference="backtest-placebo",
            trend_window=13,
            anticipation=3,
        )
    ),
    "synthetic control, detrended (last 16 weeks' trend), anticipation 3, backtest + placebo": (
        partial(
            synthetic_control,
            variant="detrended",
            inference="backtest-placebo",
            trend_window=16,
            anticipation=3,
        )
    ),
    # The backtest's and the placebos' errors pooled on the log scale, the estimate
    # retransformed (Kennedy 1981): the wider of the two covered 0.99-1.00 in six families
    # (4 Dec 2026).
    "synthetic control, detrended (last 16 weeks' trend), anticipation 3, pooled": partial(
        synthetic_control,
        variant="detrended",
        inference="pooled",
        trend_window=16,
        anticipation=3,
    ),
    # The break may be a level shift too (an earlier wave is a step, not a bend).
    "synthetic control, broken (shift or bend), backtest": partial(
        synthetic_control, variant="broken", inference="backtest"
    ),
    "synthetic control, broken (shift or bend), anticipation 4, backtest": partial(
        synthetic_control, variant="broken", inference="backtest", anticipation=4
    ),
}


# The design the rule chose on the 200-seed study (ARCHITECTURE.md, "Headline estimator"):
# reports.ReportParams' defaults are this design (tests/test_scenarios.py holds them together).
HEADLINE: Final = "synthetic control, detrended (last 16 weeks' trend), anticipation 3, pooled"


@dataclass(frozen=True)
class World:
    """A way of simulating panels and the families drawn from it."""

    name: str
    families: tuple[Scenario, ...]
    simulate: Callable[[Any, int], Panel]


# The study's worlds: the first, written beside the designs, and a second built unlike it
# (analysis.scenarios.two_factor) so that a design tuned to the first world's process shows.
WORLDS: Final[dict[str, World]] = {
    "scenario": World("scenario", FAMILIES, simulate_panel),
    "two-factor": World("two-factor", TWO_FACTOR_FAMILIES, simulate_two_factor),
}


def _one(
    task: tuple[str, Scenario, int, Sequence[str], Mapping[str, Design]],
) -> list[dict[str, Any]]:
    world, family, seed, names, designs = task
    panel = WORLDS[world].simulate(family, seed)
    truth = panel.truth()
    rows = []
    for name in names:
        error: str | None = None
        try:
            est = designs[name](panel)
            ok = all(math.isfinite(v) for v in (est.percent, est.low, est.high))
        except Exception as exc:  # a design that cannot answer is counted, not fatal
            est, ok = Estimate(math.nan, math.nan, math.nan), False
            error = f"{type(exc).__name__}: {exc}"[:200]
        rows.append({
            "world": world, "family": family.name, "design": name, "seed": seed, "truth": truth,
            "estimate": est.percent, "low": est.low, "high": est.high, "ok": ok,
            "error": error,
        })  # fmt: skip
    return rows


def run_study(
    *,
    seeds: int,
    families: Iterable[Scenario] | None = None,
    designs: Mapping[str, Design] | None = None,
    processes: int = 1,
    first_seed: int = 0,
    world: str = "scenario",
) -> pd.DataFrame:
    """One row per family × seed × design of ``world`` (see :func:`summarise`); ``families``
    None: all of the world's."""
    if world not in WORLDS:
        raise ValueError(f"world must be one of {', '.join(WORLDS)}; got {world!r}")
    designs = dict(designs or DESIGNS)
    names = list(designs)
    chosen = tuple(families) if families is not None else WORLDS[world].families
    tasks = [
        (world, f, s, names, designs) for f in chosen for s in range(first_seed, first_seed + seeds)
    ]
    if processes > 1:
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            chunks = pool.map(_one, tasks, chunksize=max(1, len(tasks) // (8 * processes)))
    else:
        chunks = [_one(t) for t in tasks]
    return pd.DataFrame([row for chunk in chunks for row in chunk])


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Per family and design: bias, RMSE (pp), coverage, width (pp), failures (share). Rows of
    more than one world name each family by its world too ("two-factor: true null"), so the
    rule counts every world's family as a family of its own."""
    rows = rows.copy()
    if "world" in rows and rows["world"].nunique() > 1:
        rows["family"] = rows["world"] + ": " + rows["family"]
    out = []
    for (family, design), g in rows.groupby(["family", "design"], sort=False):
        good = g[g["ok"]]
        err = good["estimate"] - good["truth"]
        covered = (good["low"] <= good["truth"]) & (good["truth"] <= good["high"])
        out.append({
            "family": family, "design": design, "n": len(g),
            "bias": float(err.mean()) if len(good) else math.nan,
            "rmse": float(np.sqrt((err**2).mean())) if len(good) else math.nan,
            "coverage": float(covered.mean()) if len(good) else math.nan,
            "width": float((good["high"] - good["low"]).mean()) if len(good) else math.nan,
            "failures": float(1 - g["ok"].mean()),
        })  # fmt: skip
    return pd.DataFrame(out)


@dataclass(frozen=True)
class Choice:
    design: str
    met_targets: bool
    worst: pd.DataFrame  # per design: its worst family's figures


def choose_default(
    table: pd.DataFrame,
    *,
    coverage: tuple[float, float] = (0.92, 0.98),
    max_bias: float = 1.5,
) -> Choice:
    """The headline design by the module's rule (worst family first)."""
    worst = []
    for design, g in table.groupby("design", sort=False):
        shortfall = (coverage[0] - g["coverage"]).clip(lower=0) * 100
        penalty = g["bias"].abs() + shortfall
        qualifies = bool(
            (g["failures"] == 0).all()
            and g["coverage"].between(*coverage).all()
            and (g["bias"].abs() < max_bias).all()
        )
        worst.append({
            "design": design, "qualifies": qualifies,
            "worst_abs_bias": float(g["bias"].abs().max()),
            "worst_rmse": float(g["rmse"].max()),
            "lowest_coverage": float(g["coverage"].min()),
            "highest_coverage": float(g["coverage"].max()),
            "worst_penalty": float(penalty.max()),
            "worst_family": str(g["family"].to_numpy()[int(np.argmax(penalty.to_numpy()))]),
        })  # fmt: skip
    frame = pd.DataFrame(worst)
    qualified = frame[frame["qualifies"]]
    if len(qualified):
        best = qualified.sort_values("worst_rmse").iloc[0]
        return Choice(str(best["design"]), True, frame)
    best = frame.sort_values("worst_penalty").iloc[0]
    return Choice(str(best["design"]), False, frame)
