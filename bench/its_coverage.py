"""Coverage of the ITS engine's 95% intervals on simulated rent series with a known effect.

For each configuration, ``--seeds`` series are simulated (analysis.its.simulate, labelled
simulated), fitted, and the 95% interval of the average % effect over the first six weeks
(6 weekly or 42 daily periods) is checked against the truth. Target: coverage 92–98% and
|bias| < 1 percentage point. Baseline: the nominal 95%.

    .venv/bin/python bench/its_coverage.py            # 200 seeds per configuration
    .venv/bin/python bench/its_coverage.py --seeds 1000
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analysis.its import ErrorSpec, ITSModel
from analysis.its.simulate import simulate_series


@dataclass(frozen=True)
class Case:
    name: str
    simulation: dict[str, Any]
    shape: str
    errors: str
    window: int
    fit: dict[str, Any] = field(default_factory=dict)
    design: str = "segmented"


WEEKLY = {"freq": "W", "periods_pre": 104, "periods_post": 26, "pre_trend": 0.004, "sd": 0.02}
DAILY = {"freq": "D", "periods_pre": 365, "periods_post": 730, "pre_trend": 0.0006, "sd": 0.02}
CASES = [
    Case("weekly step-slope, iid, ols", {**WEEKLY, "ar": 0.0, "slope_change": 0.002},
         "step-slope", "ols", 6),
    Case("weekly step-slope, AR(1) 0.5, ar1", {**WEEKLY, "ar": 0.5, "slope_change": 0.002},
         "step-slope", "ar1", 6),
    Case("weekly step-slope, AR(1) 0.5, newey", {**WEEKLY, "ar": 0.5, "slope_change": 0.002},
         "step-slope", "newey", 6, {"small_sample": True}),
    Case("weekly step, AR(1) 0.5, arima(1,0,0)", {**WEEKLY, "ar": 0.5}, "step", "arima", 6),
    Case("weekly step-slope, AR(1) 0.5, arima(1,0,0)", {**WEEKLY, "ar": 0.5,
         "slope_change": 0.002}, "step-slope", "arima", 6),
    Case("daily step-pulse, AR(1) 0.6, ar1", {**DAILY, "ar": 0.6, "level_change": 0.08,
         "pulse": 0.3, "decay": 0.95}, "step-pulse", "ar1", 42),
    Case("daily step-pulse, AR(1) 0.6, newey", {**DAILY, "ar": 0.6, "level_change": 0.08,
         "pulse": 0.3, "decay": 0.95}, "step-pulse", "newey", 42),
    Case("weekly step-slope, AR(1) 0.5, newey normal", {**WEEKLY, "ar": 0.5,
         "slope_change": 0.002}, "step-slope", "newey", 6, {"small_sample": True,
         "fixed_b": False}),
    Case("weekly counterfactual, AR(1) 0.5, ar1", {**WEEKLY, "ar": 0.5, "slope_change": 0.002},
         "step", "ar1", 6, {}, "counterfactual"),
    Case("weekly counterfactual, AR(1) 0.5, newey", {**WEEKLY, "ar": 0.5,
         "slope_change": 0.002}, "step", "newey", 6, {}, "counterfactual"),
]  # fmt: skip


def run_case(case: Case, seeds: int) -> dict[str, float]:
    covered, errors, widths = [], [], []
    started = time.perf_counter()
    for seed in range(seeds):
        sim = simulate_series(seed=seed, **case.simulation)
        model = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event,
                         shape=case.shape, design=case.design, log=True,
                         simulated=True)  # fmt: skip
        fit = dict(case.fit)
        if "fixed_b" in fit:
            fit = {"errors": ErrorSpec("newey", small_sample=fit["small_sample"],
                                       fixed_b=fit["fixed_b"])}  # fmt: skip
        else:
            fit = {"errors": case.errors, **fit}
        effect = model.fit(**fit).average_effect(periods=case.window)
        truth = sim.true_percent(case.window)
        covered.append(effect.percent_low <= truth <= effect.percent_high)
        errors.append(effect.percent - truth)
        widths.append(effect.percent_high - effect.percent_low)
    return {
        "coverage": float(np.mean(covered)),
        "bias": float(np.mean(errors)),
        "width": float(np.mean(widths)),
        "seconds": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--only", default="", help="run the cases whose name holds this text")
    args = parser.parse_args()
    print(f"coverage of 95% intervals, six-week average % effect, {args.seeds} seeds each "
          "(simulated series)")  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'case':<44}{'coverage':>10}{'vs 95%':>8}{'bias pp':>9}{'width pp':>10}"
          f"{'s':>7}  target 92-98%, |bias|<1")  # fmt: skip
    for case in [c for c in CASES if args.only in c.name]:
        r = run_case(case, args.seeds)
        ok = 0.92 <= r["coverage"] <= 0.98 and abs(r["bias"]) < 1
        print(f"{case.name:<44}{r['coverage']:>10.3f}{r['coverage'] / 0.95:>8.3f}"
              f"{r['bias']:>+9.3f}{r['width']:>10.2f}{r['seconds']:>7.1f}  "
              f"{'meets' if ok else 'MISSES'}")  # fmt: skip


if __name__ == "__main__":
    main()
