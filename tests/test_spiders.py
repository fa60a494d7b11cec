"""The spiders' routing and manners, without a network: arguments, pagination, archive
queries, the archive's delay floor, blocked answers and back-off."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import random
from collections.abc import Callable
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from loopback import krisha_page, make_listings
from scrapy.core.downloader import Slot
from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from scrapers import settings as project_settings
from scrapers.items import SpoolBatch
from scrapers.middlewares import BackoffMiddleware, Blocked, BlockedMiddleware, retry_after
from scrapers.spiders.krisha import KrishaSpider
from scrapers.spiders.krisha_archive import (
    KrishaArchiveSpider,
    archive_delay,
    is_long_term_search,
)
from scrapers.spiders.olx import OlxSpider
from scrapers.spiders.params import (
    ArchiveParams,
    KrishaParams,
    SpiderArgumentError,
    parse_args,
)

BASE = {"RENTWATCH_KRISHA_BASE_URL": "http://127.0.0.1:9", "RENTWATCH_PAGE_WINDOW": 3}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"city": "almaty"}, {"city": "almaty", "origin": "live", "details": False}),
        ({"city": "Алматы"}, {"city": "almaty"}),
        ({"city": "nur-sultan", "origin": "simulated"}, {"city": "astana", "origin": "simulated"}),
        (
            {"city": "astana", "details": "true", "max_pages": "3"},
            {"details": True, "max_pages": 3},
        ),
    ],
)
def test_spider_arguments_are_validated_and_normalised(
    raw: dict[str, str], expected: dict[str, Any]
) -> None:
    params = parse_args(KrishaParams, raw)
    assert {k: getattr(params, k) for k in expected} == expected


@pytest.mark.parametrize(
    ("model", "raw", "message"),
    [
        (KrishaParams, {"city": "paris"},
         "spider argument city: unknown city 'paris'; known: almaty, astana, "),
        (KrishaParams, {}, "spider argument city: required"),
        (KrishaParams, {"city": "almaty", "origin": "archive"},
         "spider argument origin: Input should be 'live' or 'simulated'"),
        (KrishaParams, {"city": "almaty", "max_pages": "0"},
         "spider argument max_pages: Input should be greater than or equal to 1"),
        (KrishaParams, {"city": "almaty", "cty": "x"}, "spider argument cty: unknown argument"),
        (ArchiveParams, {"city": "almaty", "from": "2022-13-01", "to": "2023-01-01"},
         "spider argument from: Input should be a valid date"),
        (ArchiveParams, {"city": "almaty", "from": "2023-01-02", "to": "2023-01-01"},
         "spider arguments: from 2023-01-02 is after to 2023-01-01"),
    ],
)  # fmt: skip
def test_bad_spider_arguments_are_one_line_errors(
    model: type[Any], raw: dict[str, str], message: str
) -> None:
    with pytest.raises(SpiderArgumentError) as caught:
        parse_args(model, raw)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_archive_dates_are_inclusive_days() -> None:
    params = parse_args(ArchiveParams, {"city": "astana", "from": "2022-01-01", "to": "2022-01-01"})
    assert (params.date_from, params.date_to, params.origin) == (
        date(2022, 1, 1),
        date(2022, 1, 1),
        "archive",
    )


def make_spider(cls: type[Any], settings: dict[str, Any], **args: str) -> Any:
    crawler = get_crawler(cls, settings)
    return cls.from_crawler(crawler, **args)


def pages_of(requests: Any) -> list[int]:
    return [r.cb_kwargs["page"] for r in requests]


@pytest.mark.parametrize(("last", "window"), list(itertools.product([1, 2, 5, 13], [1, 3, 4])))
def test_every_page_is_asked_for_once_whatever_order_the_answers_come_in(
    last: int, window: int
) -> None:
    for seed in range(5):
        spider = make_spider(KrishaSpider, {**BASE, "RENTWATCH_PAGE_WINDOW": window}, city="almaty")
        asked = [1]
        pending = [1]
        rng = random.Random(seed)
        while pending:
            page = pending.pop(rng.randrange(len(pending)))
            new = pages_of(spider.next_pages(page, last))
            assert len(new) <= window
            asked += new
            pending += new
        assert sorted(asked) == list(range(1, last + 1))


def test_no_more_than_the_window_is_in_flight_at_first() -> None:
    spider = make_spider(KrishaSpider, BASE, city="almaty")
    assert pages_of(spider.next_pages(1, 160)) == [2, 3, 4]
    assert pages_of(spider.next_pages(2, 160)) == [5]
    assert pages_of(spider.next_pages(158, 160)) == []


def test_max_pages_caps_the_crawl() -> None:
    spider = make_spider(KrishaSpider, BASE, city="almaty", max_pages="2")
    assert pages_of(spider.next_pages(1, 160)) == [2]


def test_a_failed_page_passes_its_turn_on() -> None:
    spider = make_spider(KrishaSpider, BASE, city="almaty")
    list(spider.next_pages(1, 10))
    failure = SimpleNamespace(
        request=spider.page_request(4),
        check=lambda *_: False,
        getErrorMessage=lambda: "connection refused",
    )
    assert pages_of(spider.page_failed(failure)) == [7]


def test_a_page_the_parser_crashes_on_passes_its_turn_on_and_fails_the_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A parser bug on page 4 had ended the pagination there: pages 8.. were never fetched,
    so no WARC held them for the reparse that fixes the night."""
    spider = make_spider(KrishaSpider, BASE, city="almaty")
    list(spider.next_pages(1, 10))

    def crash(*_: Any, **__: Any) -> Any:
        raise KeyError("price")

    monkeypatch.setattr(KrishaSpider, "parser", staticmethod(crash))
    response = HtmlResponse(
        spider.page_url(4), body=b"<html></html>", request=spider.page_request(4)
    )
    assert pages_of(r for r in spider.parse_search(response, page=4) if isinstance(r, Request)) == [
        7
    ]
    assert spider.crawler.stats.get_value("rentwatch/page_problems/parser error: KeyError") == 1


@pytest.mark.parametrize(
    ("cls", "city", "page", "url"),
    [
        (KrishaSpider, "almaty", 1, "/arenda/kvartiry/almaty/?das[rent.period]=2"),
        (KrishaSpider, "astana", 3, "/arenda/kvartiry/astana/?das[rent.period]=2&page=3"),
        (OlxSpider, "almaty", 1, "/d/nedvizhimost/kvartiry/arenda-dolgosrochnaya/alma-ata/"),
        (OlxSpider, "astana", 2, "/d/nedvizhimost/kvartiry/arenda-dolgosrochnaya/astana/?page=2"),
    ],
)
def test_search_urls(cls: type[Any], city: str, page: int, url: str) -> None:
    settings = {**BASE, "RENTWATCH_OLX_BASE_URL": "http://127.0.0.1:9/"}
    assert make_spider(cls, settings, city=city).page_url(page) == "http://127.0.0.1:9" + url


@pytest.mark.parametrize(
    ("original", "slug", "wanted"),
    [
        ("https://krisha.kz/arenda/kvartiry/almaty/?das[rent.period]=2", "almaty", True),
        ("http://krisha.kz/arenda/kvartiry/almaty/?das%5Brent.period%5D=2&page=7", "almaty", True),
        ("https://krisha.kz/arenda/kvartiry/almaty/", "almaty", True),  # every term
        ("https://krisha.kz/arenda/kvartiry/almaty/?das[rent.period]=1", "almaty", False),
        ("https://krisha.kz/arenda/kvartiry/almaty/?das[rent.period]=4", "almaty", False),
        ("https://krisha.kz/arenda/kvartiry/almaty-bostandykskij/", "almaty", False),
        ("https://krisha.kz/arenda/kvartiry/nur-sultan/?das[live.rooms]=2", "nur-sultan", True),
    ],
)
def test_long_term_search_captures(original: str, slug: str, wanted: bool) -> None:
    assert is_long_term_search(original, slug) is wanted


def test_archive_queries_the_cdx_api_for_both_astana_slugs() -> None:
    spider = make_spider(
        KrishaArchiveSpider,
        {"RENTWATCH_ARCHIVE_BASE_URL": "http://127.0.0.1:9", "RENTWATCH_ARCHIVE_DELAY": 0},
        city="astana",
        **{"from": "2022-01-01", "to": "2023-06-30"},
    )
    assert spider.cdx_url("nur-sultan") == (
        "http://127.0.0.1:9/cdx/search/cdx?url=krisha.kz%2Farenda%2Fkvartiry%2Fnur-sultan%2F"
        "&matchType=prefix&from=20220101&to=20230630&output=json"
        "&fl=timestamp%2Coriginal%2Cstatuscode%2Cdigest&filter=statuscode%3A200&collapse=digest"
    )


@pytest.mark.parametrize(
    ("base", "configured", "delay"),
    [
        ("https://web.archive.org", 0.0, 1.0),
        ("https://web.archive.org", 2.5, 2.5),
        ("http://127.0.0.1:8080", 0.0, 0.0),
        ("http://localhost:8080", 0.2, 0.2),
        ("http://[::1]:8080", 0.0, 0.0),
        ("http://10.0.0.5", 0.0, 1.0),
    ],
)
def test_archive_delay_has_a_one_second_floor_off_loopback(
    base: str, configured: float, delay: float
) -> None:
    assert archive_delay(base, configured) == delay


def test_command_line_cannot_undercut_the_archive_floor() -> None:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.setdict(
        {"DOWNLOAD_DELAY": 0, "RENTWATCH_ARCHIVE_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 2},
        priority="cmdline",
    )
    KrishaArchiveSpider.update_settings(settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == 1.0
    assert settings.getfloat("DOWNLOAD_DELAY_JITTER") == 0.0
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1


class FakeEngine:
    def __init__(self) -> None:
        self.closed: list[str] = []

    async def close_spider_async(self, *, reason: str) -> None:
        self.closed.append(reason)


def blocked_middleware() -> tuple[BlockedMiddleware, FakeEngine]:
    crawler = get_crawler(KrishaSpider, BASE)
    mw, engine = BlockedMiddleware(crawler), FakeEngine()
    mw.crawler = SimpleNamespace(engine=engine, stats=crawler.stats)  # type: ignore[assignment]
    return mw, engine


def page(status: int, body: bytes = b"<html><body>listings</body></html>") -> HtmlResponse:
    return HtmlResponse("http://127.0.0.1:9/p", status=status, body=body)


def in_event_loop(step: Callable[[], Any]) -> Any:
    """Run ``step`` inside a running asyncio loop (as Scrapy's reactor runs middlewares) and
    let the tasks it schedules run too."""

    async def scenario() -> Any:
        try:
            return step()
        finally:
            await asyncio.sleep(0)

    return asyncio.run(scenario())


def test_a_468_is_retried_once_in_a_fresh_session_then_stops_the_run() -> None:
    mw, engine = blocked_middleware()
    request = Request("http://127.0.0.1:9/p")
    mw.process_request(request)
    assert request.meta["cookiejar"] == 0
    retry = mw.process_response(request, page(468))
    assert isinstance(retry, Request)
    assert (retry.meta["cookiejar"], retry.dont_filter) == (1, True)
    later = Request("http://127.0.0.1:9/q")
    mw.process_request(later)
    assert later.meta["cookiejar"] == 1  # everyone moves to the fresh session
    with pytest.raises(Blocked, match="HTTP 468"):
        in_event_loop(lambda: mw.process_response(retry, page(468)))
    assert engine.closed == ["blocked"]
    stats = mw.crawler.stats
    assert stats.get_value("rentwatch/blocked") == 1
    assert stats.get_value("rentwatch/blocked_responses/http_468") == 2


@pytest.mark.parametrize("status", [403, 429])
def test_403_and_429_after_retries_stop_the_run_at_once(status: int) -> None:
    mw, engine = blocked_middleware()
    with pytest.raises(Blocked):
        in_event_loop(lambda: mw.process_response(Request("http://127.0.0.1:9/p"), page(status)))
    assert engine.closed == ["blocked"]


def test_a_challenge_page_with_status_200_is_blocked_but_an_archived_one_is_the_spiders() -> None:
    mw, _ = blocked_middleware()
    challenge = page(200, b'<script src="/.safeline/static/x.js"></script>')
    assert isinstance(mw.process_response(Request("http://127.0.0.1:9/p"), challenge), Request)
    archived = Request("http://127.0.0.1:9/web/1id_/x", meta={"archived_page": True})
    assert mw.process_response(archived, challenge) is challenge
    normal = page(200)
    assert mw.process_response(Request("http://127.0.0.1:9/p"), normal) is normal


def backoff(start: float = 5.0, ceiling: float = 60.0, delay: float = 1.0) -> tuple[Any, Slot]:
    crawler = get_crawler(
        KrishaSpider, {**BASE, "RENTWATCH_BACKOFF_START": start, "RENTWATCH_BACKOFF_MAX": ceiling}
    )
    mw = BackoffMiddleware(crawler)
    slot = Slot(1, delay, 0.0)
    mw.crawler = SimpleNamespace(  # type: ignore[assignment]
        engine=SimpleNamespace(downloader=SimpleNamespace(slots={"host": slot})),
        stats=crawler.stats,
    )
    return mw, slot


def test_429_and_5xx_back_the_site_off_exponentially_up_to_a_ceiling() -> None:
    mw, slot = backoff()
    request = Request("http://host/p", meta={"download_slot": "host"})
    delays = []
    for status in (429, 503, 500, 429, 502, 429):
        mw.process_response(request, page(status))
        delays.append(slot.delay)
    assert delays == [5.0, 10.0, 20.0, 40.0, 60.0, 60.0]
    mw.process_response(request, page(200))
    mw.process_response(request, page(404))
    assert slot.delay == 60.0  # good answers are AutoThrottle's to ease, not ours


def test_retry_after_is_honoured() -> None:
    mw, slot = backoff()
    answer = HtmlResponse("http://host/p", status=429, headers={"Retry-After": "30"}, body=b"")
    mw.process_response(Request("http://host/p", meta={"download_slot": "host"}), answer)
    assert slot.delay == 30.0


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("soon", None), (None, None)],
)
def test_retry_after_header(header: str | None, seconds: float | None) -> None:
    headers = {"Retry-After": header} if header is not None else {}
    response = HtmlResponse("http://host/p", status=429, headers=headers, body=b"")
    assert retry_after(response) == seconds


def test_details_complete_a_card_without_a_district_from_its_detail_page() -> None:
    listings = make_listings("almaty", 3)
    listings[1] = dataclasses.replace(listings[1], district="")
    day = datetime(2022, 10, 13, 9, tzinfo=UTC)
    body = krisha_page(listings, slug="almaty", page=1, total=3, day=day)
    url = "http://127.0.0.1:9/arenda/kvartiry/almaty/?das[rent.period]=2"
    for details, fetched in (("false", 0), ("true", 1)):
        spider = make_spider(KrishaSpider, BASE, city="almaty", details=details)
        out = list(spider.parse_search(HtmlResponse(url, body=body), page=1))
        detail = [r for r in out if isinstance(r, Request) and r.callback == spider.parse_detail]
        records = [r for b in out if isinstance(b, SpoolBatch) for r in b.records]
        assert (len(detail), len(records)) == (fetched, 3 - fetched)
    [request] = detail
    assert request.url == f"http://127.0.0.1:9/a/show/{listings[1].listing_id}"
    page_html = (
        '<div class="offer__location"><span>Алматы,\n Бостандыкский р-н</span></div>'
    ).encode()
    [batch] = spider.parse_detail(
        HtmlResponse(request.url, body=page_html, encoding="utf-8"), **request.cb_kwargs
    )
    [record] = batch.records
    assert (record["district"], record["district_raw"]) == ("Бостандыкский", "Бостандыкский р-н")
    assert record["price"] == listings[1].price
    [kept_batch] = spider.detail_failed(SimpleNamespace(request=request))
    [kept] = kept_batch.records
    assert kept["district"] is None and kept["listing_id"] == str(listings[1].listing_id)


def test_a_capture_the_parser_crashes_on_fails_the_backfill(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Was: a spider error no check reads, and a healthy run on the other captures."""
    spider = make_spider(
        KrishaArchiveSpider,
        {"RENTWATCH_ARCHIVE_BASE_URL": "http://127.0.0.1:9"},
        city="almaty",
        **{"from": "2022-10-01", "to": "2022-10-31"},
    )

    def crash(*_: Any, **__: Any) -> Any:
        raise IndexError("list index out of range")

    monkeypatch.setattr("scrapers.parse.krisha.parse_search_page", crash)
    original = "https://krisha.kz/arenda/kvartiry/almaty/?das[rent.period]=2"
    response = HtmlResponse(f"http://127.0.0.1:9/web/20221003090000id_/{original}", body=b"<html>")
    assert list(spider.parse_capture(response, datetime(2022, 10, 3, tzinfo=UTC), original)) == []
    assert spider.crawler.stats.get_value("rentwatch/page_problems/parser error: IndexError") == 1
