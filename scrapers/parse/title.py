"""Card title -> rooms, total area, floor, floors in the building and the rent period.

Every krisha era is one pattern with two separators: 2022 ``"2-комнатная квартира, 87 м²,
16/17 этаж на длительный срок"``, 2023 ``"… этаж помесячно"``, 2025 ``"1-комнатная квартира ·
40 м² · 5/9 этаж"``. The floor may be missing (``"…, 150 м² на длительный срок"``) or alone
(``"…, 54 м², 10 этаж …"``); areas may be decimal (``"68.6 м²"``, also with a comma).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from scrapers.items import PricePeriod
from scrapers.parse.markup import squash
from scrapers.parse.period import period_in
from scrapers.parse.rejected import Rejected
from warehouse.records import AREA_RANGE, FLOOR_RANGE, ROOMS_RANGE


@dataclass(frozen=True, slots=True)
class TitleFacts:
    """What a title says. Area in m²; ``period`` None when the title names none."""

    rooms: int | None
    area_m2: float | None
    floor: int | None
    floors_total: int | None
    period: PricePeriod | None


# Digit runs are bounded so that no title, however long, makes an absurd or slow number.
_ROOMS: Final = re.compile(r"(?<!\d)(\d{1,3})\s?-?\s?(?:х\s?)?комн")
_AREA: Final = re.compile(r"(?<![\d.,])(\d{1,5}(?:[.,]\d{1,2})?)\s?(?:м²|м2|кв\.?\s?м)")
_FLOOR_OF: Final = re.compile(r"(?<![\d-])(-?\d{1,3})\s?/\s?(\d{1,3})\s?этаж")
_FLOOR_FROM: Final = re.compile(r"этаж\s?(-?\d{1,3})\s?из\s?(\d{1,3})(?!\d)")
_FLOOR_ALONE: Final = re.compile(r"(?<![\d/-])(-?\d{1,3})\s?этаж")


def parse_title(text: str | None) -> TitleFacts | Rejected:
    """Parse a listing title; a value outside the warehouse's plausibility bounds rejects it.

    Rejections: ``rooms_implausible``, ``area_implausible``, ``floor_implausible``. Missing
    values are None, not rejections.
    """
    flat = squash(text).lower()
    rooms = int(m[1]) if (m := _ROOMS.search(flat)) else None
    area = float(m[1].replace(",", ".")) if (m := _AREA.search(flat)) else None
    floor, floors_total = _floors(flat)
    return checked(TitleFacts(rooms, area, floor, floors_total, period_in(flat)))


def checked(facts: TitleFacts) -> TitleFacts | Rejected:
    """``facts`` if every value is within the warehouse's plausibility bounds, else why not."""
    if facts.rooms is not None and not ROOMS_RANGE[0] <= facts.rooms <= ROOMS_RANGE[1]:
        return Rejected("rooms_implausible")
    if facts.area_m2 is not None and not AREA_RANGE[0] <= facts.area_m2 <= AREA_RANGE[1]:
        return Rejected("area_implausible")
    if facts.floor is not None and not FLOOR_RANGE[0] <= facts.floor <= FLOOR_RANGE[1]:
        return Rejected("floor_implausible")
    if facts.floors_total is not None and not 1 <= facts.floors_total <= FLOOR_RANGE[1]:
        return Rejected("floor_implausible")
    return facts


def _floors(flat: str) -> tuple[int | None, int | None]:
    if m := _FLOOR_OF.search(flat) or _FLOOR_FROM.search(flat):
        return int(m[1]), int(m[2])
    if m := _FLOOR_ALONE.search(flat):
        return int(m[1]), None
    return None, None
