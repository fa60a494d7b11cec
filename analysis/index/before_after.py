"""Median rents by room count before and after an event date: the reports' small table.

Each flat counts once per window (its last sighting in the window), with the same counting
rules as the series (outliers, twins, monthly KZT only). Windows: ``days`` days before the
event (the event day excluded) and ``days`` days from the event day on (included).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Final

import duckdb
import pandas as pd

from analysis.index.sample import (
    FxRate,
    Window,
    build_before_after_sample,
    drop_temp_tables,
    prepare_city,
)
from analysis.index.spec import CountingRules, SeriesError
from warehouse.cities import REGISTRY

MEDIANS_BY_ROOMS: Final = """
SELECT rooms, period, median(rent) AS median, count(*) AS n,
       string_agg(DISTINCT origin, ',' ORDER BY origin) AS origins
FROM index_sample
WHERE rent IS NOT NULL AND list_contains($rooms, rooms)
GROUP BY rooms, period
"""

COLUMNS: Final = (
    "city", "rooms", "before_median", "after_median", "change_pct", "n_before", "n_after",
    "before_start", "before_end", "after_start", "after_end", "origins",
)  # fmt: skip


def median_rents_before_after(
    conn: duckdb.DuckDBPyConnection,
    *,
    city: str,
    event: date,
    days: int = 90,
    rooms: Sequence[int] = (1, 2, 3),
    fx_rates: Iterable[FxRate] = (),
    rules: CountingRules | None = None,
) -> pd.DataFrame:
    """One row per room count: median asking rent (KZT/month) before and after ``event``.

    ``change_pct`` = 100 × (after / before − 1); medians are NaN (and n 0) when a window has
    no such flats. ``origins`` lists the kinds of data behind the row (simulated included).
    """
    if city not in REGISTRY:
        raise SeriesError(f"unknown city {city!r}; known: {', '.join(REGISTRY.codes)}")
    if days < 1:
        raise SeriesError("days must be at least 1")
    before_start = event - timedelta(days=days)
    after_end = event + timedelta(days=days - 1)
    rates = list(fx_rates)
    window = Window(city, before_start, after_end, with_rates=bool(rates))
    rules = rules or CountingRules()
    try:
        prepare_city(conn, window, rules, rates)
        build_before_after_sample(conn, window, rules, event)
        found = conn.execute(MEDIANS_BY_ROOMS, {"rooms": list(rooms)}).df()
    finally:
        drop_temp_tables(conn)
    found["period"] = pd.to_datetime(found["period"]).dt.date
    rows = []
    for room in rooms:
        before = found[(found["rooms"] == room) & (found["period"] == before_start)]
        after = found[(found["rooms"] == room) & (found["period"] == event)]
        b = float(before["median"].iloc[0]) if len(before) else float("nan")
        a = float(after["median"].iloc[0]) if len(after) else float("nan")
        texts = [*before["origins"], *after["origins"]]
        origins = sorted({o for text in texts for o in text.split(",")})
        rows.append(
            {
                "city": city,
                "rooms": room,
                "before_median": b,
                "after_median": a,
                "change_pct": 100.0 * (a / b - 1.0),
                "n_before": int(before["n"].iloc[0]) if len(before) else 0,
                "n_after": int(after["n"].iloc[0]) if len(after) else 0,
                "before_start": before_start,
                "before_end": event - timedelta(days=1),
                "after_start": event,
                "after_end": after_end,
                "origins": ",".join(origins),
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))
