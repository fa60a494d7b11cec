"""The crawl's tunable knobs: one definition of each, with its default, bounds and meaning.

Two readers, one model:

* ``scrapers/settings.py`` (what ``scrapy crawl`` reads) takes every tunable value from
  :data:`DEFAULTS`;
* rentwatch's ``[crawl]`` settings section is this model (``rentwatch.settings.CrawlSettings``),
  and :meth:`CrawlKnobs.scrapy_settings` turns a section's values into the Scrapy settings that
  the spiders, middlewares, pipeline and monitors read.

So ``scrapy crawl krisha`` and ``rentwatch crawl --source krisha`` start from the same numbers.
Scrapy's own fixed manners (robots.txt, retries, cookies, the jitter) stay in
``scrapers/settings.py``; only what a user may tune lives here. This module imports nothing
from rentwatch (layers import downward).
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl


def user_agent(contact_url: str) -> str:
    """An honest User-Agent: who we are and where to complain."""
    return f"rentwatch/{version('rentwatch')} (+{contact_url}; rental price research)"


class CrawlKnobs(BaseModel):
    """How the spiders behave. Base URLs are knobs so tests point them at 127.0.0.1.

    Times are seconds; coverages and drops are fractions in [0, 1].
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    contact_url: HttpUrl = Field(
        default=HttpUrl("https://github.com/rentwatch/rentwatch"),
        description="where a site's operator can reach us; quoted in the User-Agent",
    )
    krisha_base_url: str = "https://krisha.kz"
    olx_base_url: str = "https://www.olx.kz"
    archive_base_url: str = "https://web.archive.org"
    # Politeness: at most this many requests at a time per domain.
    concurrent_per_domain: int = Field(default=2, ge=1, le=2)
    download_delay: float = Field(default=1.0, ge=0, description="seconds between requests")
    # archive.org throttles hard; the spiders enforce >= 1 s for any host that is not loopback.
    archive_delay: float = Field(default=1.0, ge=0, description="seconds between archive requests")
    # AutoThrottle slows down when a site answers slowly; tests on loopback turn it off.
    autothrottle: bool = True
    # Back-off on 429/5xx: the site's delay doubles from backoff_start up to backoff_max seconds.
    backoff_start: float = Field(default=5.0, ge=0)
    backoff_max: float = Field(default=120.0, ge=0)
    # A Retry-After up to this many seconds is waited out; a longer one fails the run.
    retry_after_max: float = Field(default=600.0, ge=0)
    # Seconds a request may take, and how often a failed one (5xx, timeout, reset) is retried.
    download_timeout: float = Field(default=30.0, gt=0)
    retries: int = Field(default=2, ge=0)
    # A crash loses at most this many unflushed spool lines.
    spool_flush_every: int = Field(default=100, ge=1)
    # Search pages requested ahead of the last one parsed: enough to keep two requests busy,
    # few enough that a 5,000-page crawl holds no more in memory than a 50-page one.
    page_window: int = Field(default=4, ge=1, le=64)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Crawl-health thresholds (scrapers.monitors).
    min_items: int = Field(default=20, ge=0)
    min_field_coverage: float = Field(default=0.95, ge=0, le=1)
    max_item_drop: float = Field(default=0.5, ge=0, le=1)
    max_blocked: int = Field(
        default=0, ge=0, description="blocked responses a healthy run may meet"
    )
    max_pages_failed: int = Field(
        default=0, ge=0, description="search pages a healthy run may lose (5xx, timeouts …)"
    )
    min_coverage: float = Field(
        default=0.9, ge=0, le=1, description="cards read over the total the search advertises"
    )
    max_captures_failed: float = Field(
        default=0.02,
        ge=0,
        le=1,
        description="share of the captures an archive lists that a healthy backfill may fail "
        "to fetch (a listed capture the archive no longer serves)",
    )
    previous_run_timeout: float = Field(
        default=5.0, ge=0, description="seconds to wait for a busy warehouse before skipping"
    )

    def scrapy_settings(self) -> dict[str, Any]:
        """These values as the Scrapy settings the crawl reads (``RENTWATCH_*`` are ours)."""
        return {
            "USER_AGENT": user_agent(str(self.contact_url)),
            "RENTWATCH_KRISHA_BASE_URL": self.krisha_base_url,
            "RENTWATCH_OLX_BASE_URL": self.olx_base_url,
            "RENTWATCH_ARCHIVE_BASE_URL": self.archive_base_url,
            "CONCURRENT_REQUESTS_PER_DOMAIN": self.concurrent_per_domain,
            "DOWNLOAD_DELAY": self.download_delay,
            "RENTWATCH_ARCHIVE_DELAY": self.archive_delay,
            "AUTOTHROTTLE_ENABLED": self.autothrottle,
            "RENTWATCH_BACKOFF_START": self.backoff_start,
            "RENTWATCH_BACKOFF_MAX": self.backoff_max,
            "RENTWATCH_RETRY_AFTER_MAX": self.retry_after_max,
            "DOWNLOAD_TIMEOUT": self.download_timeout,
            "RETRY_TIMES": self.retries,
            "RENTWATCH_SPOOL_FLUSH_EVERY": self.spool_flush_every,
            "RENTWATCH_PAGE_WINDOW": self.page_window,
            "LOG_LEVEL": self.log_level,
            "RENTWATCH_MIN_ITEMS": self.min_items,
            "RENTWATCH_MIN_FIELD_COVERAGE": self.min_field_coverage,
            "RENTWATCH_MAX_ITEM_DROP": self.max_item_drop,
            "RENTWATCH_MAX_BLOCKED": self.max_blocked,
            "RENTWATCH_MAX_PAGES_FAILED": self.max_pages_failed,
            "RENTWATCH_MIN_COVERAGE": self.min_coverage,
            "RENTWATCH_MAX_CAPTURES_FAILED": self.max_captures_failed,
            "RENTWATCH_PREVIOUS_RUN_TIMEOUT": self.previous_run_timeout,
        }


DEFAULTS: Final = CrawlKnobs()
