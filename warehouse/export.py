"""Export the warehouse as files: Parquet (observations partitioned by city and month) or CSV,
with a data dictionary beside them (``datapackage.json``, see :mod:`warehouse.datapackage`).

Exported: observations (with the listing's city and the month), listings, official series,
the stored rent index series and their builds, and the crawl runs.

CSV cells are opened by spreadsheets, which run a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return as a formula (``=HYPERLINK(…)``, ``=cmd|…``, ``@SUM``): in
CSV every text cell that starts so gets a leading apostrophe, as OWASP's CSV-injection
guidance says. Numbers stay numbers (a floor of -1 is not text); Parquet keeps text as is.
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
# A cell starting with one of these is a formula to a spreadsheet (OWASP, CSV injection).
FORMULA_START = r"^[=+\-@\t\r]"
_TEXT_TYPES = ("VARCHAR", "JSON")


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
        query = neutralised(conn, f"{OBSERVATIONS_WITH_PLACE} ORDER BY ALL")
        conn.execute(f"COPY ({query}) TO '{_quoted(target)}' (HEADER)")
        resources.append(datapackage.resource(conn, "observations", [target.name], fmt))
    written.append(target)
    for table in TABLES:
        target = out_dir / f"{table}.{fmt}"
        # In one order, so an export of the same warehouse is the same files (the loader
        # lets DuckDB store rows in any order).
        ordered = f"SELECT * FROM {table} ORDER BY ALL"
        if fmt == "parquet":
            conn.execute(f"COPY ({ordered}) TO '{_quoted(target)}' (FORMAT parquet)")
        else:
            query = neutralised(conn, f"SELECT * FROM {table}") + " ORDER BY ALL"
            conn.execute(f"COPY ({query}) TO '{_quoted(target)}' (HEADER)")
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


def neutralised(conn: duckdb.DuckDBPyConnection, query: str) -> str:
    """``query`` with each text cell that a spreadsheet would run as a formula prefixed by an
    apostrophe; other columns, and their order and names, unchanged."""
    select = []
    for name, kind, *_ in conn.execute(f"DESCRIBE {query}").fetchall():
        column = '"' + str(name).replace('"', '""') + '"'
        if str(kind).upper() not in _TEXT_TYPES:
            select.append(column)
            continue
        text = f"CAST({column} AS VARCHAR)"
        select.append(
            f"CASE WHEN regexp_matches({text}, '{FORMULA_START}') THEN chr(39) || {text} "
            f"ELSE {text} END AS {column}"
        )
    return f"SELECT {', '.join(select)} FROM ({query}) AS exported"


def _quoted(path: Path) -> str:
    # COPY takes no bound parameter for its target; the path is ours, quotes are escaped.
    return str(path).replace("'", "''")
