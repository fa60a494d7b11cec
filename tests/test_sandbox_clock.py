"""The sandbox's clock: a simulated crawl on loopback is observed when the sandbox says it is."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.http import HtmlResponse

from scrapers.clock import SIMULATED_NOW_HEADER, is_loopback, observed_at, simulated_now
from scrapers.spiders.base import Sighting
from scrapers.spiders.krisha import KrishaSpider

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SANDBOX = "2023-06-30T20:00:00+06:00"
THEN = datetime(2023, 6, 30, 14, tzinfo=UTC)  # the same moment in UTC


@pytest.mark.parametrize(
    ("url", "origin", "header", "expected"),
    [
        ("http://127.0.0.1:8080/arenda/", "simulated", SANDBOX, THEN),
        ("http://localhost:8080/", "simulated", SANDBOX.encode(), THEN),
        ("http://[::1]:8080/", "simulated", SANDBOX, THEN),
        # A real site, or a live crawl, never has its clock moved.
        ("https://krisha.kz/arenda/", "simulated", SANDBOX, NOW),
        ("http://127.0.0.1:8080/", "live", SANDBOX, NOW),
        # No header, or one that is not an aware moment: the real clock.
        ("http://127.0.0.1:8080/", "simulated", None, NOW),
        ("http://127.0.0.1:8080/", "simulated", "yesterday", NOW),
        ("http://127.0.0.1:8080/", "simulated", "2023-06-30T20:00:00", NOW),
    ],
)  # fmt: skip
def test_the_simulated_clock_is_honoured_only_for_a_simulated_crawl_on_loopback(
    url: str, origin: str, header: str | bytes | None, expected: datetime
) -> None:
    assert observed_at(header, url=url, origin=origin, now=NOW) == expected


def test_helpers() -> None:
    assert is_loopback("http://127.0.0.2/") and not is_loopback("http://10.0.0.1/")
    assert simulated_now(None) is None and simulated_now(b"\xff") is None


@pytest.mark.parametrize(
    ("origin", "url", "simulated"),
    [("simulated", "http://127.0.0.1:9/a", True), ("live", "http://127.0.0.1:9/a", False)],
)
def test_the_spiders_stamp_pages_with_it(origin: str, url: str, simulated: bool) -> None:
    spider = KrishaSpider(city="almaty", origin=origin)
    response = HtmlResponse(url, body=b"<html></html>", headers={SIMULATED_NOW_HEADER: SANDBOX})
    seen = Sighting.of(response, spider.simulated_now(response))
    if simulated:
        assert seen.observed_at == datetime.fromisoformat(SANDBOX)
    else:
        assert spider.simulated_now(response) is None
        assert abs((seen.observed_at - datetime.now(UTC)).total_seconds()) < 60
