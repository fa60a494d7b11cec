"""Benchmark: a full ITS analysis of three years of daily rents for two cities, and the peer.

Ours, per city (simulated series, 1,095 days, event 21 Sep 2022 after 730 pre days, so that
placebo dates have the year of data before them that the engine requires):
fit (step-pulse, decay by profile likelihood, AR(1) errors) + six-week headline effect +
200 placebo dates + the sensitivity table (error models, lags, shapes, windows), and one
step-pulse fit with ARIMA(1,0,0) errors.

Baselines, measured in the same run:
- before: the same analysis on the engine as it was at ``--baseline`` (default 6b4b094, main
  before the restructure), extracted with ``git archive`` and run in a subprocess;
- BLAS threads: the sensitivity table with OpenBLAS's threads left alone (the engine now
  holds small problems to one thread);
- peer: pycausalimpact 0.1.1 (a statsmodels port of Google's CausalImpact: a local level model
  fitted by maximum likelihood) on the same series, one fit per city.

pycausalimpact does not run with this project's packages (pandas 3 removed
``DataFrame.applymap``, which it calls), so it runs in a throwaway venv with older pins:

    .venv/bin/python bench/its.py --setup-peer          # once: makes /tmp/peer-venv
    .venv/bin/python bench/its.py                       # uses /tmp/peer-venv when present
    .venv/bin/python bench/its.py --peer-python PATH --placebos 200
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.its import ITSModel
from analysis.its.simulate import SimulatedSeries, simulate_series

BASELINE = "6b4b094"
ROOT = Path(__file__).resolve().parent.parent
PEER_VENV = Path("/tmp/peer-venv")
PEER_PINS = ["pycausalimpact==0.1.1", "pandas<2.2", "numpy<2", "statsmodels<0.15", "scipy<1.14"]
CITIES = {
    "almaty": {"level_change": 0.10, "pulse": 0.30, "decay": 0.95, "seed": 11},
    "astana": {"level_change": 0.06, "pulse": 0.40, "decay": 0.93, "seed": 12},
}
PRE_DAYS = 730
WINDOW = 42  # days: the headline is the average effect over the first six weeks

PEER_SCRIPT = textwrap.dedent(
    """
    import json, sys, time, warnings
    import pandas as pd
    from causalimpact import CausalImpact
    warnings.simplefilter("ignore")
    frame = pd.read_csv(sys.argv[1])
    n_pre, window = int(sys.argv[2]), int(sys.argv[3])
    out = {}
    for city in [c for c in frame.columns if c != "period"]:
        # Timing: the whole series (the same data ours fits).
        data = frame[[city]]
        started = time.perf_counter()
        CausalImpact(data, [0, n_pre - 1], [n_pre, len(data) - 1])
        seconds = time.perf_counter() - started
        # Effect: post period cut to the six-week window, so its summary is that window's.
        data = frame[[city]].iloc[: n_pre + window].reset_index(drop=True)
        impact = CausalImpact(data, [0, n_pre - 1], [n_pre, n_pre + window - 1])
        rel = impact.summary_data.loc[["rel_effect", "rel_effect_lower", "rel_effect_upper"],
                                      "average"]
        out[city] = {"seconds": seconds, "percent": 100 * float(rel.iloc[0]),
                     "low": 100 * float(rel.iloc[1]), "high": 100 * float(rel.iloc[2])}
    print(json.dumps(out))
    """
)


def simulate(city: str) -> SimulatedSeries:
    params = dict(CITIES[city])
    return simulate_series(
        periods_pre=PRE_DAYS, periods_post=1095 - PRE_DAYS, freq="D", pre_trend=0.0006,
        ar=0.6, sd=0.02, **params,  # type: ignore[arg-type]
    )  # fmt: skip


def ours(sim: SimulatedSeries, placebos: int) -> dict[str, Any]:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    model = ITSModel(
        sim.frame, time_col="period", value_col="value", event=sim.event, shape="step-pulse",
        log=True, unit="KZT per month", simulated=True,
    )  # fmt: skip
    result = model.fit("ar1")
    headline = result.average_effect(periods=WINDOW)
    timings["fit"] = time.perf_counter() - started
    step = time.perf_counter()
    placebo = result.placebo(n=placebos, window=WINDOW)
    timings["placebos"] = time.perf_counter() - step
    step = time.perf_counter()
    table = result.sensitivity(periods=WINDOW)
    timings["sensitivity"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - started
    step = time.perf_counter()
    arima = model.fit("arima")
    timings["arima_fit"] = time.perf_counter() - step
    step = time.perf_counter()
    cf = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event,
                  design="counterfactual", log=True, simulated=True)  # fmt: skip
    cf_effect = cf.fit("ar1").average_effect(periods=WINDOW)
    timings["counterfactual_fit"] = time.perf_counter() - step
    del arima
    return {
        "timings": timings,
        "headline": headline,
        "counterfactual": cf_effect,
        "placebo_p": placebo.p_value,
        "placebo_n": placebo.n,
        "sensitivity_rows": len(table),
        "sensitivity_ok": int((table["status"] == "ok").sum()),
    }


def unlimited_threads_sensitivity(sim: SimulatedSeries) -> float:
    """Seconds of the sensitivity table with BLAS threads left to OpenBLAS."""
    from analysis.its import threads

    model = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event,
                     shape="step-pulse", log=True, simulated=True)  # fmt: skip
    result = model.fit("ar1")
    saved = threads.SMALL_ROWS
    threads.SMALL_ROWS = 0
    try:
        started = time.perf_counter()
        result.sensitivity(periods=WINDOW)
        return time.perf_counter() - started
    finally:
        threads.SMALL_ROWS = saved


def measure(placebos: int) -> dict[str, Any]:
    """Every figure of this engine, as plain numbers (the baseline run prints this)."""
    out: dict[str, Any] = {}
    for city in CITIES:
        sim = simulate(city)
        r = ours(sim, placebos)
        h, c = r["headline"], r["counterfactual"]
        out[city] = {
            **r["timings"],
            "percent": h.percent, "low": h.percent_low, "high": h.percent_high,
            "truth": sim.true_percent(WINDOW), "placebo_p": r["placebo_p"],
            "cf_percent": c.percent, "cf_low": c.percent_low, "cf_high": c.percent_high,
            "rows": r["sensitivity_rows"], "rows_ok": r["sensitivity_ok"],
        }  # fmt: skip
    return out


def baseline(ref: str, placebos: int) -> dict[str, Any] | str:
    """The same measurement on the engine at git ``ref`` (a subprocess on its sources)."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "analysis", "warehouse"],
                                 capture_output=True, check=False)  # fmt: skip
        if archive.returncode != 0:
            return f"git archive {ref} failed: {archive.stderr.decode().strip()}"
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--measure", "--placebos",
             str(placebos)],
            capture_output=True, text=True, cwd=tmp, env={**os.environ, "PYTHONPATH": tmp},
        )  # fmt: skip
    if done.returncode != 0:
        return f"baseline failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def setup_peer() -> None:
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run([str(PEER_VENV / "bin/python"), "-m", "pip", "install", "-q", *PEER_PINS],
                   check=True)  # fmt: skip


def peer(python: Path, sims: dict[str, SimulatedSeries]) -> dict[str, Any] | str:
    frame = pd.DataFrame({"period": next(iter(sims.values())).frame["period"]})
    for city, sim in sims.items():
        frame[city] = sim.frame["value"].to_numpy()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "series.csv"
        frame.to_csv(path, index=False)
        script = Path(tmp) / "peer.py"
        script.write_text(PEER_SCRIPT)
        done = subprocess.run([str(python), str(script), str(path), str(PRE_DAYS), str(WINDOW)],
                              capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"peer failed: {last}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--placebos", type=int, default=200)
    parser.add_argument("--baseline", default=BASELINE, help="git ref of the 'before' engine")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--peer-python", type=Path, default=PEER_VENV / "bin/python")
    parser.add_argument("--setup-peer", action="store_true", help=f"create {PEER_VENV}")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.placebos)))
        return
    if args.setup_peer:
        setup_peer()

    sims = {city: simulate(city) for city in CITIES}
    print(f"ITS benchmark: 2 cities × {len(sims['almaty'].frame)} daily points (simulated), "
          f"{args.placebos} placebos, sensitivity grid; load average "
          f"{os.getloadavg()[0]:.1f} (1 min) {os.getloadavg()[1]:.1f} (5 min)")  # fmt: skip
    now = measure(args.placebos)
    before = None if args.no_baseline else baseline(args.baseline, args.placebos)
    if isinstance(before, str):
        print(f"  baseline: {before}")
        before = None
    stages = ("fit", "placebos", "sensitivity", "arima_fit", "counterfactual_fit", "total")
    head = f"  {'city':<8}{'stage':<20}{'now s':>9}"
    print(head + (f"{'before s':>10}{'now/before':>12}" if before else ""))
    for city, r in now.items():
        for stage in stages:
            line = f"  {city:<8}{stage:<20}{r[stage]:>9.2f}"
            if before:
                old = before[city].get(stage)
                line += f"{old:>10.2f}{r[stage] / old:>12.2f}" if old else f"{'-':>10}"
            print(line)
        print(f"    six-week effect {r['percent']:+.1f}% [{r['low']:+.1f}, {r['high']:+.1f}] "
              f"(truth {r['truth']:+.1f}%), placebo p {r['placebo_p']:.3f}, sensitivity "
              f"{r['rows_ok']}/{r['rows']} rows; counterfactual design {r['cf_percent']:+.1f}% "
              f"[{r['cf_low']:+.1f}, {r['cf_high']:+.1f}]")  # fmt: skip
        if before:
            b = before[city]
            print(f"    before: {b['percent']:+.1f}% [{b['low']:+.1f}, {b['high']:+.1f}], "
                  f"counterfactual {b['cf_percent']:+.1f}% [{b['cf_low']:+.1f}, "
                  f"{b['cf_high']:+.1f}]")  # fmt: skip
    total = sum(r["total"] for r in now.values())
    line = f"  full analysis, both cities: {total:.2f} s"
    if before:
        old_total = sum(b["total"] for b in before.values())
        line += f" (before {old_total:.2f} s, ratio {total / old_total:.2f})"
    print(line)
    threaded = unlimited_threads_sensitivity(sims["almaty"])
    print(f"  sensitivity table, almaty, BLAS threads unlimited: {threaded:.2f} s; one thread "
          f"{now['almaty']['sensitivity']:.2f} s (ratio one/unlimited "
          f"{now['almaty']['sensitivity'] / threaded:.2f})")  # fmt: skip

    ours_fit = sum(r["counterfactual_fit"] for r in now.values())
    if not args.peer_python.exists():
        print(
            f"peer: not run — {args.peer_python} missing; run with --setup-peer "
            f"(pip install {' '.join(PEER_PINS)} into {PEER_VENV})"
        )
        return
    got = peer(args.peer_python, sims)
    if isinstance(got, str):
        print(f"peer: {got}")
        return
    peer_total = sum(v["seconds"] for v in got.values())
    for city, v in got.items():
        print(
            f"  peer pycausalimpact {city}: one fit of the whole series {v['seconds']:.2f} s, "
            "six-week effect "
            f"{v['percent']:+.1f}% [{v['low']:+.1f}, {v['high']:+.1f}]"
        )
    print(f"  ratio ours/peer, one counterfactual fit per city: {ours_fit / peer_total:.3f}")
    print(
        f"  ratio ours full analysis / peer single fits: {total / peer_total:.2f} "
        f"(the peer has no placebo or sensitivity; {args.placebos} placebo fits at its speed "
        f"would take about {peer_total / 2 * args.placebos:.0f} s per city)"
    )


if __name__ == "__main__":
    main()
