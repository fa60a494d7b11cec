"""Benchmark: a simulated country through the whole pipeline, at two sizes (issue 15).

Twenty registered cities (Almaty and Astana the largest, the others a tenth to a third of
Almaty's size), two portals (krisha everywhere, olx with 40 % of the flats, a third of them on
both: twins), three years of daily sightings (2021-01-01 .. 2023-12-31), rents with a trend,
flat effects and a jump after 21 September 2022 in Almaty and Astana only. Observations are
written straight into spools in the real format (one per city, portal and year, by DuckDB;
no HTTP crawl) and labelled ``simulated``. Then, each stage in a fresh subprocess with
DuckDB's ``memory_limit`` at the project's 2GB setting (so each peak RSS is its own):

1. **load**: ``warehouse.load.load_spools``, one load per year (a backfill's batches);
2. **index**: every city, every method (median, median_m2, mix, hedonic; weekly, all rooms)
   and the headline series (1-room mix of new listings), via ``build_indexes_each``;
3. **ITS**: the headline with the comparison design: ``analysis.index.comparison_panel``
   (each city's 1-room weekly mix of new listings) and synthetic control
   (``analysis.its.synthetic_run``, placebo-in-space over the donors) for Almaty and Astana,
   the other 18 cities the donors;
4. **reports**: ``gather_report_data`` for Almaty and Astana, the economist's HTML and the
   Russian summary PDF.

Sizes are fractions of ``--full-obs`` (the city list and the three years stay; the cities
get busier), and the growth exponent of each stage is log(t / t₀) / log(n / n₀) from the
smallest size. Targets: every exponent ≤ 1.1, peak < 2 GiB at full size.

    .venv/bin/python bench/country.py [--full-obs 10000000] [--sizes 0.25,1] [--keep DIR]
        [--stages load,index,its,reports] [--rounds 1]

``--keep DIR`` keeps each size's spools (and reuses them on the next run); ``--stages``
runs only some stages (a later stage reads the warehouse an earlier one left in DIR).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from peak import peak_rss_bytes as peak_rss  # noqa: E402  (bench/: this script's directory)

GIB = 1024**3
MEMORY_LIMIT = "2GB"
DAYS = 1095
FIRST_DAY = "2021-01-01"
EVENT_DAY = 629  # 2022-09-21
OBS_PER_FLAT = 40.2  # 30 days on the market × 1.34 listings (krisha 85 %, olx 40 %, one of them)
TREATED = ("almaty", "astana")
SIZES = {"almaty": 1.0, "astana": 0.7}  # the other cities: 0.1 .. 0.33 of Almaty
STAGES = ("load", "index", "its", "reports")

# The reproducible per-flat draws (u(k) uniform, z(k) normal) of the twins bench.
from twins import U, Z  # noqa: E402

# One city's flats: $flats of them arriving evenly over the three years (from 55 days before,
# so the market is in its steady state from the first day), each listed 5–55 days.
CITY_ROWS = f"""
CREATE OR REPLACE TEMP TABLE city_rows AS
WITH flats AS (
    SELECT i,
           CAST(floor({U.format(k=1)} * ($days + 55)) AS INTEGER) - 55 AS start_day,
           5 + CAST(floor({U.format(k=2)} * 51) AS INTEGER) AS life,
           1 + CAST(floor({U.format(k=3)} * 4) AS INTEGER) AS rooms,
           CAST(floor({U.format(k=4)} * 8) AS INTEGER) AS district_no,
           CASE WHEN {U.format(k=5)} < 0.1 THEN NULL
                ELSE 1 + CAST(floor({U.format(k=6)} * 16) AS INTEGER) END AS floor,
           exp(ln(22 + 17 * (1 + CAST(floor({U.format(k=3)} * 4) AS INTEGER)))
               + 0.15 * {Z.format(k=7)}) AS area,
           0.10 * {Z.format(k=8)} AS flat_effect,
           {U.format(k=10)} AS u_krisha, {U.format(k=11)} AS u_olx,
           CAST(floor({U.format(k=12)} * 3) AS INTEGER) AS owner_no
    FROM range($flats) r(i)
),
copies AS (
    SELECT *, 'krisha' AS source, 0 AS shift FROM flats WHERE u_krisha < 0.85 OR u_olx >= 0.4
    UNION ALL
    SELECT *, 'olx', CAST(floor(u_olx * 10) AS INTEGER) FROM flats WHERE u_olx < 0.4
),
days AS (
    SELECT c.*, start_day + shift + k AS day
    FROM (SELECT *, CAST(unnest(range(life)) AS INTEGER) AS k FROM copies) c
)
SELECT source, source || '-' || $city || '-' || i AS listing_id, $city AS city,
       'district ' || district_no AS district, rooms, round(area, 1) AS area_m2, floor,
       16 AS floors_total,
       CAST(round(exp($level + 0.12 * (rooms - 1) + 0.04 * district_no + flat_effect
                      + 0.25 * (start_day + shift) / 365.0
                      + CASE WHEN start_day + shift >= {EVENT_DAY} THEN $jump ELSE 0 END), -3)
            AS BIGINT) AS price,
       'KZT' AS currency, 'month' AS price_period,
       ['owner', 'specialist', 'company'][owner_no + 1] AS owner_type,
       strftime(TIMESTAMP '{FIRST_DAY} 02:00:00' + to_days(day)
                + to_minutes(CAST(i % 300 AS INTEGER)), '%Y-%m-%dT%H:%M:%S+06:00') AS observed_at,
       'simulated' AS origin, $run_id AS run_id, day // 365 AS year
FROM days
WHERE day >= 0 AND day < $days
"""

SPOOL = (
    "COPY (SELECT * EXCLUDE (year) FROM city_rows WHERE source = $source AND year = $year) "
    "TO '{path}' (FORMAT json)"
)


def cities() -> list[tuple[str, float]]:
    """Twenty registered cities and their sizes relative to Almaty."""
    from warehouse.cities import CITY_CODES

    others = [c for c in CITY_CODES if c not in TREATED][:18]
    sizes = [(c, SIZES[c]) for c in TREATED]
    sizes += [(c, 0.1 + 0.23 * ((i * 7) % 18) / 17) for i, c in enumerate(others)]
    return sizes


def generate(spool_dir: Path, total_obs: int) -> int:
    """Write the country's spools; returns the rows written."""
    import duckdb

    spool_dir.mkdir(parents=True, exist_ok=True)
    plan = cities()
    weight = sum(s for _, s in plan)
    conn = duckdb.connect()
    rows = 0
    for n, (city, size) in enumerate(plan):
        flats = round(total_obs * size / weight / OBS_PER_FLAT * (DAYS + 55) / DAYS)
        jump = 0.30 if city == "almaty" else 0.25 if city == "astana" else 0.0
        level = 11.8 + 0.02 * (n % 5)
        conn.execute(CITY_ROWS, {"flats": flats, "days": DAYS, "city": city, "jump": jump,
                                 "level": level, "run_id": f"country-{city}"})  # fmt: skip
        for source in ("krisha", "olx"):
            for year in range(3):
                path = spool_dir / f"country-{city}-{source}-{year}.jsonl"
                quoted = str(path).replace("'", "''")  # COPY takes no parameter for its file
                conn.execute(SPOOL.format(path=quoted), {"source": source, "year": year})
        found = conn.execute("SELECT count(*) FROM city_rows").fetchone()
        rows += int(found[0]) if found else 0
    conn.close()
    return rows


def stage(name: str, work: Path) -> dict[str, Any]:
    """Run one stage in this process (the parent starts one process per stage)."""
    from warehouse.connection import configure_connections

    configure_connections(memory_limit=MEMORY_LIMIT)
    db = work / "country.duckdb"
    started = time.perf_counter()
    detail: dict[str, Any] = {}
    if name == "load":
        from warehouse import open_writer
        from warehouse.load import load_spools

        spools = sorted((work / "spool").glob("*.jsonl"))
        with open_writer(db, lock_timeout=10) as conn:
            for year in range(3):
                report = load_spools(conn, [s for s in spools if s.stem.endswith(f"-{year}")])
                detail[f"year {year}"] = report.observations_written
    elif name == "index":
        from analysis.index import IndexSeries, IndexSpec, build_indexes_each
        from warehouse import open_reader

        specs = [
            spec
            for city, _ in cities()
            for spec in (
                *(IndexSpec(city, m, "W") for m in ("median", "median_m2", "mix", "hedonic")),
                IndexSpec(city, "mix", "W", rooms=1, flow=True),
            )
        ]
        with open_reader(db, retry_timeout=10) as conn:
            built = build_indexes_each(conn, specs)
        detail["series"] = sum(isinstance(s, IndexSeries) for s in built)
        detail["failed"] = [str(s) for s in built if not isinstance(s, IndexSeries)]
    elif name == "its":
        from analysis.index.panel import comparison_panel
        from analysis.its.synthetic_run import PanelOptions, run_panel_design
        from warehouse import open_reader

        donors = [c for c, _ in cities() if c not in TREATED]
        # Weeks a small donor city has no new one-room listing leave the panel.
        options = PanelOptions(design="synthetic", periods=6, missing="drop-periods")
        with open_reader(db, retry_timeout=10) as conn:
            for treated in TREATED:
                panel = comparison_panel(conn, treated=treated, donors=donors)
                analysis = run_panel_design(
                    panel.values, treated=treated, donors=list(panel.donors),
                    event="2022-09-19", options=options,
                    unit=panel.unit, label=f"{treated} 1-room mix W flow", simulated=True,
                )  # fmt: skip
                effect = analysis.headline()
                detail[treated] = f"{effect.percent:+.1f}% [{effect.percent_low:+.1f}, " \
                                  f"{effect.percent_high:+.1f}]"  # fmt: skip
    elif name == "reports":
        from reports import gather_report_data, write_economist_report, write_summary_pdf

        data = gather_report_data(db, cities=list(TREATED))
        write_economist_report(data, out_dir=work / "report")
        write_summary_pdf(data, out=work / "summary_ru.pdf", lang="ru")
        detail = {c: f"{e.effect_pct.estimate:+.1f}%" for c, e in data.estimates.items()}
    return {"seconds": time.perf_counter() - started, "peak_rss": peak_rss(), "detail": detail}


def run_stage(name: str, work: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--stage", name, str(work)], capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"stage {name} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full-obs", type=int, default=10_000_000)
    parser.add_argument("--sizes", default="0.25,1", help="fractions of --full-obs")
    parser.add_argument("--keep", type=Path, help="keep each size's files here")
    parser.add_argument("--stages", default=",".join(STAGES), help="comma-separated subset")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved runs; best kept")
    parser.add_argument("--stage", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(stage(args.stage[0], Path(args.stage[1]))))
        return

    stages = [s for s in STAGES if s in args.stages.split(",")]
    root = args.keep or Path(tempfile.mkdtemp(prefix="rentwatch-bench-country-"))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; duckdb "
          f"{__import__('duckdb').__version__}; memory_limit {MEMORY_LIMIT}; "
          f"{len(cities())} cities, 2 portals, {DAYS} days; simulated data")  # fmt: skip
    fractions = [float(s) for s in args.sizes.split(",")]
    results: list[dict[str, Any]] = []
    try:
        for fraction in fractions:
            work = root / f"size-{fraction:g}"
            if work.exists() and not args.keep:
                shutil.rmtree(work)
            started = time.perf_counter()
            rows = -1
            if not (work / "spool").exists():
                rows = generate(work / "spool", round(fraction * args.full_obs))
            print(f"size {fraction:g}: spools written in {time.perf_counter() - started:.0f} s",
                  flush=True)  # fmt: skip
            results.append({"fraction": fraction, "rows": rows, "work": work})
        # Rounds interleave the sizes, so a busy minute on the shared machine does not fall
        # on one size only; each stage's best time is kept, and its largest peak.
        for round_no in range(args.rounds):
            for out in results:
                work = out["work"]
                if "load" in stages:
                    (work / "country.duckdb").unlink(missing_ok=True)
                    for loaded in (work / "spool" / "loaded").glob("*"):  # loaded before
                        loaded.rename(work / "spool" / loaded.name)
                for name in stages:
                    got = run_stage(name, work)
                    print(f"  round {round_no + 1}, size {out['fraction']:g}: {name:<8} "
                          f"{got['seconds']:7.1f} s  peak {got['peak_rss'] / GIB:.2f} GiB  "
                          f"{got['detail']}  (load average {os.getloadavg()[0]:.1f})",
                          flush=True)  # fmt: skip
                    best = out.get(name)
                    if best is not None:
                        got["peak_rss"] = max(got["peak_rss"], best["peak_rss"])
                        if best["seconds"] < got["seconds"]:
                            got = {**best, "peak_rss": got["peak_rss"]}
                    out[name] = got
        for out in results:
            if out["rows"] < 0:
                from warehouse import open_reader

                with open_reader(out["work"] / "country.duckdb", retry_timeout=10) as conn:
                    found = conn.execute("SELECT count(*) FROM observations").fetchone()
                out["rows"] = int(found[0]) if found else 0
            print(f"size {out['fraction']:g}: {out['rows']:,} observations", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    report(results, stages)


def report(results: list[dict[str, Any]], stages: list[str]) -> None:
    print(f"\nload average now {os.getloadavg()[0]:.1f}")
    header = " | ".join(f"{s}: s | {s}: GiB" for s in stages)
    print(f"| observations | {header} |")
    print("|---|" + "---|" * (2 * len(stages)))
    for r in results:
        cells = " | ".join(f"{r[s]['seconds']:.1f} | {r[s]['peak_rss'] / GIB:.2f}" for s in stages)
        print(f"| {r['rows']:,} | {cells} |")
    if len(results) > 1:
        first, last = results[0], results[-1]
        growth = math.log(last["rows"] / first["rows"])
        parts = []
        for s in stages:
            e = math.log(last[s]["seconds"] / first[s]["seconds"]) / growth
            parts.append(f"{s} {e:.2f}")
        peak = max(last[s]["peak_rss"] for s in stages) / GIB
        print(
            f"growth exponents from {first['rows']:,} to {last['rows']:,} observations: "
            + ", ".join(parts)
            + f" (target ≤ 1.1); largest peak {peak:.2f} GiB (target < 2)"
        )


if __name__ == "__main__":
    main()
