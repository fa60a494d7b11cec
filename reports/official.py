"""The headline's ITS on an imported official series: as the outcome, or as a comparison series.

``rentwatch its --official almaty:avg_rent_per_m2:2022`` fits the headline's single-series
design (:class:`reports.headline.ReportParams`: design, seasonality, errors, window) to one
official monthly series, the event snapped to the first of its month; ``--official-control``
adds one as a control series of a monthly outcome (the warehouse index with ``--freq M``, or
another official series). A series is one city, metric, source and basis
(:func:`analysis.index.official.read_official`): two bases are never spliced, and naming
neither when two exist is a one-line error that lists them. A month without a value is a gap,
kept as a gap: the model sees only the months with values, at their real positions in time.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analysis.index.official import OfficialSeries, read_official
from analysis.index.spec import SeriesError
from analysis.its import ITSModel
from reports.headline import (
    InvalidParams,
    NotEnoughData,
    ReportParams,
    first_post,
    single_series_params,
    window_periods,
)
from warehouse.cities import REGISTRY, CityRegistry
from warehouse.imports import OFFICIAL_AREAS

CONTROL_COL = "official_control"


@dataclass(frozen=True)
class OfficialKey:
    """``CITY:METRIC[:BASIS[:SOURCE]]`` as given on the command line."""

    city: str
    metric: str
    basis: str | None = None
    source: str | None = None

    @classmethod
    def parse(cls, text: str, registry: CityRegistry = REGISTRY) -> OfficialKey:
        """The key ``text`` names (the city in any spelling the registry knows, or
        ``kazakhstan``); :class:`InvalidParams` in one line when it is malformed."""
        parts = [p.strip() for p in text.split(":")]
        if not 2 <= len(parts) <= 4 or not all(parts):
            raise InvalidParams(
                f"an official series is CITY:METRIC[:BASIS[:SOURCE]] (e.g. "
                f"almaty:avg_rent_per_m2:2022:BNS), not {text!r}"
            )
        city = (
            parts[0].lower() if parts[0].lower() in OFFICIAL_AREAS else registry.get(parts[0]).code
        )
        basis = parts[2] if len(parts) > 2 else None
        source = parts[3] if len(parts) > 3 else None
        return cls(city, parts[1], basis, source)


def read_key(conn: duckdb.DuckDBPyConnection, key: OfficialKey) -> OfficialSeries:
    """The stored series ``key`` names; :class:`NotEnoughData` (one line) when there is
    none or when it matches more than one source or basis (never spliced)."""
    try:
        return read_official(
            conn, city=key.city, metric=key.metric, source=key.source, basis=key.basis
        )
    except SeriesError as exc:
        raise NotEnoughData(str(exc)) from exc


def months_in(series: OfficialSeries, params: ReportParams) -> pd.DataFrame:
    """The series' months with values inside ``params.start``/``end`` (``month``, ``value``)."""
    frame = series.frame
    months = pd.to_datetime(frame["month"])
    keep = pd.Series(True, index=frame.index)
    if params.start is not None:
        keep &= months >= pd.Timestamp(params.start.replace(day=1))
    if params.end is not None:
        keep &= months <= pd.Timestamp(params.end)
    return frame[keep].reset_index(drop=True)


def check_months(what: str, months: pd.Series, params: ReportParams) -> None:
    """Refuse a monthly series with fewer than ``min_pre_points`` months before the event's
    month or fewer than the window's months from it."""
    first = pd.Timestamp(first_post(params, "M"))
    stamps = pd.to_datetime(months)
    n_pre, n_post = int((stamps < first).sum()), int((stamps >= first).sum())
    needed = window_periods(params, "M")
    if n_pre < params.min_pre_points or n_post < needed:
        raise NotEnoughData(
            f"{what}: {n_pre} months with values before the event's month ({first:%Y-%m}) and "
            f"{n_post} from it; an estimate needs at least {params.min_pre_points} before and "
            f"{needed} from it"
        )


def official_model(
    series: OfficialSeries,
    params: ReportParams,
    control: OfficialSeries | None = None,
) -> ITSModel:
    """The headline's single-series ITS on ``series`` (log scale, monthly, months with values
    only), with ``control`` as a comparison series when given (see :func:`with_control`)."""
    frame = months_in(series, params).rename(columns={"month": "period"})
    return monthly_model(frame, params, unit=series.unit, label=series.label, control=control)


def monthly_model(
    frame: pd.DataFrame,
    params: ReportParams,
    *,
    unit: str | None,
    label: str,
    simulated: bool = False,
    control: OfficialSeries | None = None,
) -> ITSModel:
    """The headline's single-series ITS on a monthly ``frame`` (``period``, ``value``; log
    scale; the event snapped to the first of its month), with ``control`` joined in as a
    comparison series on the months both have (see :func:`with_control`)."""
    params = single_series_params(params)
    controls: tuple[str, ...] = ()
    if control is not None:
        frame = with_control(frame, control, params)
        controls = (CONTROL_COL,)
        label = f"{label}, control {control.label}"
    check_months(label, frame["period"], params)
    return ITSModel(
        frame,
        time_col="period",
        value_col="value",
        event=pd.Timestamp(first_post(params, "M")),
        design=params.design,
        shape=params.shape if params.design == "segmented" else "step",
        log=True,
        unit=unit,
        seasonality=params.seasonality,
        control_cols=controls,
        label=label,
        simulated=simulated,
    )


def with_control(
    frame: pd.DataFrame, control: OfficialSeries, params: ReportParams
) -> pd.DataFrame:
    """``frame`` (``period`` month starts, ``value``) with the official ``control`` as the
    column :data:`CONTROL_COL`, on the months both have (a month the control misses is a gap
    of the joined series, not filled). The counterfactual design takes a control as a
    predictor, entered as its log (a log-log model); the segmented design stacks it as a
    comparison unit, which the model logs itself."""
    months = pd.to_datetime(control.frame["month"])
    values = pd.Series(control.frame["value"].to_numpy(dtype=float), index=months)
    joined = frame.assign(period=pd.to_datetime(frame["period"]))
    joined[CONTROL_COL] = joined["period"].map(values)
    joined = joined[joined[CONTROL_COL].notna()].reset_index(drop=True)
    if single_series_params(params).design == "counterfactual":
        joined[CONTROL_COL] = np.log(joined[CONTROL_COL])
    return joined


def gap_note(months: pd.Series) -> str | None:
    """What a monthly series' missing months mean for the fit, or None without gaps: the
    time axis counts calendar months, so the trend and the season see a gap as the months it
    spans, and the error model links the months either side by their distance
    (:meth:`analysis.its.ITSModel.gaps`: ρ^d for AR(1) errors, missing values on the regular
    grid for ARIMA)."""
    periods = pd.PeriodIndex(pd.to_datetime(months), freq="M").sort_values()
    steps = np.diff(periods.asi8)
    missing = int((steps - 1)[steps > 1].sum())
    if not missing:
        return None
    return (
        f"{missing} missing month(s) in {int((steps > 1).sum())} gap(s) kept as gaps (never "
        "filled): the trend and the season count them as months, and the error model links "
        "the months either side of a gap by their distance"
    )
