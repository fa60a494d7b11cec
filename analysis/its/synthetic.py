"""Synthetic control: ``SyntheticControl`` (a treated unit, a donor pool, an event) →
``fit`` → an immutable ``SyntheticControlResult``.

    from analysis.its.synthetic import SyntheticControl
    model = SyntheticControl(wide, time_col="week", treated="almaty",
                             donors=["shymkent", "karaganda", ...], event="2022-09-19",
                             variant="standard", log=True, unit="KZT per month")
    result = model.fit()
    result.weights                         # donor → weight
    result.average_effect(periods=6)       # Effect: percent, percent_low/high (conformal)
    result.placebo_in_space(periods=6)     # table + rank p (floor 1/(J+1))
    result.to_dict(periods=6), result.plot(ax=None)

Weights are fitted on the pre-period (``time < event``; the event is inclusive in the post
period) of the outcome on the model scale (log of the levels when ``log``); variants and the
solver are in :mod:`analysis.its.synthetic_weights`, inference in
:mod:`analysis.its.synthetic_inference`.

Effects follow the engine's definitions on the original scale over a window of observed post
periods that starts at the first post period: ``effect`` = mean gap (observed − synthetic,
log points on a log scale), ``percent`` = 100·(Σ observed / Σ synthetic − 1),
``absolute`` = mean(observed − synthetic) in the series' unit. Intervals come from the
conformal test inversion of a constant effect θ over the window: the % interval is
100·(exp θ − 1) at its edges (on a log scale a constant θ makes Σ observed / Σ synthetic =
exp θ), the absolute one mean(observed·(1 − exp(−θ))).

``fit`` does only the pre-period QP (cheap: a scenario study can run it thousands of times);
the conformal interval and the placebos run when first asked for and are cached per window.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.its.effects import Effect
from analysis.its.exceptions import InvalidSpecification
from analysis.its.synthetic_inference import (
    PLACEBO_INTERVAL_MIN_DONORS,
    BacktestInterval,
    ConformalInterval,
    LeaveOneOut,
    PlaceboInSpace,
    PlaceboInterval,
    PooledInterval,
    backtest_interval,
    conformal_interval,
    fit_mask,
    leave_one_out,
    placebo_in_space,
    placebo_interval,
    pooled_interval,
    rmspe,
)
from analysis.its.synthetic_panel import (
    MIN_PRE_PERIODS,
    Panel,
    panel_from_long,
    panel_from_wide,
)
from analysis.its.synthetic_weights import (
    VARIANTS,
    Weights,
    fit_weights,
    hull_share,
    is_augmented,
    is_demeaned,
    is_detrended,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CONFORMAL_METHOD = "conformal (CWZ 2021, moving-block permutations)"
METHODS = {
    "conformal": CONFORMAL_METHOD,
    "backtest": "backtest (the design's errors at pseudo-events before the event)",
    "backtest-placebo": (
        "backtest widened to the placebos (the design's errors at pseudo-events before the "
        "event and, in the donors, at the event)"
    ),
    "pooled": (
        "backtest and placebos pooled (the design's errors at pseudo-events before the event "
        "and, in the donors, at the event, log scale; the estimate retransformed)"
    ),
    "none": "point estimate",
}
# The inferences read off the design's own % errors (not defined for a series that is not
# positive).
ERROR_INFERENCES = ("backtest", "backtest-placebo", "pooled")
INFERENCES = tuple(METHODS)
HULL_WARNING_SHARE = 0.5


# The note on a pool too small for the placebo-in-space p to reach alpha (see _caveats).
PLACEBO_FLOOR_NOTE = "the placebo-in-space p-value cannot go below"


class SyntheticControlWarning(UserWarning):
    """A synthetic-control fit that runs but may be spoilt: the treated unit outside the
    donors' range, a failed polish of the weights. Milder caveats (few donors for the placebo
    p, dropped donors or periods) are only in ``result.warnings``."""


@dataclass(frozen=True)
class SyntheticSpec:
    """What defines the model apart from the data (see :class:`SyntheticControl`)."""

    variant: str = "standard"
    unit: str | None = None
    label: str | None = None
    simulated: bool = False
    ridge_lambda: float | None = None
    anticipation: int = 0
    trend_halflife: float | None = None
    trend_window: int | None = None


class SyntheticControl:
    """A treated unit and its donors, ready to fit.

    Data, either form (keyword-only):

    - wide: one row per period, one column per unit; ``time_col`` (None: the index holds the
      periods), ``treated`` = the treated unit's column, ``donors`` = donor columns (None:
      every other column);
    - long: one row per unit and period; ``time_col``, ``group_col`` (the unit),
      ``value_col`` (the outcome), ``treated`` = the treated unit's label, ``donors`` =
      donor labels (None: every other unit).

    ``event``: the first post period (inclusive). ``variant``: ``standard``, ``demeaned``,
    ``augmented`` or ``augmented-demeaned``. ``log``: model log(value) (rents: yes).
    ``missing``: ``error``, ``drop-donors``, ``drop-periods`` or ``interpolate-donors`` (see
    :mod:`analysis.its.synthetic_panel`). ``ridge_lambda``: fix λ of the augmented variants
    (None: cross-validated). ``anticipation``: the last this many pre-period observations are
    left out of the fit (scpi's ``anticipation``, Abadie's backdating): the effect window
    still starts at the event, but a rise that began in the weeks before it is measured
    rather than fitted. ``trend_halflife``: the detrended variants weigh the recent gap more
    (periods for the weight to halve; see :func:`analysis.its.synthetic_weights.fit_weights`);
    ``trend_window``: instead, their trend is the line of the last this many fit periods.
    ``unit``, ``label``, ``simulated``: carried to every output.
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        treated: Hashable,
        event: object,
        donors: Sequence[Hashable] | None = None,
        time_col: str | None = None,
        value_col: str | None = None,
        group_col: str | None = None,
        variant: str = "standard",
        log: bool = True,
        missing: str = "error",
        ridge_lambda: float | None = None,
        anticipation: int = 0,
        trend_halflife: float | None = None,
        trend_window: int | None = None,
        unit: str | None = None,
        label: str | None = None,
        simulated: bool = False,
    ) -> None:
        panel = build_panel(
            data,
            treated=treated,
            event=event,
            donors=donors,
            time_col=time_col,
            value_col=value_col,
            group_col=group_col,
            log=log,
            missing=missing,
        )
        spec = SyntheticSpec(
            variant, unit, label, simulated, ridge_lambda, anticipation, trend_halflife,
            trend_window,
        )  # fmt: skip
        self._init(panel, spec)

    @classmethod
    def from_panel(cls, panel: Panel, **spec: Any) -> SyntheticControl:
        model = cls.__new__(cls)
        model._init(panel, SyntheticSpec(**spec))
        return model

    def _init(self, panel: Panel, spec: SyntheticSpec) -> None:
        if spec.variant not in VARIANTS:
            raise InvalidSpecification(
                f"variant must be one of {', '.join(VARIANTS)}; got {spec.variant!r}"
            )
        if spec.ridge_lambda is not None and not (
            is_augmented(spec.variant) and spec.ridge_lambda > 0
        ):
            raise InvalidSpecification("ridge_lambda is a positive λ of the augmented variants")
        if spec.trend_halflife is not None and not (
            is_detrended(spec.variant) and spec.trend_halflife > 0
        ):
            raise InvalidSpecification(
                "trend_halflife is a positive number of periods, for the detrended variants"
            )
        if spec.trend_window is not None:
            if not (is_detrended(spec.variant) and spec.trend_window >= 3):
                raise InvalidSpecification(
                    "trend_window is a number of periods (3 or more), for the detrended variants"
                )
            if spec.trend_halflife is not None:
                raise InvalidSpecification("give trend_halflife or trend_window, not both")
        if not 0 <= spec.anticipation <= panel.n_pre - MIN_PRE_PERIODS:
            raise InvalidSpecification(
                f"anticipation must leave at least {MIN_PRE_PERIODS} pre-period observations to "
                f"fit ({panel.n_pre} before the event); got {spec.anticipation} (anticipation "
                "0, --sc-anticipation 0, fits every pre-period observation)"
            )
        self._panel = panel
        self._spec = spec

    @property
    def panel(self) -> Panel:
        return self._panel

    @property
    def spec(self) -> SyntheticSpec:
        return self._spec

    @property
    def fit_rows(self) -> np.ndarray:
        """Mask of the periods the weights are fitted on: the pre-period less the last
        ``anticipation`` observations."""
        return fit_mask(self._panel, self._spec.anticipation)

    def replace(self, **changes: Any) -> SyntheticControl:
        """The same panel with other :class:`SyntheticSpec` fields (e.g. ``variant``)."""
        return SyntheticControl.from_panel(self._panel, **{**_spec_dict(self._spec), **changes})

    def describe(self) -> dict[str, Any]:
        panel = self._panel
        return {
            "design": "synthetic",
            "variant": self._spec.variant,
            "treated": panel.treated,
            "donors": list(panel.donors),
            "event": panel.axis.label(panel.event),
            "event_rule": "event date inclusive in the post period",
            "first_post": panel.axis.label(panel.times[panel.post].min()),
            "time_axis": panel.axis.describe(),
            "scale": "log" if panel.log else "level",
            "unit": self._spec.unit,
            "n_pre": panel.n_pre,
            "n_post": panel.n_post,
            "dropped_donors": list(panel.dropped_donors),
            "thin_donors": [
                {"donor": d, "pre_values": n, "of": of} for d, n, of in panel.thin_donors
            ],
            "dropped_periods": list(panel.dropped_periods),
            "ridge_lambda_fixed": self._spec.ridge_lambda,
            "anticipation": self._spec.anticipation,
            "trend_halflife": self._spec.trend_halflife,
            "trend_window": self._spec.trend_window,
            "label": self._spec.label,
            "simulated": self._spec.simulated,
        }

    def __repr__(self) -> str:
        p = self._panel
        return (
            f"SyntheticControl({p.treated!r} from {len(p.donors)} donors, variant="
            f"{self._spec.variant!r}, event={p.axis.label(p.event)!r}, pre {p.n_pre}, "
            f"post {p.n_post})"
        )

    def fit(self, *, alpha: float = 0.05) -> SyntheticControlResult:
        """Fit the weights on the pre-period; intervals (on demand) at level 1 − ``alpha``."""
        if not 0 < alpha < 1:
            raise InvalidSpecification(f"alpha must be between 0 and 1; got {alpha}")
        panel = self._panel
        pre = self.fit_rows
        y1, y0 = panel.y[:, 0], panel.y[:, 1:]
        weights = fit_weights(
            y1[pre], y0[pre], self._spec.variant, ridge_lambda=self._spec.ridge_lambda,
            time=panel.t[pre], trend_halflife=self._spec.trend_halflife,
            trend_window=self._spec.trend_window,
        )  # fmt: skip
        synthetic = weights.predict(y0, panel.t)
        gap = y1 - synthetic
        notes, problems = _caveats(panel, self._spec.variant, weights, alpha)
        # Only what may spoil the estimate is a Python warning; the rest are notes in the result.
        for note in problems:
            warnings.warn(note, SyntheticControlWarning, stacklevel=2)
        return SyntheticControlResult(
            model=self,
            level=1 - alpha,
            weights=MappingProxyType(
                {d: float(w) for d, w in zip(panel.donors, weights.w, strict=True)}
            ),
            intercept=weights.intercept,
            trend=weights.trend,
            ridge_lambda=weights.ridge_lambda,
            pre_rmspe=rmspe(gap[pre]),
            post_rmspe=rmspe(gap[panel.post]),
            warnings=tuple(notes),
            solver=MappingProxyType(dict(weights.info)),
            _weights=weights,
            _synthetic=_frozen(synthetic),
        )


def build_panel(
    data: pd.DataFrame,
    *,
    treated: Hashable,
    event: object,
    donors: Sequence[Hashable] | None,
    time_col: str | None,
    value_col: str | None,
    group_col: str | None,
    log: bool,
    missing: str,
) -> Panel:
    """The panel from a wide or long table (long when ``group_col`` is given)."""
    if group_col is not None:
        if time_col is None or value_col is None:
            raise InvalidSpecification("the long form needs time_col, group_col and value_col")
        return panel_from_long(
            data, time_col=time_col, group_col=group_col, value_col=value_col,
            treated=treated, donors=donors, event=event, log=log, missing=missing,
        )  # fmt: skip
    if value_col is not None and value_col != treated:
        raise InvalidSpecification(
            "in the wide form the treated unit is a column: give it as treated (value_col is "
            "for the long form with group_col)"
        )
    return panel_from_wide(
        data, treated=treated, donors=donors, event=event, log=log, time_col=time_col,
        missing=missing,
    )  # fmt: skip


@dataclass(frozen=True, eq=False)
class SyntheticControlResult:
    """Estimates of one fitted :class:`SyntheticControl`.

    ``weights``: donor → weight (sum 1; negative weights only in augmented variants);
    ``intercept``: the level shift of the de-meaned and detrended variants (model scale, else
    0); ``trend``: the detrended variants' slope per period (the treated unit's own trend
    relative to its synthetic twin; else 0);
    ``pre_rmspe``/``post_rmspe``: root mean squared gap before/after the event (model scale:
    log points on a log scale); ``warnings``: caveats raised at fit; ``solver``: QP details.
    """

    model: SyntheticControl = field(repr=False)
    level: float
    weights: Mapping[str, float]
    intercept: float
    trend: float
    ridge_lambda: float | None
    pre_rmspe: float
    post_rmspe: float
    warnings: tuple[str, ...]
    solver: Mapping[str, Any] = field(repr=False)
    _weights: Weights = field(repr=False)
    _synthetic: np.ndarray = field(repr=False)
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def variant(self) -> str:
        return self.model.spec.variant

    @property
    def panel(self) -> Panel:
        return self.model.panel

    @property
    def series(self) -> pd.DataFrame:
        """``time``, ``observed`` and ``synthetic`` (original scale), ``gap`` (model scale),
        ``post``."""
        panel = self.panel
        return pd.DataFrame(
            {
                "time": panel.times.to_numpy(),
                "observed": panel.levels[:, 0],
                "synthetic": self._levels(self._synthetic),
                "gap": panel.y[:, 0] - self._synthetic,
                "post": panel.post,
            }
        )

    @property
    def trend_break(self) -> dict[str, Any] | None:
        """The broken variants' break (None when there is none): ``from`` (the first period
        after it), ``kind`` (bend, shift or both), ``slope_change`` per period and
        ``level_shift`` (model scale)."""
        weights, panel = self._weights, self.panel
        if weights.bend_at is None:
            return None
        row = int(np.flatnonzero(panel.t >= weights.bend_at)[0])
        return {
            "from": panel.axis.label(panel.times[row]),
            "kind": weights.break_kind,
            "slope_change": weights.bend,
            "level_shift": weights.shift,
        }

    def weight_table(self) -> pd.DataFrame:
        """Donors by weight, largest first."""
        table = pd.DataFrame({"donor": list(self.weights), "weight": list(self.weights.values())})
        return table.sort_values("weight", ascending=False, ignore_index=True)

    @property
    def positive(self) -> bool:
        """Whether the treated unit's outcome is positive wherever observed (always on a log
        scale): percent effects, and the backtest's percent errors, exist only then."""
        treated = self.panel.levels[:, 0]
        return bool(np.all(treated[~np.isnan(treated)] > 0))

    def _levels(self, values: np.ndarray) -> np.ndarray:
        return np.exp(values) if self.panel.log else values

    # --- effects -----------------------------------------------------------------------

    def average_effect(
        self,
        start: object = None,
        end: object = None,
        *,
        periods: float | None = None,
        inference: str = "conformal",
    ) -> Effect:
        """The effect averaged over the post periods from ``start`` (default: the event) to
        ``end`` (inclusive), or ``periods`` periods from the first post observation.
        ``inference``: ``conformal`` (default), ``backtest`` (the design's own errors at
        pseudo-events in the pre-period, :func:`analysis.its.synthetic_inference.
        backtest_interval`), ``backtest-placebo`` (the wider of the backtest interval and the
        placebos' one, :func:`analysis.its.synthetic_inference.placebo_interval`, which
        covers what moves every city at the event; the backtest's alone with fewer than
        five donors), ``pooled`` (the two sets of errors pooled on the log scale, the
        estimate retransformed: :func:`analysis.its.synthetic_inference.pooled_interval`)
        or ``none`` (point estimates only, NaN intervals)."""
        if inference not in INFERENCES:
            raise InvalidSpecification(
                f"inference is one of {', '.join(INFERENCES)}; got {inference!r}"
            )
        rows = self.panel.window(start, end, periods=periods)
        panel = self.panel
        observed = panel.levels[rows, 0]
        synthetic = self._levels(self._synthetic[rows])
        gap = panel.y[rows, 0] - self._synthetic[rows]
        m = len(rows)
        absolute = float((observed - synthetic).mean())
        nan = float("nan")
        low = high = p = nan
        # A percent means nothing for a series that is not positive (a level-scale series of
        # changes or differences, which had printed "+272.8 %") or against a twin whose
        # window total is not: NaN, as the single-series design has it for the latter.
        positive = self.positive
        defined = positive and observed.sum() > 0 and synthetic.sum() > 0
        if not positive and inference in ERROR_INFERENCES:
            raise InvalidSpecification(
                "the backtest's errors are percentages, which a series with values of 0 or "
                "less does not have: use the conformal interval (--sc-inference conformal), "
                "in the series' own units"
            )
        percent = self.ratio_percent(rows) if defined else nan
        if inference == "conformal":
            interval = self.conformal(rows)
            low, high, p = interval.low, interval.high, interval.p_zero
        pct_low, pct_high = (self._percent_at(observed, v) for v in (low, high))
        abs_low, abs_high = (self._absolute_at(observed, v) for v in (low, high))
        if inference == "pooled" and defined:
            pooled = self.pooled(rows)
            raw = percent
            percent, p = pooled.corrected(raw), pooled.p(raw)
            pct_low, pct_high = pooled.bounds(raw)
            abs_low, abs_high, low, high = self._of_percent_bounds(observed, pct_low, pct_high)
            absolute = _absolute_of_percent(observed, percent)
        if inference in ("backtest", "backtest-placebo"):
            test = self.backtest(rows)
            half_width, p = test.half_width, test.p(percent)
            spread = self.placebo_interval(rows) if inference == "backtest-placebo" else None
            if spread is not None and spread.half_width > half_width:
                half_width, p = spread.half_width, max(p, spread.p(percent))
            # A rent cannot fall by more than all of it: a half-width wider than the effect
            # plus 100 points leaves the interval unbounded below (−100 %, −inf on the model
            # scale and in levels), where log1p had raised on the CLI and in the reports.
            pct_low, pct_high = max(percent - half_width, -100.0), percent + half_width
            abs_low, abs_high, low, high = self._of_percent_bounds(observed, pct_low, pct_high)
        if not defined:
            pct_low = pct_high = nan
        labels = panel.labels()
        return Effect(
            start=labels[rows[0]],
            end=labels[rows[-1]],
            periods=m,
            horizon_start=float(panel.t[rows[0]] - panel.first_post_t),
            horizon_end=float(panel.t[rows[-1]] - panel.first_post_t),
            effect=float(gap.mean()),
            se=nan,
            ci_low=low,
            ci_high=high,
            p=p,
            percent=percent,
            percent_low=pct_low,
            percent_high=pct_high,
            absolute=absolute,
            absolute_low=abs_low,
            absolute_high=abs_high,
            cumulative=absolute * m,
            cumulative_low=abs_low * m,
            cumulative_high=abs_high * m,
            # Under ``pooled`` the twin's level is the one the retransformed percent implies.
            counterfactual=(
                float(observed.mean() / (1 + percent / 100))
                if inference == "pooled" and defined and percent > -100
                else float(synthetic.mean())
            ),
            observed=float(observed.mean()),
            method=METHODS[inference],
            level=self.level,
            unit=self.model.spec.unit,
        )

    def _percent_at(self, observed: np.ndarray, theta: float) -> float:
        if not math.isfinite(theta):
            return theta
        if self.panel.log:
            return float(100 * math.expm1(theta))
        counterfactual = float((observed - theta).sum())
        # A gap as large as the observed total leaves no positive twin: no finite percent
        # (the ratio had turned negative, a bound below −100 % under the estimate).
        if counterfactual <= 0:
            return math.inf
        return float(100 * (observed.sum() / counterfactual - 1))

    def _of_percent_bounds(
        self, observed: np.ndarray, pct_low: float, pct_high: float
    ) -> tuple[float, float, float, float]:
        """An interval given in % as (absolute low, high, model-scale low, high): log(1 + %)
        on a log scale (−inf at −100 %), the level gap, which is the absolute effect, else."""
        abs_low, abs_high = (_absolute_of_percent(observed, v) for v in (pct_low, pct_high))
        if not self.panel.log:
            return abs_low, abs_high, abs_low, abs_high
        low, high = (math.log1p(v / 100) if v > -100 else -math.inf for v in (pct_low, pct_high))
        return abs_low, abs_high, low, high

    def _absolute_at(self, observed: np.ndarray, theta: float) -> float:
        if not math.isfinite(theta):
            return theta
        if self.panel.log:
            return float((observed * -np.expm1(-theta)).mean())
        return float(theta)

    def backtest(
        self, rows: np.ndarray | None = None, *, periods: float | None = None
    ) -> BacktestInterval:
        """The backtest interval of a window as long as ``rows`` (cached; see
        :func:`analysis.its.synthetic_inference.backtest_interval`)."""
        if rows is None:
            rows = self.panel.window(periods=periods)
        key = ("backtest", len(rows))
        if key not in self._cache:
            self._cache[key] = backtest_interval(
                self.panel,
                self.variant,
                self.model.fit_rows,
                len(rows),
                level=self.level,
                ridge_lambda=self.ridge_lambda,
                trend_halflife=self.model.spec.trend_halflife,
                trend_window=self.model.spec.trend_window,
            )
        interval: BacktestInterval = self._cache[key]
        return interval

    def placebo_interval(
        self, rows: np.ndarray | None = None, *, periods: float | None = None
    ) -> PlaceboInterval | None:
        """The placebos' interval of a window (None with fewer than five donors; see
        :func:`analysis.its.synthetic_inference.placebo_interval`)."""
        if rows is None:
            rows = self.panel.window(periods=periods)
        return placebo_interval(self._placebos(rows), level=self.level)

    def ratio_percent(self, rows: np.ndarray) -> float:
        """Σ observed / Σ synthetic − 1 over ``rows``, in %: the estimate before the pooled
        inference's retransformation."""
        observed = self.panel.levels[rows, 0]
        return float(100 * (observed.sum() / self._levels(self._synthetic[rows]).sum() - 1))

    def pooled(
        self, rows: np.ndarray | None = None, *, periods: float | None = None
    ) -> PooledInterval:
        """The backtest's and the placebos' errors of a window pooled on the log scale (see
        :func:`analysis.its.synthetic_inference.pooled_interval`)."""
        if rows is None:
            rows = self.panel.window(periods=periods)
        return pooled_interval(
            self.backtest(rows), self.placebo_interval(rows), len(rows), level=self.level
        )

    def conformal(
        self, rows: np.ndarray | None = None, *, periods: float | None = None
    ) -> ConformalInterval:
        """The conformal interval of the window-average effect (cached per window; see
        :func:`analysis.its.synthetic_inference.conformal_interval`)."""
        if rows is None:
            rows = self.panel.window(periods=periods)
        key = ("conformal", tuple(int(r) for r in rows))
        if key not in self._cache:
            panel = self.panel
            gap = panel.y[rows, 0] - self._synthetic[rows]
            self._cache[key] = conformal_interval(
                panel,
                self.variant,
                rows,
                estimate=float(gap.mean()),
                scale=max(self.pre_rmspe, 1e-9) / math.sqrt(len(rows)),
                level=self.level,
                ridge_lambda=self.ridge_lambda,
                start=self._weights.simplex,
                bend_at=self._weights.bend_at,
                break_kind=self._weights.break_kind,
                fit_rows=self.model.fit_rows,
                trend_halflife=self.model.spec.trend_halflife,
                trend_window=self.model.spec.trend_window,
            )
        interval: ConformalInterval = self._cache[key]
        return interval

    def placebo_in_space(
        self,
        start: object = None,
        end: object = None,
        *,
        periods: float | None = None,
        prune: float | None = None,
    ) -> PlaceboInSpace:
        """Every donor as a placebo treated unit over the same window (cached; see
        :func:`analysis.its.synthetic_inference.placebo_in_space`). Augmented variants
        cross-validate each placebo's own λ unless the model fixed one."""
        return self._placebos(self.panel.window(start, end, periods=periods), prune)

    def _placebos(self, rows: np.ndarray, prune: float | None = None) -> PlaceboInSpace:
        key = ("placebo", tuple(int(r) for r in rows), prune)
        if key not in self._cache:
            self._cache[key] = placebo_in_space(
                self.panel,
                self.variant,
                rows,
                treated_weights=self._weights,
                ridge_lambda=self.model.spec.ridge_lambda,
                prune=prune,
                fit_rows=self.model.fit_rows,
                trend_halflife=self.model.spec.trend_halflife,
                trend_window=self.model.spec.trend_window,
            )
        placebo: PlaceboInSpace = self._cache[key]
        return placebo

    def leave_one_out(
        self, start: object = None, end: object = None, *, periods: float | None = None
    ) -> LeaveOneOut:
        """The window's ratio effect with each donor of some weight left out in turn and the
        weights refitted (cached; see :func:`analysis.its.synthetic_inference.leave_one_out`):
        whether one comparison unit carries the estimate."""
        rows = self.panel.window(start, end, periods=periods)
        key = ("leave_one_out", tuple(int(r) for r in rows))
        if key not in self._cache:
            self._cache[key] = leave_one_out(
                self.panel,
                self.variant,
                rows,
                self._weights,
                ridge_lambda=self.model.spec.ridge_lambda,
                fit_rows=self.model.fit_rows,
                trend_halflife=self.model.spec.trend_halflife,
                trend_window=self.model.spec.trend_window,
            )
        loo: LeaveOneOut = self._cache[key]
        return loo

    # --- output ------------------------------------------------------------------------

    def to_dict(
        self,
        *,
        periods: float | None = None,
        placebo: bool = True,
        prune: float | None = None,
        inference: str = "conformal",
    ) -> dict[str, Any]:
        """Everything as JSON-ready values: specification, weights, pre-fit, the headline
        effect over ``periods`` (None: the whole post period) with its ``inference``
        interval (the conformal one is given too; a backtest's errors under ``backtest``,
        and the placebos' interval too under ``backtest-placebo``),
        and (``placebo``) the placebo-in-space table."""
        headline = self.average_effect(periods=periods, inference=inference)
        out: dict[str, Any] = {
            "label": self.model.spec.label,
            "simulated": self.model.spec.simulated,
            "design": "synthetic",
            "specification": {**self.model.describe(), "level": self.level},
            "weights": dict(sorted(self.weights.items(), key=lambda kv: -kv[1])),
            "intercept": self.intercept,
            "trend": self.trend,
            "trend_break": self.trend_break,
            "ridge_lambda": self.ridge_lambda,
            "pre_rmspe": self.pre_rmspe,
            "post_rmspe": self.post_rmspe,
            "headline": headline.to_dict(),
            "conformal": self.conformal(periods=periods).to_dict(),
            "solver": dict(self.solver),
            # Without the placebo table, its p-value's floor is nobody's concern.
            "warnings": [w for w in self.warnings if placebo or PLACEBO_FLOOR_NOTE not in w],
        }
        out.update(self.interval_dict(self.panel.window(periods=periods), inference))
        if placebo:
            out["placebo_in_space"] = self.placebo_in_space(periods=periods, prune=prune).to_dict()
        out["leave_one_out"] = self.leave_one_out(periods=periods).to_dict()
        return out

    def interval_dict(self, rows: np.ndarray, inference: str) -> dict[str, Any]:
        """What set a backtest interval of the window ``rows``, as JSON: ``backtest`` (and
        under ``backtest-placebo`` ``placebo_interval``, with ``used``: whether it set the
        width; under ``pooled`` ``placebo_interval`` and ``pooled``, the pooled scale and the
        uncorrected percent); empty for the other inferences."""
        if inference not in ERROR_INFERENCES:
            return {}
        out: dict[str, Any] = {"backtest": self.backtest(rows).to_dict()}
        if inference == "backtest":
            return out
        spread = self.placebo_interval(rows)
        placebos: dict[str, Any] = (
            spread.to_dict()
            if spread is not None
            else {
                "reason": f"fewer than {PLACEBO_INTERVAL_MIN_DONORS} donors: the backtest's alone"
            }
        )
        if inference == "pooled":
            out["pooled"] = self.pooled(rows).to_dict(self.ratio_percent(rows))
        else:  # backtest-placebo: whether the placebos set the width
            wider = spread is not None and spread.half_width > out["backtest"]["half_width_percent"]
            placebos = {**placebos, "used": wider}
        out["placebo_interval"] = placebos
        return out

    def plot(self, *, ax: Axes | None = None, kind: str = "fit") -> tuple[Figure, Axes]:
        """``kind="fit"``: the treated series and its synthetic twin (original scale), the
        event; ``kind="gaps"``: the placebo-in-space figure."""
        if kind == "gaps":
            return self.placebo_in_space().plot(ax=ax)
        if kind != "fit":
            raise InvalidSpecification(f"kind is fit or gaps; got {kind!r}")
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(8, 4))
        else:
            fig = ax.figure  # type: ignore[assignment]
        series = self.series
        panel = self.panel
        tag = " [SIMULATED]" if self.model.spec.simulated else ""
        ax.plot(series["time"], series["observed"], color="black", label=panel.treated)
        ax.plot(series["time"], series["synthetic"], color="tab:blue", linestyle="--",
                label=f"synthetic ({self.variant})")  # fmt: skip
        ax.axvline(panel.event, color="0.4", linestyle=":", linewidth=1)  # type: ignore[arg-type]
        ax.set_ylabel(self.model.spec.unit or "value")
        ax.set_title(f"{self.model.spec.label or panel.treated}{tag}: synthetic control")
        ax.legend(loc="best")
        return fig, ax


def _caveats(
    panel: Panel, variant: str, weights: Weights, alpha: float
) -> tuple[list[str], list[str]]:
    """(all caveats, those that may spoil the estimate)."""
    notes = []
    problems = []
    pre = ~panel.post
    share = hull_share(panel.y[pre, 0], panel.y[pre, 1:])
    if share > HULL_WARNING_SHARE and not (is_demeaned(variant) or is_augmented(variant)):
        problems.append(
            f"the treated unit lies outside the donors' range in {100 * share:.0f}% of the "
            "pre-period, so convex weights cannot match its level; use the demeaned or "
            "augmented variant"
        )
    floor = 1 / len(panel.units)
    if floor > alpha:
        notes.append(
            f"with {len(panel.donors)} donors {PLACEBO_FLOOR_NOTE} {floor:.3f} (1/(J+1)), above "
            f"alpha {alpha:g}"
        )
    notes += panel.gap_notes()
    if not weights.info.get("polished", True):
        problems.append("the weights' active-set polish failed; SLSQP's solution is used as is")
    return problems + notes, problems


def _spec_dict(spec: SyntheticSpec) -> dict[str, Any]:
    return {f: getattr(spec, f) for f in spec.__dataclass_fields__}


def _frozen(array: np.ndarray) -> np.ndarray:
    copy = np.array(array, dtype=float, copy=True)
    copy.setflags(write=False)
    return copy


def _absolute_of_percent(observed: np.ndarray, percent: float) -> float:
    """The average gap in levels that a percent effect of the window's total means:
    observed − observed / (1 + percent/100), averaged; −inf at −100 % and below (no finite
    counterfactual makes the observed total that small a share of it), +inf for +inf, NaN
    for NaN."""
    if math.isnan(percent):
        return math.nan
    ratio = 1 + percent / 100
    if ratio <= 0:
        return -math.inf
    if math.isinf(ratio):
        return math.inf
    return float(observed.mean() * (1 - 1 / ratio))


__all__ = [
    "SyntheticControl",
    "SyntheticControlResult",
    "SyntheticControlWarning",
    "SyntheticSpec",
    "build_panel",
]
