"""One rule for what the prose may say about an effect's direction: rise, fall or cannot tell.

Every sentence that names a direction (the headline, the interval sentence, the caveats)
asks :func:`verdict`, so no page says "rose" in one line and "cannot rule out no change" in
the next. The rule is the ITS engine's (:func:`analysis.its.verdict`), asked with the
interval only: a rise or a fall when the interval excludes zero. The engine's rule can also
weigh a placebo p-value and the sensitivity table (a rise with a placebo p above its alpha
becomes "unclear"); whether the reports pass them is a choice about the prose, made here and
nowhere else (with synthetic control's placebo in space, p cannot go below 1/(J + 1): 0.17
with five donors, so passing it would make every such headline "unclear").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from analysis.its import verdict as engine_verdict
from reports.facts import Interval

Verdict = Literal["rise", "fall", "unclear"]


@dataclass(frozen=True)
class _Percent:
    """An :class:`Interval` of a percent effect as the engine's rule reads it."""

    percent: float
    percent_low: float
    percent_high: float


def verdict(effect: Interval) -> Verdict:
    """``rise`` or ``fall`` when the interval excludes zero, else ``unclear``."""
    found = engine_verdict(_Percent(effect.estimate, effect.low, effect.high))
    direction: Verdict = found.direction.value
    return direction
