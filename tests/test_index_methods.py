"""Index methods on markets with known truth: composition shift, hedonic recovery, golden
numbers against statsmodels OLS with the same dummies."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from analysis.index import IndexSeries, IndexSpec, SeriesError, build_index, build_indexes
from tests.index_markets import (
    TRUE_DISTRICTS,
    TRUE_LOG_AREA,
    TRUE_OWNER,
    TRUE_ROOMS,
    HedonicMarket,
    load_market,
)
from warehouse import open_reader

MONTHS = [date(2022, m, 1) for m in range(4, 10)]
BEFORE_MIX = (0.2, 0.5, 0.3)  # shares of 1-, 2- and 3-room flats
AFTER_MIX = (0.6, 0.3, 0.1)  # after the shock: many more small flats listed
WEEKS = [date(2022, 9, 5) + timedelta(weeks=i) for i in range(5)]
WEEK_EFFECTS = [0.0, 0.0, 0.10, 0.12, 0.20]


@pytest.fixture(scope="module")
def shifted_market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Rents never move; from July on the listed mix tilts to 1-room flats."""
    market = HedonicMarket(MONTHS, 1500, [BEFORE_MIX] * 3 + [AFTER_MIX] * 3, [0.0] * 6)
    return load_market(tmp_path_factory.mktemp("shift"), market.records)


@pytest.fixture(scope="module")
def jumping_market(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, HedonicMarket]:
    """Every rent rises by WEEK_EFFECTS (log points) in its week; the mix stays put."""
    market = HedonicMarket(WEEKS, 800, [(0.3, 0.4, 0.3)] * 5, WEEK_EFFECTS, seed=11)
    return load_market(tmp_path_factory.mktemp("jump"), market.records), market


def relative(series: IndexSeries) -> np.ndarray:
    values = series.frame["value"].to_numpy()
    return values / values[0]


def test_composition_shift_moves_the_raw_median_but_not_mix_or_hedonic(
    shifted_market: Path,
) -> None:
    specs = [IndexSpec("almaty", m, "M") for m in ("median", "mix", "hedonic")]
    with open_reader(shifted_market, retry_timeout=1) as conn:
        median, mix, hedonic = build_indexes(conn, specs)
    assert relative(median)[3:].max() < 0.8  # the raw median falls by more than 20 %
    assert np.abs(relative(mix) - 1).max() < 0.01
    assert np.abs(relative(hedonic) - 1).max() < 0.01
    assert mix.base_period == hedonic.base_period == MONTHS[0]
    assert (hedonic.frame["n"] == 1500).all()


def test_hedonic_recovers_known_coefficients_and_period_effects(
    jumping_market: tuple[Path, HedonicMarket],
) -> None:
    db, _ = jumping_market
    with open_reader(db, retry_timeout=1) as conn:
        series = build_index(conn, city="almaty", method="hedonic", freq="W")
    assert series.coefficients is not None
    got = dict(zip(series.coefficients["term"], series.coefficients["estimate"], strict=True))
    want = {
        "log_area": TRUE_LOG_AREA,
        "rooms=2": TRUE_ROOMS[2],
        "rooms=3": TRUE_ROOMS[3],
        "owner_type=specialist": TRUE_OWNER["specialist"],
        **{f"district={d}": v for d, v in TRUE_DISTRICTS.items() if v},
    }
    for term, value in want.items():
        assert got[term] == pytest.approx(value, abs=0.015), term
    expected = 100 * np.exp(WEEK_EFFECTS)
    assert series.frame["value"].to_numpy() == pytest.approx(expected, rel=0.005)
    assert series.frame["se"].iloc[0] == 0.0
    assert (series.frame["se"].iloc[1:] > 0).all()


@pytest.mark.parametrize("se", ["hc1", "classical"])
def test_hedonic_equals_statsmodels_ols_with_the_same_dummies(
    jumping_market: tuple[Path, HedonicMarket], se: str
) -> None:
    db, market = jumping_market
    rows = pd.DataFrame(market.records)
    day = pd.to_datetime(rows["observed_at"].map(lambda t: t.date()))
    rows["period"] = day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    rows["rooms"] = rows["rooms"].astype(str)
    top = np.where(rows["floor"] >= rows["floors_total"], "top", "middle")
    rows["floor_band"] = np.where(rows["floor"] <= 1, "first", top)
    fit = smf.ols(
        "np.log(price) ~ C(period) + C(rooms) + np.log(area_m2) + C(district)"
        " + C(floor_band) + C(owner_type) - 1",
        data=rows,
    ).fit(cov_type="HC1" if se == "hc1" else "nonrobust")
    periods = [n for n in fit.params.index if n.startswith("C(period)")]
    delta = fit.params[periods] - fit.params[periods[0]]
    cov = fit.cov_params().loc[periods, periods].to_numpy()
    var = np.diag(cov) + cov[0, 0] - 2 * cov[:, 0]
    expected_value = 100 * np.exp(delta.to_numpy())

    with open_reader(db, retry_timeout=1) as conn:
        series = build_index(conn, city="almaty", method="hedonic", freq="W", se=se)  # type: ignore[arg-type]
    frame = series.frame
    assert frame["value"].to_numpy() == pytest.approx(expected_value, rel=1e-9)
    assert frame["se"].to_numpy() == pytest.approx(expected_value * np.sqrt(var), rel=1e-6)
    assert series.coefficients is not None
    log_area = series.coefficients.set_index("term").loc["log_area"]
    assert log_area["estimate"] == pytest.approx(fit.params["np.log(area_m2)"], rel=1e-9)
    assert log_area["se"] == pytest.approx(fit.bse["np.log(area_m2)"], rel=1e-6)


def test_base_period_is_any_day_of_the_period_and_gets_100(
    jumping_market: tuple[Path, HedonicMarket],
) -> None:
    db, _ = jumping_market
    with open_reader(db, retry_timeout=1) as conn:
        series = build_index(
            conn, city="almaty", method="hedonic", freq="W", base_period=WEEKS[2] + timedelta(3)
        )
    assert series.base_period == WEEKS[2]
    frame = series.frame.set_index("period")
    assert frame.loc[pd.Timestamp(WEEKS[2]), "value"] == pytest.approx(100.0)
    assert frame.loc[pd.Timestamp(WEEKS[0]), "value"] == pytest.approx(
        100 * math.exp(-0.10), rel=0.005
    )


def test_a_base_period_without_listings_is_a_clear_error(
    jumping_market: tuple[Path, HedonicMarket],
) -> None:
    db, _ = jumping_market
    with open_reader(db, retry_timeout=1) as conn, pytest.raises(SeriesError, match="base period"):
        build_index(conn, city="almaty", method="mix", freq="W", base_period=date(2021, 1, 1))


def test_median_series_carry_counts_units_and_the_simulated_label(
    jumping_market: tuple[Path, HedonicMarket],
) -> None:
    db, market = jumping_market
    with open_reader(db, retry_timeout=1) as conn:
        rent = build_index(conn, city="almaty", method="median", freq="W")
        per_m2 = build_index(conn, city="almaty", method="median_m2", freq="W", rooms=2)
    prices = pd.Series([r["price"] for r in market.records[:800]])
    assert rent.frame["value"].iloc[0] == prices.median()
    assert list(rent.frame["n"]) == [800] * 5
    assert rent.unit == "KZT/month" and per_m2.unit == "KZT/m²/month"
    assert rent.simulated and rent.origins == ("simulated",)
    assert set(rent.frame["origins"]) == {"simulated"}
    assert per_m2.frame["n"].sum() == sum(r["rooms"] == 2 for r in market.records)
    assert set(per_m2.frame["rooms"]) == {2}
