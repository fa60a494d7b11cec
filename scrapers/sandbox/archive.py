"""The web archive's view of the simulated market: captures of krisha search pages and a CDX index.

A capture is one archived fetch of one search page (page 1, 2, 3 … of a city's long-term rent
list) at a UTC timestamp; its body is the page rendered from the market at that moment, in the
markup of its era and with the city's alias of its day (``nur-sultan`` before the switch,
``astana`` after). The schedule is irregular, as the real archive's is: nominally a few
captures a week, some weeks skipped, later pages captured less often; and thinner for the
smaller cities (:func:`capture_plan`), whose few listings fit on fewer pages anyway.

The CDX answers follow the Wayback CDX server's conventions (``kz_rents/site_structure.md``
§3): ``url`` with ``matchType`` exact/prefix (or a trailing ``*``), ``from``/``to`` (1–14 digit
timestamps, inclusive), ``filter=[!]field:regex`` (repeatable), ``collapse=field[:N]`` (adjacent
duplicates only), ``fl``, ``limit`` (negative: the last N), ``offset`` and ``output=json``
(first row = field names). Columns: urlkey, timestamp, original, mimetype, statuscode, digest
(base32 SHA-1 of the body), length.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Final
from urllib.parse import parse_qsl, unquote, urlsplit

from scrapers.sandbox import calibration as cal
from scrapers.sandbox.country import CityModel, stream
from scrapers.sandbox.krisha_pages import (
    HOT_CARDS,
    PER_PAGE,
    SearchPage,
    city_slug,
    era_of,
    render_search_page,
    search_path,
)
from scrapers.sandbox.market import LOCAL, Market, market_time

KRISHA_ORIGIN: Final = "https://krisha.kz"
CDX_FIELDS: Final = (
    "urlkey",
    "timestamp",
    "original",
    "mimetype",
    "statuscode",
    "digest",
    "length",
)
TIMESTAMP_FORMAT: Final = "%Y%m%d%H%M%S"
SKIP_SHARE: Final = 0.1  # nominal captures the archive never made
LATER_PAGE_KEEP: Final = 0.85  # page k is captured with probability LATER_PAGE_KEEP ** (k - 1)
# New listings a day (at scale 1) from which a city is captured as often as the archive's
# settings say; below it once a week, two pages; below SMALL_CITY once a week, page 1.
# Bodies kept between a CDX answer and the fetches of its captures (about 50 KB each).
KEEP_BODIES: Final = 1_000
BIG_CITY: Final = 30.0
SMALL_CITY: Final = 8.0


def capture_plan(model: CityModel, per_week: int, pages: int) -> tuple[int, int]:
    """(captures a week, pages a capture) of one city: the settings for the big cities, fewer
    for the others (the archive's crawler visited small towns' pages less, and a thin city's
    newest 20 or 40 cards already hold its week's new listings)."""
    if model.arrivals_per_day >= BIG_CITY:
        return per_week, pages
    if model.arrivals_per_day >= SMALL_CITY:
        return 1, min(pages, 2)
    return 1, 1


@dataclass(frozen=True)
class Capture:
    """One archived fetch of one krisha search page."""

    timestamp: str  # 14 digits, UTC
    original: str  # the URL as archived
    city: str
    slug: str
    page: int

    @property
    def moment(self) -> datetime:
        return datetime.strptime(self.timestamp, TIMESTAMP_FORMAT).replace(tzinfo=UTC)


def urlkey(url: str) -> str:
    """A SURT-style key: ``kz,krisha)/arenda/kvartiry/almaty?das[rent.period]=2&page=2``."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = (parts.hostname or "").removeprefix("www.")
    path = unquote(parts.path).rstrip("/") or "/"
    query = "&".join(
        f"{k}={v}" for k, v in sorted(parse_qsl(unquote(parts.query), keep_blank_values=True))
    )
    return f"{','.join(reversed(host.split('.')))}){path.lower()}" + (f"?{query}" if query else "")


def _bare(url: str) -> str:
    """A URL without scheme and ``www.``, decoded: what CDX ``url=`` matching compares."""
    text = unquote(url)
    text = re.sub(r"^[a-z]+:/+", "", text, flags=re.IGNORECASE)
    return text.removeprefix("www.")


class Archive:
    """The captures of one market between ``first`` and ``last`` (local days, inclusive)."""

    def __init__(
        self,
        market: Market,
        *,
        first: date = cal.ARCHIVE_FROM,
        last: date = cal.ARCHIVE_TO,
        per_week: int = 2,
        pages: int = 3,
    ) -> None:
        if not 1 <= per_week <= 7:
            raise ValueError(f"captures per week must be 1 to 7, got {per_week}")
        if pages < 1:
            raise ValueError("an archive captures at least page 1")
        self.market = market
        self.captures = self._schedule(first, last, per_week, pages)
        self._by_key = {(c.timestamp, _bare(c.original)): c for c in self.captures}
        self._by_url: dict[str, list[Capture]] = {}
        for capture in self.captures:
            self._by_url.setdefault(_bare(capture.original), []).append(capture)
        self._digests: dict[Capture, tuple[str, int]] = {}
        # Bodies rendered for a CDX answer's digests, kept for the fetch that usually follows.
        self._bodies: OrderedDict[Capture, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def _schedule(self, first: date, last: date, per_week: int, pages: int) -> list[Capture]:
        captures: list[Capture] = []
        for city in self.market.cities:
            city_week, city_pages = capture_plan(self.market.models[city], per_week, pages)
            captures += self._city_schedule(city, first, last, city_week, city_pages)
        return sorted(captures, key=lambda c: (urlkey(c.original), c.timestamp))

    def _city_schedule(
        self, city: str, first: date, last: date, per_week: int, pages: int
    ) -> list[Capture]:
        """One city's captures, from its own random stream."""
        rng = stream(self.market.config.seed, 0xA4C, city)
        weekdays = {round(i * 7 / per_week) for i in range(per_week)}  # Monday = 0, spread out
        captures: list[Capture] = []
        day = first
        while day <= last:
            if day.weekday() in weekdays and rng.random() >= SKIP_SHARE:
                start = datetime.combine(day, time(), LOCAL)
                moment = (start + timedelta(seconds=int(rng.integers(0, 86_400)))).astimezone(UTC)
                slug = city_slug(city, day)
                for page in range(1, pages + 1):
                    if page > 1 and rng.random() >= LATER_PAGE_KEEP ** (page - 1):
                        break
                    moment += timedelta(seconds=int(rng.integers(3, 40)))
                    captures.append(Capture(
                        moment.strftime(TIMESTAMP_FORMAT),
                        KRISHA_ORIGIN + search_path(slug, page), city, slug, page,
                    ))  # fmt: skip
            day += timedelta(days=1)
        return captures

    # --- bodies -----------------------------------------------------------------------------

    def page_spec(self, capture: Capture) -> SearchPage:
        """What the capture shows: the market at its moment, in its era's markup."""
        day = capture.moment.astimezone(LOCAL).date()
        visible = self.market.visible("krisha", capture.city, market_time(capture.moment))
        cards = self.market.cards(visible, (capture.page - 1) * PER_PAGE, PER_PAGE)
        hot = tuple(self.market.cards(visible, 0, HOT_CARDS))
        return SearchPage(capture.city, capture.slug, capture.page, len(visible), cards, day,
                          era_of(day), hot)  # fmt: skip

    def body(self, capture: Capture) -> bytes:
        """The capture's bytes (rendered again unless a recent CDX answer kept them)."""
        with self._lock:
            kept = self._bodies.pop(capture, None)
        return kept if kept is not None else self._render(capture)

    def _render(self, capture: Capture) -> bytes:
        return render_search_page(self.page_spec(capture)).encode("utf-8")

    def digest(self, capture: Capture) -> tuple[str, int]:
        """(base32 SHA-1 of the body, its length): computed once per capture."""
        known = self._digests.get(capture)
        if known is not None:
            return known
        body = self._render(capture)
        sha1 = base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")
        with self._lock:
            self._digests[capture] = (sha1, len(body))
            self._bodies[capture] = body
            while len(self._bodies) > KEEP_BODIES:
                self._bodies.popitem(last=False)
        return sha1, len(body)

    def find(self, timestamp: str, original: str) -> Capture | None:
        """The capture of ``original`` at exactly ``timestamp``, else the nearest one in time."""
        bare = _bare(original)
        exact = self._by_key.get((timestamp, bare))
        if exact is not None:
            return exact
        candidates = self._by_url.get(bare)
        if not candidates:
            return None
        wanted = timestamp.ljust(14, "0")
        ordered = sorted(candidates, key=lambda c: c.timestamp)
        i = bisect.bisect_left([c.timestamp for c in ordered], wanted)
        near = [ordered[j] for j in (i - 1, i) if 0 <= j < len(ordered)]
        return min(near, key=lambda c: abs(int(c.timestamp) - int(wanted)))

    # --- CDX --------------------------------------------------------------------------------

    @cached_property
    def _urlkeys(self) -> dict[Capture, str]:
        return {c: urlkey(c.original) for c in self.captures}

    def cdx_rows(self, params: Mapping[str, Sequence[str]]) -> list[dict[str, str]]:
        """The rows a CDX query selects, in CDX order (urlkey, then timestamp)."""
        url = _one(params, "url")
        if not url:
            raise CdxError("url is required")
        match_type = _one(params, "matchType") or "exact"
        if url.endswith("*"):
            url, match_type = url[:-1], "prefix"
        wanted = _bare(url)
        start = (_one(params, "from") or "").ljust(14, "0")
        end = (_one(params, "to") or "99999999999999").ljust(14, "9")
        filters = [_compile_filter(f) for f in params.get("filter", [])]
        rows: list[dict[str, str]] = []
        for capture in self.captures:
            bare = _bare(capture.original)
            if match_type == "exact" and bare.rstrip("/") != wanted.rstrip("/"):
                continue
            if match_type == "prefix" and not bare.startswith(wanted):
                continue
            if match_type in ("host", "domain") and not bare.startswith(wanted.split("/")[0]):
                continue
            if not start <= capture.timestamp <= end:
                continue
            row = self._row(capture)
            if all(keep(row) for keep in filters):
                rows.append(row)
        rows = _collapse(rows, params.get("collapse", []))
        offset = int(_one(params, "offset") or 0)
        rows = rows[offset:]
        limit = _one(params, "limit")
        if limit:
            n = int(limit)
            rows = rows[n:] if n < 0 else rows[:n]
        return rows

    def _row(self, capture: Capture) -> dict[str, str]:
        sha1, length = self.digest(capture)
        return {
            "urlkey": self._urlkeys[capture],
            "timestamp": capture.timestamp,
            "original": capture.original,
            "mimetype": "text/html",
            "statuscode": "200",
            "digest": sha1,
            "length": str(length),
        }

    def cdx_response(self, params: Mapping[str, Sequence[str]]) -> tuple[str, str]:
        """(content type, body) of a CDX query, as text lines or as JSON."""
        rows = self.cdx_rows(params)
        fields = [f for f in (_one(params, "fl") or ",".join(CDX_FIELDS)).split(",") if f]
        unknown = [f for f in fields if f not in CDX_FIELDS]
        if unknown:
            raise CdxError(f"unknown field {unknown[0]}")
        table = [[row[f] for f in fields] for row in rows]
        if _one(params, "output") == "json":
            return "application/json", json.dumps([fields, *table]) if table else "[]"
        return "text/plain", "".join(" ".join(line) + "\n" for line in table)


class CdxError(ValueError):
    """A CDX query the server cannot answer (HTTP 400)."""


def _one(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def _compile_filter(spec: str) -> _Filter:
    negate = spec.startswith("!")
    field, _, pattern = spec.lstrip("!").partition(":")
    if field not in CDX_FIELDS:
        raise CdxError(f"unknown filter field {field}")
    return _Filter(field, re.compile(pattern), negate)


@dataclass(frozen=True)
class _Filter:
    field: str
    pattern: re.Pattern[str]
    negate: bool

    def __call__(self, row: Mapping[str, str]) -> bool:
        return bool(self.pattern.fullmatch(row[self.field])) != self.negate


def _collapse(rows: list[dict[str, str]], specs: Iterable[str]) -> list[dict[str, str]]:
    for spec in specs:
        field, _, width = spec.partition(":")
        if field not in CDX_FIELDS:
            raise CdxError(f"unknown collapse field {field}")
        n = int(width) if width else None
        kept: list[dict[str, str]] = []
        previous: str | None = None
        for row in rows:
            key = row[field][:n] if n else row[field]
            if key != previous:
                kept.append(row)
            previous = key
        rows = kept
    return rows
