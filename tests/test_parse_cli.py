"""`rentwatch parse PAGE.html`: JSON Lines out, a summary on stderr, one-line errors."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from rentwatch.commands.parse import not_search_results, observed_at_of
from scrapers.items import NO_SEARCH, ParsedPage
from scrapers.parse.krisha import TRUNCATED
from scrapers.parse.pages import source_of_page
from tests.cli import run_cli as run
from tests.test_parse_krisha import card_2022, page
from tests.test_parse_olx import ad, state_page
from warehouse.errors import RentwatchError

FIELDS = [
    "source", "listing_id", "city", "district", "district_raw", "rooms", "area_m2", "floor",
    "floors_total", "price", "currency", "price_period", "owner_type", "bumped_on", "url", "title",
]  # fmt: skip
ALMATY = timezone(timedelta(hours=6))
NOTHING = NO_SEARCH


def test_krisha_page_to_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html = tmp_path / "p.html"
    html.write_text(page(card_2022(), card_2022("679550758", price="Договорная")), encoding="utf-8")
    code, out, err = run(
        capsys, "parse", str(html), "--source", "krisha", "--observed-at", "2022-10-13"
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 1
    assert list(rows[0]) == FIELDS
    assert rows[0]["listing_id"] == "678106181"
    assert rows[0]["bumped_on"] == "2022-10-13"
    assert rows[0]["district"] == "Алатауский"
    assert err.strip() == (
        f"{html}: 1 of 2 cards parsed; dropped: price_negotiable 1; page ? of ?; total unknown"
    )


def test_olx_page_with_a_city(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html = tmp_path / "olx.html"
    html.write_text(state_page([ad(location={})], totalPages=3), encoding="utf-8")
    code, out, err = run(capsys, "parse", str(html), "--source", "olx", "--city", "nur-sultan")
    assert code == 0
    assert json.loads(out)["city"] == "astana"
    assert "1 of 1 cards parsed; dropped: none; page ? of 3" in err


def test_real_reference_page(reference_pages: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html = reference_pages / "krisha_search_almaty_longterm_p2_2022-10-13.html"
    code, out, err = run(capsys, "parse", str(html), "--source", "krisha")
    assert code == 0
    assert len(out.splitlines()) == 20
    assert "20 of 20 cards parsed; dropped: none; page 2 of 160; 3184 found" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "avito"], "unknown source 'avito': choose one of krisha, olx"),
        (["--source", "krisha", "--observed-at", "13.10.2022"], "--observed-at '13.10.2022' is"),
        (["--source", "krisha", "--city", "atlantis"], "unknown city 'atlantis'; known: almaty"),
    ],
)  # fmt: skip
def test_bad_options_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    html = tmp_path / "p.html"
    html.write_text(page(card_2022()), encoding="utf-8")
    code, out, err = run(capsys, "parse", str(html), *args)
    assert (code, out) == (1, "")
    assert err.startswith(f"rentwatch: error: {message}")
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["missing.html", "."])
def test_unreadable_files_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    code, out, err = run(capsys, "parse", str(tmp_path / name), "--source", "krisha")
    assert (code, out) == (1, "")
    assert err.startswith("rentwatch: error: cannot read ")
    assert len(err.strip().splitlines()) == 1


def test_a_challenge_page_is_an_error_not_an_empty_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = tmp_path / "blocked.html"
    html.write_text('<html><script src="/.safeline/static/x.js"></script></html>')
    code, out, err = run(capsys, "parse", str(html), "--source", "krisha")
    assert (code, out) == (1, "")
    assert "challenge page (safeline)" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-10-13", datetime(2022, 10, 13, tzinfo=ALMATY)),
        ("2022-10-13T15:30", datetime(2022, 10, 13, 15, 30, tzinfo=ALMATY)),
        ("2022-10-13T09:30:00+00:00", datetime(2022, 10, 13, 9, 30, tzinfo=UTC)),
        ("2022-10-13T09:30:00Z", datetime(2022, 10, 13, 9, 30, tzinfo=UTC)),
    ],
)
def test_observed_at(text: str, expected: datetime) -> None:
    assert observed_at_of(text) == expected


def test_observed_at_defaults_to_now() -> None:
    before = datetime.now(UTC)
    assert before <= observed_at_of(None) <= datetime.now(UTC)


def test_observed_at_rejects_garbage() -> None:
    with pytest.raises(RentwatchError, match="not a date or time"):
        observed_at_of("yesterday")


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (ParsedPage(snapshots=[], problem="detail page"), "detail page"),
        (ParsedPage(snapshots=[], problem="not a rent search: sale"), "not a rent search: sale"),
        (ParsedPage(snapshots=[]), NOTHING),
        (ParsedPage(snapshots=[], problem=TRUNCATED), NOTHING),
        (ParsedPage(snapshots=[], cards_seen=3, dropped=Counter(no_price=3)), None),
        (ParsedPage(snapshots=[], total=0), None),  # a search that found nothing is a search
        (ParsedPage(snapshots=[], last_page=7), None),
        (ParsedPage(snapshots=[], cards_seen=2, problem=TRUNCATED), None),
    ],
)  # fmt: skip
def test_not_search_results(page: ParsedPage, expected: str | None) -> None:
    assert not_search_results(page) == expected


@pytest.mark.parametrize(
    ("body", "source", "why"),
    [
        (b"<html><body><h1>hello</h1></body></html>", "krisha", NOTHING),
        (b"<html><body><h1>hello</h1></body></html>", "olx", NOTHING),
        (b"", "krisha", NOTHING),
        (b"<html><head><title>x</title></head>", "krisha", NOTHING),  # cut short, too
        (b'<html><link rel="canonical" href="https://krisha.kz/a/show/1"></html>', "krisha",
         "detail page"),
    ],
)  # fmt: skip
def test_a_page_that_is_not_search_results_warns_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: bytes, source: str, why: str
) -> None:
    html = tmp_path / "other.html"
    html.write_bytes(body)
    code, out, err = run(capsys, "parse", str(html), "--source", source)
    assert (code, out) == (1, "")
    summary, warning = err.splitlines()
    assert summary.startswith(f"{html}: ")
    assert warning == f"rentwatch: warning: {html} does not look like a search-results page ({why})"


@pytest.mark.parametrize("body", [b"%PDF-1.4\n\x00\x01\x02\xff", bytes(range(256)) * 8])
def test_a_binary_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: bytes
) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(body)
    code, out, err = run(capsys, "parse", str(path), "--source", "krisha")
    assert (code, out) == (1, "")
    assert err == f"rentwatch: error: {path} is a binary file, not an HTML page\n"


CANONICAL = '<html><head><link rel="canonical" href="{}"></head><body></body></html>'
OG_URL = '<html><head><meta property="og:url" content="{}"></head><body></body></html>'
PORTALS = [
    ("krisha search", CANONICAL.format("https://krisha.kz/arenda/kvartiry/almaty/"), "krisha"),
    ("krisha, upper case host", CANONICAL.format("HTTPS://KRISHA.KZ/a/show/1"), "krisha"),
    ("olx by og:url", OG_URL.format("https://www.olx.kz/nedvizhimost/"), "olx"),
    ("an archive capture", CANONICAL.format(
        "https://web.archive.org/web/20221013000000/https://krisha.kz/arenda/kvartiry/"), "krisha"),
    ("an archive capture of olx", OG_URL.format(
        "http://web.archive.org/web/2022/https://www.olx.kz/d/"), "olx"),
    ("another site", CANONICAL.format("https://www.avito.ru/kazan/kvartiry"), None),
    ("a look-alike host", CANONICAL.format("https://notkrisha.kz/arenda/"), None),
    ("a path naming the portal", CANONICAL.format("https://example.com/krisha.kz/"), None),
    ("no canonical link", "<html><body><p>krisha.kz</p></body></html>", None),
    ("empty", "", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("html", "expected"), [c[1:] for c in PORTALS], ids=[c[0] for c in PORTALS]
)
def test_a_page_names_its_portal_by_its_own_address(html: str, expected: str | None) -> None:
    assert source_of_page(html.encode()) == expected


def test_a_saved_page_needs_no_source_when_it_names_its_portal(
    reference_pages: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = reference_pages / "krisha_search_astana_2025-06-19.html"
    code, out, err = run(capsys, "parse", str(html))
    assert code == 0
    assert "23 of 23 cards parsed" in err
    anonymous = tmp_path / "p.html"
    anonymous.write_text(page(card_2022()), encoding="utf-8")
    code, out, err = run(capsys, "parse", str(anonymous))
    assert (code, out) == (1, "")
    assert err.strip() == (
        f"rentwatch: error: {anonymous} does not say which portal it comes from (no krisha.kz "
        "or olx.kz canonical link): give --source krisha or --source olx"
    )
    binary = tmp_path / "scan.html"
    binary.write_bytes(b"%PDF-1.7\0\0\0")
    code, out, err = run(capsys, "parse", str(binary))
    assert err.strip() == f"rentwatch: error: {binary} is a binary file, not an HTML page"
