"""Benchmark: what keeping raw pages costs, and how fast a night is parsed again.

One simulated nightly (the sandbox's market on loopback, default seed, ``--scale`` 1): the
live ``krisha`` and ``olx`` crawls of every city the sandbox serves, run as `rentwatch
nightly` runs them (``scrapers.run.run_crawls``), each writing its WARC beside its spool.
Printed, all labelled simulated:

  * the nightly's compressed WARC size in MB (and per city, per spider), against the bytes
    the pages weighed uncompressed; the sandbox serves the cities of
    ``scrapers.sandbox.calibration.CITIES``, and a projection to ``--project-cities`` cities
    scales the per-city mean (labelled as a projection);
  * reparse speed in pages/s: ``rentwatch reparse`` of the whole night (read the WARCs,
    parse, spool, merge through the loader in one transaction) and the read-and-parse part
    alone, against the baseline of parsing the same page bodies, already in memory, with the
    same parsers and arguments;
  * gzip level 6 (what the writer uses) against level 9 on the same records: size and time.

    .venv/bin/python bench/warc.py [--scale 1.0] [--rounds 3] [--project-cities 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from scrapers.run import CrawlJob, run_crawls  # noqa: E402
from scrapers.sandbox import calibration as cal  # noqa: E402
from scrapers.sandbox.market import Market, MarketConfig  # noqa: E402
from scrapers.sandbox.server import Sandbox  # noqa: E402
from scrapers.warc.reader import WarcReader  # noqa: E402
from scrapers.warc.reparse import current_parsers, page_arguments, read_run, reparse  # noqa: E402
from warehouse import open_writer  # noqa: E402
from warehouse.load import load_pending  # noqa: E402

SEED = 2022


def crawl_night(spool_dir: Path, scale: float) -> tuple[list[Any], float]:
    market = Market(MarketConfig(SEED, scale))
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="the sandbox market's scale")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds, best kept")
    ap.add_argument("--project-cities", type=int, default=20)
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
        print(f"one nightly: {len(results)} runs, {len(pages)} search pages, {items:,} listings, "
              f"crawled in {crawl_s:.1f} s")  # fmt: skip
        for name, size in sorted(by.items()):
            print(f"  {name:<16} {size / 1e6:8.2f} MB")
        print(f"WARC per nightly: {total / 1e6:.2f} MB compressed ({cities} cities: "
              f"{', '.join(cal.CITIES)}), against {raw / 1e6:.1f} MB of page bodies "
              f"({raw / total:.1f}x smaller)")  # fmt: skip
        per_city = total / cities
        print(f"  per city {per_city / 1e6:.2f} MB; PROJECTION for {args.project_cities} cities "
              f"at that mean (the city registry has not landed; the sandbox serves {cities}): "
              f"{per_city * args.project_cities / 1e6:.1f} MB a night, "
              f"{per_city * args.project_cities * 365 / 1e9:.1f} GB a year")  # fmt: skip

        levels = gzip_levels(warcs)
        (s6, t6), (s9, t9) = levels[6], levels[9]
        print(f"gzip level 6 (used) vs 9: {s6 / 1e6:.2f} vs {s9 / 1e6:.2f} MB ({s6 / s9:.3f}x), "
              f"{t6:.2f} vs {t9:.2f} s ({t6 / t9:.2f}x the time)\n")  # fmt: skip

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
        print(f"  (best of {args.rounds}; the last reparse: {report.load.summary()})")


if __name__ == "__main__":
    main()
