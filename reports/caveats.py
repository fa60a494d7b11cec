"""Which caveats apply to an estimate: named rules with thresholds stated, not judgement calls.

The thresholds are report parameters (recorded in the provenance); the prose for each caveat
is in :mod:`reports.phrases`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from reports.coverage import gap_weeks_between
from reports.facts import Caveat, CityEstimate, Coverage
from reports.verdict import verdict


@dataclass(frozen=True)
class CaveatRules:
    """Thresholds that turn a number into a caveat.

    ``short_series_points``: fewer pre-period points than this is a short series (a year of
    weeks lets the trend and the season be told apart). ``placebo_alpha``: a placebo p-value
    above it means fake event dates (or, for synthetic control, comparison cities treated as
    if they had got the shock) do as well. ``min_pre_r2``: pre-period fit (R² of the
    model on the pre-period) below it is poor. ``autocorr_alpha``: a Ljung–Box p-value below
    it flags autocorrelated residuals. ``min_week_listings``: a week with fewer listings in a
    city (all sources) is thin.
    """

    short_series_points: int = 52
    placebo_alpha: float = 0.10
    min_pre_r2: float = 0.5
    autocorr_alpha: float = 0.05
    min_week_listings: int = 20


def estimate_caveats(est: CityEstimate, rules: CaveatRules) -> list[Caveat]:
    """The caveats one city's estimate earns, in the order a reader should see them.

    A headline that excludes zero while some specification of the sensitivity table cannot
    is fragile. A break search whose interval (of first post periods) leaves out the event's
    first post period says the data put the break elsewhere.
    """
    found: list[Caveat] = []
    city = est.city
    if est.stand_in is not None:
        found.append(Caveat("single_series", city, {"n": est.stand_in.found,
                                                    "need": est.stand_in.needed}))  # fmt: skip
    clear = verdict(est.effect_pct) != "unclear"
    if not clear:
        found.append(Caveat("includes_zero", city))
    if est.n_pre < rules.short_series_points:
        found.append(Caveat("short_series", city, {"n": est.n_pre}))
    if est.placebo_p is not None and est.placebo_p > rules.placebo_alpha:
        found.append(Caveat("placebo_failed", city, {"share": est.placebo_p, "n": est.placebo_n}))
    space = est.comparison
    if space is not None and space.placebo_p is not None and space.placebo_p > rules.placebo_alpha:
        units = round(1 / space.placebo_floor) if space.placebo_floor else 0
        found.append(Caveat("placebo_space", city, {"p": space.placebo_p, "n": units}))
    if est.pre_fit_r2 is not None and est.pre_fit_r2 < rules.min_pre_r2:
        found.append(Caveat("poor_fit", city, {"r2": est.pre_fit_r2}))
    if (
        est.break_date is not None
        and est.break_low is not None
        and est.break_high is not None
        and not est.break_low <= est.window_start <= est.break_high
    ):
        found.append(
            Caveat(
                "break_elsewhere",
                city,
                {"date": est.break_date, "low": est.break_low, "high": est.break_high},
            )
        )
    if clear and est.sensitivity_includes_zero and est.sensitivity:
        found.append(
            Caveat("fragile", city, {"low": est.sensitivity.low, "high": est.sensitivity.high})
        )
    if est.residual_autocorr_p is not None and est.residual_autocorr_p < rules.autocorr_alpha:
        found.append(Caveat("autocorrelation", city, {"p": est.residual_autocorr_p}))
    return found


def _thin_weeks(gaps: pd.DataFrame, est: CityEstimate) -> int:
    """Thin or empty weeks of the city inside the span of the series the estimate uses
    (a hole between an archive backfill and today's crawl is outside it)."""
    if est.path.empty:
        return int(gaps.loc[gaps["city"] == est.city, "weeks"].sum()) if not gaps.empty else 0
    periods = pd.to_datetime(est.path["period"])
    return gap_weeks_between(gaps, est.city, periods.min().date(), periods.max().date())


def find_caveats(
    estimates: Mapping[str, CityEstimate], coverage: Coverage, rules: CaveatRules
) -> tuple[Caveat, ...]:
    """Simulated data first (it voids everything else), then each city's caveats."""
    found: list[Caveat] = []
    if coverage.simulated:
        found.append(Caveat("simulated"))
    for city, est in estimates.items():
        found.extend(estimate_caveats(est, rules))
        thin = _thin_weeks(coverage.gaps, est)
        if thin:
            found.append(Caveat("thin_weeks", city, {"n": thin, "min": rules.min_week_listings}))
    return tuple(found)
