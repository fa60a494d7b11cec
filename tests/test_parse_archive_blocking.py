"""Wayback CDX rows and capture URLs; blocked responses told apart from empty pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scrapers.parse.archive import (
    ArchiveError,
    Capture,
    capture_url,
    city_of_url,
    parse_cdx,
    parse_timestamp,
    source_of_url,
)
from scrapers.parse.blocking import blocked_reason, is_blocked
from warehouse.errors import RentwatchError

HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
OLX_RENT = "nedvizhimost/kvartiry/arenda-dolgosrochnaya"
ALMATY_URL = "https://krisha.kz/arenda/kvartiry/almaty/?das[rent.period]=2&page=2"


def test_cdx_rows_become_captures() -> None:
    body = json.dumps(
        [
            HEADER,
            ["kz,krisha)/arenda", "20221013093000", ALMATY_URL, "text/html", "200", "AB2C", "9"],
            ["kz,krisha)/arenda", "20220915120000", "krisha.kz/x", "warc/revisit", "-", "-", "0"],
        ]
    ).encode()
    assert parse_cdx(body) == [
        Capture(datetime(2022, 10, 13, 9, 30, tzinfo=UTC), ALMATY_URL, 200, "AB2C", "text/html"),
        Capture(
            datetime(2022, 9, 15, 12, 0, tzinfo=UTC), "krisha.kz/x", None, None, "warc/revisit"
        ),
    ]


def test_cdx_with_chosen_fields_and_a_resume_key() -> None:
    body = json.dumps(
        [["timestamp", "original", "digest"], ["20230101000000", ALMATY_URL, "D"], [], ["key"]]
    )
    (capture,) = parse_cdx(body)
    assert (capture.timestamp14, capture.statuscode, capture.digest) == (
        "20230101000000",
        None,
        "D",
    )


@pytest.mark.parametrize("body", ["[]", b"[]"])
def test_cdx_without_captures(body: str | bytes) -> None:
    assert parse_cdx(body) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<html>rate limited</html>", "not JSON"),
        ('{"a": 1}', "not a JSON array"),
        ('[["urlkey", "original"], ["k", "u"]]', "no 'timestamp' column"),
        (
            '[["timestamp", "original"], ["2022-10-13", "u"]]',
            "bad CDX timestamp '2022-10-13' in row 2",
        ),
        ('[["timestamp", "original"], ["20221399000000", "u"]]', "bad CDX timestamp"),
    ],
)
def test_malformed_cdx_is_a_clear_error(body: str, message: str) -> None:
    with pytest.raises(ArchiveError, match=message) as caught:
        parse_cdx(body)
    assert isinstance(caught.value, RentwatchError)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20221013093005", datetime(2022, 10, 13, 9, 30, 5, tzinfo=UTC)),
        ("20221013", datetime(2022, 10, 13, tzinfo=UTC)),
        ("202210", datetime(2022, 10, 1, tzinfo=UTC)),
        ("2022", datetime(2022, 1, 1, tzinfo=UTC)),
    ],
)
def test_timestamps_are_utc_and_padded(text: str, expected: datetime) -> None:
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    ("base", "timestamp", "expected"),
    [
        ("https://web.archive.org", "20221013093000", "https://web.archive.org/web/20221013093000id_/"),
        ("http://127.0.0.1:8765/", datetime(2022, 10, 13, 9, 30, tzinfo=UTC), "http://127.0.0.1:8765/web/20221013093000id_/"),
    ],
)  # fmt: skip
def test_capture_url_asks_for_the_original_bytes(
    base: str, timestamp: datetime | str, expected: str
) -> None:
    assert capture_url(base, timestamp, ALMATY_URL) == expected + ALMATY_URL


@pytest.mark.parametrize(
    ("url", "city", "source"),
    [
        (ALMATY_URL, "almaty", "krisha"),
        ("https://krisha.kz/arenda/kvartiry/nur-sultan/?das[rent.period]=2", "astana", "krisha"),
        ("http://krisha.kz/arenda/kvartiry/astana/", "astana", "krisha"),
        ("krisha.kz/arenda/kvartiry/almaty", "almaty", "krisha"),
        ("https://m.krisha.kz/kz/arenda/kvartiry/almaty-bostandykskij/", "almaty", "krisha"),
        (f"https://www.olx.kz/d/{OLX_RENT}/alma-ata/", "almaty", "olx"),
        (f"https://www.olx.kz/{OLX_RENT}/astana/?page=3", "astana", "olx"),
        ("https://krisha.kz/arenda/kvartiry/shymkent/", "shymkent", "krisha"),
        ("https://krisha.kz/arenda/kvartiry/ust-kamenogorsk/?page=3", "ust-kamenogorsk", "krisha"),
        ("https://krisha.kz/arenda/kvartiry/atlantis/", None, "krisha"),
        ("https://krisha.kz/prodazha/kvartiry/almaty/", None, "krisha"),
        ("https://krisha.kz/a/show/679550758", None, "krisha"),
        ("https://example.org/arenda/kvartiry/almaty/", "almaty", None),
    ],
)  # fmt: skip
def test_city_and_source_of_a_search_url(url: str, city: str | None, source: str | None) -> None:
    assert (city_of_url(url), source_of_url(url)) == (city, source)


SAFELINE_PAGE = b"""<!DOCTYPE html><html><head><title>Checking</title>
<script src="/.safeline/static/favicon.js"></script></head>
<body><script>document.cookie = "sl-session=abc"</script></body></html>"""


TURNSTILE_PAGE = b"""<!DOCTYPE html><html><head><title>Just a moment...</title>
<script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async defer></script></head>
<body><div class="cf-turnstile" data-sitekey="0x4AAAAAAA"></div></body></html>"""
DDOS_GUARD_PAGE = b"""<!DOCTYPE html><html><head><title>DDoS-Guard</title>
<script src="/.well-known/ddos-guard/check?context=free_splash"></script></head>
<body><div id="ddg-l">Checking your browser before accessing</div></body></html>"""


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (468, SAFELINE_PAGE, "safeline"),
        (468, b"", "http_468"),
        (403, b"<html>Forbidden</html>", "http_403"),
        (429, b"Too Many Requests", "http_429"),
        (200, SAFELINE_PAGE, "safeline"),
        (200, b"<p>x</p>" * 100_000 + b'<script src="/.safeline/static/x.js">', "safeline"),
        (200, b'<script src="/.safeline/static/x.js">' + b"<p>x</p>" * 100_000, "safeline"),
        (
            503,
            b'<form id="challenge-form" action="/?__cf_chl_f_tk=1" class="cf-chl-x">',
            "cloudflare",
        ),
        (
            200,
            '<script src="/cdn-cgi/challenge-platform/h/b/orchestrate"></script>',
            "cloudflare",
        ),
        # Cloudflare Turnstile and DDoS-Guard's check page (issue 12: taken for pages)
        (200, TURNSTILE_PAGE, "cloudflare"),
        (403, TURNSTILE_PAGE, "cloudflare"),
        (200, DDOS_GUARD_PAGE, "ddos-guard"),
        (403, DDOS_GUARD_PAGE, "ddos-guard"),
        (200, b"<html><body>No listings found</body></html>", None),
        (200, b"", None),
        (404, b"<html>Not found</html>", None),
        (503, b"<html>Service Unavailable</html>", None),
    ],
)
def test_blocked_responses(status: int, body: bytes | str, reason: str | None) -> None:
    assert blocked_reason(status, body) == reason
    assert is_blocked(status, body) is (reason is not None)


def test_a_403_signed_by_the_firewall_is_named_after_it() -> None:
    assert blocked_reason(403, b"Forbidden", server="ddos-guard") == "ddos-guard"
    assert blocked_reason(403, b"Forbidden", server="nginx") == "http_403"


def test_a_real_search_page_is_not_blocked(reference_pages: Path) -> None:
    for page in reference_pages.glob("*.html"):
        assert not is_blocked(200, page.read_bytes()), page.name
