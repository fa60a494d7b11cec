"""Card dates -> calendar dates, resolved against the observation time.

krisha prints the day and an abbreviated month with no year (``"13 окт."``); olx prints
``"26 июля 2025 г."``, ``"Сегодня в 21:54"`` or ``"Вчера"``. A date without a year takes the
year of the observation, unless that would put it more than one day after the observation
(site clocks and ours may disagree by a day): then it is last year's, so a ``"31 дек."`` seen
on 2 January is 31 December of the year before.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from scrapers.parse.markup import squash
from warehouse.records import LOCAL_TIMEZONE

LOCAL: Final = ZoneInfo(LOCAL_TIMEZONE)

# Genitive and abbreviated forms share their first three letters, except May ("май"/"мая").
_MONTHS: Final = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "май": 5, "мая": 5, "июн": 6,
    "июл": 7, "авг": 8, "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
}  # fmt: skip
_DAY_MONTH: Final = re.compile(r"(?<!\d)(\d{1,2})\s?([а-я]{3})[а-я]*\.?(?:\s?(\d{4})(?!\d))?")
_RELATIVE: Final = {"сегодня": 0, "вчера": 1, "позавчера": 2}
# A card dated this far after the observation is last year's.
_CLOCK_SLACK: Final = timedelta(days=1)


def local_date(observed_at: datetime) -> date:
    """The calendar day of ``observed_at`` in Almaty/Astana; a naive time is taken as local."""
    if observed_at.tzinfo is None:
        return observed_at.date()
    return observed_at.astimezone(LOCAL).date()


def parse_card_date(text: str | None, observed_at: datetime) -> date | None:
    """``"13 окт."`` seen on 2022-10-13 -> ``date(2022, 10, 13)``; None when there is no date."""
    flat = squash(text).lower()
    today = local_date(observed_at)
    for word, days_back in _RELATIVE.items():
        if flat.startswith(word):
            return today - timedelta(days=days_back)
    match = _DAY_MONTH.search(flat)
    if match is None or match[2] not in _MONTHS:
        return None
    day, month = int(match[1]), _MONTHS[match[2]]
    if match[3]:
        return _date_or_none(int(match[3]), month, day)
    for year in (today.year, today.year - 1):
        candidate = _date_or_none(year, month, day)
        if candidate is not None and candidate <= today + _CLOCK_SLACK:
            return candidate
    return None


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:  # "31 ноя.", or 29 February in a common year
        return None
