"""krisha.kz search page -> :class:`ParsedPage` of listing snapshots.

One parser for every markup era in ``kz_rents/site_structure.md`` §1.3:

- cards are ``div.a-card[data-id]`` wherever they sit, matched by class *token*: paid and
  coloured cards (``is-colored paid-color-light-green``), checked (``is-checked``) and urgent
  (``is-urgent``) ones are cards like any other;
- the title gives rooms, area and floor in every era (``", "`` or ``" · "`` separators; see
  :mod:`scrapers.parse.title`); the price is the text of ``div.a-card__price`` ("за месяц"
  after the 2025 price);
- ``.card-stats__item`` (2022) or ``.a-card__stats-item`` (2025): the city, the date
  (``"13 окт."``, resolved against ``observed_at``) and the view count, which is ignored (filled
  in DOM dumps, empty in raw server HTML);
- the district is the start of ``div.a-card__subtitle``; when that has none, the image caption
  (``"… за 30 000 〒 в Алматы, Бостандыкский р-н"``) is the second source;
- owner type from the footer's class (``user-owner`` / ``user-specialist`` / ``user-company``);
- the period of the rent: the price text ("за месяц"), else the title ("на длительный срок",
  "помесячно", "посуточно", "по часам"), else the search's ``das[rent.period]`` (2 = long
  term, 1 = daily, 4 = hourly); a card with none of these is dropped (``period_unknown``),
  never taken for monthly;
- 2025 "hot" cards (``section.highlighted-section``, ids in ``search.analytics.hot.ids``) are
  listed in ``ParsedPage.promoted_ids``: they repeat on every page, so a repeated id is
  dropped as ``duplicate_id`` (within the page, and against ``seen_ids`` across pages). The
  sidebar "hot" ads (``div.hot-a-wrap``) are not search results and are not read.

Cards are read only from the results list (``section.a-search-list``) that holds the
search's first card, else the page's first results list; never from the rest of the page,
where krisha puts "Похожие объявления" (similar listings) below thin results and ads of
other searches. A page that is not a rent search says so in ``ParsedPage.problem``
(``"detail page"``, ``"not a rent search: sale"``), and so does a page cut short (its last
card is dropped as ``card_truncated``: a cut inside a price would read "300 0" as 300) or
one nested too deep to read.

Page facts come from ``<script id="jsdata">`` (``var data = {…}`` in 2022, ``window.data =
{…}`` in 2025): current page, total (``"3 184"``), the city's alias and the rent period; the
paginator (``nav.paginator`` ``data-page``) gives the last page, and "Найдено 3 184
объявления" the total when jsdata lacks it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

from lxml import etree

from scrapers.items import NO_SEARCH, ListingSnapshot, OwnerType, ParsedPage, PricePeriod
from scrapers.parse.cities import city_of_slug
from scrapers.parse.dates import parse_card_date
from scrapers.parse.districts import district_in_address
from scrapers.parse.markup import UnreadablePage, ends_whole, load_html, squash, text_of
from scrapers.parse.price import parse_price
from scrapers.parse.rejected import Rejected
from scrapers.parse.snapshot import build_snapshot
from scrapers.parse.title import parse_title
from scrapers.parse.values import as_dict, as_int, as_list
from warehouse.records import canonical_city

SOURCE: Final = "krisha"
# Stamped on every observation this parser derives; `rentwatch reparse` replaces the rows of
# an older version with its own. Bump it with any change to what this module (or a field
# parser it calls) reads out of a page; tests/test_parser_versions.py fails until you do.
PARSER_VERSION: Final = 1
KRISHA_URL: Final = "https://krisha.kz"
# krisha's search form: das[rent.period] 1 = "посуточно", 2 = "на длительный срок", 4 = "по часам".
RENT_PERIODS: Final[dict[str, PricePeriod]] = {"1": "day", "2": "month", "4": "hour"}
OWNER_CLASSES: Final[dict[str, OwnerType]] = {
    "user-owner": "owner",
    "user-specialist": "specialist",
    "user-company": "company",
}
# Prices on krisha's rent pages without a currency sign are tenge: the category's
# defaultCurrency, and the only currency any captured page shows for rent.
DEFAULT_CURRENCY: Final = "KZT"

_CARDS: Final = etree.XPath(
    "descendant::div[@data-id][contains(concat(' ', normalize-space(@class), ' '), ' a-card ')]"
)
_JSDATA: Final = etree.XPath("id('jsdata')")
_BY_ID: Final = etree.XPath("id($id)")
_RESULTS_LIST: Final = etree.XPath(
    "ancestor::section[contains(concat(' ', normalize-space(@class), ' '), ' a-search-list ')]"
)
_PAGINATOR: Final = etree.XPath(
    "descendant::nav[contains(concat(' ', normalize-space(@class), ' '), ' paginator ')][1]"
)
_PAGINATOR_AFTER: Final = etree.XPath(
    "following::nav[contains(concat(' ', normalize-space(@class), ' '), ' paginator ')][1]"
)
_RESULTS_COUNT: Final = etree.XPath("descendant::div[contains(@class, 'search-results-nb')][1]")
_IN_HIGHLIGHTED: Final = etree.XPath(
    "ancestor::section[contains(concat(' ', normalize-space(@class), ' '), "
    "' highlighted-section ')]"
)
_ANY_RESULTS_LIST: Final = etree.XPath(
    "descendant::section[contains(concat(' ', normalize-space(@class), ' '), ' a-search-list ')]"
)
_CANONICAL: Final = etree.XPath("descendant::link[@rel='canonical'][1]/@href")
_DETAIL_MARKUP: Final = etree.XPath(
    "descendant::div[contains(concat(' ', normalize-space(@class), ' '), ' offer__location ')][1]"
)
_STATS_CLASSES: Final = frozenset({"card-stats__item", "a-card__stats-item"})
_DATA_ASSIGNMENT: Final = re.compile(r"\bdata\s*=\s*\{")
# krisha's sections (jsdata category.sectionName / the URL's first path part) -> what to call
# a page of them that is not a rent search.
_NOT_RENT: Final = {"sell": "sale", "prodazha": "sale", "buy": "wanted", "pokupka": "wanted"}
# ParsedPage.problem of a page that lacks its closing </html>.
TRUNCATED: Final = "truncated page"
# A real caption is about 200 characters; a longer alt text is not read for a district.
CAPTION_LIMIT: Final = 1_000


@dataclass(frozen=True, slots=True)
class _Page:
    """What every card of one page shares."""

    observed_at: datetime
    city: str | None
    period: PricePeriod | None
    base_url: str
    origin: str  # scheme://host[:port] of base_url


@dataclass(slots=True)
class _CardParts:
    """The elements of one card that hold data, found in one walk over the card."""

    title: etree._Element | None = None
    price: etree._Element | None = None
    subtitle: etree._Element | None = None
    footer_classes: tuple[str, ...] = ()
    caption: str | None = None
    stats: list[etree._Element] = field(default_factory=list)


def parse_search_page(
    html: bytes | str,
    observed_at: datetime,
    *,
    city: str | None = None,
    seen_ids: Collection[str] = (),
    base_url: str = KRISHA_URL,
) -> ParsedPage:
    """Parse one search page. Money is whole units of the printed currency per ``price_period``.

    ``observed_at``: when the page was fetched or captured (resolves "13 окт." to a year).
    ``city``: the city the caller asked for (e.g. from the URL), used when neither the card
    nor the page's jsdata says; ``"nur-sultan"`` and ``"astana"`` both mean Astana.
    ``seen_ids``: listing ids already taken from earlier pages of the same crawl; cards
    with these ids are dropped as ``duplicate_id`` (promoted cards repeat on every page).
    ``base_url``: what the cards' relative links (``/a/show/<id>``) are resolved against.
    """
    try:
        root = load_html(html)
    except UnreadablePage as exc:
        return ParsedPage(snapshots=[], problem=str(exc))
    data = _jsdata(root)
    kind = _not_a_rent_search(root, data)
    if kind is not None:
        return ParsedPage(snapshots=[], problem=kind)
    search = as_dict(data.get("search"))
    parameters = as_dict(search.get("parameters"))
    page_city = _city_alias(parameters.get("regionAlias")) or (_city_alias(city) if city else None)
    context = _Page(
        observed_at=observed_at,
        city=page_city,
        period=RENT_PERIODS.get(str(parameters.get("das[rent.period]", ""))),
        base_url=base_url,
        origin="{0.scheme}://{0.netloc}".format(urlsplit(base_url)),
    )
    promoted = {str(i) for i in _hot_ids(search)}
    snapshots: list[ListingSnapshot] = []
    dropped: Counter[str] = Counter()
    taken: set[str] = set()
    cards = _find_cards(root, search)
    whole = ends_whole(html)
    for position, card in enumerate(cards):
        if not whole and position == len(cards) - 1:
            dropped["card_truncated"] += 1
            continue
        listing_id = (card.get("data-id") or "").strip()
        if not listing_id.isdigit():
            dropped["bad_id"] += 1
            continue
        if _IN_HIGHLIGHTED(card):
            promoted.add(listing_id)
        if listing_id in taken or listing_id in seen_ids:
            dropped["duplicate_id"] += 1
            continue
        outcome = _card(card, listing_id, context)
        if isinstance(outcome, Rejected):
            dropped[outcome.reason] += 1
            continue
        taken.add(listing_id)
        snapshots.append(outcome)
    paginator = _PAGINATOR_AFTER(cards[-1]) if cards else []
    if not paginator:
        paginator = _PAGINATOR(root)
    page, last_page = _pagination(paginator[0]) if paginator else (None, None)
    total = as_int(search.get("nbTotal")) or _results_count(root)
    problem = None if whole else TRUNCATED
    if not cards and total is None and not search and not paginator:
        # Nothing of a search page at all (a maintenance or "service unavailable" page, a
        # login form served as 200): said as such, not only by the run's counts.
        problem = NO_SEARCH
    return ParsedPage(
        snapshots=snapshots,
        dropped=dropped,
        page=as_int(search.get("currentPage")) or page,
        last_page=last_page,
        total=total,
        cards_seen=len(cards),
        promoted_ids=frozenset(promoted),
        problem=problem,
    )


def _find_cards(root: etree._Element, search: dict[str, Any]) -> list[etree._Element]:
    """The search's cards, in order: those of the results list around the first card jsdata
    names, else of the page's first results list; none when the page has no results list.

    Never the whole page: below thin results krisha shows "Похожие объявления" (similar
    listings of other searches), which are not results of this one.
    """
    ids = as_list(search.get("ids"))
    first = _BY_ID(root, id=f"id-{ids[0]}") if ids else []
    results = _RESULTS_LIST(first[0]) if first else []
    if not results:
        results = _ANY_RESULTS_LIST(root)[:1]
    return _CARDS(results[0]) if results else []


def _not_a_rent_search(root: etree._Element, data: dict[str, Any]) -> str | None:
    """Why this page is not a rent search page (``"detail page"``, ``"not a rent search:
    sale"``), or None. jsdata says it in every era that has it (``advert`` on a detail page,
    ``category.sectionName``); otherwise the canonical link, then the detail page's markup."""
    if "advert" in data:
        return "detail page"
    section = as_dict(data.get("category")).get("sectionName")
    if isinstance(section, str) and section and section != "rent":
        return f"not a rent search: {_NOT_RENT.get(section, section)}"
    canonical = _CANONICAL(root)
    path = urlsplit(str(canonical[0])).path if canonical else ""
    if path.startswith("/a/show/"):
        return "detail page"
    first = path.strip("/").split("/")[0]
    if first and first != "arenda" and first in _NOT_RENT:
        return f"not a rent search: {_NOT_RENT[first]}"
    if not data and not canonical and _DETAIL_MARKUP(root):
        return "detail page"
    return None


def _card(card: etree._Element, listing_id: str, page: _Page) -> ListingSnapshot | Rejected:
    parts = _parts(card)
    title = text_of(parts.title) if parts.title is not None else None
    facts = parse_title(title)
    if isinstance(facts, Rejected):
        return facts
    price = parse_price(
        text_of(parts.price) if parts.price is not None else None,
        default_currency=DEFAULT_CURRENCY,
    )
    if isinstance(price, Rejected):
        return price
    period = price.period or facts.period or page.period
    if period is None:
        return Rejected("period_unknown")
    city_text, date_text = _stats(parts.stats)
    if city_text is not None:
        city = canonical_city(city_text)
        if city is None:
            return Rejected("city_not_covered")
    elif page.city is not None:
        city = page.city
    else:
        return Rejected("city_unknown")
    district_raw = district_in_address(
        text_of(parts.subtitle) if parts.subtitle is not None else None
    )
    if district_raw is None and parts.caption:
        district_raw = _caption_district(parts.caption)
    href = parts.title.get("href") if parts.title is not None else None
    return build_snapshot(
        SOURCE,
        listing_id,
        city=city,
        district_raw=district_raw,
        facts=facts,
        price=price,
        period=period,
        owner_type=_owner_type(parts.footer_classes),
        bumped_on=parse_card_date(date_text, page.observed_at),
        url=_absolute(page, href or f"/a/show/{listing_id}"),
        title=title or None,
    )


def _parts(card: etree._Element) -> _CardParts:
    """One walk over the card's links, divs and images (cheaper than an XPath per field)."""
    parts = _CardParts()
    for element in card.iter("a", "div", "img"):
        if element.tag == "img":
            if parts.caption is None:
                parts.caption = element.get("alt")
            continue
        classes = element.get("class")
        if not classes or "__" not in classes:
            continue
        tokens = classes.split()
        if "a-card__title" in tokens:
            if parts.title is None:
                parts.title = element
        elif "a-card__price" in tokens:
            if parts.price is None:
                parts.price = element
        elif "a-card__subtitle" in tokens:
            if parts.subtitle is None:
                parts.subtitle = element
        elif "a-card__footer" in tokens:
            parts.footer_classes = tuple(tokens)
        elif _STATS_CLASSES.intersection(tokens):
            parts.stats.append(element)
    return parts


def _stats(items: list[etree._Element]) -> tuple[str | None, str | None]:
    """The city and the date among the stats items; the view counter is skipped."""
    city: str | None = None
    day: str | None = None
    for item in items:
        if item.get("title") is not None:
            continue
        text = text_of(item)
        if not text or text.isdigit():  # empty, or a view count that lost its title
            continue
        if day is None and _looks_like_date(text):
            day = text
        elif city is None:
            city = text
    return city, day


def _looks_like_date(text: str) -> bool:
    return text[:1].isdigit() or text.lower().startswith(("сегодня", "вчера"))


def _absolute(page: _Page, href: str) -> str:
    """Cards link ``/a/show/<id>``: joined to the origin by hand (urljoin costs 5 µs a card)."""
    if href.startswith("/") and not href.startswith("//"):
        return page.origin + href
    return urljoin(page.base_url, href)


def _owner_type(footer_classes: tuple[str, ...]) -> OwnerType | None:
    for token in footer_classes:
        if token in OWNER_CLASSES:
            return OWNER_CLASSES[token]
    return None


def _caption_district(caption: str) -> str | None:
    """The caption ends "… в Алматы, Бостандыкский р-н" (or "… в Алматы р-н" with no city):
    the district is the last comma-separated part after the last " в ". Split, not a regex,
    so the cost is linear in the text (a backtracking regex took 5 s on a 48 KB alt)."""
    if len(caption) > CAPTION_LIMIT:
        return None
    _, found, tail = squash(caption).rpartition(" в ")
    if not found:
        return None
    parts = tail.split(", ")
    if len(parts) > 2 or "р-н" not in parts[-1].split():
        return None
    return district_in_address(parts[-1])


def _jsdata(root: etree._Element) -> dict[str, Any]:
    """The ``data = {…}`` object of ``<script id="jsdata">``; empty when absent or broken."""
    scripts = _JSDATA(root)
    text = scripts[0].text if scripts else None
    if not text:
        return {}
    assignment = _DATA_ASSIGNMENT.search(text)
    if assignment is None:
        return {}
    try:
        # raw_decode stops at the object's closing brace, whatever follows it.
        value, _ = json.JSONDecoder().raw_decode(text, assignment.end() - 1)
    except ValueError:
        return {}
    return as_dict(value)


def _hot_ids(search: dict[str, Any]) -> list[Any]:
    return as_list(as_dict(as_dict(search.get("analytics")).get("hot")).get("ids"))


def _pagination(nav: etree._Element) -> tuple[int | None, int | None]:
    """(active page, highest page number) from the paginator's ``data-page`` buttons."""
    numbers: list[int] = []
    active = None
    for button in nav.iter("a", "span"):
        number = as_int(button.get("data-page"))
        if number is None:
            continue
        numbers.append(number)
        if "paginator__btn--active" in (button.get("class") or "").split():
            active = number
    return active, max(numbers, default=None)


def _results_count(root: etree._Element) -> int | None:
    """``"Найдено 3 184 объявления"`` -> 3184."""
    found = _RESULTS_COUNT(root)
    return as_int(text_of(found[0])) if found else None


def _city_alias(alias: Any) -> str | None:
    return city_of_slug(alias) if isinstance(alias, str) else None
