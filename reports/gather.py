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
from analysis.its import ErrorSpec, ITSError, ITSModel, ITSResult, TooFewPrePeriods
from analysis.its.sensitivity import COLUMNS as SENSITIVITY_TABLE_COLUMNS
from analysis.its.spec import SHAPES
from reports.caveats import find_caveats
from reports.coverage import provenance, read_coverage
from reports.facts import (
    CityEstimate,
    EconomistTables,
    Interval,
    ReportData,
    RoomMedians,
)
from reports.headline import (
    Headline,
    NotEnoughData,
    ReportParams,
    check_length,
    fit_headline,
    headline_effect,
    headline_model,
    headline_span,
)
from warehouse import open_reader

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
# headline's design. Rows that switch the design are shown beside them: the shapes of the
# segmented design were biased for a six-week average (bench/headline_accuracy.py).
ROBUSTNESS_ROWS = ("base", "errors", "lags", "window", "series")
SENSITIVITY_COLUMNS = ("varied", "series", "design", *SENSITIVITY_TABLE_COLUMNS[1:])
INDEX_METHODS: tuple[Literal["median", "mix", "hedonic"], ...] = ("median", "mix", "hedonic")
WEEKS_PER_YEAR = 52


@dataclass
class _CityWork:
    """One city's pieces while they are being gathered."""

    estimate: CityEstimate
    result: ITSResult
    tables: dict[str, pd.DataFrame]
    series_name: str = ""
    alternatives: dict[str, IndexSeries | str] = field(default_factory=dict)


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
    if params.sensitivity:
        others = [replace(headline, flow=not params.flow)]
        others += [replace(headline, method=m) for m in INDEX_METHODS if m != params.method]
    return headline, all_rooms, others


def _city_headline(
    conn: Any, city: str, params: ReportParams, rules: CountingRules
) -> tuple[Headline, list[IndexSeries | SeriesError], list[IndexSeries | SeriesError]]:
    """The city's headline (as :func:`reports.headline.city_headline` makes it) and, built in
    the same call on its span, the all-rooms series and the sensitivity table's other series:
    the city's outlier bounds, twins and each sample are built once for all of them."""
    spec, all_rooms, others = _city_specs(city, params)
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
    conn: Any, city: str, params: ReportParams, rules: CountingRules
) -> tuple[_CityWork, list[pd.DataFrame]]:
    index_frames: list[pd.DataFrame] = []
    spec, _, others = _city_specs(city, params)
    headline, all_rooms, other_series = _city_headline(conn, city, params, rules)
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
        path=_path(result),
        n_pre=result.n_pre,
        n_post=result.n_post,
        pre_fit_r2=result.diagnostics.pre_fit.r2,
        residual_autocorr_p=autocorr_p,
        flow=params.flow,
        span=span,
    )
    alternatives: dict[str, IndexSeries | str] = {
        _series_name(other): series if isinstance(series, IndexSeries) else str(series)
        for other, series in zip(others, other_series, strict=True)
    }
    work = _CityWork(estimate, result, tables, _series_name(spec), alternatives)
    return work, index_frames


def _windows(result: ITSResult, params: ReportParams) -> list[float]:
    """Data windows (± weeks around the first post period) for the sensitivity table: half
    and a quarter of the series' span, but never less than a year when the model has a
    season, which a shorter pre-period cannot tell from the trend."""
    span = float(result.series["t"].max())
    shortest = WEEKS_PER_YEAR if params.seasonality != "none" else 1
    return [w for w in (round(span / 2), round(span / 4)) if w >= shortest]


def _variant_row(
    varied: str, series: str, model: ITSModel | str, errors: str, params: ReportParams
) -> dict[str, Any]:
    """One sensitivity row (the columns of :func:`analysis.its.sensitivity_table`) for a
    variant the ITS engine's table does not make: another series or another design."""
    row: dict[str, Any] = {c: None for c in SENSITIVITY_COLUMNS}
    spec = ErrorSpec(method=errors)  # type: ignore[arg-type]
    row.update(varied=varied, series=series, errors=spec.label(), window="all")
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
    row.update(
        n=fitted.n, effect=effect.effect, ci_low=effect.ci_low, ci_high=effect.ci_high,
        percent=effect.percent, percent_low=effect.percent_low,
        percent_high=effect.percent_high, absolute=effect.absolute,
        level_change=level.estimate if level else None, level_change_se=level.se if level else None,
        slope_change=slope.estimate if slope else None, slope_change_se=slope.se if slope else None,
        decay=fitted.decay.estimate if fitted.decay else None, status="ok",
    )  # fmt: skip
    return row


def _sensitivity(work: _CityWork, params: ReportParams) -> pd.DataFrame:
    """The engine's table (errors, Newey–West lags, data windows) for the headline, plus the
    same ITS on the other series and the headline series under the other design."""
    result = work.result
    table = result.sensitivity(
        start=pd.Timestamp(params.window_start), periods=params.window_weeks,
        windows=_windows(result, params),
    )  # fmt: skip
    table.insert(1, "series", work.series_name)
    table.insert(2, "design", params.design)
    if params.design == "counterfactual":
        table["shape"] = None
    rows = []
    for name, series in work.alternatives.items():
        model = series if isinstance(series, str) else headline_model(series, params)
        rows.append(_variant_row("series", name, model, params.errors, params))
    if params.design == "counterfactual":
        others = [result.model.replace(design="segmented", shape=s) for s in SHAPES]
    else:
        others = [result.model.replace(design="counterfactual", shape="step")]
    for model in others:
        rows.append(_variant_row("design", work.series_name, model, params.errors, params))
    extra = pd.DataFrame(rows, columns=list(table.columns))
    return pd.concat([table, extra], ignore_index=True).assign(city=work.estimate.city)


def _checks(work: _CityWork, params: ReportParams) -> _CityWork:
    """Placebo events, the sensitivity table and the break search, as the params ask."""
    est, result, tables = work.estimate, work.result, dict(work.tables)
    city = est.city
    if params.placebos:
        try:
            placebo = result.placebo(n=params.placebos, window=params.window_weeks)
        except TooFewPrePeriods:
            placebo = None  # placebo fits need a year of data before each date
        if placebo is not None:
            tables["placebos"] = placebo.table.assign(city=city)
            est = replace(est, placebo_p=placebo.p_value, placebo_n=placebo.n)
    if params.sensitivity:
        table = _sensitivity(work, params)
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
    if params.find_break:
        found = result.find_break(level=1 - params.alpha)
        tables["break_search"] = found.table.assign(city=city)
        est = replace(
            est, break_date=_day(found.first_post), break_low=_day(found.first_post_low),
            break_high=_day(found.first_post_high), break_p=found.p_value,
        )  # fmt: skip
    return _CityWork(est, result, tables, work.series_name, work.alternatives)


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


def gather_report_data(
    warehouse: Path,
    *,
    cities: Sequence[str] = DEFAULT_CITIES,
    params: ReportParams | None = None,
    retry_timeout: float = 30.0,
    made_at: datetime | None = None,
) -> ReportData:
    """Read the warehouse (or a snapshot) at ``warehouse`` and compute what both reports say.

    Raises :class:`NotEnoughData` when a city has no observations or too short a series.
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
            raise NotEnoughData(
                f"the warehouse {warehouse} holds no observations for {', '.join(missing)}"
            )
        works: list[_CityWork] = []
        index_frames: list[pd.DataFrame] = []
        for city in cities:
            work, frames = _city(conn, city, params, rules)
            works.append(_checks(work, params))
            index_frames.extend(frames)
        medians = tuple(m for city in cities for m in _room_medians(conn, city, params, rules))
        specification = {w.estimate.city: w.result.to_dict()["specification"] for w in works}
        plain_params = {
            "report": params,
            "index_counting_rules": rules.to_dict(),
            "its_specification": specification,
        }
        prov = provenance(
            conn, warehouse, cities, plain_params, made_at=made_at or datetime.now(UTC)
        )
    estimates = {w.estimate.city: w.estimate for w in works}
    tables = EconomistTables(
        coefficients=_concat([w.tables["coefficients"] for w in works]),
        effects=_concat([w.tables["effects"] for w in works]),
        diagnostics=_concat([w.tables["diagnostics"] for w in works]),
        residuals=_concat([w.tables["residuals"] for w in works]),
        placebos=_concat([w.tables.get("placebos", pd.DataFrame()) for w in works]),
        sensitivity=_concat([w.tables.get("sensitivity", pd.DataFrame()) for w in works]),
        break_search=_concat([w.tables.get("break_search", pd.DataFrame()) for w in works]),
        index_series=_concat(index_frames),
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
    )
