"""Synthetic control against its peers: pysyncon, scpi-pkg and CausalPy on the same data.

    .venv/bin/python bench/synth_peer.py --setup-peer     # once: .peer-venv with the peers
    .venv/bin/python bench/synth_peer.py [--repeats 20]

The peers run in their own venv (``.peer-venv`` under the project root, not committed;
``--setup-peer`` creates it with pip from PyPI), in a child process fed the same panel as a
CSV. Comparable specifications only:

- **standard** vs pysyncon ``Synth().fit(X0, X1, Z0, Z1, custom_V=…)`` with the pre-period
  outcomes as the only predictors and V = the squared cross-unit s.d. of each predictor (which
  undoes pysyncon's own scaling, so its objective is the plain pre-period SSE), vs scpi
  ``scest(w_constr={"name": "simplex"})`` on the outcome (no covariates, no constant), and vs
  CausalPy's ``WeightedProportion`` (the OLS path of its synthetic control);
- **demeaned** vs scpi with ``constant=True`` (a free intercept: the same estimator);
- **augmented** vs pysyncon ``AugSynth().fit(dataprep, lambda_=λ, use_covariates=False)``
  (no predictors) at the same λ; the λ each side's cross-validation picks is printed too.

Cases: simulated weekly log-rent panels (10 donors, 75 + 6 weeks; labelled simulated), the
deterministic ``formula_panel`` of the golden tests, and California's Proposition 99
(cigarette sales per capita 1970–2000, 38 donor states; CausalPy's copy in the peer venv, the
project keeps none) outcome-only — ADH 2010's weights (CO 0.164, CT 0.069, MT 0.199, NV 0.234,
UT 0.334) use covariates and a fitted V, so they are printed for context, not compared.
Figures: the largest weight difference, the difference of the window-average effect, the
peer's pre-period SSE relative to ours (> 0: the peer stopped above the minimum of the same
objective), and fit times (median of ``--repeats``; ours from the data frame, panel checks
included) with the ratio ours / peer's. The machine's load is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.its.comparative import ComparativeITS  # noqa: E402
from analysis.its.synthetic import SyntheticControl, SyntheticControlWarning  # noqa: E402
from analysis.its.synthetic_simulate import formula_panel, simulated_panel  # noqa: E402
from analysis.its.synthetic_weights import cross_validate_lambda  # noqa: E402

PEER_VENV = ROOT / ".peer-venv"
PEER_PYTHON = PEER_VENV / "bin" / "python"
# scpi-pkg 4.0 breaks on pandas 3 (scdata renames a one-level index with two names).
PEER_PACKAGES = ("pysyncon", "scpi-pkg", "pandas<3")
OPTIONAL_PEERS = ("causalpy",)
TOLERANCE = 1e-3
VARIANTS_MEASURED = ("standard", "demeaned", "augmented", "comparative equal",
                     "comparative synthetic")  # fmt: skip
ADH_2010 = {"Colorado": 0.164, "Connecticut": 0.069, "Montana": 0.199, "Nevada": 0.234,
            "Utah": 0.334}  # fmt: skip

# Runs inside the peer venv: reads a job (JSON) and prints results (JSON).
PEER_SCRIPT = r"""
import json, sys, time, warnings
import numpy as np, pandas as pd
warnings.filterwarnings("ignore")
job = json.load(open(sys.argv[1]))
wide = pd.read_csv(job["csv"])
treated, donors, n_pre, m = job["treated"], job["donors"], job["n_pre"], job["window"]
repeats = job["repeats"]
y = np.log(wide[[treated] + donors]) if job["log"] else wide[[treated] + donors]
pre, win = y.iloc[:n_pre], y.iloc[n_pre:n_pre + m]
out = {}

def timed(fn):
    times, value = [], None
    for _ in range(repeats):
        t0 = time.perf_counter(); value = fn(); times.append(time.perf_counter() - t0)
    return value, float(np.median(times))

def effect(w, c=0.0):
    return float((win[treated] - win[donors].to_numpy() @ np.asarray(w) - c).mean())

def sse(w, c=0.0):
    return float(((pre[treated] - pre[donors].to_numpy() @ np.asarray(w) - c) ** 2).sum())

def row(variant, w, sec, c=0.0):
    return {"variant": variant, "w": list(map(float, w)), "effect": effect(w, c),
            "sse": sse(w, c), "seconds": sec}

from pysyncon import Synth, AugSynth
X0, X1 = pre[donors], pre[treated]
std = pd.concat([X0, X1], axis=1).std(axis=1)
def pysyncon_fit():
    s = Synth(); s.fit(X0=X0, X1=X1, Z0=X0, Z1=X1, custom_V=(std ** 2).to_numpy()); return s.W
w, sec = timed(pysyncon_fit)
out["pysyncon Synth (custom V)"] = row("standard", w, sec)
# The same peer QP (SLSQP) with a tolerance the peer exposes only on w_optimize.
def pysyncon_tight():
    return Synth.w_optimize(V_mat=np.eye(n_pre), X0=X0.to_numpy(), X1=X1.to_numpy(),
                            qp_options={"maxiter": 5000, "ftol": 1e-12})[0]
w, sec = timed(pysyncon_tight)
out["pysyncon w_optimize (ftol 1e-12)"] = row("standard", w, sec)

long = y.assign(period=np.arange(len(y))).melt(id_vars="period", var_name="unit", value_name="y")
periods = np.arange(len(y))
if job.get("lambda") is not None:
    from pysyncon import Dataprep
    prep = Dataprep(foo=long, predictors=[], predictors_op="mean", dependent="y",
                    unit_variable="unit", time_variable="period", treatment_identifier=treated,
                    controls_identifier=donors, time_predictors_prior=periods[:n_pre],
                    time_optimize_ssr=periods[:n_pre])
    def pysyncon_aug():
        a = AugSynth(); a.fit(prep, lambda_=job["lambda"], use_covariates=False); return a.W
    w, sec = timed(pysyncon_aug)
    out["pysyncon AugSynth (same lambda)"] = row("augmented", w, sec)
    cv = AugSynth(); cv.fit(prep, use_covariates=False)
    out["_pysyncon_cv_lambda"] = float(cv.lambda_)

import scpi_pkg.scdata as scdata_mod, scpi_pkg.scest as scest_mod
for constant, variant in ((False, "standard"), (True, "demeaned")):
    def scpi_fit():
        d = scdata_mod.scdata(long, id_var="unit", time_var="period", outcome_var="y",
                              period_pre=periods[:n_pre], period_post=periods[n_pre:n_pre + m],
                              unit_tr=treated, unit_co=donors, constant=constant, verbose=False)
        return scest_mod.scest(d, w_constr={"name": "simplex"})
    est, sec = timed(scpi_fit)
    wser = est.w
    # scpi labels weights "<treated>_<donor>" in a (treated, label) index.
    by_donor = {str(i[-1] if isinstance(i, tuple) else i): float(v)
                for i, v in zip(wser.index, wser.iloc[:, 0])}
    w = [next(v for k, v in by_donor.items() if k == d or k.endswith("_" + d)) for d in donors]
    c = float(est.r.iloc[0, 0]) if constant else 0.0
    out[f"scpi scest simplex{' + constant' if constant else ''}"] = row(variant, w, sec, c)

try:
    from causalpy.skl_models import WeightedProportion
    def causalpy_fit():
        return WeightedProportion().fit(X0.to_numpy(), X1.to_numpy()).coef_[0]
    w, sec = timed(causalpy_fit)
    out["causalpy WeightedProportion"] = row("standard", w, sec)
except ImportError:
    pass
print(json.dumps(out))
"""


def setup_peer() -> None:
    """Create .peer-venv and install the peers from PyPI (CausalPy only if it installs)."""
    if not PEER_PYTHON.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    pip = [str(PEER_PYTHON), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, *PEER_PACKAGES], check=True)
    for name in OPTIONAL_PEERS:
        if subprocess.run([*pip, name]).returncode != 0:
            print(f"{name} did not install; its rows are skipped")


def prop99() -> tuple[pd.DataFrame, str, float] | None:
    """California's Proposition 99 from CausalPy's package data in the peer venv."""
    code = "import causalpy, pathlib; print(pathlib.Path(causalpy.__file__).parent)"
    found = subprocess.run([str(PEER_PYTHON), "-c", code], capture_output=True, text=True)
    if found.returncode != 0:
        return None
    path = Path(found.stdout.strip()) / "data" / "california_prop99.csv"
    return (pd.read_csv(path), "Year", 1989.0) if path.exists() else None


def ours(
    wide: pd.DataFrame,
    time_col: str,
    treated: str,
    event: object,
    log: bool,
    variant: str,
    repeats: int,
    ridge_lambda: float | None = None,
) -> dict[str, Any]:
    times, result = [], None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntheticControlWarning)
        for _ in range(repeats):
            t0 = time.perf_counter()
            result = SyntheticControl(
                wide, time_col=time_col, treated=treated, event=event, log=log, variant=variant,
                ridge_lambda=ridge_lambda,
            ).fit()  # fmt: skip
            times.append(time.perf_counter() - t0)
    assert result is not None
    return {"result": result, "seconds": statistics.median(times)}


def run_case(name: str, wide: pd.DataFrame, time_col: str, event: object, *, log: bool,
             window: int, repeats: int) -> list[dict[str, Any]]:  # fmt: skip
    treated = "treated" if "treated" in wide.columns else "California"
    donors = [c for c in wide.columns if c not in (time_col, treated)]
    wide = wide.sort_values(time_col).reset_index(drop=True)
    n_pre = int((wide[time_col] < (pd.Timestamp(event) if wide[time_col].dtype.kind == "M"
                                   else event)).sum())  # fmt: skip
    mine = {v: ours(wide, time_col, treated, event, log, v, repeats)
            for v in ("standard", "demeaned")}  # fmt: skip
    y = np.log(wide[[treated, *donors]].to_numpy()) if log else wide[[treated, *donors]].to_numpy()
    cv = cross_validate_lambda(y[:n_pre, 0], y[:n_pre, 1:])
    mine["augmented"] = ours(wide, time_col, treated, event, log, "augmented", repeats,
                             ridge_lambda=cv.best)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "panel.csv"
        wide.to_csv(csv, index=False)
        job = Path(tmp) / "job.json"
        job.write_text(json.dumps({"csv": str(csv), "treated": treated, "donors": donors,
                                   "n_pre": n_pre, "window": window, "log": log,
                                   "repeats": repeats, "lambda": cv.best}))  # fmt: skip
        # One BLAS thread for the peers too: ours limits its solver to one (see
        # synthetic_weights), and several threads on a busy 2-core machine slow SLSQP 50×.
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
        done = subprocess.run([str(PEER_PYTHON), "-c", PEER_SCRIPT, str(job)],
                              capture_output=True, text=True, env=env)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"peer run failed for {name}:\n{done.stderr[-3000:]}")
    peers = json.loads(done.stdout.strip().splitlines()[-1])
    rows = []
    for peer, value in peers.items():
        if peer.startswith("_"):
            continue
        ours_fit = mine[value["variant"]]
        result = ours_fit["result"]
        w_ours = np.array([result.weights[d] for d in donors])
        effect = result.average_effect(periods=window, inference="none").effect
        gap = result.series["gap"].to_numpy()[:n_pre]
        rows.append({
            "case": name, "peer": peer, "variant": value["variant"],
            "max_dw": float(np.abs(w_ours - np.array(value["w"])).max()),
            "d_effect": abs(effect - value["effect"]),
            # > 0: the peer stopped above the minimum of the same objective.
            "peer_sse_excess": value["sse"] / float(gap @ gap) - 1,
            "ours_s": ours_fit["seconds"], "peer_s": value["seconds"],
        })  # fmt: skip
    if "_pysyncon_cv_lambda" in peers:
        print(f"  {name}: λ by CV — ours (augsynth grid, s.e. over folds) {cv.best:.4g}, "
              f"pysyncon {peers['_pysyncon_cv_lambda']:.4g}")  # fmt: skip
    standard = mine["standard"]["result"]
    top = standard.weight_table().head(6)
    print(f"  {name}: our standard weights "
          + ", ".join(f"{r.donor} {r.weight:.4f}" for r in top.itertuples() if r.weight > 5e-4)
          + f"; pre-RMSPE {standard.pre_rmspe:.4g}")  # fmt: skip
    return rows


def golden_numbers() -> None:
    """What the tests pin: our weights on the deterministic panel (the peers' are compared
    above in the same run)."""
    wide, event = formula_panel()
    for variant in ("standard", "demeaned"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntheticControlWarning)
            r = SyntheticControl(wide, time_col="t", treated="treated", event=event,
                                 log=True, variant=variant).fit()  # fmt: skip
        print(f"  golden formula_panel {variant}: "
              + ", ".join(f"{d} {w:.6f}" for d, w in r.weights.items())
              + f"; effect {r.average_effect(periods=4, inference='none').effect:.6f}")  # fmt: skip


def coverage(seeds: int) -> None:
    """Conformal coverage and placebo size on simulated panels (10 donors, 75 + 6 weeks,
    factor model, AR(1) noise): share of 95% intervals that hold the true six-week %
    effect, their median width, bias, and the share of placebo p ≤ 0.10 under the null."""
    theta = 0.08
    truth = 100 * np.expm1(theta)
    for rho in (0.0, 0.5):
        for variant in VARIANTS_MEASURED:
            if variant.startswith("comparative"):
                comparative_coverage(variant, rho, seeds, theta)
                continue
            hits, widths, errors, nulls = [], [], [], []
            t0 = time.perf_counter()
            for seed in range(seeds):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", SyntheticControlWarning)
                    wide, event = simulated_panel(seed=seed, effect=theta, rho=rho)
                    e = SyntheticControl(wide, time_col="week", treated="treated",
                                         event=event, variant=variant).fit()  # fmt: skip
                    effect = e.average_effect(periods=6)
                    null, nevent = simulated_panel(seed=10_000 + seed, effect=0.0, rho=rho)
                    placebo = SyntheticControl(null, time_col="week", treated="treated",
                                               event=nevent, variant=variant).fit()  # fmt: skip
                    nulls.append(placebo.placebo_in_space(periods=6).p <= 0.10)
                hits.append(effect.percent_low <= truth <= effect.percent_high)
                widths.append(effect.percent_high - effect.percent_low)
                errors.append(effect.percent - truth)
            print(f"  simulated AR(1) ρ={rho}, {variant:<10} {seeds} seeds: coverage "
                  f"{np.mean(hits):.3f}, median width {np.median(widths):.1f} pp, bias "
                  f"{np.mean(errors):+.2f} pp, RMSE {np.sqrt(np.mean(np.square(errors))):.2f} pp;"
                  f" placebo p ≤ 0.10 under the null {np.mean(nulls):.3f} (floor 1/11); "
                  f"{(time.perf_counter() - t0) / seeds:.2f} s a seed")  # fmt: skip


def comparative_coverage(name: str, rho: float, seeds: int, theta: float) -> None:
    """The comparative design on the same panels: a step on the difference series, AR(1)
    errors by REML, the comparison equal-weighted or synthetic."""
    truth = 100 * np.expm1(theta)
    hits, widths, errors = [], [], []
    t0 = time.perf_counter()
    for seed in range(seeds):
        wide, event = simulated_panel(seed=seed, effect=theta, rho=rho)
        model = ComparativeITS(wide, time_col="week", treated="treated", event=event,
                               comparison=name.split()[-1], shape="step")  # fmt: skip
        effect = model.fit("ar1").average_effect(periods=6)
        hits.append(effect.percent_low <= truth <= effect.percent_high)
        widths.append(effect.percent_high - effect.percent_low)
        errors.append(effect.percent - truth)
    print(f"  simulated AR(1) ρ={rho}, {name:<22} {seeds} seeds: coverage {np.mean(hits):.3f}, "
          f"median width {np.median(widths):.1f} pp, bias {np.mean(errors):+.2f} pp, RMSE "
          f"{np.sqrt(np.mean(np.square(errors))):.2f} pp; "
          f"{(time.perf_counter() - t0) / seeds:.2f} s a seed")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup-peer", action="store_true", help="create .peer-venv first")
    parser.add_argument("--repeats", type=int, default=15, help="timing repeats per fit")
    parser.add_argument("--seeds", type=int, default=3, help="simulated panels")
    parser.add_argument("--coverage", type=int, default=0, metavar="SEEDS",
                        help="also measure conformal coverage on this many seeds")  # fmt: skip
    parser.add_argument("--only-coverage", action="store_true", help="skip the peers")
    args = parser.parse_args()
    if args.only_coverage:
        print(f"load average {os.getloadavg()[0]:.2f} (2 cores)")
        coverage(args.coverage or 200)
        return
    if args.setup_peer:
        setup_peer()
    if not PEER_PYTHON.exists():
        raise SystemExit("no peer venv: run with --setup-peer first")
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (2 cores)")
    rows: list[dict[str, Any]] = []
    for seed in range(1, args.seeds + 1):
        wide, event = simulated_panel(seed=seed, effect=0.1)
        rows += run_case(f"simulated seed {seed}", wide, "week", event, log=True, window=6,
                         repeats=args.repeats)  # fmt: skip
    wide, event = simulated_panel(seed=11, effect=0.1, offset=0.25)
    rows += run_case("simulated, above the hull", wide, "week", event, log=True, window=6,
                     repeats=args.repeats)  # fmt: skip
    fwide, fevent = formula_panel()
    rows += run_case("formula_panel (golden)", fwide, "t", fevent, log=True, window=4,
                     repeats=args.repeats)  # fmt: skip
    found = prop99()
    if found is not None:
        pwide, ptime, pevent = found
        rows += run_case("Prop 99 (outcome only, levels)", pwide, ptime, pevent, log=False,
                         window=12, repeats=args.repeats)  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntheticControlWarning)
            r = SyntheticControl(pwide, time_col=ptime, treated="California", event=pevent,
                                 log=False).fit()  # fmt: skip
        placebo = r.placebo_in_space()
        e = r.average_effect()
        print("  Prop 99 ADH 2010 (covariates, fitted V; context only): "
              + ", ".join(f"{k} {v}" for k, v in ADH_2010.items()))  # fmt: skip
        print(
            f"  Prop 99 ours outcome-only: effect 1989–2000 {e.effect:+.2f} packs "
            f"({e.percent:+.1f}%) [{e.ci_low:+.2f}, {e.ci_high:+.2f}], placebo p "
            f"{placebo.p:.4f} (floor {placebo.floor:.4f}), pre-RMSPE {r.pre_rmspe:.3f}"
        )
    else:
        print("  Prop 99 skipped: CausalPy is not in the peer venv")
    golden_numbers()
    table = pd.DataFrame(rows)
    table["ratio"] = table["ours_s"] / table["peer_s"]
    table["ok"] = (table["max_dw"] <= TOLERANCE) & (table["d_effect"] <= TOLERANCE)
    # The augmented weights are not the SSE minimisers (ridge); their excess says nothing.
    table.loc[table["variant"] == "augmented", "peer_sse_excess"] = np.nan
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print(f"within {TOLERANCE:g} (weights and effect): {int(table['ok'].sum())}/{len(table)}; "
          f"fit time ours/peer median ratio by peer:")  # fmt: skip
    for peer, part in table.groupby("peer"):
        print(f"  {peer}: {part['ratio'].median():.2f} (ours {part['ours_s'].median() * 1e3:.1f} "
              f"ms, peer {part['peer_s'].median() * 1e3:.1f} ms)")  # fmt: skip
    if args.coverage:
        coverage(args.coverage)
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
