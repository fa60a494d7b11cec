"""Benchmark: how long a polite nightly and a 2021–2023 archive backfill of the whole city
list take at the configured rates.

Two measurements over loopback, with the project's own manners (``scrapy_settings`` of the
default ``Settings``: DOWNLOAD_DELAY, AutoThrottle, two requests per domain, robots.txt; the
archive's one request a second), only the base URLs pointed at 127.0.0.1:

  * seconds per search page of the ``krisha`` spider at the configured delay, against the
    floor the delay alone sets (pages × DOWNLOAD_DELAY);
  * seconds per request of the ``krisha_archive`` spider (CDX listing + raw captures), against
    its floor (requests × archive delay).

Those per-page figures are then multiplied by the page counts of the whole list. Loopback
answers in microseconds, so these are lower bounds: a real site's latency adds to them (and
AutoThrottle raises the delay when the site is slow).

Page counts assumed, and where they come from:
  * krisha, Almaty: 3,184 long-term listings, 160 pages of 20 (the real search page of
    13 Oct 2022, ``shared/kz_rents/reference_pages``);
  * every other city: Almaty's listings × (city population / Almaty's), populations rounded
    from 2022 estimates (thousands, below). No real count for them was available offline; a
    first real nightly replaces the guess (``db status`` shows listings per city);
  * olx: the same page counts as krisha (40 ads a page there, so an upper bound), only for
    the cities the registry gives an olx slug;
  * archive, 2021-07 … 2023-06 (104 weeks): per slug one CDX request, and captures as the demo
    assumes for the treated cities (2 a week × 3 pages); 1 a fortnight × 1 page elsewhere
    (thin cities were captured rarely; the CDX answer gives the real number on the first run).

    .venv/bin/python bench/crawl_plan.py [--pages 12] [--captures 12]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from loopback import Capture, FakeSites, make_listings, serve  # noqa: E402

ALMATY_LISTINGS = 3_184  # "Найдено 3 184 объявления", krisha.kz, 13 Oct 2022
PER_PAGE = 20
ARCHIVE_WEEKS = 104  # 2021-07 … 2023-06
# Rounded 2022 populations, thousands (estimates; enough to size a page count).
POPULATION_K = {
    "almaty": 2_100, "astana": 1_350, "shymkent": 1_150, "aktobe": 550, "karaganda": 500,
    "taraz": 360, "atyrau": 300, "semej": 350, "pavlodar": 340, "ust-kamenogorsk": 330,
    "uralsk": 330, "kyzylorda": 300, "kostanaj": 260, "aktau": 200, "petropavlovsk": 220,
    "temirtau": 180, "turkestan": 170, "taldykorgan": 170, "kokshetau": 160, "ekibastuz": 150,
    "rudnyj": 130, "zhezkazgan": 90, "kaskelen": 90, "balhash": 70, "bajkonur": 70,
    "konaev": 60, "kulsary": 60, "talgar": 50, "ridder": 50, "shhuchinsk": 45, "aksaj": 40,
    "shahtinsk": 35, "lisakovsk": 35,
}  # fmt: skip


def pages_of(city: str) -> int:
    listings = ALMATY_LISTINGS * POPULATION_K[city] / POPULATION_K["almaty"]
    return max(1, -(-round(listings) // PER_PAGE))


def measure(spider: str, args: dict[str, str], sites: FakeSites, settings: Any) -> dict[str, Any]:
    """One run of ``spider`` at the project's manners against ``sites`` on loopback."""
    from rentwatch.commands.crawl import scrapy_settings
    from scrapers.run import CrawlJob, run_crawls

    with serve(sites) as base, tempfile.TemporaryDirectory() as tmp:
        scrapy = {
            **scrapy_settings(settings),
            "RENTWATCH_KRISHA_BASE_URL": base,
            "RENTWATCH_ARCHIVE_BASE_URL": base,
            "RENTWATCH_DB": str(Path(tmp) / "none.duckdb"),
            "RENTWATCH_MIN_ITEMS": 0,
            "LOG_LEVEL": "WARNING",
        }
        [result] = run_crawls([CrawlJob(spider, args)], spool_dir=Path(tmp), settings=scrapy)
    requests = int(result.stats.get("downloader/request_count", 0)) - 1  # robots.txt
    return {"seconds": float(result.stats["elapsed_time_seconds"]), "requests": requests}


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=12, help="krisha pages to time")
    parser.add_argument("--captures", type=int, default=12, help="archive captures to time")
    args = parser.parse_args()

    from rentwatch.settings import Settings

    settings = Settings()
    registry = settings.registry
    crawl = settings.crawl
    cities = settings.crawl_cities()

    live = measure(
        "krisha",
        {"city": "almaty", "origin": "simulated"},
        FakeSites(krisha={"almaty": args.pages * PER_PAGE}, weight="real"),
        settings,
    )
    start = datetime(2022, 3, 1, tzinfo=UTC)
    listings = tuple(make_listings("almaty", PER_PAGE, seed=1, first_id=670_000_000))
    captures = [
        Capture(
            start + timedelta(days=7 * i),
            f"https://krisha.kz/arenda/kvartiry/almaty/?das[rent.period]=2&page={i % 3 + 1}",
            listings,
        )
        for i in range(args.captures)
    ]
    archive = measure(
        "krisha_archive",
        {"city": "almaty", "origin": "simulated", "from": "2022-01-01", "to": "2022-12-31"},
        FakeSites(captures=captures),
        settings,
    )
    page_s = live["seconds"] / max(live["requests"], 1)
    request_s = archive["seconds"] / max(archive["requests"], 1)

    krisha_pages = {c: pages_of(c) for c in cities}
    olx_pages = {c: pages_of(c) for c in cities if registry.get(c).olx_slug is not None}
    archive_requests = {
        c: len(registry.get(c).all_krisha_slugs)
        + (ARCHIVE_WEEKS * 2 * 3 if c in registry.treated else ARCHIVE_WEEKS // 2)
        for c in cities
    }
    # Sites run side by side, the cities of one site one after another (scrapers.run).
    nightly_s = max(sum(krisha_pages.values()), sum(olx_pages.values())) * page_s
    backfill_s = sum(archive_requests.values()) * request_s

    load = os.getloadavg()
    print(f"crawl plan for {len(cities)} cities ({', '.join(cities)}); load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")  # fmt: skip
    print(
        f"  measured, krisha at DOWNLOAD_DELAY={crawl.download_delay:g} s, AutoThrottle "
        f"{'on' if crawl.autothrottle else 'off'}, {crawl.concurrent_per_domain}/domain: "
        f"{page_s:.2f} s a page over {live['requests']} pages; floor {crawl.download_delay:g} s "
        f"(ratio {page_s / max(crawl.download_delay, 1e-9):.2f})"
    )
    floor = max(crawl.archive_delay, 1.0)
    print(
        f"  measured, archive at {floor:g} s a request: {request_s:.2f} s a request over "
        f"{archive['requests']} requests; floor {floor:g} s (ratio {request_s / floor:.2f})"
    )
    print(f"  {'city':<16}{'krisha pages':>13}{'olx pages':>10}{'archive requests':>18}")
    for c in cities:
        print(f"  {c:<16}{krisha_pages[c]:>13}{olx_pages.get(c, 0):>10}{archive_requests[c]:>18}")
    print(
        f"  polite nightly: {sum(krisha_pages.values())} krisha + {sum(olx_pages.values())} olx "
        f"pages, the two portals side by side: {hours(nightly_s)} (floor "
        f"{hours(max(sum(krisha_pages.values()), sum(olx_pages.values())) * crawl.download_delay)})"
    )
    print(
        f"  2021–2023 backfill: {sum(archive_requests.values())} archive requests, one at a "
        f"time: {hours(backfill_s)} (floor {hours(sum(archive_requests.values()) * floor)})"
    )


if __name__ == "__main__":
    main()
