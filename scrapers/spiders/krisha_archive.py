"""``krisha_archive``: krisha's search pages as the web archive captured them.

For each of the city's slugs (Astana: both ``nur-sultan`` and ``astana``) the CDX API lists
the captures of ``krisha.kz/arenda/kvartiry/<slug>/…`` between ``from`` and ``to``; each
long-term-rent capture is fetched raw (``/web/<timestamp>id_/<original>``) and parsed by the
same parser as a live page, observed at the capture's time. Only what was captured is read:
the spider never follows a capture's paginator.

A capture index that fails or cannot be read, and a listed capture that cannot be fetched,
count as pages failed by cause (``capture index: http 500``, ``capture index unreadable``,
``http 404``): each is a part of the period the backfill did not read.

Politeness: one request at a time, at least one second apart, to any archive host that is
not loopback, whatever the settings say (:meth:`update_settings`); 429s back off.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any, Final
from urllib.parse import parse_qs, urlencode, urlsplit

from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from scrapers.middlewares import Blocked, RetryAfterTooLong, failure_cause
from scrapers.parse import archive, blocking, krisha
from scrapers.parse.markup import as_served
from scrapers.spiders.base import ListingSpider, Sighting
from scrapers.spiders.params import ArchiveParams, is_loopback
from scrapers.warc import OBSERVED_AT_META, ORIGINAL_URI_META, PAGE_KIND_META
from warehouse.cities import REGISTRY

SITE: Final = "krisha.kz"
# archive.org's own limit; only a sandbox on loopback may go faster.
MIN_ARCHIVE_DELAY: Final = 1.0
# Above the command line's priority (40): `-s DOWNLOAD_DELAY=0` cannot undercut the floor.
FLOOR_PRIORITY: Final = 50
# How a failure line names the CDX answer (one per slug) a backfill could not read.
INDEX: Final = "capture index"
LONG_TERM: Final = "2"  # das[rent.period]=2 is "на длительный срок"


def archive_delay(base_url: str, configured: float) -> float:
    """Seconds between archive requests: as configured, but never under 1 s off loopback."""
    return configured if is_loopback(base_url) else max(configured, MIN_ARCHIVE_DELAY)


class KrishaArchiveSpider(ListingSpider):
    name = "krisha_archive"
    source = "krisha"
    params_model = ArchiveParams
    base_url_setting = "RENTWATCH_ARCHIVE_BASE_URL"
    compare_with_previous = False
    cut_page_fails = False  # the archive keeps some captures cut short
    parser_version = krisha.PARSER_VERSION

    params: ArchiveParams

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The same page content captured twice is one observation, not two.
        self.digests: set[str] = set()

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        delay = archive_delay(
            str(settings.get(cls.base_url_setting)), settings.getfloat("RENTWATCH_ARCHIVE_DELAY")
        )
        settings.set("DOWNLOAD_DELAY", delay, priority=FLOOR_PRIORITY)
        # No jitter: ±50% around one second would dip below it.
        settings.set("DOWNLOAD_DELAY_JITTER", 0.0, priority=FLOOR_PRIORITY)
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 1, priority=FLOOR_PRIORITY)

    def cdx_url(self, slug: str) -> str:
        query = urlencode(
            {
                "url": f"{SITE}/arenda/kvartiry/{slug}/",
                "matchType": "prefix",
                "from": self.params.date_from.strftime("%Y%m%d"),
                "to": self.params.date_to.strftime("%Y%m%d"),
                "output": "json",
                "fl": "timestamp,original,statuscode,digest",
                "filter": "statuscode:200",
                "collapse": "digest",
            }
        )
        return f"{self.base_url}/cdx/search/cdx?{query}"

    async def start(self) -> AsyncIterator[Request]:
        # Every slug the city ever had (Astana: astana, nur-sultan): captures keep old URLs.
        for slug in REGISTRY.get(self.city).all_krisha_slugs:
            yield Request(
                self.cdx_url(slug),
                callback=self.parse_listing,
                errback=self.listing_failed,
                cb_kwargs={"slug": slug},
                meta={PAGE_KIND_META: "cdx"},
            )

    def parse_listing(self, response: Response, slug: str) -> Iterator[Request]:
        try:
            captures = archive.parse_cdx(response.body)
        except archive.ArchiveError as exc:
            self.count(f"pages_failed/{INDEX} unreadable")
            self.logger.warning("capture index of %s unreadable: %s", slug, exc)
            return
        self.count("captures_listed", len(captures))
        for capture in captures:
            if not is_long_term_search(capture.original, slug):
                self.count("captures_skipped/not_long_term")
                continue
            if capture.digest is not None:
                if capture.digest in self.digests:
                    self.count("captures_skipped/same_content")
                    continue
                self.digests.add(capture.digest)
            yield Request(
                archive.capture_url(self.base_url, capture.timestamp, capture.original),
                callback=self.parse_capture,
                errback=self.capture_failed,
                cb_kwargs={"observed_at": capture.timestamp, "original": capture.original},
                # The capture is the site's page as it was: its content is judged here, not
                # as the archive's answer to us (see BlockedMiddleware). Its WARC record keeps
                # the original URL and the capture time, the observation time.
                meta={
                    "archived_page": True,
                    PAGE_KIND_META: "capture",
                    OBSERVED_AT_META: capture.timestamp,
                    ORIGINAL_URI_META: capture.original,
                },
            )

    def listing_failed(self, failure: Failure) -> None:
        """A slug's capture index could not be fetched: its captures are a night's pages lost."""
        if failure.check(Blocked, RetryAfterTooLong):
            return  # the run is stopping
        self.count(f"pages_failed/{INDEX}: {failure_cause(failure)}")
        self.logger.warning("capture index failed: %s", failure.getErrorMessage())

    def capture_failed(self, failure: Failure) -> None:
        """A capture the index lists could not be fetched (a 404, a timeout …): counted by
        cause, and judged against the captures listed (``RENTWATCH_MAX_CAPTURES_FAILED``),
        since an archive keeps a few listed captures it no longer serves."""
        if failure.check(Blocked, RetryAfterTooLong):
            return
        self.count(f"captures_failed/{failure_cause(failure)}")
        self.logger.warning("capture failed: %s", failure.getErrorMessage())

    def parse_capture(
        self, response: Response, observed_at: datetime, original: str
    ) -> Iterator[dict[str, Any]]:
        if blocking.is_blocked(response.status, response.body):
            # The site showed its firewall to the archive's crawler that day: no listings in it.
            self.count("captures_skipped/challenge_page")
            return
        self.count("captures_parsed")
        parts = urlsplit(original)
        parsed = self.parsed_safely(
            lambda: krisha.parse_search_page(
                as_served(response.body, response.headers.get("Content-Type")),
                observed_at,
                city=self.city,
                base_url=f"{parts.scheme or 'https'}://{parts.netloc or SITE}",
            ),
            response,
        )
        if parsed is not None:
            yield from self.records(parsed, Sighting.of(response, observed_at))


def is_long_term_search(original: str, slug: str) -> bool:
    """A capture of ``/arenda/kvartiry/<slug>/`` whose rent period is long-term or unset.

    Pages with ``das[rent.period]`` 1 (daily) or 4 (hourly) are other markets; a page without
    it lists every term, and the parser tells each card's period from its title.
    """
    parts = urlsplit(original)
    if parts.path.rstrip("/") != f"/arenda/kvartiry/{slug}":
        return False
    periods = parse_qs(parts.query).get("das[rent.period]", [LONG_TERM])
    return periods == [LONG_TERM]
