"""The demo's archive backfill without HTTP: sandbox captures -> real parser -> spool -> loader.

``rentwatch demo`` serves the web archive's captures on loopback and lets the
``krisha_archive`` spider fetch them. Here every capture the spider would fetch (one per
content digest) is rendered and parsed in process by the same parser, observed at the
capture's time, spooled and loaded by the real loader: the same observations in a few
seconds instead of a crawl (``bench/headline_accuracy.py --check-crawl`` compares the two).
The live crawl is left out: the headline runs on the archive's years only. Used by
tests/test_headline.py and bench/headline_accuracy.py.
"""

from __future__ import annotations

from pathlib import Path

from scrapers.parse import krisha
from scrapers.sandbox import calibration as cal
from scrapers.sandbox.archive import KRISHA_ORIGIN, Archive
from scrapers.sandbox.market import Market, MarketConfig
from scrapers.sandbox.truth import Truth
from warehouse import open_writer
from warehouse.load import load_spools
from warehouse.spool import SpoolWriter

WAREHOUSE = "sandbox.duckdb"


def archive_warehouse(
    directory: Path, seed: int, *, scale: float = 1.0, per_week: int = 2, pages: int = 3
) -> tuple[Path, Truth]:
    """A warehouse of the archive's captures of the seeded market, and the market's truth.

    ``scale``, ``per_week`` and ``pages`` are the demo's settings of the same names
    (``market_scale``, ``captures_per_week``, ``archive_pages``); the defaults are the demo's.
    """
    market = Market(MarketConfig(seed, scale))
    archive = Archive(market, per_week=per_week, pages=pages)
    spools = []
    for city in cal.CITIES:
        with SpoolWriter(
            directory / "spool", spider="krisha_archive", origin="simulated", source="krisha",
            cities=[city], flush_every=100_000,
        ) as spool:  # fmt: skip
            digests: set[str] = set()
            for capture in archive.captures:
                digest = archive.digest(capture)[0]
                if capture.city != city or digest in digests:
                    continue
                digests.add(digest)
                parsed = krisha.parse_search_page(
                    archive.body(capture), capture.moment, city=city, base_url=KRISHA_ORIGIN
                )
                for snapshot in parsed.snapshots:
                    spool.write(snapshot.to_record(capture.moment, "simulated"))
            spools.append(spool.path)
    db = directory / WAREHOUSE
    with open_writer(db, lock_timeout=30) as conn:
        load_spools(conn, spools)
    return db, market.truth
