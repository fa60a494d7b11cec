"""`rentwatch its --design synthetic|comparative` on CSVs, wide and long."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analysis.its.synthetic import METHODS, SyntheticControl
from analysis.its.synthetic_inference import BACKTEST_MAX_TESTS
from analysis.its.synthetic_simulate import simulated_panel
from reports.headline import ReportParams
from tests.cli import run_cli as run


@pytest.fixture(scope="module")
def panel_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    frame, event = simulated_panel(seed=7, effect=0.1, donors=6)
    frame["week"] = frame["week"].dt.date.astype(str)
    folder = tmp_path_factory.mktemp("panel")
    wide, long = folder / "wide.csv", folder / "long.csv"
    frame.to_csv(wide, index=False)
    frame.melt(id_vars="week", var_name="city", value_name="rent").to_csv(long, index=False)
    return wide, long, event


def wide_args(path: Path, event: str, *more: str) -> list[str]:
    controls = [a for j in range(1, 7) for a in ("--control-col", f"d{j:02d}")]
    return ["its", "--csv", str(path), "--time-col", "week", "--value-col", "treated",
            *controls, "--event", event, "--periods", "6", "--log", *more]  # fmt: skip


def test_wide_synthetic_json(panel_files: tuple[Path, Path, str], capsys: Any) -> None:
    wide, _, event = panel_files
    code, out, err = run(capsys, *wide_args(wide, event, "--design", "synthetic", "--json"))
    assert code == 0, err
    data = json.loads(out)
    assert {"percent", "percent_low", "percent_high"} <= set(data["headline"])
    assert data["headline"]["percent_low"] < data["headline"]["percent"]
    assert set(data["weights"]) == {f"d{j:02d}" for j in range(1, 7)}
    assert data["pre_rmspe"] > 0
    table = data["placebo_in_space"]["table"]
    assert table[0]["unit"] == "treated" and len(table) == 7
    assert data["placebo_in_space"]["p"] >= 1 / 7
    # On a CSV too, unset options are the headline estimator's (reports.ReportParams).
    headline = ReportParams()
    assert data["specification"]["variant"] == headline.sc_variant
    assert data["specification"]["trend_halflife"] == headline.sc_halflife
    assert data["specification"]["trend_window"] == headline.sc_trend_window
    assert data["specification"]["anticipation"] == headline.sc_anticipation
    assert data["headline"]["method"] == METHODS[headline.sc_inference]
    assert data["backtest"]["pseudo_events"] == BACKTEST_MAX_TESTS
    # The interval pools the backtest's 26 errors (⌊1.5 × 26 / 6⌋ = 6 df) and the six
    # placebos' (each donor refitted as the treated city over the same window; 5 df) on the
    # log scale, around the retransformed estimate.
    spread, pooled = data["placebo_interval"], data["pooled"]
    assert spread["placebos"] == 6 and spread["df"] == 5
    assert (pooled["backtest_df"], pooled["placebo_df"], pooled["df"]) == (6, 5, 11)
    headline_ = data["headline"]
    centre = math.log1p(pooled["percent_uncorrected"] / 100) - pooled["rms_log_error"] ** 2 / 2
    assert headline_["percent"] == pytest.approx(100 * math.expm1(centre))
    h = pooled["half_width_log"]
    assert headline_["percent_low"] == pytest.approx(100 * math.expm1(centre - h))
    assert headline_["percent_high"] == pytest.approx(100 * math.expm1(centre + h))


def test_the_csv_default_is_the_headline_estimator(
    panel_files: tuple[Path, Path, str], capsys: Any
) -> None:
    """`its --csv … --design synthetic` with nothing else set gives the number the same
    panel gets from the headline's estimator in Python, interval and all."""
    wide, _, event = panel_files
    code, out, err = run(capsys, *wide_args(wide, event, "--design", "synthetic", "--json"))
    assert code == 0, err
    got = json.loads(out)["headline"]
    params = ReportParams()
    frame = pd.read_csv(wide, parse_dates=["week"]).set_index("week")
    model = SyntheticControl(
        frame, treated="treated", donors=[f"d{j:02d}" for j in range(1, 7)], event=event,
        variant=params.sc_variant, trend_halflife=params.sc_halflife,
        trend_window=params.sc_trend_window, anticipation=params.sc_anticipation, log=True,
    )  # fmt: skip
    want = model.fit().average_effect(periods=6, inference=params.sc_inference)
    assert got["percent"] == pytest.approx(want.percent, abs=1e-9)
    assert got["percent_low"] == pytest.approx(want.percent_low, abs=1e-9)
    assert got["percent_high"] == pytest.approx(want.percent_high, abs=1e-9)
    standard = run(capsys, *wide_args(wide, event, "--design", "synthetic", "--json",
                                      "--sc-variant", "standard"))  # fmt: skip
    spec = json.loads(standard[1])["specification"]
    assert (spec["variant"], spec["trend_halflife"]) == ("standard", None)


def short_panel(tmp_path: Path, pre: int) -> tuple[Path, str]:
    frame, event = simulated_panel(seed=3, effect=0.1, donors=6, pre=pre)
    frame["week"] = frame["week"].dt.date.astype(str)
    path = tmp_path / f"short-{pre}.csv"
    frame.to_csv(path, index=False)
    return path, event


def test_half_a_year_before_the_event_backtests_from_shorter_fits(
    tmp_path: Path, capsys: Any
) -> None:
    """Under 33 pre-period weeks the backtest's pseudo-events are fitted on 13 weeks and
    more, not 26: a finite interval where the detrended variant's conformal one has none.
    The headline leaves the last 3 weeks out of the fit, and each pseudo-event as many
    between its fit and its window, so 30 weeks give the six pseudo-events 24 gave without."""
    path, event = short_panel(tmp_path, 24 + 2 * ReportParams().sc_anticipation)
    code, out, err = run(capsys, *wide_args(path, event, "--design", "synthetic", "--json"))
    assert code == 0, err
    data = json.loads(out)
    assert data["headline"]["method"] == METHODS[ReportParams().sc_inference]
    assert data["backtest"]["min_fit"] == 13 and data["backtest"]["pseudo_events"] == 6
    low, high = data["headline"]["percent_low"], data["headline"]["percent_high"]
    assert low < data["headline"]["percent"] < high and high - low < 100
    assert data["conformal"]["high"] is None  # unbounded: why it is not the fallback
    long_path, long_event = short_panel(tmp_path, 40)
    code, out, _ = run(capsys, *wide_args(long_path, long_event, "--design", "synthetic",
                                          "--json"))  # fmt: skip
    assert code == 0 and json.loads(out)["backtest"]["min_fit"] == 26


def test_a_short_pre_period_falls_back_to_the_conformal_interval_and_says_so(
    tmp_path: Path, capsys: Any
) -> None:
    path, event = short_panel(tmp_path, 16)
    code, out, err = run(capsys, *wide_args(path, event, "--design", "synthetic", "--json"))
    assert code == 0, err
    data = json.loads(out)
    assert data["headline"]["method"] == METHODS["conformal"] and "backtest" not in data
    assert any("too short for a backtest" in w for w in data["warnings"])
    code, out, err = run(capsys, *wide_args(path, event, "--design", "synthetic"))
    assert code == 0 and "conformal interval: the pre-period is too short for a backtest" in out
    assert out.count("too short for a backtest") == 1
    code, _, err = run(capsys, *wide_args(path, event, "--design", "synthetic",
                                          "--sc-inference", "backtest"))  # fmt: skip
    assert code == 1 and "a backtest needs at least 23" in err and "Traceback" not in err


def test_long_synthetic_variant_and_text(panel_files: tuple[Path, Path, str], capsys: Any) -> None:
    _, long, event = panel_files
    args = ["its", "--csv", str(long), "--time-col", "week", "--value-col", "rent",
            "--group-col", "city", "--treated", "treated", "--event", event, "--periods", "6",
            "--log", "--design", "synthetic", "--sc-variant", "demeaned"]  # fmt: skip
    code, out, err = run(capsys, *args)
    assert code == 0, err
    assert "synthetic control (demeaned)" in out and "placebo in space: p" in out
    code, out, _ = run(capsys, *args, "--control-col", "d01", "--control-col", "d02", "--json")
    assert code == 0 and set(json.loads(out)["weights"]) == {"d01", "d02"}


def test_pruned_placebos_have_no_rank_in_the_text_table(
    panel_files: tuple[Path, Path, str], capsys: Any
) -> None:
    """A placebo left out by --placebo-prune has no rank: a dash in the text, null in the
    JSON (the text table had printed NaN)."""
    wide, _, event = panel_files
    args = wide_args(wide, event, "--design", "synthetic", "--placebo-prune", "1")
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    table = json.loads(out)["placebo_in_space"]["table"]
    pruned = [row["unit"] for row in table if not row["kept"]]
    assert pruned and all(row["rank"] is None for row in table if not row["kept"])
    code, out, err = run(capsys, *args)
    assert code == 0, err
    assert "NaN" not in out and "nan" not in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    for unit in pruned:
        assert rows[unit][-2:] == ["False", "-"]


def test_wide_comparative_json(panel_files: tuple[Path, Path, str], capsys: Any) -> None:
    wide, _, event = panel_files
    code, out, err = run(capsys, *wide_args(wide, event, "--design", "comparative",
                                            "--shape", "step", "--json"))  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["design"] == "comparative"
    assert {"percent", "percent_low", "percent_high"} <= set(data["headline"])
    assert "level_change" in data["coefficients"] and data["pre_rmspe"] > 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "needs control units"),
        (["--treated", "x"], "--treated goes with --group-col"),
        (["--sc-variant", "nope"], "variant must be one of"),
        (["--placebo-prune", "0"], "prune is a positive multiple"),
    ],
)
def test_bad_design_options_are_one_line_errors(
    panel_files: tuple[Path, Path, str], capsys: Any, extra: list[str], message: str
) -> None:
    wide, _, event = panel_files
    args = ["its", "--csv", str(wide), "--time-col", "week", "--value-col", "treated",
            "--event", event, "--design", "synthetic", *extra]  # fmt: skip
    if extra and extra[0] in ("--sc-variant", "--placebo-prune"):
        args += ["--control-col", "d01", "--control-col", "d02"]
    code, _, err = run(capsys, *args)
    assert code == 1 and message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("design", "option"),
    [
        ("synthetic", ["--errors", "newey"]),
        ("synthetic", ["--comparison", "synthetic"]),
        ("synthetic", ["--shape", "step"]),
        ("synthetic", ["--covariate-col", "d01"]),
        ("synthetic", ["--sensitivity"]),
        ("synthetic", ["--window", "2022-08-08:2022-08-22"]),
        ("comparative", ["--sc-variant", "demeaned"]),
        ("comparative", ["--placebo-prune", "2"]),
        ("comparative", ["--placebos", "5"]),
    ],
)
def test_an_option_the_panel_design_does_not_use_is_refused(
    panel_files: tuple[Path, Path, str], capsys: Any, design: str, option: list[str]
) -> None:
    """Before: accepted and silently dropped (a covariate the fit never saw, the comparative
    design's errors under synthetic control)."""
    wide, _, event = panel_files
    code, out, err = run(capsys, *wide_args(wide, event, "--design", design, *option))
    assert (code, out) == (1, "") and err.count("\n") == 1, err
    assert f"{option[0]} does not apply to --design {design}" in err


def test_a_donor_gap_is_bridged_as_in_the_headline_and_said(tmp_path: Path, capsys: Any) -> None:
    """A week without a value in a thin donor: by default bridged (the headline's rule) and
    named in the warnings; `--missing error` refuses it in one line."""
    frame, event = simulated_panel(seed=5, effect=0.1, donors=6)
    frame["week"] = frame["week"].dt.date.astype(str)
    frame.loc[30, "d03"] = float("nan")
    path = tmp_path / "gap.csv"
    frame.to_csv(path, index=False)
    code, out, err = run(capsys, *wide_args(path, event, "--design", "synthetic", "--json"))
    assert code == 0, err
    data = json.loads(out)
    assert any(f"d03 {frame.loc[30, 'week']}" in w and "bridged" in w for w in data["warnings"])
    assert data["specification"]["dropped_periods"] == []
    code, _, err = run(capsys, *wide_args(path, event, "--design", "synthetic",
                                          "--missing", "error"))  # fmt: skip
    assert code == 1 and "donor 'd03' has no value" in err and "Traceback" not in err


def _all_empty(frame: pd.DataFrame, column: str) -> None:
    frame[column] = float("nan")


def _empty_from_row(frame: pd.DataFrame, column: str, row: int) -> None:
    frame.loc[row:, column] = float("nan")


@pytest.mark.parametrize(
    ("change", "extra", "message"),
    [
        (lambda f: _all_empty(f, "d03"), ["--design", "synthetic"], "column 'd03' has no values"),
        (lambda f: _all_empty(f, "d03"), ["--design", "comparative"], "column 'd03' has no values"),
        (lambda f: _all_empty(f, "treated"), ["--design", "synthetic"],
         "column 'treated', the treated unit, has no values"),
        (lambda f: _empty_from_row(f, "d05", 58), ["--design", "synthetic", "--missing",
                                                    "drop-periods"],
         "column 'd05' has no values after"),
        (lambda f: f.__setitem__("treated", f["treated"].where(f.index != 78, 1e12)),
         ["--design", "synthetic"], "column 'treated', "),
    ],
)  # fmt: skip
def test_empty_truncated_and_implausible_columns_are_one_line_errors(
    tmp_path: Path, capsys: Any, change: Any, extra: list[str], message: str
) -> None:
    """Before: a traceback ('NaTType' object has no attribute 'normalize'), an "event outside
    the data" for a donor that stopped early, a +126,381,735% effect for a value of 1e12."""
    frame, event = simulated_panel(seed=5, effect=0.1, donors=6)
    frame["week"] = frame["week"].dt.date.astype(str)
    change(frame)
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    code, _, err = run(capsys, *wide_args(path, event, *extra))
    assert code == 1 and message in err and "Traceback" not in err, err
    assert err.count("\n") == 1


def test_a_donor_that_stops_early_can_be_dropped(tmp_path: Path, capsys: Any) -> None:
    frame, event = simulated_panel(seed=5, effect=0.1, donors=6)
    frame["week"] = frame["week"].dt.date.astype(str)
    frame.loc[58:, "d05"] = float("nan")
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    code, out, err = run(capsys, *wide_args(path, event, "--design", "comparative",
                                            "--missing", "drop-donors"))  # fmt: skip
    assert code == 0, err
    assert "warning: donors with gaps left out: d05" in out


@pytest.mark.parametrize("design", ["synthetic", "comparative"])
def test_by_default_a_donor_that_starts_late_is_left_out_not_its_weeks(
    tmp_path: Path, capsys: Any, design: str
) -> None:
    """Before: the 60 weeks before d03's first value were left out for every unit, the
    pre-period fell to 15 weeks, too short for a backtest, and the interval was the conformal
    one, (−∞, +∞)."""
    frame, event = simulated_panel(seed=5, effect=0.1, donors=6)
    frame["week"] = frame["week"].dt.date.astype(str)
    frame.loc[:59, "d03"] = float("nan")
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    code, out, err = run(capsys, *wide_args(path, event, "--design", design, "--json"))
    assert code == 0, err
    data = json.loads(out)
    spec = data["specification"]
    assert spec["thin_donors"] == [{"donor": "d03", "pre_values": 15, "of": 75}]
    assert spec["dropped_periods"] == []
    assert any("d03 (15 of 75)" in w for w in data["warnings"])
    headline = data["headline"]
    assert math.isfinite(headline["percent_low"]) and math.isfinite(headline["percent_high"])


def test_the_treated_unit_named_as_a_control_in_the_long_form(
    panel_files: tuple[Path, Path, str], capsys: Any
) -> None:
    _, long, event = panel_files
    code, _, err = run(capsys, "its", "--csv", str(long), "--time-col", "week", "--value-col",
                       "rent", "--group-col", "city", "--treated", "treated", "--control-col",
                       "treated", "--control-col", "d01", "--event", event, "--design",
                       "synthetic", "--json")  # fmt: skip
    assert code == 1 and "unit 'treated' is named twice" in err and "Traceback" not in err


def test_a_window_longer_than_the_data_is_said(
    panel_files: tuple[Path, Path, str], capsys: Any
) -> None:
    wide, _, event = panel_files
    args = wide_args(wide, event, "--design", "comparative")
    args[args.index("--periods") + 1] = "500"
    code, out, err = run(capsys, *args)
    assert code == 0, err
    assert "warning: the window of 500 periods was cut to the 6 the data have" in out
    args[args.index("comparative")] = "synthetic"
    code, out, err = run(capsys, *args)
    assert code == 0, err
    assert "warning: the window of 500 periods was cut to the 6 the data have" in out


@pytest.mark.parametrize(
    ("scale", "seed", "effect", "sigma", "unbounded_below"),
    [
        ("--log", 3, 0.1, 0.02, False),
        ("--no-log", 3, 0.1, 0.02, False),  # the level gap's interval had been NaN
        # A backtest wider than the effect + 100 pp: log1p had raised on the log scale.
        ("--log", 1, -0.5, 0.3, True),
        ("--no-log", 1, -0.5, 0.3, True),
    ],
)  # fmt: skip
def test_a_backtest_interval_has_bounds_in_tenge_on_either_scale(
    tmp_path: Path,
    capsys: Any,
    scale: str,
    seed: int,
    effect: float,
    sigma: float,
    unbounded_below: bool,
) -> None:
    """The backtest's percent interval says what it means in levels too; one wider than a
    rent can fall stops at −100 % and is unbounded below in tenge (null in the JSON)."""
    frame, event = simulated_panel(seed=seed, effect=effect, donors=6, sigma=sigma)
    frame["week"] = frame["week"].dt.date.astype(str)
    path = tmp_path / "wide.csv"
    frame.to_csv(path, index=False)
    args = wide_args(path, event, "--design", "synthetic", "--sc-inference", "backtest")
    args[args.index("--log")] = scale
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    got = json.loads(out)["headline"]
    assert got["percent_low"] < got["percent"] < got["percent_high"]
    assert got["absolute_high"] > got["absolute"]
    if unbounded_below:
        assert got["percent_low"] == -100.0
        assert got["absolute_low"] is None and got["ci_low"] is None
    else:
        assert got["percent_low"] > -100.0
        assert got["absolute_low"] < got["absolute"]
        # The tenge bounds are the percent bounds' (observed / (1 + p) is the counterfactual).
        observed = got["observed"]
        for bound in ("low", "high"):
            implied = observed * (1 - 1 / (1 + got[f"percent_{bound}"] / 100))
            assert got[f"absolute_{bound}"] == pytest.approx(implied, rel=1e-9)
    code, out, err = run(capsys, *args)
    assert code == 0, err
    assert "nan" not in out and ("[\u2212inf, " in out) == unbounded_below


def test_the_trend_window_is_a_csv_option(panel_files: tuple[Path, Path, str], capsys: Any) -> None:
    """`--sc-trend-window 13` replaces the half-life and gives the Python model's number."""
    wide, _, event = panel_files
    code, out, err = run(capsys, *wide_args(wide, event, "--design", "synthetic",
                                            "--sc-trend-window", "13", "--json"))  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    spec = data["specification"]
    assert (spec["trend_window"], spec["trend_halflife"]) == (13, None)
    frame = pd.read_csv(wide, parse_dates=["week"]).set_index("week")
    model = SyntheticControl(
        frame, treated="treated", donors=[f"d{j:02d}" for j in range(1, 7)], event=event,
        variant="detrended", trend_window=13, anticipation=ReportParams().sc_anticipation,
        log=True,
    )  # fmt: skip
    want = model.fit().average_effect(periods=6, inference=ReportParams().sc_inference)
    assert data["headline"]["percent"] == pytest.approx(want.percent, abs=1e-9)
    code, out, err = run(capsys, *wide_args(wide, event, "--sc-trend-window", "13"))
    assert code == 1 and "--sc-trend-window and --sc-anticipation go with --design synthetic" in err


def test_a_series_that_is_not_positive_has_no_percent_effect(tmp_path: Path, capsys: Any) -> None:
    """A level-scale treated series that crosses zero (changes, differences): no percent
    effect (it had printed "+272.8 %"), the conformal interval in its units by default, and
    a backtest (whose errors are percentages) refused in one line."""
    frame, event = simulated_panel(seed=3, effect=0.1, donors=6, sigma=0.02)
    frame["week"] = frame["week"].dt.date.astype(str)
    frame["treated"] = frame["treated"] - frame["treated"].median()
    path = tmp_path / "changes.csv"
    frame.to_csv(path, index=False)
    args = wide_args(path, event, "--design", "synthetic")
    args[args.index("--log")] = "--no-log"
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    data = json.loads(out)
    headline = data["headline"]
    assert headline["percent"] is headline["percent_low"] is headline["percent_high"] is None
    assert headline["absolute"] is not None and headline["method"] == METHODS["conformal"]
    assert any("no percent effect" in w for w in data["warnings"])
    code, out, err = run(capsys, *args, "--sc-inference", "backtest")
    assert (code, out) == (1, "")
    assert "the backtest's errors are percentages" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("design", ["synthetic", "comparative"])
@pytest.mark.parametrize("scale", [1e-8, 1.0, 4e3])
def test_the_text_prints_the_absolute_effect_at_the_values_scale(
    tmp_path: Path, capsys: Any, design: str, scale: float
) -> None:
    """Rents in millions of tenge or a share near 0.001: the text's absolute effect and its
    bounds keep their digits (a series of about 0.0025 had printed +0.00 [+0.00, +0.00])."""
    frame, event = simulated_panel(seed=7, effect=0.1, donors=6)
    frame["week"] = frame["week"].dt.date.astype(str)
    units = [c for c in frame.columns if c != "week"]
    frame[units] = frame[units] * scale
    path = tmp_path / "scaled.csv"
    frame.to_csv(path, index=False)
    args = wide_args(path, event, "--design", design)
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    headline = json.loads(out)["headline"]
    code, out, err = run(capsys, *args)
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.startswith("effect "))
    estimate, bounds = line.rsplit("; ", 1)[1].split(" [")
    printed = [estimate, *bounds.rstrip("]").split(", ")]
    for text, key in zip(printed, ("absolute", "absolute_low", "absolute_high"), strict=True):
        assert float(text.replace(",", "").replace("\u2212", "-")) == pytest.approx(
            headline[key], rel=0.01
        ), line


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ((1234.5, -20.0, 2500.0), ["+1,234.50", "\u221220.00", "+2,500.00"]),
        ((0.00123, -0.0004, float("inf")), ["+0.00123", "\u22120.00040", "+inf"]),
        ((-5.0, float("-inf"), float("nan")), ["\u22125.00", "\u2212inf", "n/a"]),
    ],
)
def test_an_amount_is_signed_as_the_percents_beside_it(
    values: tuple[float, ...], expected: list[str]
) -> None:
    from rentwatch.commands.its import _amounts

    assert _amounts(*values) == expected


def test_the_json_and_the_text_give_the_leave_one_out(
    panel_files: tuple[Path, Path, str], capsys: Any
) -> None:
    wide, _, event = panel_files
    code, out, err = run(capsys, *wide_args(wide, event, "--design", "synthetic", "--json"))
    assert code == 0, err
    data = json.loads(out)
    loo = data["leave_one_out"]
    # The full fit's window ratio, the one the pooled interval retransforms.
    assert loo["percent"] == pytest.approx(data["pooled"]["percent_uncorrected"])
    weighted = {d for d, w in data["weights"].items() if w >= loo["min_weight"]}
    assert {row["donor"] for row in loo["table"]} == weighted
    assert loo["low"] <= loo["percent"] + loo["largest"]["change"] <= loo["high"]
    code, out, err = run(capsys, *wide_args(wide, event, "--design", "synthetic"))
    assert code == 0, err
    [line] = [line for line in out.splitlines() if line.startswith("leave one out")]
    assert f"without {loo['largest']['donor']} " in line


@pytest.mark.parametrize(
    ("low", "high", "unbounded", "shown"),
    [
        (-5.0, 20.0, [], (-5.0, 20.0)),
        (-math.inf, 20.0, ["low"], (None, 20.0)),
        (-math.inf, math.inf, ["low", "high"], (None, None)),
        # Missing (a series with values of 0 or less has no percent): null, not unbounded.
        (math.nan, math.nan, [], (None, None)),
    ],
)
def test_an_unbounded_end_is_told_from_a_missing_one_in_the_json(
    low: float, high: float, unbounded: list[str], shown: tuple[float | None, float | None]
) -> None:
    from rentwatch.commands.its import _clean

    out = _clean({"headline": {"percent": 7.0, "percent_low": low, "percent_high": high}})
    assert out["headline"]["unbounded"] == unbounded
    assert (out["headline"]["percent_low"], out["headline"]["percent_high"]) == shown
    json.dumps(out, allow_nan=False)  # valid JSON: no NaN, no Infinity
