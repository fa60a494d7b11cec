"""The export's data dictionary: a Frictionless Data Package (``datapackage.json``).

Every exported table is a resource; every column a field with its Table Schema type (from the
warehouse's own catalogue), whether it may be empty, its allowed values where the warehouse
fixes them, a description and, where it has one, its unit (``unit``, a property of ours: Table
Schema has none). Descriptions live in :data:`COLUMNS`, one entry per exported column; a
column the warehouse gains without an entry here is exported as "(undocumented)" and
``tests/test_export.py`` fails until it is described.

Conventions every resource shares: times are UTC (``observed_at``, ``*_seen``, ``*_at``);
``observed_on`` is the local calendar day in Asia/Almaty; money is whole units of its currency
(KZT unless ``currency`` says otherwise) and never converted; a package whose data holds any
``simulated`` observation says so in its title, description and ``rentwatch.simulated``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import duckdb

from warehouse.records import CITIES, CURRENCIES, ORIGINS, OWNER_TYPES, PRICE_PERIODS

PROFILE: Final = "https://datapackage.org/profiles/2.0/datapackage.json"
TABLE_SCHEMA: Final = "https://datapackage.org/profiles/2.0/tableschema.json"

# DuckDB column type -> Table Schema field type.
FIELD_TYPES: Final[dict[str, str]] = {
    "VARCHAR": "string",
    "BIGINT": "integer",
    "INTEGER": "integer",
    "DOUBLE": "number",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "datetime",
    "BOOLEAN": "boolean",
    "JSON": "object",
}


@dataclass(frozen=True)
class Column:
    """What an exported column means: ``unit`` (None: a label or a count of things named in
    the description) and the values it may take (None: any)."""

    description: str
    unit: str | None = None
    enum: tuple[str, ...] | None = None


_INDEX_KEY: Final[dict[str, Column]] = {
    "city": Column("city slug", enum=CITIES),
    "district": Column("canonical district name; empty: the whole city"),
    "rooms": Column("room count of the series; empty: all room counts", "rooms"),
    "method": Column(
        "median (raw median rent), median_m2 (median rent per m²), mix (mix-adjusted median, "
        "rooms × district strata) or hedonic (time-dummy hedonic index)",
        enum=("median", "median_m2", "mix", "hedonic"),
    ),
    "freq": Column("period length: D day, W ISO week (Monday), M month", enum=("D", "W", "M")),
    "flow": Column(
        "true: only listings first seen in the period (new listings); false: every active one"
    ),
}

# Table -> column -> meaning. The resources of an export, in this order.
COLUMNS: Final[dict[str, dict[str, Column]]] = {
    "observations": {
        "source": Column("portal the listing is on (krisha, olx) or the importer's name"),
        "listing_id": Column("the portal's id of the listing"),
        "observed_at": Column("when the page was fetched, or when the archive captured it (UTC)"),
        "observed_on": Column("observed_at's calendar day in Asia/Almaty"),
        "price": Column(
            "asking price, whole units of `currency` per `price_period`, never converted",
            "currency per price_period",
        ),
        "currency": Column("ISO 4217 code of the price", enum=CURRENCIES),
        "price_period": Column("what the price pays for", enum=PRICE_PERIODS),
        "origin": Column(
            "where the observation comes from; simulated data is never real data",
            enum=ORIGINS,
        ),
        "run_id": Column("the crawl run or import that recorded it (crawl_runs.run_id)"),
        "bumped_on": Column("the card's 'raised on' date, when the page showed one"),
        "parser_version": Column(
            "version of the page parser that derived the row; empty: imports and older runs"
        ),
        "warc_record_id": Column(
            "WARC-Record-ID of the stored response the row was parsed from (the run's WARC); "
            "empty: none kept"
        ),
        "city": Column("the listing's city slug (listings.city)", enum=CITIES),
        "month": Column("observed_on's month, YYYY-MM"),
    },
    "listings": {
        "source": Column("portal: krisha, olx, or an importer's name"),
        "listing_id": Column("the portal's id of the listing"),
        "city": Column("city slug", enum=CITIES),
        "district": Column(
            "canonical district name; empty when the page named none or one outside the city"
        ),
        "district_raw": Column("the district text as the page printed it"),
        "rooms": Column("number of rooms (0: studio)", "rooms"),
        "area_m2": Column("total area", "m²"),
        "floor": Column("floor of the flat (negative: below ground)", "floor"),
        "floors_total": Column("floors in the building", "floors"),
        "owner_type": Column("who advertises it", enum=OWNER_TYPES),
        "first_seen": Column("first sighting (UTC)"),
        "last_seen": Column("latest sighting (UTC); the attributes are that sighting's"),
        "url": Column("the listing's page"),
        "title": Column("the card's title as the site built it (phone numbers removed)"),
    },
    "official_series": {
        "city": Column("city slug", enum=CITIES),
        "month": Column("first day of the month the figure is for"),
        "metric": Column("what is measured, e.g. avg_rent_per_m2"),
        "value": Column("the published figure, in `unit`", "see `unit`"),
        "unit": Column("the unit of `value`, e.g. KZT/m2/month"),
        "source": Column("who published it"),
        "basis": Column(
            "the methodology the value belongs to (e.g. 2022); two bases are never one series"
        ),
    },
    "index_series": {
        **_INDEX_KEY,
        "period": Column("first day of the period (weeks: their Monday)"),
        "value": Column(
            "the series' value: KZT/month (median, mix), KZT/m²/month (median_m2) or an index "
            "with the base period = 100 (hedonic); index_builds.unit names it per series",
            "see index_builds.unit",
        ),
        "se": Column(
            "standard error of value, in value's unit; empty when not estimated",
            "see index_builds.unit",
        ),
        "n": Column(
            "listing-periods behind the point (one per flat and period)", "listing-periods"
        ),
        "origins": Column("comma-separated origins of the data behind the point"),
        "built_at": Column("when the series was built (UTC)"),
    },
    "index_builds": {
        **_INDEX_KEY,
        "unit": Column(
            "the unit of the series' values, e.g. KZT/month or 'index, base period = 100'"
        ),
        "base_period": Column("first day of the base period (mix weights, hedonic = 100)"),
        "se_type": Column("standard errors: hc1, classical or median-mad"),
        "origins": Column("comma-separated origins of the data behind the series"),
        "simulated": Column("true when any simulated data is in the series"),
        "exclusions": Column("JSON: sightings left out, counted by reason"),
        "rules": Column("JSON: the counting rules in force"),
        "coefficients": Column("JSON: hedonic terms (term, estimate, se; log scale)"),
        "built_at": Column("when the series was built (UTC)"),
    },
    "crawl_runs": {
        "run_id": Column("the run's id; its spool file's name"),
        "spider": Column("the spider (krisha, olx, krisha_archive) or import"),
        "source": Column("the portal crawled, or the imported file's name"),
        "cities": Column("comma-separated city slugs the run was asked for"),
        "origin": Column("origin of the run's observations", enum=ORIGINS),
        "started_at": Column("when the run started (UTC)"),
        "finished_at": Column("when the run ended (UTC)"),
        "status": Column("how the run ended", enum=("running", "finished", "failed", "crashed")),
        "reason": Column("one line: why a run failed"),
        "items": Column("listings the run spooled", "listings"),
        "spool_file": Column("the run's spool file"),
        "stats": Column("JSON: the crawler's stats and the health checks' results"),
        "loaded_at": Column("when the spool was merged into the warehouse (UTC)"),
    },
}

PRIMARY_KEYS: Final[dict[str, list[str]]] = {
    "observations": ["source", "listing_id", "observed_on", "origin"],
    "listings": ["source", "listing_id"],
    "official_series": ["city", "month", "metric", "source", "basis"],
    "crawl_runs": ["run_id"],
}

DESCRIPTIONS: Final[dict[str, str]] = {
    "observations": "Price sightings: one per listing, local day and origin (append-only facts).",
    "listings": "One row per listing on a portal, with its latest sighting's attributes.",
    "official_series": "Official monthly statistics imported from CSV (validation, control).",
    "index_series": "Rent index series (`rentwatch index`): one row per series and period.",
    "index_builds": "How each stored rent index series was built and what it left out.",
    "crawl_runs": "Every crawl run and import: status, counts and health checks.",
}

# Columns added to a table for the export: (name, DuckDB type, nullable).
EXTRA_COLUMNS: Final[dict[str, list[tuple[str, str, bool]]]] = {
    "observations": [("city", "VARCHAR", False), ("month", "VARCHAR", False)],
}


def table_columns(conn: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, bool]]:
    """(name, DuckDB type, nullable) of ``table``'s columns, in order, plus export extras."""
    rows = conn.execute(
        "SELECT column_name, data_type, is_nullable = 'YES' FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [(str(n), str(t), bool(nullable)) for n, t, nullable in rows] + EXTRA_COLUMNS.get(
        table, []
    )


def field(table: str, name: str, duckdb_type: str, nullable: bool) -> dict[str, Any]:
    """One Table Schema field: type, description, unit, constraints."""
    column = COLUMNS.get(table, {}).get(name)
    out: dict[str, Any] = {
        "name": name,
        "type": FIELD_TYPES.get(duckdb_type, "any"),
        "description": column.description if column else "(undocumented)",
    }
    if column is not None and column.unit is not None:
        out["unit"] = column.unit
    constraints: dict[str, Any] = {}
    if not nullable:
        constraints["required"] = True
    if column is not None and column.enum is not None:
        constraints["enum"] = list(column.enum)
    if constraints:
        out["constraints"] = constraints
    return out


def undocumented(conn: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> list[str]:
    """``table.column`` of every exported column that :data:`COLUMNS` does not describe."""
    return [
        f"{table}.{name}"
        for table in tables
        for name, _, _ in table_columns(conn, table)
        if name not in COLUMNS.get(table, {})
    ]


def resource(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    paths: list[str],
    fmt: str,
    *,
    partitioned_by: Sequence[str] = (),
) -> dict[str, Any]:
    """The resource of one exported table. ``paths`` are relative to the package; a
    partitioned Parquet table's partition columns are in its directory names, not its files."""
    columns = table_columns(conn, table)
    in_files = [c for c in columns if c[0] not in partitioned_by]
    out: dict[str, Any] = {
        "name": table,
        "type": "table",
        "path": paths[0] if len(paths) == 1 else paths,
        "format": fmt,
        "mediatype": "text/csv" if fmt == "csv" else "application/vnd.apache.parquet",
        "description": DESCRIPTIONS.get(table, ""),
        "schema": {
            "$schema": TABLE_SCHEMA,
            "fields": [field(table, *c) for c in in_files],
            "missingValues": [""],
        },
    }
    if fmt == "csv":
        out["encoding"] = "utf-8"
        out["dialect"] = {"header": True, "delimiter": ",", "quoteChar": '"'}
    key = PRIMARY_KEYS.get(table)
    if key and all(k not in partitioned_by for k in key):
        out["schema"]["primaryKey"] = key
    if partitioned_by:
        out["rentwatch:partitions"] = [field(table, *c) for c in columns if c[0] in partitioned_by]
        out["description"] += (
            f" Hive-partitioned by {', '.join(partitioned_by)}: those columns are in the "
            "directory names (city=…/month=…/), not in the files; pandas.read_parquet(dir) and "
            "DuckDB's read_parquet(…, hive_partitioning = true) restore them."
        )
    return out


def package(
    resources: list[dict[str, Any]], *, simulated: bool, origins: Sequence[str], schema: int
) -> dict[str, Any]:
    """The whole descriptor. ``simulated``: any simulated observation in the export."""
    label = " [SIMULATED data]" if simulated else ""
    return {
        "$schema": PROFILE,
        "name": "rentwatch-export",
        "title": f"rentwatch warehouse export{label}",
        "description": (
            "Apartment rental listings in Kazakhstan (Almaty, Astana): price sightings, the "
            "listings, official series, rent index series and crawl runs, exported by "
            "`rentwatch db export`. Times are UTC; observed_on is the local day in "
            "Asia/Almaty; money is whole units of its currency, never converted."
            + (
                " Contains simulated data (origin = simulated): not real listings."
                if simulated
                else ""
            )
        ),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "rentwatch": {
            "simulated": simulated,
            "origins": list(origins),
            "schema_version": schema,
        },
        "resources": resources,
    }


def origins_of(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The origins of the warehouse's observations, sorted."""
    return [str(r[0]) for r in conn.execute(
        "SELECT DISTINCT origin FROM observations ORDER BY 1"
    ).fetchall()]  # fmt: skip
