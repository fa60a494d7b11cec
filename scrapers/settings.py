"""Scrapy settings for rentwatch's spiders: a checklist of the crawl's manners.

``scrapy crawl krisha -a city=almaty`` reads this module (``scrapy.cfg`` points here);
``rentwatch crawl``/``nightly``/``backfill`` start from it too and override the values that
are rentwatch settings (``[crawl]`` section: base URLs, delays, thresholds, spool directory).
The ``RENTWATCH_*`` names below are ours; the others are Scrapy's.
"""

from __future__ import annotations

import os

from scrapers.knobs import DEFAULTS as knobs
from scrapers.knobs import user_agent

# Scrapy's cookie middleware asks tldextract for the public suffix list, which it would
# download at crawl time; the list bundled with tldextract is enough to scope cookies, and a
# crawl must not make requests it was not asked to (nor fail loudly offline).
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

BOT_NAME = "rentwatch"
SPIDER_MODULES = ["scrapers.spiders"]
NEWSPIDER_MODULE = "scrapers.spiders"
# `scrapy crawl` exits non-zero when a run fails its health checks (scrapers/commands/crawl.py).
COMMANDS_MODULE = "scrapers.commands"

# --- Manners ------------------------------------------------------------------------------
# Values marked "knob" are tunable and defined once, with their bounds, in scrapers/knobs.py
# (rentwatch's [crawl] settings are the same model).

# Say who we are (robots.txt rules for "rentwatch" apply to us). Knob: contact_url.
USER_AGENT = user_agent(str(knobs.contact_url))
# Obey robots.txt.
ROBOTSTXT_OBEY = True
# One or two requests at a time per site (knob), and never more than a handful in all.
CONCURRENT_REQUESTS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = knobs.concurrent_per_domain
# A pause between requests to the same site (knob), varied ±50% so we do not hammer in lockstep.
DOWNLOAD_DELAY = knobs.download_delay
DOWNLOAD_DELAY_JITTER = 0.5
# AutoThrottle slows down when the site answers slowly (never below DOWNLOAD_DELAY). Knob.
AUTOTHROTTLE_ENABLED = knobs.autothrottle
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Retry server errors and throttling; every retry also backs the site's delay off
# (scrapers.middlewares.BackoffMiddleware). 403/468 are not retried here: they mean blocked.
RETRY_ENABLED = True
RETRY_TIMES = knobs.retries
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Scrapy's list less the name lookup: a name that does not resolve will not resolve a few
# seconds later, and retrying it made an offline nightly take minutes to say so.
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.DownloadTimeoutError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
    OSError,
    "scrapy.core.downloader.handlers.http11.TunnelError",
]
# A request that takes longer fails (Scrapy's default, 180 s × 4 tries, cost 12 minutes).
DOWNLOAD_TIMEOUT = knobs.download_timeout
RENTWATCH_BACKOFF_START = knobs.backoff_start  # seconds: the first back-off step
RENTWATCH_BACKOFF_MAX = knobs.backoff_max  # seconds: back-off never waits longer between requests
# A Retry-After up to this long is waited out; a longer one fails the run with its reason. Knob.
RENTWATCH_RETRY_AFTER_MAX = knobs.retry_after_max
# The web archive throttles hard: at most one request per second to any archive host that
# is not loopback (enforced by the krisha_archive spider whatever this says). Knob.
RENTWATCH_ARCHIVE_DELAY = knobs.archive_delay
# Cookies on: the firewall's session cookie is how a fresh session differs from a stale one.
COOKIES_ENABLED = True
# No telnet console listening on a port during a cron job.
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = knobs.log_level

# --- Where things go (knobs: the base URLs, the flush interval, the page window) ----------
RENTWATCH_KRISHA_BASE_URL = knobs.krisha_base_url
RENTWATCH_OLX_BASE_URL = knobs.olx_base_url
RENTWATCH_ARCHIVE_BASE_URL = knobs.archive_base_url
# Each run appends to its own spool here; `rentwatch db load` merges spools into the warehouse.
RENTWATCH_SPOOL_DIR = "data/spool"
RENTWATCH_SPOOL_FLUSH_EVERY = knobs.spool_flush_every
# Read (read-only) for the previous run's item count; the crawl never writes to it.
RENTWATCH_DB = "data/rentwatch.duckdb"
# Search pages requested ahead of the last one parsed.
RENTWATCH_PAGE_WINDOW = knobs.page_window

# --- Crawl health (scrapers.monitors; knobs) ----------------------------------------------
RENTWATCH_MIN_ITEMS = knobs.min_items
RENTWATCH_MIN_FIELD_COVERAGE = knobs.min_field_coverage
RENTWATCH_MAX_ITEM_DROP = knobs.max_item_drop
RENTWATCH_MAX_BLOCKED = knobs.max_blocked
RENTWATCH_MAX_PAGES_FAILED = knobs.max_pages_failed  # search pages lost after retries
RENTWATCH_MIN_COVERAGE = knobs.min_coverage  # cards read / the total the search advertises
# Listed captures a backfill may fail to fetch, as a share of those listed.
RENTWATCH_MAX_CAPTURES_FAILED = knobs.max_captures_failed
# Seconds to wait for a busy warehouse before skipping the previous-run check.
RENTWATCH_PREVIOUS_RUN_TIMEOUT = knobs.previous_run_timeout

# --- Components ---------------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # robots.txt by RFC 9309 (a 5xx or unreachable robots.txt disallows all), in Scrapy's place.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "scrapers.middlewares.RobotsPolicyMiddleware": 100,
    # Before RetryMiddleware (550) on the way back: sees every 429/5xx, retried or not.
    "scrapers.middlewares.BackoffMiddleware": 560,
    # After it: judges the final answer; sets each request's cookie session (before 700).
    "scrapers.middlewares.BlockedMiddleware": 540,
    # At the downloader's end: every response, as the server sent it, into the run's WARC.
    "scrapers.warc.capture.WarcCaptureMiddleware": 950,
}
ITEM_PIPELINES = {"scrapers.pipelines.SpoolPipeline": 300}
# Feeds (`scrapy crawl krisha -O x.csv`): one row per listing, not one per page item.
FEED_EXPORTERS = {
    "json": "scrapers.feeds.JsonRowExporter",
    "jsonlines": "scrapers.feeds.JsonLinesRowExporter",
    "jsonl": "scrapers.feeds.JsonLinesRowExporter",
    "jl": "scrapers.feeds.JsonLinesRowExporter",
    "csv": "scrapers.feeds.CsvRowExporter",
    "xml": "scrapers.feeds.XmlRowExporter",
    "marshal": "scrapers.feeds.MarshalRowExporter",
    "pickle": "scrapers.feeds.PickleRowExporter",
}
