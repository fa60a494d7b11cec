"""``WarcCaptureMiddleware``: every response a rentwatch spider gets goes to its run's WARC.

It sits at the downloader end of the chain (950, after Scrapy's own 900), so on the way back
it is the first to see a response: as the server sent it, still content-encoded, before a
redirect, a retry or the blocked check acts on it. A 468 challenge and the retry that
followed it are both kept. On the way out it is the last to touch a request, so the request
record has the headers that were really sent (cookies, User-Agent).

The response's WARC-Date is its fetch time, and the request's meta gets a
:class:`~scrapers.warc.WarcStamp`: the spider observes the page at that time and stamps each
record it derives with that record id, which is how a reparse finds the rows to replace.
Spiders that are not rentwatch's (no ``warc_info``) pass through untouched.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.spiders import Spider

from scrapers import clock
from scrapers.warc import (
    KIND_HEADER,
    OBSERVED_AT_HEADER,
    OBSERVED_AT_META,
    ORIGINAL_URI_HEADER,
    ORIGINAL_URI_META,
    PAGE_KIND_META,
    STAMP_META,
    WarcStamp,
)
from scrapers.warc.writer import Exchange, RunInfo, WarcFileWriter, warc_date
from warehouse.spool import WARC_SUFFIX

logger = logging.getLogger(__name__)


def warc_path(spool_dir: Path, run_id: str) -> Path:
    """Where run ``run_id`` writes its WARC: beside its spool."""
    return spool_dir / f"{run_id}{WARC_SUFFIX}"


def response_extra(request: Request) -> dict[str, str]:
    """The ``Rentwatch-*`` WARC fields of the response to ``request``, from its meta."""
    extra: dict[str, str] = {}
    if kind := request.meta.get(PAGE_KIND_META):
        extra[KIND_HEADER] = str(kind)
    observed = request.meta.get(OBSERVED_AT_META)
    if isinstance(observed, datetime):
        extra[OBSERVED_AT_HEADER] = warc_date(observed)
    if original := request.meta.get(ORIGINAL_URI_META):
        extra[ORIGINAL_URI_HEADER] = str(original)
    return extra


class WarcCaptureMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.writer: WarcFileWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        describe = getattr(spider, "warc_info", None)
        if describe is None:
            return
        info: RunInfo = describe()
        path = warc_path(Path(self.crawler.settings["RENTWATCH_SPOOL_DIR"]), info.run_id)
        self.writer = WarcFileWriter(path, info)
        spider.warc_writer = self.writer  # type: ignore[attr-defined]  # drained by the pipeline
        logger.info("run %s keeps its responses in %s", info.run_id, path)

    def process_response(self, request: Request, response: Response) -> Response:
        if self.writer is None:
            return response
        fetched_at = datetime.now(UTC)
        extra = response_extra(request)
        # The sandbox's clock, when the spider observes the page by it: so a reparse does too.
        simulated = clock.simulated_observation(
            response.headers.get(clock.SIMULATED_NOW_HEADER),
            url=response.url,
            origin=str(getattr(self.crawler.spider, "origin", "")),
        )
        if simulated is not None and OBSERVED_AT_HEADER not in extra:
            extra[OBSERVED_AT_HEADER] = warc_date(simulated)
        record_id = self.writer.write(
            Exchange(
                url=response.url,
                status=response.status,
                headers=_pairs(response.headers),
                body=response.body,
                fetched_at=fetched_at,
                method=request.method,
                request_headers=_pairs(request.headers),
                protocol=response.protocol,
                extra=extra,
            )
        )
        request.meta[STAMP_META] = WarcStamp(record_id, fetched_at)
        stats = self.crawler.stats
        if stats is not None:
            stats.set_value("rentwatch/warc/records", self.writer.records)
            stats.set_value("rentwatch/warc/bytes", self.writer.bytes)
        return response

    def spider_closed(self, spider: Spider) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _pairs(headers: Any) -> list[tuple[bytes, bytes]]:
    """Scrapy's ``Headers`` (a name to a list of values) as (name, value) pairs, in order."""
    return [(bytes(name), bytes(value)) for name, values in headers.items() for value in values]
