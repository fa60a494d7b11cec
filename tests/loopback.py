"""A small fake of krisha.kz, olx.kz and the web archive on 127.0.0.1, for crawl tests and benches.

Pages are built from small synthetic templates in the 2022 krisha card format
(``kz_rents/site_structure.md`` §1.3): 20 cards a page, a paginator with the last page,
"Найдено N объявлений". Listings are generated from a seed, so a test knows exactly what a
crawl must find. The server records every path it was asked for, can answer chosen URLs
with a status (403, 468 …), can hold one URL until the test releases it, and serves a
configurable robots.txt.

    site = FakeSites(krisha={"almaty": 45})
    with serve(site) as base_url:
        ...  # point RENTWATCH_KRISHA_BASE_URL at base_url
"""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, unquote, urlsplit

PER_PAGE: Final = 20
DISTRICTS: Final = {
    "almaty": ("Бостандыкский", "Медеуский", "Алмалинский", "Ауэзовский", "Алатауский"),
    "astana": ("Есильский", "Алматы", "Сарыарка", "Байконур", "Нура"),
}
CITY_LABEL: Final = {"almaty": "Алматы", "astana": "Астана"}
SLUG_CITY: Final = {
    "almaty": "almaty", "alma-ata": "almaty", "astana": "astana", "nur-sultan": "astana",
}  # fmt: skip
OLX_PATH: Final = "/d/nedvizhimost/kvartiry/arenda-dolgosrochnaya/"
MONTHS: Final = (
    "янв.", "фев.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сен.", "окт.", "ноя.", "дек.",
)  # fmt: skip
HOLD_TIMEOUT: Final = 60.0  # a held request is answered anyway after this long


@dataclass(frozen=True)
class Listing:
    listing_id: int
    city: str
    rooms: int
    area_m2: int
    floor: int
    floors_total: int
    price: int  # KZT per month
    district: str  # "" for a card whose address names no district


def make_listings(
    city: str, count: int, *, seed: int = 0, first_id: int = 670_000_000
) -> list[Listing]:
    """``count`` plausible listings of ``city`` with distinct ids, the same for the same seed."""
    rng = random.Random(f"{city}-{seed}")
    out = []
    for i in range(count):
        rooms = rng.randint(1, 4)
        floors = rng.randint(5, 20)
        out.append(
            Listing(
                listing_id=first_id + (0 if city == "almaty" else 5_000_000) + i,
                city=city,
                rooms=rooms,
                area_m2=25 + 20 * rooms + rng.randint(0, 15),
                floor=rng.randint(1, floors),
                floors_total=floors,
                price=(150 + 100 * rooms + rng.randint(0, 100)) * 1000,
                district=rng.choice(DISTRICTS[city]),
            )
        )
    return out


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", "&nbsp;")


# What a real card carries besides its data (the raw 2025 page: 77 elements, 12 KB a card):
# the favourites and notes widget, a photo gallery with its sources, paid labels. Classes the
# parser does not read; used with ``weight="real"`` so benchmarks parse pages of real weight.
def _card_extras(lid: int) -> str:
    photo = "https://photos.example/{}/" + f"{lid:012d}" + "/{}-{}.{}"
    caption = (
        f"Фото {lid}: квартира, вид из окна, кухня, санузел, мебель и техника, двор и парковка, "
        "рядом школа, детский сад, остановка транспорта"
    )
    photos = "".join(
        f'<source type="image/webp" srcset="{photo.format("webp", n, "400x300", "webp")} 1x, '
        f"{photo.format('webp', n, '800x600', 'webp')} 2x, "
        f'{photo.format("webp", n, "1200x900", "webp")} 3x">'
        f'<img class="a-card__photo" data-photo-id="{lid}{n}" alt="{caption}" loading="lazy" '
        f'data-full-src="{photo.format("jpg", n, "full", "jpg")}" '
        f'src="{photo.format("jpg", n, "400x300", "jpg")}">'
        for n in range(1, 9)
    )
    actions = "".join(
        f'<button class="a-actions__btn a-actions__btn--{name}" type="button" data-id="{lid}" '
        f'title="{name}"><i class="icon icon-{name}"></i><span class="a-actions__label">'
        f"{name}</span></button>"
        for name in ("favorite", "note", "share", "complain")
    )
    labels = "".join(
        f'<span class="paid-label paid-label--{n}"><i></i><span>Услуга {n}</span>'
        f'<span class="tooltip"><span class="tooltip__text">Описание услуги {n} для '
        f"владельцев объявлений, которые хотят больше просмотров</span></span></span>"
        for n in range(1, 7)
    )
    return (
        f'<div class="a-card__gallery" data-nb="8"><picture>{photos}</picture></div>'
        f'<div class="a-actions">{actions}</div><div class="paid-labels">{labels}</div>'
    )


# The page around the cards on a real page: about 970 elements of header, filter form,
# region list and footer.
def _page_chrome() -> tuple[str, str]:
    options = "".join(f'<option value="{n}">Регион {n}</option>' for n in range(1, 240))
    menu = "".join(
        f'<li class="nav__item"><a class="nav__link" href="/section/{n}/">Раздел {n}</a></li>'
        for n in range(1, 120)
    )
    fields = "".join(
        f'<div class="filter__field"><label for="f{n}">Поле {n}</label>'
        f'<input id="f{n}" name="das[field{n}]" type="text" value=""></div>'
        for n in range(1, 60)
    )
    footer = "".join(
        f'<li><a href="/info/{n}/" class="footer__link">Справка {n}</a></li>' for n in range(1, 90)
    )
    header = (
        f'<header class="header"><ul class="nav">{menu}</ul></header>'
        f'<form class="search-form"><select name="region">{options}</select>{fields}</form>'
    )
    return header, f'<footer class="footer"><ul>{footer}</ul></footer>'


def krisha_card(
    listing: Listing, *, day: datetime, layout: str = "2022", weight: str = "light"
) -> str:
    """One search card as krisha printed it in October 2022 (``layout="broken"``: a redesign
    whose titles no longer say rooms and area; ``layout="redesign"``: every fact still there,
    but the price moved to a ``div.a-card__cost`` the parser does not know; ``weight="real"``:
    with the markup a real card carries besides its data)."""
    if layout == "broken":
        title = "Квартира в аренду"
    else:
        title = (
            f"{listing.rooms}-комнатная квартира, {listing.area_m2} м², "
            f"{listing.floor}/{listing.floors_total} этаж на длительный срок"
        )
    lid = listing.listing_id
    price_class = "a-card__cost" if layout == "redesign" else "a-card__price"
    street = f"Синтетическая {lid % 300}"
    address = f"{listing.district} р-н, {street}" if listing.district else street
    return f"""
<div data-id="{lid}" data-uuid="00000000-0000-0000-0000-{lid:012d}" data-color=""
     class="a-card a-storage-live ddl_product ddl_product_link not-colored is-visible" id="id-{lid}"
     data-product-id="{lid}" data-list-id="main">
  <div class="a-card__inc">
    <a class="a-card__image" href="/a/show/{lid}" rel="nofollow" target="_blank">
      <picture class="is-moderated has-photo">
        <img alt="{title}" src="/photo/{lid}.jpg"></picture></a>
    {_card_extras(lid) if weight == "real" else ""}
    <div class="a-card__descr">
      <div class="a-card__header">
        <div class="a-card__main-info">
          <div class="a-card__header-left">
            <a href="/a/show/{lid}" class="a-card__title " target="_blank">{title}</a>
          </div>
          <div class="{price_class}">
              {_money(listing.price)}&nbsp;<span class="currency-sign offer__currency">〒</span>
          </div>
        </div>
        <div class="a-card__header-body">
          <div class="a-card__wrapper-subtitle">
            <div class="a-card__subtitle ">{address}</div>
          </div>
          <div class="a-card__text-preview">монолитный дом, 2015 г.п., состояние: хорошее</div>
        </div>
      </div>
      <div class="a-card__footer user-owner">
        <div class="a-card__owner user-title-not-pro user-label-owner">
          <span class="a-card__owner-label">
            <div class="owners__label owners__label--yellow label-user-owner">
              <i></i> Хозяин недвижимости</div>
          </span></div>
        <div class="a-card__card-info">
          <div class="card-stats">
            <div class="card-stats__item">{CITY_LABEL[listing.city]}</div>
            <div class="card-stats__item">{day.day} {MONTHS[day.month - 1]}</div>
            <div class="card-stats__item" title="Количество просмотров">
              <span class="fi-eye"></span><span class="a-view-count status-item"></span></div>
          </div>
        </div></div></div></div></div>"""


def krisha_page(
    listings: list[Listing],
    *,
    slug: str,
    page: int,
    total: int,
    day: datetime,
    layout: str = "2022",
    weight: str = "light",
    last: int | None = None,
) -> bytes:
    """One search page: cards, "Найдено …", and a paginator showing the pages near this one
    and the last (as krisha does: never the whole list). ``weight="real"``: cards and page
    chrome of a real page's size (the raw 2025 page: 395 KB, 2,736 elements); tests use the
    light pages, the crawl benchmark both."""
    last = max(1, last or math.ceil(total / PER_PAGE))
    cards = listings[(page - 1) * PER_PAGE : page * PER_PAGE]
    base = f"/arenda/kvartiry/{slug}/?das[rent.period]=2"
    shown = sorted({1, last, *range(max(1, page - 3), min(last, page + 4) + 1)})
    buttons = []
    for n in shown:
        active = " paginator__btn--active" if n == page else ""
        href = base if n == 1 else f"{base}&amp;page={n}"
        buttons.append(f'<a class="paginator__btn{active}" href="{href}" data-page="{n}">{n}</a>')
    if page < last:
        buttons.append(
            f'<a class="paginator__btn paginator__btn--next" href="{base}&amp;page={page + 1}" '
            f'data-page="{page + 1}"><div class="paginator__btn-text">Дальше</div></a>'
        )
    jsdata = json.dumps(
        {
            "search": {
                "currentPage": page,
                "nbTotal": f"{total:,}".replace(",", " "),
                "parameters": {"regionAlias": slug, "das[rent.period]": "2", "page": str(page)},
            }
        },
        ensure_ascii=False,
    )
    rendered = [krisha_card(c, day=day, layout=layout, weight=weight) for c in cards]
    header, footer = _page_chrome() if weight == "real" else ("", "")
    paginator = f'<nav class="paginator">{"".join(buttons)}</nav>' if last > 1 else ""
    html = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Аренда квартир</title>
<script id="jsdata">var data = {jsdata};</script></head>
<body>{header}<div class="page-title"><h1>Аренда квартиры на длительный срок</h1></div>
<div class="a-search-subtitle search-results-nb">
  Найдено <span>{_money(total)}</span> объявлений</div>
<section class="a-list a-search-list a-list-with-favs">{"".join(rendered)}
</section>{paginator}{footer}</body></html>"""
    return html.encode("utf-8")


def olx_page(listings: list[Listing], *, page: int, day: datetime) -> bytes:
    """One olx search page: the ads in ``window.__PRERENDERED_STATE__``, a JSON text written
    as a JS string literal (the shape :mod:`scrapers.parse.olx` documents)."""
    last = max(1, math.ceil(len(listings) / PER_PAGE))
    ads = [
        {
            "id": item.listing_id,
            "title": f"{item.rooms}-комнатная квартира, {item.area_m2} м², "
            f"{item.floor}/{item.floors_total} этаж",
            "url": f"/d/obyavlenie/kvartira-ID{item.listing_id}.html",
            "price": {
                "regularPrice": {"value": item.price, "currencyCode": "KZT", "negotiable": False},
                "displayValue": f"{item.price:,} тг.".replace(",", " "),
            },
            "params": [
                {"key": "number_of_rooms", "normalizedValue": str(item.rooms)},
                {"key": "total_area", "normalizedValue": str(item.area_m2)},
                {"key": "floor", "normalizedValue": str(item.floor)},
                {"key": "total_floors", "normalizedValue": str(item.floors_total)},
            ],
            "location": {
                "cityName": CITY_LABEL[item.city],
                "districtName": f"{item.district} район",
            },
            "lastRefreshTime": day.isoformat(),
            "isBusiness": False,
        }
        for item in listings[(page - 1) * PER_PAGE : page * PER_PAGE]
    ]
    state = {"listing": {"listing": {"ads": ads, "totalPages": last, "currentPage": page}}}
    script = f"window.__PRERENDERED_STATE__= {json.dumps(json.dumps(state, ensure_ascii=False))};"
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<script id="olx-init-config">{script}</script></body></html>"""
    return html.encode("utf-8")


CHALLENGE_PAGE: Final = (
    b"<!DOCTYPE html><html><head><title>Checking your browser</title>"
    b'<script src="/.safeline/static/favicon.js"></script></head>'
    b'<body><div id="sl-check">SafeLine</div></body></html>'
)


@dataclass(frozen=True)
class Capture:
    """A page the fake archive holds: a krisha search page as it was at ``timestamp``."""

    timestamp: datetime
    original: str  # e.g. "https://krisha.kz/arenda/kvartiry/nur-sultan/?das[rent.period]=2"
    listings: tuple[Listing, ...]

    @property
    def stamp(self) -> str:
        return self.timestamp.strftime("%Y%m%d%H%M%S")

    @property
    def digest(self) -> str:
        return f"D{self.stamp}{zlib.crc32(self.original.encode()):08X}"


@dataclass
class FakeSites:
    """What the fake server serves; tests mutate ``blocked``/``hold`` before serving."""

    krisha: dict[str, int] = field(default_factory=dict)  # slug -> listings
    olx: dict[str, int] = field(default_factory=dict)  # slug -> listings
    captures: list[Capture] = field(default_factory=list)
    robots: str = "User-agent: *\nDisallow: /cabinet/\n"
    layout: str = "2022"
    # The site changes its markup mid-crawl: krisha search pages after this many are served
    # in ``switched_layout`` (whichever pages those are).
    switch_layout_after: int | None = None
    switched_layout: str = "redesign"
    weight: str = "light"  # "real": pages of a real krisha page's size (benchmarks)
    seed: int = 0
    blocked: dict[str, int] = field(default_factory=dict)  # URL substring -> status
    errors: dict[str, int] = field(default_factory=dict)  # URL substring -> plain error status
    empty: str | None = None  # URL substring answered with a page of no cards (same total)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # URL substring -> headers
    robots_status: int = 200
    body_override: dict[str, bytes] = field(default_factory=dict)  # URL substring -> body
    # krisha search pages sent in this charset, named only in the Content-Type header (the
    # page's own <meta charset> removed), as a server whose pages do not declare it would.
    encoding: str | None = None
    paginator: bool = True  # False: the paginator's class renamed, as a redesign might
    cut_once: str | None = None  # URL substring whose first krisha answer is cut in half
    hold: str | None = None  # URL substring answered only after `release` is set
    release: threading.Event = field(default_factory=threading.Event)
    held: threading.Event = field(default_factory=threading.Event)  # set when `hold` arrives
    day: datetime = field(default_factory=lambda: datetime.now(UTC))
    requests: list[str] = field(default_factory=list)
    cookies: list[tuple[str, str | None]] = field(default_factory=list)  # (target, Cookie header)
    _listings: dict[str, list[Listing]] = field(default_factory=dict)
    _search_pages_served: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def listings(self, site: str, slug: str) -> list[Listing]:
        key = f"{site}/{slug}"
        if key not in self._listings:
            count = (self.krisha if site == "krisha" else self.olx)[slug]
            first_id = 670_000_000 if site == "krisha" else 800_000_000
            self._listings[key] = make_listings(
                SLUG_CITY[slug], count, seed=self.seed, first_id=first_id
            )
        return self._listings[key]

    def answer(self, target: str, cookie: str | None = None) -> tuple[int, str, bytes]:
        """(status, content type, body) for a request target (path and query)."""
        self.requests.append(target)
        self.cookies.append((target, cookie))
        for fragment, status in self.blocked.items():
            if fragment in target:
                return status, "text/html", CHALLENGE_PAGE
        for fragment, status in self.errors.items():
            if fragment in target:
                return status, "text/html", b"<html><body>error</body></html>"
        for fragment, body in self.body_override.items():
            if fragment in target:
                return 200, "text/html; charset=utf-8", body
        if self.hold is not None and self.hold in target:
            self.held.set()
            self.release.wait(HOLD_TIMEOUT)
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        path = parts.path
        page = int(query.get("page", ["1"])[0])
        if path == "/robots.txt":
            return self.robots_status, "text/plain", self.robots.encode()
        if path.startswith("/arenda/kvartiry/"):
            slug = path.split("/")[3]
            if slug not in self.krisha:
                return 404, "text/html", b"not found"
            items = self.listings("krisha", slug)
            shown = [] if self.empty is not None and self.empty in target else items
            body = krisha_page(
                shown,
                slug=slug,
                page=page,
                total=len(items),
                day=self.day,
                layout=self._layout_now(),
                last=math.ceil(len(items) / PER_PAGE),
                weight=self.weight,
            )
            if self.cut_once is not None and self.cut_once in target:
                self.cut_once = None
                body = body[: len(body) // 2]
            if not self.paginator:
                body = body.replace(b'class="paginator"', b'class="pager"')
            if self.encoding is not None:
                text = body.decode().replace('<meta charset="utf-8">', "")
                return (
                    200,
                    f"text/html; charset={self.encoding}",
                    text.encode(self.encoding, "xmlcharrefreplace"),
                )
            return 200, "text/html; charset=utf-8", body
        if path.startswith(OLX_PATH):
            slug = path.removeprefix(OLX_PATH).strip("/")
            if slug not in self.olx:
                return 404, "text/html", b"not found"
            body = olx_page(self.listings("olx", slug), page=page, day=self.day)
            return 200, "text/html; charset=utf-8", body
        if path == "/cdx/search/cdx":
            return 200, "application/json", self.cdx(query)
        if path.startswith("/web/"):
            return self.capture(target)
        return 404, "text/html", b"not found"

    def _layout_now(self) -> str:
        """The layout of the krisha search page being served now (counts it)."""
        with self._lock:
            self._search_pages_served += 1
            served = self._search_pages_served
        if self.switch_layout_after is not None and served > self.switch_layout_after:
            return self.switched_layout
        return self.layout

    def cdx(self, query: dict[str, list[str]]) -> bytes:
        """The CDX API's JSON: a header row, then one row per capture under the URL prefix."""
        prefix = query["url"][0]
        low, high = query["from"][0].ljust(14, "0"), query["to"][0].ljust(14, "9")
        rows: list[list[str]] = [["timestamp", "original", "statuscode", "digest"]]
        for c in self.captures:
            bare = c.original.split("://", 1)[-1].removeprefix("www.")
            if bare.startswith(prefix) and low <= c.stamp <= high:
                rows.append([c.stamp, c.original, "200", c.digest])
        return json.dumps(rows).encode()

    def capture(self, target: str) -> tuple[int, str, bytes]:
        stamp, _, original = target.removeprefix("/web/").partition("/")
        for c in self.captures:
            if f"{c.stamp}id_" == stamp and unquote(c.original) == unquote(original):
                slug = urlsplit(original).path.split("/")[3]
                listings = list(c.listings)
                body = krisha_page(
                    listings, slug=slug, page=1, total=len(listings), day=c.timestamp
                )
                return 200, "text/html; charset=utf-8", body
        return 404, "text/html", b"not in the archive"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        cookie = self.headers.get("Cookie")
        sites = self.server.sites
        status, content_type, body = sites.answer(self.path, cookie)
        self.send_response(status)
        for fragment, extra in sites.headers.items():
            if fragment in self.path:
                for name, value in extra.items():
                    self.send_header(name, value)
        if cookie is None:
            # A session cookie, as the firewall sets one: a fresh session comes without it.
            self.send_header("Set-Cookie", "sl-session=s1; Path=/")
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read ``FakeSites.requests`` instead."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sites: FakeSites) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.sites = sites


@contextmanager
def serve(sites: FakeSites) -> Iterator[str]:
    """Serve ``sites`` on an ephemeral loopback port; yields the base URL."""
    server = _Server(sites)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        sites.release.set()
        server.shutdown()
        server.server_close()


def crawl_env(
    workdir: Path,
    base_url: str,
    *,
    cities: Sequence[str] = ("almaty", "astana"),
    **crawl: object,
) -> dict[str, str]:
    """Environment for a `rentwatch` subprocess that crawls ``base_url`` with no delays.

    ``cities`` is the default crawl list (the fake sites serve Almaty and Astana);
    ``crawl`` overrides ``[crawl]`` settings (``min_items=5`` → ``RENTWATCH_CRAWL__MIN_ITEMS``).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENTWATCH_")}
    settings: dict[str, object] = {
        "krisha_base_url": base_url,
        "olx_base_url": base_url,
        "archive_base_url": base_url,
        "download_delay": 0,
        "archive_delay": 0,
        "autothrottle": "false",
        "backoff_start": 0,
        "log_level": "WARNING",
        **crawl,
    }
    env.update({f"RENTWATCH_CRAWL__{k.upper()}": str(v) for k, v in settings.items()})
    env["RENTWATCH_CITIES__CRAWL"] = json.dumps(list(cities))
    env["RENTWATCH_DB"] = str(workdir / "rentwatch.duckdb")
    return env


def rentwatch(
    *args: str, env: dict[str, str], cwd: Path, **popen: Any
) -> subprocess.CompletedProcess[str]:
    """Run the `rentwatch` command in a subprocess, as cron would."""
    return subprocess.run(
        [sys.executable, "-m", "rentwatch.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **popen,
    )
