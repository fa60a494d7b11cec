"""krisha parser throughput on the real 2022 search page, against lxml parsing the same bytes.

Baseline (the floor): ``lxml.html.fromstring(body)`` alone, the least any lxml-based parser
must spend. The figure: ``scrapers.parse.krisha.parse_search_page(body, observed_at)``, which
parses the document once and extracts all 20 cards. Target: parse / floor <= 1.3.

Rounds of the two alternate, and the best round of each counts, so that other processes on a
shared machine slow both sides alike rather than one. Skips (exit 0) when ../shared is absent.

    .venv/bin/python bench/parse.py [--rounds 7] [--pages 60]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import lxml.html

from scrapers.parse.krisha import parse_search_page

PAGE = (
    Path(__file__).resolve().parents[1].parent
    / "shared/kz_rents/reference_pages/krisha_search_almaty_longterm_p2_2022-10-13.html"
)
OBSERVED_AT = datetime(2022, 10, 13, 9, 0, tzinfo=UTC)
TARGET_RATIO = 1.3


def best_seconds_per_page(
    work: dict[str, Callable[[], object]], rounds: int, pages: int
) -> dict[str, float]:
    """The fastest round's seconds per call for each piece of work, rounds interleaved."""
    best = dict.fromkeys(work, float("inf"))
    for _ in range(rounds):
        for name, call in work.items():
            start = time.perf_counter()
            for _ in range(pages):
                call()
            best[name] = min(best[name], (time.perf_counter() - start) / pages)
    return best


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--rounds", type=int, default=7, help="rounds of each (best counts)")
    options.add_argument("--pages", type=int, default=60, help="pages parsed per round")
    args = options.parse_args(argv)
    if not PAGE.is_file():
        print(f"skipped: the reference page {PAGE} is absent (../shared not mounted)")
        return 0
    body = PAGE.read_bytes()
    cards = len(parse_search_page(body, OBSERVED_AT).snapshots)
    work: dict[str, Callable[[], object]] = {
        "floor": lambda: lxml.html.fromstring(body),
        "parse": lambda: parse_search_page(body, OBSERVED_AT),
    }
    for call in work.values():  # warm up caches and compiled patterns
        call()
    best = best_seconds_per_page(work, args.rounds, args.pages)
    ratio = best["parse"] / best["floor"]
    print(
        f"krisha parser, real 2022 Almaty page ({len(body):,} bytes, {cards} cards); best of "
        f"{args.rounds} interleaved rounds x {args.pages} pages; "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"  baseline lxml.html.fromstring alone: {best['floor'] * 1e3:6.2f} ms/page "
        f"{1 / best['floor']:7.1f} pages/s"
    )
    print(
        f"  parse_search_page:                   {best['parse'] * 1e3:6.2f} ms/page "
        f"{1 / best['parse']:7.1f} pages/s {cards / best['parse']:8.0f} cards/s"
    )
    verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(f"  ratio parse / lxml floor: {ratio:.2f}x (target <= {TARGET_RATIO}x: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
