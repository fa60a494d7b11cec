"""Accuracy of the headline estimate: the demo's pipeline on many seeds, estimate vs truth.

Each seed builds the sandbox market (:mod:`scrapers.sandbox`: simulated, with known truth) of
the two treated cities at the demo's default size (a city's data do not depend on the other
cities of the simulated country, so they are the demo's Almaty and Astana), takes the web
archive's captures the demo backfills (2 a week, 3 search pages each), parses every capture
with the real krisha parser into a spool, loads it
with the real loader (``tests/sandbox_warehouse.py``), builds rent indexes with
:mod:`analysis.index` and fits the ITS as the reports do (``reports.gather.fit_headline``).
Every candidate's six-week average % effect is compared with the truth on the same
definition (``Truth.average_effect_pct``: the same window, the same rooms).

Per city and candidate it prints the mean bias (pp), the RMSE (pp), the share of seeds whose
95% interval covers the truth (target 0.92–0.98; baseline the nominal 0.95) and the median
interval width (pp); ``before/after`` compares the previous headline with the default of
``reports.ReportParams``.

Candidates, pruned (not every combination: 3 methods × 2 × 2 × 2 frequencies × 5 designs ×
4 error models would be 480 fits a seed):

- A. the twelve weekly series (median / mix / hedonic × stock / flow × 1-room / all rooms,
  the hedonic one controlling for rooms) under the previous design and the counterfactual one;
- B. every design (segmented step, step-slope, pulse, step-pulse; counterfactual) × every
  error model (ar1, arima, newey, ols) on three series: the default's, the previous
  headline's and the all-rooms hedonic one;
- C. the default with one thing changed: daily series, two harmonics, no seasonality;
- D. the same ITS on the true weekly market level (no listings, no stale prices): what the
  estimator itself contributes to the bias.

The HTTP crawl is skipped (the captures are parsed in process, as the ``krisha_archive``
spider parses them; the live crawl is left out because the ITS runs on the archive's years
only). ``--check-crawl K`` runs the demo's real crawl over loopback on K seeds and shows the
estimates are the same.

    .venv/bin/python bench/headline_accuracy.py                  # 20 seeds, 2 processes (~3 min)
    .venv/bin/python bench/headline_accuracy.py --seeds 60
    .venv/bin/python bench/headline_accuracy.py --stages before/after --seeds 200
    .venv/bin/python bench/headline_accuracy.py --check-crawl 3  # in process == real crawl
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

ROOT: Final = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.index import IndexSeries, IndexSpec, build_indexes  # noqa: E402
from analysis.its import Effect, ITSModel  # noqa: E402
from reports import ReportParams  # noqa: E402
from reports.headline import Design, fit_headline, headline_effect  # noqa: E402
from scrapers.sandbox import calibration as cal  # noqa: E402
from scrapers.sandbox.truth import Truth  # noqa: E402
from tests.sandbox_warehouse import archive_warehouse  # noqa: E402
from warehouse import open_writer  # noqa: E402

SHAPES: Final = ("step", "step-slope", "pulse", "step-pulse")
ERRORS: Final = ("ar1", "arima", "newey", "ols")
METHODS: Final = ("median", "mix", "hedonic")
TRUE_LEVEL: Final = "true level"  # the method name of stage D's series


@dataclass(frozen=True)
class Candidate:
    """One estimator: the series (index method, stock or flow, rooms, frequency) and the ITS."""

    method: str
    flow: bool
    rooms: int | None
    design: Design
    shape: str
    errors: str
    seasonality: str = "fourier:1"
    freq: str = "W"

    @classmethod
    def of(cls, params: ReportParams) -> Candidate:
        shape = params.shape if params.design == "segmented" else "-"
        return cls(params.method, params.flow, params.rooms, params.design, shape,
                   params.errors, params.seasonality)  # fmt: skip

    def params(self) -> ReportParams:
        """The reports' parameters for this ITS (the series is built here, not by them)."""
        return ReportParams(
            design=self.design,
            shape=self.shape if self.design == "segmented" else "step",
            errors=self.errors, seasonality=self.seasonality,
        )  # fmt: skip

    @property
    def label(self) -> str:
        rooms = "1-room" if self.rooms == 1 else "all rooms"
        series = self.method if self.method == TRUE_LEVEL else (
            f"{self.method} {'flow' if self.flow else 'stock'}")  # fmt: skip
        what = self.shape if self.design == "segmented" else "counterfactual"
        season = "" if self.seasonality == "fourier:1" else f", {self.seasonality}"
        return f"{series} {rooms} {self.freq}; {what} {self.errors}{season}"


HEADLINE: Final = Candidate.of(ReportParams())
# The headline until this study: stock series, segmented step-pulse, Newey–West.
PREVIOUS: Final = Candidate("mix", False, 1, "segmented", "step-pulse", "newey")


def stage_series() -> list[Candidate]:
    out = []
    for method in METHODS:
        for flow in (False, True):
            for rooms in (1, None):
                out.append(replace(PREVIOUS, method=method, flow=flow, rooms=rooms))
                out.append(replace(HEADLINE, method=method, flow=flow, rooms=rooms, design=
                                   "counterfactual", shape="-", errors="ar1"))  # fmt: skip
    return out


def stage_design(series: Iterable[Candidate]) -> list[Candidate]:
    out = []
    for s in series:
        for errors in ERRORS:
            out += [replace(s, design="segmented", shape=shape, errors=errors) for shape in SHAPES]
            out.append(replace(s, design="counterfactual", shape="-", errors=errors))
    return out


STAGES: Final[dict[str, list[Candidate]]] = {
    "before/after": [PREVIOUS, HEADLINE],
    "A. series (weekly)": stage_series(),
    "B. design x errors": stage_design([
        HEADLINE, PREVIOUS, replace(HEADLINE, method="hedonic", flow=False, rooms=None)]),
    "C. the default, one thing changed": [
        HEADLINE, replace(HEADLINE, freq="D"), replace(HEADLINE, seasonality="fourier:2"),
        replace(HEADLINE, seasonality="none")],
    "D. the same ITS on the true weekly market level": [
        replace(c, method=TRUE_LEVEL, flow=False) for c in (PREVIOUS, HEADLINE,
        replace(HEADLINE, seasonality="fourier:2"))],
}  # fmt: skip


# --- estimates -------------------------------------------------------------------------------


def build_series(db: Path, wanted: Iterable[Candidate]) -> dict[tuple[Any, ...], IndexSeries]:
    """Every index series the candidates need, per city, on the archive's years."""
    keys = sorted({(c.method, c.flow, c.rooms, c.freq) for c in wanted if c.method != TRUE_LEVEL},
                  key=str)  # fmt: skip
    specs = [
        IndexSpec(city, method, freq, rooms=rooms, flow=flow)  # type: ignore[arg-type]
        for city in cal.CITIES
        for method, flow, rooms, freq in keys
    ]
    with open_writer(db, lock_timeout=30) as conn:
        built = build_indexes(conn, specs, start=cal.ARCHIVE_FROM, end=cal.ARCHIVE_TO)
    return {(s.spec.city, s.spec.method, s.spec.flow, s.spec.rooms, s.spec.freq): s
            for s in built}  # fmt: skip


def true_level(truth: Truth, city: str, rooms: int | None) -> pd.DataFrame:
    """The market's factual level (KZT per month), averaged per ISO week of the archive."""
    days = pd.to_datetime(truth.dates())
    level = pd.Series(np.exp(truth.counterfactual[(city, rooms)] + truth.effect[(city, rooms)]),
                      index=days)  # fmt: skip
    level = level[(days >= pd.Timestamp(cal.ARCHIVE_FROM)) & (days <= pd.Timestamp(cal.ARCHIVE_TO))]
    weekly = level.groupby(pd.DatetimeIndex(level.index).to_period("W-SUN").start_time).mean()
    return pd.DataFrame({"period": weekly.index, "value": weekly.to_numpy()})


def fit(frame: pd.DataFrame, c: Candidate, event: date, season: str) -> Effect:
    """The candidate's ITS on a frame of ``period``, ``value`` (weekly or daily)."""
    params = c.params()
    model = ITSModel(frame, time_col="period", value_col="value", event=pd.Timestamp(event),
                     design=c.design, shape=params.shape, log=True, seasonality=season,
                     simulated=True)  # fmt: skip
    periods = params.window_weeks * (7 if c.freq == "D" else 1)
    return model.fit(c.errors).average_effect(pd.Timestamp(event), periods=periods)


def estimate(c: Candidate, city: str, series: dict[tuple[Any, ...], IndexSeries],
             truth: Truth) -> dict[str, Any]:  # fmt: skip
    """The candidate's six-week average % effect and 95% interval, beside the truth on the
    same window and rooms."""
    params = c.params()
    if c.method == TRUE_LEVEL:
        effect = fit(true_level(truth, city, c.rooms), c, params.window_start, c.seasonality)
    elif c.freq == "D":
        # Captures fall on two days a week: the daily series is irregular, so give the year.
        season = c.seasonality if c.seasonality == "none" else f"{c.seasonality}:365.25"
        effect = fit(series[(city, c.method, c.flow, c.rooms, "D")].frame, c, cal.EVENT_DATE,
                     season)  # fmt: skip
    else:
        s = series[(city, c.method, c.flow, c.rooms, "W")]
        effect = headline_effect(fit_headline(s, params), params)
    start = date.fromisoformat(str(effect.start))
    end = start + timedelta(days=7 * params.window_weeks - 1)
    return {
        "estimate": effect.percent,
        "low": effect.percent_low,
        "high": effect.percent_high,
        "truth": truth.average_effect_pct(city, start, end, rooms=c.rooms),
        "window_start": start.isoformat(),
    }


def run_seed(
    seed: int, wanted: Sequence[Candidate], config: dict[str, Any]
) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="headline-") as tmp:
        started = time.perf_counter()
        size = {"scale": config["scale"], "per_week": config["per_week"], "pages": config["pages"]}
        if config.get("crawl"):
            db, truth = crawled_warehouse(Path(tmp), seed, **size)
        else:
            db, truth = archive_warehouse(Path(tmp), seed, live=config.get("live", False), **size)
        data_seconds = time.perf_counter() - started
        series = build_series(db, wanted)
    rows = []
    for city in cal.CITIES:
        for c in wanted:
            row: dict[str, Any] = {"seed": seed, "city": city, "candidate": c.label,
                                   "data_seconds": data_seconds}  # fmt: skip
            try:
                row.update(estimate(c, city, series, truth))
            except Exception as exc:  # a fit that fails is a finding of the study, not a crash
                row["error"] = f"{type(exc).__name__}: {exc}"
            rows.append(row)
    return rows


def crawled_warehouse(
    directory: Path, seed: int, *, scale: float, per_week: int, pages: int
) -> tuple[Path, Truth]:
    """The demo's own stages: market, sandbox, backfill and live crawl (real spiders over
    loopback), load."""
    from rentwatch.commands.demo import Demo
    from rentwatch.settings import DemoSettings, Settings

    options = DemoSettings(out_dir=directory / "demo", seed=seed, market_scale=scale,
                           captures_per_week=per_week, archive_pages=pages,
                           cities=list(cal.CITIES))  # fmt: skip
    demo = Demo(Settings(), options, lambda line: None)
    demo.prepare_directory()
    demo.build_market()
    demo.crawl()
    demo.load()
    assert demo.truth is not None
    return demo.db, demo.truth


# --- summaries -------------------------------------------------------------------------------


def summarise(rows: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """Per candidate and city: n, bias, RMSE, coverage, median width, failed fits."""
    rows = rows[rows["candidate"].isin(order)]
    ok = rows.dropna(subset=["estimate"])
    ok = ok.assign(
        error=ok["estimate"] - ok["truth"],
        covered=(ok["low"] <= ok["truth"]) & (ok["truth"] <= ok["high"]),
        width=ok["high"] - ok["low"],
    )
    table = ok.groupby(["candidate", "city"]).agg(
        n=("error", "size"),
        bias=("error", "mean"),
        rmse=("error", lambda e: math.sqrt(float(np.mean(np.square(e))))),
        coverage=("covered", "mean"),
        width=("width", "median"),
    )
    failed = rows[rows["estimate"].isna()].groupby(["candidate", "city"]).size()
    table["failed"] = failed.reindex(table.index).fillna(0).astype(int)
    wide = table.unstack("city")
    assert isinstance(wide, pd.DataFrame)
    return wide.reindex([c for c in order if c in wide.index])


def print_table(title: str, wide: pd.DataFrame) -> None:
    print(f"\n{title}")
    head = f"{'candidate':<52}"
    for city in cal.CITIES:
        head += f" | {city:<7} {'bias':>6} {'rmse':>5} {'cover':>5} {'width':>5}"
    print(head)
    for candidate, row in wide.iterrows():
        line = f"{candidate:<52}"
        for city in cal.CITIES:
            failed = int(row[("failed", city)])
            line += (
                f" | n={row[('n', city)]:<5.0f} {row[('bias', city)]:>+6.1f} "
                f"{row[('rmse', city)]:>5.1f} {row[('coverage', city)]:>5.2f} "
                f"{row[('width', city)]:>5.1f}" + (f" ({failed} failed)" if failed else "")
            )
        print(line)


def check_crawl(seeds: Sequence[int], config: dict[str, Any]) -> None:
    """The same estimates from the real crawl over loopback and from the in-process path."""
    wanted = [PREVIOUS, HEADLINE, replace(HEADLINE, method="hedonic", rooms=None)]
    print("in process (captures parsed without HTTP) against the demo's real crawl:")
    for seed in seeds:
        # The in-process path with today's pages too, as the crawl has them (the sandbox's
        # clock puts them on the archive's last day, inside the series).
        fast = pd.DataFrame(run_seed(seed, wanted, {**config, "crawl": False, "live": True}))
        real = pd.DataFrame(run_seed(seed, wanted, {**config, "crawl": True}))
        both = fast.merge(real, on=["city", "candidate"], suffixes=("_fast", "_crawl"))
        diff = (both["estimate_fast"] - both["estimate_crawl"]).abs().max()
        print(f"  seed {seed}: max |difference| {diff:.1e} pp over {len(both)} estimates; data "
              f"{fast['data_seconds'].iloc[0]:.1f} s in process, "
              f"{real['data_seconds'].iloc[0]:.1f} s crawled")  # fmt: skip
        for r in both.itertuples():
            print(
                f"    {r.city:<7} {r.candidate:<52} {r.estimate_fast:+.3f} {r.estimate_crawl:+.3f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="number of market seeds")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="processes")
    parser.add_argument("--scale", type=float, default=1.0, help="market size (demo: 1)")
    parser.add_argument("--captures-per-week", type=int, default=2, help="demo: 2")
    parser.add_argument("--pages", type=int, default=3, help="search pages a capture (demo: 3)")
    parser.add_argument("--stages", nargs="+", choices=list(STAGES), default=list(STAGES))
    parser.add_argument("--check-crawl", type=int, default=0, metavar="K",
                        help="compare with the real crawl on K seeds, then stop")  # fmt: skip
    parser.add_argument(
        "--csv", type=Path, default=ROOT / "bench" / "out" / "headline_accuracy.csv"
    )
    args = parser.parse_args()
    config = {"scale": args.scale, "per_week": args.captures_per_week, "pages": args.pages}
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    if args.check_crawl:
        check_crawl(seeds[: args.check_crawl], config)
        return

    stages = {name: STAGES[name] for name in args.stages}
    wanted = list(dict.fromkeys(c for cs in stages.values() for c in cs))
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        done = pool.map(run_seed, seeds, [wanted] * len(seeds), [config] * len(seeds))
        rows = pd.DataFrame([row for seed_rows in done for row in seed_rows])
    wall = time.perf_counter() - started
    args.csv.parent.mkdir(parents=True, exist_ok=True)
    rows.to_csv(args.csv, index=False)
    print(f"headline accuracy: {len(seeds)} seeds ({seeds[0]}..{seeds[-1]}), market scale "
          f"{args.scale:g}, {args.captures_per_week} captures a week x {args.pages} pages; "
          f"{len(wanted)} candidates x {len(cal.CITIES)} cities in {wall:.0f} s on "
          f"{args.workers} processes; rows in {args.csv}")  # fmt: skip
    print(f"default (reports.ReportParams): {HEADLINE.label}; previous: {PREVIOUS.label}")
    print("bias, rmse and width in percentage points; cover: share of 95% intervals holding "
          "the truth (target 0.92-0.98, baseline 0.95)")  # fmt: skip
    for title, candidates in stages.items():
        print_table(title, summarise(rows, [c.label for c in candidates]))


if __name__ == "__main__":
    main()
