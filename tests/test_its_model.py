"""ITS engine behaviour on series with a known truth (noise-free or simulated)."""

from __future__ import annotations

import json
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from scipy.linalg import toeplitz

from analysis.its import (
    ColumnNotFound,
    ErrorSpec,
    EventOutsideData,
    InvalidData,
    InvalidSpecification,
    ITSModel,
    TooFewPrePeriods,
)
from analysis.its.noise import AR1Noise
from analysis.its.simulate import simulate_series

EVENT = "2022-09-21"


def daily(n_pre: int = 60, n_post: int = 30, **effect: float) -> pd.DataFrame:
    """A noise-free daily series on its own scale: 100 + 0.5 t + effect."""
    before = pd.date_range(end=pd.Timestamp(EVENT) - pd.Timedelta(days=1), periods=n_pre)
    days = before.append(pd.date_range(EVENT, periods=n_post))
    t = np.arange(len(days), dtype=float)
    k = np.maximum(t - n_pre, 0.0)
    post = t >= n_pre
    value = (
        100
        + 0.5 * t
        + post
        * (
            effect.get("level", 0.0)
            + effect.get("slope", 0.0) * k
            + effect.get("pulse", 0.0) * effect.get("decay", 0.0) ** k
        )
    )
    return pd.DataFrame({"day": days, "value": value})


def noisy(frame: pd.DataFrame, sd: float, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return frame.assign(value=frame["value"] + rng.normal(0, sd, len(frame)))


def model(frame: pd.DataFrame, **options: Any) -> ITSModel:
    return ITSModel(frame, time_col="day", value_col="value", event=EVENT, **options)


def test_noise_free_step_slope_is_recovered() -> None:
    result = model(noisy(daily(level=20, slope=1.5), 1e-6)).fit("ols")
    c = result.coefficients
    assert c["level_change"].estimate == pytest.approx(20, abs=1e-4)
    assert c["slope_change"].estimate == pytest.approx(1.5, abs=1e-5)
    assert c["pre_trend"].estimate == pytest.approx(0.5, abs=1e-6)
    assert c["post_trend"].estimate == pytest.approx(2.0, abs=1e-5)
    assert c["intercept"].estimate == pytest.approx(100, abs=1e-4)  # t = 0 at the first day
    # the level scale: absolute effects in the series' unit, percent of the counterfactual
    first = result.effect_at(0)
    assert first.absolute == pytest.approx(20, abs=1e-3)
    assert first.percent == pytest.approx(100 * 20 / (100 + 0.5 * 60), abs=1e-3)
    assert result.effect_at(10).absolute == pytest.approx(35, abs=1e-3)


def test_slope_anchor_one_moves_the_level_change_by_one_slope() -> None:
    frame = noisy(daily(level=20, slope=1.5), 1e-6)
    lopez = model(frame, slope_anchor=1).fit("ols").coefficients
    assert lopez["slope_change"].estimate == pytest.approx(1.5, abs=1e-5)
    assert lopez["level_change"].estimate == pytest.approx(20 - 1.5, abs=1e-4)


def test_log_scale_effects_come_in_percent_and_kzt() -> None:
    frame = daily(level=0, slope=0)
    frame["value"] = np.exp(np.log(150_000) + 0.001 * np.arange(len(frame)))
    post = frame["day"] >= pd.Timestamp(EVENT)
    frame.loc[post, "value"] *= np.exp(0.2)
    frame = noisy(frame, 1e-3)
    result = model(frame, shape="step", log=True, unit="KZT per month").fit("ols")
    first = result.effect_at(0)
    assert result.coefficients["level_change"].estimate == pytest.approx(0.2, abs=1e-4)
    assert first.percent == pytest.approx(100 * (np.exp(0.2) - 1), abs=0.02)
    expected_cf = 150_000 * np.exp(0.001 * 60)
    assert first.counterfactual == pytest.approx(expected_cf, rel=1e-4)
    assert first.absolute == pytest.approx(expected_cf * (np.exp(0.2) - 1), rel=1e-3)
    assert first.unit == "KZT per month"
    whole = result.average_effect()
    assert whole.percent == pytest.approx(100 * (np.exp(0.2) - 1), abs=0.02)
    assert whole.cumulative == pytest.approx(whole.absolute * whole.periods)


def test_pulse_decay_is_estimated_with_an_interval() -> None:
    frame = noisy(daily(n_post=60, level=5, pulse=30, decay=0.8), 0.3)
    result = model(frame, shape="step-pulse").fit("ols")
    decay = result.decay
    assert decay is not None and not decay.fixed
    assert decay.ci_low < 0.8 < decay.ci_high
    assert decay.estimate == pytest.approx(0.8, abs=0.02)
    assert decay.half_life == pytest.approx(np.log(0.5) / np.log(decay.estimate))
    assert result.coefficients["pulse"].estimate == pytest.approx(30, abs=1)
    assert result.coefficients["level_change"].estimate == pytest.approx(5, abs=0.5)
    fixed = model(frame, shape="step-pulse").fit("ols", decay=0.8)
    assert fixed.decay is not None and fixed.decay.fixed


def test_pooled_controls_wide_and_long_agree_and_recover_the_difference() -> None:
    treated = noisy(daily(level=10, slope=0.3), 0.5, seed=1)
    control = noisy(daily(level=2, slope=0.1), 0.5, seed=2)
    wide = treated.assign(astana=control["value"].to_numpy())
    long = pd.concat(
        [treated.assign(city="almaty"), control.assign(city="astana")], ignore_index=True
    )
    a = model(wide, control_cols=["astana"]).fit("newey")
    b = ITSModel(
        long, time_col="day", value_col="value", event=EVENT, group_col="city", treated="almaty"
    ).fit("newey")
    for name in ("diff_level_change", "diff_slope_change", "level_change", "control_level_change"):
        assert a.coefficients[name].estimate == pytest.approx(b.coefficients[name].estimate)
        assert a.coefficients[name].se == pytest.approx(b.coefficients[name].se)
    c = a.coefficients
    assert c["diff_level_change"].estimate == pytest.approx(8, abs=1)
    assert c["diff_slope_change"].estimate == pytest.approx(0.2, abs=0.05)
    assert c["level_change"].estimate == pytest.approx(
        c["control_level_change"].estimate + c["diff_level_change"].estimate
    )
    assert a.effect_terms == ("diff_level_change", "diff_slope_change")
    assert a.n_units == 2 and a.n == 180


def test_counterfactual_design_effect_is_observed_minus_predicted() -> None:
    frame = noisy(daily(level=12), 0.2)
    frame["x"] = 3 + 0.5 * np.arange(len(frame))  # a predictor that tracks the trend
    result = ITSModel(
        frame, time_col="day", value_col="value", event=EVENT, design="counterfactual",
        covariate_cols=["x"], trend=False,
    ).fit("ols")  # fmt: skip
    whole = result.average_effect()
    assert whole.absolute == pytest.approx(12, abs=0.3)
    assert whole.absolute_low < 12 < whole.absolute_high
    assert whole.method == "simulation"
    assert "level_change" not in result.coefficients
    with pytest.raises(InvalidSpecification):
        result.average_effect(method="delta")


def test_counterfactual_design_has_no_pulse_decay_whatever_the_shape() -> None:
    frame = noisy(daily(level=12), 0.2)
    cf = ITSModel(frame, time_col="day", value_col="value", event=EVENT,
                  design="counterfactual", shape="step-pulse")  # fmt: skip
    result = cf.fit("ols")
    assert result.decay is None
    assert result.average_effect().percent == pytest.approx(
        cf.replace(shape="step").fit("ols").average_effect().percent
    )
    with pytest.raises(InvalidSpecification, match="segmented design"):
        cf.fit("ols", decay=0.5)


def test_phase_in_rows_are_left_out_of_the_fit() -> None:
    clean = noisy(daily(level=20), 0.1)
    spoiled = clean.copy()
    first_post = spoiled.index[spoiled["day"] == pd.Timestamp(EVENT)][0]
    spoiled.loc[first_post : first_post + 2, "value"] += 500  # a messy transition
    a = model(clean, shape="step", phase_in=3).fit("ols")
    b = model(spoiled, shape="step", phase_in=3).fit("ols")
    assert b.coefficients["level_change"].estimate == pytest.approx(
        a.coefficients["level_change"].estimate
    )
    assert b.n == 87 and b.n_phase_in == 3
    assert b.series["in_fit"].sum() == 87


def test_results_are_immutable() -> None:
    result = model(noisy(daily(level=5), 1.0)).fit("ols")
    params = result.params
    params.iloc[0] = 1e9
    assert result.params.iloc[0] != 1e9
    series = result.series
    series.loc[0, "fitted"] = -1
    assert result.series.loc[0, "fitted"] != -1
    with pytest.raises(TypeError):
        result.coefficients["level_change"] = result.coefficients["pre_trend"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        result.level = 0.9  # type: ignore[misc]


def test_prais_winsten_equals_gls_at_the_estimated_rho() -> None:
    sim = simulate_series(freq="W", periods_pre=80, periods_post=30, ar=0.6, sd=0.03, seed=3)
    m = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event, log=True)
    result = m.fit("ar1", ar_method="prais")
    rho = result.rho
    assert rho is not None and 0.3 < rho < 0.9
    n = len(sim.frame)
    sigma = toeplitz(rho ** np.arange(n))
    x = m.design().to_numpy()
    gls = sm.GLS(m.frame["y"].to_numpy(), x, sigma=sigma).fit()
    np.testing.assert_allclose(result.params.to_numpy(), gls.params, rtol=1e-6)
    # the same covariance up to GLS's scale convention (σ² of the transformed residuals)
    np.testing.assert_allclose(result.cov.to_numpy(), gls.cov_params(), rtol=1e-6)


def test_reml_rho_maximises_the_restricted_likelihood_and_widens_for_its_uncertainty() -> None:
    sim = simulate_series(freq="W", periods_pre=80, periods_post=30, ar=0.6, sd=0.03, seed=3)
    m = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event, log=True)
    reml = m.fit("ar1")  # the default AR(1) method
    assert reml.to_dict()["specification"]["errors"]["ar_method"] == "reml"
    y, x = m.frame["y"].to_numpy(), m.design().to_numpy()
    n, k = x.shape

    def restricted_loglik(rho: float) -> float:
        ys = np.concatenate([[np.sqrt(1 - rho**2) * y[0]], y[1:] - rho * y[:-1]])
        xs = np.vstack([np.sqrt(1 - rho**2) * x[:1], x[1:] - rho * x[:-1]])
        beta = np.linalg.lstsq(xs, ys, rcond=None)[0]
        rss = float(np.sum((ys - xs @ beta) ** 2))
        return (-(n - k) / 2 * np.log(rss / (n - k)) + 0.5 * np.log(1 - rho**2)
                - 0.5 * np.linalg.slogdet(xs.T @ xs)[1])  # fmt: skip

    grid = np.linspace(-0.95, 0.95, 381)
    assert reml.rho == pytest.approx(
        grid[np.argmax([restricted_loglik(r) for r in grid])], abs=0.006
    )
    # REML is less biased towards zero than the lagged-residual regression of Prais–Winsten
    prais = m.fit("ar1", ar_method="prais")
    assert reml.rho is not None and prais.rho is not None and reml.rho > prais.rho
    # GLS at the REML ρ, with a covariance that adds ρ's uncertainty: never narrower
    gls = sm.GLS(y, x, sigma=toeplitz(reml.rho ** np.arange(n))).fit()
    np.testing.assert_allclose(reml.params.to_numpy(), gls.params, rtol=1e-6)
    extra = reml.cov.to_numpy() - gls.cov_params()
    assert np.linalg.eigvalsh((extra + extra.T) / 2).min() > -1e-12
    assert (
        reml.coefficients["level_change"].se
        > gls.bse[list(m.design().columns).index("level_change")]
    )


def test_newey_small_sample_correction_is_statas() -> None:
    frame = noisy(daily(level=5, slope=0.2), 2.0)
    plain = model(frame).fit(ErrorSpec("newey", lags=3, fixed_b=False))
    stata = model(frame).fit(ErrorSpec("newey", lags=3, small_sample=True, fixed_b=False))
    n, k = plain.n, len(plain.design_names)
    np.testing.assert_allclose(stata.cov.to_numpy(), plain.cov.to_numpy() * n / (n - k))
    # t with n - k df rather than z
    c = stata.coefficients["level_change"]
    half = (c.ci_high - c.ci_low) / 2
    assert half / c.se == pytest.approx(stats.t.ppf(0.975, n - k))


def test_delta_method_and_simulation_agree_on_a_window() -> None:
    sim = simulate_series(freq="W", periods_pre=104, periods_post=26, pulse=0.2, decay=0.7)
    m = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event,
                 shape="step-pulse", log=True)  # fmt: skip
    result = m.fit("ar1")
    delta = result.average_effect(periods=6)
    simulated = result.average_effect(periods=6, method="simulation")
    assert simulated.percent == pytest.approx(delta.percent)
    width = delta.percent_high - delta.percent_low
    assert simulated.percent_low == pytest.approx(delta.percent_low, abs=0.05 * width)
    assert simulated.percent_high == pytest.approx(delta.percent_high, abs=0.05 * width)


def test_effect_windows_are_inclusive_and_start_at_the_event() -> None:
    result = model(noisy(daily(level=5), 1.0)).fit("ols")
    six = result.average_effect(EVENT, "2022-09-26")
    assert (six.start, six.end, six.periods) == ("2022-09-21", "2022-09-26", 6)
    assert result.average_effect(periods=6) == six
    with pytest.raises(EventOutsideData):
        result.average_effect("2022-09-20", "2022-09-26")
    with pytest.raises(InvalidSpecification):
        result.average_effect(EVENT, "2022-09-26", periods=6)
    with pytest.raises(EventOutsideData):
        result.effect_at(400)


BAD_INPUTS = [
    ({"value_col": "rent"}, ColumnNotFound, "column 'rent' is not in the data"),
    ({"event": "2021-01-01"}, EventOutsideData, "outside the data"),
    ({"event": "2022-07-25"}, TooFewPrePeriods, "pre-period has 2 observations"),
    ({"event": "2022-07-24"}, TooFewPrePeriods, "pre-period has 1 observation; this"),
    ({"log": True, "zero": True}, InvalidData, "cannot be modelled on the log scale"),
    ({"text": True}, InvalidData, "is not a number"),
    ({"duplicate": True}, InvalidData, "repeats"),
    ({"offset_col": "value"}, InvalidSpecification, "offset column needs a count family"),
    ({"group_col": "city"}, InvalidSpecification, "group column and a treated unit"),
    ({"family": "poisson", "design": "counterfactual"}, InvalidSpecification, "gaussian"),
    ({"seasonality": "month", "numeric_time": True}, InvalidSpecification, "month seasonality"),
    ({"shape": "wave"}, InvalidSpecification, "shape must be one of"),
]


@pytest.mark.parametrize(("options", "error", "message"), BAD_INPUTS)
def test_bad_inputs_give_one_line_errors(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    frame = daily(level=5).assign(city="almaty")
    options = dict(options)
    if options.pop("zero", False):
        frame.loc[3, "value"] = 0
    if options.pop("text", False):
        frame["value"] = frame["value"].astype(object)
        frame.loc[4, "value"] = "n/a"
    if options.pop("duplicate", False):
        frame["day"] = frame["day"].where(frame.index != 5, frame["day"].iloc[4])
    if options.pop("numeric_time", False):
        frame["day"] = np.arange(len(frame))
        options["event"] = 60
    kwargs = {"time_col": "day", "value_col": "value", "event": EVENT, **options}
    with pytest.raises(error) as info:
        ITSModel(frame, **kwargs).fit("ols")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def _values(frame: pd.DataFrame, column: str, rows: slice | list[int], value: float) -> None:
    frame.loc[rows, column] = value


BAD_VALUES = [
    # (change to the two-unit frame, other options, message)
    (lambda f: _values(f, "value", slice(None), np.nan), {},
     "column 'value' has no values"),
    (lambda f: _values(f, "astana", slice(None), np.nan), {},
     "column 'astana' has no values"),
    (lambda f: _values(f, "value", [70], np.inf), {},
     "column 'value', data row 71: inf is not a finite number"),
    (lambda f: _values(f, "astana", [3], -np.inf), {},
     "column 'astana', data row 4: -inf is not a finite number"),
    (lambda f: _values(f, "value", [70], 1e12), {},
     "column 'value', 2022-10-01 (data row 71): 1e+12 is"),
    (lambda f: _values(f, "astana", [10], 0.5), {"log": True},
     "column 'astana', 2022-08-02 (data row 11): 0.5 is 1/"),
    # A whole column of huge values passes the check against its median; its squares
    # overflow the fit (a traceback from the CLI's 'cannot format nan').
    (lambda f: _values(f, "value", slice(None), 2.7e305), {},
     "column 'value', 2022-07-23 (data row 1): 2.7e+305 is too large to fit"),
    (lambda f: _values(f, "astana", [5], -1e101), {},
     "column 'astana', 2022-07-28 (data row 6): -1e+101 is too large to fit"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "options", "message"), BAD_VALUES)
def test_empty_infinite_and_implausible_values_are_one_line_errors(
    change: Any, options: dict[str, Any], message: str
) -> None:
    """A control that is empty in every row used to be dropped without a word (or to crash
    the event check); 1e12 among rents of 100 gave an effect of millions of percent."""
    frame = daily(level=5).assign(astana=lambda d: d["value"] - 3)
    change(frame)
    with pytest.raises(InvalidData) as info:
        model(frame, control_cols=["astana"], **options)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_long_form_units_without_values_are_named() -> None:
    frame = daily(level=5)
    long = pd.concat([frame.assign(city="almaty"), frame.assign(city="astana", value=np.nan)])
    with pytest.raises(InvalidData, match=r"unit 'astana' \(column 'value'\) has no values"):
        ITSModel(long, time_col="day", value_col="value", event=EVENT, group_col="city",
                 treated="almaty")  # fmt: skip


@pytest.mark.parametrize(
    ("case", "values", "options"),
    [
        ("counts with zeros and a spike", np.r_[np.zeros(45), np.ones(44), [400.0]],
         {"family": "poisson"}),
        ("differences around zero", np.r_[np.full(45, -2.0), np.full(45, 3.0)], {}),
        ("a tenfold rise", np.geomspace(1e5, 1e6, 90), {"log": True}),
    ],
)  # fmt: skip
def test_legitimate_series_are_not_refused_as_implausible(
    case: str, values: np.ndarray, options: dict[str, Any]
) -> None:
    rng = np.random.default_rng(3)
    frame = daily().assign(value=values * (1 + rng.normal(0, 0.01, 90)))
    if options.get("family") == "poisson":
        frame["value"] = values
    assert model(frame, **options).fit("ols").n == 90, case


def test_pooled_designs_refuse_ar1_errors() -> None:
    frame = noisy(daily(level=5), 1.0).assign(control=lambda d: d["value"] - 3)
    with pytest.raises(InvalidSpecification, match="pooled"):
        model(frame, control_cols=["control"]).fit("ar1")


def test_arima_errors_agree_with_prais_winsten_for_ar1_noise() -> None:
    sim = simulate_series(freq="W", periods_pre=80, periods_post=30, ar=0.5, seed=4)
    m = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event, log=True)
    arima = m.fit("arima", arima_order=(1, 0, 0))
    prais = m.fit("ar1")
    assert arima.coefficients["level_change"].estimate == pytest.approx(
        prais.coefficients["level_change"].estimate, abs=0.005
    )
    assert arima.rho == pytest.approx(prais.rho, abs=0.05)
    assert arima.fit_info["converged"]


def test_break_search_finds_the_simulated_event() -> None:
    sim = simulate_series(freq="W", periods_pre=80, periods_post=40, level_change=0.3, seed=5)
    m = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event,
                 shape="step", log=True)  # fmt: skip
    found = m.fit("ols").find_break()
    assert pd.Timestamp(found.first_post_low) <= sim.event <= pd.Timestamp(found.first_post_high)
    assert found.event_in_interval
    assert found.terms == "level"
    assert len(found.table) == len(sim.frame) - 2 * int(0.15 * len(sim.frame)) + 1


def test_placebos_flag_a_real_jump_and_not_a_flat_series() -> None:
    jump = simulate_series(freq="W", periods_pre=104, periods_post=26, level_change=0.3, seed=6)
    flat = simulate_series(freq="W", periods_pre=104, periods_post=26, level_change=0.0, seed=6)
    for sim, significant in ((jump, True), (flat, False)):
        m = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event,
                     shape="step", log=True)  # fmt: skip
        placebo = m.fit("ols").placebo(n=30, window=6)
        assert placebo.n == 30 and placebo.failed == 0
        assert (placebo.p_value < 0.05) is significant
        assert all(pd.to_datetime(placebo.table["event"]) < sim.event)
        # every placebo fit has a full year of data before its date
        first = sim.frame["period"].min()
        assert (pd.to_datetime(placebo.table["event"]) - first).min() >= pd.Timedelta(days=364)


def test_placebos_refuse_a_pre_period_shorter_than_a_season() -> None:
    sim = simulate_series(freq="W", periods_pre=50, periods_post=10, level_change=0.3, seed=6)
    m = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event,
                 shape="step", log=True)  # fmt: skip
    with pytest.raises(TooFewPrePeriods, match="full season"):
        m.fit("ols").placebo(n=10, window=4)


def test_sensitivity_table_varies_one_choice_at_a_time() -> None:
    sim = simulate_series(freq="W", periods_pre=104, periods_post=26, seed=7)
    m = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event,
                 shape="step", log=True)  # fmt: skip
    table = m.fit("newey").sensitivity(periods=6, errors=["ols", "newey", "ar1"], lags=[1, 4],
                                       windows=[52])  # fmt: skip
    assert list(table["varied"]) == (
        ["base", "errors", "errors", "lags", "lags", "shape", "shape", "shape", "window"]
    )
    assert (table["status"] == "ok").all()
    base = table.iloc[0]
    assert table.loc[table["varied"] == "errors", "effect"].tolist() == pytest.approx(
        [base["effect"], table.iloc[2]["effect"]]
    )


def test_plot_draws_on_the_given_axes() -> None:
    result = model(noisy(daily(level=5), 1.0), phase_in=2).fit("ols")
    fig, ax = plt.subplots()
    got_fig, got_ax = result.plot(ax=ax)
    assert got_fig is fig and got_ax is ax
    legend = ax.get_legend()
    assert legend is not None
    assert {t.get_text() for t in legend.get_texts()} >= {
        "observed", "fitted", "counterfactual", "event", "phase-in"
    }  # fmt: skip
    plt.close(fig)
    new_fig, _ = result.plot()
    plt.close(new_fig)


def test_to_dict_holds_the_specification_and_serialises() -> None:
    result = model(noisy(daily(level=5), 1.0), shape="step-pulse").fit("ar1")
    out = result.to_dict(windows=[(EVENT, "2022-09-30")])
    json.dumps(out, default=str)
    assert out["specification"]["errors"]["method"] == "ar1"
    assert out["specification"]["first_post"] == EVENT
    assert out["n"] == 90 and out["n_pre"] == 60 and out["n_post"] == 30
    assert [w["periods"] for w in out["effects"]["windows"]] == [30, 10]
    assert [h["horizon_start"] for h in out["effects"]["horizons"]] == [0, 1, 2, 4, 8, 16]
    assert "decay" in out and "rate_ratios" not in out


def test_monthly_windows_count_from_the_first_post_month() -> None:
    sim = simulate_series(freq="M", periods_pre=36, periods_post=12, event="2022-10-01")
    m = ITSModel(sim.frame, time_col="period", value_col="value", event="2022-09-21",
                 shape="step", log=True)  # fmt: skip
    assert m.describe()["first_post"] == "2022-10-01"  # Sep 1 < Sep 21: September is pre
    three = m.fit("ols").average_effect(periods=3)
    assert (three.start, three.end, three.periods) == ("2022-10-01", "2022-12-01", 3)


# A window of days counts from the window's start date on an axis of days, whether every day
# is there or only the days a portal was seen; on weeks and months from the first period.
DAY_WINDOWS = [
    # (days kept after the event, periods, expected start, end, observations)
    ("every day", range(0, 30), 6, "2022-09-21", "2022-09-26", 6),
    ("the event's day missing", range(1, 30), 6, "2022-09-22", "2022-09-26", 5),
    ("seen every third day from day 5", range(5, 30, 3), 14, "2022-09-26", "2022-10-02", 3),
]


@pytest.mark.parametrize(
    ("days", "periods", "start", "end", "n"),
    [case[1:] for case in DAY_WINDOWS],
    ids=[case[0] for case in DAY_WINDOWS],
)
def test_a_window_of_days_counts_from_its_start_date(
    days: range, periods: int, start: str, end: str, n: int
) -> None:
    frame = noisy(daily(level=5), 1.0)
    event = pd.Timestamp(EVENT)
    post = pd.to_datetime(frame["day"]) >= event
    keep = ~post | pd.to_datetime(frame["day"]).sub(event).dt.days.isin(list(days))
    # Every second pre-period day too, for the irregular case: its axis is then in days.
    if days.step > 1:
        keep &= post | (np.arange(len(frame)) % 2 == 0)
    effect = model(frame[keep].reset_index(drop=True)).fit("ols").average_effect(periods=periods)
    assert (effect.start, effect.end, effect.periods) == (start, end, n)


def test_the_model_keeps_its_own_copy_of_the_data() -> None:
    frame = noisy(daily(level=5), 1.0)
    m = model(frame, shape="step")
    before = m.fit("ols").coefficients["level_change"].estimate
    frame["value"] = 0.0
    assert m.replace(shape="step").fit("ols").coefficients["level_change"].estimate == before


def test_placebo_and_break_plots_return_figure_and_axes() -> None:
    from analysis.its.plotting import plot_break_search, plot_placebos

    sim = simulate_series(freq="W", periods_pre=60, periods_post=20, level_change=0.3, seed=8)
    result = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event,
                      shape="step", log=True).fit("ols")  # fmt: skip
    fig, ax = plot_placebos(result.placebo(n=10, window=4))
    assert ax.get_xlabel().startswith("average effect over the first 4 periods")
    fig, ax = plot_break_search(result.find_break())
    assert ax.get_ylabel() == "F statistic" and fig.axes == [ax]


def test_a_series_indexed_by_time() -> None:
    frame = noisy(daily(level=5), 0.1)
    series = frame.set_index("day")["value"]
    via_series = ITSModel.from_series(series, event=EVENT, shape="step").fit("ols")
    via_frame = model(frame, shape="step").fit("ols")
    assert via_series.coefficients["level_change"] == via_frame.coefficients["level_change"]


def test_arima_moves_off_the_ols_start_on_large_raw_scales() -> None:
    """Deaths-sized numbers: the ML fit must still optimise the regression coefficients."""
    sim = simulate_series(freq="M", periods_pre=120, periods_post=24, ar=0.6, sd=0.05, seed=9)
    frame = sim.frame.assign(value=sim.frame["value"] / 3)  # about 50,000
    m = ITSModel(frame, time_col="period", value_col="value", event=sim.event, shape="step")
    ols = m.fit("ols").coefficients["level_change"].estimate
    ar1 = m.fit("ar1").coefficients["level_change"].estimate
    arima = m.fit("arima").coefficients["level_change"].estimate
    assert arima == pytest.approx(ar1, rel=1e-3)
    assert abs(arima - ols) > 0.5 * abs(ols - ar1)


def test_break_search_holds_its_size_under_autocorrelated_errors() -> None:
    """A small-seed guard of bench/its_breaks.py: AR(1) 0.8 noise around a trend, no break.
    The old iid search rejected about 95% of these at 5%; the whitened one about 5%."""
    rejected_iid = rejected = 0
    reps = 30
    for seed in range(reps):
        sim = simulate_series(freq="W", periods_pre=75, periods_post=75, level_change=0.0,
                              pre_trend=0.003, ar=0.8, sd=0.02, seed=100 + seed)  # fmt: skip
        m = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event,
                     shape="step", log=True, simulated=True)  # fmt: skip
        rejected += m.fit("ols").find_break(draws=199).p_value < 0.05
        rejected_iid += m.fit("ols").find_break(draws=199, errors="iid").p_value < 0.05
    assert rejected <= 5  # P(X >= 6) < 0.01 for a 5% test; the iid search fails it
    assert rejected_iid >= 15


def test_counterfactual_noise_is_the_fitted_ar1_with_t_draws_and_knows_gaps() -> None:
    sim = simulate_series(freq="W", periods_pre=104, periods_post=20, ar=0.6, sd=0.03, seed=12)
    m = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event,
                 design="counterfactual", log=True, seasonality="fourier:1")  # fmt: skip
    result = m.fit("ar1")
    noise = result.to_dict()["counterfactual"]["noise"]
    assert noise["process"] == "ar1"
    assert noise["rho"] == pytest.approx(result.rho) and result.rho is not None
    assert noise["df"] == result.df_resid
    assert noise["sigma"] == pytest.approx(result.error_model.sigma)
    process = AR1Noise(sigma=1.0, rho=0.8, df=5.0)
    draws = process.draw(np.array([0.0, 1.0, 4.0]), 200_000, np.random.default_rng(0))
    corr = np.corrcoef(draws.T)
    assert corr[0, 1] == pytest.approx(0.8, abs=0.01)
    assert corr[1, 2] == pytest.approx(0.8**3, abs=0.01)  # three periods apart: ρ³
    assert stats.kurtosis(draws[:, 0]) > 1  # t with 5 df has excess kurtosis 6, normal 0


def test_newey_fixed_b_widens_normal_intervals_by_simulated_critical_values() -> None:
    sim = simulate_series(freq="W", periods_pre=104, periods_post=26, ar=0.5, seed=13)
    m = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event,
                 shape="step-slope", log=True)  # fmt: skip
    fixed = m.fit("newey", lags=13)
    normal = m.fit(ErrorSpec("newey", lags=13, fixed_b=False))
    np.testing.assert_allclose(fixed.cov.to_numpy(), normal.cov.to_numpy())
    c, z = fixed.coefficients["level_change"], normal.coefficients["level_change"]
    ratio = (c.ci_high - c.ci_low) / (z.ci_high - z.ci_low)
    assert 1.05 < ratio < 2.0 and c.p > z.p
    assert m.fit("newey").lags == 13  # the fixed-b default bandwidth: a tenth of the series
    assert "fixed-b" in fixed.errors.label()


def test_notebook_api_summary_repr_and_error_model() -> None:
    sim = simulate_series(freq="W", periods_pre=104, periods_post=26, ar=0.5, seed=14)
    result = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event,
                      shape="step", log=True, label="almaty 1-room",
                      simulated=True).fit("ar1")  # fmt: skip
    assert len(repr(result)) < 200 and repr(result).startswith("<ITSResult 'almaty 1-room'")
    summary = result.summary(periods=6)
    text = summary.as_text()
    assert str(summary) == text and "[simulated data]" in text
    em = result.error_model
    assert em.rho == result.rho and em.llf == result.llf
    assert em.sigma == pytest.approx(np.sqrt(result.scale))
    for value in (f"{em.rho:.4g}", f"{em.sigma:.4g}", "log-likelihood", "level_change"):
        assert value in text
    html = result._repr_html_()
    assert html == result.summary().as_html() and html.startswith('<div class="its-summary">')
    assert "<table>" in html and "level_change" in html
    assert result.to_dict()["error_model"]["rho"] == em.rho


@pytest.mark.parametrize("design", ["segmented", "counterfactual"])
def test_three_panel_plot_on_given_axes_and_alone(design: str) -> None:
    sim = simulate_series(freq="W", periods_pre=60, periods_post=20, level_change=0.2, seed=15)
    result = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event,
                      design=design, shape="step", log=True).fit("ar1")  # fmt: skip
    path = result.effect_path()
    assert len(path) == 20
    assert (path["effect_low"] <= path["effect_high"]).all()
    assert path["cumulative"].iloc[-1] == pytest.approx(result.average_effect().cumulative)
    fig, axes = plt.subplots(3, 1)
    got_fig, got_axes = result.plot_effects(axes=axes)
    assert got_fig is fig and list(got_axes) == list(axes)
    assert got_axes[2].get_ylabel().startswith("cumulative effect")
    plt.close(fig)
    alone, panels = result.plot_effects()
    assert len(panels) == 3 and alone.axes == panels
    with pytest.raises(ValueError, match="three panels"):
        result.plot_effects(axes=axes[:2])


@pytest.mark.parametrize(
    "options",
    [
        {"design": "counterfactual", "seasonality": "fourier:1", "phase_in": 2},
        {"shape": "step-slope", "control_cols": ["control"]},
    ],
)
def test_a_placebo_cut_equals_the_model_prepared_from_the_cut_data(
    options: dict[str, Any],
) -> None:
    sim = simulate_series(freq="W", periods_pre=90, periods_post=20, ar=0.4, seed=16)
    frame = sim.frame.assign(control=sim.frame["value"] * 0.8)
    frame.loc[[5, 40], "value"] = np.nan  # gaps stay gaps in the cut
    m = ITSModel(frame, time_col="period", value_col="value", event=sim.event, log=True,
                 **options)  # fmt: skip
    event = frame["period"].iloc[60]
    t = m.axis.positions(frame["period"])
    cut = frame[(t < 70) & (frame["period"] < sim.event).to_numpy()]
    fast = m.restricted(cut, before_t=70, event=event)
    slow = m.replace(data=cut, event=event)
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    assert fast.counts() == slow.counts()
    errors = "newey" if "control_cols" in options else "ar1"
    a, b = fast.fit(errors), slow.fit(errors)
    assert a.average_effect(periods=4) == b.average_effect(periods=4)
