"""Gather everything a report says, once: coverage, index series, the ITS and its checks.

The only module of :mod:`reports` that calls the analysis layer. It builds, per city, the
weekly rent index of ``rooms``-room flats (method ``method``), fits the interrupted time
series on it (log scale), averages the effect over the ``window_weeks`` weeks from the event,
runs the economist's checks, and turns the results into :mod:`reports.facts` objects.

Weekly periods start on Monday; the week that holds the event day is the first post period
(the event is inclusive in the post period), so the effect window runs from that Monday.
A warehouse without data for a city, or with too few points before or after the event,
raises :class:`NotEnoughData` instead of producing a misleading page.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.index import (
    CountingRules,
    IndexSeries,
    IndexSpec,
    SeriesError,
    build_indexes_each,
    median_rents_before_after,
)
from analysis.index.official import OfficialSeries, read_official
from analysis.its import Effect, ErrorSpec, ITSError, ITSModel, ITSResult, TooFewPrePeriods
from analysis.its.comparative import ComparativeITSResult
from analysis.its.sensitivity import COLUMNS as SENSITIVITY_TABLE_COLUMNS
from analysis.its.spec import SHAPES
from analysis.its.synthetic import SyntheticControlResult
from analysis.its.synthetic_inference import LEAVE_ONE_OUT_MIN_WEIGHT
from analysis.its.synthetic_weights import VARIANTS
from reports.caveats import find_caveats
from reports.coverage import official_keys, provenance, read_coverage
from reports.facts import (
    CityEstimate,
    Comparison,
    DonorNote,
    EconomistTables,
    Interval,
    ReportData,
    RoomMedians,
)
from reports.headline import (
    COMPARISON_DESIGNS,
    DonorPool,
    Headline,
    HeadlineFit,
    NotEnoughData,
    ReportParams,
    check_length,
    city_headline,
    donor_pool,
    fit_headline,
    headline_effect,
    headline_model,
    headline_placebo,
    headline_span,
    interval_parts,
    single_series_params,
)
from warehouse import open_reader
from warehouse.cities import REGISTRY, CityRegistry

__all__ = [
    "DEFAULT_CITIES",
    "NotEnoughData",
    "ReportParams",
    "fit_headline",
    "gather_report_data",
    "headline_effect",
    "headline_model",
]

DEFAULT_CITIES = ("almaty", "astana")
# Rows of the sensitivity table whose range makes the "fragile" caveat: choices within the
# headline's design (a comparison design: leaving out one donor at a time). Rows that switch
# the design or the synthetic-control variant are shown beside them: the shapes of the
# segmented design were biased for a six-week average (bench/headline_accuracy.py), and the
# variants answer different failures of the donors (ARCHITECTURE.md, "Comparison-unit
# designs").
ROBUSTNESS_ROWS = ("base", "errors", "lags", "window", "series", "donors")
SENSITIVITY_COLUMNS = (
    "varied", "series", "design", "variant", "without", *SENSITIVITY_TABLE_COLUMNS[1:],
)  # fmt: skip
# A leave-one-out row for each donor with at least this weight (a donor of weight 0 changes
# nothing when left out): the engine's own leave-one-out threshold.
LEAVE_ONE_OUT_WEIGHT = LEAVE_ONE_OUT_MIN_WEIGHT
# The status of a comparison design's sensitivity row when the pool has too few donors.
TOO_FEW_DONORS = "too few comparison cities"
INDEX_METHODS: tuple[Literal["median", "mix", "hedonic"], ...] = ("median", "mix", "hedonic")
WEEKS_PER_YEAR = 52


@dataclass
class _CityWork:
    """One city's pieces while they are being gathered."""

    estimate: CityEstimate
    result: HeadlineFit
    tables: dict[str, pd.DataFrame]
    series_name: str = ""
    alternatives: dict[str, IndexSeries | str] = field(default_factory=dict)
    headline: Headline | None = None
    # The donors of the comparison designs (None: not looked for; a str: why there are none).
    pool: DonorPool | str | None = None


def _path(result: ITSResult) -> pd.DataFrame:
    s = result.series
    return pd.DataFrame(
        {
            "period": pd.to_datetime(s["time"]).dt.date,
            "observed": s["observed"],
            "expected": s["counterfactual"],
            "expected_low": s["counterfactual_low"],
            "expected_high": s["counterfactual_high"],
            "post": s["post"].astype(bool),
        }
    )


def _comparison_path(
    result: SyntheticControlResult | ComparativeITSResult, window: Effect
) -> pd.DataFrame:
    """Observed against the synthetic twin (or the comparison-based counterfactual), KZT per
    month. The band covers the window only: the expected level scaled by the window's
    interval, (1 + p̂) / (1 + p_high) … (1 + p̂) / (1 + p_low) with p the window's average
    effect, the range of expected levels the interval of the average allows."""
    s = result.series
    expected = s["synthetic"] if isinstance(result, SyntheticControlResult) else s["counterfactual"]
    times = pd.to_datetime(s["time"])
    inside = (times >= pd.Timestamp(window.start)) & (times <= pd.Timestamp(window.end))
    ratio = 1 + window.percent / 100
    low = expected * ratio / (1 + window.percent_high / 100)
    # A lower end at −100 % or unbounded (−inf) leaves no upper bound on the expected level.
    floor = 1 + window.percent_low / 100
    high = expected * ratio / floor if floor > 0 else expected * math.inf
    return pd.DataFrame(
        {
            "period": times.dt.date,
            "observed": s["observed"],
            "expected": expected,
            "expected_low": low.where(inside),
            "expected_high": high.where(inside),
            "post": s["post"].astype(bool),
        }
    )


def _effects_table(city: str, result: ITSResult, window: Any) -> pd.DataFrame:
    rows = [{"what": f"horizon {h:g}", **result.effect_at(h).to_dict()}
            for h in result.default_horizons()]  # fmt: skip
    rows.append({"what": "headline window", **window.to_dict()})
    table = pd.DataFrame(rows)
    table.insert(0, "city", city)
    return table


def _diagnostics_table(city: str, result: ITSResult) -> pd.DataFrame:
    d = result.diagnostics
    rows = []
    for tests in (d.ols, d.model):
        rows.append({"city": city, "residuals": tests.residuals, "n": tests.n,
                     "durbin_watson": tests.durbin_watson,
                     "lag1_autocorrelation": tests.autocorrelation_lag1,
                     "breusch_godfrey_p": tests.breusch_godfrey_p,
                     "ljung_box_p": tests.ljung_box_p, "lags": tests.lags})  # fmt: skip
    table = pd.DataFrame(rows)
    pre = d.pre_fit
    table["pre_fit_r2"] = pre.r2
    table["pre_fit_mape_percent"] = pre.mape_percent
    return table


def _named(
    frame: pd.DataFrame, method: str, rooms: int | None, flow: bool, *, headline: bool = False
) -> pd.DataFrame:
    """An index frame with what names its series: ``series`` (English, for the CSV) and the
    ``method``, ``rooms`` (None: all), ``flow`` and ``headline`` columns the HTML words."""
    if rooms is None:
        name = f"{method}, all rooms"
    else:
        listings = "new listings" if flow else "all listings"
        name = f"{method}, {rooms}-room, {listings}" + (" (ITS)" if headline else "")
    return frame.assign(series=name, method=method, rooms=rooms, flow=flow, headline=headline)


def _fit_residuals(result: ITSResult) -> pd.DataFrame:
    """The model's residuals (log scale) on the rows it was fitted to: the pre-period in the
    counterfactual design, whose post-period "residuals" would be the effect itself. These
    are the residuals the diagnostics table tests."""
    s = result.series[result.series["in_fit"].astype(bool)]
    return pd.DataFrame(
        {"period": pd.to_datetime(s["time"]).dt.date, "residual": s["residual"].astype(float)}
    )


def _series_name(spec: IndexSpec) -> str:
    """A series' label without its city: "1-room mix W flow"."""
    return spec.label.removeprefix(f"{spec.city} ")


def _city_specs(
    city: str, params: ReportParams
) -> tuple[IndexSpec, list[IndexSpec], list[IndexSpec]]:
    """The series a city's report shows: the headline; every method over all rooms; and, for
    the sensitivity table, stock for flow (or flow for stock) and the other index methods."""
    headline = params.index_spec(city)
    all_rooms = [IndexSpec(city, method, params.freq) for method in INDEX_METHODS]
    others: list[IndexSpec] = []
    # A comparison headline's sensitivity varies donors and designs, not the series.
    if params.sensitivity and not params.compares:
        others = [replace(headline, flow=not params.flow)]
        others += [replace(headline, method=m) for m in INDEX_METHODS if m != params.method]
    return headline, all_rooms, others


def _city_headline(
    conn: Any,
    city: str,
    params: ReportParams,
    rules: CountingRules,
    registry: CityRegistry = REGISTRY,
) -> tuple[Headline, list[IndexSeries | SeriesError], list[IndexSeries | SeriesError]]:
    """The city's headline (as :func:`reports.headline.city_headline` makes it) and, built in
    the same call on its span, the all-rooms series and the sensitivity table's other series:
    the city's outlier bounds, twins and each sample are built once for all of them. A
    comparison headline builds the city's and its donors' series itself (the panel), the
    all-rooms series then in a call of their own."""
    spec, all_rooms, others = _city_specs(city, params)
    if params.compares:
        headline = city_headline(conn, city, params, rules=rules, registry=registry)
        # A single-series stand-in (too few donors) varies the series as a single series does.
        spec, all_rooms, others = _city_specs(city, headline.params)
        built = build_indexes_each(
            conn, [*all_rooms, *others], start=headline.span.start, end=headline.span.end,
            rules=rules,
        )  # fmt: skip
        return headline, built[: len(all_rooms)], built[len(all_rooms) :]
    span = headline_span(conn, city, params)
    built = build_indexes_each(
        conn, [spec, *all_rooms, *others], start=span.start, end=span.end, rules=rules
    )
    series = built[0]
    if isinstance(series, SeriesError):
        raise series
    check_length(city, series, params, spec.freq)
    result = fit_headline(series, params)
    headline = Headline(city, params, span, series, result, headline_effect(result, params))
    return headline, built[1 : 1 + len(all_rooms)], built[1 + len(all_rooms) :]


def _city(
    conn: Any,
    city: str,
    params: ReportParams,
    rules: CountingRules,
    registry: CityRegistry = REGISTRY,
) -> tuple[_CityWork, list[pd.DataFrame]]:
    index_frames: list[pd.DataFrame] = []
    headline, all_rooms, other_series = _city_headline(conn, city, params, rules, registry)
    params = headline.params  # a stand-in's single-series design where donors were short
    spec, _, others = _city_specs(city, params)
    span, headline_series = headline.span, headline.series
    for method, series in zip(INDEX_METHODS, all_rooms, strict=True):
        if isinstance(series, SeriesError):
            # One method failing (a singular hedonic design) must not hide the others.
            failed = pd.DataFrame({"city": [city], "error": [str(series)]})
            index_frames.append(_named(failed, method, None, False))
            continue
        index_frames.append(_named(series.frame, method, None, False))
    index_frames.append(_named(headline_series.frame, params.method, params.rooms, params.flow,
                               headline=True))  # fmt: skip

    result, window = headline.result, headline.effect
    if isinstance(result, ITSResult):
        tables, parts = _its_parts(city, result, window, params)
    else:
        assert headline.pool is not None
        tables, parts = _comparison_parts(city, result, window, headline.pool, params)
    estimate = CityEstimate(
        city=city,
        rooms=params.rooms,
        method=params.method,
        freq=params.freq,
        event=params.event,
        window_start=params.window_start,
        window_end=params.window_end,
        window_weeks=params.window_weeks,
        effect_pct=Interval(window.percent, window.percent_low, window.percent_high, window.level),
        effect_kzt=Interval(
            window.absolute, window.absolute_low, window.absolute_high, window.level
        ),
        flow=params.flow,
        span=span,
        design=params.design,
        stand_in=headline.stand_in,
        **parts,
    )
    alternatives: dict[str, IndexSeries | str] = {
        _series_name(other): series if isinstance(series, IndexSeries) else str(series)
        for other, series in zip(others, other_series, strict=True)
    }
    pool: DonorPool | str | None = headline.pool
    if params.sensitivity and pool is None:
        # A single-series headline: the comparison designs beside it, when there are donors
        # (`rentwatch its --city … --design synthetic` names the missing ones).
        try:
            pool = donor_pool(conn, city, params, span, rules=rules, registry=registry)
        except (NotEnoughData, SeriesError):
            pool = TOO_FEW_DONORS
    work = _CityWork(estimate, result, tables, _series_name(spec), alternatives, headline, pool)
    return work, index_frames


def _its_parts(
    city: str, result: ITSResult, window: Effect, params: ReportParams
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """A single-series headline's tables and the estimate's fields that depend on the fit."""
    tables: dict[str, pd.DataFrame] = {
        "coefficients": result.coefficient_table().rename_axis("term").reset_index(),
        "effects": _effects_table(city, result, window),
        "diagnostics": _diagnostics_table(city, result),
        "residuals": _fit_residuals(result),
    }
    tables["coefficients"].insert(0, "city", city)
    tables["residuals"].insert(0, "city", city)
    # Newey–West intervals already allow for autocorrelated errors; for the other error
    # models, autocorrelation left in what they treat as white noise makes intervals narrow.
    autocorr_p = None if params.errors == "newey" else result.diagnostics.model.ljung_box_p
    parts = {
        "path": _path(result),
        "n_pre": result.n_pre,
        "n_post": result.n_post,
        "pre_fit_r2": result.diagnostics.pre_fit.r2,
        "residual_autocorr_p": autocorr_p,
    }
    return tables, parts


def _comparison_parts(
    city: str,
    result: SyntheticControlResult | ComparativeITSResult,
    window: Effect,
    pool: DonorPool,
    params: ReportParams,
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """A comparison headline's tables (weights; per-week effects; for comparative ITS the
    difference series' coefficients and diagnostics) and the estimate's fields."""
    panel = result.panel
    weights = sorted(result.weights.items(), key=lambda kv: -kv[1])
    comparison = Comparison(
        design=params.design,
        variant=params.sc_variant if params.design == "synthetic" else params.comparison,
        weights=tuple((str(d), float(w)) for d, w in weights),
        pre_rmspe=float(result.pre_rmspe),
        left_out=tuple(DonorNote(x.city, x.reason, dict(x.values)) for x in pool.left_out),
        dropped_periods=len(panel.dropped_periods),
        filled=len(panel.filled),
        interval=interval_parts(result, params),
        anticipation=params.sc_anticipation if params.design == "synthetic" else 0,
    )
    present = set(pd.to_datetime(result.series["time"]))
    weeks = [k for k in range(params.window_weeks)
             if pd.Timestamp(params.window_start) + pd.Timedelta(weeks=k) in present]  # fmt: skip
    rows = [{"what": f"horizon {k}", **_week_effect(result, params, k).to_dict()} for k in weeks]
    rows.append({"what": "headline window", **window.to_dict()})
    tables: dict[str, pd.DataFrame] = {
        "effects": pd.DataFrame(rows).assign(city=city),
        "weights": pd.DataFrame(
            [{"city": city, "donor": d, "weight": w} for d, w in comparison.weights]
        ),
    }
    parts: dict[str, Any] = {
        "path": _comparison_path(result, window),
        "n_pre": panel.n_pre,
        "n_post": panel.n_post,
        "comparison": comparison,
    }
    if isinstance(result, SyntheticControlResult):
        pre = ~panel.post
        gaps = result.series["gap"].to_numpy()[pre]
        times = pd.to_datetime(result.series["time"])[pre].dt.date
        tables["residuals"] = pd.DataFrame({"city": city, "period": times, "residual": gaps})
        return tables, parts
    its = result.its
    tables["coefficients"] = its.coefficient_table().rename_axis("term").reset_index()
    tables["coefficients"].insert(0, "city", city)
    tables["diagnostics"] = _diagnostics_table(city, its)
    tables["residuals"] = _fit_residuals(its)
    tables["residuals"].insert(0, "city", city)
    # No pre-period R²: the difference series is flat by construction when the comparison
    # works, so a small R² is what a good comparison gives, not a poor fit.
    if params.errors != "newey":
        parts["residual_autocorr_p"] = its.diagnostics.model.ljung_box_p
    return tables, parts


def _week_effect(
    result: SyntheticControlResult | ComparativeITSResult, params: ReportParams, week: int
) -> Effect:
    """The effect in one week of the window (synthetic control: the point only, its
    conformal interval is for the window's average)."""
    start = pd.Timestamp(params.window_start) + pd.Timedelta(weeks=week)
    if isinstance(result, SyntheticControlResult):
        return result.average_effect(start, periods=1, inference="none")
    return result.average_effect(start, periods=1)


def _windows(result: ITSResult, params: ReportParams) -> list[float]:
    """Data windows (± weeks around the first post period) for the sensitivity table: half
    and a quarter of the series' span, but never less than a year when the model has a
    season, which a shorter pre-period cannot tell from the trend."""
    span = float(result.series["t"].max())
    shortest = WEEKS_PER_YEAR if params.seasonality != "none" else 1
    return [w for w in (round(span / 2), round(span / 4)) if w >= shortest]


def _row(varied: str, series: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {c: None for c in SENSITIVITY_COLUMNS}
    row.update(varied=varied, series=series, window="all", **values)
    return row


def _effect_values(effect: Effect, n: int) -> dict[str, Any]:
    return {
        "n": n, "effect": effect.effect, "ci_low": effect.ci_low, "ci_high": effect.ci_high,
        "percent": effect.percent, "percent_low": effect.percent_low,
        "percent_high": effect.percent_high, "absolute": effect.absolute, "status": "ok",
    }  # fmt: skip


def _variant_row(
    varied: str, series: str, model: ITSModel | str, errors: str, params: ReportParams
) -> dict[str, Any]:
    """One sensitivity row (the columns of :func:`analysis.its.sensitivity_table`) for a
    single-series variant the ITS engine's table does not make: another series or design."""
    spec = ErrorSpec(method=errors)  # type: ignore[arg-type]
    row = _row(varied, series, errors=spec.label())
    if isinstance(model, str):
        row["status"] = model
        return row
    row.update(design=model.spec.design,
               shape=model.spec.shape if model.spec.design == "segmented" else None)  # fmt: skip
    try:
        fitted = model.fit(errors, alpha=params.alpha, seed=params.seed)
        effect = headline_effect(fitted, params)
    except (ITSError, np.linalg.LinAlgError, ValueError) as exc:
        row["status"] = str(exc)
        return row
    coefs = fitted.coefficients
    level, slope = coefs.get("level_change"), coefs.get("slope_change")
    row.update(_effect_values(effect, fitted.n))
    row.update(
        level_change=level.estimate if level else None, level_change_se=level.se if level else None,
        slope_change=slope.estimate if slope else None, slope_change_se=slope.se if slope else None,
        decay=fitted.decay.estimate if fitted.decay else None,
    )  # fmt: skip
    return row


def _comparison_row(
    varied: str,
    series: str,
    params: ReportParams,
    pool: DonorPool | str,
    headline: IndexSeries,
    *,
    without: str | None = None,
    interval: bool = True,
) -> dict[str, Any]:
    """One sensitivity row for a comparison design (``params``) on ``pool`` (a str: why
    there is no pool); ``without``: the donor a leave-one-out row leaves out; ``interval``
    False: a synthetic control's point estimate only (its conformal interval can take
    thousands of refits)."""
    design = params.design
    variant = params.sc_variant if design == "synthetic" else params.comparison
    errors: str | None = params.sc_inference
    if design != "synthetic":
        errors = ErrorSpec(method=params.errors).label()  # type: ignore[arg-type]
    elif not interval:
        errors = None  # a point estimate: no inference
    row = _row(varied, series, design=design, variant=variant, without=without, errors=errors)
    if isinstance(pool, str):
        row["status"] = pool
        return row
    try:
        fitted = fit_headline(headline, params, pool)
        if isinstance(fitted, SyntheticControlResult) and not interval:
            effect = fitted.average_effect(
                pd.Timestamp(params.window_start), periods=params.window_weeks, inference="none"
            )
        else:
            effect = headline_effect(fitted, params)
    except (ITSError, np.linalg.LinAlgError, ValueError) as exc:
        row["status"] = str(exc)
        return row
    assert not isinstance(fitted, ITSResult)
    row.update(_effect_values(effect, _fitted_n(fitted)))
    if isinstance(fitted, ComparativeITSResult):
        level, slope = (
            fitted.coefficients.get("level_change"),
            fitted.coefficients.get("slope_change"),
        )
        row.update(level_change=level.estimate if level else None,
                   level_change_se=level.se if level else None,
                   slope_change=slope.estimate if slope else None,
                   slope_change_se=slope.se if slope else None)  # fmt: skip
    return row


def _fitted_n(result: SyntheticControlResult | ComparativeITSResult) -> int:
    """The weeks a comparison design was fitted to, as the engine's ``n`` counts them: the
    pre-period for synthetic control (the weights), every week for comparative ITS."""
    if isinstance(result, SyntheticControlResult):
        return result.panel.n_pre
    return result.its.n


def _sensitivity(work: _CityWork, params: ReportParams) -> pd.DataFrame:
    """The sensitivity table: the headline's own choices, then the other designs.

    A single-series headline: the engine's table (errors, Newey–West lags, data windows),
    the same ITS on the other series, the other single-series design, and both comparison
    designs on the donors (or the reason there are none). A comparison headline: the
    headline, each donor of weight at least :data:`LEAVE_ONE_OUT_WEIGHT` left out in turn,
    the other variants (synthetic control) or comparison weights (comparative ITS), the
    other comparison design, and the single-series designs on the city's own series.
    """
    if isinstance(work.result, ITSResult):
        table = _its_sensitivity(work, params)
    else:
        table = _comparison_sensitivity(work, params)
    return table.assign(city=work.estimate.city)


def _its_sensitivity(work: _CityWork, params: ReportParams) -> pd.DataFrame:
    result = work.result
    assert isinstance(result, ITSResult)
    table = result.sensitivity(
        start=pd.Timestamp(params.window_start), periods=params.window_weeks,
        windows=_windows(result, params),
    )  # fmt: skip
    table.insert(1, "series", work.series_name)
    table.insert(2, "design", params.design)
    for column in ("variant", "without"):
        table[column] = None
    if params.design == "counterfactual":
        table["shape"] = None
    rows = []
    for name, series in work.alternatives.items():
        model = series if isinstance(series, str) else headline_model(series, params)
        rows.append(_variant_row("series", name, model, params.errors, params))
    rows += _single_series_rows(work, params, result.model)
    assert work.pool is not None and work.headline is not None
    for design in COMPARISON_DESIGNS:
        rows.append(_comparison_row("design", work.series_name, replace(params, design=design),
                                    work.pool, work.headline.series))  # fmt: skip
    extra = pd.DataFrame(rows, columns=list(table.columns))
    return pd.concat([table, extra], ignore_index=True)


def _single_series_rows(
    work: _CityWork, params: ReportParams, model: ITSModel
) -> list[dict[str, Any]]:
    """The headline series under the single-series designs other than the headline's: the
    segmented shapes and the counterfactual design."""
    if params.design == "counterfactual":
        others = [model.replace(design="segmented", shape=s) for s in SHAPES]
    elif params.design == "segmented":
        others = [model.replace(design="counterfactual", shape="step")]
    else:
        base = model.replace(design="counterfactual", shape="step")
        others = [base, *(base.replace(design="segmented", shape=s) for s in SHAPES)]
    return [_variant_row("design", work.series_name, m, params.errors, params) for m in others]


def _comparison_sensitivity(work: _CityWork, params: ReportParams) -> pd.DataFrame:
    headline, pool = work.headline, work.pool
    assert headline is not None and isinstance(pool, DonorPool)
    est = work.estimate
    assert est.comparison is not None
    series = work.series_name
    variant = est.comparison.variant
    errors = (
        params.sc_inference
        if params.design == "synthetic"
        else ErrorSpec(method=params.errors).label()  # type: ignore[arg-type]
    )
    base = _row("base", series, design=params.design, variant=variant, errors=errors)
    assert not isinstance(headline.result, ITSResult)
    base.update(_effect_values(headline.effect, _fitted_n(headline.result)))
    rows = [base]
    for donor, weight in est.comparison.weights:
        if weight >= LEAVE_ONE_OUT_WEIGHT and len(pool.used) > params.min_donors:
            rows.append(_comparison_row("donors", series, params, pool.without(donor),
                                        headline.series, without=donor))  # fmt: skip
    if params.design == "synthetic":
        others = [params.with_variant(v) for v in VARIANTS if v != params.sc_variant]
    else:
        others = [replace(params, comparison=c) for c in ("equal", "synthetic")
                  if c != params.comparison]  # fmt: skip
    # The other variants by their point estimates: a variant's conformal interval can walk
    # thousands of refits (broken-trend on a short pre-period), and these rows are not the
    # robustness range.
    rows += [_comparison_row("variant", series, o, pool, headline.series, interval=False)
             for o in others]  # fmt: skip
    other = next(d for d in COMPARISON_DESIGNS if d != params.design)
    rows.append(_comparison_row("design", series, replace(params, design=other), pool,
                                headline.series))  # fmt: skip
    single = single_series_params(params)
    rows += _single_series_rows(work, params, headline_model(headline.series, single))
    return pd.DataFrame(rows, columns=list(SENSITIVITY_COLUMNS))


def _checks(work: _CityWork, params: ReportParams) -> _CityWork:
    """Placebo events (in time for a single series, in space for synthetic control), the
    sensitivity table and the break search (single series), as the params ask."""
    est, result, tables = work.estimate, work.result, dict(work.tables)
    city = est.city
    if isinstance(result, ITSResult) and params.placebos:
        try:
            placebo = result.placebo(n=params.placebos, window=params.window_weeks)
        except TooFewPrePeriods:
            placebo = None  # placebo fits need a year of data before each date
        if placebo is not None:
            tables["placebos"] = placebo.table.assign(city=city)
            est = replace(est, placebo_p=placebo.p_value, placebo_n=placebo.n)
    if isinstance(result, SyntheticControlResult) and est.comparison is not None:
        space = headline_placebo(result, params)
        tables["placebo_space"] = space.table.assign(city=city)
        gaps = space.gaps.copy()
        gaps.index = pd.to_datetime(gaps.index).date
        est = replace(
            est,
            comparison=replace(est.comparison, placebo=space.table, placebo_p=space.p,
                               placebo_floor=space.floor, gaps=gaps),
        )  # fmt: skip
    if params.sensitivity:
        table = _sensitivity(replace(work, estimate=est), params)
        tables["sensitivity"] = table
        fitted = table[(table["status"] == "ok") & table["varied"].isin(ROBUSTNESS_ROWS)]
        if len(fitted):
            est = replace(
                est,
                sensitivity=Interval(
                    est.effect_pct.estimate, float(fitted["percent"].min()),
                    float(fitted["percent"].max()), est.effect_pct.level,
                ),
                sensitivity_includes_zero=bool(
                    ((fitted["percent_low"] <= 0) & (fitted["percent_high"] >= 0)).any()
                ),
            )  # fmt: skip
    if isinstance(result, ITSResult) and params.find_break:
        found = result.find_break(level=1 - params.alpha)
        tables["break_search"] = found.table.assign(city=city)
        est = replace(
            est, break_date=_day(found.first_post), break_low=_day(found.first_post_low),
            break_high=_day(found.first_post_high), break_p=found.p_value,
        )  # fmt: skip
    return replace(work, estimate=est, tables=tables)


def _room_medians(
    conn: Any, city: str, params: ReportParams, rules: CountingRules
) -> list[RoomMedians]:
    """Medians of 1-, 2- and 3-room flats over ``window_weeks`` weeks before and after the
    event day (each flat once per window, the index's counting rules)."""
    table = median_rents_before_after(
        conn, city=city, event=params.event, days=7 * params.window_weeks, rules=rules
    )
    rows: list[dict[Hashable, Any]] = table.to_dict("records")
    return [
        RoomMedians(
            city=city,
            rooms=int(row["rooms"]),
            before_kzt=_number(row["before_median"]),
            after_kzt=_number(row["after_median"]),
            n_before=int(row["n_before"]),
            n_after=int(row["n_after"]),
        )
        for row in rows
    ]


def _number(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


def _day(value: Any) -> date:
    return pd.Timestamp(value).date()


def _concat(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _official_lines(conn: Any, cities: Sequence[str]) -> tuple[OfficialSeries, ...]:
    """Every official series stored for ``cities``, one line per metric, source and basis
    (the validation figure's; bases are never spliced)."""
    return tuple(
        read_official(conn, city=city, metric=metric, source=source, basis=basis)
        for city, metric, source, basis in official_keys(conn, list(cities))
    )


def _official_table(lines: Sequence[OfficialSeries]) -> pd.DataFrame:
    frames = [
        line.frame.assign(city=line.city, metric=line.metric, source=line.source,
                          basis=line.basis, unit=line.unit)
        for line in lines
    ]  # fmt: skip
    if not frames:
        return pd.DataFrame()
    table = pd.concat(frames, ignore_index=True)
    table["month"] = pd.to_datetime(table["month"]).dt.date
    return table[["city", "metric", "source", "basis", "unit", "month", "value"]]


def gather_report_data(
    warehouse: Path,
    *,
    cities: Sequence[str] = DEFAULT_CITIES,
    params: ReportParams | None = None,
    retry_timeout: float = 30.0,
    made_at: datetime | None = None,
    registry: CityRegistry = REGISTRY,
) -> ReportData:
    """Read the warehouse (or a snapshot) at ``warehouse`` and compute what both reports say.

    ``registry``: the city registry whose comparison pool the comparison designs use when
    ``params.donors`` is None (``Settings.registry`` applies the ``[cities] roles`` setting).
    Raises :class:`NotEnoughData` when a city has no observations or too short a series,
    or a comparison design too few donors with data.
    """
    params = params or ReportParams()
    cities = list(dict.fromkeys(cities))
    if not cities:
        raise NotEnoughData("no city chosen for the report")
    rules = CountingRules()
    with open_reader(warehouse, retry_timeout=retry_timeout) as conn:
        coverage = read_coverage(conn, cities, min_week_listings=params.caveats.min_week_listings)
        if coverage is None:
            raise NotEnoughData(
                f"the warehouse {warehouse} holds no observations for {', '.join(cities)}: "
                "load data first (rentwatch db load, or rentwatch demo)"
            )
        missing = [c for c in cities if c not in set(coverage.weekly["city"])]
        if missing:
            held = [c for c in cities if c not in missing]
            raise NotEnoughData(
                f"the warehouse {warehouse} holds no observations for {', '.join(missing)}; "
                f"report on the others with {' '.join(f'--city {c}' for c in held)}"
            )
        works: list[_CityWork] = []
        index_frames: list[pd.DataFrame] = []
        for city in cities:
            work, frames = _city(conn, city, params, rules, registry)
            works.append(_checks(work, work.headline.params if work.headline else params))
            index_frames.extend(frames)
        medians = tuple(m for city in cities for m in _room_medians(conn, city, params, rules))
        official = _official_lines(conn, cities)
        specification = {w.estimate.city: _specification(w.result) for w in works}
        donors = {w.estimate.city: w.headline.pool.to_dict() for w in works
                  if w.headline is not None and w.headline.pool is not None}  # fmt: skip
        plain_params = {
            "report": params,
            "index_counting_rules": rules.to_dict(),
            "its_specification": specification,
            **({"donors": donors} if donors else {}),
        }
        prov = provenance(
            conn, warehouse, cities, plain_params, made_at=made_at or datetime.now(UTC)
        )
    estimates = {w.estimate.city: w.estimate for w in works}
    tables = EconomistTables(
        coefficients=_concat([w.tables.get("coefficients", pd.DataFrame()) for w in works]),
        effects=_concat([w.tables["effects"] for w in works]),
        diagnostics=_concat([w.tables.get("diagnostics", pd.DataFrame()) for w in works]),
        residuals=_concat([w.tables["residuals"] for w in works]),
        placebos=_concat([w.tables.get("placebos", pd.DataFrame()) for w in works]),
        sensitivity=_concat([w.tables.get("sensitivity", pd.DataFrame()) for w in works]),
        break_search=_concat([w.tables.get("break_search", pd.DataFrame()) for w in works]),
        index_series=_concat(index_frames),
        weights=_concat([w.tables.get("weights", pd.DataFrame()) for w in works]),
        placebo_space=_concat([w.tables.get("placebo_space", pd.DataFrame()) for w in works]),
        official=_official_table(official),
    )
    return ReportData(
        cities=tuple(cities),
        params=prov["parameters"],
        estimates=estimates,
        medians=medians,
        coverage=coverage,
        provenance=prov,
        tables=tables,
        caveats=find_caveats(estimates, coverage, params.caveats),
        official=official,
    )


def _specification(result: HeadlineFit) -> dict[str, Any]:
    """What the fit was, for the provenance."""
    if isinstance(result, ITSResult):
        spec: dict[str, Any] = result.to_dict()["specification"]
        return spec
    return {**result.model.describe(), "level": result.level}
