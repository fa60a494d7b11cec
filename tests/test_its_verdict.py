"""The one verdict rule: no effect is both "unlikely to be chance" and "maybe noise"."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from analysis.its import Direction, ITSModel, Reason, verdict
from analysis.its.simulate import simulate_series


def interval(percent: float, low: float, high: float) -> SimpleNamespace:
    return SimpleNamespace(percent=percent, percent_low=low, percent_high=high)


@pytest.mark.parametrize(
    ("effect", "options", "direction", "reason"),
    [
        (interval(39, 28, 51), {}, Direction.RISE, Reason.INTERVAL_EXCLUDES_ZERO),
        (interval(-8, -12, -3), {"placebo": 0.01}, Direction.FALL, Reason.INTERVAL_EXCLUDES_ZERO),
        (interval(5, -2, 12), {"placebo": 0.01}, Direction.UNCLEAR, Reason.INTERVAL_INCLUDES_ZERO),
        (interval(39, 28, 51), {"placebo": 0.2}, Direction.UNCLEAR, Reason.PLACEBO_NOT_RARE),
        (interval(39, 28, 51), {"sensitivity_includes_zero": True}, Direction.UNCLEAR,
         Reason.FRAGILE),
        (interval(5, -2, 12), {"placebo": 0.5}, Direction.UNCLEAR, Reason.INTERVAL_INCLUDES_ZERO),
    ],
)  # fmt: skip
def test_verdict_rule(
    effect: SimpleNamespace, options: dict[str, object], direction: Direction, reason: Reason
) -> None:
    found = verdict(effect, **options)  # type: ignore[arg-type]
    assert (found.direction, found.reason) == (direction, reason)
    assert found.settled is (direction is not Direction.UNCLEAR)
    # "unlikely to be chance" (settled) and "may be noise" (placebo not rare) never meet
    assert not (found.settled and found.reason is Reason.PLACEBO_NOT_RARE)


def test_verdict_on_a_real_result_and_its_placebos() -> None:
    sim = simulate_series(freq="W", periods_pre=104, periods_post=26, level_change=0.3, seed=6)
    result = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event,
                      shape="step", log=True, simulated=True).fit("ols")  # fmt: skip
    effect = result.average_effect(periods=6)
    found = verdict(effect, placebo=result.placebo(n=20, window=6))
    assert found.direction is Direction.RISE and found.placebo_p is not None
    assert found.to_dict()["direction"] == "rise"
