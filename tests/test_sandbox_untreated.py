"""The sandbox's untreated paths are not the headline estimator's model family.

The headline fits a log-linear trend, one annual harmonic and AR(1) errors to the weeks before
the event and carries them forward (``reports.ReportParams``). The sandbox's counterfactual
(:mod:`scrapers.sandbox.country`) is a national factor with a changing drift and a currency
jump, city loadings, own trends and kinks, two or three drifting harmonics and t / stochastic
volatility noise. Each test below shows one piece of structure the estimator's family cannot
have, and runs the same check on a path of that family, where it must not find it (so the
tests can fail).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.its import ITSModel
from reports import ReportParams
from scrapers.sandbox import calibration as cal
from scrapers.sandbox import country

CITIES = ("almaty", "astana", "shymkent", "karaganda", "aktau", "taraz")
DAYS = np.arange(cal.n_days())


def _weekly(log_path: np.ndarray) -> pd.DataFrame:
    """The daily level (exp of a log path) averaged per ISO week over the archive's span."""
    days = pd.date_range(cal.MARKET_START, cal.MARKET_END, freq="D")
    level = pd.Series(np.exp(log_path), index=days)
    level = level[days >= pd.Timestamp(cal.ARCHIVE_FROM)]
    weekly = level.groupby(pd.DatetimeIndex(level.index).to_period("W-SUN").start_time).mean()
    return pd.DataFrame({"period": weekly.index, "value": weekly.to_numpy()})


def _headline_miss(log_path: np.ndarray) -> tuple[float, np.ndarray]:
    """The headline's pre-period model on a path with no effect: its six-week 'effect' (%),
    which is its extrapolation error, and its pre-period residuals. The mean model is the
    headline's (trend, season, log scale, window); OLS because the path has no noise."""
    params = ReportParams()
    event = pd.Timestamp(params.window_start)
    model = ITSModel(_weekly(log_path), time_col="period", value_col="value", event=event,
                     design="counterfactual", shape="step", log=True,
                     seasonality=params.seasonality, simulated=True)  # fmt: skip
    result = model.fit("ols")
    effect = result.average_effect(event, periods=params.window_weeks)
    series = result.series
    return effect.percent, series.loc[series["in_fit"], "residual"].to_numpy()


def _in_family() -> np.ndarray:
    """A path of the estimator's own family: log-linear trend plus one annual harmonic."""
    return (
        11.5
        + 0.3 * DAYS / 365.25
        + 0.09 * np.cos(2 * np.pi * (cal.day_of_year(DAYS) - 270) / 365.25)
    )


def _noise_sd_of_window_means(city: str) -> float:
    """The sd of six-week means of the city's seeded noise (what the model may call noise)."""
    noise = np.concatenate([country.city_paths(s, city).components["noise"] for s in range(1, 6)])
    means = pd.Series(noise).rolling(42).mean().dropna().to_numpy()[::42]
    return float(np.std(np.expm1(means)) * 100)


@pytest.mark.parametrize("city", CITIES)
def test_the_headlines_pre_period_model_cannot_carry_the_untreated_path_forward(city: str) -> None:
    """On the noise-free untreated path (no effect at all), the headline's pre-period model
    still 'finds' an effect: its extrapolation misses by more than the city's own noise would
    explain, and it leaves smooth structure in its pre-period residuals."""
    miss, residuals = _headline_miss(country.base_path(city))
    assert abs(miss) > 1.5
    assert abs(miss) > _noise_sd_of_window_means(city)
    # A curve the trend and one harmonic cannot draw (2–3% off, smooth), not noise.
    assert np.std(residuals) > 0.01
    assert np.corrcoef(residuals[:-1], residuals[1:])[0, 1] > 0.8
    # The same model on a path of its own family: carried forward but for the weekly
    # averaging of a curved level (a few hundredths of a percent).
    own_miss, own_residuals = _headline_miss(_in_family())
    assert abs(own_miss) < 0.05 and np.std(own_residuals) < 0.001


def test_the_national_drift_accelerates_through_2022_and_eases() -> None:
    """Year-on-year growth is constant under a log-linear trend (a fixed season cancels out of
    it); the national factor's rises into September 2022 and falls back by mid-2023."""

    def yoy(path: np.ndarray, day: date) -> float:
        i = cal.day_index(day)
        return float(path[i] - path[i - 365])

    def hump(path: np.ndarray) -> float:
        peak = yoy(path, date(2022, 9, 15))
        return peak - (yoy(path, date(2022, 4, 15)) + yoy(path, date(2023, 6, 15))) / 2

    for seed in range(1, 11):
        assert hump(country.national_path() + country.national_noise(seed)) > 0.04
    assert hump(_in_family()) == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_noise_is_heavy_tailed_with_volatility_clusters_not_gaussian_ar1(seed: int) -> None:
    def abs_autocorrelation(steps: np.ndarray) -> float:
        a = np.abs(steps) - np.mean(np.abs(steps))
        return float(np.mean([np.corrcoef(a[:-k], a[k:])[0, 1] for k in range(1, 11)]))

    steps = [np.diff(country.city_paths(seed, c).components["noise"]) for c in CITIES]
    assert min(stats.kurtosis(s) for s in steps) > 3  # Student-t innovations and jumps
    assert np.median([abs_autocorrelation(s) for s in steps]) > 0.05  # stochastic volatility
    rng = np.random.default_rng(seed)
    gaussian = np.zeros(cal.n_days())
    shocks = rng.normal(0, 0.003, cal.n_days())
    for t in range(1, cal.n_days()):
        gaussian[t] = 0.8 * gaussian[t - 1] + shocks[t]
    assert stats.kurtosis(np.diff(gaussian)) < 1
    assert abs_autocorrelation(np.diff(gaussian)) < 0.05


def test_seasonal_amplitudes_drift_and_cities_kink() -> None:
    changed = 0
    for city in CITIES:
        paths = country.city_paths(4, city)
        season = paths.components["season"]
        first, second = np.ptp(season[:365]), np.ptp(season[365:730])
        changed += abs(second / first - 1) > 0.03
        bends = np.flatnonzero(np.abs(np.diff(paths.components["kinks"], 2)) > 1e-9)
        assert 1 <= 1 + np.sum(np.diff(bends) > 1) <= 3  # one to three changes of slope
    assert changed >= len(CITIES) // 2
