"""Scrapy settings for rentwatch's spiders: a checklist of the crawl's manners.

``scrapy crawl krisha -a city=almaty`` reads this module (``scrapy.cfg`` points here);
``rentwatch crawl``/``nightly``/``backfill`` start from it too and override the values that
are rentwatch settings (``[crawl]`` section: base URLs, delays, thresholds, spool directory).
The ``RENTWATCH_*`` names below are ours; the others are Scrapy's.
"""

from __future__ import annotations

import os
from importlib.metadata import version
from typing import Final

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
CONTACT_URL: Final = "https://github.com/rentwatch/rentwatch"


def user_agent(contact_url: str) -> str:
    """An honest User-Agent: who we are and where to complain."""
    return f"rentwatch/{version('rentwatch')} (+{contact_url}; rental price research)"


# Say who we are (robots.txt rules for "rentwatch" apply to us).
USER_AGENT = user_agent(CONTACT_URL)
# Obey robots.txt.
ROBOTSTXT_OBEY = True
# One or two requests at a time per site, and never more than a handful in all.
CONCURRENT_REQUESTS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# A pause between requests to the same site, varied ±50% so we do not hammer in lockstep.
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5
# AutoThrottle slows down when the site answers slowly (never below DOWNLOAD_DELAY).
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Retry server errors and throttling; every retry also backs the site's delay off
# (scrapers.middlewares.BackoffMiddleware). 403/468 are not retried here: they mean blocked.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RENTWATCH_BACKOFF_START = 5.0  # seconds: the first back-off step
RENTWATCH_BACKOFF_MAX = 120.0  # seconds: back-off never waits longer between requests
# The web archive throttles hard: at most one request per second to any archive host that
# is not loopback (enforced by the krisha_archive spider whatever this says).
RENTWATCH_ARCHIVE_DELAY = 1.0
# Cookies on: the firewall's session cookie is how a fresh session differs from a stale one.
COOKIES_ENABLED = True
# No telnet console listening on a port during a cron job.
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

# --- Where things go ----------------------------------------------------------------------
RENTWATCH_KRISHA_BASE_URL = "https://krisha.kz"
RENTWATCH_OLX_BASE_URL = "https://www.olx.kz"
RENTWATCH_ARCHIVE_BASE_URL = "https://web.archive.org"
# Each run appends to its own spool here; `rentwatch db load` merges spools into the warehouse.
RENTWATCH_SPOOL_DIR = "data/spool"
RENTWATCH_SPOOL_FLUSH_EVERY = 100
# Read (read-only) for the previous run's item count; the crawl never writes to it.
RENTWATCH_DB = "data/rentwatch.duckdb"
# Search pages requested ahead of the last one parsed: enough to keep two requests busy,
# few enough that a 5,000-page crawl holds no more in memory than a 50-page one.
RENTWATCH_PAGE_WINDOW = 4

# --- Crawl health (scrapers.monitors) -----------------------------------------------------
RENTWATCH_MIN_ITEMS = 20
RENTWATCH_MIN_FIELD_COVERAGE = 0.95
RENTWATCH_MAX_ITEM_DROP = 0.5
RENTWATCH_MAX_BLOCKED = 0
RENTWATCH_PREVIOUS_RUN_TIMEOUT = 5.0  # seconds to wait for a busy warehouse before skipping

# --- Components ---------------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # Before RetryMiddleware (550) on the way back: sees every 429/5xx, retried or not.
    "scrapers.middlewares.BackoffMiddleware": 560,
    # After it: judges the final answer; sets each request's cookie session (before 700).
    "scrapers.middlewares.BlockedMiddleware": 540,
    # At the downloader's end: every response, as the server sent it, into the run's WARC.
    "scrapers.warc.capture.WarcCaptureMiddleware": 950,
}
ITEM_PIPELINES = {"scrapers.pipelines.SpoolPipeline": 300}
