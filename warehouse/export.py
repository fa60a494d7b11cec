"""Export the warehouse as files: Parquet partitioned by city and month, or plain CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import duckdb

from warehouse.errors import RentwatchError

ExportFormat = Literal["parquet", "csv"]

OBSERVATIONS_WITH_PLACE = """
SELECT o.*, l.city, strftime(o.observed_on, '%Y-%m') AS month
FROM observations o JOIN listings l USING (source, listing_id)
"""
TABLES = ("listings", "official_series", "crawl_runs")


def export(conn: duckdb.DuckDBPyConnection, out_dir: Path, fmt: ExportFormat) -> list[Path]:
    """Write observations (Parquet: ``observations/city=…/month=…/``) and the other tables.

    Returns the paths written. The target must be empty or absent, so an export never mixes
    with an older one.
    """
    if fmt not in ("parquet", "csv"):
        raise RentwatchError(f"unknown export format {fmt!r}: use parquet or csv")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise RentwatchError(f"{out_dir} is not empty: export into a new directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if fmt == "parquet":
        target = out_dir / "observations"
        conn.execute(
            f"COPY ({OBSERVATIONS_WITH_PLACE}) TO '{_quoted(target)}' "
            "(FORMAT parquet, PARTITION_BY (city, month))"
        )
        written.append(target)
    else:
        target = out_dir / "observations.csv"
        conn.execute(
            f"COPY ({OBSERVATIONS_WITH_PLACE} ORDER BY ALL) TO '{_quoted(target)}' (HEADER)"
        )
        written.append(target)
    for table in TABLES:
        target = out_dir / f"{table}.{fmt}"
        options = "(FORMAT parquet)" if fmt == "parquet" else "(HEADER)"
        conn.execute(f"COPY {table} TO '{_quoted(target)}' {options}")
        written.append(target)
    return written


def _quoted(path: Path) -> str:
    # COPY takes no bound parameter for its target; the path is ours, quotes are escaped.
    return str(path).replace("'", "''")
