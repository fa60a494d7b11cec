"""Pure pieces of the ITS engine, by tables: coding, time axis, specification parsing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.its import ErrorSpec, InvalidSpecification, Seasonality
from analysis.its.coding import intervention_columns, pooled_columns, season_columns
from analysis.its.exceptions import EventOutsideData, InvalidData
from analysis.its.spec import automatic_lags
from analysis.its.timeaxis import TimeAxis, check_event_inside, post_mask

T = np.arange(6, dtype=float)
POST = T >= 3  # first post period at t0 = 3


@pytest.mark.parametrize(
    ("shape", "anchor", "decay", "expected"),
    [
        ("step", 0, None, {"level_change": [0, 0, 0, 1, 1, 1]}),
        (
            "step-slope",
            0,
            None,
            {"level_change": [0, 0, 0, 1, 1, 1], "slope_change": [0, 0, 0, 0, 1, 2]},
        ),
        (
            "step-slope",
            1,
            None,
            {"level_change": [0, 0, 0, 1, 1, 1], "slope_change": [0, 0, 0, 1, 2, 3]},
        ),
        ("pulse", 0, 0.5, {"level_change": [0, 0, 0, 1, 0.5, 0.25]}),
        ("pulse", 0, 0.0, {"level_change": [0, 0, 0, 1, 0, 0]}),
        (
            "step-pulse",
            0,
            0.5,
            {"level_change": [0, 0, 0, 1, 1, 1], "pulse": [0, 0, 0, 1, 0.5, 0.25]},
        ),
    ],
)
def test_intervention_coding(
    shape: str, anchor: int, decay: float | None, expected: dict[str, list[float]]
) -> None:
    columns = intervention_columns(T, POST, 3.0, shape=shape, anchor=anchor, decay=decay)
    assert set(columns) == set(expected)
    for name, values in expected.items():
        np.testing.assert_allclose(columns[name], values)


@pytest.mark.parametrize(
    ("shape", "anchor", "decay"),
    [("step", 2, None), ("pulse", 0, None), ("pulse", 0, 1.0), ("step-pulse", 0, -0.1)],
)
def test_invalid_intervention_options(shape: str, anchor: int, decay: float | None) -> None:
    with pytest.raises(InvalidSpecification):
        intervention_columns(T, POST, 3.0, shape=shape, anchor=anchor, decay=decay)


def test_pooled_coding_is_stata_multiple_group() -> None:
    base = {"intercept": np.ones(4), "level_change": np.array([0.0, 1.0, 0.0, 1.0])}
    treated = np.array([True, True, False, False])
    columns = pooled_columns(base, treated)
    np.testing.assert_array_equal(columns["control_level_change"], [0, 1, 0, 1])
    np.testing.assert_array_equal(columns["diff_level_change"], [0, 1, 0, 0])
    np.testing.assert_array_equal(columns["diff_intercept"], [1, 1, 0, 0])


def test_month_dummies_drop_the_first_month() -> None:
    columns = season_columns(
        np.array([1.0, 2.0, 3.0, 1.0]), Seasonality("month"), period=None, month_labels=True
    )
    assert list(columns) == ["month_2", "month_3"]
    np.testing.assert_array_equal(columns["month_2"], [0, 1, 0, 0])


def test_fourier_terms_are_harmonics_of_the_period() -> None:
    columns = season_columns(
        np.array([0.0, 3.0, 6.0]), Seasonality("fourier", 2), period=12.0, month_labels=False
    )
    assert list(columns) == ["sin_1", "cos_1", "sin_2", "cos_2"]
    np.testing.assert_allclose(columns["sin_1"], [0, 1, 0], atol=1e-12)
    np.testing.assert_allclose(columns["cos_2"], [1, -1, 1], atol=1e-12)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("none", Seasonality()),
        ("month", Seasonality("month")),
        ("fourier:3", Seasonality("fourier", 3)),
        ("fourier:2:12", Seasonality("fourier", 2, 12.0)),
    ],
)
def test_seasonality_parsing(text: str, expected: Seasonality) -> None:
    assert Seasonality.parse(text) == expected
    assert Seasonality.parse(text).label() == text


@pytest.mark.parametrize("text", ["weekly", "fourier", "fourier:0", "fourier:x", "fourier:3:6"])
def test_bad_seasonality(text: str) -> None:
    with pytest.raises(InvalidSpecification):
        Seasonality.parse(text)


@pytest.mark.parametrize(
    "options",
    [
        {"method": "gls"},
        {"method": "ols", "lags": 3},
        {"method": "ar1", "small_sample": True},
        {"method": "newey", "lags": -1},
        {"method": "arima", "arima_order": (1, 2, 0)},
        {"method": "ar1", "ar_method": "burg"},
    ],
)
def test_invalid_error_specs_are_rejected_at_the_door(options: dict[str, object]) -> None:
    with pytest.raises(InvalidSpecification):
        ErrorSpec(**options)  # type: ignore[arg-type]


@pytest.mark.parametrize(("n", "lags"), [(50, 3), (100, 4), (365, 5), (1095, 6)])
def test_automatic_lags_rule_of_thumb(n: int, lags: int) -> None:
    assert automatic_lags(n) == lags


@pytest.mark.parametrize(
    ("values", "kind", "freq", "positions"),
    [
        ([1, 2, 3], "number", "number", [0, 1, 2]),
        (["2022-01-01", "2022-01-02", "2022-01-04"], "date", "day", [0, 1, 3]),
        (["2022-09-05", "2022-09-12", "2022-09-19"], "date", "week", [0, 1, 2]),
        (["2022-01-01", "2022-02-01", "2022-04-01"], "date", "month", [0, 1, 3]),
        (["2022-01-01", "2022-04-01", "2022-07-01"], "date", "quarter", [0, 1, 2]),
        (["1871", "1872", "1873"], "number", "number", [0, 1, 2]),
    ],
)
def test_time_axis_detection(
    values: list[object], kind: str, freq: str, positions: list[float]
) -> None:
    series = pd.Series(values, name="time")
    axis = TimeAxis.from_values(series)
    assert (axis.kind, axis.freq) == (kind, freq)
    np.testing.assert_allclose(axis.positions(series), positions)


def test_event_is_inclusive_in_the_post_period() -> None:
    times = pd.Series(pd.to_datetime(["2022-09-20", "2022-09-21", "2022-09-22"]))
    np.testing.assert_array_equal(post_mask(times, pd.Timestamp("2022-09-21")), [False, True, True])


@pytest.mark.parametrize("event", [1.0, 0.5, 3.5])
def test_event_must_leave_observations_on_both_sides(event: float) -> None:
    times = pd.Series([1.0, 2.0, 3.0])
    axis = TimeAxis.from_values(times)
    with pytest.raises(EventOutsideData):
        check_event_inside(times, event, axis)


def test_time_values_that_are_neither_numbers_nor_dates() -> None:
    with pytest.raises(InvalidData):
        TimeAxis.from_values(pd.Series(["a", "b"], name="time"))
