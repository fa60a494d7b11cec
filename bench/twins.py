"""Benchmark: cross-portal twin matching grows linearly with the sightings (issue 15).

Generates one city on two portals (krisha, olx) with daily sightings, straight into a
warehouse (no spool, no HTTP): flats are listed for 5–55 days (the market in its steady state
from the first day), 85 % on krisha and 40 % on
olx (a third on both: twins, with the same or nearly the same area, floor and price and a
start up to 3 days apart), areas in whole m² for half the cards, prices rounded to
1,000 KZT, a fifth of the listings cut their price by 5 % half-way. Then, in a fresh
subprocess per size (so each peak RSS is its own), the twin-pair insert of
:func:`analysis.index.sample.prepare_city` runs on a read-only connection with DuckDB's
``memory_limit`` at the project's 2GB setting, and so does the quadratic reference query
(``tests/twin_reference.py``, the query before issue 15) up to ``--reference-up-to``; the
twins found must be equal.

Two ways to grow, ``--grow``:

* ``days`` (default): a city as busy as Almaty on krisha (about 11,000 listings active on
  krisha and 5,500 on olx on any day) watched for longer and longer (55 days at 1M
  observations, three years at 20M): how the warehouse grows;
* ``density``: three years of a city 20 times busier at the largest size than at the
  smallest; the listings that could be one flat (same rooms, district, m² and days) grow in
  number with the density itself, so no exact matcher stays linear here, and the figure
  says how far from it this one is.

Prints per size: observations, seconds, peak RSS, twins found, and the growth exponent
log(t2/t1)/log(n2/n1) between neighbouring sizes, for both queries.

    .venv/bin/python bench/twins.py [--sizes 1,2,4,10,20] [--grow days|density]
        [--reference-up-to 4] [--rounds 1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GIB = 1024**3
MILLION = 1_000_000
FULL_DAYS = 1095  # three years
OBS_PER_FLAT = 40.2  # 30 days × 1.34 listings (computed from the shares below)
FLATS_PER_DAY = 455  # new flats a day in "days" growth: 20M observations in three years
MEMORY_LIMIT = "2GB"  # the project's default setting (rentwatch.settings)

# u(k): a reproducible uniform(0, 1) draw per flat i and stream k; z(k): a standard normal.
U = "((hash(i, {k}) % 1000003) / 1000003.0)"
Z = (
    "(sqrt(-2 * ln(greatest("
    + U.format(k="{k}")
    + ", 1e-12))) * cos(2 * pi() * "
    + U.format(k="{k} + 50")
    + "))"
)

GENERATE_FLATS = f"""
CREATE TEMP TABLE bench_flats AS
SELECT i,
       CAST(floor({U.format(k=1)} * ($days + 55)) AS INTEGER) - 55 AS start_day,
       5 + CAST(floor({U.format(k=2)} * 51) AS INTEGER) AS life,
       1 + CAST(floor({U.format(k=3)} * 4) AS INTEGER) AS rooms,
       CAST(floor({U.format(k=4)} * 8) AS INTEGER) AS district_no,
       CASE WHEN {U.format(k=5)} < 0.1 THEN NULL
            ELSE 1 + CAST(floor({U.format(k=6)} * 16) AS INTEGER) END AS floor,
       {Z.format(k=7)} AS z_area,
       {Z.format(k=8)} AS z_flat,
       {U.format(k=9)} < 0.5 AS whole_m2,
       {U.format(k=10)} AS u_krisha,
       {U.format(k=11)} AS u_olx,
       {U.format(k=12)} AS u_twin,
       {U.format(k=13)} AS u_cut
FROM range($flats) r(i)
"""

# One row per listing: the flat on krisha (85 %, and every flat on neither portal) and on olx
# (40 %); the olx copy of a twin may differ a little in area, floor, price and start.
LISTINGS = """
CREATE TEMP TABLE bench_listings AS
WITH f AS (
    SELECT *, exp(ln(22 + 17 * rooms) + 0.15 * z_area) AS area_exact,
           exp(12 + 0.12 * (rooms - 1) + 0.04 * district_no + 0.10 * z_flat) AS price0
    FROM bench_flats
),
copies AS (
    SELECT f.*, 'krisha' AS source, 0 AS shift, 0.0 AS d_area, floor AS the_floor, 1.0 AS drift
    FROM f WHERE u_krisha < 0.85 OR u_olx >= 0.4
    UNION ALL
    SELECT f.*, 'olx', CAST(floor(u_twin * 4) AS INTEGER),
           CASE WHEN u_twin < 0.3 THEN 0.3 ELSE 0.0 END,
           CASE WHEN u_twin > 0.8 THEN NULL ELSE floor END,
           1.0 + 0.02 * u_twin
    FROM f WHERE u_olx < 0.4
)
SELECT source, source || '-' || i AS listing_id, i, rooms, 'district ' || district_no AS district,
       CASE WHEN whole_m2 THEN round(area_exact) ELSE round(area_exact, 1) END + d_area AS area_m2,
       the_floor AS floor, start_day + shift AS start_day, life,
       greatest(0, -(start_day + shift)) AS k_first,
       least(life, $days - (start_day + shift)) AS k_end,
       CAST(round(price0 * drift, -3) AS BIGINT) AS price,
       u_cut < 0.2 AS cuts
FROM copies
WHERE greatest(0, -(start_day + shift)) < least(life, $days - (start_day + shift))
"""

INSERT_LISTINGS = """
INSERT INTO listings
SELECT source, listing_id, 'almaty', district, NULL, rooms, area_m2, floor, 16, 'owner',
       TIMESTAMPTZ '2021-01-01 04:00:00+00' + to_days(start_day + k_first),
       TIMESTAMPTZ '2021-01-01 04:00:00+00' + to_days(start_day + k_end - 1), NULL, NULL
FROM bench_listings
"""

INSERT_OBSERVATIONS = """
INSERT INTO observations
SELECT source, listing_id,
       TIMESTAMPTZ '2021-01-01 04:00:00+00' + to_days(start_day + k),
       DATE '2021-01-01' + (start_day + k),
       CASE WHEN cuts AND 2 * k >= life THEN CAST(round(price * 0.95, -3) AS BIGINT)
            ELSE price END,
       'KZT', 'month', 'simulated', 'bench', NULL
FROM (SELECT *, CAST(unnest(range(k_first, k_end)) AS INTEGER) AS k FROM bench_listings)
"""


def peak_rss() -> int:
    """Peak resident memory of this process, bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def generate(db: Path, *, flats: int, days: int) -> dict[str, Any]:
    """Write the market into a new warehouse at ``db``."""
    from warehouse import open_writer

    started = time.perf_counter()
    with open_writer(db, lock_timeout=10) as conn:
        conn.execute(GENERATE_FLATS, {"flats": flats, "days": days})
        conn.execute(LISTINGS, {"days": days})
        conn.execute(INSERT_LISTINGS)
        conn.execute(INSERT_OBSERVATIONS)
        conn.execute("CHECKPOINT")
        row = conn.execute("SELECT count(*) FROM observations").fetchone()
    return {"observations": int(row[0]) if row else 0, "seconds": time.perf_counter() - started}


def measure(db: Path, query: str) -> dict[str, Any]:
    """Time the twin-pair insert (``new`` or ``reference``) on a read-only connection."""
    from analysis.index import CountingRules
    from analysis.index.sample import (
        CREATE_TWIN_PAIRS,
        INSERT_TWIN_PAIRS,
        Window,
        twin_rule_params,
    )
    from tests.twin_reference import QUADRATIC_TWIN_PAIRS
    from warehouse import open_reader

    rules = CountingRules()
    window = Window("almaty")
    params: dict[str, Any] = {**window.params(), "source_a": "krisha", "source_b": "olx"}
    if query == "new":
        sql = INSERT_TWIN_PAIRS
        params |= twin_rule_params(rules)
    else:
        sql = QUADRATIC_TWIN_PAIRS
        params |= {"area_tol": rules.twin_area_m2, "price_tol": rules.twin_price_rel,
                   "days": rules.twin_days}  # fmt: skip
    with open_reader(db, retry_timeout=10) as conn:
        conn.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")  # SET takes no parameters
        conn.execute(CREATE_TWIN_PAIRS)
        started = time.perf_counter()
        conn.execute(sql.format(sightings=window.sightings), params)
        seconds = time.perf_counter() - started
        row = conn.execute(
            "SELECT count(*), coalesce(sum(hash(a_key, b_key)), 0) FROM index_twin_pairs"
        ).fetchone()
    assert row is not None
    return {"seconds": seconds, "peak_rss": peak_rss(), "pairs": int(row[0]),
            "checksum": str(row[1])}  # fmt: skip


def in_subprocess(query: str, db: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", query, str(db)], capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"measuring {query} on {db.name} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def exponent(n1: float, t1: float, n2: float, t2: float) -> float:
    """The growth exponent b of t ∝ n^b between two sizes."""
    return math.log(t2 / t1) / math.log(n2 / n1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,2,4,10,20", help="millions of observations")
    parser.add_argument("--grow", choices=("days", "density"), default="days")
    parser.add_argument("--reference-up-to", type=float, default=4.0, help="millions")
    parser.add_argument("--rounds", type=int, default=1, help="runs per size, best kept")
    parser.add_argument("--keep", type=Path, help="keep the generated warehouses here")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        print(json.dumps(measure(Path(args.measure[1]), args.measure[0])))
        return

    sizes = [float(s) for s in args.sizes.split(",")]
    work = args.keep or Path(tempfile.mkdtemp(prefix="rentwatch-bench-twins-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"duckdb {__import__('duckdb').__version__}; memory_limit {MEMORY_LIMIT}; "
          f"growth by {args.grow}")  # fmt: skip
    rows: list[dict[str, Any]] = []
    try:
        for size in sizes:
            target = size * MILLION
            # Flats start from 55 days before the first day, so the market is in its steady
            # state from day one (a listing lives at most 55 days).
            if args.grow == "days":
                days = max(1, round(target / OBS_PER_FLAT / FLATS_PER_DAY))
                per_day = float(FLATS_PER_DAY)
            else:
                days = FULL_DAYS
                per_day = target / OBS_PER_FLAT / FULL_DAYS
            flats = round(per_day * (days + 55))
            db = work / f"twins-{args.grow}-{size:g}M.duckdb"
            if not db.exists():
                made = generate(db, flats=flats, days=days)
                print(f"generated {made['observations']:,} observations ({days} days) "
                      f"in {made['seconds']:.1f} s", flush=True)  # fmt: skip
            from warehouse import open_reader

            with open_reader(db, retry_timeout=10) as conn:
                found = conn.execute("SELECT count(*) FROM observations").fetchone()
            obs = int(found[0]) if found else 0
            new_runs, ref_runs = [], []
            for _ in range(args.rounds):
                new_runs.append(in_subprocess("new", db))
                if size <= args.reference_up_to:
                    ref_runs.append(in_subprocess("reference", db))
            new = min(new_runs, key=lambda r: r["seconds"])
            ref = min(ref_runs, key=lambda r: r["seconds"]) if ref_runs else None
            if ref is not None and (ref["pairs"], ref["checksum"]) != (
                new["pairs"],
                new["checksum"],
            ):
                raise SystemExit(f"{size:g}M: the twins differ from the reference's")
            rows.append({"obs": obs, "days": days, "new": new, "ref": ref})
            print(f"  {obs:>11,} obs: new {new['seconds']:6.2f} s "
                  f"{new['peak_rss'] / GIB:5.2f} GiB, {new['pairs']:,} twin pairs"
                  + (f"; reference {ref['seconds']:6.2f} s {ref['peak_rss'] / GIB:5.2f} GiB, same "
                     "twins" if ref else ""), flush=True)  # fmt: skip
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    report(rows, args.grow)


def report(rows: list[dict[str, Any]], grow: str) -> None:
    print(f"\ngrowth by {grow}; load average now {os.getloadavg()[0]:.1f}")
    print(
        "| observations | days | twin pairs | new: s | new: peak GiB | new: exponent "
        "| reference: s | reference: peak GiB | reference: exponent | reference / new |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for i, r in enumerate(rows):
        new, ref = r["new"], r["ref"]
        prev = rows[i - 1] if i else None
        e_new = (
            f"{exponent(prev['obs'], prev['new']['seconds'], r['obs'], new['seconds']):.2f}"
            if prev
            else "—"
        )
        e_ref = (
            f"{exponent(prev['obs'], prev['ref']['seconds'], r['obs'], ref['seconds']):.2f}"
            if prev and ref and prev["ref"]
            else "—"
        )
        ref_cells = (
            f"{ref['seconds']:.2f} | {ref['peak_rss'] / GIB:.2f} | {e_ref} | "
            f"{ref['seconds'] / new['seconds']:.1f}×"
            if ref
            else "— | — | — | —"
        )
        print(f"| {r['obs']:,} | {r['days']} | {new['pairs']:,} | {new['seconds']:.2f} | "
              f"{new['peak_rss'] / GIB:.2f} | {e_new} | {ref_cells} |")  # fmt: skip
    first, last = rows[0], rows[-1]
    if len(rows) > 1:
        whole = exponent(first["obs"], first["new"]["seconds"], last["obs"], last["new"]["seconds"])
        print(f"new query, exponent from the smallest to the largest size: {whole:.2f} "
              "(target ≤ 1.1); peak at the largest: "
              f"{last['new']['peak_rss'] / GIB:.2f} GiB (target < 2 GiB)")  # fmt: skip


if __name__ == "__main__":
    main()
