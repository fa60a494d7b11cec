"""Benchmark: what keeping raw pages costs, and how fast a night is parsed again.

One simulated nightly (the sandbox's market on loopback, default seed, ``--scale`` 1): the
live ``krisha`` and ``olx`` crawls of every city the sandbox serves, run as `rentwatch
nightly` runs them (``scrapers.run.run_crawls``), each writing its WARC beside its spool.
Printed, all labelled simulated:

  * the nightly's compressed WARC size in MB (and per city, per spider), against the bytes
    the pages weighed uncompressed. The sandbox serves only the cities of
    ``scrapers.sandbox.calibration.CITIES`` (Almaty and Astana), so the whole crawl list
    (``Settings().crawl_cities()``, from the city registry) is a PROJECTION, labelled as such:
    compressed bytes per search page × each city's nightly page count, the page counts of
    ``bench/crawl_plan.py`` (Almaty's real 160 pages, other cities by population), once at
    the sandbox's bytes per page and once at the bytes per page of the real raw 2025 krisha
    page (``shared/kz_rents/reference_pages``, 395 KB, stored the way the writer stores it);
  * reparse speed in pages/s: ``rentwatch reparse`` of the whole night (read the WARCs,
    parse, spool, merge through the loader in one transaction) and the read-and-parse part
    alone, against the baseline of parsing the same page bodies, already in memory, with the
    same parsers and arguments;
  * gzip level 6 (what the writer uses) against level 9 on the same records: size and time;
  * what keeping the pages costs a CPU-bound crawl: the ``krisha`` spider over loopback pages
    of a real page's weight (``tests/loopback.py``, ``weight="real"``), pages/s with the WARC
    middleware against the same crawl with it switched off, best of ``--rounds`` alternating
    runs (production waits at least a second between requests, so there the cost is a few
    milliseconds in every second).

    .venv/bin/python bench/warc.py [--scale 1.0] [--rounds 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
import zlib
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from rentwatch.settings import Settings  # noqa: E402
from scrapers.run import CrawlJob, run_crawls  # noqa: E402
from scrapers.sandbox import calibration as cal  # noqa: E402
from scrapers.sandbox.market import Market, MarketConfig  # noqa: E402
from scrapers.sandbox.server import Sandbox  # noqa: E402
from scrapers.warc.reader import WarcReader  # noqa: E402
from scrapers.warc.reparse import current_parsers, page_arguments, read_run, reparse  # noqa: E402
from scrapers.warc.writer import Exchange, RunInfo, WarcFileWriter  # noqa: E402
from warehouse import open_writer  # noqa: E402
from warehouse.cities import REGISTRY  # noqa: E402
from warehouse.load import load_pending  # noqa: E402

SEED = 2022
REAL_PAGE = ROOT.parent / "shared/kz_rents/reference_pages/krisha_search_astana_2025-06-19.html"


def crawl_plan() -> Any:
    """bench/crawl_plan.py, for its page counts per city (one model of them, not two)."""
    spec = importlib.util.spec_from_file_location("crawl_plan", ROOT / "bench/crawl_plan.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stored_bytes(body: bytes, workdir: Path) -> int:
    """What one page costs in a WARC: its response and request records, as the writer
    stores them (less the file's warcinfo record)."""
    info = RunInfo("bench", "krisha", "krisha", "astana", "live", 1, "https://krisha.kz")
    path = workdir / "one.warc.gz"
    with WarcFileWriter(path, info) as writer:
        empty = path.stat().st_size
        writer.write(
            Exchange(
                url="https://krisha.kz/arenda/kvartiry/astana/?das[rent.period]=2&page=2",
                status=200,
                headers=[(b"Content-Type", b"text/html; charset=UTF-8")],
                body=body,
                fetched_at=datetime.now(UTC),
                extra={"Rentwatch-Page": "search"},
            )
        )
    return path.stat().st_size - empty


def crawl_night(spool_dir: Path, scale: float) -> tuple[list[Any], float]:
    market = Market(MarketConfig(SEED, scale, cal.CITIES))
    with Sandbox(market) as sandbox:
        jobs = [
            CrawlJob(spider, {"city": city, "origin": "simulated"})
            for spider in ("krisha", "olx")
            for city in cal.CITIES
        ]
        settings = {
            **sandbox.scrapy_settings(),
            "LOG_LEVEL": "WARNING",
            "RENTWATCH_MIN_ITEMS": 0,
            "RENTWATCH_DB": str(spool_dir.parent / "none.duckdb"),
        }
        started = time.perf_counter()
        results = run_crawls(jobs, spool_dir=spool_dir, settings=settings)
        return results, time.perf_counter() - started


def stored_pages(warcs: list[Path]) -> list[tuple[Any, Any, dict[str, Any]]]:
    """(parser, record, arguments) of every page a reparse parses, bodies in memory."""
    parsers = current_parsers()
    pages = []
    for path in warcs:
        with WarcReader(path) as reader:
            info = reader.info
            for record in reader:
                if record.type == "response" and record.kind == "search" and record.status == 200:
                    pages.append((parsers[info.source], record, page_arguments(info, record)))
    return pages


def parse_from_memory(pages: list[tuple[Any, Any, dict[str, Any]]]) -> float:
    """Seconds to parse every page from memory as the reparse does (promoted ids per run)."""
    started = time.perf_counter()
    seen: dict[str, set[str]] = {}
    for parser, record, args in pages:
        taken = seen.setdefault(args["city"] + str(parser.parse), set())
        parsed = parser.parse(record.body, record.observed_at, seen_ids=taken, **args)
        taken.update(s.listing_id for s in parsed.snapshots if s.listing_id in parsed.promoted_ids)
    return time.perf_counter() - started


def gzip_levels(warcs: list[Path]) -> dict[int, tuple[int, float]]:
    """Each record's uncompressed bytes recompressed at levels 6 and 9: (bytes, seconds)."""
    members = []
    for path in warcs:
        data = path.read_bytes()
        decoder = zlib.decompressobj(zlib.MAX_WBITS | 16)
        while data:
            members.append(decoder.decompress(data))
            data = decoder.unused_data
            decoder = zlib.decompressobj(zlib.MAX_WBITS | 16)
    out = {}
    for level in (6, 9):
        started = time.perf_counter()
        size = 0
        for member in members:
            packer = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS | 16)
            size += len(packer.compress(member) + packer.flush())
        out[level] = (size, time.perf_counter() - started)
    return out


def crawl_rate(pages: int, warc: bool, workdir: Path) -> float:
    """Pages/s of one krisha crawl of ``pages`` real-weight loopback pages (Scrapy's elapsed
    time, start-up excluded), with or without the WARC middleware."""
    sys.path.insert(0, str(ROOT / "tests"))
    from loopback import FakeSites, serve

    settings: dict[str, Any] = {
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "RENTWATCH_MIN_ITEMS": 0,
        "RENTWATCH_DB": str(workdir / "none.duckdb"),
    }
    if not warc:
        settings["DOWNLOADER_MIDDLEWARES"] = {
            "scrapers.middlewares.BackoffMiddleware": 560,
            "scrapers.middlewares.BlockedMiddleware": 540,
        }
    with serve(FakeSites(krisha={"almaty": pages * 20}, weight="real")) as base:
        [result] = run_crawls(
            [CrawlJob("krisha", {"city": "almaty", "origin": "simulated"})],
            spool_dir=workdir / ("with" if warc else "without"),
            settings={**settings, "RENTWATCH_KRISHA_BASE_URL": base},
        )
    return float(result.stats["rentwatch/pages"]) / float(result.stats["elapsed_time_seconds"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="the sandbox market's scale")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds, best kept")
    ap.add_argument("--crawl-pages", type=int, default=150, help="pages of the crawl-cost run")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (2 shared cores)")
    print("SIMULATED: the sandbox's market on 127.0.0.1, seed 2022\n")
    with tempfile.TemporaryDirectory() as tmp:
        spool_dir = Path(tmp) / "spool"
        results, crawl_s = crawl_night(spool_dir, args.scale)
        warcs = sorted(spool_dir.glob("*.warc.gz"))
        items = sum(r.items for r in results)
        by: Counter[str] = Counter()
        for path in warcs:
            spider, city = path.name.split("-")[:2]
            by[f"{spider} {city}"] += path.stat().st_size
        total = sum(by.values())
        pages = stored_pages(warcs)
        raw = sum(len(record.body) for _, record, _ in pages)
        cities = len(cal.CITIES)
        print(
            f"one nightly: {len(results)} runs, {len(pages)} search pages, {items:,} listings, "
            f"crawled in {crawl_s:.1f} s"
        )
        for name, size in sorted(by.items()):
            print(f"  {name:<16} {size / 1e6:8.2f} MB")
        print(
            f"WARC per nightly: {total / 1e6:.2f} MB compressed ({cities} cities: "
            f"{', '.join(cal.CITIES)}), against {raw / 1e6:.1f} MB of page bodies "
            f"({raw / total:.1f}x smaller)"
        )
        plan = crawl_plan()
        crawl_list = Settings().crawl_cities()
        krisha_pages = sum(plan.pages_of(c) for c in crawl_list)
        olx_pages = sum(
            plan.pages_of(c) for c in crawl_list if REGISTRY.get(c).olx_slug is not None
        )
        per_page = {
            spider: sum(v for k, v in by.items() if k.startswith(spider + " "))
            / max(1, sum(1 for p, r, _ in pages if p.parse.__module__.endswith(spider)))
            for spider in ("krisha", "olx")
        }
        print(
            f"PROJECTION to the crawl list ({len(crawl_list)} cities of the registry's "
            f"{len(REGISTRY.codes)}; the sandbox serves {cities}): {krisha_pages:,} krisha + "
            f"{olx_pages:,} olx search pages a night (bench/crawl_plan.py's page counts)"
        )
        sandbox_night = krisha_pages * per_page["krisha"] + olx_pages * per_page["olx"]
        print(
            f"  at the sandbox's {per_page['krisha'] / 1e3:.1f} KB (krisha) and "
            f"{per_page['olx'] / 1e3:.1f} KB (olx) per stored page: "
            f"{sandbox_night / 1e6:.1f} MB a night, {sandbox_night * 365 / 1e9:.1f} GB a year"
        )
        if REAL_PAGE.is_file():
            real = REAL_PAGE.read_bytes()
            real_page = stored_bytes(real, Path(tmp))
            real_night = (krisha_pages + olx_pages) * real_page
            print(
                f"  at the real 2025 krisha page's {real_page / 1e3:.1f} KB per stored page "
                f"({len(real) / 1e3:.0f} KB raw; olx counted the same): "
                f"{real_night / 1e6:.1f} MB a night, {real_night * 365 / 1e9:.1f} GB a year"
            )
        else:
            print(f"  (the real reference page is absent: {REAL_PAGE})")

        levels = gzip_levels(warcs)
        (s6, t6), (s9, t9) = levels[6], levels[9]
        print(
            f"gzip level 6 (used) vs 9: {s6 / 1e6:.2f} vs {s9 / 1e6:.2f} MB ({s6 / s9:.3f}x), "
            f"{t6:.2f} vs {t9:.2f} s ({t6 / t9:.2f}x the time)\n"
        )

        db = Path(tmp) / "w.duckdb"
        with open_writer(db, lock_timeout=30) as conn:
            load_pending(conn, spool_dir)
        loaded = sorted((spool_dir / "loaded").glob("*.warc.gz"))
        best: dict[str, float] = {}
        for _ in range(args.rounds):
            best["memory"] = min(best.get("memory", 1e9), parse_from_memory(pages))
            started = time.perf_counter()
            for path in loaded:
                read_run(path)
            best["read"] = min(best.get("read", 1e9), time.perf_counter() - started)
            started = time.perf_counter()
            with open_writer(db, lock_timeout=30) as conn:
                report = reparse(conn, spool_dir)
            best["reparse"] = min(best.get("reparse", 1e9), time.perf_counter() - started)
        n = len(pages)
        base = n / best["memory"]
        print(f"baseline: parse the same {n} pages from memory   {base:8.1f} pages/s")
        for key, label in (("read", "read WARCs + parse (read_run)   "),
                           ("reparse", "rentwatch reparse (+ merge)     ")):  # fmt: skip
            rate = n / best[key]
            print(f"{label}         {rate:8.1f} pages/s  {rate / base:.2f}x the baseline")
        assert report.load is not None
        print(f"  (best of {args.rounds}; the last reparse: {report.load.summary()})\n")

        rates: dict[bool, float] = {}
        for _ in range(args.rounds):
            for warc in (True, False):
                with tempfile.TemporaryDirectory() as work:
                    rate = crawl_rate(args.crawl_pages, warc, Path(work))
                rates[warc] = max(rates.get(warc, 0.0), rate)
        print(f"crawl cost, {args.crawl_pages} real-weight loopback pages (krisha spider): "
              f"{rates[True]:.1f} pages/s with the WARC against {rates[False]:.1f} without, "
              f"{rates[True] / rates[False]:.2f}x (best of {args.rounds} alternating)")  # fmt: skip


if __name__ == "__main__":
    main()
