"""Store built series in the warehouse (``index_series`` + ``index_builds``) and read them back.

Storing needs the writer's connection (:func:`warehouse.open_writer`); reading works on any
connection, a read-only snapshot included. Rebuilding a series replaces its rows.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Final

import duckdb
import pandas as pd

from analysis.index.spec import (
    FRAME_COLUMNS,
    CountingRules,
    Exclusions,
    IndexSeries,
    IndexSpec,
    SeriesError,
)

# "IS NOT DISTINCT FROM" so that district / rooms NULL ("all") match each other.
SERIES_KEY: Final = """
city = $city AND district IS NOT DISTINCT FROM $district AND rooms IS NOT DISTINCT FROM $rooms
AND method = $method AND freq = $freq AND flow = $flow
"""

DELETE_SERIES: Final = f"DELETE FROM index_series WHERE {SERIES_KEY}"
DELETE_BUILD: Final = f"DELETE FROM index_builds WHERE {SERIES_KEY}"

INSERT_BUILD: Final = """
INSERT INTO index_builds VALUES (
    $city, $district, $rooms, $method, $freq, $flow, $unit, $base_period, $se_type,
    $origins, $simulated, $exclusions, $rules, $coefficients, $built_at
)
"""

INSERT_POINTS: Final = """
INSERT INTO index_series
SELECT city, district, rooms, method, freq, flow, CAST(period AS DATE), value,
       CASE WHEN isnan(se) THEN NULL ELSE se END, n, origins, $built_at
FROM index_points
"""

SELECT_BUILD: Final = f"""
SELECT unit, base_period, se_type, origins, exclusions, rules, coefficients, built_at
FROM index_builds WHERE {SERIES_KEY}
"""

SELECT_POINTS: Final = f"""
SELECT period, value, coalesce(se, 'NaN'::DOUBLE) AS se, n, origins
FROM index_series WHERE {SERIES_KEY}
ORDER BY period
"""

STORED_KEYS: Final = """
SELECT city, district, rooms, method, freq, flow, unit, base_period, simulated, built_at
FROM index_builds
ORDER BY city, method, freq, flow, district NULLS FIRST, rooms NULLS FIRST
"""


def _key(spec: IndexSpec) -> dict[str, str | int | bool | None]:
    return {
        "city": spec.city,
        "district": spec.district,
        "rooms": spec.rooms,
        "method": spec.method,
        "freq": spec.freq,
        "flow": spec.flow,
    }


def store_index(conn: duckdb.DuckDBPyConnection, series: IndexSeries) -> int:
    """Write ``series`` (replacing an earlier build of the same key); returns points written."""
    key = _key(series.spec)
    coefficients = (
        None
        if series.coefficients is None
        else json.dumps(series.coefficients.to_dict(orient="records"), ensure_ascii=False)
    )
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(DELETE_SERIES, key)
        conn.execute(DELETE_BUILD, key)
        conn.execute(
            INSERT_BUILD,
            {
                **key,
                "unit": series.unit,
                "base_period": series.base_period,
                "se_type": series.se_type,
                "origins": ",".join(series.origins),
                "simulated": series.simulated,
                "exclusions": json.dumps(series.exclusions.to_dict()),
                "rules": json.dumps(series.rules.to_dict()),
                "coefficients": coefficients,
                "built_at": series.built_at,
            },
        )
        conn.register("index_points", series.points)
        try:
            conn.execute(INSERT_POINTS, {"built_at": series.built_at})
        finally:
            conn.unregister("index_points")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return series.periods


def read_index(
    conn: duckdb.DuckDBPyConnection,
    *,
    city: str,
    method: str,
    freq: str,
    district: str | None = None,
    rooms: int | None = None,
    flow: bool = False,
) -> IndexSeries:
    """The stored series with this key, as built (a :class:`SeriesError` if none is stored)."""
    spec = IndexSpec(city, method, freq, district, rooms, flow)  # type: ignore[arg-type]
    key = _key(spec)
    build = conn.execute(SELECT_BUILD, key).fetchone()
    if build is None:
        raise SeriesError(f"no stored series {spec.label}: build it with `rentwatch index` first")
    unit, base, se_type, origins, exclusions, rules, coefficients, built_at = build
    points = conn.execute(SELECT_POINTS, key).df()
    points["period"] = pd.to_datetime(points["period"])
    for name, value in key.items():
        points[name] = value
    points["rooms"] = points["rooms"].astype("Int64")
    return IndexSeries(
        spec=spec,
        points=points[list(FRAME_COLUMNS)],
        unit=unit,
        base_period=base if isinstance(base, date) else None,
        origins=tuple(o for o in origins.split(",") if o),
        exclusions=Exclusions(**json.loads(exclusions)),
        rules=CountingRules(**json.loads(rules)),
        built_at=built_at,
        se_type=se_type,
        coefficients=None if coefficients is None else pd.DataFrame(json.loads(coefficients)),
    )


def stored_series(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """What is stored: one row per series key, with unit, base period, simulated, built_at."""
    # Built from rows: DuckDB's DataFrame conversion of TIMESTAMPTZ warns under pandas 3.
    result = conn.execute(STORED_KEYS)
    columns = [d[0] for d in result.description or ()]
    return pd.DataFrame(result.fetchall(), columns=columns)
