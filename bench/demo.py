"""Benchmark: wall time, CPU time and peak memory of the full default demo, by stage.

    .venv/bin/python bench/demo.py                 # the default demo (what `make demo` runs)
    .venv/bin/python bench/demo.py --scale 0.3     # a smaller market
    .venv/bin/python bench/demo.py --no-baseline   # skip the two-city run

Runs ``rentwatch demo --json`` in a child process (into ``bench/out/demo``) on the whole
simulated country (20 cities), then prints each stage's wall time and the memory high-water
marks the demo records (its own process, and its largest child: the crawl processes), with
the ratios to three named baselines:

- **target**: 180 s of wall time for the whole demo on 2 cores (issue 4);
- **two cities**: the same demo on the two treated cities only (``demo.cities``), run just
  before in the same conditions: what the country costs over the old two-city demo;
- **import floor**: the peak memory of a Python process that only imports what the demo
  imports (Scrapy, pandas, DuckDB, statsmodels, the rentwatch CLI) and does nothing.

The machine is shared: wall time moves with the load (printed), so the CPU seconds of the
demo and its children (user + system) are printed too; with two cores the wall time of a
quiet machine is at least half of them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[1]
TARGET_SECONDS: Final = 180.0
IMPORTS: Final = (
    "import rentwatch.cli, scrapy, pandas, duckdb, statsmodels.api, scrapers.sandbox.server, "
    "analysis.its, reports"
)


def import_floor_mib() -> float:
    """Peak RSS (MiB) of a process that only imports the demo's libraries."""
    code = f"{IMPORTS}; import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return int(out.stdout.strip()) / 1024


def run_demo(
    out: Path, seed: int, scale: float, cities: list[str] | None = None
) -> tuple[dict[str, Any], float, float, float]:
    """(the demo's JSON summary, wall seconds, CPU seconds of the demo and its children,
    peak RSS MiB of any one of them so far)."""
    command = [sys.executable, "-m", "rentwatch.cli", "demo", "--json", "--out", str(out),
               "--seed", str(seed), "--scale", str(scale)]  # fmt: skip
    env = dict(os.environ)
    if cities is not None:
        env["RENTWATCH_DEMO__CITIES"] = json.dumps(cities)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"the demo failed (exit {done.returncode})")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return json.loads(done.stdout), wall, cpu, after.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--scale", type=float, default=1.0, help="market size (1 = default)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "demo")
    parser.add_argument("--no-baseline", action="store_true", help="skip the two-city run")
    args = parser.parse_args()

    floor = import_floor_mib()
    load_before = os.getloadavg()
    two = None
    if not args.no_baseline:
        two = run_demo(args.out.with_name("demo-two-cities"), args.seed, args.scale,
                       ["almaty", "astana"])  # fmt: skip
    summary, wall, cpu, peak = run_demo(args.out, args.seed, args.scale)
    load_after = os.getloadavg()
    cities = summary["country"]
    print(f"rentwatch demo, seed {args.seed}, scale {args.scale:g}, {len(cities)} cities, "
          f"{os.cpu_count()} cores; load average {load_before[0]:.1f} before, "
          f"{load_after[0]:.1f} after")  # fmt: skip
    market = summary["market"]
    print(f"market: {market['flats']:,} flats, {market['listings']:,} listings, "
          f"{market['events']:,} postings and bumps, {market['archive_captures']:,} archive "
          f"captures")  # fmt: skip
    print(f"{'stage':<10} {'status':<8} {'wall s':>8} {'demo peak MiB':>14} {'child peak MiB':>15}")
    for stage in summary["stages"]:
        print(
            f"{stage['name']:<10} {stage['status']:<8} {stage['seconds']:>8.1f} "
            f"{stage['peak_rss_mib']:>14.0f} {stage['children_peak_rss_mib']:>15.0f}"
        )
    ratio = wall / TARGET_SECONDS
    print(f"{'total':<10} {'':<8} {wall:>8.1f}   (ratio to the {TARGET_SECONDS:.0f} s target: "
          f"{ratio:.2f}); CPU {cpu:.1f} s (demo and children, user + system)")  # fmt: skip
    if two is not None:
        _, two_wall, two_cpu, _ = two
        print(f"two treated cities only (baseline, same conditions): wall {two_wall:.1f} s, "
              f"CPU {two_cpu:.1f} s; the country costs {wall / two_wall:.2f}x the wall time and "
              f"{cpu / two_cpu:.2f}x the CPU")  # fmt: skip
    print(f"peak memory of any one process: {peak:.0f} MiB (import floor {floor:.0f} MiB, "
          f"ratio {peak / floor:.2f})")  # fmt: skip
    for design, block in summary.get("designs", {"its": {"cities": summary["cities"]}}).items():
        for city, r in block["cities"].items():
            interval = f"[{r['low_pct']:+.1f}, {r['high_pct']:+.1f}]"
            print(f"{design} {city}: estimate {r['estimate_pct']:+.1f}% {interval}, "
                  f"truth {r['truth_pct']:+.1f}%")  # fmt: skip


if __name__ == "__main__":
    main()
