"""`rentwatch its` on a CSV and on a warehouse rent series."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analysis.its.simulate import simulate_series
from tests.cli import run_cli as run
from tests.index_markets import HedonicMarket, load_market


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


@pytest.fixture
def weekly_csv(tmp_path: Path) -> Path:
    sim = simulate_series(freq="W", periods_pre=104, periods_post=26, level_change=0.2, seed=1)
    control = simulate_series(freq="W", periods_pre=104, periods_post=26, level_change=0.02,
                              seed=2)  # fmt: skip
    frame = sim.frame.rename(columns={"period": "week", "value": "rent"})
    frame["astana"] = control.frame["value"]
    frame["week"] = frame["week"].dt.date.astype(str)
    path = tmp_path / "rents.csv"
    frame.to_csv(path, index=False)
    return path


def csv_args(path: Path, *more: str) -> list[str]:
    return ["its", "--csv", str(path), "--time-col", "week", "--value-col", "rent",
            "--event", "2022-09-26", *more]  # fmt: skip


def test_csv_series_gives_the_documented_json(
    weekly_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run_json(capsys, *csv_args(weekly_csv, "--log", "--shape", "step", "--periods", "6",
                                     "--find-break", "--placebos", "20"))  # fmt: skip
    assert set(out["coefficients"]) >= {"intercept", "pre_trend", "level_change", "post_trend"}
    assert out["coefficients"]["level_change"]["estimate"] == pytest.approx(0.2, abs=0.03)
    assert out["n"] == 130 and out["n_pre"] == 104
    assert out["headline"]["periods"] == 6
    assert out["headline"]["percent"] == pytest.approx(100 * (np.exp(0.2) - 1), abs=4)
    spec = out["specification"]
    assert spec["scale"] == "log" and spec["errors"]["method"] == "ar1"  # the CLI default
    assert spec["time_axis"]["freq"] == "week"
    assert (
        out["find_break"]["first_post_low"] <= "2022-09-26" <= out["find_break"]["first_post_high"]
    )
    assert set(out["find_break"]) >= {"statistic", "p", "first_post", "last_pre"}
    assert out["placebo"]["n"] == 20 and out["placebo"]["p"] < 0.1
    assert {"durbin_watson", "breusch_godfrey_p", "ljung_box_p"} <= set(out["diagnostics"]["ols"])


def test_control_column_adds_the_comparative_terms(
    weekly_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run_json(capsys, *csv_args(weekly_csv, "--log", "--shape", "step",
                                     "--control-col", "astana"))  # fmt: skip
    coefs = out["coefficients"]
    assert coefs["diff_level_change"]["estimate"] == pytest.approx(0.18, abs=0.04)
    assert out["effect_terms"] == ["diff_level_change"]
    assert out["n_units"] == 2


def test_counterfactual_design_reports_average_cumulative_relative(
    weekly_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run_json(capsys, *csv_args(weekly_csv, "--log", "--design", "counterfactual",
                                     "--errors", "ols", "--periods", "6"))  # fmt: skip
    cf = out["counterfactual"]
    assert set(cf) >= {"average", "cumulative", "relative_percent", "p"}
    assert (
        cf["relative_percent"]["ci_low"]
        < cf["relative_percent"]["estimate"]
        < cf["relative_percent"]["ci_high"]
    )
    assert set(cf["average"]) == {"estimate", "ci_low", "ci_high"}


def test_plain_text_output_and_plot(
    weekly_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "fit.png"
    code, out, err = run(capsys, *csv_args(weekly_csv, "--log", "--plot", str(png)))
    assert code == 0, err
    assert "level_change" in out and "effect 2022-09-26.." in out
    assert png.stat().st_size > 1000


@pytest.mark.parametrize(
    ("more", "message"),
    [
        (["--value-col", "price"], "column 'price' is not in the data"),
        (["--event", "2031-01-01"], "outside the data"),
        (["--event", "2020-10-12"], "pre-period has 2 observations"),
        (["--errors", "gls"], "errors must be one of"),
        (["--seasonality", "weekly"], "seasonality must be"),
        (["--arima-order", "1,0"], "arima order is p,d,q"),
        (["--window", "2022-10-01"], "START:END"),
        (["--lags", "3", "--errors", "ols"], "lags apply to newey errors only"),
    ],
)
def test_argument_errors_are_one_line_and_exit_1(
    weekly_csv: Path, capsys: pytest.CaptureFixture[str], more: list[str], message: str
) -> None:
    code, _, err = run(capsys, *csv_args(weekly_csv), *more)
    assert code == 1
    assert message in err
    assert err.count("\n") == 1 and err.startswith("rentwatch: error:")


def _resave(path: Path, **to_csv: Any) -> Path:
    out = path.with_name("resaved.csv")
    pd.read_csv(path).to_csv(out, index=False, **to_csv)
    return out


@pytest.mark.parametrize(
    "to_csv", [{"sep": ";"}, {"sep": ";", "decimal": ","}, {"sep": "\t"}], ids=str
)
def test_a_spreadsheets_csv_gives_the_same_estimate(
    weekly_csv: Path, capsys: pytest.CaptureFixture[str], to_csv: dict[str, str]
) -> None:
    """Semicolons (and decimal commas) were "column 'week' is not in the data (columns:
    week;rent;astana)"."""
    args = ("--log", "--shape", "step", "--errors", "ols")
    same = run_json(capsys, *csv_args(weekly_csv, *args))["headline"]["percent"]
    resaved = run_json(capsys, *csv_args(_resave(weekly_csv, **to_csv), *args))
    assert resaved["headline"]["percent"] == pytest.approx(same, rel=1e-9)


def test_a_cp1251_csv_is_asked_to_be_saved_as_utf8(
    weekly_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pd.read_csv(weekly_csv).rename(columns={"astana": "Астана"})
    path = tmp_path / "cp1251.csv"
    frame.to_csv(path, index=False, encoding="cp1251")
    code, _, err = run(capsys, *csv_args(path, "--control-col", "Астана"))
    assert code == 1 and "is not UTF-8 (save the file as UTF-8)" in err
    assert err.count("\n") == 1 and "UnicodeDecodeError" not in err


@pytest.mark.parametrize(
    ("column", "rows", "value", "more", "message"),
    [
        ("rent", slice(None), np.nan, [], "column 'rent' has no values"),
        ("astana", slice(None), np.nan, ["--control-col", "astana"],
         "column 'astana' has no values"),
        ("rent", [110], 1e12, [], "column 'rent', 2022-11-07 (data row 111): 1e+12 is"),
        ("rent", [110], 1e300, ["--design", "counterfactual"], "1e+300 is"),
        ("astana", [5], np.inf, ["--control-col", "astana"],
         "column 'astana', data row 6: inf is not a finite number"),
    ],
)  # fmt: skip
def test_empty_infinite_and_implausible_columns_are_one_line_errors(
    weekly_csv: Path,
    capsys: pytest.CaptureFixture[str],
    column: str,
    rows: Any,
    value: float,
    more: list[str],
    message: str,
) -> None:
    """An empty control was dropped without a word, an empty outcome crashed, a value of
    1e12 among rents gave +126,381,735%."""
    frame = pd.read_csv(weekly_csv)
    frame.loc[rows, column] = value
    frame.to_csv(weekly_csv, index=False)
    code, _, err = run(capsys, *csv_args(weekly_csv, "--log", *more))
    assert code == 1 and message in err and "Traceback" not in err, err
    assert err.count("\n") == 1


def test_a_window_longer_than_the_data_is_said_in_the_json(
    weekly_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run_json(capsys, *csv_args(weekly_csv, "--log", "--errors", "ols", "--periods", "500"))
    assert out["headline"]["periods"] == 26
    assert out["notes"] == ["the window of 500 periods was cut to the 26 the data have from "
                            "the event on"]  # fmt: skip
    out = run_json(capsys, *csv_args(weekly_csv, "--log", "--errors", "ols", "--periods", "26"))
    assert "notes" not in out
    code, text, err = run(capsys, *csv_args(weekly_csv, "--log", "--errors", "ols", "--periods",
                                            "500"))  # fmt: skip
    assert code == 0, err
    assert "note: the window of 500 periods was cut to the 26" in text


def test_missing_csv_and_missing_source(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, *csv_args(tmp_path / "nope.csv"))
    assert code == 1 and "does not exist" in err
    code, _, err = run(capsys, "its", "--event", "2022-09-21")
    assert code == 1 and "--csv FILE or --city CITY" in err


def test_long_format_groups(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = []
    for unit, jump, seed in (("almaty", 0.25, 1), ("shymkent", 0.0, 2), ("aktobe", 0.0, 3)):
        sim = simulate_series(freq="W", periods_pre=60, periods_post=20, level_change=jump,
                              seed=seed)  # fmt: skip
        rows.append(sim.frame.assign(city=unit))
    path = tmp_path / "long.csv"
    pd.concat(rows).rename(columns={"period": "week", "value": "rent"}).to_csv(path, index=False)
    out = run_json(capsys, *csv_args(path, "--log", "--shape", "step", "--group-col", "city",
                                     "--treated", "almaty"))  # fmt: skip
    assert out["n_units"] == 3
    assert out["coefficients"]["diff_level_change"]["estimate"] == pytest.approx(0.25, abs=0.05)
    assert out["specification"]["group_col"] == "city"


@pytest.mark.e2e
def test_warehouse_index_series(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    mondays = [date(2022, 3, 7) + timedelta(weeks=i) for i in range(40)]
    event = date(2022, 9, 19)  # the week that holds 21 Sep is the first post week
    effects = [0.004 * i + (0.25 if day >= event else 0.0) for i, day in enumerate(mondays)]
    market = HedonicMarket(
        periods=mondays, flats_per_period=30, room_shares=[(0.5, 0.3, 0.2)] * len(mondays),
        period_effects=effects,
    )  # fmt: skip
    db = load_market(tmp_path, market.records)
    monkeypatch.chdir(tmp_path)
    out = run_json(capsys, "--db", str(db), "its", "--city", "almaty", "--method", "hedonic",
                   "--freq", "W", "--all-rooms", "--stock", "--design", "segmented",
                   "--shape", "step", "--errors", "ols", "--seasonality", "none")  # fmt: skip
    assert out["simulated"] is True
    assert out["specification"]["scale"] == "log"
    # The reports' snapping: the week that holds 21 Sep (Monday 19 Sep) is the first post week.
    assert out["window"]["event"] == "2022-09-21"
    assert out["specification"]["first_post"] == "2022-09-19"
    assert "almaty hedonic W" in out["label"]
    assert out["coefficients"]["level_change"]["estimate"] == pytest.approx(0.25, abs=0.03)
    assert out["coefficients"]["pre_trend"]["estimate"] == pytest.approx(0.004, abs=0.001)
