"""The rent period a text states: monthly, daily or hourly.

The same words appear in krisha titles ("… на длительный срок", "… помесячно", "… посуточно"),
after krisha prices ("за месяц") and in olx texts. Daily and hourly rents are recorded with
their period and never mixed into monthly rent.
"""

from __future__ import annotations

import re
from typing import Final

from scrapers.items import PricePeriod

# Checked in this order: "по часам" must not be read as monthly, nor "посуточно" as anything
# else; each pattern is whole words on the lowercased text.
_PATTERNS: Final[tuple[tuple[PricePeriod, re.Pattern[str]], ...]] = (
    ("hour", re.compile(r"по\s?часам|почасов\w*|(?:за|в|/)\s?час\b")),
    ("day", re.compile(r"посуточн\w*|(?:за|в|/)\s?сутки|(?:за|в|/)\s?день\b")),
    (
        "month",
        re.compile(
            r"на\s+длительный\s+срок|помесячн\w*|ежемесячн\w*|долгосрочн\w*"
            r"|(?:за|в|/)\s?мес(?:яц)?\b"
        ),
    ),
)


def period_in(text: str) -> PricePeriod | None:
    """``"… 9/12 этаж на длительный срок"`` -> ``"month"``; None when the text names no period."""
    lowered = text.lower()
    for period, pattern in _PATTERNS:
        if pattern.search(lowered):
            return period
    return None
