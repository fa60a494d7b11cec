"""krisha search pages, era by era, from small inline HTML snippets (shaped like the real pages)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import pytest

from scrapers.items import NO_SEARCH, ListingSnapshot, ParsedPage
from scrapers.parse import krisha
from scrapers.parse.krisha import parse_search_page
from warehouse.records import validate_record

NBSP, NARROW, THIN = "\u00a0", "\u202f", "\u2009"
SEEN = datetime(2022, 10, 13, 9, 0, tzinfo=UTC)
PLAIN = "a-card a-storage-live ddl_product ddl_product_link not-colored is-visible"
CARD_2022 = """
<div data-id="{id}" data-uuid="u-{id}" data-color="{color}" class="{classes}" id="id-{id}"
     data-product-id="{id}" data-list-id="main">
  <div class="a-card__inc">
    <a class="a-card__image  " href="/a/show/{id}"><picture><img alt="{caption}"></picture></a>
    <div class="a-card__descr"><div class="a-card__header"><div class="a-card__main-info">
      <div class="a-card__header-left">
        <a href="/a/show/{id}" class="a-card__title " target="_blank">{title}</a>
      </div>
      <div class="a-card__price">
          {price}
      </div></div>
      <div class="a-card__header-body"><div class="a-card__wrapper-subtitle">
        <div class="a-card__subtitle ">
            {address}
        </div></div>
        <div class="a-card__text-preview">жил. комплекс, 2020 г.п., состояние: хорошее</div>
      </div></div>
      <div class="a-card__footer {footer}">
        <div class="a-card__owner user-title-not-pro user-label-owner"></div>
        <div class="a-card__card-info"><div class="card-stats">{stats}</div></div>
      </div></div></div></div>
"""
STATS_2022 = """
  <div class="card-stats__item">{city}</div>
  <div class="card-stats__item">
      {day}
  </div>
  <div class="card-stats__item" title="Количество просмотров">
      <span class="fi-eye"></span><span class="a-view-count status-item">{views}</span>
  </div>"""
CARD_2025 = """
<div
    data-id="{id}"
    data-uuid="u-{id}"
    data-color=""
    class="{classes}"
    id="id-{id}"
        data-product-id="{id}"
>
<div class="a-card__inc">
    <a class="a-card__image  " href="/a/show/{id}"><picture><img alt="{caption}"/></picture></a>
    <div class="a-card__descr"><div class="a-card__header"><div class="a-card__main-info ">
        <div class="a-card__header-left">
            <a href="/a/show/{id}" class="a-card__title " target="_blank">{title}</a>
        </div>
        <div class="a-card__price">
            {price}
            <span class="a-price-square-for">за месяц</span>
        </div>
    </div>
    <div class="a-card__header-body"><div  class="a-card__wrapper-subtitle">
        <div  class="a-card__subtitle ">
            {address}
        </div></div></div></div>
<div class="a-card__footer {footer}">
    <div class="a-card__owner user-title-pro user-label-identified-company"></div>
    <div class="a-card__card-info"><div class="a-card__stats">
        <div class="a-card__stats-item">{city}</div>
        <div class="a-card__stats-item">
             {day}
        </div>
        <div class="a-card__stats-item" title="Количество просмотров">
            <span class="fi-eye"></span><span class="a-view-count status-item"></span>
        </div>
    </div></div></div></div></div></div>
"""
GREEN, RED = "is-colored paid-color-light-green", "is-colored paid-color-light-red"
LONG = "на длительный срок"
ROOM1 = "1-комнатная квартира"
CAPTION = f"{ROOM1}, 32 м², 3 этаж посуточно, Гагарина 311 — Левитана за 30 000 〒 в Алматы"
KZT = f'{NBSP}<span class="currency-sign offer__currency">〒</span>'


def card_2022(listing_id: str = "678106181", **fields: str) -> str:
    values = {
        "id": listing_id,
        "classes": PLAIN,
        "color": "",
        "caption": "",
        "title": "1-комнатная квартира, 40 м², 9/12 этаж на длительный срок",
        "price": f"300{NBSP}000{KZT}",
        "address": "Алатауский р-н, мкр Акбулак, 1-я улица 93 — Алматы арена",
        "footer": "user-owner",
        "city": "Алматы",
        "day": "13 окт.",
        "views": "2606",
        **fields,
    }
    stats = values.pop("stats") if "stats" in values else STATS_2022.format(**values)
    return CARD_2022.format(stats=stats, **values)


def card_2025(listing_id: str = "681028260", **fields: str) -> str:
    values = {
        "id": listing_id,
        "classes": PLAIN + " is-checked",
        "caption": "",
        "title": "1-комнатная квартира · 40 м² · 5/9 этаж",
        "price": f"150{NBSP}000{KZT}",
        "address": "Есильский р-н, Хусейн Бен Талал 28",
        "footer": "user-company",
        "city": "Астана",
        "day": "18 июн.",
        **fields,
    }
    return CARD_2025.format(**values)


def page(
    *cards: str,
    jsdata: dict[str, Any] | None = None,
    era: int = 2022,
    highlighted: tuple[str, ...] = (),
    after: str = "",
) -> str:
    """A search page around the cards; ``jsdata`` is the ``data`` object of script#jsdata."""
    script = ""
    if jsdata is not None:
        keyword = "var data" if era == 2022 else "window.data"
        script = (
            f'<script id="jsdata">\n{keyword} = {json.dumps(jsdata)};\nvar other = {{}};</script>'
        )
    hot = (
        f'<section class="highlighted-section"><p>Горячие</p>{"".join(highlighted)}</section>'
        if highlighted
        else ""
    )
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8">{script}</head><body>'
        f'<section class="a-list a-search-list a-list-with-favs">{hot}{"".join(cards)}</section>'
        f"{after}</body></html>"
    )


def search(alias: str = "almaty", **extra: Any) -> dict[str, Any]:
    """jsdata for a search of city ``alias`` with more ``parameters``."""
    return {"search": {"parameters": {"regionAlias": alias, **extra}}}


def only(parsed: ParsedPage) -> ListingSnapshot:
    assert len(parsed.snapshots) == 1, parsed.dropped
    return parsed.snapshots[0]


def test_a_2022_card_in_full() -> None:
    snap = only(parse_search_page(page(card_2022()), SEEN))
    assert snap == ListingSnapshot(
        source="krisha",
        listing_id="678106181",
        city="almaty",
        district="Алатауский",
        district_raw="Алатауский р-н",
        rooms=1,
        area_m2=40.0,
        floor=9,
        floors_total=12,
        price=300_000,
        currency="KZT",
        price_period="month",
        owner_type="owner",
        bumped_on=date(2022, 10, 13),
        url="https://krisha.kz/a/show/678106181",
        title="1-комнатная квартира, 40 м², 9/12 этаж на длительный срок",
    )


def test_a_2025_card_in_full() -> None:
    snap = only(parse_search_page(page(card_2025(), era=2025), datetime(2025, 6, 19, tzinfo=UTC)))
    assert snap == ListingSnapshot(
        source="krisha",
        listing_id="681028260",
        city="astana",
        district="Есильский",
        district_raw="Есильский р-н",
        rooms=1,
        area_m2=40.0,
        floor=5,
        floors_total=9,
        price=150_000,
        currency="KZT",
        price_period="month",
        owner_type="company",
        bumped_on=date(2025, 6, 18),
        url="https://krisha.kz/a/show/681028260",
        title="1-комнатная квартира · 40 м² · 5/9 этаж",
    )


@pytest.mark.parametrize(
    ("card", "field", "expected"),
    [
        # paid, coloured and checked cards: the class attribute is never matched exactly
        (card_2022(classes=f"{PLAIN} {GREEN}", color="green"), "rooms", 1),
        (card_2022(classes=PLAIN.replace("not-colored", RED)), "rooms", 1),
        (card_2022(classes=f"{PLAIN} is-checked"), "price", 300_000),
        (card_2022(classes="a-card"), "price", 300_000),
        (card_2022(views=""), "price", 300_000),  # raw server HTML: the view count is empty
        # 2023: "помесячно"
        (card_2022(title=f"{ROOM1}, 52 м², 4/5 этаж помесячно"), "price_period", "month"),
        # daily and hourly rents keep their period
        (
            card_2022(title=f"{ROOM1}, 32 м², 3 этаж посуточно", price="17 000"),
            "price_period",
            "day",
        ),
        (card_2022(title=f"{ROOM1}, 32 м², 3/9 этаж по часам"), "price_period", "hour"),
        # the floor missing or alone; decimal areas
        (card_2022(title=f"{ROOM1}, 150 м² {LONG}"), "floor", None),
        (card_2022(title=f"{ROOM1}, 54 м², 10 этаж {LONG}"), "floor", 10),
        (card_2022(title=f"{ROOM1}, 68.6 м², 12/16 этаж {LONG}"), "area_m2", 68.6),
        # prices: separators, currencies, "от"
        (card_2022(price=f"300{NARROW}000{THIN}₸"), "price", 300_000),
        (card_2022(price="от 200 000 тг"), "price", 200_000),
        (card_2022(price="250 000 тенге"), "currency", "KZT"),
        (card_2022(price="300 000"), "currency", "KZT"),
        (card_2022(price="1 000 $"), "currency", "USD"),
        (card_2022(price="1 000 USD"), "price", 1_000),
        (card_2022(price="800 у.е."), "currency", "USD"),
        # districts
        (card_2022(address="Гагарина 311"), "district", None),
        (card_2022(address="Медеуский р-н, Митина 4"), "district", "Медеуский"),
        (
            card_2022(address="Гагарина 311", caption=f"{CAPTION}, Медеуский р-н"),
            "district",
            "Медеуский",
        ),
        (card_2022(address="Гагарина 311", caption=CAPTION), "district_raw", None),
        (card_2022(city="Астана", address="р-н Байконур, Жубанова 23"), "district", "Байконурский"),
        (card_2022(city="Астана", address="Алматы р-н, Манаса 7"), "district", "Алматинский"),
        (
            card_2022(city="Нур-Султан", address="Сарыарка р-н, Кенесары 4"),
            "district_raw",
            "Сарыарка р-н",
        ),
        (card_2022(city="Нур-Султан"), "city", "astana"),
        # owner type from the footer's class
        (card_2022(footer="user-specialist"), "owner_type", "specialist"),
        (card_2022(footer="user-company"), "owner_type", "company"),
        (card_2022(footer=""), "owner_type", None),
        # dates without a year
        (card_2022(day="12 окт."), "bumped_on", date(2022, 10, 12)),
        (card_2022(day="28 дек."), "bumped_on", date(2021, 12, 28)),
        (card_2022(day=""), "bumped_on", None),
    ],
)  # fmt: skip
def test_markup_variants(card: str, field: str, expected: object) -> None:
    snap = only(parse_search_page(page(card), SEEN))
    assert getattr(snap, field) == expected
    validate_record({**snap.to_record(SEEN, "live"), "run_id": "t"})


@pytest.mark.parametrize(
    ("card", "reason"),
    [
        (card_2022(price="Договорная"), "price_negotiable"),
        (card_2022(price=""), "no_price"),
        (card_2022(price="0 〒"), "price_implausible"),
        (card_2022(title=f"{ROOM1}, 40 м², 9/12 этаж"), "period_unknown"),
        (card_2022(title=f"25-комнатная квартира, 40 м², 9/12 этаж {LONG}"), "rooms_implausible"),
        (card_2022(title=f"{ROOM1}, 4000 м², 9/12 этаж {LONG}"), "area_implausible"),
        (card_2022(city="Бишкек"), "city_not_covered"),
        (card_2022(stats=""), "city_unknown"),
        (card_2022(listing_id="abc"), "bad_id"),
    ],
)  # fmt: skip
def test_dropped_cards_are_counted_by_reason(card: str, reason: str) -> None:
    parsed = parse_search_page(page(card, card_2022("679550758")), SEEN)
    assert [s.listing_id for s in parsed.snapshots] == ["679550758"]
    assert parsed.dropped == Counter({reason: 1})
    assert parsed.cards_seen == 2


def test_the_city_when_the_card_does_not_say() -> None:
    no_city = card_2022(stats=STATS_2022.format(city="", day="13 окт.", views=""))
    assert (
        only(parse_search_page(page(no_city, jsdata=search("nur-sultan")), SEEN)).city == "astana"
    )
    assert only(parse_search_page(page(no_city), SEEN, city="almaty")).city == "almaty"
    assert only(parse_search_page(page(no_city), SEEN, city="nur-sultan")).city == "astana"
    district_search = search("almaty-bostandykskij")
    assert only(parse_search_page(page(no_city, jsdata=district_search), SEEN)).city == "almaty"


def test_the_search_period_applies_when_the_card_names_none() -> None:
    untitled = card_2022(title="1-комнатная квартира, 40 м², 9/12 этаж")
    daily = search(**{"das[rent.period]": "1"})
    monthly = search(**{"das[rent.period]": "2"})
    assert only(parse_search_page(page(untitled, jsdata=daily), SEEN)).price_period == "day"
    assert only(parse_search_page(page(untitled, jsdata=monthly), SEEN)).price_period == "month"
    titled = card_2022(title="1-комнатная квартира, 40 м², 9/12 этаж посуточно")
    assert only(parse_search_page(page(titled, jsdata=monthly), SEEN)).price_period == "day"


def test_2025_promoted_cards_repeat_and_are_deduped_by_id() -> None:
    hot = card_2025("1001920010", title="2-комнатная квартира · 40 м²")
    body = page(card_2025("681028260"), hot, era=2025, highlighted=(hot,))
    parsed = parse_search_page(body, SEEN)
    assert [s.listing_id for s in parsed.snapshots] == ["1001920010", "681028260"]
    assert parsed.dropped == Counter({"duplicate_id": 1})
    assert parsed.promoted_ids == {"1001920010"}
    assert parsed.cards_seen == 3
    # the next page shows the same hot card again: the crawl passes the ids it has taken
    next_page = parse_search_page(body, SEEN, seen_ids={"1001920010"})
    assert [s.listing_id for s in next_page.snapshots] == ["681028260"]
    assert next_page.dropped == Counter({"duplicate_id": 2})


def test_hot_ids_from_2025_jsdata() -> None:
    data = {"search": {"analytics": {"hot": {"ids": [681028260]}}, "currentPage": 3}}
    parsed = parse_search_page(page(card_2025(), jsdata=data, era=2025), SEEN)
    assert parsed.promoted_ids == {"681028260"}
    assert parsed.page == 3


PAGINATOR = """
<nav class="paginator">
  <a class="paginator__btn " href="/arenda/kvartiry/almaty/?das[rent.period]=2" data-page="1">1</a>
  <a class="paginator__btn paginator__btn--active" href="?page=2" data-page="2">2</a>
  <a class="paginator__btn " href="?page=3" data-page="3">3</a>
  <span class="paginator__btn">...</span>
  <a class="paginator__btn " href="?page=160" data-page="160">160</a>
  <a class="paginator__btn paginator__btn--next" href="?page=3" data-page="3">Дальше</a>
</nav>"""
JSDATA_PAGE_2 = {"search": {"currentPage": 2, "nbTotal": "3 184"}}
FOUND = (
    '<div class="a-search-subtitle search-results-nb">Найдено <span>3&nbsp;184</span> '
    "объявления</div>"
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (page(card_2022(), after=PAGINATOR + FOUND), (2, 160, 3184)),
        (page(card_2022(), jsdata=JSDATA_PAGE_2, after=PAGINATOR), (2, 160, 3184)),
        (page(card_2022(), after=FOUND), (None, None, 3184)),
        (page(card_2022()), (None, None, None)),
        (page(after=PAGINATOR), (2, 160, None)),
    ],
)  # fmt: skip
def test_pagination(body: str, expected: tuple[int | None, int | None, int | None]) -> None:
    parsed = parse_search_page(body, SEEN)
    assert (parsed.page, parsed.last_page, parsed.total) == expected


@pytest.mark.parametrize(
    "body",
    [
        "",
        b"",
        "<html><body><p>Ничего не найдено</p></body></html>",
        '<html><head><script id="jsdata">var data = {"search": </script></head></html>',
        b"\x00\xff\xfe binary",
    ],
)
def test_pages_without_cards(body: str | bytes) -> None:
    parsed = parse_search_page(body, SEEN)
    assert (parsed.snapshots, parsed.cards_seen, parsed.dropped) == ([], 0, Counter())


def test_bytes_in_a_declared_charset_and_str_input() -> None:
    html = page(card_2022()).replace('charset="utf-8"', 'charset="windows-1251"')
    from_cp1251 = parse_search_page(html.encode("cp1251", errors="ignore"), SEEN)
    from_str = parse_search_page(page(card_2022()), SEEN)
    assert only(from_cp1251).district == only(from_str).district == "Алатауский"


def test_undeclared_bytes_are_read_as_utf8() -> None:
    html = page(card_2022()).replace('<meta charset="utf-8">', "")
    assert only(parse_search_page(html.encode(), SEEN)).title is not None


def test_relative_links_resolve_against_the_base_url() -> None:
    snap = only(parse_search_page(page(card_2022()), SEEN, base_url="http://127.0.0.1:8765/"))
    assert snap.url == "http://127.0.0.1:8765/a/show/678106181"


@pytest.mark.parametrize(
    "ids",
    [
        [678106181, 679550758],  # the usual case: the results list around the first card
        [111, 222],  # ids that name no card: the whole page is searched
        [],
    ],
)
def test_cards_are_found_whatever_jsdata_lists(ids: list[int]) -> None:
    body = page(card_2022(), card_2022("679550758"), jsdata={"search": {"ids": ids}})
    parsed = parse_search_page(body, SEEN)
    assert [s.listing_id for s in parsed.snapshots] == ["678106181", "679550758"]


def test_stats_without_a_city_item_or_a_view_count_title() -> None:
    stats = '<div class="card-stats__item">13 окт.</div><div class="card-stats__item">2606</div>'
    snap = only(parse_search_page(page(card_2022(stats=stats)), SEEN, city="almaty"))
    assert (snap.city, snap.bumped_on) == ("almaty", date(2022, 10, 13))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        # A maintenance page, a login form, a blank 200: nothing of a search page.
        (b"<html><body><h1>\xd0\xa2\xd0\xb5\xd1\x85\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd1"
         b"\x8b</h1></body></html>", NO_SEARCH),
        (b'<html><body><form action="/my/login"><input name="login"></form></body></html>',
         NO_SEARCH),
        (b"<html><body></body></html>", NO_SEARCH),
        # A search with no result says how many it found (0): a page of no listings, no problem.
        ('<html><body><div class="a-search-subtitle search-results-nb">Найдено <span>0</span> '
         "объявлений</div></body></html>".encode(), None),
    ],
)  # fmt: skip
def test_a_page_with_nothing_of_a_search_page_is_named(body: bytes, problem: str | None) -> None:
    parsed = krisha.parse_search_page(body, datetime(2022, 10, 13, tzinfo=UTC), city="almaty")
    assert parsed.problem == problem
    assert parsed.snapshots == [] and parsed.cards_seen == 0
