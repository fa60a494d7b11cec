"""olx.kz search pages. SYNTHETIC fixtures: no real olx.kz page exists in ../shared, so these
pages are written here in the state shape documented in scrapers/parse/olx.py."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import pytest

from scrapers.items import NO_SEARCH, ListingSnapshot, ParsedPage
from scrapers.parse.markup import without_phones
from scrapers.parse.olx import parse_search_page
from warehouse.records import validate_record

SEEN = datetime(2022, 10, 13, 9, 0, tzinfo=UTC)


def param(key: str, name: str, value: str, normalized: str) -> dict[str, str]:
    return {"key": key, "name": name, "value": value, "normalizedValue": normalized}


def ad(listing_id: int | str = 101, **fields: Any) -> dict[str, Any]:
    """A synthetic olx ad: a 2-room, 54 m² flat on floor 5 of 9 in Almaty for 250 000 KZT."""
    base: dict[str, Any] = {
        "id": listing_id,
        "title": "Сдам 2-комнатную квартиру",
        "url": f"https://www.olx.kz/d/obyavlenie/sdam-kvartiru-ID{listing_id}a.html",
        "price": {
            "regularPrice": {"value": 250000, "currencyCode": "KZT", "negotiable": False},
            "displayValue": "250 000 тг.",
        },
        "params": [
            param("number_of_rooms", "Количество комнат", "2 комнаты", "2"),
            param("total_area", "Общая площадь", "54 м²", "54"),
            param("floor", "Этаж", "5", "5"),
            param("total_floors", "Этажность дома", "9", "9"),
        ],
        "location": {"cityName": "Алматы", "districtName": "Бостандыкский район"},
        "createdTime": "2022-10-01T09:00:00+06:00",
        "lastRefreshTime": "2022-10-12T23:30:00+06:00",
        "isBusiness": False,
        "isPromoted": False,
    }  # fmt: skip
    base.update(fields)
    return base


def state_page(ads: list[dict[str, Any]], **listing: Any) -> str:
    """A page carrying the state as olx does: JSON text inside a JS string literal."""
    state = {"listing": {"listing": {"ads": ads, **listing}}}
    literal = json.dumps(json.dumps(state, ensure_ascii=False), ensure_ascii=False)
    return (
        '<!DOCTYPE html><html><head><script id="olx-init-config">\n'
        f"window.__PRERENDERED_STATE__= {literal};\nwindow.__TAURUS_STATE__ = {{}};\n"
        "</script></head><body><div id='root'></div></body></html>"
    )


def only(parsed: ParsedPage) -> ListingSnapshot:
    assert len(parsed.snapshots) == 1, parsed.dropped
    return parsed.snapshots[0]


def test_an_ad_in_full() -> None:
    parsed = parse_search_page(state_page([ad()], totalPages=25, totalElements=1234), SEEN)
    assert only(parsed) == ListingSnapshot(
        source="olx",
        listing_id="101",
        city="almaty",
        district="Бостандыкский",
        district_raw="Бостандыкский район",
        rooms=2,
        area_m2=54.0,
        floor=5,
        floors_total=9,
        price=250_000,
        currency="KZT",
        price_period="month",
        owner_type="owner",
        bumped_on=date(2022, 10, 12),
        url="https://www.olx.kz/d/obyavlenie/sdam-kvartiru-ID101a.html",
        title="Сдам 2-комнатную квартиру",
    )
    assert (parsed.page, parsed.last_page, parsed.total, parsed.cards_seen) == (None, 25, 1234, 1)


def price(value: float, currency: str, negotiable: bool = False, **more: str) -> dict[str, Any]:
    regular = {"value": value, "currencyCode": currency, "negotiable": negotiable}
    return {"regularPrice": regular, **more}


def params(**values: str) -> list[dict[str, str]]:
    return [{"key": k, "name": k, "value": v, "normalizedValue": v} for k, v in values.items()]


@pytest.mark.parametrize(
    ("fields", "field", "expected"),
    [
        ({"id": "202"}, "listing_id", "202"),
        ({"price": price(600, "USD")}, "currency", "USD"),
        ({"price": price(600, "usd")}, "price", 600),
        ({"price": price(250000.0, "KZT", negotiable=True)}, "price", 250_000),
        ({"title": "Квартира посуточно"}, "price_period", "day"),
        ({"price": price(9000, "KZT", displayValue="9 000 тг. за сутки")}, "price_period", "day"),
        ({"title": "2-комнатная квартира, 48.5 м², 3/5 этаж", "params": []}, "area_m2", 48.5),
        ({"title": "2-комнатная квартира, 48.5 м², 3/5 этаж", "params": []}, "floors_total", 5),
        ({"params": params(number_of_rooms="three")}, "rooms", 3),
        ({"params": params(total_area="38,5")}, "area_m2", 38.5),
        ({"params": params(floor_select="floor_3")}, "floor", 3),
        ({"params": [{"key": "floor", "value": "7 этаж"}]}, "floor", 7),
        ({"location": {"cityName": "Нур-Султан"}}, "city", "astana"),
        ({"location": {"cityName": "Астана", "districtName": "Есиль"}}, "district", "Есильский"),
        ({"location": {"cityName": "Астана", "districtName": "Алматы"}}, "district", "Алматинский"),
        ({"location": {"cityName": "Алматы"}}, "district", None),
        ({"isBusiness": True}, "owner_type", "company"),
        ({"isBusiness": None}, "owner_type", None),
        ({"lastRefreshTime": None}, "bumped_on", date(2022, 10, 1)),
        ({"lastRefreshTime": "not a time", "createdTime": None}, "bumped_on", None),
        ({"url": "/d/obyavlenie/x-IDabc.html"}, "url", "https://www.olx.kz/d/obyavlenie/x-IDabc.html"),
    ],
)  # fmt: skip
def test_ad_variants(fields: dict[str, Any], field: str, expected: object) -> None:
    snap = only(parse_search_page(state_page([ad(**fields)]), SEEN))
    assert getattr(snap, field) == expected
    validate_record({**snap.to_record(SEEN, "simulated"), "run_id": "t"})


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"price": {"regularPrice": None, "displayValue": "Договорная"}}, "price_negotiable"),
        ({"price": {"regularPrice": None, "displayValue": "Обмен"}}, "no_price"),
        ({"price": {}}, "no_price"),
        ({"price": price(0, "KZT")}, "price_implausible"),
        ({"price": price(250000, "")}, "currency_unknown"),
        ({"price": price(250000, "GBP")}, "currency_unsupported"),
        ({"params": params(number_of_rooms="40")}, "rooms_implausible"),
        ({"params": params(total_area="1")}, "area_implausible"),
        ({"location": {"cityName": "Бишкек"}}, "city_not_covered"),
        ({"location": {}}, "city_unknown"),
        ({"id": None}, "bad_id"),
        ({"id": "x1"}, "bad_id"),
    ],
)  # fmt: skip
def test_dropped_ads_are_counted_by_reason(fields: dict[str, Any], reason: str) -> None:
    parsed = parse_search_page(state_page([ad(**fields), ad(202)]), SEEN)
    assert [s.listing_id for s in parsed.snapshots] == ["202"]
    assert parsed.dropped == Counter({reason: 1})
    assert parsed.cards_seen == 2


def test_the_city_argument_fills_in_for_ads_without_one() -> None:
    page = state_page([ad(location={})])
    assert only(parse_search_page(page, SEEN, city="astana")).city == "astana"


def test_promoted_ads_are_listed_and_deduped() -> None:
    page = state_page([ad(1, isPromoted=True), ad(2), ad(1, isPromoted=True)], currentPage=2)
    parsed = parse_search_page(page, SEEN)
    assert [s.listing_id for s in parsed.snapshots] == ["1", "2"]
    assert parsed.promoted_ids == {"1"}
    assert parsed.dropped == Counter({"duplicate_id": 1})
    assert parsed.page == 2
    later = parse_search_page(page, SEEN, seen_ids={"1"})
    assert [s.listing_id for s in later.snapshots] == ["2"]


def test_a_state_written_with_js_only_escapes() -> None:
    title = "Квартира <b>у метро</b>, 'центр'"
    state = json.dumps({"listing": {"listing": {"ads": [ad(title=title)], "totalPages": 3}}})
    literal = json.dumps(state).replace("<", "\\x3C").replace("'", "\\'")
    script = f"window.__PRERENDERED_STATE__ = {literal};"
    page = f"<html><head><script id='olx-init-config'>{script}</script></head></html>"
    parsed = parse_search_page(page, SEEN)
    assert parsed.last_page == 3
    assert only(parsed).title == title


@pytest.mark.parametrize(
    "script",
    [
        'window.__PRERENDERED_STATE__= "{not json";',
        'window.__PRERENDERED_STATE__= "[1, 2]";',
        "window.__PRERENDERED_STATE__= {};",
        'window.__PRERENDERED_STATE__= "unterminated',
    ],
)
def test_an_unreadable_state_is_no_listings(script: str) -> None:
    page = f'<html><head><script id="olx-init-config">{script}</script></head></html>'
    parsed = parse_search_page(page, SEEN)
    assert (parsed.snapshots, parsed.cards_seen) == ([], 0)


CARD = """
<div data-cy="l-card" data-testid="l-card" id="{id}" class="css-1sw7q4x">
  <a class="css-rc5s2u" href="/d/obyavlenie/sdam-{id}-IDq{id}.html">
    <div data-cy="ad-card-title"><h6 class="css-16v5mdi">{title}</h6>
      <p data-testid="ad-price" class="css-10b0gli">{price}</p></div>
    <p data-testid="location-date" class="css-1a4brun">{place}</p>
    <span class="css-643j0o">{area}</span>
  </a>
  {featured}
</div>"""


def card(listing_id: str = "301", **fields: str) -> str:
    values = {
        "id": listing_id,
        "title": "2-комнатная квартира, 3/5 этаж",
        "price": "180 000 тг.Договорная",
        "place": "Алматы, Ауэзовский район - Сегодня в 21:54",
        "area": "48 м²",
        "featured": "",
        **fields,
    }
    return CARD.format(**values)


def cards_page(*cards: str, after: str = "") -> str:
    return (
        f"<html><body><div data-testid='listing-grid'>{''.join(cards)}</div>{after}</body></html>"
    )


def test_cards_html_when_the_state_is_absent() -> None:
    pager = (
        '<div data-testid="total-count">Мы нашли 1 234 объявления</div><ul>'
        '<li><a data-testid="pagination-link-1">1</a></li>'
        '<li><a data-testid="pagination-link-25">25</a></li>'
        '<a data-testid="pagination-forward" href="?page=2">next</a></ul>'
    )
    featured = '<div data-testid="adCard-featured">ТОП</div>'
    parsed = parse_search_page(
        cards_page(
            card(featured=featured),
            card("302", price="Договорная"),
            card("303", price="9 000 тг. за сутки", place="Нур-Султан, Есильский район - 12 окт."),
            after=pager,
        ),
        SEEN,
    )
    assert parsed.dropped == Counter({"price_negotiable": 1})
    assert (parsed.last_page, parsed.total, parsed.cards_seen) == (25, 1234, 3)
    assert parsed.promoted_ids == {"301"}
    first, daily = parsed.snapshots
    assert first == ListingSnapshot(
        source="olx",
        listing_id="301",
        city="almaty",
        district="Ауэзовский",
        district_raw="Ауэзовский район",
        rooms=2,
        area_m2=48.0,
        floor=3,
        floors_total=5,
        price=180_000,
        currency="KZT",
        price_period="month",
        owner_type=None,
        bumped_on=date(2022, 10, 13),
        url="https://www.olx.kz/d/obyavlenie/sdam-301-IDq301.html",
        title="2-комнатная квартира, 3/5 этаж",
    )
    assert (daily.city, daily.district, daily.price_period, daily.bumped_on) == (
        "astana",
        "Есильский",
        "day",
        date(2022, 10, 12),
    )


def test_a_card_without_a_numeric_id_uses_the_ad_code() -> None:
    snap = only(parse_search_page(cards_page(card("301").replace('id="301"', "")), SEEN))
    assert snap.listing_id == "q301"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Сдам 2-комнатную, 8 777 123 45 67", "Сдам 2-комнатную, [телефон скрыт]"),
        ("тел. +7 (701) 123-45-67, хозяин", "тел. [телефон скрыт], хозяин"),
        ("87771234567", "[телефон скрыт]"),
        ("250 000 тг", "250 000 тг"),
        ("1 250 000 000", "1 250 000 000"),
        ("2-комнатная квартира, 54 м², 5/9 этаж", "2-комнатная квартира, 54 м², 5/9 этаж"),
    ],
)
def test_phone_numbers_never_leave_the_parser(text: str, expected: str) -> None:
    assert without_phones(text) == expected
    from_state = only(parse_search_page(state_page([ad(title=text)]), SEEN))
    from_card = only(parse_search_page(cards_page(card(title=text)), SEEN))
    assert from_state.title == from_card.title == expected


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body><h1>maintenance</h1></body></html>",
        b'<html><body><form action="/account/"><input name="login"></form></body></html>',
    ],
)
def test_a_page_with_nothing_of_a_search_page_is_named(body: bytes) -> None:
    parsed = parse_search_page(body, datetime(2022, 10, 13, tzinfo=UTC), city="almaty")
    assert parsed.problem == NO_SEARCH and parsed.snapshots == []
