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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from analysis.index import (
    CountingRules,
    IndexSeries,
    SeriesError,
    build_index,
    median_rents_before_after,
    period_start,
)
from analysis.its import ITSModel, ITSResult
from reports.caveats import CaveatRules, find_caveats
from reports.coverage import provenance, read_coverage
from reports.facts import (
    CityEstimate,
    EconomistTables,
    Interval,
    ReportData,
    RoomMedians,
)
from warehouse import open_reader
from warehouse.errors import RentwatchError

DEFAULT_CITIES = ("almaty", "astana")
INDEX_METHODS: tuple[Literal["median", "mix", "hedonic"], ...] = ("median", "mix", "hedonic")


class NotEnoughData(RentwatchError):
    """The warehouse cannot support the report: no data, or too short a series."""


@dataclass(frozen=True)
class ReportParams:
    """Every choice behind a report (all recorded in its provenance).

    ``event``: the shock's first day (inclusive in the post period). ``rooms``/``method``:
    the series the headline estimate is made on (weekly index, KZT per month).
    ``window_weeks``: the effect is averaged over this many weeks from the event; the
    summary's before/after table uses the same span on each side. ``shape``, ``errors``,
    ``seasonality``, ``alpha``: the ITS specification (log scale). ``placebos``: placebo
    events in the pre-period (0: none); ``sensitivity``, ``find_break``: run those checks.
    ``start``/``end``: limit the observation days (inclusive). ``min_pre_points``: fewer
    weekly points before the event refuse the report.
    """

    event: date = date(2022, 9, 21)
    rooms: int = 1
    method: Literal["median", "mix", "hedonic"] = "mix"
    window_weeks: int = 6
    shape: str = "step-slope"
    errors: str = "newey"
    seasonality: str = "none"
    alpha: float = 0.05
    placebos: int = 40
    sensitivity: bool = True
    find_break: bool = True
    start: date | None = None
    end: date | None = None
    min_pre_points: int = 12
    seed: int = 0
    caveats: CaveatRules = field(default_factory=CaveatRules)

    @property
    def freq(self) -> Literal["W"]:
        return "W"


@dataclass
class _CityWork:
    """One city's pieces while they are being gathered."""

    estimate: CityEstimate
    result: ITSResult
    tables: dict[str, pd.DataFrame]


def _check_length(city: str, series: IndexSeries, params: ReportParams) -> None:
    periods = pd.to_datetime(series.frame["period"])
    first_post = pd.Timestamp(period_start(params.event, params.freq))
    n_pre = int((periods < first_post).sum())
    n_post = int((periods >= first_post).sum())
    if n_pre < params.min_pre_points or n_post < params.window_weeks:
        raise NotEnoughData(
            f"{city}: the weekly {params.method} series of {params.rooms}-room flats has "
            f"{n_pre} weeks before the event ({params.event}) and {n_post} from it; a report "
            f"needs at least {params.min_pre_points} before and {params.window_weeks} after. "
            "Load more data, or change --event, --rooms or the date range."
        )


def _fit(city: str, series: IndexSeries, params: ReportParams) -> ITSResult:
    model = ITSModel(
        series.frame,
        time_col="period",
        value_col="value",
        event=pd.Timestamp(period_start(params.event, params.freq)),
        shape=params.shape,
        log=True,
        unit="KZT per month",
        seasonality=params.seasonality,
        label=f"{city} {series.spec.label}",
        simulated=series.simulated,
    )
    return model.fit(params.errors, alpha=params.alpha, seed=params.seed)


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


def _city(
    conn: Any, city: str, params: ReportParams, rules: CountingRules
) -> tuple[_CityWork, list[pd.DataFrame]]:
    index_frames: list[pd.DataFrame] = []
    headline_series = build_index(
        conn, city=city, method=params.method, freq=params.freq, rooms=params.rooms,
        start=params.start, end=params.end, rules=rules,
    )  # fmt: skip
    _check_length(city, headline_series, params)
    for method in INDEX_METHODS:
        try:
            series = build_index(
                conn, city=city, method=method, freq=params.freq, start=params.start,
                end=params.end, rules=rules,
            )  # fmt: skip
        except SeriesError as exc:
            # One method failing (a singular hedonic design) must not hide the others.
            index_frames.append(pd.DataFrame({"city": [city], "series": [f"{method}, all rooms"],
                                              "error": [str(exc)]}))  # fmt: skip
            continue
        index_frames.append(series.frame.assign(series=f"{method}, all rooms"))
    index_frames.append(
        headline_series.frame.assign(series=f"{params.method}, {params.rooms}-room (ITS)")
    )

    result = _fit(city, headline_series, params)
    first_post = period_start(params.event, params.freq)
    window = result.average_effect(pd.Timestamp(first_post), periods=params.window_weeks)
    tables: dict[str, pd.DataFrame] = {
        "coefficients": result.coefficient_table().rename_axis("term").reset_index(),
        "effects": _effects_table(city, result, window),
        "diagnostics": _diagnostics_table(city, result),
        "residuals": pd.DataFrame(
            {
                "period": pd.to_datetime(result.series["time"]).dt.date,
                "residual": result.series["residual"],
            }
        ),
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
        window_start=first_post,
        window_end=first_post + timedelta(weeks=params.window_weeks, days=-1),
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
    )
    return _CityWork(estimate, result, tables), index_frames


def _checks(work: _CityWork, params: ReportParams) -> _CityWork:
    """Placebo events, the sensitivity table and the break search, as the params ask."""
    est, result, tables = work.estimate, work.result, dict(work.tables)
    city = est.city
    first_post = pd.Timestamp(est.window_start)
    if params.placebos:
        placebo = result.placebo(n=params.placebos, window=params.window_weeks)
        tables["placebos"] = placebo.table.assign(city=city)
        est = replace(est, placebo_p=placebo.p_value, placebo_n=placebo.n)
    if params.sensitivity:
        table = result.sensitivity(start=first_post, periods=params.window_weeks)
        tables["sensitivity"] = table.assign(city=city)
        fitted = table[table["status"] == "ok"]
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
    return _CityWork(est, result, tables)


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
