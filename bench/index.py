"""Benchmark: a weekly hedonic rent index over generated observations (issue 5).

Generates a warehouse of ``--obs`` observations (default 1,000,000; ``--full`` = 10,000,000):
flats listed for 1–12 weeks, each seen once a week, with rents from a known hedonic model
(about 157 weekly periods, 5 room levels, 8 districts, 4 floor bands, 3 owner types). Then,
each in a fresh subprocess so its peak RSS is its own:

  * ours: ``analysis.index.build_index(method="hedonic", freq="W")`` on a read-only
    connection: the whole build (counting rules, twins, outliers, sample, cell moments,
    regression, HC1 standard errors);
  * ours on the baseline's rows (``--baseline-rows``, default 200,000; ``--full``: 1,000,000):
    the same build on a copy of the warehouse holding only the first flats, outliers kept
    so that both fit exactly the same rows;
  * baseline, "the usual approach": the same listing-weeks pulled into pandas, dummies made by
    ``pandas.get_dummies`` and ``statsmodels`` OLS with HC1 errors, on the baseline rows; its
    time is scaled linearly (OLS is O(n p²)) to the full size, and its index is checked
    against ours on the same rows;
  * the honest baseline: the same rows in numpy with a sparse design (``scipy.sparse``), the
    normal equations and HC1 errors, scaled the same way: what a careful analyst writes
    without pushing the sums into the database (dense dummies flatter any rival).

Targets: ours ≥ 20× faster than the scaled baseline, and peak memory < 2 GiB.

    .venv/bin/python bench/index.py [--obs N] [--baseline-rows M] [--full] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from peak import peak_rss_bytes as peak_rss  # noqa: E402  (bench/: this script's directory)

GIB = 1024**3
WEEKS = 157  # 2021-01-04 .. 2023-12-31
FIRST_MONDAY = date(2021, 1, 4)

# u(k) is a reproducible uniform(0, 1) draw per listing id i and stream k.
U = "((hash(i, {k}) % 1000003) / 1000003.0)"

GENERATE_LISTINGS = f"""
CREATE TEMP TABLE bench_flats AS
SELECT i,
       1 + CAST(floor({U.format(k=1)} * 5) AS INTEGER) AS rooms,
       CAST(floor({U.format(k=2)} * 8) AS INTEGER) AS district_no,
       1 + CAST(floor({U.format(k=3)} * 12) AS INTEGER) AS weeks,
       {U.format(k=4)} AS u_start,
       1 + CAST(floor({U.format(k=5)} * 16) AS INTEGER) AS floor,
       CAST(floor({U.format(k=6)} * 3) AS INTEGER) AS owner_no,
       sqrt(-2 * ln(greatest({U.format(k=7)}, 1e-12))) * cos(2 * pi() * {U.format(k=8)})
           AS z_area,
       sqrt(-2 * ln(greatest({U.format(k=9)}, 1e-12))) * cos(2 * pi() * {U.format(k=10)})
           AS z_flat
FROM range($listings) r(i)
"""

INSERT_LISTINGS = """
INSERT INTO listings
SELECT 'bench', CAST(i AS VARCHAR), 'almaty', 'district ' || district_no, NULL, rooms,
       round(exp(ln(25 + 17 * rooms) + 0.15 * z_area), 1), floor, 16,
       ['owner', 'specialist', 'company'][owner_no + 1],
       TIMESTAMPTZ '2021-01-04 04:00:00+00' + to_days(7 * start_week + CAST(i % 7 AS INTEGER)),
       TIMESTAMPTZ '2021-01-04 04:00:00+00'
           + to_days(7 * (start_week + weeks - 1) + CAST(i % 7 AS INTEGER)),
       NULL, NULL
FROM (SELECT *, CAST(floor(u_start * ($weeks - weeks + 1)) AS INTEGER) AS start_week
      FROM bench_flats)
"""

# ln rent = 12 + 0.1 (rooms − 1) + 0.8 ln(area / 50) + 0.05 district + floor and owner terms
#           + a weekly trend with a 15 % jump in week 89 (19 Sep 2022) + flat effect + noise.
INSERT_OBSERVATIONS = f"""
INSERT INTO observations
WITH flats AS (
    SELECT f.*, l.area_m2, CAST(floor(u_start * ($weeks - weeks + 1)) AS INTEGER) AS start_week
    FROM bench_flats f JOIN listings l ON l.listing_id = CAST(f.i AS VARCHAR)
),
weeks AS (
    SELECT f.*, start_week + CAST(k.k AS INTEGER) AS week, k.k
    FROM flats f, LATERAL (SELECT unnest(range(f.weeks)) AS k) k
)
SELECT 'bench', CAST(i AS VARCHAR),
       TIMESTAMPTZ '2021-01-04 04:00:00+00' + to_days(7 * week + CAST(i % 7 AS INTEGER)),
       DATE '2021-01-04' + (7 * week + CAST(i % 7 AS INTEGER)),
       CAST(round(exp(12 + 0.1 * (rooms - 1) + 0.8 * ln(area_m2 / 50) + 0.05 * district_no
                      + CASE WHEN floor = 1 THEN -0.05 WHEN floor = 16 THEN -0.03 ELSE 0 END
                      + 0.04 * owner_no + 0.001 * week + CASE WHEN week >= 89 THEN 0.15 ELSE 0 END
                      + 0.10 * z_flat
                      + 0.03 * sqrt(-2 * ln(greatest({U.format(k="100 + k")}, 1e-12)))
                             * cos(2 * pi() * {U.format(k="200 + k")})), -2) AS BIGINT),
       'KZT', 'month', 'simulated', 'bench', NULL
FROM weeks
"""

# The baseline's rows: the regression sample exactly as the index builds it.
BASELINE_ROWS = """
SELECT CAST(o.observed_on AS DATE) AS observed_on, o.price AS rent, l.rooms, l.area_m2,
       l.district, l.floor, l.floors_total, l.owner_type
FROM observations o JOIN listings l USING (source, listing_id)
"""


def generate(db: Path, observations: int) -> dict[str, Any]:
    from warehouse import open_writer

    listings = int(observations / 6.5)  # a flat is seen 6.5 weeks on average
    started = time.perf_counter()
    with open_writer(db, lock_timeout=10) as conn:
        params = {"listings": listings}
        conn.execute(GENERATE_LISTINGS, params)
        conn.execute(INSERT_LISTINGS, {"weeks": WEEKS})
        conn.execute(INSERT_OBSERVATIONS, {"weeks": WEEKS})
        conn.execute("CHECKPOINT")
        row = conn.execute("SELECT count(*) FROM observations").fetchone()
    return {
        "listings": listings,
        "observations": int(row[0]) if row else 0,
        "seconds": time.perf_counter() - started,
    }


SUBSET = """
INSERT INTO {table} SELECT * FROM full_size.{table}
WHERE CAST(listing_id AS BIGINT) < $listings
"""


def make_subset(db: Path, subset: Path, listings: int) -> None:
    """A warehouse holding only the first ``listings`` flats: the baseline's very rows."""
    from warehouse import open_writer

    with open_writer(subset, lock_timeout=10) as conn:
        # ATTACH takes no parameters; the path is the benchmark's own temporary file.
        quoted = str(db).replace("'", "''")
        conn.execute(f"ATTACH '{quoted}' AS full_size (READ_ONLY)")
        for table in ("listings", "observations"):
            conn.execute(SUBSET.format(table=table), {"listings": listings})
        conn.execute("DETACH full_size")
        conn.execute("CHECKPOINT")


def measure_ours(db: Path, *, every_row: bool, memory_limit: str) -> dict[str, Any]:
    """Build the weekly hedonic index from the warehouse at ``db`` (read-only).

    ``every_row`` keeps the sightings the outlier rule flags, so the regression sees exactly
    the baseline's rows and the two indexes can be compared number for number.
    """
    from analysis.index import CountingRules, build_index
    from warehouse import open_reader

    rules = CountingRules(include_outliers=every_row)
    started = time.perf_counter()
    with open_reader(db, retry_timeout=10) as conn:
        # DuckDB caches up to 80 % of RAM by default; a limit makes big aggregates spill to
        # disk instead. The caller's knob, not the index's: set here like a deployment would.
        if memory_limit != "none":
            if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", memory_limit):
                raise SystemExit(f"--memory-limit {memory_limit!r}: use e.g. 1GB or 'none'")
            conn.execute(f"SET memory_limit = '{memory_limit}'")  # SET takes no parameters
        series = build_index(conn, city="almaty", method="hedonic", freq="W", rules=rules)
    seconds = time.perf_counter() - started
    frame = series.frame
    return {
        "seconds": seconds,
        "peak_rss": peak_rss(),
        "rows": int(frame["n"].sum()),
        "periods": len(frame),
        "values": frame["value"].tolist(),
    }


def measure_statsmodels(db: Path) -> dict[str, Any]:
    """The usual approach: rows into pandas, dummies, statsmodels OLS with HC1 errors."""
    import numpy as np
    import pandas as pd
    import statsmodels.api as sm

    from warehouse import open_reader

    started = time.perf_counter()
    with open_reader(db, retry_timeout=10) as conn:
        rows = conn.execute(BASELINE_ROWS).df()
    fetched = time.perf_counter()
    day = pd.to_datetime(rows["observed_on"])
    rows["period"] = (day - pd.to_timedelta(day.dt.day_of_week, unit="D")).dt.date.astype(str)
    rows["rooms_level"] = rows["rooms"].clip(upper=5).astype(str)
    top = np.where(rows["floor"] >= rows["floors_total"], "top", "middle")
    rows["floor_band"] = np.where(rows["floor"] <= 1, "first", top)
    periods = pd.get_dummies(rows["period"], dtype=float)
    others = pd.get_dummies(
        rows[["rooms_level", "district", "floor_band", "owner_type"]], drop_first=True, dtype=float
    )
    design = pd.concat([periods, others], axis=1)
    design["log_area"] = np.log(rows["area_m2"])
    fit = sm.OLS(np.log(rows["rent"].astype(float)), design).fit(cov_type="HC1")
    finished = time.perf_counter()
    delta = fit.params.iloc[: periods.shape[1]]
    values = (100 * np.exp(delta - delta.iloc[0])).tolist()
    return {
        "seconds": finished - started,
        "fetch_seconds": fetched - started,
        "peak_rss": peak_rss(),
        "rows": len(rows),
        "columns": design.shape[1],
        "values": values,
    }


def measure_sparse(db: Path) -> dict[str, Any]:
    """The honest baseline: the same rows in numpy, a sparse design (scipy.sparse) and the
    normal equations with HC1 errors; what a careful analyst would write without DuckDB."""
    import numpy as np
    import pandas as pd
    import scipy.linalg
    import scipy.sparse as sp

    from warehouse import open_reader

    started = time.perf_counter()
    with open_reader(db, retry_timeout=10) as conn:
        rows = conn.execute(BASELINE_ROWS).df()
    fetched = time.perf_counter()
    day = pd.to_datetime(rows["observed_on"])
    period = (day - pd.to_timedelta(day.dt.day_of_week, unit="D")).to_numpy()
    top = np.where(rows["floor"] >= rows["floors_total"], "top", "middle")
    factors = {
        "rooms": rows["rooms"].clip(upper=5).to_numpy(),
        "district": rows["district"].to_numpy(),
        "floor_band": np.where(rows["floor"] <= 1, "first", top),
        "owner_type": rows["owner_type"].to_numpy(),
    }
    n = len(rows)
    codes, periods = pd.factorize(period, sort=True)
    blocks = [sp.csr_matrix((np.ones(n), (np.arange(n), codes)), shape=(n, len(periods)))]
    for values in factors.values():
        level, levels = pd.factorize(values, sort=True)
        keep = np.flatnonzero(level > 0)  # the first level is the reference
        blocks.append(
            sp.csr_matrix((np.ones(len(keep)), (keep, level[keep] - 1)), shape=(n, len(levels) - 1))
        )
    blocks.append(sp.csr_matrix(np.log(rows["area_m2"].to_numpy())[:, None]))
    design = sp.hstack(blocks, format="csr")
    y = np.log(rows["rent"].to_numpy(dtype=float))
    gram = (design.T @ design).toarray()
    gram_inv = scipy.linalg.cho_solve(scipy.linalg.cho_factor(gram), np.eye(len(gram)))
    beta = gram_inv @ (design.T @ y)
    resid = y - design @ beta
    meat = (design.T @ sp.diags(resid**2) @ design).toarray()
    k = design.shape[1]
    cov = gram_inv @ meat @ gram_inv * (n / (n - k))
    finished = time.perf_counter()
    delta = beta[: len(periods)]
    values = (100 * np.exp(delta - delta[0])).tolist()
    return {
        "seconds": finished - started,
        "fetch_seconds": fetched - started,
        "peak_rss": peak_rss(),
        "rows": n,
        "columns": k,
        "values": values,
        "se_check": float(np.sqrt(cov[1, 1] + cov[0, 0] - 2 * cov[0, 1])),
    }


def in_subprocess(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", *args], capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"measuring {args[0]} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--obs", type=int, default=1_000_000, help="observations to generate")
    parser.add_argument("--baseline-rows", type=int, default=200_000, help="statsmodels rows")
    parser.add_argument("--full", action="store_true", help="10,000,000 obs, 1,000,000 baseline")
    parser.add_argument("--keep", type=Path, help="keep the generated warehouse in this dir")
    parser.add_argument(
        "--memory-limit", default="1GB", help="DuckDB memory_limit for ours ('none': default)"
    )
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        what, db, limit = args.measure
        if what == "statsmodels":
            result = measure_statsmodels(Path(db))
        elif what == "sparse":
            result = measure_sparse(Path(db))
        else:
            result = measure_ours(Path(db), every_row=what == "ours-every-row", memory_limit=limit)
        print(json.dumps(result))
        return

    obs = 10_000_000 if args.full else args.obs
    baseline_obs = 1_000_000 if args.full else args.baseline_rows
    work = args.keep or Path(tempfile.mkdtemp(prefix="rentwatch-bench-index-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "bench.duckdb"
    try:
        if not db.exists():
            made = generate(db, obs)
            print(
                f"generated {made['observations']:,} observations of {made['listings']:,} flats "
                f"in {made['seconds']:.1f} s"
            )
        subset = work / f"subset-{baseline_obs}.duckdb"
        if not subset.exists():
            make_subset(db, subset, int(baseline_obs / 6.5))
        limit = args.memory_limit
        ours = in_subprocess("ours", str(db), limit)
        ours_small = in_subprocess("ours-every-row", str(subset), limit)
        base = in_subprocess("statsmodels", str(subset), limit)
        sparse = in_subprocess("sparse", str(subset), limit)
        report(ours, ours_small, base, sparse, limit)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def report(
    ours: dict[str, Any],
    ours_small: dict[str, Any],
    base: dict[str, Any],
    sparse: dict[str, Any],
    limit: str,
) -> None:
    import numpy as np

    scale = ours["rows"] / base["rows"]
    scaled = base["seconds"] * scale
    agree = np.max(np.abs(np.array(ours_small["values"]) / np.array(base["values"]) - 1))
    import os

    print(f"machine: 2 cores shared with other jobs, load average {os.getloadavg()[0]:.1f}; "
          "times are wall clock")  # fmt: skip
    print(f"DuckDB memory_limit for ours: {limit}")
    print(
        f"ours, full size: {ours['rows']:,} listing-weeks, {ours['periods']} weekly periods: "
        f"{ours['seconds']:.2f} s, peak RSS {ours['peak_rss'] / GIB:.2f} GiB"
    )
    print(
        f"ours, baseline rows: {ours_small['rows']:,} listing-weeks: "
        f"{ours_small['seconds']:.2f} s, peak RSS {ours_small['peak_rss'] / GIB:.2f} GiB"
    )
    print(
        f"baseline statsmodels OLS (HC1, pandas dummies, {base['columns']} columns) on "
        f"{base['rows']:,} rows: {base['seconds']:.2f} s (fetch {base['fetch_seconds']:.2f} s), "
        f"peak RSS {base['peak_rss'] / GIB:.2f} GiB; scaled ×{scale:.1f} to full size: "
        f"{scaled:.1f} s"
    )
    sparse_scaled = sparse["seconds"] * scale
    sparse_agree = np.max(np.abs(np.array(sparse["values"]) / np.array(base["values"]) - 1))
    print(
        f"baseline scipy.sparse normal equations (HC1, {sparse['columns']} columns) on "
        f"{sparse['rows']:,} rows: {sparse['seconds']:.2f} s (fetch "
        f"{sparse['fetch_seconds']:.2f} s), peak RSS {sparse['peak_rss'] / GIB:.2f} GiB; "
        f"scaled to full size: {sparse_scaled:.1f} s; agrees with statsmodels to "
        f"{sparse_agree:.1e}"
    )
    print(f"same rows: indexes agree to {agree:.1e} (max relative difference)")
    print(
        f"ratio on the same rows: {base['seconds'] / ours_small['seconds']:.1f}× faster; "
        f"full size vs scaled baseline: {scaled / ours['seconds']:.1f}× faster (target ≥ 20×); "
        f"peak memory {ours['peak_rss'] / GIB:.2f} GiB (target < 2 GiB)"
    )
    print(
        f"against the sparse baseline: {sparse['seconds'] / ours_small['seconds']:.1f}× faster "
        f"on the same rows, {sparse_scaled / ours['seconds']:.1f}× at full size (scaled)"
    )


if __name__ == "__main__":
    main()
