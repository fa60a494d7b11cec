"""What is in a warehouse: schema version, row counts, recent runs, coverage."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from warehouse.cities import REGISTRY
from warehouse.migrate import schema_version


def counted(n: int, noun: str) -> str:
    """``"1 month"``, ``"2 months"``: the CLI's English, for nouns whose plural takes an s."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


TABLES = (
    "crawl_runs", "listings", "observations", "official_series", "index_series", "spool_loads",
)  # fmt: skip

RECENT_RUNS = """
SELECT run_id, spider, status, items, started_at, finished_at, reason
FROM crawl_runs
ORDER BY started_at DESC NULLS LAST
LIMIT $limit
"""

COVERAGE = """
SELECT l.city, o.source, o.origin, count(*) AS observations,
       count(DISTINCT o.listing_id) AS listings,
       min(o.observed_on) AS first_day, max(o.observed_on) AS last_day
FROM observations o JOIN listings l USING (source, listing_id)
GROUP BY ALL
ORDER BY ALL
"""


# Per city: the index series stored for it and the periods they reach.
INDEX_COVERAGE = """
SELECT b.city, count(DISTINCT (b.method, b.freq, b.flow, b.district, b.rooms)) AS series,
       string_agg(DISTINCT b.method, ',' ORDER BY b.method) AS methods,
       min(s.period) AS first_period, max(s.period) AS last_period,
       bool_or(b.simulated) AS simulated
FROM index_builds b
JOIN index_series s USING (city, method, freq, flow)
WHERE s.district IS NOT DISTINCT FROM b.district AND s.rooms IS NOT DISTINCT FROM b.rooms
GROUP BY b.city
ORDER BY b.city
"""

OFFICIAL_COVERAGE = """
SELECT city, metric, source, basis, count(*) AS months, min(month) AS first_month,
       max(month) AS last_month
FROM official_series
GROUP BY ALL
ORDER BY ALL
"""


@dataclass(frozen=True)
class WarehouseStatus:
    schema_version: int
    row_counts: dict[str, int]
    recent_runs: list[dict[str, Any]]
    coverage: list[dict[str, Any]]
    index: list[dict[str, Any]] = field(default_factory=list)
    official: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def render(self) -> str:
        lines = [f"schema version {self.schema_version}", "rows:"]
        lines += [f"  {name:<16} {count:>12,}" for name, count in self.row_counts.items()]
        lines.append("coverage (city · source · origin: observations, listings, days):")
        if not self.coverage:
            lines.append("  (no observations)")
        for c in self.coverage:
            role = REGISTRY.get(c["city"]).role if c["city"] in REGISTRY else "?"
            lines.append(
                f"  {c['city']:<15} {role:<10} {c['source']:<6} {c['origin']:<9} "
                f"{c['observations']:>10,} obs {c['listings']:>9,} listings  "
                f"{c['first_day']} … {c['last_day']}"
            )
        lines.append("rent index (city: series stored, methods, periods):")
        if not self.index:
            lines.append("  (none stored: `rentwatch index` builds and stores them)")
        for i in self.index:
            mark = " [SIMULATED]" if i["simulated"] else ""
            lines.append(
                f"  {i['city']:<15} {i['series']:>3} series  {i['methods']:<30} "
                f"{i['first_period']} … {i['last_period']}{mark}"
            )
        if self.official:
            lines.append("official series (city · metric · source · basis: months):")
        for o in self.official:
            lines.append(
                f"  {o['city']:<15} {o['metric']} · {o['source']} · basis {o['basis']}: "
                f"{counted(o['months'], 'month')} {o['first_month']} … {o['last_month']}"
            )
        lines.append("last crawl runs:")
        if not self.recent_runs:
            lines.append("  (none)")
        for r in self.recent_runs:
            reason = f" — {r['reason']}" if r["reason"] else ""
            lines.append(
                f"  {r['run_id']:<40} {r['status']:<9} {r['items'] or 0:>8,} items  "
                f"{r['started_at']}{reason}"
            )
        return "\n".join(lines)


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def warehouse_status(conn: duckdb.DuckDBPyConnection, *, runs: int = 10) -> WarehouseStatus:
    counts: dict[str, int] = {}
    for table in TABLES:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # table from TABLES
        counts[table] = int(row[0]) if row else 0
    coverage = _rows(conn, COVERAGE)
    for c in coverage:
        c["first_day"] = str(c["first_day"])
        c["last_day"] = str(c["last_day"])
    index = _rows(conn, INDEX_COVERAGE)
    official = _rows(conn, OFFICIAL_COVERAGE)
    for found in (*index, *official):
        for key in ("first_period", "last_period", "first_month", "last_month"):
            if key in found:
                found[key] = str(found[key])
    recent = _rows(conn, RECENT_RUNS, {"limit": runs})
    for r in recent:
        r["started_at"] = r["started_at"].isoformat() if r["started_at"] else None
        r["finished_at"] = r["finished_at"].isoformat() if r["finished_at"] else None
    return WarehouseStatus(schema_version(conn), counts, recent, coverage, index, official)
