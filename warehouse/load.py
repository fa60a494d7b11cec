"""Merge spools into the warehouse: one transaction, idempotent by key.

Order inside the transaction:
  1. read every spool into a temporary batch table (a spool that cannot be read, or holds
     records that break the rules, is set aside whole under ``rejected/`` with its reason);
  2. dedupe inside the batch: one row per (source, listing_id, observed_on, origin), the
     latest ``observed_at`` winning;
  3. upsert the ``listings`` dimension (first/last seen widened, attributes from the latest
     sighting);
  4. insert ``observations``; a same-day repeat replaces the stored row only when it was
     observed later;
  5. record the runs (``crawl_runs``) and the spools (``spool_loads``).
Only after COMMIT are the spool files moved to ``loaded/``. A load killed at any point
leaves the warehouse as it was, and the next load merges the same spools again.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.errors import RentwatchError
from warehouse.faults import pause_point
from warehouse.migrate import migrate
from warehouse.records import (
    CITIES,
    CURRENCIES,
    LOCAL_TIMEZONE,
    MAX_PRICE,
    ORIGINS,
    PRICE_PERIODS,
    RECORD_COLUMNS,
)
from warehouse.spool import (
    LOADED_DIR,
    REJECTED_DIR,
    RunMeta,
    is_being_written,
    meta_path_for,
    pending_spools,
)

CREATE_BATCH = "CREATE OR REPLACE TEMP TABLE batch AS SELECT *, '' AS spool FROM ({select}) LIMIT 0"

READ_SPOOL = """
INSERT INTO batch
SELECT *, $spool AS spool
FROM read_json($path, format = 'newline_delimited', columns = $columns)
"""

# Why a row cannot be merged, or NULL when it can.
ROW_PROBLEM = """
CASE
  WHEN source IS NULL OR listing_id IS NULL OR run_id IS NULL THEN 'missing source, listing_id or run_id'
  WHEN NOT list_contains($cities, city) THEN 'unknown city ' || coalesce(city, 'NULL')
  WHEN price IS NULL OR price <= 0 OR price > $max_price THEN 'price missing or out of range'
  WHEN NOT list_contains($currencies, currency) THEN 'unknown currency ' || coalesce(currency, 'NULL')
  WHEN NOT list_contains($periods, price_period) THEN 'unknown price_period'
  WHEN NOT list_contains($origins, origin) THEN 'unknown origin'
  WHEN observed_at IS NULL THEN 'missing observed_at'
END
"""

FIND_BAD_ROWS = f"""
SELECT spool, count(*) AS bad, min(problem) AS example
FROM (SELECT spool, {ROW_PROBLEM} AS problem FROM batch)
WHERE problem IS NOT NULL
GROUP BY spool
"""

DEDUPE = f"""
CREATE OR REPLACE TEMP TABLE fresh AS
SELECT * EXCLUDE (spool),
       CAST(timezone('{LOCAL_TIMEZONE}', observed_at) AS DATE) AS observed_on
FROM batch
QUALIFY row_number() OVER (
    PARTITION BY source, listing_id, CAST(timezone('{LOCAL_TIMEZONE}', observed_at) AS DATE), origin
    ORDER BY observed_at DESC, run_id DESC, price DESC
) = 1
"""

UPSERT_LISTINGS = """
INSERT INTO listings
SELECT source, listing_id,
       arg_max(city, observed_at), arg_max(district, observed_at),
       arg_max(district_raw, observed_at), arg_max(rooms, observed_at),
       arg_max(area_m2, observed_at), arg_max(floor, observed_at),
       arg_max(floors_total, observed_at), arg_max(owner_type, observed_at),
       min(observed_at), max(observed_at),
       arg_max(url, observed_at), arg_max(title, observed_at)
FROM fresh
GROUP BY source, listing_id
ON CONFLICT (source, listing_id) DO UPDATE SET
    city         = CASE WHEN excluded.last_seen >= listings.last_seen THEN excluded.city ELSE listings.city END,
    district     = CASE WHEN excluded.last_seen >= listings.last_seen THEN coalesce(excluded.district, listings.district) ELSE listings.district END,
    district_raw = CASE WHEN excluded.last_seen >= listings.last_seen THEN coalesce(excluded.district_raw, listings.district_raw) ELSE listings.district_raw END,
    rooms        = CASE WHEN excluded.last_seen >= listings.last_seen THEN coalesce(excluded.rooms, listings.rooms) ELSE listings.rooms END,
    area_m2      = CASE WHEN excluded.last_seen >= listings.last_seen THEN coalesce(excluded.area_m2, listings.area_m2) ELSE listings.area_m2 END,
    floor        = CASE WHEN excluded.last_seen >= listings.last_seen THEN coalesce(excluded.floor, listings.floor) ELSE listings.floor END,
    floors_total = CASE WHEN excluded.last_seen >= listings.last_seen THEN coalesce(excluded.floors_total, listings.floors_total) ELSE listings.floors_total END,
    owner_type   = CASE WHEN excluded.last_seen >= listings.last_seen THEN coalesce(excluded.owner_type, listings.owner_type) ELSE listings.owner_type END,
    url          = CASE WHEN excluded.last_seen >= listings.last_seen THEN coalesce(excluded.url, listings.url) ELSE listings.url END,
    title        = CASE WHEN excluded.last_seen >= listings.last_seen THEN coalesce(excluded.title, listings.title) ELSE listings.title END,
    first_seen   = least(listings.first_seen, excluded.first_seen),
    last_seen    = greatest(listings.last_seen, excluded.last_seen)
"""

INSERT_OBSERVATIONS = """
INSERT INTO observations
SELECT source, listing_id, observed_at, observed_on, price, currency, price_period,
       origin, run_id, bumped_on
FROM fresh
ON CONFLICT (source, listing_id, observed_on, origin) DO UPDATE SET
    observed_at  = excluded.observed_at,
    price        = excluded.price,
    currency     = excluded.currency,
    price_period = excluded.price_period,
    run_id       = excluded.run_id,
    bumped_on    = excluded.bumped_on
WHERE excluded.observed_at > observations.observed_at
"""

UPSERT_RUN = """
INSERT OR REPLACE INTO crawl_runs
VALUES ($run_id, $spider, $source, $cities, $origin, $started_at, $finished_at, $status,
        $reason, $items, $spool_file, $stats, now())
"""

RECORD_SPOOL = "INSERT INTO spool_loads VALUES ($name, $run_id, $rows, now())"


@dataclass(frozen=True)
class Rejected:
    spool: str
    reason: str


@dataclass(frozen=True)
class LoadReport:
    """What one load did. ``observations_written`` counts new and replaced rows."""

    spools: tuple[str, ...] = ()
    rows_read: int = 0
    batch_duplicates: int = 0
    observations_written: int = 0
    listings_written: int = 0
    already_loaded: tuple[str, ...] = ()
    rejected: tuple[Rejected, ...] = ()
    partial_lines: int = 0
    runs: tuple[str, ...] = ()

    def summary(self) -> str:
        parts = [
            f"loaded {len(self.spools)} spool(s): {self.rows_read} rows read, "
            f"{self.batch_duplicates} same-day repeats folded, "
            f"{self.observations_written} observations written, "
            f"{self.listings_written} listings upserted"
        ]
        if self.already_loaded:
            parts.append(f"{len(self.already_loaded)} already loaded (skipped)")
        if self.partial_lines:
            parts.append(f"{self.partial_lines} line(s) cut short by a crash set aside (.tail)")
        for r in self.rejected:
            parts.append(f"REJECTED {r.spool}: {r.reason}")
        return "; ".join(parts)


def _split_partial_tail(spool: Path) -> int:
    """Set aside a last line cut short by a crash (kept in ``<spool>.tail``)."""
    size = spool.stat().st_size
    if size == 0:
        return 0
    with open(spool, "rb+") as handle:
        handle.seek(-1, 2)
        if handle.read(1) == b"\n":
            return 0
        # Walk back to the last newline in blocks.
        pos, block = size, 65536
        cut = 0
        while pos > 0:
            start = max(0, pos - block)
            handle.seek(start)
            chunk = handle.read(pos - start)
            idx = chunk.rfind(b"\n")
            if idx >= 0:
                cut = start + idx + 1
                break
            pos = start
        handle.seek(cut)
        tail = handle.read()
        spool.with_name(spool.name + ".tail").write_bytes(tail)
        handle.truncate(cut)
    return 1


def _move(files: Sequence[Path], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        if f.exists():
            shutil.move(str(f), folder / f.name)


def _companions(spool: Path) -> list[Path]:
    return [spool, meta_path_for(spool), spool.with_name(spool.name + ".tail")]


def load_spools(
    conn: duckdb.DuckDBPyConnection, spools: Sequence[Path], *, explicit: bool = False
) -> LoadReport:
    """Merge ``spools`` into the warehouse behind ``conn`` in one transaction.

    The caller holds the writer lock. With ``explicit`` (files named by the user), a spool
    still being written is an error; otherwise it is left for a later load.
    """
    migrate(conn)
    loaded_names = {r[0] for r in conn.execute("SELECT spool_file FROM spool_loads").fetchall()}
    todo: list[Path] = []
    already: list[Path] = []
    for spool in spools:
        if not spool.is_file():
            raise RentwatchError(f"spool {spool} does not exist")
        if spool.name in loaded_names:
            already.append(spool)
        elif is_being_written(spool):
            if explicit:
                raise RentwatchError(f"spool {spool} is still being written by a running crawl")
        else:
            todo.append(spool)
    for spool in already:
        _move(_companions(spool), spool.parent / LOADED_DIR)
    if not todo:
        return LoadReport(already_loaded=tuple(s.name for s in already))

    partial = sum(_split_partial_tail(s) for s in todo)
    columns = dict(RECORD_COLUMNS)
    rejected: list[Rejected] = []
    conn.execute("BEGIN TRANSACTION")
    try:
        select = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in columns.items())
        conn.execute(CREATE_BATCH.format(select=f"SELECT {select}"))
        for spool in todo:
            if spool.stat().st_size == 0:
                continue
            try:
                conn.execute(READ_SPOOL, {"path": str(spool), "spool": spool.name, "columns": columns})
            except duckdb.Error as exc:
                rejected.append(Rejected(spool.name, f"unreadable: {str(exc).splitlines()[0]}"))
        bad = conn.execute(
            FIND_BAD_ROWS,
            {
                "cities": list(CITIES),
                "max_price": MAX_PRICE,
                "currencies": list(CURRENCIES),
                "periods": list(PRICE_PERIODS),
                "origins": list(ORIGINS),
            },
        ).fetchall()
        for name, count, example in bad:
            rejected.append(Rejected(name, f"{count} record(s) break the rules, e.g. {example}"))
            conn.execute("DELETE FROM batch WHERE spool = ?", [name])
        rejected_names = {r.spool for r in rejected}
        good = [s for s in todo if s.name not in rejected_names]

        per_spool = dict(
            conn.execute("SELECT spool, count(*) FROM batch GROUP BY spool").fetchall()
        )
        rows_read = sum(per_spool.values())
        conn.execute(DEDUPE)
        fresh_row = conn.execute("SELECT count(*) FROM fresh").fetchone()
        fresh = int(fresh_row[0]) if fresh_row else 0
        listings_row = conn.execute(UPSERT_LISTINGS).fetchone()
        obs_row = conn.execute(INSERT_OBSERVATIONS).fetchone()

        runs = []
        for spool in good:
            meta_file = meta_path_for(spool)
            meta = RunMeta.read(meta_file) if meta_file.is_file() else None
            run_id = meta.run_id if meta else spool.name.removesuffix(".jsonl")
            if meta is not None:
                status = "crashed" if meta.status == "running" else meta.status
                conn.execute(
                    UPSERT_RUN,
                    {
                        "run_id": meta.run_id,
                        "spider": meta.spider,
                        "source": meta.source,
                        "cities": ",".join(meta.cities),
                        "origin": meta.origin,
                        "started_at": meta.started_at,
                        "finished_at": meta.finished_at,
                        "status": status,
                        "reason": meta.reason
                        or ("the run died before finishing" if status == "crashed" else None),
                        "items": per_spool.get(spool.name, 0),
                        "spool_file": spool.name,
                        "stats": json.dumps(meta.stats, ensure_ascii=False),
                    },
                )
            runs.append(run_id)
            conn.execute(
                RECORD_SPOOL,
                {
                    "name": spool.name,
                    "run_id": run_id,
                    "rows": per_spool.get(spool.name, 0),
                },
            )
        pause_point("before-commit")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("DROP TABLE IF EXISTS batch")
    conn.execute("DROP TABLE IF EXISTS fresh")

    for spool in good:
        _move(_companions(spool), spool.parent / LOADED_DIR)
    for r in rejected:
        spool = next(s for s in todo if s.name == r.spool)
        _move(_companions(spool), spool.parent / REJECTED_DIR)
        (spool.parent / REJECTED_DIR / f"{spool.name}.reason").write_text(r.reason + "\n")

    return LoadReport(
        spools=tuple(s.name for s in good),
        rows_read=rows_read,
        batch_duplicates=rows_read - fresh,
        observations_written=int(obs_row[0]) if obs_row else 0,
        listings_written=int(listings_row[0]) if listings_row else 0,
        already_loaded=tuple(s.name for s in already),
        rejected=tuple(rejected),
        partial_lines=partial,
        runs=tuple(runs),
    )


def load_pending(
    conn: duckdb.DuckDBPyConnection, spool_dir: Path, spools: Sequence[Path] = ()
) -> LoadReport:
    """Load the named spools, or every pending one in ``spool_dir`` (crashed runs included)."""
    if spools:
        return load_spools(conn, [Path(s) for s in spools], explicit=True)
    return load_spools(conn, pending_spools(spool_dir))
