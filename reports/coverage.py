"""What data a report stands on: weekly coverage, gaps and the provenance of every number.

Read straight from the warehouse (counts and dates only, no statistics): listings per week per
city, source and origin; weeks that are empty or thin; the crawl runs, sources and origins
behind the observations with their date ranges; the file's checksum and the software used.
Weeks start on Monday; days are local Almaty calendar days.
"""

from __future__ import annotations

import json
import platform
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import pandas as pd

from reports.facts import Coverage
from warehouse.snapshot import file_sha256

WEEKLY_COVERAGE: Final = """
SELECT l.city, o.source, o.origin,
       CAST(date_trunc('week', o.observed_on) AS DATE) AS week,
       count(DISTINCT o.listing_id) AS listings,
       count(*) AS observations
FROM observations o
JOIN listings l ON l.source = o.source AND l.listing_id = o.listing_id
WHERE list_contains($cities, l.city)
GROUP BY ALL
ORDER BY ALL
"""

TOTALS: Final = """
SELECT count(DISTINCT (o.source, o.listing_id)) AS listings,
       count(*) AS observations,
       min(o.observed_on) AS first_day,
       max(o.observed_on) AS last_day
FROM observations o
JOIN listings l ON l.source = o.source AND l.listing_id = o.listing_id
WHERE list_contains($cities, l.city)
"""

SOURCES: Final = """
SELECT l.city, o.source, o.origin,
       count(DISTINCT o.listing_id) AS listings, count(*) AS observations,
       min(o.observed_on) AS first_day, max(o.observed_on) AS last_day
FROM observations o
JOIN listings l ON l.source = o.source AND l.listing_id = o.listing_id
WHERE list_contains($cities, l.city)
GROUP BY ALL
ORDER BY ALL
"""

# Runs are named by the observations that cite them: a run replaced on every row it wrote
# (a later same-day sighting) no longer stands behind any number and is not listed.
RUNS: Final = """
SELECT o.run_id, r.spider, r.source, r.origin, r.status, r.started_at, r.finished_at,
       r.items, count(*) AS observations,
       min(o.observed_on) AS first_day, max(o.observed_on) AS last_day
FROM observations o
JOIN listings l ON l.source = o.source AND l.listing_id = o.listing_id
LEFT JOIN crawl_runs r ON r.run_id = o.run_id
WHERE list_contains($cities, l.city)
GROUP BY ALL
ORDER BY first_day, o.run_id
"""

# The official series stored for some cities: one row per (city, metric, source, basis).
OFFICIAL_KEYS: Final = """
SELECT city, metric, source, basis
FROM official_series
WHERE list_contains($cities, city)
GROUP BY ALL
ORDER BY ALL
"""

# The Mondays of the weeks in which one city has any observation (all sources and origins).
COVERED_WEEKS: Final = """
SELECT DISTINCT CAST(date_trunc('week', o.observed_on) AS DATE) AS week
FROM observations o
JOIN listings l ON l.source = o.source AND l.listing_id = o.listing_id
WHERE l.city = $city
ORDER BY week
"""

SCHEMA_VERSION: Final = "SELECT max(version) FROM schema_migrations"

# The packages whose versions decide the numbers (and the two that draw the reports).
PACKAGES: Final = (
    "rentwatch", "duckdb", "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "fpdf2",
    "jinja2",
)  # fmt: skip


def weekly_coverage(conn: duckdb.DuckDBPyConnection, cities: list[str]) -> pd.DataFrame:
    """city, source, origin, week (Monday), listings (distinct), observations."""
    return conn.execute(WEEKLY_COVERAGE, {"cities": cities}).df()


def covered_weeks(conn: duckdb.DuckDBPyConnection, city: str) -> list[date]:
    """The Mondays of the weeks in which ``city`` has at least one observation."""
    return [row[0] for row in conn.execute(COVERED_WEEKS, {"city": city}).fetchall()]


GAP_COLUMNS: Final = ("city", "kind", "first_week", "last_week", "weeks", "max_listings")


def official_keys(
    conn: duckdb.DuckDBPyConnection, cities: list[str]
) -> list[tuple[str, str, str, str]]:
    """(city, metric, source, basis) of every official series stored for ``cities``."""
    rows = conn.execute(OFFICIAL_KEYS, {"cities": cities}).fetchall()
    return [(str(c), str(m), str(s), str(b)) for c, m, s, b in rows]


def find_gaps(weekly: pd.DataFrame, min_listings: int) -> pd.DataFrame:
    """Runs of weeks between a city's first and last week with no listing (``kind`` "empty")
    or fewer than ``min_listings`` listings ("thin"), one row per run, not per week.

    Listings are summed over sources and origins; a week with no row counts as 0. Columns
    :data:`GAP_COLUMNS`: ``first_week``/``last_week`` are Mondays (inclusive), ``weeks`` the
    run's length, ``max_listings`` the most listings of any week in it.
    """
    rows: list[dict[str, Any]] = []
    for city, part in weekly.groupby("city", sort=True):
        per_week = part.groupby(pd.to_datetime(part["week"]))["listings"].sum()
        weeks = pd.date_range(per_week.index.min(), per_week.index.max(), freq="7D")
        full = per_week.reindex(weeks, fill_value=0)
        kinds = np.where(full.to_numpy() == 0, "empty",
                         np.where(full.to_numpy() < min_listings, "thin", ""))  # fmt: skip
        run_id = np.cumsum(np.r_[True, kinds[1:] != kinds[:-1]])
        for _, positions in pd.Series(np.arange(len(full))).groupby(run_id):
            kind = str(kinds[positions.iloc[0]])
            if not kind:
                continue
            chunk = full.iloc[positions.to_numpy()]
            rows.append({"city": city, "kind": kind, "first_week": chunk.index[0].date(),
                         "last_week": chunk.index[-1].date(), "weeks": len(chunk),
                         "max_listings": int(chunk.max())})  # fmt: skip
    return pd.DataFrame(rows, columns=list(GAP_COLUMNS))


def gap_weeks_between(gaps: pd.DataFrame, city: str, first: date, last: date) -> int:
    """How many weeks of ``city``'s gap runs fall between the Mondays ``first`` and ``last``."""
    if gaps.empty:
        return 0
    part = gaps[gaps["city"] == city]
    total = 0
    for lo, hi in zip(part["first_week"], part["last_week"], strict=True):
        a, b = max(pd.Timestamp(lo), pd.Timestamp(first)), min(pd.Timestamp(hi), pd.Timestamp(last))
        if a <= b:
            total += (b - a).days // 7 + 1
    return total


def read_coverage(
    conn: duckdb.DuckDBPyConnection, cities: list[str], *, min_week_listings: int
) -> Coverage | None:
    """The coverage of ``cities``; None when the warehouse holds no observation of them."""
    row = conn.execute(TOTALS, {"cities": cities}).fetchone()
    if row is None or not row[1]:
        return None
    listings, observations, first_day, last_day = row
    weekly = weekly_coverage(conn, cities)
    return Coverage(
        weekly=weekly,
        gaps=find_gaps(weekly, min_week_listings),
        first_day=first_day,
        last_day=last_day,
        sources=tuple(sorted(weekly["source"].unique())),
        origins=tuple(sorted(weekly["origin"].unique())),
        listings=int(listings),
        observations=int(observations),
    )


def _records(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """A query's rows as JSON-ready dicts (dates as ISO text, NULL as None)."""
    names = [d[0] for d in cursor.description]
    return [
        {
            n: (v.isoformat() if isinstance(v, date | datetime) else v)
            for n, v in zip(names, row, strict=True)
        }
        for row in cursor.fetchall()
    ]


def software_versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "platform": platform.platform()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _plain(value: Any) -> Any:
    """Parameters as JSON values: dataclasses as dicts, dates as ISO strings, tuples as lists."""
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def provenance(
    conn: duckdb.DuckDBPyConnection,
    warehouse_file: Path,
    cities: list[str],
    params: dict[str, Any],
    *,
    made_at: datetime,
) -> dict[str, Any]:
    """Everything needed to reproduce a report: the data file's SHA-256 (a snapshot when the
    report was made from one), the runs, sources and origins behind the numbers with their
    date ranges, the software versions and every parameter."""
    sidecar = warehouse_file.with_name(warehouse_file.name + ".json")
    snapshot = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.is_file() else None
    version_row = conn.execute(SCHEMA_VERSION).fetchone()
    return {
        "made_at": made_at.isoformat(timespec="seconds"),
        "warehouse": {
            "file": str(warehouse_file),
            "sha256": file_sha256(warehouse_file),
            "bytes": warehouse_file.stat().st_size,
            "schema_version": version_row[0] if version_row else None,
            "snapshot": snapshot,
        },
        "cities": cities,
        "sources": _records(conn.execute(SOURCES, {"cities": cities})),
        "runs": _records(conn.execute(RUNS, {"cities": cities})),
        "software": software_versions(),
        "parameters": _plain(params),
    }
