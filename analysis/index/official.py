"""Official monthly series (``rentwatch import official``) as analysis inputs.

A series is one city (or ``kazakhstan``), metric, source and **basis**: statistics offices
change methodology, and the Bureau of National Statistics' average rent per m² jumps between
its 2021 and 2022 bases, so two bases are never spliced into one series. A month with no
value is a gap, kept as a gap: :attr:`OfficialSeries.frame` holds only the months that have
values, and the time axis of an ITS on it keeps the real distances between them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from analysis.index.spec import SeriesError

SELECT_KEYS = """
SELECT DISTINCT source, basis, unit FROM official_series
WHERE city = $city AND metric = $metric
  AND ($source IS NULL OR source = $source) AND ($basis IS NULL OR basis = $basis)
ORDER BY source, basis
"""

SELECT_POINTS = """
SELECT month, value FROM official_series
WHERE city = $city AND metric = $metric AND source = $source AND basis = $basis
ORDER BY month
"""


@dataclass(frozen=True)
class OfficialSeries:
    """One official series: months with values only (``frame``: ``month``, ``value``)."""

    city: str
    metric: str
    source: str
    basis: str
    unit: str
    frame: pd.DataFrame

    @property
    def label(self) -> str:
        return f"{self.city} {self.metric} ({self.source}, basis {self.basis})"

    @property
    def gaps(self) -> tuple[tuple[date, date], ...]:
        """Spans of months without a value between the first and the last (both inclusive)."""
        months = pd.PeriodIndex(self.frame["month"], freq="M")
        spans = []
        for before, after in itertools.pairwise(months):
            if (after - before).n > 1:
                spans.append(((before + 1).start_time.date(), (after - 1).start_time.date()))
        return tuple(spans)

    def monthly(self) -> pd.DataFrame:
        """Every month from the first to the last; a gap's ``value`` is NaN, never filled."""
        full = pd.date_range(self.frame["month"].min(), self.frame["month"].max(), freq="MS")
        return self.frame.set_index("month").reindex(full).rename_axis("month").reset_index()


def read_official(
    conn: duckdb.DuckDBPyConnection,
    *,
    city: str,
    metric: str,
    source: str | None = None,
    basis: str | None = None,
) -> OfficialSeries:
    """The stored series; :class:`SeriesError` when there is none, or when more than one
    source or basis matches and the caller chose none (they are never combined)."""
    params = {"city": city, "metric": metric, "source": source, "basis": basis}
    keys = conn.execute(SELECT_KEYS, params).fetchall()
    if not keys:
        raise SeriesError(
            f"no official series {city} {metric}"
            + (f" from {source}" if source else "")
            + (f" on basis {basis}" if basis else "")
            + ": import it with `rentwatch import official`"
        )
    if len(keys) > 1:
        listed = ", ".join(f"{s} basis {b}" for s, b, _ in keys)
        raise SeriesError(
            f"official series {city} {metric} has {len(keys)} versions ({listed}): choose a "
            "source and basis; different bases are never spliced into one series"
        )
    chosen_source, chosen_basis, unit = keys[0]
    frame = conn.execute(
        SELECT_POINTS, {**params, "source": chosen_source, "basis": chosen_basis}
    ).df()
    frame["month"] = pd.to_datetime(frame["month"])
    return OfficialSeries(city, metric, chosen_source, chosen_basis, unit, frame)
