"""One rule for what the prose may say about an effect's direction: rise, fall or cannot tell.

Every sentence that names a direction (the headline, the interval sentence, the caveats)
asks :func:`verdict`, so no page says "rose" in one line and "cannot rule out no change" in
the next. The rule: a rise or a fall only when the interval excludes zero. (The ITS engine's
own verdict function, when it lands, replaces the body of :func:`verdict`; nothing else in
the reports decides a direction.)
"""

from __future__ import annotations

from typing import Literal

from reports.facts import Interval

Verdict = Literal["rise", "fall", "unclear"]


def verdict(effect: Interval) -> Verdict:
    """``rise`` or ``fall`` when the interval excludes zero, else ``unclear``."""
    if effect.low > 0:
        return "rise"
    if effect.high < 0:
        return "fall"
    return "unclear"
