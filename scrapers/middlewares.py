"""Downloader middlewares: back off when a site struggles, and never mistake "blocked" for "empty".

``BackoffMiddleware`` sits before Scrapy's RetryMiddleware on the way back, so it sees every
429 and 5xx (and connection failure), retried or not, and slows the whole site down: the
slot's delay doubles (at least ``RENTWATCH_BACKOFF_START`` s, at most
``RENTWATCH_BACKOFF_MAX`` s, or the server's ``Retry-After``). AutoThrottle, when on, eases it
back after good answers.

``BlockedMiddleware`` sits after RetryMiddleware and judges the final answer: 403, 429, 468
and the web firewall's challenge page mean blocked (:func:`scrapers.parse.blocking.is_blocked`).
A 468 or a challenge is tried once more in a fresh cookie session (the firewall's session
cookie is what it holds against us); otherwise the run stops as ``blocked``, which fails its
health checks, rather than going on to read firewall pages as pages without listings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.defer import deferred_from_coro

from scrapers.parse.blocking import blocked_reason

FRESH_SESSION = "rentwatch_fresh_session"
# Requests for pages the web archive captured: their body is the site's page as it was then
# (possibly a challenge the archive's own crawler met), judged by the spider, not here.
ARCHIVED_PAGE = "archived_page"
# The firewall's challenges are tied to its session cookie; a 403 or 429 is not.
FRESH_SESSION_HELPS = frozenset({"http_468", "waf_challenge"})


class Blocked(IgnoreRequest):
    """The site refused us for good; the run is stopping."""


def retry_after(response: Response) -> float | None:
    """Seconds the server asks us to wait (``Retry-After``: seconds or an HTTP date)."""
    value = response.headers.get(b"Retry-After")
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class BackoffMiddleware:
    """Double the site's delay on 429, 5xx and connection failures."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.codes = frozenset(int(c) for c in settings.getlist("RETRY_HTTP_CODES"))
        self.start = settings.getfloat("RENTWATCH_BACKOFF_START")
        self.ceiling = settings.getfloat("RENTWATCH_BACKOFF_MAX")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status in self.codes:
            self.back_off(request, retry_after(response))
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.back_off(request, None)

    def back_off(self, request: Request, wait: float | None) -> None:
        slot = self.crawler.engine.downloader.slots.get(request.meta.get("download_slot", ""))
        if slot is None:
            return
        doubled = max(slot.delay * 2, self.start, wait or 0.0)
        slot.delay = min(doubled, max(self.ceiling, self.start))
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("rentwatch/backoff")
        self.crawler.stats.max_value("rentwatch/backoff_max_delay", slot.delay)


class BlockedMiddleware:
    """Count blocked answers, retry a 468 once in a fresh session, then stop the run."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.session = 0  # the cookie jar every new request uses

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        request.meta.setdefault("cookiejar", self.session)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        body = b"" if request.meta.get(ARCHIVED_PAGE) else response.body
        reason = blocked_reason(response.status, body)
        if reason is None:
            return response
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"rentwatch/blocked_responses/{reason}")
        if reason in FRESH_SESSION_HELPS and not request.meta.get(FRESH_SESSION):
            self.session += 1
            stats.inc_value("rentwatch/fresh_sessions")
            return request.replace(
                meta={**request.meta, "cookiejar": self.session, FRESH_SESSION: True},
                dont_filter=True,
            )
        what = f"HTTP {response.status}" + (" challenge page" if reason == "waf_challenge" else "")
        stats.inc_value("rentwatch/blocked")
        stats.set_value("rentwatch/blocked_example", f"{what} at {request.url}")
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="blocked"))
        raise Blocked(f"blocked: {what} at {request.url}")
