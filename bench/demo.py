"""Benchmark: wall time and peak memory of the full default demo, by stage.

    .venv/bin/python bench/demo.py                 # the default demo (what `make demo` runs)
    .venv/bin/python bench/demo.py --scale 0.3     # a smaller market

Runs ``rentwatch demo --json`` in a child process (into ``bench/out/demo``), then prints each
stage's wall time and the memory high-water marks the demo records (its own process, and its
largest child: the crawl processes), with the ratios to two named baselines:

- **target**: 180 s of wall time for the whole demo on 2 cores (issue 4);
- **import floor**: the peak memory of a Python process that only imports what the demo
  imports (Scrapy, pandas, DuckDB, statsmodels, the rentwatch CLI) and does nothing.
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


def run_demo(out: Path, seed: int, scale: float) -> tuple[dict[str, Any], float, float]:
    """(the demo's JSON summary, wall seconds, peak RSS MiB of the demo and its children)."""
    command = [sys.executable, "-m", "rentwatch.cli", "demo", "--json", "--out", str(out),
               "--seed", str(seed), "--scale", str(scale)]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=os.environ)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"the demo failed (exit {done.returncode})")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return json.loads(done.stdout), wall, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--scale", type=float, default=1.0, help="market size (1 = default)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "demo")
    args = parser.parse_args()

    floor = import_floor_mib()
    summary, wall, peak = run_demo(args.out, args.seed, args.scale)
    print(f"rentwatch demo, seed {args.seed}, scale {args.scale:g}, {os.cpu_count()} cores")
    print(f"{'stage':<10} {'status':<8} {'wall s':>8} {'demo peak MiB':>14} {'child peak MiB':>15}")
    for stage in summary["stages"]:
        print(
            f"{stage['name']:<10} {stage['status']:<8} {stage['seconds']:>8.1f} "
            f"{stage['peak_rss_mib']:>14.0f} {stage['children_peak_rss_mib']:>15.0f}"
        )
    print(f"{'total':<10} {'':<8} {wall:>8.1f}   (ratio to the {TARGET_SECONDS:.0f} s target: "
          f"{wall / TARGET_SECONDS:.2f})")  # fmt: skip
    print(f"peak memory of any one process: {peak:.0f} MiB (import floor {floor:.0f} MiB, "
          f"ratio {peak / floor:.2f})")  # fmt: skip
    for city, r in summary["cities"].items():
        interval = f"[{r['low_pct']:+.1f}, {r['high_pct']:+.1f}]"
        print(
            f"{city}: estimate {r['estimate_pct']:+.1f}% {interval}, truth {r['truth_pct']:+.1f}%"
        )


if __name__ == "__main__":
    main()
