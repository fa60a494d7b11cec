"""The headline estimate, defined once: the reports, ``rentwatch its --city`` and the demo use it.

The definition (why these choices: ARCHITECTURE.md, "Headline estimator"):

- **series**: the weekly ``method`` index (KZT per month) of ``rooms``-room flats, of new
  listings (flow) by default, built on the **span** :func:`headline_span` picks from the
  city's coverage around the event (see :mod:`reports.span`);
- **event snapping**: weekly periods start on Monday and the week that holds the event day is
  the first post period (the event is inclusive in the post period), so with the event on
  Wednesday 21 Sep 2022 the window starts on Monday 19 Sep;
- **design and errors**: the ITS of :func:`headline_model`, fitted by :func:`fit_headline`;
- **number**: :func:`headline_effect`, the average effect (Σ observed / Σ counterfactual − 1,
  in %) over the ``window_weeks`` weeks from that Monday;
- **rounding**: one decimal, half up, by :func:`percent_text` wherever the number is printed
  as a figure (the officials' prose writes whole percents when every number of the sentence
  is 10 or more, from the same unrounded value).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal

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
from analysis.its import Effect, ITSModel, ITSResult
from reports.caveats import CaveatRules
from reports.coverage import covered_weeks
from reports.formatting import format_percent
from reports.span import LeftOut, NoSpan, Span, choose_span
from warehouse.errors import RentwatchError

Design = Literal["counterfactual", "segmented"]
DAYS_PER_MONTH = 365.25 / 12


class NotEnoughData(RentwatchError):
    """The warehouse cannot support the estimate: no data, or too short a series."""


class InvalidParams(RentwatchError):
    """A report or headline parameter out of its range (one line, the parameter named)."""


DESIGNS: tuple[Design, ...] = ("counterfactual", "segmented")


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
    whole series instead (``shape`` is not used otherwise). ``errors``: the error model
    (``ar1``, ``arima``, ``newey``, ``ols``); ``alpha``: 1 − the interval level.

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
    design: Design = "counterfactual"
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
    def window_start(self) -> date:
        """The first post period: the Monday of the week that holds the event day."""
        return period_start(self.event, self.freq)

    @property
    def window_end(self) -> date:
        """The window's last day (inclusive)."""
        return self.window_start + timedelta(weeks=self.window_weeks, days=-1)

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
        if self.design == "counterfactual":
            how = (
                f"counterfactual design (log-linear trend and {self.seasonality} seasonality "
                "fitted to the weeks before the event, predicted over the window)"
            )
        else:
            how = f"segmented design ({self.shape} shape, {self.seasonality} seasonality)"
        return f"{how}, {self.errors} errors, {100 * (1 - self.alpha):g}% interval"


def with_choices(params: ReportParams | None = None, **given: Any) -> ReportParams:
    """The headline estimator (or ``params``) with the choices a user made; a None value
    keeps the default. :class:`InvalidParams` for a value out of range."""
    base = params or ReportParams()
    chosen = {k: v for k, v in given.items() if v is not None}
    return replace(base, **chosen)


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
    """The ITS the parameters ask for, on ``series`` (KZT per month, log scale), with the
    event snapped to the start of its period."""
    return ITSModel(
        series.frame,
        time_col="period",
        value_col="value",
        event=pd.Timestamp(first_post(params, series.spec.freq)),
        design=params.design,
        shape=params.shape if params.design == "segmented" else "step",
        log=True,
        unit=series.unit,
        seasonality=params.seasonality,
        label=series.spec.label,
        simulated=series.simulated,
    )


def fit_headline(series: IndexSeries, params: ReportParams) -> ITSResult:
    """Fit the headline ITS on ``series`` (what the reports and the demo both quote)."""
    return headline_model(series, params).fit(params.errors, alpha=params.alpha, seed=params.seed)


def headline_effect(result: ITSResult, params: ReportParams, freq: Freq = "W") -> Effect:
    """The average effect over the window's periods from the event's period."""
    return result.average_effect(
        pd.Timestamp(first_post(params, freq)), periods=window_periods(params, freq)
    )


@dataclass(frozen=True)
class Headline:
    """One city's headline: the span, the series, the fit and the window's effect."""

    city: str
    params: ReportParams
    span: Span
    series: IndexSeries
    result: ITSResult
    effect: Effect


def city_headline(
    conn: duckdb.DuckDBPyConnection,
    city: str,
    params: ReportParams,
    *,
    rules: CountingRules | None = None,
) -> Headline:
    """The headline of ``city``: span, series, fit and effect, as every caller quotes it."""
    span, series = headline_series(conn, city, params, rules=rules)
    result = fit_headline(series, params)
    return Headline(city, params, span, series, result, headline_effect(result, params))


# --- the headline in words and figures ---------------------------------------------------


def percent_text(value: float) -> str:
    """A percent effect as every figure-printing place writes it: ``+39.1%`` (one decimal,
    half up, U+2212 for a minus)."""
    return format_percent(value, "en", decimals=1, sign=True)


def effect_text(effect: Effect) -> str:
    """``+39.1% [+27.6%, +51.6%]``: the estimate and its interval, one rounding."""
    return (
        f"{percent_text(effect.percent)} "
        f"[{percent_text(effect.percent_low)}, {percent_text(effect.percent_high)}]"
    )


def window_text(params: ReportParams, freq: Freq = "W") -> str:
    """The event, where it was snapped to, and the window, in one line."""
    start = first_post(params, freq)
    periods = window_periods(params, freq)
    unit = {"D": "day", "W": "week", "M": "month"}[freq]
    end = _period_end(start, periods, freq)
    if start == params.event:
        snapped = f"event {params.event} (the first post {unit}, inclusive)"
    else:
        snapped = (
            f"event {params.event} ({params.event:%A}) snapped to {start} ({start:%A}), "
            f"the first day of its {unit}"
        )
    return f"{snapped}; window {start} … {end} ({periods} {unit}s)"


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
    """The headline as JSON values (the demo's and ``its --json``'s ``span``/``window``)."""
    params = headline.params
    return {
        "span": headline.span.to_dict(),
        "window": window_dict(params),
        "effect": headline.effect.to_dict(),
    }


def window_dict(params: ReportParams, freq: Freq = "W") -> dict[str, Any]:
    start = first_post(params, freq)
    periods = window_periods(params, freq)
    return {"event": params.event.isoformat(), "first_post": start.isoformat(),
            "end": _period_end(start, periods, freq).isoformat(), "periods": periods}  # fmt: skip
