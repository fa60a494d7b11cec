"""The sandbox on loopback: krisha, olx and the web archive, each on its own 127.0.0.1 port.

    with Sandbox(Market(MarketConfig(seed=2022))) as sandbox:
        settings = sandbox.scrapy_settings()   # base URLs of the three sites, loopback delays
        ...                                    # run the real spiders against it

The live sites show the market at its last moment (:data:`LIVE_AT`, 20:00 on the market's last
day): that is the sandbox's clock. Every answer carries it in the header
``X-Rentwatch-Simulated-Now`` (:mod:`scrapers.clock`), which the spiders take as the
observation time of a simulated crawl on loopback, so the live crawl continues the archive's
years without a hole. (``today`` may move the clock: the cards' dates then shift with it.)
The archive serves the captures of :class:`~scrapers.sandbox.archive.Archive`. Each site
answers ``/robots.txt``; every city of the market has its pages on krisha, and on olx when
olx lists it. Everything is simulated and every page says so.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Final
from urllib.parse import parse_qs, unquote, urlsplit

from scrapers.clock import SIMULATED_NOW_HEADER
from scrapers.sandbox import calibration as cal
from scrapers.sandbox.archive import Archive, CdxError
from scrapers.sandbox.krisha_pages import (
    HOT_CARDS,
    PER_PAGE,
    Era,
    SearchPage,
    city_slug,
    render_search_page,
)
from scrapers.sandbox.market import LOCAL, Market, Visible, market_time
from scrapers.sandbox.olx_pages import OLX_PER_PAGE, OlxPage, render_olx_page
from warehouse.cities import REGISTRY

logger = logging.getLogger(__name__)

HOST: Final = "127.0.0.1"
# The live sites show the market at 20:00 on its last day.
LIVE_AT: Final = datetime.combine(cal.MARKET_END, time(20, 0), LOCAL)
ROBOTS: Final = {
    "krisha": "User-agent: *\nDisallow: /a/new\nDisallow: /my\nDisallow: /favorites\n",
    "olx": "User-agent: *\nDisallow: /d/myaccount\nDisallow: /api/\n",
    "archive": "User-agent: *\nDisallow:\n",
}
HTML: Final = "text/html; charset=utf-8"
# Positions in the live list whose listings are paid to be shown on top of every 2025 page.
PROMOTED_AT: Final = (7, 19, 31)


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _not_found(what: str) -> Reply:
    return Reply(404, HTML, f"<html><body><h1>404</h1><p>{what}</p></body></html>".encode())


class LiveView:
    """The market at one moment, as today's krisha and olx show it.

    ``today`` is the day the sites say it is (default: the market's last day); the market is
    shown at :data:`LIVE_AT`, moved to ``today`` with the cards' dates.
    """

    def __init__(self, market: Market, *, today: date = cal.MARKET_END, era: Era = "2025") -> None:
        self.market = market
        self.at = market_time(LIVE_AT)
        self.today = today
        self.shift = timedelta(days=(today - cal.MARKET_END).days)
        self.now = LIVE_AT + self.shift  # the sandbox's clock
        self.era = era
        self._visible: dict[tuple[str, str], Visible] = {}
        self._lock = threading.Lock()

    def visible(self, source: str, city: str) -> Visible:
        with self._lock:
            key = (source, city)
            if key not in self._visible:
                self._visible[key] = self.market.visible(source, city, self.at)
            return self._visible[key]

    def krisha_page(self, city: str, page: int) -> SearchPage:
        visible = self.visible("krisha", city)
        cards = self.market.cards(visible, (page - 1) * PER_PAGE, PER_PAGE)
        promoted = tuple(
            self.market.card(int(visible.listings[i]), int(visible.last_event[i]))
            for i in PROMOTED_AT[:HOT_CARDS]
            if i < len(visible)
        )
        return SearchPage(city, city_slug(city), page, len(visible), cards, self.today,
                          self.era, promoted, self.shift)  # fmt: skip

    def olx_page(self, city: str, page: int) -> OlxPage:
        visible = self.visible("olx", city)
        cards = self.market.cards(visible, (page - 1) * OLX_PER_PAGE, OLX_PER_PAGE)
        return OlxPage(city, page, len(visible), cards, self.shift)


class _Site:
    name: ClassVar[str]

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()

    def reply(self, path: str, query: dict[str, list[str]], raw_query: str) -> Reply:
        raise NotImplementedError

    def handle(self, target: str) -> Reply:
        parts = urlsplit(target)
        if parts.path == "/robots.txt":
            self.requests["robots"] += 1
            return Reply(200, "text/plain; charset=utf-8", ROBOTS[self.name].encode())
        query = parse_qs(parts.query, keep_blank_values=True)
        reply = self.reply(parts.path, query, parts.query)
        self.requests[str(reply.status)] += 1
        return reply


_KRISHA_SLUGS: Final = frozenset(slug for city in REGISTRY for slug in city.all_krisha_slugs)
_OLX_SLUGS: Final = {c.olx_slug: c.code for c in REGISTRY if c.olx_slug is not None}


def _page_number(query: dict[str, list[str]]) -> int | None:
    raw = query.get("page", ["1"])[-1]
    return int(raw) if raw.isdigit() and int(raw) >= 1 else None


class KrishaSite(_Site):
    name = "krisha"

    def __init__(self, live: LiveView) -> None:
        super().__init__()
        self.live = live

    def reply(self, path: str, query: dict[str, list[str]], raw_query: str) -> Reply:
        parts = path.strip("/").split("/")
        if len(parts) != 3 or parts[:2] != ["arenda", "kvartiry"]:
            return _not_found(path)
        slug = parts[2]
        city = REGISTRY.resolve(slug) if slug in _KRISHA_SLUGS else None
        if city is None or city not in self.live.market.cities:
            return _not_found(path)
        if slug != city_slug(city):  # an old alias (nur-sultan) leads to today's
            tail = f"?{raw_query}" if raw_query else ""
            return Reply(301, HTML, b"", {"Location": f"/arenda/kvartiry/{city_slug(city)}/{tail}"})
        page = _page_number(query)
        if page is None:
            return _not_found(path)
        return Reply(200, HTML, render_search_page(self.live.krisha_page(city, page)).encode())


class OlxSite(_Site):
    name = "olx"

    def __init__(self, live: LiveView) -> None:
        super().__init__()
        self.live = live

    def reply(self, path: str, query: dict[str, list[str]], raw_query: str) -> Reply:
        parts = path.strip("/").split("/")
        if len(parts) != 5 or parts[:4] != [
            "d",
            "nedvizhimost",
            "kvartiry",
            "arenda-dolgosrochnaya",
        ]:
            return _not_found(path)
        city = _OLX_SLUGS.get(parts[4])
        page = _page_number(query)
        if city is None or city not in self.live.market.cities or page is None:
            return _not_found(path)
        return Reply(200, HTML, render_olx_page(self.live.olx_page(city, page)).encode())


class ArchiveSite(_Site):
    name = "archive"

    def __init__(self, archive: Archive) -> None:
        super().__init__()
        self.archive = archive

    def reply(self, path: str, query: dict[str, list[str]], raw_query: str) -> Reply:
        if path == "/cdx/search/cdx":
            try:
                content_type, text = self.archive.cdx_response(query)
            except (CdxError, ValueError) as exc:
                return Reply(400, "text/plain; charset=utf-8", f"bad CDX query: {exc}\n".encode())
            return Reply(200, f"{content_type}; charset=utf-8", text.encode())
        if not path.startswith("/web/"):
            return _not_found(path)
        stamp, _, original = path.removeprefix("/web/").partition("/")
        original = unquote(original)
        if original.startswith(("http:/", "https:/")) and "://" not in original:
            original = original.replace(":/", "://", 1)  # a collapsed double slash
        if raw_query:
            original = f"{original}?{unquote(raw_query)}"
        raw = stamp.endswith("id_")
        digits = stamp.removesuffix("id_")
        if not digits.isdigit():
            return _not_found(path)
        capture = self.archive.find(digits, original)
        if capture is None:
            return _not_found(f"no capture of {original}")
        if capture.timestamp != digits or not raw:
            location = f"/web/{capture.timestamp}id_/{capture.original}"
            return Reply(302, HTML, b"", {"Location": location})
        stamp_text = capture.moment.strftime("%a, %d %b %Y %H:%M:%S GMT")
        return Reply(200, HTML, self.archive.body(capture), {"Memento-Datetime": stamp_text})


class _Handler(BaseHTTPRequestHandler):
    site: ClassVar[_Site]
    now: ClassVar[str]  # the sandbox's clock, ISO 8601
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        try:
            reply = self.site.handle(self.path)
        except Exception:  # a bug in the sandbox: answer 500 and keep serving
            logger.exception("sandbox %s failed on %s", self.site.name, self.path)
            reply = Reply(500, "text/plain", b"sandbox error\n")
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("X-Rentwatch-Simulated", "true")
        self.send_header(SIMULATED_NOW_HEADER, self.now)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.site.name, format % args)


class Sandbox:
    """Three loopback servers over one market; a context manager that stops them on exit.

    ``today``: the day the live sites show (default: the market's last day, the sandbox's
    clock); ``ports``: fixed ports per site (``krisha``, ``olx``, ``archive``; 0 or absent:
    any free port).
    """

    def __init__(
        self,
        market: Market,
        *,
        archive: Archive | None = None,
        today: date | None = None,
        live_era: Era = "2025",
        ports: Mapping[str, int] | None = None,
    ) -> None:
        self.market = market
        self.archive = archive or Archive(market)
        self.live = LiveView(market, today=today or cal.MARKET_END, era=live_era)
        self.ports = dict(ports or {})
        unknown = set(self.ports) - {"krisha", "olx", "archive"}
        if unknown:
            raise ValueError(f"no sandbox site named {sorted(unknown)[0]!r}")
        self.sites: dict[str, _Site] = {
            "krisha": KrishaSite(self.live),
            "olx": OlxSite(self.live),
            "archive": ArchiveSite(self.archive),
        }
        self._servers: dict[str, ThreadingHTTPServer] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> Sandbox:
        for name, site in self.sites.items():
            attributes = {"site": site, "now": self.now.isoformat()}
            handler = type(f"{name.title()}Handler", (_Handler,), attributes)
            try:
                server = ThreadingHTTPServer((HOST, self.ports.get(name, 0)), handler)
            except OSError as exc:
                self.stop()
                raise OSError(
                    f"the sandbox's {name} site cannot listen on "
                    f"{HOST}:{self.ports.get(name, 0)}: {exc.strerror}"
                ) from exc
            server.daemon_threads = True
            self._servers[name] = server
            thread = threading.Thread(
                target=server.serve_forever, name=f"sandbox-{name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join()
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def now(self) -> datetime:
        """The sandbox's clock: the moment the live sites show (aware)."""
        return self.live.now

    def base_url(self, site: str) -> str:
        """``http://127.0.0.1:<port>`` of ``site`` (krisha, olx or archive); started only."""
        if site not in self._servers:
            raise RuntimeError(f"the sandbox's {site} server is not running")
        port = self._servers[site].server_address[1]
        return f"http://{HOST}:{port}"

    def scrapy_settings(self) -> dict[str, Any]:
        """Scrapy settings that point the real spiders here, with loopback manners.

        robots.txt is still obeyed; the delays, which protect real sites, are dropped, since
        the only site here is ourselves.
        """
        return {
            "RENTWATCH_KRISHA_BASE_URL": self.base_url("krisha"),
            "RENTWATCH_OLX_BASE_URL": self.base_url("olx"),
            "RENTWATCH_ARCHIVE_BASE_URL": self.base_url("archive"),
            "RENTWATCH_ARCHIVE_DELAY": 0.0,
            "DOWNLOAD_DELAY": 0.0,
            "AUTOTHROTTLE_ENABLED": False,
        }

    def request_counts(self) -> dict[str, dict[str, int]]:
        return {name: dict(site.requests) for name, site in self.sites.items()}
