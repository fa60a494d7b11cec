"""The item pipeline: validate each record, append it to the run's spool, and close the run.

Items are :class:`scrapers.items.SpoolBatch` (a page's records); ``rentwatch/records`` counts
the records spooled, and a record that breaks the rules is dropped and counted as
``rentwatch/dropped/invalid_record``.

Beside the spool, the run's responses go to its WARC (:mod:`scrapers.warc.capture`); a page's
records are spooled only once the responses they came from are in that file.

One spool per run (:class:`warehouse.spool.SpoolWriter`): the crawl never touches the
warehouse while it runs; `rentwatch db load` (or the command that started the crawl) merges
the spool afterwards. When the spider closes, the crawl-health checks
(:mod:`scrapers.monitors`) decide the run's status, which is written to the spool's sidecar
with the stats and becomes the ``crawl_runs`` row on load.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import date, datetime
from pathlib import Path
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.spiders import Spider
from scrapy.utils.defer import deferred_from_coro

from scrapers.items import SpoolBatch
from scrapers.monitors import COVERED_FIELDS, evaluate, previous_run
from scrapers.spiders.base import ListingSpider
from warehouse.errors import disk_full
from warehouse.faults import fail_point
from warehouse.records import RecordError
from warehouse.spool import RunStatus, SpoolWriter, complete_lines

logger = logging.getLogger(__name__)

_PLAIN = (str, int, float, bool, datetime, date, type(None))


class SpoolPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.spool: SpoolWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    @property
    def spider(self) -> ListingSpider:
        spider = self.crawler.spider
        if not isinstance(spider, ListingSpider):
            raise TypeError(f"SpoolPipeline serves rentwatch's spiders, not {spider!r}")
        return spider

    def open_spider(self) -> None:
        settings, spider = self.crawler.settings, self.spider
        self.spool = SpoolWriter(
            Path(settings["RENTWATCH_SPOOL_DIR"]),
            spider=spider.name,
            origin=spider.origin,
            source=spider.source,
            cities=[spider.city],
            run_id=spider.run_id,
            flush_every=settings.getint("RENTWATCH_SPOOL_FLUSH_EVERY"),
        )
        logger.info("run %s spools to %s", spider.run_id, self.spool.path)
        if spider.compare_with_previous:
            found = previous_run(
                Path(settings["RENTWATCH_DB"]),
                spider=spider.name,
                city=spider.city,
                origin=spider.origin,
                timeout=settings.getfloat("RENTWATCH_PREVIOUS_RUN_TIMEOUT"),
            )
            if found is not None:
                assert self.crawler.stats is not None
                self.crawler.stats.set_value("rentwatch/previous_run", found[0])
                self.crawler.stats.set_value("rentwatch/previous_items", found[1])

    def process_item(self, item: SpoolBatch) -> SpoolBatch:
        assert self.spool is not None and self.crawler.stats is not None
        stats = self.crawler.stats
        if (warc := self.spider.warc_writer) is not None:
            # The responses these records name are in the run's WARC before the records are
            # spooled: a killed crawl never leaves a record whose page cannot be reparsed.
            warc.drain()
        written = 0
        invalid: list[int] = []
        with_field = dict.fromkeys(COVERED_FIELDS, 0)
        for i, record in enumerate(item.records):
            try:
                fail_point("spool-write")
                self.spool.write(record)
            except OSError as exc:
                self.spool_failed(exc)
                raise DropItem(f"spool write failed: {exc}") from None
            except RecordError as exc:
                logger.warning("invalid record dropped: %s", exc)
                stats.inc_value("rentwatch/dropped/invalid_record")
                invalid.append(i)
                continue
            written += 1
            for field in COVERED_FIELDS:
                if record.get(field) is not None:
                    with_field[field] += 1
        stats.inc_value("rentwatch/records", written)
        for field, n in with_field.items():
            stats.inc_value(f"rentwatch/with/{field}", n)
        if invalid:
            # A feed export (scrapers.feeds) sees this item next: only what was spooled.
            dropped = set(invalid)
            return SpoolBatch([r for i, r in enumerate(item.records) if i not in dropped])
        return item

    def spool_failed(self, exc: OSError) -> None:
        """The spool cannot be written (a full disk): stop the run and say how far it got."""
        assert self.spool is not None and self.crawler.stats is not None
        stats = self.crawler.stats
        if stats.get_value("rentwatch/spool_error"):
            return
        what = "disk full" if disk_full(self.spool.path, exc) else f"cannot write ({exc})"
        stats.set_value("rentwatch/spool_error", f"spool write failed: {what}")
        assert self.crawler.engine is not None
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="spool_failed"))

    def close_spider(self) -> None:
        if self.spool is not None:
            try:
                self.spool.flush()
            except OSError as exc:
                self.spool_failed(exc)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Judge the run and close its spool: ``finished`` if all checks passed, else ``failed``."""
        if self.spool is None:
            return
        stats = self.crawler.stats
        assert stats is not None
        if failure := stats.get_value("rentwatch/spool_error"):
            # What the spool holds in full, after the last flush that could be made.
            with contextlib.suppress(OSError):
                self.spool.flush()
            rows = complete_lines(self.spool.path)
            stats.set_value("rentwatch/spool_error", f"{failure} after {rows} rows")
            stats.set_value("rentwatch/records", rows)
            self.spool.meta.items = rows
        health, full = evaluate(
            {**stats.get_stats(), "finish_reason": reason}, self.crawler.settings
        )
        status: RunStatus = "finished" if health.ok else "failed"
        stats.set_value("rentwatch/status", status)
        stats.set_value("rentwatch/reason", health.reason)
        if health.ok:
            logger.info("run %s healthy: %s", self.spool.run_id, self.spool.path)
        else:
            logger.error("run %s FAILED: %s", self.spool.run_id, health.reason)
        plain = {k: v for k, v in full.items() if isinstance(v, _PLAIN)}
        try:
            self.spool.finish(
                status, reason=health.reason, stats={**plain, "health": health.to_list()}
            )
        except OSError as exc:
            # No room for the sidecar either: the parent counts the spool's complete lines.
            logger.error("run %s: sidecar not written: %s", self.spool.run_id, exc)
