"""The sandbox's pages parse back, through the real parsers, to exactly the listings rendered.

A sample of the simulated country: the treated cities, cities with district tables of their
own (Shymkent, Karaganda, Aktobe, whose districts are named after Almaty and Astana), cities
whose cards name no district, a city olx does not list, and Konaev, renamed from Kapchagay.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from scrapers.clock import SIMULATED_NOW_HEADER
from scrapers.items import ListingSnapshot
from scrapers.parse import krisha, olx
from scrapers.sandbox.archive import Archive, capture_plan, urlkey
from scrapers.sandbox.krisha_pages import (
    PER_PAGE,
    Era,
    SearchPage,
    city_in,
    city_label,
    city_slug,
    era_of,
    pages_for,
    render_search_page,
    search_path,
)
from scrapers.sandbox.market import LOCAL, Card, Market, MarketConfig, market_time
from scrapers.sandbox.olx_pages import OLX_PER_PAGE, OlxPage, render_olx_page
from scrapers.sandbox.server import LIVE_AT, Sandbox
from warehouse.cities import REGISTRY

MOMENTS = [
    ("2021-12-30T23:30:00+06:00", "2022"),  # the year rolls over on the cards' dates
    ("2022-09-14T11:00:00+06:00", "2022"),  # Astana still "Нур-Султан" on the cards
    ("2022-10-20T18:00:00+06:00", "2022"),
    ("2023-04-03T09:00:00+06:00", "2023"),
    ("2023-06-29T20:00:00+06:00", "2025"),
]


CITIES = ("almaty", "astana", "shymkent", "karaganda", "aktobe", "kokshetau", "petropavlovsk",
          "shhuchinsk", "konaev")  # fmt: skip
OLX_CITIES = tuple(c for c in CITIES if REGISTRY.get(c).olx_slug is not None)


@pytest.fixture(scope="module")
def market() -> Market:
    return Market(MarketConfig(seed=7, scale=0.3, cities=CITIES))


def _expected(card: Card, observed: datetime, shift: timedelta = timedelta(0)) -> tuple[Any, ...]:
    bumped = (card.bumped_at.astimezone(LOCAL) + shift).date()
    return (card.listing_id, card.city, card.price, card.currency, card.rooms, card.area_m2,
            card.floor, card.floors_total, card.district, card.owner_type, bumped)  # fmt: skip


def _got(snapshot: ListingSnapshot) -> tuple[Any, ...]:
    return (snapshot.listing_id, snapshot.city, snapshot.price, snapshot.currency,
            snapshot.rooms, snapshot.area_m2, snapshot.floor, snapshot.floors_total,
            snapshot.district, snapshot.owner_type, snapshot.bumped_on)  # fmt: skip


def _spec(market: Market, city: str, moment: datetime, page: int, era: Era) -> SearchPage:
    day = moment.astimezone(LOCAL).date()
    visible = market.visible("krisha", city, market_time(moment))
    cards = market.cards(visible, (page - 1) * PER_PAGE, PER_PAGE)
    hot = tuple(market.cards(visible, 40, 3))
    return SearchPage(city, city_slug(city, day), page, len(visible), cards, day, era, hot)


@pytest.mark.parametrize(("moment", "era"), MOMENTS)
@pytest.mark.parametrize("city", CITIES)
@pytest.mark.parametrize("page", [1, 3])
def test_krisha_pages_parse_back_to_the_rendered_listings(
    market: Market, moment: str, era: Era, city: str, page: int
) -> None:
    when = datetime.fromisoformat(moment)
    spec = _spec(market, city, when, page, era)
    parsed = krisha.parse_search_page(render_search_page(spec), when)
    # 2025 pages carry three promoted cards on top (here also listed on page 3, where the
    # parser keeps the first copy); 2022 sidebar ads are not search results.
    shown = list(
        {c.listing_id: c for c in (list(spec.hot) if era == "2025" else []) + spec.cards}.values()
    )
    assert [_got(s) for s in parsed.snapshots] == [_expected(c, when) for c in shown]
    assert all(s.price_period == "month" for s in parsed.snapshots)
    assert set(parsed.dropped) <= {"duplicate_id"}
    assert parsed.page == page
    assert parsed.last_page == (pages_for(spec.total) if spec.total > PER_PAGE else None)
    assert parsed.total == spec.total


def test_districts_are_read_where_the_parsers_know_them(market: Market) -> None:
    when = datetime.fromisoformat("2022-10-20T18:00:00+06:00")
    for city in CITIES:
        cards = market.cards(market.visible("krisha", city, market_time(when)))
        districts = {c.district for c in cards} - {None}
        assert bool(districts) == (city in {"almaty", "astana", "shymkent", "karaganda", "aktobe"})
        assert all(c.city == city for c in cards) and cards


def test_krisha_pages_show_typos_dollars_and_missing_fields_as_printed(market: Market) -> None:
    """Across many pages, each oddity the analysis must handle appears and parses as shown."""
    seen: dict[str, int] = {"usd": 0, "typo": 0, "no_floor": 0, "no_district": 0}
    for week in range(0, 60, 3):
        when = datetime(2022, 6, 1, 12, tzinfo=LOCAL) + timedelta(weeks=week)
        spec = _spec(market, "almaty", when, 1, era_of(when.date()))
        spec = SearchPage(**{**spec.__dict__, "cards": market.cards(
            market.visible("krisha", "almaty", market_time(when)))})  # fmt: skip
        parsed = {
            s.listing_id: s
            for s in krisha.parse_search_page(render_search_page(spec), when).snapshots
        }
        for card in spec.cards:
            snap = parsed[card.listing_id]
            assert (snap.price, snap.currency) == (card.price, card.currency)
            seen["usd"] += card.currency == "USD"
            seen["typo"] += card.currency == "KZT" and card.price >= 10 * 150_000 * 1.5**card.rooms
            seen["no_floor"] += snap.floor is None
            seen["no_district"] += snap.district is None
    assert all(count > 0 for count in seen.values()), seen


def test_paginator_links_every_page_and_page_one_has_no_page_parameter() -> None:
    assert search_path("almaty") == "/arenda/kvartiry/almaty/?das[rent.period]=2"
    assert search_path("nur-sultan", 2).endswith("das[rent.period]=2&page=2")
    assert pages_for(0) == 1 and pages_for(20) == 1 and pages_for(21) == 2


@pytest.mark.parametrize(
    ("day", "slug", "era"),
    [(date(2022, 10, 12), "nur-sultan", "2022"), (date(2022, 10, 13), "astana", "2022"),
     (date(2023, 3, 1), "astana", "2023")],
)  # fmt: skip
def test_astana_alias_and_markup_era_change_with_the_day(day: date, slug: str, era: str) -> None:
    assert city_slug("astana", day) == slug  # the registry's days
    assert city_slug("almaty", day) == "almaty"
    assert era_of(day) == era


@pytest.mark.parametrize(
    ("city", "day", "label", "locative"),
    [("astana", date(2022, 9, 16), "Нур-Султан", "Нур-Султане"),
     ("astana", date(2022, 9, 17), "Астана", "Астане"), ("almaty", None, "Алматы", "Алматы"),
     ("karaganda", None, "Караганда", "Караганде"), ("aktobe", None, "Актобе", "Актобе"),
     ("kostanaj", None, "Костанай", "Костанае"), ("uralsk", None, "Уральск", "Уральске"),
     ("kokshetau", None, "Кокшетау", "Кокшетау")],
)  # fmt: skip
def test_cards_name_the_city_as_krisha_does(
    city: str, day: date | None, label: str, locative: str
) -> None:
    day = day or date(2023, 1, 1)
    assert city_label(city, day) == label and city_in(city, day) == locative


@pytest.mark.parametrize("moment", [m for m, _ in MOMENTS])
@pytest.mark.parametrize("city", OLX_CITIES)
@pytest.mark.parametrize("page", [1, 2])
def test_olx_pages_parse_back_to_the_rendered_listings(
    market: Market, moment: str, city: str, page: int
) -> None:
    when = datetime.fromisoformat(moment)
    visible = market.visible("olx", city, market_time(when))
    cards = market.cards(visible, (page - 1) * OLX_PER_PAGE, OLX_PER_PAGE)
    shift = timedelta(days=3)
    parsed = olx.parse_search_page(
        render_olx_page(OlxPage(city, page, len(visible), cards, shift)), when + shift
    )
    # olx knows only private persons and businesses.
    expected = [
        (*_expected(c, when, shift)[:9], "owner" if c.owner_type == "owner" else "company",
         _expected(c, when, shift)[10])
        for c in cards
    ]  # fmt: skip
    assert [_got(s) for s in parsed.snapshots] == expected
    assert all(s.source == "olx" and s.price_period == "month" for s in parsed.snapshots)
    assert not parsed.dropped
    assert (parsed.page, parsed.total) == (page, len(visible))
    assert parsed.last_page == max(1, -(-len(visible) // OLX_PER_PAGE))


# --- the archive -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def archive(market: Market) -> Archive:
    return Archive(market, first=date(2022, 9, 1), last=date(2022, 11, 30))


def test_archive_captures_every_slug_of_every_city_and_later_pages_less_often(
    archive: Archive,
) -> None:
    slugs = {(c.city, c.slug) for c in archive.captures}
    assert {s for c, s in slugs if c == "astana"} == {"nur-sultan", "astana"}
    assert {s for c, s in slugs if c == "konaev"} == {"kapchagaj", "konaev"}
    assert {c for c, _ in slugs} == set(CITIES)
    for capture in archive.captures:
        assert capture.slug == REGISTRY.get(capture.city).krisha_slug(
            capture.moment.astimezone(LOCAL).date()
        )
    pages = [c.page for c in archive.captures if c.city == "almaty"]
    assert pages.count(1) > pages.count(2) > pages.count(3) > 0
    assert all(
        c.original.startswith("https://krisha.kz/arenda/kvartiry/") for c in archive.captures
    )


def test_small_cities_are_captured_less(archive: Archive, market: Market) -> None:
    counts = {c: sum(x.city == c for x in archive.captures) for c in CITIES}
    assert counts["almaty"] > 2 * counts["shymkent"] >= 2 * counts["shhuchinsk"] > 0
    assert capture_plan(market.models["almaty"], 2, 3) == (2, 3)
    assert capture_plan(market.models["shhuchinsk"], 2, 3) == (1, 1)
    assert {c.page for c in archive.captures if c.city == "shhuchinsk"} == {1}


def test_cdx_query_selects_filters_collapses_and_limits(archive: Archive) -> None:
    query = {"url": ["krisha.kz/arenda/kvartiry/almaty/"], "matchType": ["prefix"],
             "from": ["20221001"], "to": ["20221015"], "filter": ["statuscode:200"]}  # fmt: skip
    rows = archive.cdx_rows(query)
    assert rows and all("20221001000000" <= r["timestamp"] <= "20221015235959" for r in rows)
    assert rows == sorted(rows, key=lambda r: (r["urlkey"], r["timestamp"]))
    assert {r["urlkey"] for r in rows} <= {
        urlkey(f"https://krisha.kz{search_path('almaty', p)}") for p in (1, 2, 3)
    }
    assert archive.cdx_rows({**query, "filter": ["!statuscode:200"]}) == []
    assert len(archive.cdx_rows({**query, "limit": ["2"]})) == 2
    assert archive.cdx_rows({**query, "limit": ["-1"]}) == rows[-1:]
    collapsed = archive.cdx_rows({**query, "collapse": ["urlkey"]})
    assert len(collapsed) == len({r["urlkey"] for r in rows})
    exact = archive.cdx_rows({"url": ["https://krisha.kz" + search_path("almaty")]})
    assert exact and all("page=" not in r["original"] for r in exact)
    kind, body = archive.cdx_response({**query, "output": ["json"], "fl": ["timestamp,digest"]})
    table = json.loads(body)
    assert kind == "application/json" and table[0] == ["timestamp", "digest"]
    assert len(table) == len(rows) + 1


@pytest.mark.parametrize("city", CITIES)
def test_each_slugs_cdx_query_lists_only_its_citys_captures(archive: Archive, city: str) -> None:
    seen = 0
    for slug in REGISTRY.get(city).all_krisha_slugs:
        rows = archive.cdx_rows({"url": [f"krisha.kz/arenda/kvartiry/{slug}/"],
                                 "matchType": ["prefix"]})  # fmt: skip
        captures = [archive.find(r["timestamp"], r["original"]) for r in rows]
        assert all(c is not None and c.city == city and c.slug == slug for c in captures)
        seen += len(rows)
    assert seen == sum(c.city == city for c in archive.captures)


@pytest.mark.parametrize("city", ["astana", "karaganda", "konaev"])
def test_a_capture_parses_back_to_the_market_at_its_moment(
    archive: Archive, market: Market, city: str
) -> None:
    capture = next(c for c in archive.captures if c.city == city and c.page == 1)
    parsed = krisha.parse_search_page(archive.body(capture), capture.moment, city=city)
    spec = archive.page_spec(capture)
    assert [_got(s) for s in parsed.snapshots] == [_expected(c, capture.moment) for c in spec.cards]
    digest, length = archive.digest(capture)
    assert length == len(archive.body(capture)) and len(digest) == 32
    assert archive.body(capture) == archive.body(capture)  # kept or rendered, the same bytes


# --- the servers ------------------------------------------------------------------------------


def _get(url: str) -> tuple[int, bytes, dict[str, str]]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as reply:
            return reply.status, reply.read(), dict(reply.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


@pytest.mark.e2e
def test_sandbox_serves_three_sites_on_loopback(market: Market, archive: Archive) -> None:
    with Sandbox(market, archive=archive) as sandbox:
        settings = sandbox.scrapy_settings()
        krisha_url, archive_url = (
            settings["RENTWATCH_KRISHA_BASE_URL"],
            settings["RENTWATCH_ARCHIVE_BASE_URL"],
        )
        assert krisha_url.startswith("http://127.0.0.1:")
        status, body, _ = _get(f"{krisha_url}/robots.txt")
        assert status == 200 and b"User-agent: *" in body
        status, body, headers = _get(
            f"{krisha_url}/arenda/kvartiry/almaty/?das[rent.period]=2&page=2"
        )
        assert status == 200 and headers["X-Rentwatch-Simulated"] == "true"
        # The sandbox's clock: the market's last day, which the cards' dates agree with.
        now = datetime.fromisoformat(headers[SIMULATED_NOW_HEADER])
        assert now == LIVE_AT == sandbox.now
        parsed = krisha.parse_search_page(body, now)
        assert parsed.page == 2 and parsed.cards_seen == PER_PAGE + 3  # three promoted on top
        assert len(parsed.snapshots) + parsed.dropped["duplicate_id"] == PER_PAGE + 3
        last_day = now.astimezone(LOCAL).date()
        assert max(s.bumped_on for s in parsed.snapshots if s.bumped_on) <= last_day
        first = parsed.snapshots[0].bumped_on
        assert first is not None and first >= last_day - timedelta(days=40)
        status, _, headers = _get(f"{krisha_url}/arenda/kvartiry/nur-sultan/?das[rent.period]=2")
        assert status == 301 and headers["Location"].startswith("/arenda/kvartiry/astana/")
        status, _, headers = _get(f"{krisha_url}/arenda/kvartiry/kapchagaj/?das[rent.period]=2")
        assert status == 301 and headers["Location"].startswith("/arenda/kvartiry/konaev/")
        status, body, _ = _get(f"{krisha_url}/arenda/kvartiry/karaganda/?das[rent.period]=2")
        assert (
            status == 200 and krisha.parse_search_page(body, now).snapshots[0].city == "karaganda"
        )
        assert _get(f"{krisha_url}/arenda/kvartiry/taraz/")[0] == 404  # not in this market
        assert _get(f"{krisha_url}/arenda/kvartiry/atlantis/")[0] == 404
        capture = archive.captures[0]
        status, body, _ = _get(f"{archive_url}/web/{capture.timestamp}id_/{capture.original}")
        assert status == 200 and body == archive.body(capture)
        status, _, headers = _get(
            f"{archive_url}/web/{capture.timestamp[:8]}id_/{capture.original}"
        )
        assert status == 302 and "id_/https://krisha.kz/" in headers["Location"]
        assert _get(f"{archive_url}/cdx/search/cdx?url=x&filter=nosuch:1")[0] == 400
        olx_url = settings["RENTWATCH_OLX_BASE_URL"]
        status, body, _ = _get(f"{olx_url}/d/nedvizhimost/kvartiry/arenda-dolgosrochnaya/astana/")
        parsed = olx.parse_search_page(body, now)
        assert status == 200 and parsed.page == 1 and len(parsed.snapshots) == OLX_PER_PAGE
        status, body, _ = _get(f"{olx_url}/d/nedvizhimost/kvartiry/arenda-dolgosrochnaya/shymkent/")
        assert status == 200 and olx.parse_search_page(body, now).snapshots[0].city == "shymkent"
        counts = sandbox.request_counts()
    assert counts["krisha"]["200"] == 2 and counts["archive"]["200"] == 1


def test_a_moved_clock_moves_the_cards_dates(market: Market, archive: Archive) -> None:
    today = date(2026, 11, 21)
    with Sandbox(market, archive=archive, today=today) as sandbox:
        assert sandbox.now.astimezone(LOCAL).date() == today
        url = f"{sandbox.base_url('krisha')}/arenda/kvartiry/shymkent/?das[rent.period]=2"
        _, body, headers = _get(url)
    parsed = krisha.parse_search_page(body, datetime.fromisoformat(headers[SIMULATED_NOW_HEADER]))
    latest = max(s.bumped_on for s in parsed.snapshots if s.bumped_on)
    assert today - timedelta(days=10) <= latest <= today


def test_fixed_ports_and_a_taken_port_is_a_clear_error(market: Market, archive: Archive) -> None:
    with Sandbox(market, archive=archive) as first:
        taken = int(first.base_url("olx").rsplit(":", 1)[1])
        with pytest.raises(OSError, match=f"olx site cannot listen on 127.0.0.1:{taken}"):
            Sandbox(market, archive=archive, ports={"olx": taken}).start()
    with pytest.raises(ValueError, match="no sandbox site"):
        Sandbox(market, archive=archive, ports={"ftp": 21})
