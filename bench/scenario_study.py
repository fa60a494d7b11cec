"""The scenario study: every design on every family of simulated panels built to break them
(analysis.scenarios), its table, and the design the stated rule chooses.

For each family (analysis.scenarios.panels.FAMILIES) and seed a panel of one treated city and
its donors is simulated with a known truth; every design of analysis.scenarios.study.DESIGNS
estimates the six-week average % effect with a 95% interval. Printed per family and design:
bias and RMSE (percentage points), coverage, mean width; then each design's worst family and
the choice by analysis.scenarios.study.choose_default (worst family first: coverage within
92–98% and |bias| < 1.5 pp in every family; else the smallest worst-family penalty). The
baseline is the nominal 95% and zero bias. Everything is simulated.

``--world`` picks the simulator: ``scenario`` (analysis.scenarios.panels, the default),
``two-factor`` (analysis.scenarios.two_factor: the same families built another way, so that a
design tuned to the first world's process shows), or both (repeat the option): then every
world's family counts as a family of its own in the rule.

    .venv/bin/python bench/scenario_study.py                  # 200 seeds, 2 processes
    .venv/bin/python bench/scenario_study.py --seeds 20 --design "synthetic control"
    .venv/bin/python bench/scenario_study.py --rows rows.csv  # re-tabulate saved rows
    .venv/bin/python bench/scenario_study.py --world scenario --world two-factor --seeds 100
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import pandas as pd

from analysis.scenarios.study import DESIGNS, WORLDS, choose_default, run_study, summarise


def markdown(table: pd.DataFrame) -> str:
    """Designs as rows, families as columns: bias / coverage in each cell."""
    families = list(dict.fromkeys(table["family"]))
    lines = ["| design | " + " | ".join(families) + " |", "|---" * (len(families) + 1) + "|"]
    for design, g in table.groupby("design", sort=False):
        cells = g.set_index("family")
        lines.append(
            f"| {design} | "
            + " | ".join(
                f"{cells.loc[f, 'bias']:+.1f} / {cells.loc[f, 'coverage']:.2f}" for f in families
            )
            + " |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--design", action="append", help="only these designs (repeatable)")
    parser.add_argument("--family", action="append", help="only these families (repeatable)")
    parser.add_argument("--world", action="append", choices=list(WORLDS),
                        help="the simulated world (repeatable; default: scenario)")  # fmt: skip
    parser.add_argument("--rows", type=Path, help="tabulate saved rows instead of running")
    parser.add_argument("--save", type=Path, default=Path("scenario_rows.csv"))
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    started = time.perf_counter()
    if args.rows:
        rows = pd.read_csv(args.rows)
    else:
        designs = {n: DESIGNS[n] for n in (args.design or DESIGNS)}
        parts = []
        for world in dict.fromkeys(args.world or ["scenario"]):
            families = [
                f for f in WORLDS[world].families if not args.family or f.name in args.family
            ]
            parts.append(run_study(seeds=args.seeds, families=families, designs=designs,
                                   processes=args.processes, world=world))  # fmt: skip
        rows = pd.concat(parts, ignore_index=True)
        rows.to_csv(args.save, index=False)
    table = summarise(rows)
    load = os.getloadavg()
    pd.set_option("display.width", 250)
    print(f"scenario study: {rows['seed'].nunique()} seeds × {table['family'].nunique()} "
          f"families × {table['design'].nunique()} designs, {time.perf_counter() - started:.0f} s, "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (simulated)")  # fmt: skip
    for figure in ("bias", "rmse", "coverage", "width", "failures"):
        print(f"\n{figure}:")
        print(table.pivot(index="design", columns="family", values=figure).round(2).to_string())
    print("\nbias (pp) / coverage, per family:\n" + markdown(table))
    choice = choose_default(table)
    print("\nworst family of each design:")
    print(choice.worst.round(2).to_string(index=False))
    verdict = "meets the targets" if choice.met_targets else "no design meets every target"
    print(f"\nchosen by the rule: {choice.design} ({verdict})")


if __name__ == "__main__":
    main()
