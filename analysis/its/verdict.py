"""One verdict on an effect, for every sentence a report writes about it.

A page must not call the same estimate "unlikely to be chance" and "maybe noise": both
statements are read off one rule here. The interval speaks first; a placebo test that finds
effects as large at dates when nothing happened, or a sensitivity table whose reasonable
variants cannot rule out zero, turns a rise or a fall into "unclear", with the reason.

    from analysis.its import verdict
    v = verdict(result.average_effect(periods=6), placebo=result.placebo(n=40, window=6))
    v.direction        # Direction.RISE, Direction.FALL or Direction.UNCLEAR
    v.reason           # Reason.INTERVAL_EXCLUDES_ZERO, … (why, as a code a sentence can key on)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol


class Direction(StrEnum):
    """What the data say about the effect's sign."""

    RISE = "rise"
    FALL = "fall"
    UNCLEAR = "unclear"


class Reason(StrEnum):
    """Why the verdict is what it is (first reason that applies, in this order)."""

    INTERVAL_INCLUDES_ZERO = "interval_includes_zero"
    """The effect's interval holds zero: no change cannot be ruled out."""
    PLACEBO_NOT_RARE = "placebo_not_rare"
    """Placebo dates gave effects at least as large in more than ``alpha`` of the tries."""
    FRAGILE = "fragile"
    """Some reasonable variant of the specification cannot rule out zero."""
    INTERVAL_EXCLUDES_ZERO = "interval_excludes_zero"
    """The interval excludes zero and no check contradicts it."""


class _Interval(Protocol):
    @property
    def percent(self) -> float: ...

    @property
    def percent_low(self) -> float: ...

    @property
    def percent_high(self) -> float: ...


class _Placebo(Protocol):
    @property
    def p_value(self) -> float: ...


@dataclass(frozen=True)
class Verdict:
    """``direction`` and ``reason``; ``settled`` is True for a rise or a fall."""

    direction: Direction
    reason: Reason
    percent: float
    percent_low: float
    percent_high: float
    placebo_p: float | None = None

    @property
    def settled(self) -> bool:
        return self.direction is not Direction.UNCLEAR

    def to_dict(self) -> dict[str, Any]:
        return {
            "direction": self.direction.value,
            "reason": self.reason.value,
            "settled": self.settled,
            "percent": self.percent,
            "percent_low": self.percent_low,
            "percent_high": self.percent_high,
            "placebo_p": self.placebo_p,
        }


def verdict(
    effect: _Interval,
    *,
    placebo: _Placebo | float | None = None,
    sensitivity_includes_zero: bool = False,
    alpha: float = 0.05,
) -> Verdict:
    """The verdict on ``effect`` (an :class:`~analysis.its.effects.Effect`, or anything with
    ``percent``, ``percent_low`` and ``percent_high``, in %).

    - ``unclear`` / ``interval_includes_zero`` when the interval holds zero;
    - ``unclear`` / ``placebo_not_rare`` when ``placebo`` (a
      :class:`~analysis.its.placebo.PlaceboResult` or its p-value) is above ``alpha``: dates
      when nothing happened gave effects as large, so the interval alone overstates the case;
    - ``unclear`` / ``fragile`` when ``sensitivity_includes_zero`` (some reasonable variant
      of the specification — other error models, lags, windows — has an interval that holds
      zero);
    - otherwise ``rise`` or ``fall`` by the sign, reason ``interval_excludes_zero``.

    A report that says "unlikely to be chance" should say it for ``settled`` verdicts only,
    and "may be noise" only for the ``placebo_not_rare`` reason, so the two never meet.
    """
    p = placebo if placebo is None or isinstance(placebo, float | int) else placebo.p_value
    low, high = effect.percent_low, effect.percent_high

    def made(direction: Direction, reason: Reason) -> Verdict:
        return Verdict(
            direction,
            reason,
            effect.percent,
            low,
            high,
            None if p is None else float(p),
        )

    if not (low > 0 or high < 0):
        return made(Direction.UNCLEAR, Reason.INTERVAL_INCLUDES_ZERO)
    if p is not None and p > alpha:
        return made(Direction.UNCLEAR, Reason.PLACEBO_NOT_RARE)
    if sensitivity_includes_zero:
        return made(Direction.UNCLEAR, Reason.FRAGILE)
    return made(Direction.RISE if low > 0 else Direction.FALL, Reason.INTERVAL_EXCLUDES_ZERO)
