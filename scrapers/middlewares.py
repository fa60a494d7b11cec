"""Downloader middlewares: back off when a site struggles, and never mistake "blocked" for "empty".

``BackoffMiddleware`` sits before Scrapy's RetryMiddleware on the way back, so it sees every
429 and 5xx (and connection failure), retried or not, and slows the whole site down: the
slot's delay doubles (at least ``RENTWATCH_BACKOFF_START`` s, at most
``RENTWATCH_BACKOFF_MAX`` s, or the server's ``Retry-After``). AutoThrottle, when on, eases it
back after good answers.

A ``Retry-After`` longer than ``RENTWATCH_RETRY_AFTER_MAX`` seconds is not waited out (a
3600 s wait inside a nightly crawl is a failed night in disguise): the run stops as
``retry_after`` and its failure line says how long the site asked for.

``BlockedMiddleware`` sits after RetryMiddleware and judges the final answer: 403, 429, 468
and the web firewall's challenge page mean blocked (:func:`scrapers.parse.blocking.is_blocked`).
A 468 or a challenge is tried once more in a fresh cookie session (the firewall's session
cookie is what it holds against us); otherwise the run stops as ``blocked``, which fails its
health checks, rather than going on to read firewall pages as pages without listings.

``RobotsPolicyMiddleware`` is Scrapy's robots.txt middleware with RFC 9309's rules for a
robots.txt that cannot be read: a 4xx means no rules (allow all), a 5xx or a network error
means "unreachable", which is complete disallow (Scrapy's own allows everything then). A
page robots.txt forbids is counted with the rule that forbids it, so the failure line can
say ``robots: disallowed /*page=``.

:func:`failure_cause` names why a request failed in the words the failure line uses:
``dns``, ``timeout``, ``connection refused``, ``http 500``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Self

from protego import Protego
from scrapy import exceptions as scrapy_errors
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.robotstxt import RobotParser
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import build_from_crawler
from twisted.internet import error as net
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from scrapers.parse.blocking import CHALLENGES, blocked_reason

FRESH_SESSION = "rentwatch_fresh_session"
# Requests for pages the web archive captured: their body is the site's page as it was then
# (possibly a challenge the archive's own crawler met), judged by the spider, not here.
ARCHIVED_PAGE = "archived_page"
# The firewall's challenges are tied to its session cookie; a 403 or 429 is not.
FRESH_SESSION_HELPS = frozenset({"http_468", *CHALLENGES})
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
RETRY_AFTER_MAX = 600.0  # seconds, when the setting is absent (scrapers/settings.py says 600)
# The rule named when robots.txt could not be read and so forbids everything.
EVERYTHING = "everything, robots.txt unreachable"


class Blocked(IgnoreRequest):
    """The site refused us for good; the run is stopping."""


class RetryAfterTooLong(IgnoreRequest):
    """The site asked us to wait longer than ``RENTWATCH_RETRY_AFTER_MAX``; the run is stopping."""


class RobotsForbidden(IgnoreRequest):
    """robots.txt forbids this URL; ``rule`` is the line that does (or why all is forbidden)."""

    def __init__(self, rule: str) -> None:
        super().__init__(f"robots: disallowed {rule}")
        self.rule = rule


# Connection-level failures by class, in the words of a run's failure line.
_NETWORK_CAUSES: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((scrapy_errors.CannotResolveHostError, net.DNSLookupError), "dns"),
    (
        (scrapy_errors.DownloadTimeoutError, net.TimeoutError, net.TCPTimedOutError),
        "timeout",
    ),
    (
        (scrapy_errors.DownloadConnectionRefusedError, net.ConnectionRefusedError),
        "connection refused",
    ),
    (
        (
            scrapy_errors.ResponseDataLossError,
            net.ConnectionLost,
            net.ConnectionDone,
            ResponseFailed,
            ResponseNeverReceived,
        ),
        "connection lost",
    ),
    ((net.ConnectError, scrapy_errors.DownloadFailedError), "connection failed"),
)


def failure_cause(failure: Failure | BaseException) -> str:
    """Why a request failed, as a run's failure line says it: ``dns``, ``timeout``,
    ``connection refused``, ``connection lost``, ``http 500``, ``robots: disallowed …``."""
    exc = failure.value if isinstance(failure, Failure) else failure
    if isinstance(exc, HttpError):
        return f"http {exc.response.status}"
    if isinstance(exc, RobotsForbidden):
        return str(exc)
    for classes, cause in _NETWORK_CAUSES:
        if isinstance(exc, classes):
            return cause
    return type(exc).__name__


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
        self.retry_after_max = settings.getfloat("RENTWATCH_RETRY_AFTER_MAX", RETRY_AFTER_MAX)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status in self.codes:
            wait = retry_after(response)
            if wait is not None and wait > self.retry_after_max:
                self.give_up(request, response.status, wait)
            self.back_off(request, wait)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if failure_cause(exception) == "dns":
            return  # a name that does not resolve is not a site under load
        self.back_off(request, None)

    def give_up(self, request: Request, status: int, wait: float) -> None:
        """Stop the run: the site asked for a longer pause than the run may take."""
        assert self.crawler.stats is not None and self.crawler.engine is not None
        what = (
            f"retry-after {wait:.0f}s > {self.retry_after_max:g}s allowed "
            f"(HTTP {status} at {request.url})"
        )
        self.crawler.stats.set_value("rentwatch/retry_after_refused", what)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="retry_after"))
        raise RetryAfterTooLong(what)

    def back_off(self, request: Request, wait: float | None) -> None:
        """Double the slot's delay (at least ``start``, at most ``ceiling``); a Retry-After
        within ``RENTWATCH_RETRY_AFTER_MAX`` is honoured in full, above the ceiling too."""
        slot = self.crawler.engine.downloader.slots.get(request.meta.get("download_slot", ""))
        if slot is None:
            return
        doubled = min(max(slot.delay * 2, self.start), max(self.ceiling, self.start))
        slot.delay = max(doubled, wait or 0.0)
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
        server = response.headers.get(b"Server")
        reason = blocked_reason(response.status, body, server.decode("latin-1") if server else None)
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
        what = f"HTTP {response.status}" + (" challenge page" if reason in CHALLENGES else "")
        stats.inc_value("rentwatch/blocked")
        stats.set_value("rentwatch/blocked_by", reason.removeprefix("http_").replace("_", " "))
        stats.set_value("rentwatch/blocked_example", f"{what} at {request.url}")
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="blocked"))
        raise Blocked(f"blocked: {what} at {request.url}")


class RobotsPolicyMiddleware(RobotsTxtMiddleware):
    """robots.txt by RFC 9309 §2.3.1: 4xx allows all, 5xx or no answer disallows all; a
    forbidden page raises :class:`RobotsForbidden` naming the rule."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._bodies: dict[str, bytes] = {}

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        assert self.crawler.stats is not None
        if 400 <= response.status < 500:
            body = b""
        elif response.status >= 500:
            body = DISALLOW_ALL
            self.crawler.stats.set_value("rentwatch/robots_unreachable", f"http {response.status}")
        else:
            body = response.body
        self._bodies[netloc] = body
        await super()._parse_robots(response.replace(body=body), netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        """robots.txt could not be fetched at all: unreachable, so nothing may be crawled."""
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("rentwatch/robots_unreachable", failure_cause(exc))
        self._bodies[netloc] = DISALLOW_ALL
        parser: RobotParser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        waiting = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(waiting, Deferred):
            waiting.callback(parser)

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            assert self.crawler.stats is not None
            netloc = request.url.split("/", 3)[2] if "//" in request.url else ""
            rule = self._rule(netloc, request)
            self.crawler.stats.set_value("rentwatch/robots_rule", rule)
            raise RobotsForbidden(rule) from None

    def _rule(self, netloc: str, request: Request) -> str:
        """The Disallow line that forbids ``request`` (or why everything is forbidden)."""
        stats = self.crawler.stats
        assert stats is not None
        unreachable = stats.get_value("rentwatch/robots_unreachable")
        if unreachable:
            return f"{EVERYTHING} ({unreachable})"
        agent = str(self._robotstxt_useragent or self._default_useragent)
        for line in self._bodies.get(netloc, b"").decode("utf-8", "replace").splitlines():
            field, _, value = line.partition(":")
            value = value.split("#", 1)[0].strip()
            if field.strip().lower() != "disallow" or not value:
                continue
            if not Protego.parse(f"User-agent: *\nDisallow: {value}\n").can_fetch(
                request.url, agent
            ):
                return value
        return request.url
