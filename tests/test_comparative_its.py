"""Comparative ITS: treated minus comparison, the engine's error models, effects as defined."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.its.comparative import ComparativeITS
from analysis.its.exceptions import InvalidSpecification
from analysis.its.synthetic_simulate import simulated_panel


def national_trend_panel(effect: float = 0.1, seed: int = 3) -> tuple[pd.DataFrame, str]:
    """Every city follows an accelerating national trend; only the treated one jumps."""
    rng = np.random.default_rng(seed)
    weeks = pd.date_range("2021-01-04", periods=90, freq="7D")
    t = np.arange(90.0)
    national = 12.4 + 0.002 * t + 0.00005 * t**2
    frame = pd.DataFrame({"week": weeks})
    for j, name in enumerate(["treated", "c1", "c2", "c3"]):
        frame[name] = np.exp(national + 0.1 * j + rng.normal(0, 0.01, 90))
    frame.loc[80:, "treated"] *= np.exp(effect)
    return frame, weeks[80].date().isoformat()


@pytest.mark.parametrize("errors", ["ols", "newey", "ar1", "arima"])
def test_level_change_of_the_difference_recovers_the_jump(errors: str) -> None:
    frame, event = national_trend_panel()
    model = ComparativeITS(frame, time_col="week", treated="treated", event=event, shape="step")
    result = model.fit(errors)
    level = result.coefficients["level_change"]
    assert level.ci_low < 0.1 < level.ci_high
    effect = result.average_effect(periods=6)
    assert effect.percent == pytest.approx(100 * np.expm1(0.1), abs=1.5)
    assert effect.percent_low < 100 * np.expm1(0.1) < effect.percent_high
    assert effect.start == event and effect.periods == 6


def test_effect_is_the_engines_model_based_relative_effect() -> None:
    frame, event = national_trend_panel()
    result = ComparativeITS(frame, time_col="week", treated="treated", event=event).fit("ols")
    effect = result.average_effect(periods=6)
    window = result.series[result.series["post"]].head(6)
    assert effect.percent == pytest.approx(
        100 * (window["fitted"].sum() / window["counterfactual"].sum() - 1)
    )
    assert effect.absolute == pytest.approx((window["fitted"] - window["counterfactual"]).mean())
    # The comparison is the mean of the controls' logs.
    logs = np.log(frame[["c1", "c2", "c3"]]).mean(axis=1)
    assert np.log(result.series["comparison"]).to_numpy() == pytest.approx(logs.to_numpy())


def test_comparison_weights() -> None:
    frame, event = simulated_panel(seed=2, effect=0.1, donors=4)
    given = ComparativeITS(frame, time_col="week", treated="treated", event=event,
                           comparison={"d01": 3, "d02": 1})  # fmt: skip
    assert dict(given.weights) == {"d01": 0.75, "d02": 0.25, "d03": 0.0, "d04": 0.0}
    synthetic = ComparativeITS(frame, time_col="week", treated="treated", event=event,
                               comparison="synthetic")  # fmt: skip
    assert sum(synthetic.weights.values()) == pytest.approx(1.0)
    with pytest.raises(InvalidSpecification, match="not a control"):
        ComparativeITS(frame, time_col="week", treated="treated", event=event,
                       comparison={"nowhere": 1.0})  # fmt: skip


def test_long_form_and_to_dict() -> None:
    frame, event = national_trend_panel()
    long = frame.melt(id_vars="week", var_name="city", value_name="rent")
    result = ComparativeITS(long, time_col="week", group_col="city", value_col="rent",
                            treated="treated", event=event).fit("ar1")  # fmt: skip
    out = result.to_dict(periods=6)
    assert out["design"] == "comparative" and out["weights"] == pytest.approx(
        {"c1": 1 / 3, "c2": 1 / 3, "c3": 1 / 3}
    )
    assert {"level_change", "slope_change"} <= set(out["coefficients"])
    assert {"percent", "percent_low", "percent_high"} <= set(out["headline"])
    assert out["specification"]["errors"]["method"] == "ar1" and -1 < out["fit"]["rho"] < 1
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = result.plot()
    assert len(ax.get_lines()) >= 3
    plt.close(fig)
