"""The headline's design on the demo's simulated country: estimate vs truth per seed.

Each seed builds the sandbox's whole country (:data:`scrapers.sandbox.country.DEFAULT_CITIES`:
Almaty and Astana, the five border cities, the comparison pool) at the demo's default size,
parses the web archive's captures the demo backfills (2 a week, 3 search pages) with the real
krisha parser and loads them with the real loader (``tests/sandbox_warehouse.py``); then each
candidate design runs as the reports run it (``reports.headline.city_headline``: span, series,
the registry's donor pool, fit, window) for the treated cities, beside the truth on the same
window and rooms (``Truth.average_effect_pct``).

The baseline is the single-series counterfactual (the headline before the comparison
designs) and the nominal 95% coverage. Printed per candidate and city: bias and RMSE (pp),
coverage, median width (pp), failed fits. Everything is simulated.

    .venv/bin/python bench/headline_country.py              # 20 seeds, 2 processes
    .venv/bin/python bench/headline_country.py --seeds 60
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

ROOT: Final = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reports import ReportParams  # noqa: E402
from reports.headline import city_headline, single_series_params  # noqa: E402
from scrapers.sandbox import calibration as cal  # noqa: E402
from scrapers.sandbox.country import DEFAULT_CITIES  # noqa: E402
from tests.sandbox_warehouse import archive_warehouse  # noqa: E402
from warehouse import open_reader  # noqa: E402

DEFAULT: Final = ReportParams(event=cal.EVENT_DATE, end=cal.ARCHIVE_TO)
# The trend weighed neither way (every pre-period week alike), no weeks left out.
SC: Final = replace(
    DEFAULT, design="synthetic", sc_halflife=None, sc_trend_window=None, sc_anticipation=0
)
# The default until the night of 3 Dec 2026: a 6-week half-life.
HALFLIFE_6: Final = replace(
    DEFAULT, sc_halflife=6, sc_trend_window=None, sc_inference="backtest-placebo"
)
CANDIDATES: Final[dict[str, ReportParams]] = {
    "the default (ReportParams())": DEFAULT,
    "single-series counterfactual (baseline)": single_series_params(DEFAULT),
    "synthetic control, detrended, conformal": replace(SC, sc_inference="conformal"),
    "synthetic control, detrended, backtest": replace(SC, sc_inference="backtest"),
    "synthetic control, detrended (half-life 13), backtest + placebo (the default until 3 Dec, "
    "evening)": replace(HALFLIFE_6, sc_halflife=13, sc_anticipation=0),
    "synthetic control, detrended (half-life 13), backtest": replace(
        SC, sc_inference="backtest", sc_halflife=13
    ),
    "synthetic control, standard, conformal": replace(
        SC, sc_variant="standard", sc_inference="conformal"
    ),
    "comparative ITS, equal weights": replace(SC, design="comparative", sc_anticipation=3),
    "synthetic control, broken trend, backtest": replace(
        SC, sc_variant="broken-trend", sc_inference="backtest"
    ),
    "synthetic control, broken trend, anticipation 3, backtest": replace(
        SC, sc_variant="broken-trend", sc_inference="backtest", sc_anticipation=3
    ),
    "synthetic control, broken trend, anticipation 4, backtest": replace(
        SC, sc_variant="broken-trend", sc_inference="backtest", sc_anticipation=4
    ),
    "synthetic control, broken (shift or bend), backtest": replace(
        SC, sc_variant="broken", sc_inference="backtest"
    ),
    "synthetic control, broken (shift or bend), anticipation 4, backtest": replace(
        SC, sc_variant="broken", sc_inference="backtest", sc_anticipation=4
    ),
    "synthetic control, detrended (half-life 6), anticipation 2, backtest + placebo": replace(
        HALFLIFE_6, sc_anticipation=2
    ),
    "synthetic control, detrended (half-life 6), anticipation 3, backtest + placebo (the "
    "default until 3 Dec, night)": HALFLIFE_6,
    "synthetic control, detrended (last 13 weeks' trend), anticipation 3, backtest + placebo": (
        replace(DEFAULT, sc_trend_window=13, sc_inference="backtest-placebo")
    ),
    "synthetic control, detrended (last 16 weeks' trend), anticipation 3, backtest + placebo "
    "(the default until 4 Dec)": replace(DEFAULT, sc_inference="backtest-placebo"),
    "synthetic control, detrended (last 16 weeks' trend), anticipation 4, pooled": replace(
        DEFAULT, sc_anticipation=4
    ),
}


def run_seed(seed: int, config: dict[str, Any]) -> list[dict[str, Any]]:
    wanted = config.get("candidates") or list(CANDIDATES)
    rows = []
    with tempfile.TemporaryDirectory(prefix="headline-country-") as tmp:
        started = time.perf_counter()
        db, truth = archive_warehouse(Path(tmp), seed, scale=config["scale"],
                                      per_week=config["per_week"], pages=config["pages"],
                                      cities=DEFAULT_CITIES)  # fmt: skip
        data_seconds = time.perf_counter() - started
        with open_reader(db, retry_timeout=30) as conn:
            for name in wanted:
                params = CANDIDATES[name]
                for city in cal.TREATED:
                    row: dict[str, Any] = {"seed": seed, "city": city, "candidate": name,
                                           "data_seconds": data_seconds}  # fmt: skip
                    fit_started = time.perf_counter()
                    try:
                        headline = city_headline(conn, city, params)
                    except Exception as exc:  # a failed fit is a finding, not a crash
                        row["error"] = f"{type(exc).__name__}: {exc}"
                        rows.append(row)
                        continue
                    effect = headline.effect
                    row.update(
                        estimate=effect.percent, low=effect.percent_low, high=effect.percent_high,
                        truth=truth.average_effect_pct(city, params.window_start,
                                                       params.window_end, rooms=params.rooms),
                        fit_seconds=time.perf_counter() - fit_started,
                        stand_in=headline.stand_in is not None,
                    )  # fmt: skip
                    rows.append(row)
    return rows


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    ok = rows.dropna(subset=["estimate"])
    ok = ok.assign(
        error=ok["estimate"] - ok["truth"],
        covered=(ok["low"] <= ok["truth"]) & (ok["truth"] <= ok["high"]),
        width=ok["high"] - ok["low"],
    )
    table = ok.groupby(["candidate", "city"], sort=False).agg(
        n=("error", "size"),
        bias=("error", "mean"),
        rmse=("error", lambda e: math.sqrt(float(np.mean(np.square(e))))),
        coverage=("covered", "mean"),
        width=("width", "median"),
        fit_s=("fit_seconds", "median"),
    )
    failed = rows[rows["estimate"].isna()].groupby(["candidate", "city"]).size()
    table["failed"] = failed.reindex(table.index).fillna(0).astype(int)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", type=float, default=1.0, help="market size (demo: 1)")
    parser.add_argument("--captures-per-week", type=int, default=2, help="demo: 2")
    parser.add_argument("--pages", type=int, default=3, help="demo: 3")
    parser.add_argument("--save", type=Path, help="write the rows here (CSV)")
    parser.add_argument("--candidate", action="append", choices=list(CANDIDATES),
                        help="only these candidates (repeatable)")  # fmt: skip
    args = parser.parse_args()
    config = {"scale": args.scale, "per_week": args.captures_per_week, "pages": args.pages,
              "candidates": args.candidate}  # fmt: skip
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    started = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        rows = [r for seed_rows in pool.map(run_seed, seeds, [config] * len(seeds))
                for r in seed_rows]  # fmt: skip
    frame = pd.DataFrame(rows)
    if args.save:
        frame.to_csv(args.save, index=False)
    load = os.getloadavg()
    print(f"headline on the simulated country: {len(seeds)} seeds × {len(DEFAULT_CITIES)} "
          f"cities, {time.perf_counter() - started:.0f} s, load average {load[0]:.1f} "
          f"{load[1]:.1f} {load[2]:.1f} (simulated)")  # fmt: skip
    print(f"the default: {DEFAULT.estimator_text()}\n")
    pd.set_option("display.width", 200)
    print(summarise(frame).round(2).to_string())
    errors = frame.dropna(subset=["error"]) if "error" in frame else frame.iloc[:0]
    for (candidate, city), g in errors.groupby(["candidate", "city"]):
        print(f"failed: {candidate} {city}: {g['error'].iloc[0]}")


if __name__ == "__main__":
    main()
