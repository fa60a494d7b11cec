"""olx.kz search page -> :class:`ParsedPage` of listing snapshots.

No real olx.kz page is at hand (``kz_rents/site_structure.md`` §2 describes the platform from
other OLX sites' code), so this module states exactly the shape it reads; the sandbox renders
simulated olx pages in this shape, and the tests use small synthetic pages.

The state
---------
A ``<script id="olx-init-config">`` holds the line::

    window.__PRERENDERED_STATE__= "<the state as JSON text, written as a JS string literal>";

It is decoded twice: the string literal (JSON string escapes; ``\\xNN`` and ``\\'`` are
accepted too), then the JSON text. The parser reads::

    state.listing.listing = {
      "ads": [ad, …],                  # the search results, in page order
      "totalPages": 25,                # -> ParsedPage.last_page
      "totalElements": 1234,           # optional -> ParsedPage.total
      "currentPage": 2                 # optional (also "pageNumber") -> ParsedPage.page
    }
    ad = {
      "id": 123456789,                 # number or digit string -> listing_id
      "title": "2-комнатная квартира, 54 м², 5/9 этаж",
      "url": "https://www.olx.kz/d/obyavlenie/…-ID…html",   # relative is joined to base_url
      "price": {
        "regularPrice": {"value": 250000, "currencyCode": "KZT", "negotiable": false},
        "displayValue": "250 000 тг."  # optional; "Договорная" when regularPrice is null
      },
      "params": [{"key": "number_of_rooms", "name": "Количество комнат",
                  "value": "2 комнаты", "normalizedValue": "2"}, …],
      "location": {"cityName": "Алматы", "districtName": "Бостандыкский район"},
      "lastRefreshTime": "2022-10-13T11:32:28+06:00",   # -> bumped_on (local date)
      "createdTime": "2022-10-01T09:00:00+06:00",       # used when lastRefreshTime is absent
      "isBusiness": false,             # optional: true -> owner_type "company", false -> "owner"
      "isPromoted": false              # optional: true -> ParsedPage.promoted_ids
    }

Param keys (``normalizedValue`` first, else the digits of ``value``): rooms
``number_of_rooms`` (or ``rooms``; ``"one"``…``"ten"`` are understood), total area m²
``total_area`` (or ``area``, ``m``), floor ``floor`` (or ``floor_select``, e.g.
``"floor_3"``), floors in the building ``total_floors`` (or ``floors``,
``number_of_floors``). A missing param falls back to the title (see
:mod:`scrapers.parse.title`).

The period: the olx spiders crawl the long-term category (``arenda-dolgosrochnaya``), so an
ad's rent is monthly unless its title or price text says daily or hourly.

Without the state, the cards' HTML is read instead (``div[data-cy="l-card"]``: its ``id``,
the title ``h6``/``h4``, ``p[data-testid="ad-price"]``, ``p[data-testid="location-date"]``
``"Алматы, Бостандыкский район - Сегодня в 21:54"``; the paginator's
``pagination-link-N`` items and ``div[data-testid="total-count"]``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from urllib.parse import urljoin

from lxml import etree

from scrapers.items import NO_SEARCH, ListingSnapshot, OwnerType, ParsedPage, PricePeriod
from scrapers.parse.dates import local_date, parse_card_date
from scrapers.parse.markup import load_html, squash, text_of, without_phones
from scrapers.parse.period import period_in
from scrapers.parse.price import Price, parse_price
from scrapers.parse.rejected import Rejected
from scrapers.parse.snapshot import build_snapshot
from scrapers.parse.title import TitleFacts, checked, parse_title
from scrapers.parse.values import as_dict, as_int, as_list
from warehouse.records import CURRENCIES, MAX_PRICE, canonical_city

SOURCE: Final = "olx"
# Stamped on every observation this parser derives; `rentwatch reparse` replaces the rows of
# an older version with its own. Bump it with any change to what this module (or a field
# parser it calls) reads out of a page; tests/test_parser_versions.py fails until you do.
PARSER_VERSION: Final = 1
OLX_URL: Final = "https://www.olx.kz"
LONG_TERM: Final[PricePeriod] = "month"
PARAM_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "rooms": ("number_of_rooms", "rooms"),
    "area_m2": ("total_area", "area", "m"),
    "floor": ("floor", "floor_select"),
    "floors_total": ("total_floors", "floors", "number_of_floors"),
}
_WORD_NUMBERS: Final = {
    w: n
    for n, w in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    )
}

_INIT_CONFIG: Final = etree.XPath("id('olx-init-config')")
_ANY_SCRIPT: Final = etree.XPath("descendant::script[contains(., '__PRERENDERED_STATE__')][1]")
_STATE_ASSIGNMENT: Final = re.compile(r'__PRERENDERED_STATE__\s*=\s*(?=")')
# One escape sequence of a JS string: JSON's own are kept, \xNN and \' are rewritten.
_JS_ESCAPE: Final = re.compile(r"\\(x[0-9a-fA-F]{2}|.)", re.DOTALL)
_NUMBER: Final = re.compile(r"-?\d{1,6}(?:[.,]\d{1,2})?")
_AD_CODE: Final = re.compile(r"-ID(\w+)\.html")

_CARDS: Final = etree.XPath("descendant::div[@data-cy='l-card']")
_CARD_TITLE: Final = etree.XPath(
    "(descendant::*[@data-cy='ad-card-title']//*[self::h6 or self::h4] "
    "| descendant::h6 | descendant::h4)[1]"
)
_CARD_LINK: Final = etree.XPath("descendant::a[@href][1]/@href")
_CARD_PRICE: Final = etree.XPath("descendant::p[@data-testid='ad-price'][1]")
_CARD_PLACE: Final = etree.XPath("descendant::p[@data-testid='location-date'][1]")
_CARD_FEATURED: Final = etree.XPath("descendant::*[@data-testid='adCard-featured']")
_PAGE_LINKS: Final = etree.XPath("descendant::*[starts-with(@data-testid, 'pagination-link-')]")
_TOTAL_COUNT: Final = etree.XPath("descendant::*[@data-testid='total-count'][1]")


@dataclass(frozen=True, slots=True)
class _Page:
    observed_at: datetime
    city: str | None
    base_url: str


def parse_search_page(
    html: bytes | str,
    observed_at: datetime,
    *,
    city: str | None = None,
    seen_ids: Collection[str] = (),
    base_url: str = OLX_URL,
) -> ParsedPage:
    """Parse one olx.kz search page. Money is whole units of ``currency`` per ``price_period``.

    Arguments as for :func:`scrapers.parse.krisha.parse_search_page`: ``city`` is used when an
    ad names none, ``seen_ids`` drops ids taken from earlier pages (``duplicate_id``).
    """
    root = load_html(html)
    context = _Page(observed_at, canonical_city(city) if city else None, base_url)
    state = _state(root)
    if state is not None:
        listing = as_dict(as_dict(state.get("listing")).get("listing"))
        return _collect(
            ((_ad_id(ad), ad) for ad in map(as_dict, as_list(listing.get("ads")))),
            lambda ad: _from_ad(ad, context),
            lambda ad: ad.get("isPromoted") is True,
            seen_ids,
            page=as_int(listing.get("currentPage")) or as_int(listing.get("pageNumber")),
            last_page=as_int(listing.get("totalPages")),
            total=as_int(listing.get("totalElements")),
        )
    links = [as_int(text_of(link)) for link in _PAGE_LINKS(root)]
    totals = _TOTAL_COUNT(root)
    if not _CARDS(root) and not totals and not links:
        return ParsedPage(snapshots=[], problem=NO_SEARCH)
    return _collect(
        ((_card_id(card), card) for card in _CARDS(root)),
        lambda card: _from_card(card, context),
        lambda card: bool(_CARD_FEATURED(card)),
        seen_ids,
        page=None,
        last_page=max((n for n in links if n is not None), default=None),
        total=as_int(text_of(totals[0])) if totals else None,
    )


def _collect(
    entries: Iterable[tuple[str | None, Any]],
    parse: Callable[[Any], ListingSnapshot | Rejected],
    is_promoted: Callable[[Any], bool],
    seen_ids: Collection[str],
    *,
    page: int | None,
    last_page: int | None,
    total: int | None,
) -> ParsedPage:
    """Dedupe, parse and count one page's ads (from the state or from the cards' HTML)."""
    snapshots: list[ListingSnapshot] = []
    dropped: Counter[str] = Counter()
    taken: set[str] = set()
    promoted: set[str] = set()
    seen = 0
    for listing_id, entry in entries:
        seen += 1
        if listing_id is None:
            dropped["bad_id"] += 1
            continue
        if is_promoted(entry):
            promoted.add(listing_id)
        if listing_id in taken or listing_id in seen_ids:
            dropped["duplicate_id"] += 1
            continue
        outcome = parse(entry)
        if isinstance(outcome, Rejected):
            dropped[outcome.reason] += 1
            continue
        taken.add(listing_id)
        snapshots.append(outcome)
    return ParsedPage(
        snapshots=snapshots,
        dropped=dropped,
        page=page,
        last_page=last_page,
        total=total,
        cards_seen=seen,
        promoted_ids=frozenset(promoted),
    )


def _state(root: etree._Element) -> dict[str, Any] | None:
    """The decoded ``__PRERENDERED_STATE__``, or None when the page has none we can read."""
    scripts = _INIT_CONFIG(root) or _ANY_SCRIPT(root)
    text = scripts[0].text if scripts else None
    if not text:
        return None
    assignment = _STATE_ASSIGNMENT.search(text)
    if assignment is None:
        return None
    literal = _string_literal(text, assignment.end())
    if literal is None:
        return None
    try:
        state = json.loads(literal)
    except ValueError:
        return None
    return state if isinstance(state, dict) else None


def _string_literal(text: str, start: int) -> str | None:
    """Decode the JS string literal at ``start`` (JSON escapes, plus ``\\xNN`` and ``\\'``)."""
    try:
        value, _ = json.JSONDecoder().raw_decode(text, start)
    except ValueError:
        end = _closing_quote(text, start + 1)
        if end is None:
            return None
        try:
            value = json.loads(f'"{_JS_ESCAPE.sub(_as_json_escape, text[start + 1 : end])}"')
        except ValueError:
            return None
    return value if isinstance(value, str) else None


def _as_json_escape(match: re.Match[str]) -> str:
    escaped = match[1]
    if escaped.startswith("x"):
        return f"\\u00{escaped[1:]}"
    return "'" if escaped == "'" else match[0]


def _closing_quote(text: str, position: int) -> int | None:
    while position < len(text):
        char = text[position]
        if char == "\\":
            position += 2
            continue
        if char == '"':
            return position
        position += 1
    return None


def _ad_id(ad: dict[str, Any]) -> str | None:
    value = ad.get("id")
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    return text if text.isdigit() else None


def _from_ad(ad: dict[str, Any], page: _Page) -> ListingSnapshot | Rejected:
    listing_id = _ad_id(ad)
    assert listing_id is not None  # _collect drops ads without one
    title = without_phones(squash(ad.get("title") if isinstance(ad.get("title"), str) else None))
    price_info = as_dict(ad.get("price"))
    price = _regular_price(price_info)
    if isinstance(price, Rejected):
        return price
    title_facts = parse_title(title)
    params = _params(as_list(ad.get("params")))
    facts = checked(
        TitleFacts(
            rooms=_param_int(params, "rooms", _fallback(title_facts, "rooms")),
            area_m2=_param_area(params, _fallback(title_facts, "area_m2")),
            floor=_param_int(params, "floor", _fallback(title_facts, "floor")),
            floors_total=_param_int(params, "floors_total", _fallback(title_facts, "floors_total")),
            period=None,
        )
    )
    if isinstance(facts, Rejected):
        return facts
    location = as_dict(ad.get("location"))
    city = _city(location.get("cityName"), page)
    if isinstance(city, Rejected):
        return city
    district_name = location.get("districtName")
    district_raw = squash(district_name if isinstance(district_name, str) else None) or None
    display = str(price_info.get("displayValue") or "")
    period = period_in(display) or (
        title_facts.period if isinstance(title_facts, TitleFacts) else None
    )
    business = ad.get("isBusiness")
    url = ad.get("url")
    return build_snapshot(
        SOURCE,
        listing_id,
        city=city,
        district_raw=district_raw,
        facts=facts,
        price=price,
        period=period or LONG_TERM,
        owner_type=_owner(business),
        bumped_on=_iso_date(ad.get("lastRefreshTime")) or _iso_date(ad.get("createdTime")),
        url=urljoin(page.base_url, url) if isinstance(url, str) and url else None,
        title=title or None,
    )


def _regular_price(price: dict[str, Any]) -> Price | Rejected:
    regular = as_dict(price.get("regularPrice"))
    value = regular.get("value")
    if value is None or isinstance(value, bool) or not isinstance(value, int | float | str):
        display = str(price.get("displayValue") or "")
        return Rejected("price_negotiable" if "договор" in display.lower() else "no_price")
    try:
        amount = round(float(value))
    except (ValueError, OverflowError):
        return Rejected("price_unparsed")
    if not 1 <= amount <= MAX_PRICE:
        return Rejected("price_implausible")
    currency = str(regular.get("currencyCode") or "").upper()
    if not currency:
        return Rejected("currency_unknown")
    if currency not in CURRENCIES:
        return Rejected("currency_unsupported")
    return Price(amount, currency, None)


def _params(params: list[Any]) -> dict[str, dict[str, Any]]:
    by_key: dict[str, dict[str, Any]] = {}
    for param in map(as_dict, params):
        key = param.get("key")
        if isinstance(key, str):
            by_key.setdefault(key, param)
    return by_key


def _param_text(params: dict[str, dict[str, Any]], field: str) -> str | None:
    for key in PARAM_KEYS[field]:
        param = params.get(key)
        if param is None:
            continue
        for name in ("normalizedValue", "value"):
            value = param.get(name)
            if isinstance(value, int | float | str) and not isinstance(value, bool):
                text = str(value).strip().lower()
                if text:
                    return text
    return None


def _param_int(params: dict[str, dict[str, Any]], field: str, fallback: Any) -> int | None:
    text = _param_text(params, field)
    if text is None:
        return fallback if isinstance(fallback, int) else None
    if text in _WORD_NUMBERS:
        return _WORD_NUMBERS[text]
    match = _NUMBER.search(text)
    return round(float(match[0].replace(",", "."))) if match else None


def _param_area(params: dict[str, dict[str, Any]], fallback: Any) -> float | None:
    text = _param_text(params, "area_m2")
    if text is None:
        return fallback if isinstance(fallback, float) else None
    match = _NUMBER.search(text)
    return float(match[0].replace(",", ".")) if match else None


def _fallback(facts: TitleFacts | Rejected, field: str) -> Any:
    return getattr(facts, field) if isinstance(facts, TitleFacts) else None


def _city(name: Any, page: _Page) -> str | Rejected:
    if isinstance(name, str) and name.strip():
        return canonical_city(name) or Rejected("city_not_covered")
    return page.city or Rejected("city_unknown")


def _owner(business: Any) -> OwnerType | None:
    if business is True:
        return "company"
    if business is False:
        return "owner"
    return None


def _iso_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return local_date(datetime.fromisoformat(value))
    except ValueError:
        return None


def _card_id(card: etree._Element) -> str | None:
    identifier = (card.get("id") or "").strip()
    if identifier.isdigit():
        return identifier
    links = _CARD_LINK(card)
    match = _AD_CODE.search(str(links[0])) if links else None
    return match[1] if match else None


def _from_card(card: etree._Element, page: _Page) -> ListingSnapshot | Rejected:
    listing_id = _card_id(card)
    assert listing_id is not None  # _collect drops cards without one
    titles = _CARD_TITLE(card)
    title = without_phones(text_of(titles[0])) if titles else None
    prices = _CARD_PRICE(card)
    price = parse_price(text_of(prices[0]) if prices else None)
    if isinstance(price, Rejected):
        return price
    if price.currency not in CURRENCIES:
        return Rejected("currency_unsupported")
    # The title first, then the rest of the card (olx cards print the area apart).
    facts = parse_title(f"{title or ''} · {text_of(card)}")
    if isinstance(facts, Rejected):
        return facts
    places = _CARD_PLACE(card)
    place, _, when = (text_of(places[0]) if places else "").rpartition(" - ")
    city_name, _, district = place.partition(", ")
    city = _city(city_name, page)
    if isinstance(city, Rejected):
        return city
    links = _CARD_LINK(card)
    return build_snapshot(
        SOURCE,
        listing_id,
        city=city,
        district_raw=district or None,
        facts=facts,
        price=price,
        period=price.period or facts.period or LONG_TERM,
        owner_type=None,
        bumped_on=parse_card_date(when, page.observed_at),
        url=urljoin(page.base_url, str(links[0])) if links else None,
        title=title,
    )
