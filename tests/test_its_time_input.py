"""A CSV's dates as users write them: the order of day and month, and an event inside a period."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analysis.its.exceptions import InvalidData
from analysis.its.timeaxis import TimeAxis, day_first, parse_dates, snap_event
from tests.cli import run_cli as run

WEEKS = pd.date_range("2021-04-05", periods=80, freq="W-MON")


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("%d.%m.%Y", True),  # the Russian and Kazakh way: 05.04.2021 is 5 April
        ("%d.%m.%y", True),
        ("%d/%m/%Y", True),  # a day above 12 somewhere says day first
        ("%m/%d/%Y", False),  # a second field above 12 says month first
        ("%d-%m-%Y", True),
        ("%Y-%m-%d", None),  # ISO: not day/month/year numbers
        ("%Y-%m-%dT%H:%M:%S", None),
    ],
)
def test_a_columns_day_and_month_order_is_read_from_all_its_values(
    fmt: str, expected: bool | None
) -> None:
    text = pd.Series(WEEKS.strftime(fmt), name="week")
    assert day_first(text) is expected
    parsed = parse_dates(text)
    assert (pd.DatetimeIndex(parsed) == WEEKS).all()


def test_day_first_dates_give_the_same_axis_as_iso_ones() -> None:
    # Read value by value month-first where possible, 05.04.2021 had become 4 May and the
    # series was scrambled with no error.
    dotted = TimeAxis.from_values(pd.Series(WEEKS.strftime("%d.%m.%Y"), name="week"))
    iso = TimeAxis.from_values(pd.Series(WEEKS.strftime("%Y-%m-%d"), name="week"))
    assert dotted == iso
    assert dotted.point("21.09.2022") == pd.Timestamp("2022-09-21")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["01/02/2021", "03/04/2021", "05/06/2021"], "may be day/month or month/day"),
        (["13/01/2021", "01/13/2021"], "mixes day-first and month-first"),
    ],
)
def test_dates_whose_order_cannot_be_told_are_refused(values: list[str], message: str) -> None:
    with pytest.raises(InvalidData, match=message):
        parse_dates(pd.Series(values, name="week"))


@pytest.mark.parametrize(
    ("dates", "event", "used"),
    [
        (pd.date_range("2021-04-05", periods=120, freq="W-MON"), "2022-09-21", "2022-09-19"),
        (pd.date_range("2021-04-05", periods=120, freq="W-MON"), "21.09.2022", "2022-09-19"),
        (pd.date_range("2020-01-01", periods=40, freq="MS"), "2022-02-15", "2022-02-01"),
        (pd.date_range("2018-01-01", periods=24, freq="QS"), "2021-05-10", "2021-04-01"),
        # Nothing to move: the event is a row's date, or rows are dated by their periods'
        # last days (a row at or after the event is already post), or days, or numbers.
        (pd.date_range("2021-04-05", periods=120, freq="W-MON"), "2022-09-19", None),
        (pd.date_range("2021-04-04", periods=120, freq="W-SUN"), "2022-09-21", None),
        (pd.date_range("2020-01-31", periods=40, freq="ME"), "2022-02-15", None),
        (pd.date_range("2022-01-01", periods=400, freq="D"), "2022-09-21", None),
        # Outside the data: left to the model's own check, which says so.
        (pd.date_range("2021-04-05", periods=20, freq="W-MON"), "2024-01-03", None),
    ],
)
def test_an_event_inside_a_period_moves_to_the_periods_first_day(
    dates: pd.DatetimeIndex, event: str, used: str | None
) -> None:
    snap = snap_event(pd.Series(dates.strftime("%Y-%m-%d"), name="week"), event)
    assert (snap.used if snap else None) == used
    if snap is not None:
        assert snap.used in snap.text() and event in snap.text()


def test_numbers_are_not_snapped() -> None:
    assert snap_event(pd.Series(np.arange(10.0)), "4.5") is None


@pytest.fixture(scope="module")
def weekly_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A treated series and four controls on Monday weeks, +30% from 19 Sep 2022 on."""
    rng = np.random.default_rng(3)
    weeks = pd.date_range("2021-04-05", "2023-03-27", freq="W-MON")
    common = np.cumsum(rng.normal(0.003, 0.01, len(weeks)))
    frame = pd.DataFrame({"week": weeks.strftime("%d.%m.%Y")})
    frame["treated"] = np.exp(11.5 + common + 0.3 * (weeks >= "2022-09-19")
                              + rng.normal(0, 0.01, len(weeks)))  # fmt: skip
    for j in range(1, 5):
        frame[f"c{j}"] = np.exp(11 + 0.1 * j + common + rng.normal(0, 0.01, len(weeks)))
    path = tmp_path_factory.mktemp("weekly") / "weekly.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("design", ["segmented", "synthetic"])
def test_a_mid_week_event_on_a_day_first_csv_is_the_mondays(
    weekly_csv: Path, design: str, capsys: Any
) -> None:
    controls = [a for j in range(1, 5) for a in ("--control-col", f"c{j}")]
    base = ["its", "--csv", str(weekly_csv), "--time-col", "week", "--value-col", "treated",
            "--periods", "6", "--log", "--design", design, "--json"]  # fmt: skip
    if design == "synthetic":
        base += controls
    results = {}
    for event in ("2022-09-19", "21.09.2022"):
        code, out, err = run(capsys, *base, "--event", event)
        assert code == 0, err
        results[event] = json.loads(out)
    monday, wednesday = results["2022-09-19"], results["21.09.2022"]
    assert "event_snapped" not in monday
    assert wednesday["event_snapped"]["used"] == "2022-09-19"
    assert wednesday["headline"]["percent"] == pytest.approx(monday["headline"]["percent"])
    # The week in which the rise began is post, so the estimate is near the +35% put in.
    assert 25 < wednesday["headline"]["percent"] < 45
