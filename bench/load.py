"""Benchmark: merge a realistic batch of spooled observations into a warehouse (issue 15).

Two batches, in the proportions the sandbox market gives (``scrapers/sandbox``, measured by
replaying it: ``--proportions`` prints them again):

* **night**: a nightly crawl of every page sees each active listing once. Listings stay up
  about 28 days (days on the market log-normal with median 18 days, plus 1 % agency
  evergreens of 150–500 days), so 3.7 % of a night's rows are new listings and the rest are
  later sightings of stored listings; we add 1 % same-day repeats observed later (a city's
  crawl re-run after it failed, which replace the stored rows). The warehouse holds the two
  previous nights.
* **backfill**: the web archive's captures (two a week, three pages each) of 2021–2023 into a
  warehouse that holds other days: 79 % of the rows are a listing's first sighting, 21 % later
  sightings of listings earlier in the batch, 0.16 % same-day repeats within the batch (two
  captures on one local day; the later one wins).

Every row but the folded repeats is written, as in real loads (the previous bench repeated
stored keys at the same timestamp, which the merge drops, so it wrote half the floor's rows).

Each timed step runs in a fresh subprocess with the project's 2GB DuckDB ``memory_limit`` so
its peak RSS is its own; the merge and the floor run ``--rounds`` times interleaved, best
kept, because other work on the shared 2-core machine slows single runs by up to half:

* merge: ``warehouse.load.load_spools`` (validate, dedupe, listings upsert, keyed merge,
  record the run, commit) into a copy of the prefilled warehouse;
* floor: a plain ``INSERT … SELECT`` from the same spool into an empty keyless table, with
  ``preserve_insertion_order = false`` as the loader sets it (target: the merge ≤ 1.5× its
  time); printed too, the same floor at DuckDB's default (insertion order kept), the floor
  of the figures before; and the **merge's tables** floor: the spool parsed once and written
  to the two tables the merge writes (each listing once, every row an observation) of an
  empty warehouse, with no rule check, fold or meeting with stored rows: what the
  normalised schema costs before any merge logic (a backfill's 79 % new listings are a
  second table's rows the one-table floor never writes);
* naive: row-by-row ``executemany`` INSERTs of a 10,000-row sample with no key check
  (target: the merge ≥ 300× faster per row).

``--memory-rows`` (default 2,000,000 and 4,000,000; ``0`` skips it) loads batches of each
kind at ``--rows`` and at those sizes once each and prints the peak RSS of three steps: the
merge as it runs (a batch larger than a chunk, by its spools' size, is staged on disk and
merged chunk by chunk, so its peak should not grow with the batch), the same merge with the
batch read whole into memory (``load_spools(stage=False)``, the loader before staging: its
peak grows with the batch up to DuckDB's ``memory_limit``), the merge staged whatever the
batch's size (``stage=True``: what staging costs where it is not needed), and the floor.

``--baseline DIR`` (a checkout of another commit, e.g. ``git worktree add DIR main``) times that
checkout's merge too, in the same rounds, so a change's before and after share the machine's
load.

    .venv/bin/python bench/load.py [--rows 1000000] [--memory-rows 2000000 4000000]
        [--rounds 3] [--kind night|backfill|both] [--keep DIR] [--baseline DIR] [--proportions]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from warehouse.spool import LOADED_DIR  # noqa: E402

MEMORY_LIMIT = "2GB"  # the project's default setting
NIGHT_NEW, NIGHT_REPEATS = 0.037, 0.01
BACKFILL_FIRST, BACKFILL_REPEATS = 0.79, 0.0016

# u(k): a reproducible uniform(0, 1) draw per listing id and stream k.
U = "((hash(lid, {k}) % 1000003) / 1000003.0)"

# One spool row per (listing id, day, minute): the attributes a krisha card carries.
ROWS = f"""
SELECT 'krisha' AS source, CAST(lid AS VARCHAR) AS listing_id,
       CASE WHEN lid % 3 = 0 THEN 'astana' ELSE 'almaty' END AS city,
       ['Бостандыкский', 'Медеуский', 'Алмалинский', 'Ауэзовский', 'Алатауский'][lid % 5 + 1]
           AS district,
       ['Бостандыкский', 'Медеуский', 'Алмалинский', 'Ауэзовский', 'Алатауский'][lid % 5 + 1]
           || ' р-н' AS district_raw,
       1 + lid % 4 AS rooms, 20.0 + 18 * (1 + lid % 4) + lid % 7 AS area_m2,
       1 + lid % 9 AS floor, 9 AS floors_total,
       100000 * (1 + lid % 4) + CAST(floor({U.format(k="day")} * 50000) AS BIGINT) AS price,
       'KZT' AS currency, 'month' AS price_period, 'owner' AS owner_type,
       '/a/show/' || lid AS url, (1 + lid % 4) || '-комнатная квартира, '
           || (20 + 18 * (1 + lid % 4) + lid % 7) || ' м², ' || (1 + lid % 9) || '/9 этаж'
           AS title,
       strftime(TIMESTAMP '2022-01-01 02:00:00' + to_days(CAST(day AS INTEGER))
                + to_minutes(CAST(minute AS INTEGER)), '%Y-%m-%dT%H:%M:%S+06:00') AS observed_at,
       'live' AS origin, $run_id AS run_id
FROM ({{keys}})
"""

# Keys (lid, day, minute) of each spool. Night: the stock is listings 0 .. $stock − 1, seen on
# days $day − 1 and $day (the warehouse), then on $day + 1 (the batch) with new listings and
# a re-run's repeats of day $day. Backfill: first sightings spread over 730 days, each later
# sighting 1–20 days after its listing's first, repeats on the same day, later in it.
NIGHT_BASE = (
    "SELECT lid, $day - d AS day, lid % 300 AS minute FROM range($stock) r(lid), range(2) s(d)"
)
NIGHT_BATCH = """
SELECT lid, $day + 1 AS day, lid % 300 AS minute FROM range($later) r(lid)
UNION ALL
SELECT lid, $day AS day, 300 + lid % 300 AS minute FROM range($later, $later + $repeats) r(lid)
UNION ALL
SELECT lid, $day + 1 AS day, lid % 300 AS minute FROM range($stock, $stock + $new) r(lid)
"""
BACKFILL_BASE = (
    "SELECT 100000000 + lid AS lid, 800 + lid % 300 AS day, lid % 300 AS minute "
    "FROM range($rows) r(lid)"
)
BACKFILL_BATCH = f"""
WITH firsts AS (
    SELECT lid, CAST(floor({U.format(k=1)} * 730) AS BIGINT) AS day FROM range($first) r(lid)
)
SELECT lid, day, lid % 300 AS minute FROM firsts
UNION ALL
SELECT lid, day + 1 + CAST(floor({U.format(k=2)} * 20) AS BIGINT), lid % 300
FROM firsts WHERE lid < $later
UNION ALL
SELECT lid, day, 300 + lid % 300 FROM firsts WHERE lid >= $first - $repeats
"""


def write_spool(path: Path, keys: str, params: dict[str, Any], run_id: str) -> int:
    """A spool in the real format (one JSON record per line), written by DuckDB for speed."""
    import duckdb

    conn = duckdb.connect()
    quoted = str(path).replace("'", "''")  # COPY takes no parameter for its file name
    conn.execute(
        f"COPY ({ROWS.format(keys=keys)}) TO '{quoted}' (FORMAT json)",
        {**params, "run_id": run_id},
    )
    row = conn.execute(
        "SELECT count(*) FROM read_json(?, format = 'newline_delimited')", [str(path)]
    ).fetchone()
    conn.close()
    return int(row[0]) if row else 0


def night(rows: int, work: Path) -> tuple[Path, Path]:
    """(base spool, batch spool) of a night with ``rows`` rows."""
    new, repeats = round(NIGHT_NEW * rows), round(NIGHT_REPEATS * rows)
    later = rows - new - repeats
    stock = later + repeats
    params = {"stock": stock, "day": 400}
    base, batch = work / f"night-base-{rows}.jsonl", work / f"night-{rows}.jsonl"
    if not base.exists():
        write_spool(base, NIGHT_BASE, params, "bench-night-base")
        write_spool(batch, NIGHT_BATCH, {**params, "later": later, "repeats": repeats,
                                         "new": new}, "bench-night")  # fmt: skip
    return base, batch


def backfill(rows: int, work: Path) -> tuple[Path, Path]:
    """(base spool, batch spool) of an archive backfill with ``rows`` rows."""
    first = round(BACKFILL_FIRST * rows)
    repeats = round(BACKFILL_REPEATS * rows)
    later = rows - first - repeats
    base, batch = work / f"backfill-base-{rows}.jsonl", work / f"backfill-{rows}.jsonl"
    if not base.exists():
        write_spool(base, BACKFILL_BASE, {"rows": rows}, "bench-backfill-base")
        write_spool(batch, BACKFILL_BATCH, {"first": first, "later": later,
                                            "repeats": repeats}, "bench-backfill")  # fmt: skip
    return base, batch


STEP = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
sys.path.insert(0, {bench!r})
from peak import peak_rss_bytes
from warehouse.connection import configure_connections, connect
from warehouse.migrate import migrate
from warehouse.records import RECORD_COLUMNS
step, db, spool = sys.argv[1], sys.argv[2], sys.argv[3]
configure_connections(memory_limit={limit!r})
conn = connect(db)
migrate(conn)
# DuckDB's Python binding imports pandas the first time a statement has parameters (0.26 s):
# a process's start-up, not a load's, paid here before the clock for every step alike.
conn.execute("SELECT ?", [0]).fetchall()
t0 = time.perf_counter()
written = None
if step in ("merge", "merge_in_memory", "merge_staged"):
    from warehouse.load import load_spools
    # merge_in_memory: the batch read whole into memory whatever its size, as before staging;
    # merge_staged: staged on disk whatever its size.
    stage = {{"merge": None, "merge_in_memory": False, "merge_staged": True}}[step]
    report = load_spools(conn, [Path(spool)], stage=stage)
    rows, written = report.rows_read, report.observations_written
elif step in ("floor", "floor_ordered"):
    # The loader lets DuckDB write in any order (warehouse.load._unordered); so does the
    # floor. floor_ordered keeps DuckDB's default (insertion order kept), as before.
    if step == "floor":
        conn.execute("SET preserve_insertion_order = false")
    conn.execute("CREATE TABLE plain AS SELECT * FROM read_json(?, format='newline_delimited', "
                 "columns=?) LIMIT 0", [spool, dict(RECORD_COLUMNS)])
    conn.execute("INSERT INTO plain SELECT * FROM read_json(?, format='newline_delimited', "
                 "columns=?)", [spool, dict(RECORD_COLUMNS)])
    rows = conn.execute("SELECT count(*) FROM plain").fetchone()[0]
elif step == "floor_tables":
    # The same two tables the merge writes (a listing once, with its first and last
    # sighting; every row an observation), straight from the spool into an empty warehouse:
    # no rule checks, no fold, nothing met with stored rows. What the schema costs.
    conn.execute("SET preserve_insertion_order = false")
    conn.execute("CREATE TEMP TABLE b AS SELECT * FROM read_json(?, "
                 "format='newline_delimited', columns=?)", [spool, dict(RECORD_COLUMNS)])
    from warehouse.load import LISTING_ATTRIBUTES, OBSERVED_ON
    attributes = ", ".join(f"any_value({{c}}) AS {{c}}" for c in LISTING_ATTRIBUTES)
    conn.execute(f"INSERT INTO listings BY NAME SELECT source, listing_id, {{attributes}}, "
                 "min(observed_at) AS first_seen, max(observed_at) AS last_seen FROM b "
                 "GROUP BY source, listing_id")
    conn.execute("INSERT INTO observations BY NAME SELECT source, listing_id, observed_at, "
                 f"{{OBSERVED_ON}} AS observed_on, price, currency, price_period, origin, run_id, "
                 "bumped_on, parser_version, warc_record_id FROM b")
    rows = conn.execute("SELECT count(*) FROM observations").fetchone()[0]
elif step == "executemany":
    lines = Path(spool).read_text(encoding="utf-8").splitlines()[: int(sys.argv[4])]
    t0 = time.perf_counter()
    params = []
    for line in lines:
        r = json.loads(line)
        params.append([r["source"], r["listing_id"], r["observed_at"], r["observed_at"][:10],
                       r["price"], r["currency"], r["price_period"], r["origin"], r["run_id"],
                       None])
    # Columns named: later migrations added columns (parser_version, warc_record_id).
    conn.executemany("INSERT INTO observations (source, listing_id, observed_at, observed_on, "
                     "price, currency, price_period, origin, run_id, bumped_on) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", params)
    rows = len(params)
conn.close()
elapsed = time.perf_counter() - t0
print(json.dumps({{"rows": rows, "written": written, "seconds": elapsed,
                   "peak_mib": peak_rss_bytes() / 2**20}}))
"""


def run_step(step: str, db: Path, spool: Path, *extra: str, root: Path = ROOT) -> dict[str, Any]:
    """Run one timed step in a fresh process, on a copy of the spool (a load moves its input),
    with the project at ``root`` (this checkout, or ``--baseline``'s) first on the path."""
    copy = spool.parent / "run" / spool.name
    copy.parent.mkdir(exist_ok=True)
    # A real spool's name is unique; renaming this copy over the last round's loaded one
    # made ext4 flush the whole file first (auto_da_alloc), 0.4 s on a million rows.
    shutil.rmtree(copy.parent / LOADED_DIR, ignore_errors=True)
    shutil.copyfile(spool, copy)
    code = STEP.format(root=str(root), bench=str(ROOT / "bench"), limit=MEMORY_LIMIT)
    out = subprocess.run(
        [sys.executable, "-c", code, step, str(db), str(copy), *extra],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"{step} on {spool.name} failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def prefilled(base_spool: Path, work: Path) -> Path:
    db = work / f"{base_spool.stem}.duckdb"
    if not db.exists():
        run_step("merge", db, base_spool)
    return db


def measure(
    name: str, base_spool: Path, batch: Path, work: Path, rounds: int, baseline: Path | None
) -> dict[str, Any]:
    """Best-of-``rounds`` merge and floor on one batch, interleaved (and ``baseline``'s merge)."""
    base_db = prefilled(base_spool, work)
    merges, floors, ordered, tables, before = [], [], [], [], []
    for _ in range(rounds):
        merge_db = work / "merge.duckdb"
        if baseline is not None:
            shutil.copyfile(base_db, merge_db)
            before.append(run_step("merge", merge_db, batch, root=baseline))
        shutil.copyfile(base_db, merge_db)
        merges.append(run_step("merge", merge_db, batch))
        floor_db = work / "floor.duckdb"
        floor_db.unlink(missing_ok=True)
        floors.append(run_step("floor", floor_db, batch))
        floor_db.unlink(missing_ok=True)
        ordered.append(run_step("floor_ordered", floor_db, batch))
        floor_db.unlink(missing_ok=True)
        tables.append(run_step("floor_tables", floor_db, batch))
    merge = min(merges, key=lambda r: r["seconds"])
    floor = min(floors, key=lambda r: r["seconds"])
    kept = min(ordered, key=lambda r: r["seconds"])
    return {"name": name, "merge": merge, "floor": floor, "merges": merges, "floors": floors,
            "floor_ordered": kept, "floor_tables": min(tables, key=lambda r: r["seconds"]),
            "baseline": min(before, key=lambda r: r["seconds"]) if before else None,
            "baselines": before, "base_db": base_db}  # fmt: skip


def line(label: str, r: dict[str, Any]) -> str:
    written = f", {r['written']:,} written" if r.get("written") is not None else ""
    return (
        f"{label:<26} {r['rows']:>10,} rows{written}  {r['seconds']:7.2f} s  "
        f"{r['rows'] / r['seconds']:>11,.0f} rows/s  peak {r['peak_mib']:,.0f} MiB"
    )


def proportions() -> None:
    """Replay the sandbox market at scale 1 and print a night's and the archive's mix."""
    import tempfile as tf

    from scrapers.sandbox.market import Market, MarketConfig
    from tests.sandbox_warehouse import archive_warehouse
    from warehouse import open_reader

    market = Market(MarketConfig(2022, 1.0))
    for source in ("krisha", "olx"):
        for city in ("almaty", "astana"):
            seen = new = 0
            previous: set[int] | None = None
            for day in range(400, 460):
                ids = set(market.visible(source, city, day + 0.08).listings.tolist())
                if previous is not None:
                    seen, new = seen + len(ids), new + len(ids - previous)
                previous = ids
            print(f"night, {source} {city}: {seen / 59:,.0f} listings a night, "
                  f"{100 * new / seen:.1f} % new")  # fmt: skip
    db, _ = archive_warehouse(Path(tf.mkdtemp()), 2022)
    with open_reader(db, retry_timeout=5) as conn:
        found = conn.execute(
            "SELECT (SELECT sum(rows) FROM spool_loads), (SELECT count(*) FROM observations), "
            "(SELECT count(*) FROM listings)"
        ).fetchone()
    assert found is not None
    rows, obs, listings = (int(v) for v in found)
    print(f"backfill (archive captures): {rows:,} rows, {100 * listings / rows:.1f} % first "
          f"sightings, {100 * (rows - obs) / rows:.2f} % same-day repeats")  # fmt: skip


def memory(kinds: tuple[str, ...], sizes: list[int], work: Path) -> None:
    """Peak RSS of the merge (staged above a chunk), the merge in memory and the floor, by size."""
    print("\npeak memory (one run each; MiB, seconds):")
    steps = ("merge", "merge_in_memory", "merge_staged", "floor")
    print(f"{'batch':<9} {'rows':>10}  " + "  ".join(f"{s.replace('_', ' '):>17}" for s in steps))
    for kind in kinds:
        peaks = []
        for rows in sizes:
            base, batch = (night if kind == "night" else backfill)(rows, work)
            base_db = prefilled(base, work)
            found = []
            for step in steps:
                db = work / f"{step}.duckdb"
                db.unlink(missing_ok=True)
                if step != "floor":
                    shutil.copyfile(base_db, db)
                found.append(run_step(step, db, batch))
                db.unlink(missing_ok=True)
            peaks.append([r["peak_mib"] for r in found])
            print(f"{kind:<9} {found[0]['rows']:>10,}  "
                  + "  ".join(f"{r['peak_mib']:>7,.0f} {r['seconds']:>6.2f} s" for r in found),
                  flush=True)  # fmt: skip
        first, last = peaks[0], peaks[-1]
        print(f"{kind}: peak at {sizes[-1]:,} / at {sizes[0]:,} rows: merge "
              f"{last[0] / first[0]:.2f}×, in memory {last[1] / first[1]:.2f}× "
              "(target: the merge about 1×)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--memory-rows", type=int, nargs="*", default=[2_000_000, 4_000_000])
    parser.add_argument("--kind", choices=("night", "backfill", "both"), default="both")
    parser.add_argument(
        "--sample", type=int, default=10_000, help="rows for the executemany baseline"
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs; best kept")
    parser.add_argument("--keep", type=Path, help="keep the generated files here")
    parser.add_argument(
        "--baseline", type=Path, help="another checkout whose merge is timed in the same rounds"
    )
    parser.add_argument("--proportions", action="store_true", help="re-derive the mix and stop")
    args = parser.parse_args()
    if args.proportions:
        proportions()
        return

    work = args.keep or Path(tempfile.mkdtemp(prefix="rentwatch-bench-load-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; duckdb "
          f"{__import__('duckdb').__version__}; memory_limit {MEMORY_LIMIT}")  # fmt: skip
    try:
        kinds = ("night", "backfill") if args.kind == "both" else (args.kind,)
        results = []
        for kind in kinds:
            base, batch = (night if kind == "night" else backfill)(args.rows, work)
            results.append(measure(kind, base, batch, work, args.rounds, args.baseline))
        for r in results:
            merge, floor = r["merge"], r["floor"]
            print(f"\n{r['name']} batch (best of {args.rounds}; single runs: merge "
                  + ", ".join(f"{m['seconds']:.2f}" for m in r["merges"]) + " s, floor "
                  + ", ".join(f"{f['seconds']:.2f}" for f in r["floors"]) + " s)")  # fmt: skip
            print(line("merge (load_spools)", merge))
            print(line("floor (INSERT … SELECT)", floor))
            print(f"merge time / floor time: {merge['seconds'] / floor['seconds']:.2f}× "
                  "(target ≤ 1.5×)")  # fmt: skip
            if r["baseline"] is not None:
                old = r["baseline"]
                print(
                    line("merge, --baseline", old)
                    + " (single runs "
                    + ", ".join(f"{m['seconds']:.2f}" for m in r["baselines"])
                    + " s)"
                )
                print(f"baseline merge time / floor time: {old['seconds'] / floor['seconds']:.2f}×")
            kept = r["floor_ordered"]
            print(line("floor, insertion order kept", kept))
            print(f"merge time / that floor's time: {merge['seconds'] / kept['seconds']:.2f}× "
                  "(DuckDB's default setting, the floor before)")  # fmt: skip
            tables = r["floor_tables"]
            print(line("floor, the merge's tables", tables))
            print(f"merge time / that floor's time: {merge['seconds'] / tables['seconds']:.2f}× "
                  "(listings and observations written from the spool, no merge)")  # fmt: skip
        first = results[0]
        naive_db = work / "naive.duckdb"
        shutil.copyfile(first["base_db"], naive_db)
        _, batch = (night if first["name"] == "night" else backfill)(args.rows, work)
        naive = run_step("executemany", naive_db, batch, str(args.sample))
        rate = first["merge"]["rows"] / first["merge"]["seconds"]
        print(f"\n{line('naive (executemany)', naive)}")
        print(f"merge speed / executemany speed: {rate / (naive['rows'] / naive['seconds']):,.0f}× "
              "(target ≥ 300×)")  # fmt: skip
        sizes = [n for n in args.memory_rows if n]
        if sizes:
            memory(kinds, [args.rows, *sizes], work)
        print(f"load average now {os.getloadavg()[0]:.1f}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
