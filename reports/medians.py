"""Median asking rents by room count in the weeks before and after the event (the summary's table).

A window-level median, which no index series holds (their points are per period): each
listing counts once per window, at the median of its own monthly KZT prices seen in the
window; the table's median is taken over listings. Only monthly prices in tenge count (daily
rents and USD prices are left out, as in the index); a listing seen on two portals counts
twice, which moves a median little. "Before" is the ``weeks`` weeks ending the day before the
event; "after" the same number of weeks from the event day (inclusive).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Final

import duckdb

from reports.facts import RoomMedians

WINDOW_MEDIANS: Final = """
WITH per_listing AS (
    SELECT l.city, l.rooms, o.source, o.listing_id,
           o.observed_on >= $event AS after,
           median(o.price) AS rent
    FROM observations o
    JOIN listings l ON l.source = o.source AND l.listing_id = o.listing_id
    WHERE list_contains($cities, l.city)
      AND list_contains($rooms, l.rooms)
      AND o.currency = 'KZT' AND o.price_period = 'month'
      AND o.observed_on BETWEEN $first AND $last
    GROUP BY ALL
)
SELECT city, rooms, after, median(rent) AS median_rent, count(*) AS listings
FROM per_listing
GROUP BY ALL
"""


def room_medians(
    conn: duckdb.DuckDBPyConnection,
    cities: Sequence[str],
    *,
    event: date,
    weeks: int,
    rooms: Sequence[int] = (1, 2, 3),
) -> tuple[RoomMedians, ...]:
    """One row per city and room count, in the order given (KZT per month)."""
    rows = conn.execute(
        WINDOW_MEDIANS,
        {
            "cities": list(cities),
            "rooms": list(rooms),
            "event": event,
            "first": event - timedelta(weeks=weeks),
            "last": event + timedelta(weeks=weeks, days=-1),
        },
    ).fetchall()
    found = {(city, r, after): (float(m), int(n)) for city, r, after, m, n in rows}
    result = []
    for city in cities:
        for r in rooms:
            before_kzt, n_before = found.get((city, r, False), (None, 0))
            after_kzt, n_after = found.get((city, r, True), (None, 0))
            result.append(RoomMedians(city, r, before_kzt, after_kzt, n_before, n_after))
    return tuple(result)
