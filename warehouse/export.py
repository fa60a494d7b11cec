"""Export the warehouse as files: Parquet (observations partitioned by city and month) or CSV,
with a data dictionary beside them (``datapackage.json``, see :mod:`warehouse.datapackage`).

Exported: observations (with the listing's city and the month), listings, official series,
the stored rent index series and their builds, and the crawl runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import duckdb

from warehouse import datapackage
from warehouse.errors import RentwatchError
from warehouse.migrate import schema_version

ExportFormat = Literal["parquet", "csv"]

OBSERVATIONS_WITH_PLACE = """
SELECT o.*, l.city, strftime(o.observed_on, '%Y-%m') AS month
FROM observations o JOIN listings l USING (source, listing_id)
"""
TABLES = ("listings", "official_series", "index_series", "index_builds", "crawl_runs")
PARTITIONS = ("city", "month")
DATAPACKAGE = "datapackage.json"


def export(conn: duckdb.DuckDBPyConnection, out_dir: Path, fmt: ExportFormat) -> list[Path]:
    """Write observations (Parquet: ``observations/city=…/month=…/``), the other tables and
    ``datapackage.json``, which describes every file, column, type and unit.

    Returns the paths written, the data dictionary last. The target must be empty or absent,
    so an export never mixes with an older one.
    """
    if fmt not in ("parquet", "csv"):
        raise RentwatchError(f"unknown export format {fmt!r}: use parquet or csv")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise RentwatchError(f"{out_dir} is not empty: export into a new directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    resources = []
    if fmt == "parquet":
        target = out_dir / "observations"
        conn.execute(
            f"COPY ({OBSERVATIONS_WITH_PLACE}) TO '{_quoted(target)}' "
            f"(FORMAT parquet, PARTITION_BY ({', '.join(PARTITIONS)}))"
        )
        files = sorted(p.relative_to(out_dir).as_posix() for p in target.rglob("*.parquet"))
        resources.append(
            datapackage.resource(conn, "observations", files, fmt, partitioned_by=PARTITIONS)
        )
    else:
        target = out_dir / "observations.csv"
        conn.execute(
            f"COPY ({OBSERVATIONS_WITH_PLACE} ORDER BY ALL) TO '{_quoted(target)}' (HEADER)"
        )
        resources.append(datapackage.resource(conn, "observations", [target.name], fmt))
    written.append(target)
    for table in TABLES:
        target = out_dir / f"{table}.{fmt}"
        options = "(FORMAT parquet)" if fmt == "parquet" else "(HEADER)"
        conn.execute(f"COPY {table} TO '{_quoted(target)}' {options}")
        written.append(target)
        resources.append(datapackage.resource(conn, table, [target.name], fmt))
    origins = datapackage.origins_of(conn)
    descriptor = datapackage.package(
        resources,
        simulated="simulated" in origins,
        origins=origins,
        schema=schema_version(conn),
    )
    target = out_dir / DATAPACKAGE
    target.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n")
    written.append(target)
    return written


def _quoted(path: Path) -> str:
    # COPY takes no bound parameter for its target; the path is ours, quotes are escaped.
    return str(path).replace("'", "''")
