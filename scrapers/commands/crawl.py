"""``scrapy crawl``, as Scrapy's, except that it checks spider arguments at the door (one line,
not a traceback; a simulated run must aim at loopback) and exits 1 with the reason when the
run failed its health checks."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from scrapers.spiders.base import ListingSpider
from scrapers.spiders.params import SpiderArgumentError, parse_args


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)
            return
        assert self.crawler_process is not None
        spidercls = self.crawler_process.spider_loader.load(args[0])
        if issubclass(spidercls, ListingSpider):
            try:
                params = parse_args(spidercls.params_model, opts.spargs)
                assert self.settings is not None
                spidercls.check_target(params, self.settings)
            except SpiderArgumentError as exc:
                raise UsageError(str(exc), print_help=False) from None
        crawler = self._create_crawler(spidercls)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif crawler.stats is not None and crawler.stats.get_value("rentwatch/status") == "failed":
            reason = crawler.stats.get_value("rentwatch/reason")
            print(f"scrapy crawl {args[0]}: run failed: {reason}", file=sys.stderr)
            self.exitcode = 1
