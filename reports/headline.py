"""The headline estimate, defined once: the reports, ``rentwatch its --city`` and the demo use it.

The definition (why these choices: ARCHITECTURE.md, "Headline estimator"):

- **series**: the weekly ``method`` index (KZT per month) of ``rooms``-room flats, of new
  listings (flow) by default, built on the **span** :func:`headline_span` picks from the
  city's coverage around the event (see :mod:`reports.span`);
- **event snapping**: weekly periods start on Monday and the week that holds the event day is
  the first post period (the event is inclusive in the post period), so with the event on
  Wednesday 21 Sep 2022 the window starts on Monday 19 Sep;
- **design and errors**: the ITS of :func:`headline_model`, fitted by :func:`fit_headline`;
  or, for the comparison designs (``synthetic``, ``comparative``), the same series of the
  donor cities (:func:`donor_pool`, built by :func:`analysis.index.panel.comparison_panel` on
  the treated city's span) and the synthetic control or comparative ITS fitted on them;
- **number**: :func:`headline_effect`, the average effect (Σ observed / Σ counterfactual − 1,
  in %) over the ``window_weeks`` weeks from that Monday;
- **rounding**: one decimal, half up, by :func:`percent_text` wherever the number is printed
  as a figure (the officials' prose writes whole percents when every number of the sentence
  is 10 or more, from the same unrounded value).
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Final, Literal

import duckdb
import pandas as pd

from analysis.index import (
    METHODS,
    CountingRules,
    Freq,
    IndexSeries,
    IndexSpec,
    Method,
    build_index,
    period_start,
)
from analysis.index.panel import comparison_panel
from analysis.its import Effect, ITSModel, ITSResult
from analysis.its.comparative import ComparativeITS, ComparativeITSResult
from analysis.its.synthetic import (
    SyntheticControl,
    SyntheticControlResult,
    SyntheticControlWarning,
)
from analysis.its.synthetic_inference import PlaceboInSpace
from analysis.its.synthetic_panel import DONOR_COVERAGE, bridge_gaps
from analysis.its.synthetic_weights import VARIANTS, is_detrended
from reports.caveats import CaveatRules
from reports.coverage import covered_weeks
from reports.facts import IntervalParts, StandIn
from reports.formatting import format_percent
from reports.span import LeftOut, NoSpan, Span, choose_span
from warehouse.cities import REGISTRY, CityRegistry
from warehouse.errors import RentwatchError

Design = Literal["counterfactual", "segmented", "synthetic", "comparative"]
DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
# What a fitted headline can be: the single-series ITS or one of the comparison designs.
HeadlineFit = ITSResult | SyntheticControlResult | ComparativeITSResult


class NotEnoughData(RentwatchError):
    """The warehouse cannot support the estimate: no data, or too short a series."""


class InvalidParams(RentwatchError):
    """A report or headline parameter out of its range (one line, the parameter named)."""


SINGLE_SERIES_DESIGNS: tuple[Design, ...] = ("counterfactual", "segmented")
COMPARISON_DESIGNS: tuple[Design, ...] = ("synthetic", "comparative")
DESIGNS: tuple[Design, ...] = (*SINGLE_SERIES_DESIGNS, *COMPARISON_DESIGNS)
COMPARISONS = ("equal", "synthetic")
SC_INFERENCES = ("conformal", "backtest", "backtest-placebo", "pooled")
# The interval in the estimator's words (ReportParams.estimator_text).
SC_INFERENCE_WORDS = {
    "conformal": "conformal {level}",
    "backtest": "backtest {level}",
    "backtest-placebo": "backtest {level}, widened to the comparison cities' placebo effects",
    "pooled": "{level}, the backtest's and the comparison cities' placebo errors pooled",
}
MAX_ANTICIPATION = 13  # weeks: a quarter; longer and the trend is extrapolated too far
# A donor's short gaps (weeks without a listing in a thin town) are bridged, the treated
# city's are left out (analysis.its.synthetic_panel); the scenario study ran the same rule.
HEADLINE_MISSING: Final = "interpolate-donors"


@dataclass(frozen=True)
class ReportParams:
    """Every choice behind a report (all recorded in its provenance); the defaults are the
    project's headline estimator, the one place the reports, ``rentwatch its --city`` and
    ``rentwatch demo`` take it from.

    The headline series (``index_spec``): the weekly ``method`` index (KZT per month) of
    ``rooms``-room flats, of new listings when ``flow`` (each flat at its first asking rent)
    or of every listing active in the week (stock). ``window_weeks``: the effect is averaged
    over this many weeks from the week that holds ``event`` (the shock's first day, inclusive
    in the post period); the summary's before/after table uses the same span on each side.

    The ITS (log scale): ``design="counterfactual"`` fits the trend and ``seasonality`` to the
    weeks before the event only and predicts the window (effect = observed − predicted, as
    CausalImpact), so the effect needs no shape; ``design="segmented"`` fits ``shape`` over the
    whole series instead. ``errors``: the error model (``ar1``, ``arima``, ``newey``, ``ols``);
    ``alpha``: 1 − the interval level.

    The comparison designs compare the city with ``donors`` (None: the registry's comparison
    pool, with the ``[cities] roles`` setting when the caller passes ``Settings.registry``),
    each donor's series on the same definition and span: ``design="synthetic"`` is a
    synthetic control of variant ``sc_variant`` (placebo in space; ``sc_inference``: the
    ``conformal`` interval, ``backtest``, the design's own errors at pre-period pseudo-events,
    or ``backtest-placebo``, the backtest widened to the donors' placebo effects at the event
    where the pool has five donors or more;
    ``sc_halflife``: the detrended variants weigh the recent pre-period gap more, with this
    half-life in weeks, or (``sc_trend_window``, instead) fit the gap's line on the last this
    many weeks of the fit, equally weighted; ``sc_anticipation``: the last this many weeks
    before the event's week are left out of the fit and predicted, as the window is, so a
    rise that began before the event counts in the effect instead of in the trend);
    ``design="comparative"`` fits the treated-minus-comparison series (``comparison`` weights:
    ``equal`` or ``synthetic``) with the segmented ``shape``, ``seasonality`` and ``errors``.
    A donor is used when it has a value in every week of the window and in at least
    ``donor_coverage`` of the treated city's weeks before the event; a donor's gap of at most
    three weeks between two of its values is interpolated (so it counts in the window too),
    longer ones leave the week out of the fit. With fewer than ``min_donors`` usable donors of
    the registry's pool the single-series design stands in for that city when ``fallback``
    (the reports say so in a caveat: the city's own pre-trend cannot tell a nationwide rise
    from the inflow); too few named ``donors``, or ``fallback`` False, refuse the estimate.

    The span (:mod:`reports.span`): ``start``/``end`` bound the observation days (inclusive);
    inside them the span is the run of covered weeks around the event in which no hole is
    longer than ``max_gap_weeks`` empty weeks, cut ``max_extrapolation`` × (weeks before the
    event) weeks after the event's week (0.5: the extrapolated trend's standard error stays
    under 1.8 times its value at the event).

    ``placebos``: placebo events in the pre-period (0: none); ``sensitivity``, ``find_break``:
    run those checks. ``min_pre_points``: fewer weekly points before the event refuse the
    report. ``seed``: the simulation behind the counterfactual design's intervals.
    """

    event: date = date(2022, 9, 21)
    rooms: int = 1
    method: Method = "mix"
    flow: bool = True
    window_weeks: int = 6
    # The headline design, chosen by the scenario study (ARCHITECTURE.md, "Headline
    # estimator"): synthetic control, detrended, the trend that of the last 16 fit weeks,
    # fitted up to 3 weeks before the event, backtest intervals widened to the placebos'
    # spread (until the night of 3 Dec 2026 the trend had a 6-week half-life).
    design: Design = "synthetic"
    sc_variant: str = "detrended"
    sc_inference: str = "pooled"
    sc_halflife: float | None = None
    sc_trend_window: int | None = 16
    sc_anticipation: int = 3
    comparison: str = "equal"
    donors: tuple[str, ...] | None = None
    min_donors: int = 3
    fallback: bool = True
    donor_coverage: float = DONOR_COVERAGE
    shape: str = "step-pulse"
    errors: str = "ar1"
    seasonality: str = "fourier:1"
    alpha: float = 0.05
    placebos: int = 40
    sensitivity: bool = True
    find_break: bool = True
    start: date | None = None
    end: date | None = None
    max_gap_weeks: int = 4
    max_extrapolation: float = 0.5
    min_pre_points: int = 12
    seed: int = 0
    caveats: CaveatRules = field(default_factory=CaveatRules)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise InvalidParams(f"method must be one of {', '.join(METHODS)}; got {self.method!r}")
        if self.design not in DESIGNS:
            raise InvalidParams(
                f"design must be one of {', '.join(DESIGNS)} on the warehouse; got {self.design!r}"
            )
        if self.sc_variant not in VARIANTS:
            raise InvalidParams(
                f"sc_variant must be one of {', '.join(VARIANTS)}; got {self.sc_variant!r}"
            )
        if self.sc_inference not in SC_INFERENCES:
            raise InvalidParams(
                f"sc_inference must be one of {', '.join(SC_INFERENCES)}; got {self.sc_inference!r}"
            )
        if self.sc_halflife is not None and not (
            self.sc_halflife > 0 and is_detrended(self.sc_variant)
        ):
            raise InvalidParams(
                "sc_halflife is a positive number of weeks, for the detrended variants; got "
                f"{self.sc_halflife:g} with the {self.sc_variant} variant"
            )
        if self.sc_trend_window is not None:
            if not (self.sc_trend_window >= 3 and is_detrended(self.sc_variant)):
                raise InvalidParams(
                    "sc_trend_window is a number of weeks (3 or more), for the detrended "
                    f"variants; got {self.sc_trend_window} with the {self.sc_variant} variant"
                )
            if self.sc_halflife is not None:
                raise InvalidParams("give sc_halflife or sc_trend_window, not both")
        if not 0 <= self.sc_anticipation <= MAX_ANTICIPATION:
            raise InvalidParams(
                f"sc_anticipation is a number of weeks from 0 to {MAX_ANTICIPATION}; got "
                f"{self.sc_anticipation}"
            )
        if self.comparison not in COMPARISONS:
            raise InvalidParams(
                f"comparison must be one of {', '.join(COMPARISONS)}; got {self.comparison!r}"
            )
        if self.min_donors < 2:
            raise InvalidParams(f"min_donors must be at least 2; got {self.min_donors}")
        if not 0 <= self.donor_coverage <= 1:
            raise InvalidParams(
                f"donor_coverage is a share between 0 and 1; got {self.donor_coverage:g}"
            )
        if isinstance(self.donors, str):
            raise InvalidParams("donors is a list of cities, not one string")
        if self.window_weeks < 1:
            raise InvalidParams(f"the window must be at least 1 week; got {self.window_weeks}")
        if not self.max_extrapolation > 0:
            raise InvalidParams(
                f"max_extrapolation must be above 0; got {self.max_extrapolation:g}"
            )
        if self.max_gap_weeks < 0:
            raise InvalidParams(f"max_gap_weeks must be 0 or more; got {self.max_gap_weeks}")
        if self.start and self.end and self.start > self.end:
            raise InvalidParams(f"start {self.start} is after end {self.end}")

    @property
    def freq(self) -> Literal["W"]:
        return "W"

    @property
    def compares(self) -> bool:
        """True for the comparison designs (synthetic, comparative)."""
        return self.design in COMPARISON_DESIGNS

    @property
    def window_start(self) -> date:
        """The first post period: the Monday of the week that holds the event day."""
        return period_start(self.event, self.freq)

    @property
    def window_end(self) -> date:
        """The window's last day (inclusive)."""
        return self.window_start + timedelta(weeks=self.window_weeks, days=-1)

    def with_variant(self, variant: str) -> ReportParams:
        """These choices with synthetic-control ``variant``: the trend half-life is kept for
        a detrended variant and dropped for the others, which have no trend to weigh."""
        if is_detrended(variant):
            return replace(self, sc_variant=variant)
        return replace(self, sc_variant=variant, sc_halflife=None, sc_trend_window=None)

    def index_spec(self, city: str) -> IndexSpec:
        """The headline series of ``city``."""
        return IndexSpec(city, self.method, self.freq, rooms=self.rooms, flow=self.flow)

    def series_text(self) -> str:
        """The headline series in words: "weekly mix index of new listings of 1-room flats"."""
        listings = "new listings" if self.flow else "all active listings"
        return (
            f"weekly {self.method} index of {listings} of {self.rooms}-room flats (KZT per month)"
        )

    def estimator_text(self) -> str:
        """The ITS in words, for summaries and the demo's JSON."""
        level = f"{100 * (1 - self.alpha):g}% interval"
        pool = ", ".join(self.donors) if self.donors is not None else "the comparison cities"
        if self.design == "counterfactual":
            how = (
                f"counterfactual design (log-linear trend and {self.seasonality} seasonality "
                "fitted to the weeks before the event, predicted over the window)"
            )
        elif self.design == "segmented":
            how = f"segmented design ({self.shape} shape, {self.seasonality} seasonality)"
        elif self.design == "synthetic":
            trend = (
                f", recent weeks weighted with a {self.sc_halflife:g}-week half-life"
                if self.sc_halflife is not None
                else f", the trend of the last {self.sc_trend_window} fit weeks"
                if self.sc_trend_window is not None
                else ""
            )
            if self.sc_anticipation:
                trend += f", fitted up to {self.sc_anticipation} weeks before the event"
            inference = SC_INFERENCE_WORDS.get(self.sc_inference, self.sc_inference)
            return (
                f"synthetic control ({self.sc_variant} variant{trend}, donors: {pool}), "
                f"{inference.format(level=level)}"
            )
        else:
            how = (
                f"comparative ITS (minus the {self.comparison}-weighted mean of {pool}; "
                f"{self.shape} shape, {self.seasonality} seasonality)"
            )
        return f"{how}, {self.errors} errors, {level}"


def with_choices(params: ReportParams | None = None, **given: Any) -> ReportParams:
    """The headline estimator (or ``params``) with the choices a user made; a None value
    keeps the default. :class:`InvalidParams` for a value out of range."""
    base = params or ReportParams()
    chosen = {k: v for k, v in given.items() if v is not None}
    trend = {"sc_halflife", "sc_trend_window"} & set(chosen)
    if "sc_variant" in chosen and not trend:
        base = base.with_variant(chosen.pop("sc_variant"))
    if len(trend) == 1:  # one way of weighing the trend replaces the other
        other = ({"sc_halflife", "sc_trend_window"} - trend).pop()
        chosen[other] = None
    if "donors" in chosen:
        chosen["donors"] = tuple(chosen["donors"])
    return replace(base, **chosen)


def comparison_params(params: ReportParams) -> ReportParams:
    """``params`` with a comparison design: itself when it has one, else synthetic control
    (of ``params.sc_variant``). What the demo and the sensitivity table put beside a
    single-series headline."""
    return params if params.compares else replace(params, design="synthetic")


def single_series_params(params: ReportParams) -> ReportParams:
    """``params`` with a single-series design: itself when it has one, else the
    counterfactual design (the single-series headline, "Headline estimator" in
    ARCHITECTURE.md). What a comparison headline falls back to without donors."""
    return replace(params, design="counterfactual") if params.compares else params


def first_post(params: ReportParams, freq: Freq = "W") -> date:
    """The first post period of a ``freq`` series: the start of the period holding the event
    (weekly: its Monday; monthly: the 1st; daily: the event day)."""
    return period_start(params.event, freq)


def window_periods(params: ReportParams, freq: Freq = "W") -> int:
    """How many ``freq`` periods the window of ``window_weeks`` weeks spans (daily: 7 a week;
    monthly: the months it reaches into, at least one)."""
    days = 7 * params.window_weeks
    if freq == "D":
        return days
    if freq == "W":
        return params.window_weeks
    return max(1, math.ceil(days / DAYS_PER_MONTH))


def headline_span(conn: duckdb.DuckDBPyConnection, city: str, params: ReportParams) -> Span:
    """The span of ``city``'s data the estimate stands on (:func:`reports.span.choose_span`);
    :class:`NotEnoughData` when there is none."""
    weeks = covered_weeks(conn, city)
    if not weeks:
        raise NotEnoughData(f"{city}: the warehouse holds no observation of this city")
    try:
        return choose_span(
            weeks, event=params.event, window_weeks=params.window_weeks,
            max_gap_weeks=params.max_gap_weeks, max_extrapolation=params.max_extrapolation,
            start=params.start, end=params.end, what=city,
        )  # fmt: skip
    except NoSpan as exc:
        raise NotEnoughData(str(exc)) from exc


def check_length(city: str, series: IndexSeries, params: ReportParams, freq: Freq = "W") -> None:
    """Refuse a series with fewer than ``min_pre_points`` points before the event's period
    or fewer than the window's periods from it."""
    periods = pd.to_datetime(series.frame["period"])
    first = pd.Timestamp(first_post(params, freq))
    n_pre = int((periods < first).sum())
    n_post = int((periods >= first).sum())
    needed = window_periods(params, freq)
    if n_pre < params.min_pre_points or n_post < needed:
        raise NotEnoughData(
            f"{city}: the {series.spec.label} series has {n_pre} points before the event "
            f"({params.event}) and {n_post} from it; an estimate needs at least "
            f"{params.min_pre_points} before and {needed} after. "
            "Load more data, or change --event, --rooms or the date range."
        )


def headline_series(
    conn: duckdb.DuckDBPyConnection,
    city: str,
    params: ReportParams,
    *,
    rules: CountingRules | None = None,
    spec: IndexSpec | None = None,
) -> tuple[Span, IndexSeries]:
    """The span and the headline series of ``city`` built on it (``spec``: another series of
    the same span, e.g. another frequency), checked for length."""
    span = headline_span(conn, city, params)
    spec = spec or params.index_spec(city)
    series = build_index(
        conn, city=city, method=spec.method, freq=spec.freq, district=spec.district,
        rooms=spec.rooms, flow=spec.flow, start=span.start, end=span.end, rules=rules,
    )  # fmt: skip
    check_length(city, series, params, spec.freq)
    return span, series


def headline_model(series: IndexSeries, params: ReportParams) -> ITSModel:
    """The single-series ITS the parameters ask for, on ``series`` (KZT per month, log
    scale), with the event snapped to the start of its period (a comparison design's
    single-series twin: :func:`single_series_params`)."""
    params = single_series_params(params)
    seasonality = params.seasonality
    if series.spec.freq == "D" and re.fullmatch(r"fourier:\d+", seasonality):
        # A daily series has the days the portals were seen, often two a week: its axis is
        # measured in days without a regular step, so the season's period is said in days.
        seasonality = f"{seasonality}:{DAYS_PER_YEAR:g}"
    return ITSModel(
        series.frame,
        time_col="period",
        value_col="value",
        event=pd.Timestamp(first_post(params, series.spec.freq)),
        design=params.design,
        shape=params.shape if params.design == "segmented" else "step",
        log=True,
        unit=series.unit,
        seasonality=seasonality,
        label=series.spec.label,
        simulated=series.simulated,
    )


# --- the comparison cities -----------------------------------------------------------------


@dataclass(frozen=True)
class DonorLeftOut:
    """A donor the comparison design could not use, and why: ``no_data`` (no usable
    listing in the span), ``thin`` (values in ``values["n"]`` of the treated city's
    ``values["of"]`` weeks before the event, fewer than ``values["share"]``) or
    ``window_gap`` (no value in the window's week ``values["week"]``)."""

    city: str
    reason: str
    values: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """In English, for the command line and the logs."""
        v = self.values
        if self.reason == "thin":
            return (
                f"{self.city} (values in {v['n']} of {v['of']} weeks before the event; "
                f"needs {100 * v['share']:g}%)"
            )
        if self.reason == "window_gap":
            return f"{self.city} (no value in the window's week of {v['week']})"
        return f"{self.city} (no usable listing in the span)"


@dataclass(frozen=True)
class DonorPool:
    """The comparison cities of a comparison design on the treated city's span.

    ``asked``: the pool asked for (``ReportParams.donors`` or the registry's comparison
    cities); ``used``: the donors the fit uses; ``left_out``: the others, with the reason;
    ``values``: periods × [treated, *used] (KZT per month, NaN where a city had no listing
    that week); ``series``: each city's index series (the treated city's is the headline's).
    """

    treated: str
    asked: tuple[str, ...]
    used: tuple[str, ...]
    left_out: tuple[DonorLeftOut, ...]
    values: pd.DataFrame
    series: dict[str, IndexSeries]

    @property
    def simulated(self) -> bool:
        return any(s.simulated for s in self.series.values())

    def without(self, donor: str) -> DonorPool:
        """The same pool without ``donor`` (a leave-one-out check)."""
        used = tuple(d for d in self.used if d != donor)
        return replace(self, used=used, values=self.values[[self.treated, *used]])

    def to_dict(self) -> dict[str, Any]:
        return {
            "asked": list(self.asked),
            "used": list(self.used),
            "left_out": [
                {"city": x.city, "reason": x.reason, **_plain(x.values)} for x in self.left_out
            ],
        }


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def donor_pool(
    conn: duckdb.DuckDBPyConnection,
    city: str,
    params: ReportParams,
    span: Span,
    *,
    rules: CountingRules | None = None,
    registry: CityRegistry = REGISTRY,
    require: bool = True,
) -> DonorPool:
    """The donors' headline series on ``city``'s span (see :class:`ReportParams` for which
    donors are used); with ``require``, :class:`NotEnoughData` in one line, naming what is
    missing, when fewer than ``params.min_donors`` are usable."""
    spec = params.index_spec(city)
    panel = comparison_panel(
        conn, treated=city, donors=params.donors, method=spec.method, freq=spec.freq,
        rooms=spec.rooms, flow=spec.flow, start=span.start, end=span.end, rules=rules,
        registry=registry,
    )  # fmt: skip
    treated = panel.treated
    named = registry.canonical(params.donors) if params.donors is not None else registry.comparison
    asked = tuple(c for c in named if c != treated)
    values = panel.values
    periods = pd.to_datetime(values.index)
    first = pd.Timestamp(first_post(params, spec.freq))
    window = [first + pd.Timedelta(weeks=k) for k in range(window_periods(params, spec.freq))]
    pre = values[treated].notna() & (periods < first)
    weeks = ((periods - periods[0]) / pd.Timedelta(weeks=1)).to_numpy(dtype=float)
    left_out = [DonorLeftOut(c, "no_data") for c in panel.missing]
    used = []
    for donor in panel.donors:
        column = values[donor]
        # A window week the panel will bridge (a gap of at most three weeks between two of
        # the donor's values, as in the fit) does not leave the donor out.
        bridged = pd.Series(bridge_gaps(column.to_numpy(dtype=float), weeks, True)[0],
                            index=values.index)  # fmt: skip
        absent = [p for p in window if pd.isna(bridged.get(p))]
        n = int((column.notna() & pre).sum())
        of = int(pre.sum())
        if absent:
            left_out.append(DonorLeftOut(donor, "window_gap", {"week": absent[0].date()}))
        elif n < params.donor_coverage * of:
            left_out.append(
                DonorLeftOut(donor, "thin", {"n": n, "of": of, "share": params.donor_coverage})
            )
        else:
            used.append(donor)
    order = {c: i for i, c in enumerate(asked)}
    left_out.sort(key=lambda x: order.get(x.city, len(order)))
    pool = DonorPool(
        treated=treated,
        asked=asked,
        used=tuple(used),
        left_out=tuple(left_out),
        values=values[[treated, *used]],
        series={c: s for c, s in panel.series.items() if c == treated or c in used},
    )
    if require:
        check_donors(pool, params)
    return pool


def left_out_text(left_out: tuple[DonorLeftOut, ...]) -> str:
    """The donors left out, in English, those without data in one group."""
    none = [x.city for x in left_out if x.reason == "no_data"]
    parts = [x.text() for x in left_out if x.reason != "no_data"]
    if none:
        parts.append(f"no usable listing in the span: {', '.join(none)}")
    return "; ".join(parts)


def check_donors(pool: DonorPool, params: ReportParams) -> None:
    """Refuse a pool with fewer than ``params.min_donors`` usable donors (one line)."""
    if len(pool.used) >= params.min_donors:
        return
    have = ", ".join(pool.used) or "none"
    missing = f"; left out: {left_out_text(pool.left_out)}" if pool.left_out else ""
    if not pool.asked:
        missing = "; the donor pool is empty (give --donor, or set [cities] roles)"
    raise NotEnoughData(
        f"{pool.treated}: the {params.design} design needs at least {params.min_donors} "
        f"comparison cities with data, {len(pool.used)} have it ({have}){missing}. Load the "
        "comparison cities (rentwatch crawl --city …) or use --design counterfactual"
    )


def design_for(
    conn: duckdb.DuckDBPyConnection,
    cities: tuple[str, ...] | list[str],
    params: ReportParams,
    *,
    rules: CountingRules | None = None,
    registry: CityRegistry = REGISTRY,
) -> tuple[ReportParams, str | None]:
    """``params`` when every city has the donors its design needs, else the single-series
    design (:func:`single_series_params`) and a one-line note saying why: what the demo
    does on a sandbox without comparison cities. Other refusals (too short a series) are
    left to the estimate itself."""
    if not params.compares:
        return params, None
    short = []
    for city in cities:
        try:
            span = headline_span(conn, city, params)
            pool = donor_pool(conn, city, params, span, rules=rules, registry=registry,
                              require=False)  # fmt: skip
        except NotEnoughData:
            continue
        if len(pool.used) < params.min_donors:
            short.append(f"{city} {len(pool.used)}")
    if not short:
        return params, None
    single = single_series_params(params)
    return single, (
        f"the {params.design} design needs at least {params.min_donors} comparison cities "
        f"with data (have: {', '.join(short)}): the {single.design} design stands in for it"
    )


def fit_headline(
    series: IndexSeries, params: ReportParams, pool: DonorPool | None = None
) -> HeadlineFit:
    """Fit the headline on ``series`` (what the reports and the demo both quote): the
    single-series ITS, or with ``pool`` (required by the comparison designs) the synthetic
    control or comparative ITS of the treated city against the pool's donors. Caveats of a
    synthetic control are kept in the result's ``warnings``, not raised."""
    if not params.compares:
        return headline_model(series, params).fit(
            params.errors, alpha=params.alpha, seed=params.seed
        )
    if pool is None:
        raise InvalidParams(f"the {params.design} design needs the donor pool (donor_pool)")
    event = pd.Timestamp(first_post(params, series.spec.freq))
    common: dict[str, Any] = {
        "treated": pool.treated, "event": event, "log": True, "missing": HEADLINE_MISSING,
        "unit": series.unit, "label": series.spec.label, "simulated": pool.simulated,
    }  # fmt: skip
    if params.design == "synthetic":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntheticControlWarning)
            model = SyntheticControl(
                pool.values, donors=list(pool.used), variant=params.sc_variant,
                trend_halflife=params.sc_halflife, trend_window=params.sc_trend_window,
                anticipation=params.sc_anticipation, **common,
            )  # fmt: skip
            return model.fit(alpha=params.alpha)
    comparative = ComparativeITS(
        pool.values, controls=list(pool.used), comparison=params.comparison,
        shape=params.shape, seasonality=params.seasonality, **common,
    )  # fmt: skip
    return comparative.fit(params.errors, alpha=params.alpha, seed=params.seed)


def headline_effect(result: HeadlineFit, params: ReportParams, freq: Freq = "W") -> Effect:
    """The average effect over the window's periods from the event's period (a synthetic
    control's interval by ``params.sc_inference``)."""
    start, periods = pd.Timestamp(first_post(params, freq)), window_periods(params, freq)
    if isinstance(result, SyntheticControlResult):
        return result.average_effect(start, periods=periods, inference=params.sc_inference)
    return result.average_effect(start, periods=periods)


def interval_parts(
    result: HeadlineFit, params: ReportParams, freq: Freq = "W"
) -> IntervalParts | None:
    """The parts of the headline's interval (:func:`headline_effect`'s window), or None
    when it is not a backtest."""
    if not isinstance(result, SyntheticControlResult) or params.sc_inference == "conformal":
        return None
    start, periods = pd.Timestamp(first_post(params, freq)), window_periods(params, freq)
    rows = result.panel.window(start, None, periods=periods)
    test = result.backtest(rows)
    if params.sc_inference == "pooled":
        pooled, raw = result.pooled(rows), result.ratio_percent(rows)
        placebo_rms = pooled.placebo_rms
        return IntervalParts(
            "pooled", len(test.errors), test.half_width, None,
            placebos=pooled.placebo_df + 1 if pooled.placebo_df else 0,
            backtest_rms=100 * pooled.backtest_rms,
            placebo_rms=100 * placebo_rms if placebo_rms is not None else None,
            pooled_rms=100 * pooled.scale, correction=raw - pooled.corrected(raw),
        )  # fmt: skip
    spread = result.placebo_interval(rows) if params.sc_inference == "backtest-placebo" else None
    return IntervalParts(
        params.sc_inference, len(test.errors), test.half_width,
        spread.half_width if spread is not None else None,
    )  # fmt: skip


def headline_placebo(
    result: SyntheticControlResult, params: ReportParams, freq: Freq = "W"
) -> PlaceboInSpace:
    """Placebo in space over the headline's window: every donor treated in turn."""
    return result.placebo_in_space(
        pd.Timestamp(first_post(params, freq)), periods=window_periods(params, freq)
    )


@dataclass(frozen=True)
class Headline:
    """One city's headline: the span, the series, the fit and the window's effect; the
    donor pool for a comparison design (None otherwise). ``params`` are the ones fitted (a
    stand-in's single-series design), ``stand_in`` says why when they are not the asked."""

    city: str
    params: ReportParams
    span: Span
    series: IndexSeries
    result: HeadlineFit
    effect: Effect
    pool: DonorPool | None = None
    stand_in: StandIn | None = None


def city_headline(
    conn: duckdb.DuckDBPyConnection,
    city: str,
    params: ReportParams,
    *,
    rules: CountingRules | None = None,
    registry: CityRegistry = REGISTRY,
) -> Headline:
    """The headline of ``city``: span, series (and the donors' for a comparison design), fit
    and effect, as every caller quotes it. A comparison design short of the registry's donors
    falls back to the single series when ``params.fallback`` (the headline's ``stand_in``
    says so)."""
    if not params.compares:
        span, series = headline_series(conn, city, params, rules=rules)
        result = fit_headline(series, params)
        return Headline(city, params, span, series, result, headline_effect(result, params))
    span = headline_span(conn, city, params)
    pool = donor_pool(conn, city, params, span, rules=rules, registry=registry, require=False)
    if params.fallback and params.donors is None and len(pool.used) < params.min_donors:
        single = single_series_params(params)
        headline = city_headline(conn, city, single, rules=rules, registry=registry)
        return replace(headline, stand_in=StandIn(params.design, len(pool.used), params.min_donors))
    series = pool.series[pool.treated]
    check_length(city, series, params)
    check_donors(pool, params)
    result = fit_headline(series, params, pool)
    return Headline(city, params, span, series, result, headline_effect(result, params), pool)


# --- the headline in words and figures ---------------------------------------------------


def percent_text(value: float) -> str:
    """A percent effect as every figure-printing place writes it: ``+39.1%`` (one decimal,
    half up, U+2212 for a minus); an unbounded end ``−inf%`` / ``+inf%`` (a conformal
    interval no effect in its grid is rejected at), a missing one ``n/a``."""
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "+inf%" if value > 0 else "\u2212inf%"
    return format_percent(value, "en", decimals=1, sign=True)


def effect_text(effect: Effect) -> str:
    """``+39.1% [+27.6%, +51.6%]``: the estimate and its interval, one rounding."""
    return (
        f"{percent_text(effect.percent)} "
        f"[{percent_text(effect.percent_low)}, {percent_text(effect.percent_high)}]"
    )


def window_text(params: ReportParams, freq: Freq = "W", periods: int | None = None) -> str:
    """The event, where it was snapped to, and the window (``periods`` as in
    :func:`window_dict`), in one line."""
    start = first_post(params, freq)
    periods = window_periods(params, freq) if periods is None else periods
    unit = {"D": "day", "W": "week", "M": "month"}[freq]
    end = _period_end(start, periods, freq)
    if start == params.event:
        snapped = f"event {params.event} (the first post {unit}, inclusive)"
    else:
        snapped = (
            f"event {params.event} ({params.event:%A}) snapped to {start} ({start:%A}), "
            f"the first day of its {unit}"
        )
    return f"{snapped}; window {start} … {end} ({periods} {unit}{'' if periods == 1 else 's'})"


def _period_end(start: date, periods: int, freq: Freq) -> date:
    if freq == "D":
        return start + timedelta(days=periods - 1)
    if freq == "W":
        return start + timedelta(weeks=periods, days=-1)
    stamp = pd.Timestamp(start) + pd.DateOffset(months=periods)
    return (stamp - pd.Timedelta(days=1)).date()


def span_text(span: Span) -> str:
    """The span and what it left out, in one line for the command line and the logs."""
    text = (
        f"span {span.start} … {span.end}: {span.pre_weeks} weeks before the event's week, "
        f"{span.post_weeks} from it (the counterfactual is extrapolated at most "
        f"{span.max_extrapolation:g} × the pre-period = {span.limit_weeks} weeks)"
    )
    if span.holes:
        text += "; empty weeks inside: " + ", ".join(_run_text(h.first, h.last, h.weeks)
                                                     for h in span.holes)  # fmt: skip
    if span.left_out:
        text += "; left out: " + "; ".join(_left_out_text(x) for x in span.left_out)
    return text


_REASONS = {
    "gap": "beyond a hole in the data",
    "extrapolation": "past the extrapolation limit",
    "range": "outside --start/--end",
}


def _run_text(first: date, last: date, weeks: int) -> str:
    if first == last:
        return f"week of {first}"
    return f"{first} … {last} ({weeks} weeks)"


def _left_out_text(left: LeftOut) -> str:
    run = left.run
    return (
        f"{_run_text(run.first, run.last, run.weeks)}, {run.covered} weeks with data, "
        f"{_REASONS[left.reason]}"
    )


def headline_dict(headline: Headline) -> dict[str, Any]:
    """The headline as JSON values (the demo's and ``its --json``'s ``span``/``window``;
    for a comparison design also ``donors``)."""
    params = headline.params
    out: dict[str, Any] = {
        "span": headline.span.to_dict(),
        "window": window_dict(params),
        "effect": headline.effect.to_dict(),
    }
    if headline.pool is not None:
        out["donors"] = headline.pool.to_dict()
    if headline.stand_in is not None:
        out["stand_in"] = {**asdict(headline.stand_in), "text": headline.stand_in.text()}
    return out


def comparison_dict(headline: Headline) -> dict[str, Any]:
    """A comparison design's headline as ``rentwatch its --json`` prints it: the design's own
    JSON (weights, pre-period RMSPE, for synthetic control the conformal interval, what set
    a backtest interval and the placebo-in-space table) with ``headline`` the reports' window
    effect, and the span,
    window and donor pool."""
    result, params = headline.result, headline.params
    if isinstance(result, SyntheticControlResult):
        window = result.panel.window(
            pd.Timestamp(params.window_start), periods=window_periods(params)
        )
        out = result.to_dict(periods=params.window_weeks, placebo=False)
        out["conformal"] = result.conformal(window).to_dict()
        out.update(result.interval_dict(window, params.sc_inference))
        out["placebo_in_space"] = headline_placebo(result, params).to_dict()
    elif isinstance(result, ComparativeITSResult):
        out = result.to_dict(periods=params.window_weeks)
    else:
        raise InvalidParams(f"the {params.design} design compares no cities")
    out["headline"] = headline.effect.to_dict()
    return {**out, **headline_dict(headline)}


def window_dict(
    params: ReportParams, freq: Freq = "W", periods: int | None = None
) -> dict[str, Any]:
    """The window as JSON: ``periods`` ``freq`` periods from the first post one (None: the
    params' ``window_weeks`` in ``freq`` periods, :func:`window_periods`)."""
    start = first_post(params, freq)
    periods = window_periods(params, freq) if periods is None else periods
    return {"event": params.event.isoformat(), "first_post": start.isoformat(),
            "end": _period_end(start, periods, freq).isoformat(), "periods": periods}  # fmt: skip
