"""The demo's archive backfill without HTTP: sandbox captures -> real parser -> spool -> loader.

``rentwatch demo`` serves the web archive's captures on loopback and lets the
``krisha_archive`` spider fetch them. Here every capture the spider would fetch (one per
content digest) is rendered and parsed in process by the same parser, observed at the
capture's time (:mod:`scrapers.sandbox.feed`), spooled and loaded by the real loader: the
same observations in a few seconds instead of a crawl (``bench/headline_accuracy.py
--check-crawl`` compares the two). The live crawl is left out unless asked for. Used by
tests/test_headline.py and bench/headline_accuracy.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scrapers.sandbox import calibration as cal
from scrapers.sandbox.archive import Archive
from scrapers.sandbox.feed import crawl_pages, write_spools
from scrapers.sandbox.market import Market, MarketConfig
from scrapers.sandbox.server import LiveView
from scrapers.sandbox.truth import Truth
from warehouse import open_writer
from warehouse.load import load_spools

WAREHOUSE = "sandbox.duckdb"


def archive_warehouse(
    directory: Path,
    seed: int,
    *,
    scale: float = 1.0,
    per_week: int = 2,
    pages: int = 3,
    cities: Sequence[str] = cal.TREATED,
    live: bool = False,
) -> tuple[Path, Truth]:
    """A warehouse of the archive's captures of the seeded market, and the market's truth.

    ``scale``, ``per_week`` and ``pages`` are the demo's settings of the same names
    (``market_scale``, ``captures_per_week``, ``archive_pages``); the defaults are the demo's.
    A city's data do not depend on the other cities of the market, so the two treated cities
    here are the demo's. ``live``: add today's krisha and olx pages (the sandbox's clock).
    """
    market = Market(MarketConfig(seed, scale, tuple(cities)))
    archive = Archive(market, per_week=per_week, pages=pages)
    pages_ = crawl_pages(market, archive, live=LiveView(market) if live else None)
    spools = write_spools(pages_, directory / "spool")
    db = directory / WAREHOUSE
    with open_writer(db, lock_timeout=30) as conn:
        load_spools(conn, spools)
    return db, market.truth
