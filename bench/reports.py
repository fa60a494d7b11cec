"""Benchmark: build both reports from a warehouse of 1,000,000 observations.

Builds a warehouse with two cities and a known jump (tests/report_market.py: weekly listings
seen once a week for four weeks), then times each stage of the reports on it:
gather (coverage, index series, ITS fit, placebos, sensitivity, break search, medians,
provenance), the economist's report (HTML, CSV, PNG, JSON), and the summary PDF in three
languages. Baseline: pulling every observation joined to its listing into pandas — the floor
a report that computed in pandas would pay before computing anything. The warehouse is built
in a child process, so the peak RSS printed is the reports' own (taken before the baseline).

    .venv/bin/python bench/reports.py [--observations 1000000] [--placebos 40] [--keep DIR]

``--comparison``: the same observations over the two treated cities and five comparison
cities (tests/report_market.py's COMPARISON: the same growth and season, no jump); gather
runs with the single-series headline (the baseline of this mode) and with each comparison
design (``synthetic``: weights, conformal interval, placebo in space, leave-one-out and the
other variants; ``comparative``), then both reports of the synthetic one.

    .venv/bin/python bench/reports.py --comparison [--observations 1000000]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reports import (  # noqa: E402
    ReportParams,
    gather_report_data,
    write_economist_report,
    write_summary_pdf,
)
from tests.report_market import COMPARISON, Market, build_warehouse  # noqa: E402
from warehouse import open_reader  # noqa: E402

FULL_PULL = """
SELECT o.*, l.city, l.rooms, l.district, l.area_m2
FROM observations o JOIN listings l USING (source, listing_id)
"""
WEEKS = 104
LIFE_WEEKS = 4
TREATED = ("almaty", "astana")


def market(observations: int, comparison: bool) -> Market:
    cities = (*TREATED, *COMPARISON) if comparison else TREATED
    per_week = max(1, round(observations / (len(cities) * WEEKS * LIFE_WEEKS)))
    if not comparison:
        return Market(weeks=WEEKS, per_week=per_week, life_weeks=LIFE_WEEKS)
    return Market(cities=cities, treated=TREATED, weeks=WEEKS, per_week=per_week,
                  life_weeks=LIFE_WEEKS, season=0.05)  # fmt: skip


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--placebos", type=int, default=ReportParams.placebos)
    parser.add_argument("--keep", type=Path, help="build the warehouse here and keep it")
    parser.add_argument("--comparison", action="store_true",
                        help="add five comparison cities; time the comparison designs")  # fmt: skip
    parser.add_argument("--build-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    # statsmodels' deprecation notices are not what this benchmark measures.
    warnings.simplefilter("ignore", FutureWarning)

    if args.build_only:
        build_warehouse(args.build_only, market(args.observations, args.comparison))
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="rentwatch-bench-reports-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--observations", str(args.observations),
             "--build-only", str(work), *(["--comparison"] if args.comparison else [])],
            check=True,
        )  # fmt: skip
        built = time.perf_counter() - start
        db = work / "rentwatch.duckdb"
        with open_reader(db, retry_timeout=5) as conn:
            row = conn.execute("SELECT count(*) FROM observations").fetchone()
            observations = int(row[0]) if row else 0
        cities = len(market(args.observations, args.comparison).cities)
        print(f"warehouse: {observations:,} observations, {cities} cities, {WEEKS} weeks "
              f"(built and loaded in {built:.1f} s; not part of the reports)")  # fmt: skip
        if args.comparison:
            compare(db, work, args.placebos)
            return

        stages: dict[str, float] = {}
        start = time.perf_counter()
        data = gather_report_data(db, params=ReportParams(placebos=args.placebos))
        stages["gather (index, ITS, placebos, sensitivity, break search)"] = (
            time.perf_counter() - start
        )
        start = time.perf_counter()
        write_economist_report(data, out_dir=work / "economist")
        stages["economist report (HTML, CSV, PNG, JSON)"] = time.perf_counter() - start
        start = time.perf_counter()
        for lang in ("ru", "kk", "en"):
            write_summary_pdf(data, out=work / f"summary_{lang}.pdf", lang=lang)
        stages["summary PDF x3 (ru, kk, en)"] = time.perf_counter() - start

        peak = peak_rss_mib()
        with open_reader(db, retry_timeout=5) as conn:
            start = time.perf_counter()
            conn.execute(FULL_PULL).df()
            baseline = time.perf_counter() - start
        total = sum(stages.values())
        for name, seconds in stages.items():
            print(f"  {name:<62} {seconds:7.2f} s")
        print(f"  {'total: both reports, three languages':<62} {total:7.2f} s")
        print(f"baseline: pull all {observations:,} observations into pandas: {baseline:.2f} s")
        print(f"ratio: reports / baseline = {total / baseline:.1f}x")
        print(f"peak RSS of the reports: {peak:.0f} MiB (machine: 2 cores shared)")
        print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def compare(db: Path, work: Path, placebos: int) -> None:
    """Gather with the single-series headline (the baseline) and each comparison design."""
    seconds: dict[str, float] = {}
    found = {}
    for design in ("counterfactual", "synthetic", "comparative"):
        start = time.perf_counter()
        found[design] = gather_report_data(
            db,
            params=ReportParams(design=design, placebos=placebos),  # type: ignore[arg-type]
        )
        seconds[design] = time.perf_counter() - start
    start = time.perf_counter()
    write_economist_report(found["synthetic"], out_dir=work / "economist")
    for lang in ("ru", "kk", "en"):
        write_summary_pdf(found["synthetic"], out=work / f"summary_{lang}.pdf", lang=lang)
    writing = time.perf_counter() - start
    base = seconds["counterfactual"]
    for design, took in seconds.items():
        effects = ", ".join(f"{c} {e.effect_pct.estimate:+.1f}%"
                            for c, e in found[design].estimates.items())  # fmt: skip
        print(f"  gather, {design:<15} {took:7.2f} s  ({took / base:.2f}x the single series)"
              f"  [{effects}]")  # fmt: skip
    print(f"  both reports of the synthetic design (HTML, 3 PDFs): {writing:.2f} s")
    print(f"baseline: gather with the single-series headline: {base:.2f} s")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
