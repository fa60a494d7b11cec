"""Is this price plausible for a flat of this many rooms in this city? Bounds from the data.

A price that parses can still be wrong: a page cut inside "300 000" reads 3, 30 or 300 KZT,
and 1 KZT a month passed every bound there was. The rule here is per city and room count
(and currency and period), and its bounds come from prices already observed: for each group
with at least :data:`MIN_SAMPLE` prices, a price below its 1st percentile divided by
:data:`SPREAD`, or above its 99th percentile times :data:`SPREAD`, is dropped as
``price_implausible``. On the 2,721 real Almaty cards of October 2022 the 1-room group's 1st
and 99th percentiles are 70,000 and 750,000 KZT, so its bounds are 14,000..3,750,000 and a
price cut to 300 KZT falls a factor of 47 below the floor.
A group with too few prices falls back to its city's prices over all room counts, and a city
with none to :data:`OUTER_MONTHLY` (the range an import accepts), scaled by the period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

import duckdb

MIN_SAMPLE: Final = 30
SPREAD: Final = 5.0  # how far outside the observed 1st..99th percentile a price may lie
LOW_Q, HIGH_Q = 0.01, 0.99
# Plausible monthly asking rent per currency when there is no data at all.
OUTER_MONTHLY: Final[dict[str, tuple[float, float]]] = {
    "KZT": (5_000, 50_000_000),
    "USD": (10, 100_000),
    "EUR": (10, 100_000),
    "RUB": (1_000, 10_000_000),
}
PERIOD_DIVISOR: Final = {"month": 1, "day": 30, "hour": 720}
# Observed prices by city, rooms (NULL: all rooms), currency and period, the last year.
OBSERVED_QUANTILES: Final = """
SELECT l.city, l.rooms, o.currency, o.price_period,
       quantile_cont(o.price, $low_q) AS low, quantile_cont(o.price, $high_q) AS high,
       count(*) AS n
FROM observations o JOIN listings l USING (source, listing_id)
WHERE o.origin = $origin AND o.observed_on >= current_date - INTERVAL 365 DAY
GROUP BY GROUPING SETS ((l.city, l.rooms, o.currency, o.price_period),
                        (l.city, o.currency, o.price_period))
HAVING count(*) >= $min_sample
"""

Group = tuple[str, int | None, str, str]  # city, rooms (None: any), currency, period


@dataclass(frozen=True)
class PriceBounds:
    """Per-group (low, high) bounds in whole currency units per period."""

    groups: dict[Group, tuple[float, float]] = field(default_factory=dict)

    @classmethod
    def from_prices(cls, prices: Iterable[tuple[str, int | None, str, str, int]]) -> PriceBounds:
        """Bounds from ``(city, rooms, currency, period, price)`` observations."""
        by_group: dict[Group, list[int]] = defaultdict(list)
        for city, rooms, currency, period, price in prices:
            by_group[(city, rooms, currency, period)].append(price)
            if rooms is not None:
                by_group[(city, None, currency, period)].append(price)
        groups = {}
        for group, values in by_group.items():
            if len(values) >= MIN_SAMPLE:
                values.sort()
                groups[group] = _widened(_quantile(values, LOW_Q), _quantile(values, HIGH_Q))
        return cls(groups)

    @classmethod
    def from_warehouse(cls, conn: duckdb.DuckDBPyConnection, *, origin: str) -> PriceBounds:
        """Bounds from the warehouse's last year of observations of ``origin``."""
        rows = conn.execute(
            OBSERVED_QUANTILES,
            {"origin": origin, "low_q": LOW_Q, "high_q": HIGH_Q, "min_sample": MIN_SAMPLE},
        ).fetchall()
        return cls(
            {
                (city, rooms, currency, period): _widened(float(low), float(high))
                for city, rooms, currency, period, low, high, _ in rows
            }
        )

    def bounds(
        self, city: str, rooms: int | None, currency: str, period: str
    ) -> tuple[float, float]:
        """The (low, high) range for this group: its own, its city's, else the outer one."""
        for key in ((city, rooms, currency, period), (city, None, currency, period)):
            if key in self.groups:
                return self.groups[key]
        low, high = OUTER_MONTHLY.get(currency, (1, float("inf")))
        divisor = PERIOD_DIVISOR.get(period, 1)
        return low / divisor, high / divisor

    def check(self, city: str, rooms: int | None, price: int, currency: str, period: str) -> bool:
        """True when ``price`` lies inside its group's bounds."""
        low, high = self.bounds(city, rooms, currency, period)
        return low <= price <= high


def _widened(low: float, high: float) -> tuple[float, float]:
    return low / SPREAD, high * SPREAD


def _quantile(ordered: list[int], q: float) -> float:
    """Linear-interpolated quantile of sorted values (as DuckDB's ``quantile_cont``)."""
    position = q * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)
