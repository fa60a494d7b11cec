"""Median series from the sample: raw median rent, median rent per m², and the stratified
mix-adjusted median (Eurostat, *Handbook on Residential Property Prices Indices*, 2013, ch. 4).

All three are computed by DuckDB's ``median`` and ``mad`` aggregates over ``index_sample``;
only one row per period (or per cell and period) comes back to Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import duckdb
import numpy as np
import pandas as pd

from analysis.index.spec import SeriesError

# se of a median ≈ 1.2533 σ / √n for a normal population, with σ estimated by 1.4826 × MAD.
MEDIAN_SE_FACTOR: Final = 1.2533 * 1.4826
MIN_N_FOR_SE: Final = 5

# {value} is "rent" (KZT/month) or "rent / area_m2" (KZT/m²/month).
MEDIAN_BY_PERIOD: Final = """
SELECT period, median({value}) AS value, mad({value}) AS mad, count(*) AS n,
       string_agg(DISTINCT origin, ',' ORDER BY origin) AS origins
FROM index_sample
WHERE rent IS NOT NULL AND {value} IS NOT NULL
GROUP BY period
ORDER BY period
"""

MEDIAN_VALUES: Final = {"median": "rent", "median_m2": "rent / area_m2"}

COUNT_NO_AREA: Final = (
    "SELECT count(*) FROM index_sample WHERE rent IS NOT NULL AND area_m2 IS NULL"
)

# Mix cells: room band (studios with 1-room flats, 4+ together) × district.
CELL_OF: Final = """
CASE WHEN rooms IS NULL THEN 'rooms unknown'
     WHEN rooms <= 1 THEN '1' WHEN rooms >= 4 THEN '4+' ELSE CAST(rooms AS VARCHAR) END
"""

# Matched-cell ratio to the base period, weighted by the base period's cell shares:
#   ratio_t = Σ_{c ∈ M_t} w_c m_{c,t} / Σ_{c ∈ M_t} w_c m_{c,0},
# M_t the cells present in both t and the base period; value_t = ratio_t × Σ_c w_c m_{c,0},
# the rent the base period's mix of flats would ask at period t's cell medians.
MIX_BY_PERIOD: Final = f"""
WITH cells AS (
    SELECT period, {CELL_OF} AS room_band, coalesce(district, 'district unknown') AS district,
           median(rent) AS m, count(*) AS n, list(DISTINCT origin) AS origins
    FROM index_sample
    WHERE rent IS NOT NULL
    GROUP BY ALL
),
base AS (
    SELECT room_band, district, m AS m0, n / sum(n) OVER () AS w
    FROM cells WHERE period = $base
)
SELECT c.period,
       sum(b.w * c.m) FILTER (WHERE b.w IS NOT NULL)
         / sum(b.w * b.m0) FILTER (WHERE b.w IS NOT NULL) AS ratio,
       coalesce(sum(c.n) FILTER (WHERE b.w IS NOT NULL), 0) AS n,
       coalesce(sum(c.n) FILTER (WHERE b.w IS NULL), 0) AS unmatched,
       array_to_string(list_sort(list_distinct(flatten(
           list(c.origins) FILTER (WHERE b.w IS NOT NULL)))), ',') AS origins
FROM cells c
LEFT JOIN base b USING (room_band, district)
GROUP BY c.period
ORDER BY c.period
"""

BASE_LEVEL: Final = f"""
WITH cells AS (
    SELECT {CELL_OF} AS room_band, coalesce(district, 'district unknown') AS district,
           median(rent) AS m, count(*) AS n
    FROM index_sample
    WHERE rent IS NOT NULL AND period = $base
    GROUP BY ALL
)
SELECT sum(m * n) / sum(n) FROM cells
"""

FIRST_PERIOD: Final = "SELECT min(period) FROM index_sample WHERE rent IS NOT NULL"


@dataclass(frozen=True)
class MethodResult:
    """What a method returns to the builder: points (period, value, se, n, origins)."""

    points: pd.DataFrame
    base_period: date | None = None
    missing_attributes: int = 0
    unmatched_cells: int = 0
    se_type: str | None = None
    coefficients: pd.DataFrame | None = None


def median_series(conn: duckdb.DuckDBPyConnection, method: str) -> MethodResult:
    """Raw median per period of rent (``median``) or rent per m² (``median_m2``)."""
    value = MEDIAN_VALUES[method]
    frame = conn.execute(MEDIAN_BY_PERIOD.format(value=value)).df()
    frame["se"] = np.where(
        frame["n"] >= MIN_N_FOR_SE, MEDIAN_SE_FACTOR * frame["mad"] / np.sqrt(frame["n"]), np.nan
    )
    missing = 0
    if method == "median_m2":
        row = conn.execute(COUNT_NO_AREA).fetchone()
        missing = int(row[0]) if row else 0
    return MethodResult(
        points=frame[["period", "value", "se", "n", "origins"]],
        missing_attributes=missing,
        se_type="median-mad" if len(frame) else None,
    )


def resolve_base(conn: duckdb.DuckDBPyConnection, requested: date | None) -> date:
    """The base period: the one asked for (already snapped to its period), else the first."""
    if requested is not None:
        return requested
    row = conn.execute(FIRST_PERIOD).fetchone()
    if not row or row[0] is None:
        raise SeriesError("no usable listings for this series: nothing to take as base period")
    found: date = row[0]
    return found


def mix_adjusted_series(conn: duckdb.DuckDBPyConnection, base: date | None) -> MethodResult:
    """Stratified median, rooms × district cells, fixed weights = the base period's shares.

    ``value`` is KZT/month: the base period's mix valued at each period's cell medians.
    """
    base_period = resolve_base(conn, base)
    row = conn.execute(BASE_LEVEL, {"base": base_period}).fetchone()
    if not row or row[0] is None:
        raise SeriesError(f"base period {base_period:%Y-%m-%d} has no usable listings")
    level = float(row[0])
    frame = conn.execute(MIX_BY_PERIOD, {"base": base_period}).df()
    unmatched = int(frame["unmatched"].sum())
    frame = frame[frame["n"] > 0].copy()
    frame["value"] = frame["ratio"] * level
    frame["se"] = np.nan
    return MethodResult(
        points=frame[["period", "value", "se", "n", "origins"]],
        base_period=base_period,
        unmatched_cells=unmatched,
    )
