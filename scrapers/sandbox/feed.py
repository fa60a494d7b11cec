"""What a crawl of the sandbox gets, without HTTP: the pages and their parsed listings.

For benches and tests that need the data the demo's spiders collect but not the crawl itself.
Each function walks the pages exactly as the spider does (the archive's CDX query per slug,
one capture per content digest; a portal's pages 1 to the last, promoted cards taken once)
and parses them with the real parsers, observed when the spider would observe them (the
capture's time; the sandbox's clock for the live sites):

    market = Market(MarketConfig(seed=2022, cities=("almaty", "shymkent")))
    archive = Archive(market)
    for page in archive_pages(archive, "shymkent"):
        page.observed_at, page.parsed.snapshots          # what krisha_archive would spool
    write_spools(crawl_pages(market, archive), spool_dir)  # the spools of a demo's backfill

``bench/headline_accuracy.py --check-crawl`` and the tests compare this path with the real
crawl over loopback.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from pathlib import Path
from typing import Any

from scrapers.items import ParsedPage
from scrapers.parse import krisha, olx
from scrapers.sandbox import calibration as cal
from scrapers.sandbox.archive import KRISHA_ORIGIN, Archive
from scrapers.sandbox.krisha_pages import render_search_page
from scrapers.sandbox.market import Market
from scrapers.sandbox.olx_pages import render_olx_page
from scrapers.sandbox.server import LiveView
from warehouse.cities import REGISTRY
from warehouse.spool import SpoolWriter


@dataclass(frozen=True)
class FeedPage:
    """One page a spider would fetch, parsed: ``spider`` and ``city`` name its run."""

    spider: str  # krisha_archive | krisha | olx
    city: str
    observed_at: datetime
    parsed: ParsedPage

    def records(self, origin: str = "simulated") -> list[dict[str, Any]]:
        """The page's spool records, as the spider writes them."""
        return [s.to_record(self.observed_at, origin) for s in self.parsed.snapshots]


def archive_pages(
    archive: Archive, city: str, first: date = cal.ARCHIVE_FROM, last: date = cal.ARCHIVE_TO
) -> Iterator[FeedPage]:
    """The captures ``krisha_archive`` fetches for ``city`` between two days (inclusive):
    the CDX query of each of the city's slugs, one capture per content digest."""
    seen: set[str] = set()
    for slug in REGISTRY.get(city).all_krisha_slugs:
        rows = archive.cdx_rows({
            "url": [f"krisha.kz/arenda/kvartiry/{slug}/"], "matchType": ["prefix"],
            "from": [first.strftime("%Y%m%d")], "to": [last.strftime("%Y%m%d")],
            "filter": ["statuscode:200"], "collapse": ["digest"],
        })  # fmt: skip
        for row in rows:
            if row["digest"] in seen:
                continue
            seen.add(row["digest"])
            capture = archive.find(row["timestamp"], row["original"])
            assert capture is not None
            parsed = krisha.parse_search_page(
                archive.body(capture), capture.moment, city=city, base_url=KRISHA_ORIGIN
            )
            yield FeedPage("krisha_archive", city, capture.moment, parsed)


def live_pages(live: LiveView, source: str, city: str, *, base_url: str) -> Iterator[FeedPage]:
    """Today's search pages of ``source`` (krisha or olx) for ``city``, page 1 to the last,
    promoted cards taken once, observed at the sandbox's clock (``base_url``: the site's, for
    the cards' links)."""
    taken: set[str] = set()
    page, last = 1, 1
    while page <= last:
        if source == "krisha":
            body = render_search_page(live.krisha_page(city, page))
            parsed = krisha.parse_search_page(
                body, live.now, city=city, seen_ids=taken, base_url=base_url
            )
        else:
            body = render_olx_page(live.olx_page(city, page))
            parsed = olx.parse_search_page(body, live.now, city=city, base_url=base_url)
        taken.update(s.listing_id for s in parsed.snapshots if s.listing_id in parsed.promoted_ids)
        yield FeedPage(source, city, live.now, parsed)
        last = max(last, parsed.last_page or page)
        page += 1


def crawl_pages(
    market: Market,
    archive: Archive | None,
    *,
    cities: Iterable[str] | None = None,
    live: LiveView | None = None,
    base_urls: dict[str, str] | None = None,
) -> Iterator[FeedPage]:
    """Every page of a demo's crawl of ``cities`` (default: the market's): the archive
    backfill when ``archive`` is given, then today's krisha and olx when ``live`` is."""
    chosen = tuple(cities) if cities is not None else market.cities
    urls = {"krisha": "https://krisha.kz", "olx": "https://www.olx.kz", **(base_urls or {})}
    if archive is not None:
        for city in chosen:
            yield from archive_pages(archive, city)
    if live is not None:
        for source in ("krisha", "olx"):
            for city in chosen:
                if source == "olx" and not market.models[city].on_olx:
                    continue
                yield from live_pages(live, source, city, base_url=urls[source])


def write_spools(
    pages: Iterable[FeedPage], spool_dir: Path, origin: str = "simulated"
) -> list[Path]:
    """Spool ``pages`` as their crawl runs would: one spool per run (spider and city)."""
    paths: list[Path] = []
    for (spider, city), run in groupby(pages, key=lambda p: (p.spider, p.city)):
        source = "olx" if spider == "olx" else "krisha"
        with SpoolWriter(spool_dir, spider=spider, origin=origin, source=source, cities=[city],
                         flush_every=100_000) as spool:  # fmt: skip
            for page in run:
                for record in page.records(origin):
                    spool.write(record)
        paths.append(spool.path)
    return paths
