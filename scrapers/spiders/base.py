"""What every rentwatch spider shares: validated arguments, the run's identity, pagination.

A spider only routes requests: pages go to the pure parsers in :mod:`scrapers.parse`, and the
snapshots they return leave as spool records (:meth:`ListingSnapshot.to_record`), stamped
with a :class:`Sighting` (when the page was observed, which stored response it came from)
and the parser's version. Counts the monitors need are kept in Scrapy's stats under
``rentwatch/…``. Each request says what kind of page it fetches (``PAGE_KIND_META``), which
the run's WARC records and the reparse reads.
"""

from __future__ import annotations

import math
import traceback
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Final, Self
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from scrapers import clock
from scrapers.items import ListingSnapshot, ParsedPage, SpoolBatch
from scrapers.middlewares import Blocked, RetryAfterTooLong, failure_cause
from scrapers.monitors import price_bounds
from scrapers.parse.krisha import TRUNCATED
from scrapers.parse.markup import as_served
from scrapers.spiders.params import (
    LiveParams,
    SpiderParams,
    parse_args,
    require_loopback_target,
)
from scrapers.warc import PAGE_KIND_META, STAMP_META, WarcStamp
from scrapers.warc.writer import RunInfo, WarcFileWriter
from warehouse.plausible import PriceBounds
from warehouse.spool import new_run_id


@dataclass(frozen=True, slots=True)
class Sighting:
    """When a page was observed and which WARC response holds it (None without a WARC)."""

    observed_at: datetime
    warc_record_id: str | None = None

    @classmethod
    def of(cls, response: Response, observed_at: datetime | None = None) -> Sighting:
        """A response's sighting: observed when it was fetched (its WARC-Date), unless the
        page is older than the fetch (``observed_at``: an archive capture's time)."""
        stamp = response.request.meta.get(STAMP_META) if response.request else None
        if isinstance(stamp, WarcStamp):
            return cls(observed_at or stamp.fetched_at, stamp.record_id)
        return cls(observed_at or datetime.now(UTC))


class ListingSpider(scrapy.Spider):
    """Base of the portal spiders. Subclasses set the class attributes and the start pages."""

    params_model: ClassVar[type[SpiderParams]]
    source: ClassVar[str]  # the portal the listings belong to: "krisha" | "olx"
    parser_version: ClassVar[int]  # PARSER_VERSION of the page parser the spider calls
    base_url_setting: ClassVar[str]  # the Scrapy setting that holds the site's base URL
    # Checked against the previous run of the same spider and city (not for backfills, whose
    # date ranges differ from one run to the next).
    compare_with_previous: ClassVar[bool] = True
    # A page cut short is a page problem (fails the run), unless cut pages are what the
    # source is known to keep (the web archive's captures).
    cut_page_fails: ClassVar[bool] = True

    params: SpiderParams
    base_url: str
    _bounds: PriceBounds | None = None
    # The run's WARC, set by scrapers.warc.capture when the spider opens (None without it).
    warc_writer: WarcFileWriter | None = None

    def __init__(self, **kwargs: Any) -> None:
        # Validate before Scrapy copies the raw strings onto the spider.
        self.params = parse_args(self.params_model, kwargs)
        super().__init__()
        self.run_id = self.params.run_id or new_run_id(f"{self.name}-{self.params.city}")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.base_url = str(crawler.settings.get(cls.base_url_setting)).rstrip("/")
        require_loopback_target(spider.origin, {cls.base_url_setting: spider.base_url})
        return spider

    @classmethod
    def check_target(cls, params: SpiderParams, settings: Mapping[str, Any]) -> None:
        """Refuse a ``simulated`` run whose site is not on loopback, before it starts."""
        require_loopback_target(
            params.origin, {cls.base_url_setting: str(settings.get(cls.base_url_setting))}
        )

    @property
    def city(self) -> str:
        return self.params.city

    @property
    def origin(self) -> str:
        return self.params.origin

    def simulated_now(self, response: Response) -> datetime | None:
        """The sandbox's clock when this is a simulated crawl of a loopback site that sends
        it (:mod:`scrapers.clock`): the page's observation time instead of the fetch's."""
        return clock.simulated_observation(
            response.headers.get(clock.SIMULATED_NOW_HEADER), url=response.url, origin=self.origin
        )

    @property
    def bounds(self) -> PriceBounds:
        """Plausible prices per city and room count, from the warehouse's data (read once)."""
        if self._bounds is None:
            settings = self.crawler.settings
            self._bounds = price_bounds(
                Path(settings.get("RENTWATCH_DB", "data/rentwatch.duckdb")),
                origin=self.origin,
                timeout=settings.getfloat("RENTWATCH_PREVIOUS_RUN_TIMEOUT"),
            )
        return self._bounds

    def warc_info(self) -> RunInfo:
        """What the run's WARC file says about it (:mod:`scrapers.warc.capture` asks)."""
        return RunInfo(
            run_id=self.run_id,
            spider=self.name,
            source=self.source,
            city=self.city,
            origin=self.origin,
            parser_version=self.parser_version,
            base_url=self.base_url,
            details=bool(getattr(self.params, "details", False)),
            user_agent=self.settings.get("USER_AGENT"),
        )

    def count(self, key: str, value: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"rentwatch/{key}", value)

    def parsed_safely(
        self, parse: Callable[[], ParsedPage], response: Response
    ) -> ParsedPage | None:
        """``parse()``, or None when the parser raised: a parser bug is a page problem
        (``parser error: KeyError``) that fails the run, never a spider error no check reads."""
        try:
            return parse()
        except Exception as exc:
            self.count(f"page_problems/parser error: {type(exc).__name__}")
            # Where, not what: the message of a parser's error may quote the page's text.
            where = traceback.extract_tb(exc.__traceback__)[-1]
            self.logger.error(
                "the parser failed on %s: %s at %s:%s",
                response.url,
                type(exc).__name__,
                where.filename,
                where.lineno,
            )
            return None

    def records(self, parsed: ParsedPage, seen: Sighting) -> Iterator[Any]:
        """The page's snapshots of the run's city as one batch of spool records (and any
        requests a snapshot needs first); what was dropped, counted by reason."""
        parsed = parsed.of_city(self.city)
        self.count("pages")
        if parsed.problem == TRUNCATED and not self.cut_page_fails:
            # A capture cut short (archives keep some): its cut card was dropped.
            self.count("pages_truncated")
        elif parsed.problem is not None:
            self.count(f"page_problems/{parsed.problem}")
        self.count("cards_seen", parsed.cards_seen)
        for reason, n in parsed.dropped.items():
            self.count(f"dropped/{reason}", n)
        plausible = [
            s
            for s in parsed.snapshots
            if self.bounds.check(s.city, s.rooms, s.price, s.currency, s.price_period)
        ]
        if len(plausible) < len(parsed.snapshots):
            self.count("dropped/price_implausible", len(parsed.snapshots) - len(plausible))
        self.count("snapshots", len(plausible))
        batch: list[dict[str, Any]] = []
        for snapshot in plausible:
            for out in self.emit(snapshot, seen):
                if isinstance(out, dict):
                    batch.append(out)
                else:
                    yield out
        if batch:
            yield SpoolBatch(batch)

    def emit(self, snapshot: ListingSnapshot, seen: Sighting) -> Iterator[Any]:
        """What a snapshot becomes: its spool record (a spider may fetch more first)."""
        yield self.record_of(snapshot, seen)

    def record_of(self, snapshot: ListingSnapshot, seen: Sighting) -> dict[str, Any]:
        """The spool record of a sighting, with the parser version and the WARC record."""
        record = snapshot.to_record(seen.observed_at, self.origin)
        record["parser_version"] = self.parser_version
        record["warc_record_id"] = seen.warc_record_id
        return record


class SearchSpider(ListingSpider):
    """A portal's search pages, page 1 to the last, ``page_window`` of them in flight.

    ``parser`` is the portal's ``parse_search_page``; a listing is taken once a run and later
    copies are dropped by id (``duplicate_id``): promoted cards, which the portals repeat on
    every page, a card that moved to the next page while the crawl went on, and a site that
    answers page 1 whatever page is asked for (read as 200 listings of 20, it had passed).
    """

    parser: ClassVar[Callable[..., ParsedPage]]
    params: LiveParams

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.last_page_seen = 0
        self.taken: set[str] = set()  # listing ids taken by this run

    @property
    def page_window(self) -> int:
        return max(1, self.settings.getint("RENTWATCH_PAGE_WINDOW"))

    def page_url(self, page: int) -> str:
        raise NotImplementedError

    def parse_page(self, body: bytes | str, observed_at: datetime) -> ParsedPage:
        parsed = type(self).parser(
            body,
            observed_at,
            city=self.city,
            seen_ids=self.taken,
            base_url=self.base_url,
        )
        self.taken.update(s.listing_id for s in parsed.snapshots)
        return parsed

    async def start(self) -> AsyncIterator[Request]:
        yield self.page_request(1)

    def page_request(self, page: int) -> Request:
        return Request(
            self.page_url(page),
            callback=self.parse_search,
            errback=self.page_failed,
            cb_kwargs={"page": page},
            meta={PAGE_KIND_META: "search"},
        )

    def parse_search(self, response: Response, page: int) -> Iterator[Any]:
        seen = Sighting.of(response, self.simulated_now(response))
        away = redirected_away(response)
        if away is not None:
            # A login, the home page or a "service unavailable" page answering for the
            # search: no listing of it is read, and the run says where it was sent.
            yield from self.records(ParsedPage(snapshots=[], problem=away), seen)
            yield from self.next_pages(page, None)
            return
        body = as_served(response.body, response.headers.get("Content-Type"))
        parsed = self.parsed_safely(lambda: self.parse_page(body, seen.observed_at), response)
        if parsed is None:
            # The pages after this one are still fetched, so the WARC holds the whole night
            # for the reparse that ships the parser's fix.
            yield from self.next_pages(page, None)
            return
        if parsed.problem == TRUNCATED:
            # The connection closed mid-body with no length to tell (or the server sent a
            # cut page): fetch it again, and only when it stays cut take what it holds.
            assert response.request is not None
            retry = get_retry_request(response.request, spider=self, reason=TRUNCATED)
            if retry is not None:
                self.taken.difference_update(s.listing_id for s in parsed.snapshots)
                yield retry
                return
        last_page = parsed.last_page
        if last_page is None and page == 1:
            last_page = pages_for(parsed)
        self.note_coverage(page, parsed)
        yield from self.records(parsed, seen)
        yield from self.next_pages(page, last_page)

    def note_coverage(self, page: int, parsed: ParsedPage) -> None:
        """What the monitors compare: the total the search advertises ("Найдено 200", the
        largest any page showed), the last page, and the distinct cards read."""
        stats = self.crawler.stats
        assert stats is not None
        if parsed.total is not None:
            stats.max_value("rentwatch/advertised_total", parsed.total)
        stats.max_value("rentwatch/last_page", parsed.last_page or page)
        if self.params.max_pages:
            stats.set_value("rentwatch/max_pages", self.params.max_pages)
        self.count("ids_read", parsed.cards_seen - parsed.dropped.get("duplicate_id", 0))

    def next_pages(self, page: int, last_page: int | None) -> Iterator[Request]:
        """Keep ``page_window`` pages in flight without ever holding the whole list.

        Page 1 asks for pages 2..1+W; page k asks for page k+W. Every page up to the last is
        asked for exactly once, whatever order the answers come in, and a failed page still
        passes its turn on (:meth:`page_failed`), so one lost page never ends the crawl.
        """
        self.last_page_seen = max(self.last_page_seen, last_page or page)
        last = min(self.last_page_seen, self.params.max_pages or self.last_page_seen)
        window = self.page_window
        if page == 1:
            targets = range(2, min(1 + window, last) + 1)
        else:
            targets = range(page + window, min(page + window, last) + 1)
        for target in targets:
            yield self.page_request(target)

    def page_failed(self, failure: Failure) -> Iterator[Request]:
        if failure.check(Blocked, RetryAfterTooLong):
            return  # the run is stopping
        page = failure.request.cb_kwargs["page"]  # type: ignore[attr-defined]
        self.count("pages_failed")
        self.count(f"pages_failed/{failure_cause(failure)}")
        self.logger.warning("page %s failed: %s", page, failure.getErrorMessage())
        yield from self.next_pages(page, None)


REDIRECTED: Final = "redirected to"


def redirected_away(response: Response) -> str | None:
    """``"redirected to /my/login"`` when a search page was redirected off its own path (a
    login, the home page, a maintenance page); None when it was not redirected or only its
    scheme, host, query or trailing slash changed. The path only: a query may carry a
    session or the page asked for."""
    request = response.request  # a response built by hand (tests, a reparse) has none
    asked = request.meta.get("redirect_urls") if request is not None else None
    if not asked:
        return None
    landed = urlsplit(response.url).path
    if urlsplit(asked[0]).path.rstrip("/") == landed.rstrip("/"):
        return None
    return f"{REDIRECTED} {landed or '/'}"


def pages_for(parsed: ParsedPage) -> int | None:
    """Without a paginator, the pages the advertised total fills at page 1's size (promoted
    cards, which come on top of a page's results, left out); None without a total.

    A redesign that renames the paginator must not end the crawl at page 1: the night's
    other pages would never be fetched, so no WARC would hold them for the reparse.
    """
    size = parsed.cards_seen - len(parsed.promoted_ids)
    if parsed.total is None or size <= 0:
        return None
    return math.ceil(parsed.total / size)
