"""A run's verdict is the truth about what it fetched, and its WARC holds the whole night.

Each row serves the loopback fake (tests/loopback.py) in one of the ways a site goes wrong
while answering 200, crawls it in Scrapy's own child process as `rentwatch crawl` does, and
checks the run's status, its distinct listings and its one-line reason; then that the run's
WARC, read again by the reparse, yields the same listings the crawl spooled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from loopback import Capture, FakeSites, krisha_page, make_listings, serve

from scrapers.run import CrawlJob, run_crawls
from scrapers.warc.reader import WarcReader
from scrapers.warc.reparse import read_run

pytestmark = pytest.mark.e2e

DAY = datetime.now(UTC)
ALMATY = make_listings("almaty", 100)
ASTANA = make_listings("astana", 100)
LIVE = CrawlJob("krisha", {"city": "almaty", "origin": "simulated"})
ARCHIVE = CrawlJob(
    "krisha_archive",
    {"city": "astana", "from": "2022-10-01", "to": "2022-10-31", "origin": "simulated"},
)
LONG_TERM = "?das[rent.period]=2"


def almaty_page(page: int, **kwargs: Any) -> bytes:
    return krisha_page(ALMATY, slug="almaty", page=page, total=100, day=DAY, **kwargs)


def captures() -> list[Capture]:
    """Two captures under each of Astana's slugs, 20 listings each."""
    return [
        Capture(
            datetime(2022, 10, day, 9, 0, tzinfo=UTC),
            f"https://krisha.kz/arenda/kvartiry/{slug}/{LONG_TERM}",
            tuple(ASTANA[:20]),
        )
        for slug, days in (("nur-sultan", (3, 17)), ("astana", (10, 24)))
        for day in days
    ]


def many_captures(n: int) -> list[Capture]:
    """``n`` weekly captures under Astana's slug, 20 listings each."""
    return [
        Capture(
            datetime(2022, 1, 3, 9, 0, tzinfo=UTC) + timedelta(weeks=k),
            f"https://krisha.kz/arenda/kvartiry/astana/{LONG_TERM}",
            tuple(ASTANA[:20]),
        )
        for k in range(n)
    ]


# Almaty's page 2, as the fake sees its target.
PAGE_2 = "/almaty/?das%5Brent.period%5D=2&page=2"
# The CDX query of one slug, as the fake sees its target.
NUR_SULTAN_INDEX = "/cdx/search/cdx?url=krisha.kz%2Farenda%2Fkvartiry%2Fnur-sultan"


@dataclass(frozen=True)
class Case:
    name: str
    site: FakeSites
    status: str
    listings: int  # distinct listings spooled
    reason: str | None = None  # a fragment of the run's one-line reason
    job: CrawlJob = LIVE
    search_pages: int | None = None  # search responses the WARC must hold
    settings: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case(
        "page 1 served for every page number",
        FakeSites(krisha={"almaty": 100}, body_override={"page=": almaty_page(1)}),
        "failed",
        20,
        "coverage 20/100",
    ),
    Case(
        "another city's listings served for the search",
        FakeSites(
            krisha={"almaty": 100},
            body_override={
                "/arenda/kvartiry/almaty/": krisha_page(
                    ASTANA[:20], slug="astana", page=1, total=20, day=DAY
                )
            },
        ),
        "failed",
        0,
        "another city's search: astana",
    ),
    Case(
        "windows-1251, named only in the Content-Type header",
        FakeSites(krisha={"almaty": 100}, encoding="windows-1251"),
        "finished",
        100,
    ),
    Case(
        "a page cut short (connection closed mid-body, no length to tell)",
        FakeSites(
            krisha={"almaty": 100},
            body_override={"page=3": almaty_page(3)[: len(almaty_page(3)) // 2]},
        ),
        "failed",
        89,
        "truncated page",
    ),
    Case(
        "a page cut short once, whole when fetched again",
        FakeSites(krisha={"almaty": 100}, cut_once="page=3"),
        "finished",
        100,
    ),
    Case(
        "a search page redirected to a login page (200)",
        FakeSites(
            krisha={"almaty": 100},
            errors={"page=3": 302},
            headers={"page=3": {"Location": "/my/login?next=%2Farenda%2Fkvartiry"}},
            body_override={"/my/login": b"<html><body><form>login</form></body></html>"},
        ),
        "failed",
        80,
        "redirected to /my/login",
    ),
    Case(
        "a maintenance page served as 200",
        FakeSites(
            krisha={"almaty": 100},
            body_override={
                "/almaty/?": "<html><body><h1>Технические работы</h1></body></html>".encode()
            },
        ),
        "failed",
        0,
        "not a search page: no listing cards, result count or pagination on it",
    ),
    Case(
        "page 1 redirected to the home page",
        FakeSites(
            krisha={"almaty": 100},
            errors={"/almaty/?": 301},
            headers={"/almaty/?": {"Location": "/?from=search"}},
            body_override={"/?from=search": b"<html><body>krisha.kz</body></html>"},
        ),
        "failed",
        0,
        "redirected to /",
    ),
    Case(
        "a redirect to the same search without its trailing slash",
        FakeSites(
            krisha={"almaty": 100},
            errors={PAGE_2: 301},
            headers={PAGE_2: {"Location": "/arenda/kvartiry/almaty?das%5Brent.period%5D=2&page=2"}},
        ),
        "finished",
        100,
    ),
    Case(
        "a paginator the parser no longer finds",
        FakeSites(krisha={"almaty": 100}, paginator=False),
        "finished",
        100,
        search_pages=5,
    ),
    Case(
        "no capture in the period",
        FakeSites(captures=[]),
        "failed",
        0,
        "no capture in the archive for the period",
        job=ARCHIVE,
    ),
    Case(
        "one of the capture indexes is not JSON",
        FakeSites(captures=captures(), body_override={NUR_SULTAN_INDEX: b"<html>oops</html>"}),
        "failed",
        20,
        "capture index unreadable",
        job=ARCHIVE,
    ),
    Case(
        "one of the capture indexes answers 500",
        FakeSites(captures=captures(), errors={NUR_SULTAN_INDEX: 500}),
        "failed",
        20,
        "capture index: http 500",
        job=ARCHIVE,
        settings={"RETRY_TIMES": 0},
    ),
    Case(
        "a listed capture answers 404 (one of four)",
        FakeSites(captures=captures(), errors={"/web/20221017": 404}),
        "failed",
        20,
        "capture http 404 of 4 listed (at most 2% may fail)",
        job=ARCHIVE,
    ),
    Case(
        "a listed capture answers 404 (one of sixty)",
        FakeSites(captures=many_captures(60), errors={"/web/20220103": 404}),
        "finished",
        20,
        job=CrawlJob(
            "krisha_archive",
            {"city": "astana", "from": "2022-01-01", "to": "2023-03-31", "origin": "simulated"},
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_verdict_is_what_was_fetched(tmp_path: Path, case: Case) -> None:
    spool_dir = tmp_path / "spool"
    with serve(case.site) as base:
        [result] = run_crawls(
            [case.job],
            spool_dir=spool_dir,
            settings={
                "RENTWATCH_KRISHA_BASE_URL": base,
                "RENTWATCH_ARCHIVE_BASE_URL": base,
                "RENTWATCH_DB": str(tmp_path / "rentwatch.duckdb"),
                "RENTWATCH_ARCHIVE_DELAY": 0,
                "DOWNLOAD_DELAY": 0,
                "AUTOTHROTTLE_ENABLED": False,
                "RENTWATCH_BACKOFF_START": 0,
                "RENTWATCH_MIN_ITEMS": 1,
                "LOG_LEVEL": "WARNING",
                **case.settings,
            },
        )
    rows = [json.loads(line) for line in result.spool.read_text().splitlines()]
    spooled = {(r["listing_id"], r["observed_at"]) for r in rows}
    assert (result.status, len({r["listing_id"] for r in rows})) == (
        case.status,
        case.listings,
    ), result.reason
    assert result.items == len(rows) == len(spooled)  # nothing spooled twice
    if case.reason is None:
        assert result.reason is None
    else:
        assert case.reason in str(result.reason)
    warc = spool_dir / f"{result.run_id}.warc.gz"
    if case.search_pages is not None:
        with WarcReader(warc) as reader:
            kinds = [r.kind for r in reader.records() if r.type == "response"]
        assert kinds.count("search") == case.search_pages
    assert {r["listing_id"] for r in read_run(warc).records} == {i for i, _ in spooled}
