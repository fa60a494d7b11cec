"""Golden numbers: published ITS cases in ../shared/its_cases reproduce (see its README)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analysis.its import ITSModel
from analysis.its.breaks import find_break
from rentwatch.cli import main

REL = 1e-4


def sicily_model(cases: Path, **options: object) -> ITSModel:
    data = pd.read_csv(cases / "sicily.csv")
    kwargs: dict[str, object] = {
        "time_col": "time", "value_col": "aces", "event": 37, "offset_col": "stdpop",
        "shape": "step", "family": "quasipoisson",
    }  # fmt: skip
    kwargs.update(options)
    return ITSModel(data, **kwargs)  # type: ignore[arg-type]


# model id, options, (rate ratio, ci_low, ci_high), beta, se, dispersion
SICILY = [
    ("M1", {"family": "poisson"}, (0.8944, 0.8647, 0.9251), -0.111633, 0.01722, 1.0),
    ("M2", {}, (0.8944, 0.8392, 0.9532), -0.111633, 0.03250, 3.5592),
    ("M3", {"seasonality": "fourier:2", "season_col": "month"}, (0.8851, 0.8394, 0.9332),
     -0.122087, 0.027031, 2.2622),
    ("M4", {"seasonality": "fourier:2", "season_col": "month", "shape": "step-slope",
            "slope_anchor": 1}, (0.8765, 0.8268, 0.9292), -0.131857, 0.02979, 2.2746),
]  # fmt: skip


@pytest.mark.parametrize(("name", "options", "ratio", "beta", "se", "dispersion"), SICILY)
def test_sicily_smoking_ban_models_reproduce(
    its_cases: Path,
    name: str,
    options: dict[str, object],
    ratio: tuple[float, float, float],
    beta: float,
    se: float,
    dispersion: float,
) -> None:
    result = sicily_model(its_cases, **options).fit("ols")
    level = result.coefficients["level_change"]
    rr = result.rate_ratios["level_change"]
    # The published figures are rounded to 4 significant digits: compare at that precision,
    # and the coefficient (printed to 6) to 1e-4 relative.
    assert level.estimate == pytest.approx(beta, rel=REL)
    assert level.se == pytest.approx(se, rel=5e-4)
    assert (rr.estimate, rr.ci_low, rr.ci_high) == pytest.approx(ratio, abs=6e-5)
    assert result.scale == pytest.approx(dispersion, rel=5e-5)


def test_sicily_m3_deviance_and_m4_slope(its_cases: Path) -> None:
    m3 = sicily_model(its_cases, seasonality="fourier:2", season_col="month").fit("ols")
    assert m3.deviance == pytest.approx(117.266, rel=REL)
    m4 = sicily_model(
        its_cases, seasonality="fourier:2", season_col="month", shape="step-slope", slope_anchor=1
    ).fit("ols")
    slope = m4.coefficients["slope_change"]
    assert slope.estimate == pytest.approx(0.0014822, rel=REL)
    assert slope.se == pytest.approx(0.0018546, rel=REL)
    assert slope.p == pytest.approx(0.428, abs=5e-4)  # t with 51 df, as R's summary.glm
    assert m4.df_resid == 51


def test_sicily_fourier_on_the_time_axis_equals_the_month_column(its_cases: Path) -> None:
    """harmonic(month, 2, 12) spans the same space as Fourier terms of time with period 12."""
    by_month = sicily_model(its_cases, seasonality="fourier:2", season_col="month").fit("ols")
    by_time = sicily_model(its_cases, seasonality="fourier:2:12").fit("ols")
    assert by_time.coefficients["level_change"].estimate == pytest.approx(
        by_month.coefficients["level_change"].estimate, rel=1e-9
    )


def test_nile_break_matches_strucchange(its_cases: Path) -> None:
    data = pd.read_csv(its_cases / "nile.csv")
    model = ITSModel(data, time_col="year", value_col="volume", event=1899, shape="step")
    # strucchange's classical F assumes iid errors; the engine's default whitens by AR(1)
    found = find_break(model, terms="mean", trim=0.15, errors="iid")
    assert found.last_pre == 1898
    assert (found.last_pre_low, found.last_pre_high) == (1895, 1902)
    assert found.first_post == 1899  # the same break as an ITS event (inclusive post)
    assert found.statistic == pytest.approx(75.93, abs=5e-3)
    assert found.before["intercept"] == pytest.approx(1097.75, abs=5e-3)
    assert found.after["intercept"] == pytest.approx(849.97, abs=5e-3)
    assert found.event_in_interval is True
    assert found.p_value < 0.001
    robust = find_break(model, terms="mean", trim=0.15)
    assert robust.errors == "ar1" and robust.rho is not None and robust.rho > 0
    assert robust.last_pre == 1898 and robust.event_in_interval
    assert robust.p_value < 0.001


def test_covid_excess_deaths_counterfactual(its_cases: Path) -> None:
    data = pd.read_csv(its_cases / "covid_deaths_england_wales.csv")
    model = ITSModel(
        data,
        time_col="date",
        value_col="deaths",
        event="2020-01-01",
        design="counterfactual",
        covariate_cols=["temp"],
        seasonality="month",
    )
    result = model.fit("ols")
    whole = result.average_effect()
    assert whole.periods == 29
    assert whole.absolute == pytest.approx(4400, rel=0.01)
    assert whole.cumulative == pytest.approx(127_650, rel=0.001)
    assert whole.absolute_low > 0
    out = result.to_dict()["counterfactual"]
    assert out["cumulative"]["estimate"] == pytest.approx(whole.cumulative)


def test_google_causalimpact_example_lands_in_r_interval(its_cases: Path) -> None:
    data = pd.read_csv(its_cases / "causalimpact_R_google_data.csv")
    model = ITSModel(
        data,
        time_col="date",
        value_col="y",
        event="2020-03-02",
        design="counterfactual",
        control_cols=["x1", "x2"],
        trend=False,
    )
    whole = model.fit("ols").average_effect()
    assert whole.observed == pytest.approx(156.23, abs=0.01)
    assert whole.cumulative + whole.counterfactual * whole.periods == pytest.approx(4687, abs=1)
    assert 18 <= whole.absolute <= 36
    assert whole.percent == pytest.approx(21, abs=1.5)
    assert whole.p <= 0.001


def test_sicily_from_the_command_line_as_json(
    its_cases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([
            "its", "--csv", str(its_cases / "sicily.csv"), "--time-col", "time",
            "--value-col", "aces", "--event", "37", "--family", "quasipoisson",
            "--offset-col", "stdpop", "--seasonality", "fourier:2", "--season-col", "month",
            "--shape", "step-slope", "--slope-anchor", "1", "--errors", "ols", "--json",
        ])  # fmt: skip
    assert exit_info.value.code in (0, None)
    out = json.loads(capsys.readouterr().out)
    coefs = out["coefficients"]
    assert list(coefs)[:5] == [
        "intercept",
        "pre_trend",
        "level_change",
        "slope_change",
        "post_trend",
    ]
    assert set(coefs["level_change"]) == {"estimate", "se", "ci_low", "ci_high", "p"}
    assert out["rate_ratios"]["level_change"]["estimate"] == pytest.approx(0.8765, abs=6e-5)
    assert out["n"] == 59
    assert out["specification"]["family"] == "quasipoisson"
    assert out["specification"]["event_rule"] == "event date inclusive in the post period"
