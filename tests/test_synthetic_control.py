"""Synthetic control: weights against golden numbers, effects as defined, inference, gaps."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.optimize import nnls

from analysis.its.comparative import ComparativeITS
from analysis.its.exceptions import InvalidData, InvalidSpecification
from analysis.its.synthetic import SyntheticControl, SyntheticControlWarning
from analysis.its.synthetic_run import PanelOptions
from analysis.its.synthetic_simulate import formula_panel, simulated_panel
from analysis.its.synthetic_weights import cross_validate_lambda, fit_weights, ridge_adjustment

# Established by bench/synth_peer.py on formula_panel(): our weights, with which scpi-pkg 4.0
# scest(simplex) agreed to 1.7e-5 (with constant=True, the demeaned variant, to 3.9e-5) and
# pysyncon 1.7 w_optimize (ftol 1e-12) to 1.7e-4; both peers' pre-period SSE was higher.
GOLDEN_STANDARD = {"d1": 0.495726, "d2": 0.004898, "d3": 0.303705, "d4": 0.195672}
GOLDEN_DEMEANED = {"d1": 0.498292, "d2": 0.005814, "d3": 0.301629, "d4": 0.194264}
GOLDEN_EFFECT = {"standard": 0.050734, "demeaned": 0.051149}


def fit(frame: pd.DataFrame, event: object, **options: object) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntheticControlWarning)
        return SyntheticControl(frame, treated="treated", event=event, **options).fit()


@pytest.mark.parametrize(
    ("variant", "golden"), [("standard", GOLDEN_STANDARD), ("demeaned", GOLDEN_DEMEANED)]
)
def test_weights_reproduce_the_golden_numbers(variant: str, golden: dict[str, float]) -> None:
    frame, event = formula_panel()
    result = fit(frame, event, time_col="t", variant=variant)
    for donor, weight in result.weights.items():
        assert weight == pytest.approx(golden.get(donor, 0.0), abs=2e-6), donor
    assert sum(result.weights.values()) == pytest.approx(1.0, abs=1e-12)
    effect = result.average_effect(periods=4, inference="none")
    assert effect.effect == pytest.approx(GOLDEN_EFFECT[variant], abs=2e-6)


def test_weights_match_an_independent_solver() -> None:
    """Non-negative least squares with the sum-to-one row weighted heavily (Lawson–Hanson, a
    different algorithm) lands on the same simplex solution."""
    frame, _ = simulated_panel(seed=4)
    y = np.log(frame.drop(columns="week").to_numpy())[:75]
    a, b = y[:, 0], y[:, 1:]
    ours = fit_weights(a, b, "standard").w
    big = 1e4
    w, _ = nnls(np.vstack([b, big * np.ones(b.shape[1])]), np.r_[a, big])
    assert np.abs(ours - w).max() < 1e-4
    # Exact zeros off the support, nothing negative: no solver noise in the table.
    assert (ours >= 0).all() and (ours == 0).sum() >= 1


def test_augmented_weights_are_the_ridge_correction_of_the_simplex_weights() -> None:
    frame, event = formula_panel()
    result = fit(frame, event, time_col="t", variant="augmented", ridge_lambda=0.5)
    y = np.log(frame[["treated", "d1", "d2", "d3", "d4", "d5", "d6"]].to_numpy())[:30]
    w0 = np.array([GOLDEN_STANDARD.get(f"d{j}", 0.0) for j in range(1, 7)])
    expected = w0 + ridge_adjustment(y[:, 0], y[:, 1:], w0, 0.5)
    assert np.array(list(result.weights.values())) == pytest.approx(expected, abs=1e-5)
    assert sum(result.weights.values()) == pytest.approx(1.0, abs=1e-10)


def test_ridge_lambda_cross_validation_takes_the_largest_within_one_se() -> None:
    frame, _ = simulated_panel(seed=2)
    y = np.log(frame.drop(columns="week").to_numpy())[:75]
    choice = cross_validate_lambda(y[:, 0], y[:, 1:])
    best = int(np.argmin(choice.errors))
    within = choice.errors <= choice.errors[best] + choice.errors_se[best]
    assert choice.best == choice.lambdas[within].max()
    assert len(choice.lambdas) == 21 and choice.lambdas[0] > choice.lambdas[-1]


def test_effect_is_defined_on_the_original_scale_from_the_first_post_period() -> None:
    frame, event = simulated_panel(seed=5, effect=0.1)
    result = fit(frame, event, time_col="week")
    effect = result.average_effect(periods=6)
    series = result.series
    window = series[series["post"]].head(6)
    assert effect.start == event and effect.periods == 6
    assert effect.percent == pytest.approx(
        100 * (window["observed"].sum() / window["synthetic"].sum() - 1)
    )
    assert effect.absolute == pytest.approx((window["observed"] - window["synthetic"]).mean())
    assert effect.effect == pytest.approx(window["gap"].mean())
    assert effect.percent_low < effect.percent < effect.percent_high
    assert effect.percent_low == pytest.approx(100 * np.expm1(effect.ci_low))
    with pytest.raises(InvalidSpecification, match="before the event"):
        result.average_effect("2022-01-03")


def test_placebo_p_never_goes_below_one_over_j_plus_one() -> None:
    frame, event = simulated_panel(seed=6, effect=0.5, donors=7)
    result = fit(frame, event, time_col="week")
    placebo = result.placebo_in_space(periods=6)
    assert placebo.n_units == 8
    assert placebo.p == pytest.approx(1 / 8)  # a huge effect ranks first: p is the floor, not 0
    assert placebo.table.iloc[0]["rank"] == 1 and bool(placebo.table.iloc[0]["treated"])
    assert set(placebo.gaps.columns) == {"treated", *(f"d{j:02d}" for j in range(1, 8))}
    # Pruning drops poorly fitted placebos: the pool shrinks and p's floor rises.
    pruned = result.placebo_in_space(periods=6, prune=1.0)
    assert pruned.n_units == int(pruned.table["kept"].sum()) <= 8
    assert pruned.p >= 1 / pruned.n_units


@pytest.mark.parametrize("prune", [0.0, -1.0, float("nan")])
def test_a_prune_that_is_not_a_positive_multiple_is_refused(prune: float) -> None:
    """Before: prune 0 (or below) pruned every placebo and the p-value read 1 of 1 unit."""
    frame, event = simulated_panel(seed=2, donors=6)
    result = fit(frame, event, time_col="week")
    with pytest.raises(InvalidSpecification, match="prune is a positive multiple"):
        result.placebo_in_space(periods=6, prune=prune)
    with pytest.raises(InvalidSpecification, match="prune is a positive multiple"):
        PanelOptions(prune=prune)


def test_a_treated_unit_matched_exactly_before_and_after_is_no_extreme_placebo() -> None:
    """A donor identical to the treated unit: no gap before the event nor after it. The
    ratio had been +inf (0/0 read as a perfect pre-fit with an effect) and the zero effect
    ranked first, p = 1/(J+1)."""
    frame, event = simulated_panel(seed=2, donors=6)
    frame["d02"] = frame["treated"]
    result = fit(frame, event, time_col="week")
    assert result.weights["d02"] == pytest.approx(1.0) and result.pre_rmspe == 0
    placebo = result.placebo_in_space(periods=6)
    treated = placebo.table.iloc[0]
    assert (treated["pre_rmspe"], treated["post_rmspe"], treated["ratio"]) == (0, 0, 0)
    assert placebo.p == 1.0


def test_placebo_p_under_the_null_is_spread_over_the_ranks() -> None:
    ps = []
    for seed in range(8):
        frame, event = simulated_panel(seed=100 + seed, effect=0.0, donors=7)
        ps.append(fit(frame, event, time_col="week").placebo_in_space(periods=6).p)
    assert min(ps) >= 1 / 8 and max(ps) > 0.3


def test_conformal_interval_covers_at_roughly_nominal_level() -> None:
    """Simulated AR(1) factor panels, 8 donors, 60 + 6 weeks, effect 0.08 log points."""
    theta = 0.08
    covered, widths = [], []
    for seed in range(40):
        frame, event = simulated_panel(seed=seed, effect=theta, donors=8, pre=60, post=6)
        e = fit(frame, event, time_col="week").average_effect(periods=6)
        covered.append(e.percent_low <= 100 * np.expm1(theta) <= e.percent_high)
        widths.append(e.percent_high - e.percent_low)
    assert 0.85 <= np.mean(covered) <= 1.0
    assert 0 < np.median(widths) < 15


def test_conformal_grid_reaches_past_both_edges() -> None:
    """No clipping: the search walks on until it sees rejections beyond each edge."""
    frame, event = simulated_panel(seed=9, effect=0.0, sigma=0.08, donors=6, pre=40, post=6)
    result = fit(frame, event, time_col="week")
    interval = result.conformal(periods=6)
    grid = interval.grid
    alpha = 1 - interval.level
    assert (grid.loc[grid["theta"] > interval.high, "p"] <= alpha).any()
    assert (grid.loc[grid["theta"] < interval.low, "p"] <= alpha).any()
    assert interval.low < 0 < interval.high
    assert interval.n_permutations == 46


def test_a_level_conformal_bound_past_the_observed_total_is_an_unbounded_percent() -> None:
    """On the level scale a conformal θ at or above the window's observed mean leaves no
    positive counterfactual: the percent bound is +inf, not a number below −100 % under the
    estimate (it had printed +87.3 % [−15.5 %, −776.7 %]); the tenge bounds stay θ."""
    frame, event = simulated_panel(seed=21, effect=0.3, donors=6, sigma=0.8, pre=20)
    effect = fit(frame, event, time_col="week", log=False).average_effect(periods=6)
    assert effect.ci_high >= effect.observed  # the case: the twin's total would be ≤ 0
    assert effect.percent_low <= effect.percent <= effect.percent_high == np.inf
    assert effect.absolute_high == pytest.approx(effect.ci_high)
    assert -100 < effect.percent_low < effect.percent


def test_a_gap_in_a_donor_is_a_clear_error_unless_handled() -> None:
    frame, event = simulated_panel(seed=1)
    frame.loc[10, "d03"] = np.nan
    with pytest.raises(InvalidData, match=r"donor 'd03' has no value for 2021-05-10.*missing"):
        SyntheticControl(frame, time_col="week", treated="treated", event=event)
    dropped = fit(frame, event, time_col="week", missing="drop-donors")
    assert "d03" not in dropped.weights and dropped.model.panel.dropped_donors == ("d03",)
    assert any("d03" in w for w in dropped.warnings)
    fewer = fit(frame, event, time_col="week", missing="drop-periods")
    assert fewer.model.panel.dropped_periods == ("2021-05-10",) and "d03" in fewer.weights
    frame.loc[12, "treated"] = np.nan
    with pytest.raises(InvalidData, match="treated unit 'treated' has no value"):
        SyntheticControl(frame, time_col="week", treated="treated", event=event,
                         missing="drop-donors")  # fmt: skip


def test_a_window_of_days_counts_from_its_start_date_as_the_its_engine_does() -> None:
    """On a daily panel whose first three post days are missing everywhere, a window of 6
    periods is the 6 days from the event (3 observations), as ITSResult counts it, not 6
    observations from the first one after it; a week's window past the data is said."""
    weekly, _ = simulated_panel(seed=1, pre=120, post=20)
    days = pd.date_range("2022-05-24", periods=len(weekly), freq="D")
    frame = weekly.assign(week=days).rename(columns={"week": "day"})
    event = days[120]
    frame = frame[~frame["day"].isin(days[120:123])].reset_index(drop=True)
    panel = SyntheticControl(frame, time_col="day", treated="treated", event=event).panel
    rows = panel.window(periods=6)
    assert [str(panel.times.iloc[r].date()) for r in rows] == [str(d.date()) for d in days[123:126]]
    assert panel.window_note(20) is None  # days 120..139 exist from the event on
    note = panel.window_note(21)
    assert note is not None and "cut to the 20" in note


def test_short_donor_gaps_are_bridged_and_long_ones_leave_the_fit() -> None:
    frame, event = simulated_panel(seed=1)
    truth = frame.copy()
    frame.loc[10:11, "d03"] = np.nan  # two weeks: bridged
    frame.loc[20:23, "d04"] = np.nan  # four weeks: longer than MAX_BRIDGED (3), left out
    frame.loc[0, "d05"] = np.nan  # an edge: nothing to interpolate from, left out
    frame.loc[30, "treated"] = np.nan  # the treated unit's gap is never filled
    panel = SyntheticControl(frame, time_col="week", treated="treated", event=event,
                             missing="interpolate-donors").panel  # fmt: skip
    weeks = frame["week"].astype(str)
    assert [(u, str(w)) for u, w in panel.filled] == [("d03", weeks[10]), ("d03", weeks[11])]
    assert set(panel.dropped_periods) == {weeks[i] for i in (0, 20, 21, 22, 23, 30)}
    # Linear on the log scale between the neighbours, at their positions.
    row = list(panel.times.astype(str)).index(weeks[10])
    col = panel.units.index("d03")
    a, b = np.log(truth.loc[9, "d03"]), np.log(truth.loc[12, "d03"])
    assert panel.y[row, col] == pytest.approx(a + (b - a) / 3)
    assert panel.levels[row, col] == pytest.approx(np.exp(a + (b - a) / 3))


def _set(column: str, rows: slice | list[int], value: float) -> object:
    def change(frame: pd.DataFrame) -> None:
        frame.loc[rows, column] = value

    return change


PANEL_VALUE_ERRORS = [
    # (change, missing, message): every policy, since the default one had hidden the cause
    (_set("d03", slice(None), np.nan), "error", "column 'd03' has no values"),
    (_set("d03", slice(None), np.nan), "interpolate-donors", "column 'd03' has no values"),
    (_set("d03", slice(None), np.nan), "drop-periods", "missing='drop-donors'"),
    (_set("treated", slice(None), np.nan), "drop-donors",
     "column 'treated', the treated unit, has no values"),
    (_set("d05", slice(40, None), np.nan), "drop-periods",
     "column 'd05' has no values after 2021-11-29 (the event is 2022-08-08)"),
    (_set("d05", slice(40, None), np.nan), "drop-periods", "--missing drop-donors"),
    (_set("d05", slice(None, 74), np.nan), "drop-periods",
     "column 'd05' has no values before 2022-08-08"),
    (_set("treated", slice(40, None), np.nan), "drop-periods",
     "the treated unit, has no values after 2021-11-29"),
    (_set("treated", [77], 1e12), "error", "column 'treated', 2022-08-22: 1e+12 is"),
    (_set("d02", [3], 1e300), "error", "column 'd02', 2021-03-22: 1e+300 is too large to fit"),
    (_set("d04", slice(None), 3e305), "error", "column 'd04', 2021-03-01: 3e+305 is too large"),
    (_set("d02", [3], np.inf), "error", "column 'd02', data row 4: inf is not a finite number"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "missing", "message"), PANEL_VALUE_ERRORS)
def test_empty_truncated_and_implausible_units_are_named(
    change: Any, missing: str, message: str
) -> None:
    frame, event = simulated_panel(seed=1)
    change(frame)
    with pytest.raises(InvalidData) as info:
        SyntheticControl(frame, time_col="week", treated="treated", event=event, missing=missing)
    assert message in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("rows", "kept"),
    [(slice(40, None), 40), (slice(None, 59), 15), (slice(20, 44), 50), (slice(None, 74), 0)],
)
def test_under_interpolate_donors_a_donor_short_of_the_pre_period_is_left_out(
    rows: slice, kept: int
) -> None:
    """A donor that starts late, stops early or has a long hole (values in fewer than 80 % of
    the treated unit's 75 pre-period weeks) would have cost every unit those weeks, and a
    pre-period too short for a backtest; it is left out instead, and said."""
    frame, event = simulated_panel(seed=1)
    frame.loc[rows, "d05"] = np.nan
    result = fit(frame, event, time_col="week", missing="interpolate-donors")
    panel = result.model.panel
    assert panel.thin_donors == (("d05", kept, 75),) and panel.dropped_donors == ("d05",)
    assert "d05" not in panel.units
    assert not panel.dropped_periods or panel.n_pre > 60
    note = next(w for w in result.warnings if "left out" in w)
    assert f"d05 ({kept} of 75)" in note and "under 80%" in note
    doc = result.to_dict(periods=6, placebo=False, inference="none")
    assert doc["specification"]["thin_donors"] == [{"donor": "d05", "pre_values": kept, "of": 75}]


def test_a_short_donor_stays_when_leaving_it_out_would_leave_too_few() -> None:
    frame, event = simulated_panel(seed=1, donors=2)
    frame.loc[40:, "d02"] = np.nan
    with pytest.raises(InvalidData, match="column 'd02' has no values after 2021-11-29"):
        SyntheticControl(frame, time_col="week", treated="treated", event=event,
                         missing="interpolate-donors")  # fmt: skip


@pytest.mark.parametrize("rows", [slice(None), slice(40, None)])
def test_drop_donors_leaves_out_a_donor_empty_in_all_or_the_last_periods(rows: slice) -> None:
    frame, event = simulated_panel(seed=1)
    frame.loc[rows, "d05"] = np.nan
    result = fit(frame, event, time_col="week", missing="drop-donors")
    assert result.model.panel.dropped_donors == ("d05",)
    assert "donors with gaps left out: d05" in result.warnings


@pytest.mark.parametrize(
    ("controls", "message"),
    [
        (["treated", "d01"], "unit 'treated' is named twice"),
        (["d01", "d01"], "unit 'd01' is named twice"),
    ],
)
def test_a_unit_named_twice_in_the_long_form_is_refused(controls: list[str], message: str) -> None:
    frame, event = simulated_panel(seed=1)
    long = frame.melt(id_vars="week", var_name="city", value_name="rent")
    with pytest.raises(InvalidSpecification, match=message):
        SyntheticControl(long, time_col="week", group_col="city", value_col="rent",
                         treated="treated", donors=controls, event=event)  # fmt: skip


def test_a_donor_absent_from_the_long_form_is_named_with_the_units_there() -> None:
    frame, event = simulated_panel(seed=1, donors=3)
    long = frame.melt(id_vars="week", var_name="city", value_name="rent")
    with pytest.raises(InvalidData) as info:
        SyntheticControl(long, time_col="week", group_col="city", value_col="rent",
                         treated="treated", donors=["d01", "almaty"], event=event)  # fmt: skip
    assert str(info.value) == (
        "donor 'almaty' is not in column 'city' (units: d01, d02, d03, treated)"
    )


def test_long_form_messages_name_the_unit_and_the_value_column() -> None:
    frame, event = simulated_panel(seed=1)
    frame["d03"] = np.nan
    long = frame.melt(id_vars="week", var_name="city", value_name="rent")
    with pytest.raises(InvalidData, match=r"unit 'd03' \(column 'rent'\) has no values"):
        SyntheticControl(long, time_col="week", group_col="city", value_col="rent",
                         treated="treated", event=event)  # fmt: skip


@pytest.mark.parametrize(
    ("unit", "value", "message"),
    [
        ("d02", "12,5x", "unit 'd02' (column 'rent'), data row {row}: '12,5x' is not a number"),
        ("treated", "inf", "unit 'treated' (column 'rent'), data row {row}: inf is not a finite"),
    ],
)
def test_a_bad_long_form_value_is_named_by_its_unit_and_data_row(
    unit: str, value: str, message: str
) -> None:
    """Before: the row was counted among the rows of the units asked for (166 for data row
    247 when another unit came first in the file) and the value column was called a unit."""
    frame, event = simulated_panel(seed=1)
    long = frame.melt(id_vars="week", var_name="city", value_name="rent")
    other = long[long["city"] == "d01"].assign(city="other")
    data = pd.concat([other, long], ignore_index=True).astype({"rent": object})
    row = int(data.index[data["city"] == unit][3])
    data.loc[row, "rent"] = value
    with pytest.raises(InvalidData) as info:
        SyntheticControl(data, time_col="week", group_col="city", value_col="rent",
                         treated="treated", donors=["d01", "d02"], event=event)  # fmt: skip
    assert message.format(row=row + 1) in str(info.value)


@pytest.mark.parametrize("form", ["wide", "long"])
def test_a_single_donor_given_as_a_string_is_one_donor_not_its_letters(form: str) -> None:
    """donors="d01" had been read letter by letter: "donor 'd': column 'd' is not in the
    data"."""
    frame, event = simulated_panel(seed=1)
    if form == "wide":
        data, where = frame, {"time_col": "week"}
    else:
        data = frame.melt(id_vars="week", var_name="city", value_name="rent")
        where = {"time_col": "week", "group_col": "city", "value_col": "rent"}
    with pytest.raises(InvalidData, match=r"^1 donor\(s\) left; the comparison designs need"):
        SyntheticControl(data, treated="treated", donors="d01", event=event, **where)
    with pytest.raises(InvalidData, match=r"^1 donor\(s\) left"):
        ComparativeITS(data, treated="treated", controls="d01", event=event, **where)


def test_bad_panels_are_one_line_errors() -> None:
    frame, event = simulated_panel(seed=1)
    with pytest.raises(InvalidData, match="cannot be modelled on the log scale"):
        SyntheticControl(frame.assign(d01=-1.0), time_col="week", treated="treated", event=event)
    with pytest.raises(InvalidData, match="appears twice"):
        SyntheticControl(pd.concat([frame, frame.tail(1)]), time_col="week", treated="treated",
                         event=event)  # fmt: skip
    with pytest.raises(InvalidData, match="at least 2"):
        SyntheticControl(frame[["week", "treated", "d01"]], time_col="week", treated="treated",
                         event=event)  # fmt: skip
    with pytest.raises(InvalidSpecification, match="variant must be one of"):
        SyntheticControl(frame, time_col="week", treated="treated", event=event, variant="x")


def test_outside_the_hull_warns_and_the_demeaned_variant_is_the_remedy() -> None:
    frame, event = simulated_panel(seed=11, effect=0.1, offset=0.6)
    with pytest.warns(SyntheticControlWarning, match="outside the donors' range"):
        standard = SyntheticControl(frame, time_col="week", treated="treated", event=event).fit()
    demeaned = fit(frame, event, time_col="week", variant="demeaned")
    assert not any("outside" in w for w in demeaned.warnings)
    # Every variant with an intercept matches the level: none is told to use another.
    for variant in ("detrended", "broken-trend", "broken", "augmented"):
        other = fit(frame, event, time_col="week", variant=variant)
        assert not any("outside" in w for w in other.warnings), variant
    assert demeaned.pre_rmspe < standard.pre_rmspe / 3
    truth = 100 * np.expm1(0.1)
    assert abs(demeaned.average_effect(periods=6).percent - truth) < abs(
        standard.average_effect(periods=6, inference="none").percent - truth
    )


def test_long_and_wide_forms_give_the_same_fit() -> None:
    frame, event = simulated_panel(seed=3, effect=0.05)
    long = frame.melt(id_vars="week", var_name="city", value_name="rent").sample(
        frac=1.0, random_state=0
    )
    wide = fit(frame, event, time_col="week")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntheticControlWarning)
        from_long = SyntheticControl(long, time_col="week", group_col="city", value_col="rent",
                                     treated="treated", event=event).fit()  # fmt: skip
    assert dict(from_long.weights) == pytest.approx(dict(wide.weights), abs=1e-12)
    assert from_long.average_effect(periods=6).percent == pytest.approx(
        wide.average_effect(periods=6).percent
    )


def test_the_period_index_form_is_the_warehouse_call() -> None:
    frame, event = simulated_panel(seed=3)
    by_period = frame.set_index("week")
    result = fit(by_period, event, donors=["d01", "d02", "d03"])
    assert list(result.weights) == ["d01", "d02", "d03"]


def test_to_dict_and_plots() -> None:
    frame, event = simulated_panel(seed=1, effect=0.1, donors=5)
    result = fit(frame, event, time_col="week", variant="augmented")
    out = result.to_dict(periods=6)
    assert {"percent", "percent_low", "percent_high"} <= set(out["headline"])
    assert set(out["weights"]) == {f"d{j:02d}" for j in range(1, 6)}
    assert out["pre_rmspe"] > 0 and out["ridge_lambda"] > 0
    assert len(out["placebo_in_space"]["table"]) == 6
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = result.plot()
    assert ax.get_lines()
    plt.close(fig)
    fig, ax = result.plot(kind="gaps")
    assert len(ax.get_lines()) >= 2
    plt.close(fig)


def _trended_panel(kink: float, shift: float = 0.0) -> pd.DataFrame:
    """Donors on random walks; the treated city is their mean plus its own trend, which bends
    by ``kink`` a week 26 weeks before the event, and its level, which rises by ``shift`` 22
    weeks before it, plus a little noise."""
    rng = np.random.default_rng(4)
    weeks = pd.date_range("2021-03-22", periods=86, freq="W-MON")
    donors = {f"d{j}": 11.5 + np.cumsum(rng.normal(0.004, 0.01, 86)) for j in range(6)}
    t = np.arange(86, dtype=float)
    own = 0.002 * t + kink * np.maximum(t - 52, 0) + shift * (t >= 56)
    treated = np.mean(list(donors.values()), axis=0) + own + rng.normal(0, 0.002, 86)
    return pd.DataFrame({"treated": np.exp(treated), **{k: np.exp(v) for k, v in donors.items()}},
                        index=weeks)  # fmt: skip


def test_the_detrended_variant_keeps_the_treated_citys_own_trend() -> None:
    panel = _trended_panel(kink=0.0)
    event = panel.index[78]
    fits = {
        v: SyntheticControl(panel, treated="treated", event=event, variant=v, log=True).fit()
        for v in ("demeaned", "detrended")
    }
    assert fits["detrended"].trend == pytest.approx(0.002, abs=3e-4)
    assert fits["demeaned"].trend == 0.0
    # No effect happened: the detrended counterfactual follows the trend, the de-meaned one
    # is pulled back onto the donors' and reads the treated city's own trend as an effect.
    detrended = fits["detrended"].average_effect(periods=6, inference="none").percent
    demeaned = fits["demeaned"].average_effect(periods=6, inference="none").percent
    assert abs(detrended) < 0.5 < demeaned


def test_the_broken_trend_variant_follows_a_bend_before_the_event() -> None:
    bent = SyntheticControl(
        _trended_panel(kink=0.004), treated="treated", event=pd.Timestamp("2022-09-19"),
        variant="broken-trend", log=True,
    ).fit()  # fmt: skip
    weights = bent._weights
    assert weights.bend_at is not None and abs(weights.bend_at - 52) <= 3
    assert weights.bend == pytest.approx(0.004, abs=8e-4)
    assert abs(bent.average_effect(periods=6, inference="none").percent) < 0.6
    straight = SyntheticControl(
        _trended_panel(kink=0.0), treated="treated", event=pd.Timestamp("2022-09-19"),
        variant="broken-trend", log=True,
    ).fit()  # fmt: skip
    # Any bend found in a straight trend is negligible, and so is its effect on the estimate.
    assert straight._weights.bend_at is None or abs(straight._weights.bend) < 5e-4
    assert abs(straight.average_effect(periods=6, inference="none").percent) < 0.5


def test_the_broken_variant_keeps_a_level_that_rose_once_before_the_event() -> None:
    """An earlier wave lifted the treated city's level and stayed: the broken variant fits a
    shift where it rose, where a bend would carry the rise on into the window."""
    event = pd.Timestamp("2022-09-19")
    fits = {
        v: SyntheticControl(
            _trended_panel(kink=0.0, shift=0.08), treated="treated", event=event, variant=v,
            log=True,
        ).fit()
        for v in ("broken", "broken-trend")
    }  # fmt: skip
    weights = fits["broken"]._weights
    assert weights.break_kind == "shift" and weights.bend_at is not None
    assert abs(weights.bend_at - 56) <= 2
    assert weights.shift == pytest.approx(0.08, abs=0.01)
    # The JSON says where and what the break is: the week 56 weeks after 22 Mar 2021.
    described = fits["broken"].to_dict(periods=6, placebo=False)["trend_break"]
    assert described["kind"] == "shift"
    first = pd.Timestamp("2021-03-22") + pd.Timedelta(weeks=weights.bend_at)
    assert described["from"] == first.date().isoformat()
    assert fits["broken-trend"].trend_break is not None
    assert fits["broken"].model.replace(variant="detrended").fit().trend_break is None
    errors = {
        v: abs(r.average_effect(periods=6, inference="none").percent) for v, r in fits.items()
    }
    assert errors["broken"] < 0.6 < errors["broken-trend"]
    # A bend is still a bend to it.
    bent = SyntheticControl(
        _trended_panel(kink=0.004), treated="treated", event=event, variant="broken", log=True
    ).fit()._weights  # fmt: skip
    assert bent.break_kind in ("bend", "both") and bent.bend_at is not None
    assert abs(bent.bend_at - 52) <= 3 and bent.bend == pytest.approx(0.004, abs=8e-4)


@pytest.mark.parametrize(("window", "anticipation"), [(6, 0), (6, 3), (1, 3)])
def test_a_backtest_too_short_says_how_many_fit_observations_it_needs(
    window: int, anticipation: int
) -> None:
    """The refusal's count is the real minimum: one more fit observation and the backtest
    runs. Before, it left out the anticipation weeks between each pseudo-event's fit and its
    window ("needs at least 15 pre-period observations to fit (found 17)")."""

    def backtest(pre: int) -> object:
        frame, event = simulated_panel(seed=3, effect=0.1, donors=6, pre=pre, post=window)
        result = fit(frame, event, time_col="week", variant="detrended", trend_window=16,
                     anticipation=anticipation)  # fmt: skip
        return result.backtest(periods=window)

    with pytest.raises(InvalidSpecification) as info:
        backtest(12)
    need, found = map(int, re.search(r"at least (\d+) .*\(found (\d+)", str(info.value)).groups())
    assert found == 12 - anticipation < need
    with pytest.raises(InvalidSpecification, match=rf"at least {need} .*\(found {need - 1}"):
        backtest(need - 1 + anticipation)
    assert len(backtest(need + anticipation).errors) == 2


def test_a_backtest_with_anticipation_predicts_at_the_windows_horizon() -> None:
    """With the last k pre-period weeks left out of the fit, the event window starts k weeks
    after the fit ends; each pseudo-event's window must leave the same k-week gap."""
    panel = _trended_panel(kink=0.0)
    event, k, window = panel.index[78], 3, 6
    result = SyntheticControl(
        panel, treated="treated", event=event, variant="detrended", log=True, anticipation=k
    ).fit()  # fmt: skip
    errors = result.backtest(periods=window).errors
    assert len(errors) == 26
    y = np.log(panel.to_numpy())
    t = np.arange(len(panel), dtype=float)
    fit_end = 78 - k  # weeks 0 … 74 are fitted
    last = fit_end - k - window  # the last pseudo-event: its gap and window end at fit_end
    w = fit_weights(y[:last, 0], y[:last, 1:], "detrended", time=t[:last])
    after = np.arange(last + k, last + k + window)
    synthetic = np.exp(w.predict(y[after, 1:], t[after]))
    expected = 100 * (panel.to_numpy()[after, 0].sum() / synthetic.sum() - 1)
    assert errors[-1] == pytest.approx(expected, rel=1e-9)


def _loading_jump_panel(donors: int = 8, jump: float = 0.15) -> tuple[pd.DataFrame, float]:
    """Cities on one national trend (the treated city's loading 1.2, the donors' 0.7–1.3) and
    their own small wiggles; the
    whole country jumps in the event week, each city by its loading, and nothing else
    happens. A straight national trend shows no loading that detrending leaves, so the
    weights cannot learn how far the treated city will move with the jump. Returns the
    panel (levels) and the treated city's true effect, 0."""
    rng = np.random.default_rng(11)
    n, pre = 90, 78
    t = np.arange(n, dtype=float)
    national = 0.004 * t + np.where(t >= pre, jump, 0.0)
    loadings = np.concatenate([[1.2], rng.uniform(0.7, 1.3, donors)])
    columns = {}
    for i, b in enumerate(loadings):
        name = "treated" if i == 0 else f"d{i}"
        columns[name] = np.exp(11.5 + b * national + rng.normal(0, 0.004, n))
    weeks = pd.date_range("2021-03-22", periods=n, freq="W-MON")
    return pd.DataFrame(columns, index=weeks), 0.0


def _fit_jump(donors: int) -> object:
    panel, _ = _loading_jump_panel(donors)
    return SyntheticControl(
        panel, treated="treated", event=panel.index[78], variant="detrended", log=True,
        trend_halflife=13,
    ).fit()  # fmt: skip


def test_the_placebo_widened_backtest_covers_a_jump_the_pre_period_cannot_show() -> None:
    """The treated city loads 1.2 on a national jump at the event, more than its twin's
    donors do: the twin rises too little, and part of the jump reads as an effect. The backtest's
    pseudo-events never saw a jump, so its interval misses the truth (0); the donors, refitted
    as placebos, meet the same jump at the event, and their spread widens the interval."""
    result = _fit_jump(8)
    backtest = result.average_effect(periods=6, inference="backtest")
    widened = result.average_effect(periods=6, inference="backtest-placebo")
    assert backtest.percent == widened.percent > 2  # the twin's shortfall on the jump
    assert backtest.percent_low > 0  # the backtest interval excludes the truth
    assert widened.percent_low < 0 < widened.percent_high
    spread = result.placebo_interval(periods=6)
    assert spread is not None and spread.half_width > result.backtest(periods=6).half_width
    # The interval and its p are the placebos' where theirs is the wider one.
    assert widened.percent_high - widened.percent == pytest.approx(spread.half_width)
    assert widened.p == pytest.approx(spread.p(widened.percent)) and widened.p > 0.05
    assert "placebos" in widened.method


def test_the_placebo_interval_is_the_rms_of_the_kept_placebo_effects() -> None:
    result = _fit_jump(8)
    table = result.placebo_in_space(periods=6).table
    effects = table.loc[~table["treated"], "percent"].to_numpy()
    spread = result.placebo_interval(periods=6)
    assert spread is not None and len(spread.errors) == 8 and spread.df == 7
    rms = float(np.sqrt(np.mean(effects**2)))
    assert spread.scale == pytest.approx(rms)
    assert spread.half_width == pytest.approx(stats.t.ppf(0.975, 7) * rms * np.sqrt(1 + 1 / 8))
    doc = result.to_dict(periods=6, inference="backtest-placebo")
    assert doc["placebo_interval"]["used"] is True
    assert doc["placebo_interval"]["placebos"] == 8 and "backtest" in doc


def test_with_fewer_than_five_donors_the_interval_stays_the_backtests() -> None:
    result = _fit_jump(4)
    assert result.placebo_interval(periods=6) is None
    backtest = result.average_effect(periods=6, inference="backtest")
    widened = result.average_effect(periods=6, inference="backtest-placebo")
    assert (widened.percent_low, widened.percent_high, widened.p) == (
        backtest.percent_low, backtest.percent_high, backtest.p,
    )  # fmt: skip
    doc = result.to_dict(periods=6, inference="backtest-placebo")
    assert doc["placebo_interval"] == {
        "used": False, "reason": "fewer than 5 donors: the backtest's alone",
    }  # fmt: skip


def test_the_pooled_interval_pools_log_errors_by_their_degrees_of_freedom() -> None:
    """The backtest's 26 pseudo-events of a 6-week window count ⌊1.5 × 26 / 6⌋ = 6 degrees of
    freedom (overlapping windows), the 8 placebos 7; their mean squared log errors are pooled
    by them, the estimate is retransformed (Kennedy 1981: exp(log(1 + p) − s²/2) − 1) and the
    interval is exp(centre ± t₁₃ × s × √(1 + 1/13)) − 1. On the loading jump it covers the
    truth (0), which the backtest alone excludes."""
    result = _fit_jump(8)
    rows = result.panel.window(periods=6)
    b = np.log1p(result.backtest(periods=6).errors / 100)
    spread = result.placebo_interval(periods=6)
    assert spread is not None
    p = np.log1p(spread.errors / 100)
    pooled = result.pooled(periods=6)
    assert (len(b), pooled.backtest_df, pooled.placebo_df, pooled.df) == (26, 6, 7, 13)
    s2 = (6 * np.mean(b**2) + 7 * np.mean(p**2)) / 13
    assert pooled.scale == pytest.approx(np.sqrt(s2))
    assert pooled.backtest_rms == pytest.approx(np.sqrt(np.mean(b**2)))
    assert pooled.placebo_rms == pytest.approx(np.sqrt(np.mean(p**2)))
    effect = result.average_effect(periods=6, inference="pooled")
    raw = result.ratio_percent(rows)
    centre = np.log1p(raw / 100) - s2 / 2
    half = stats.t.ppf(0.975, 13) * np.sqrt(s2) * np.sqrt(1 + 1 / 13)
    assert effect.percent == pytest.approx(100 * np.expm1(centre)) and effect.percent < raw
    assert effect.percent_low == pytest.approx(100 * np.expm1(centre - half))
    assert effect.percent_high == pytest.approx(100 * np.expm1(centre + half))
    assert effect.percent_low < 0 < effect.percent_high
    assert result.average_effect(periods=6, inference="backtest").percent_low > 0
    assert effect.p == pytest.approx(
        2 * stats.t.sf(abs(centre) / (np.sqrt(s2) * np.sqrt(1 + 1 / 13)), 13)
    )
    # The twin's level is the one the retransformed percent implies.
    assert effect.observed / effect.counterfactual - 1 == pytest.approx(effect.percent / 100)
    assert "pooled" in effect.method
    doc = result.to_dict(periods=6, inference="pooled")
    assert doc["headline"]["percent"] == pytest.approx(effect.percent)
    assert doc["pooled"]["percent_uncorrected"] == pytest.approx(raw)
    assert doc["pooled"]["df"] == 13 and doc["placebo_interval"]["placebos"] == 8


def test_with_fewer_than_five_donors_the_pooled_interval_is_the_backtests_on_the_log_scale() -> (
    None
):
    result = _fit_jump(4)
    pooled = result.pooled(periods=6)
    b = np.log1p(result.backtest(periods=6).errors / 100)
    assert (pooled.placebo_df, pooled.df, pooled.placebo_rms) == (0, 6, None)
    assert pooled.scale == pytest.approx(np.sqrt(np.mean(b**2)))
    doc = result.to_dict(periods=6, inference="pooled")
    assert doc["placebo_interval"] == {"reason": "fewer than 5 donors: the backtest's alone"}


def test_a_trend_window_follows_a_bend_at_its_new_slope() -> None:
    """The treated city's trend bent 26 weeks before the event: the line of the last 13
    weeks has the slope of now (0.006 a week), where a 6-week half-life still feels the
    weeks before the bend and under-reads it, and the fit of every week more so."""
    panel = _trended_panel(kink=0.004)
    event = pd.Timestamp("2022-09-19")

    def fitted(**trend: float) -> Any:
        return SyntheticControl(
            panel, treated="treated", event=event, variant="detrended", log=True, **trend
        ).fit()

    fits = {"window": fitted(trend_window=13), "half-life": fitted(trend_halflife=6),
            "every week": fitted()}  # fmt: skip
    assert fits["window"].trend == pytest.approx(0.006, abs=3e-4)
    assert fits["window"].model.describe()["trend_window"] == 13
    slopes = [abs(f.trend - 0.006) for f in fits.values()]
    errors = [abs(f.average_effect(periods=6, inference="none").percent) for f in fits.values()]
    assert slopes == sorted(slopes) and errors == sorted(errors)


def test_the_trend_window_is_one_way_of_weighing_the_trend() -> None:
    panel = _trended_panel(kink=0.0)
    event = pd.Timestamp("2022-09-19")
    everything = SyntheticControl(panel, treated="treated", event=event, variant="detrended")
    # A window as long as the fit is every fit week weighing the same.
    whole = everything.replace(trend_window=len(panel)).fit()
    assert whole.trend == pytest.approx(everything.fit().trend, abs=1e-12)
    for options, message in [
        ({"trend_window": 13, "trend_halflife": 6}, "not both"),
        ({"trend_window": 2}, "3 or more"),
        ({"trend_window": 13, "variant": "standard"}, "for the detrended variants"),
    ]:
        with pytest.raises(InvalidSpecification, match=message):
            everything.replace(**options)


def _spilled_panel(spill: float) -> tuple[pd.DataFrame, pd.Timestamp]:
    """The treated city is donor ``near``'s twin before the event and 30 % above it after;
    ``spilled`` is ``near`` too, but got ``spill`` of a rise itself after the event (the
    inflow reached it); two other donors go their own way."""
    rng = np.random.default_rng(7)
    weeks = pd.date_range("2021-01-04", periods=90, freq="W-MON")
    event = weeks[70]
    base = np.log(100) + np.cumsum(rng.normal(0, 0.01, len(weeks)))
    post = (weeks >= event).astype(float)
    frame = pd.DataFrame(
        {
            "week": weeks,
            "treated": np.exp(base + np.log(1.3) * post),
            "spilled": np.exp(base + np.log(1 + spill) * post),
            "near": np.exp(base + rng.normal(0, 0.002, len(weeks))),
            "other1": np.exp(np.log(80) + np.cumsum(rng.normal(0, 0.02, len(weeks)))),
            "other2": np.exp(np.log(130) + np.cumsum(rng.normal(0, 0.02, len(weeks)))),
        }
    )
    return frame, event


def test_leaving_out_a_donor_the_effect_reached_shows_how_much_it_carried() -> None:
    frame, event = _spilled_panel(spill=0.10)
    model = SyntheticControl(
        frame, time_col="week", treated="treated", event=event, variant="standard",
        simulated=True,
    )  # fmt: skip
    result = model.fit()
    loo = result.leave_one_out(periods=6)
    rows = result.panel.window(periods=6)
    assert loo.percent == pytest.approx(result.ratio_percent(rows))
    weights = {d: w for d, w in result.weights.items() if w >= 0.01}
    # Each donor of some weight left out once, largest weight first; the change is the move.
    assert list(loo.table["donor"]) == sorted(weights, key=lambda d: -weights[d])
    assert np.allclose(loo.table["change"], loo.table["percent"] - loo.percent)
    # The spilled donor matches the treated city exactly before the event, so the full
    # twin is it alone and reads 1.3 / 1.1 − 1 = 18.2 %.
    assert weights["spilled"] > 0.9 and loo.percent == pytest.approx(18.18, abs=0.1)
    spilled = loo.table.set_index("donor").loc["spilled"]
    # Without it the twin is ``near``: the effect of 30 % comes back.
    assert spilled["percent"] == pytest.approx(30.0, abs=1.0)
    assert loo.largest is not None and loo.largest["donor"] == "spilled"
    assert loo.high == pytest.approx(spilled["percent"])
    out = result.to_dict(periods=6)["leave_one_out"]
    assert out["largest"] == loo.largest and len(out["table"]) == len(loo.table)


def test_leave_one_out_needs_three_donors() -> None:
    frame, event = _spilled_panel(spill=0.10)
    model = SyntheticControl(
        frame, time_col="week", treated="treated", donors=["spilled", "near"], event=event,
        variant="standard", simulated=True,
    )  # fmt: skip
    loo = model.fit().leave_one_out(periods=6)
    assert loo.table.empty and loo.largest is None
    assert np.isnan(loo.low) and np.isnan(loo.high)


def test_the_placebo_p_floor_note_goes_with_the_placebo_table() -> None:
    """Four donors cannot give a placebo p below 0.2: said beside the table, and not when
    the table is not asked for (--no-placebo-in-space)."""
    frame, event = _spilled_panel(spill=0.10)
    result = SyntheticControl(
        frame, time_col="week", treated="treated", event=event, variant="standard",
        simulated=True,
    ).fit()  # fmt: skip
    floor = [w for w in result.warnings if "cannot go below 0.200" in w]
    assert len(floor) == 1
    assert floor[0] in result.to_dict(periods=6)["warnings"]
    without = result.to_dict(periods=6, placebo=False)
    assert "placebo_in_space" not in without and floor[0] not in without["warnings"]
