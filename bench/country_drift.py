"""Why the demo's country reads the headline low: the measured-minus-true drift, decomposed.

On the demo's simulated country the default design reads Almaty 4.8–5.6 pp below its truth
(ARCHITECTURE.md, "The headline on the demo's country"). About 2 pp of it is the sandbox's
first relocation wave; this bench measures the rest where it arises, in what the archive's
captures show, without the parser or the index in between. For every first sighting of a
1-room krisha listing priced in KZT on the captured pages (what the flow index counts), the
log asking price less the week's true level (the mean of the sandbox's daily path over the
week, the truth's own average) splits exactly into three parts:

* **timing**: the path at the sighting's moment less the week's mean (captures fall on a
  few weekdays, and the path moves within the week after the shock);
* **staleness**: the asking price less the flat's quality term less the path at the
  sighting's moment (a price set at the posting or at an earlier re-pricing);
* **composition**: the flat's quality term (which flats the captured pages show).

Each part is averaged by week, and the figure is the window's weeks (six from the event
week) less the 26 weeks before: a shift that moves the window's measured level against its
truth and so the effect. Printed per seed for Almaty, Astana and the comparison pool (its
cities' equal mean), and the mean over seeds. The baseline is zero, a measurement that
follows the truth. Everything is simulated.

    .venv/bin/python bench/country_drift.py --seeds 12
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

ROOT: Final = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scrapers.sandbox import calibration as cal  # noqa: E402
from scrapers.sandbox.archive import Archive  # noqa: E402
from scrapers.sandbox.country import DEFAULT_CITIES  # noqa: E402
from scrapers.sandbox.krisha_pages import HOT_CARDS, PER_PAGE  # noqa: E402
from scrapers.sandbox.market import Market, MarketConfig, market_time  # noqa: E402
from warehouse.cities import REGISTRY  # noqa: E402

EVENT: Final = pd.Timestamp(cal.EVENT_DATE)
PARTS: Final = ("timing", "staleness", "composition")


def first_sightings(seed: int) -> tuple[Market, pd.DataFrame]:
    """Every listing's first sighting on the archive's captured krisha pages (demo settings:
    2 captures a week, 3 pages, fewer for small towns), in capture order."""
    market = Market(MarketConfig(seed, 1.0, tuple(DEFAULT_CITIES)))
    archive = Archive(market, per_week=2, pages=3)
    seen: dict[int, tuple[float, int, str]] = {}
    for capture in sorted(archive.captures, key=lambda c: c.timestamp):
        at = market_time(capture.moment)
        visible = market.visible("krisha", capture.city, at)
        first = (capture.page - 1) * PER_PAGE
        shown = [
            *range(first, min(first + PER_PAGE, len(visible))),
            *range(min(HOT_CARDS, len(visible))),
        ]
        for i in shown:
            seen.setdefault(
                int(visible.listings[i]), (at, int(visible.last_event[i]), capture.city)
            )
    frame = pd.DataFrame(
        [(k, at, event, city) for k, (at, event, city) in seen.items()],
        columns=["listing", "at", "event", "city"],
    )
    return market, frame


def decompose(seed: int) -> pd.DataFrame:
    """Per city: each part's window-minus-pre-period shift (log points)."""
    market, s = first_sightings(seed)
    flat = market._flat  # the sandbox's own flats: their quality terms are the truth here
    f = market.listing["flat"][s["listing"].to_numpy()]
    keep = (flat["rooms"][f] == 1) & ~flat["usd"][f]
    s, f = s[keep].reset_index(drop=True), f[keep]
    day = np.minimum(s["at"].to_numpy().astype(int), cal.n_days() - 1)
    s["date"] = pd.Timestamp(cal.MARKET_START) + pd.to_timedelta(day, unit="D")
    s["week"] = s["date"].dt.to_period("W-SUN").dt.start_time
    s["quality"] = flat["quality"][f]
    price = np.log(market.ev_price[s["event"].to_numpy()].astype(float))
    rows = []
    for city, g in s.groupby("city"):
        path = market.truth.counterfactual[(city, 1)] + market.truth.effect[(city, 1)]
        idx = g.index.to_numpy()
        starts = ((g["week"] - pd.Timestamp(cal.MARKET_START)).dt.days).to_numpy()
        week_mean = np.array([np.log(np.mean(np.exp(path[d : d + 7]))) for d in starts])
        at_sight = path[day[idx]]
        parts = pd.DataFrame({
            "week": g["week"].to_numpy(),
            "timing": at_sight - week_mean,
            "staleness": price[idx] - g["quality"].to_numpy() - at_sight,
            "composition": g["quality"].to_numpy(),
        })  # fmt: skip
        weekly = parts.groupby("week")[list(PARTS)].mean()
        window = weekly[(weekly.index >= EVENT) & (weekly.index < EVENT + pd.Timedelta(weeks=6))]
        before = weekly[(weekly.index < EVENT) & (weekly.index >= EVENT - pd.Timedelta(weeks=26))]
        shift = window.mean() - before.mean()
        rows.append(
            {"seed": seed, "city": city, **shift.to_dict(), "per_week": len(g) / len(weekly)}
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    started = time.perf_counter()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    with ProcessPoolExecutor(args.workers) as pool:
        frame = pd.concat(pool.map(decompose, seeds), ignore_index=True)
    role = np.where(frame["city"].isin(cal.TREATED), frame["city"], "")
    pool_cities = [c for c in DEFAULT_CITIES if c in REGISTRY.comparison]
    role = np.where(frame["city"].isin(pool_cities), "comparison pool", role)
    frame = frame.assign(group=role)
    frame = frame[frame["group"] != ""]
    by_seed = frame.groupby(["group", "seed"])[[*PARTS, "per_week"]].mean()
    by_seed["total"] = by_seed[list(PARTS)].sum(axis=1)
    load = os.getloadavg()
    print(f"country drift: {args.seeds} seeds, {time.perf_counter() - started:.0f} s, load "
          f"average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (simulated)")  # fmt: skip
    print("window (6 weeks from the event week) minus the 26 weeks before, log points; "
          "baseline 0\n")  # fmt: skip
    pd.set_option("display.width", 200)
    print(by_seed.round(4).to_string())
    summary = by_seed.groupby(level="group").agg(["mean", "sem"])
    print("\nmean over seeds (and its standard error):")
    print(summary.round(4).to_string())


if __name__ == "__main__":
    main()
