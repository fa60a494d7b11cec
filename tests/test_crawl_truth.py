"""A run's verdict comes from evidence: failed pages by cause, coverage, robots.txt, Retry-After.

Each test crawls the loopback fake (tests/loopback.py) in Scrapy's own child process, as
`rentwatch crawl` does, and reads the run's status and one-line reason from its sidecar.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from loopback import FakeSites, serve
from twisted.internet import error as net
from twisted.python.failure import Failure

from scrapers.middlewares import failure_cause
from scrapers.run import CrawlJob, RunResult, run_crawls

pytestmark = pytest.mark.e2e


def crawl(tmp_path: Path, site: FakeSites, **settings: Any) -> RunResult:
    with serve(site) as base:
        [result] = run_crawls(
            [CrawlJob("krisha", {"city": "almaty", "origin": "simulated"})],
            spool_dir=tmp_path / "spool",
            settings={
                "RENTWATCH_KRISHA_BASE_URL": base,
                "RENTWATCH_DB": str(tmp_path / "rentwatch.duckdb"),
                "DOWNLOAD_DELAY": 0,
                "AUTOTHROTTLE_ENABLED": False,
                "RENTWATCH_BACKOFF_START": 0,
                "LOG_LEVEL": "WARNING",
                **settings,
            },
        )
    return result


def test_a_page_that_keeps_failing_fails_the_run_and_names_the_status(tmp_path: Path) -> None:
    """Was: exit 0, status finished, 180 of 200 rows."""
    result = crawl(tmp_path, FakeSites(krisha={"almaty": 200}, errors={"page=4": 500}))
    assert (result.status, result.items) == ("failed", 180)
    assert result.reason is not None
    assert result.reason.startswith("http 500")
    assert "coverage 180/200" not in result.reason  # 90% is within the default threshold


def test_many_failed_pages_are_counted_by_cause(tmp_path: Path) -> None:
    site = FakeSites(krisha={"almaty": 300}, errors={"page=": 502})
    result = crawl(tmp_path, site)
    assert result.status == "failed"
    assert result.reason is not None
    assert result.reason.startswith("http 502 ×14")
    assert "coverage 20/300" in result.reason


def test_empty_pages_behind_the_first_fail_on_coverage(tmp_path: Path) -> None:
    """Was: pages 2-10 empty gave exit 0 with 20 of 200 rows."""
    result = crawl(tmp_path, FakeSites(krisha={"almaty": 200}, empty="page="))
    assert (result.status, result.items) == ("failed", 20)
    assert result.reason == "coverage 20/200"


def test_robots_disallowing_pages_fails_the_run_and_names_the_rule(tmp_path: Path) -> None:
    site = FakeSites(krisha={"almaty": 60}, robots="User-agent: *\nDisallow: /*page=\n")
    result = crawl(tmp_path, site)
    assert result.status == "failed"
    assert result.reason is not None
    assert result.reason.startswith("robots: disallowed /*page= ×2")
    assert not [r for r in site.requests if "page=" in r]


def test_robots_answering_503_disallows_everything(tmp_path: Path) -> None:
    """RFC 9309 §2.3.1.4: unreachable robots.txt means complete disallow (was: allow all)."""
    site = FakeSites(krisha={"almaty": 40}, robots_status=503)
    result = crawl(tmp_path, site)
    assert result.status == "failed"
    assert result.reason is not None
    assert result.reason.startswith("robots: disallowed everything, robots.txt answered HTTP 503")
    assert not [r for r in site.requests if r.startswith("/arenda/")]


def test_robots_answering_404_allows_everything(tmp_path: Path) -> None:
    site = FakeSites(
        krisha={"almaty": 40}, robots="User-agent: *\nDisallow: /\n", robots_status=404
    )
    result = crawl(tmp_path, site)
    assert (result.status, result.items) == ("finished", 40), result.reason


def test_a_long_retry_after_fails_the_run_with_that_reason(tmp_path: Path) -> None:
    """Was: a 3600 s Retry-After cut to 120 s and waited out."""
    site = FakeSites(
        krisha={"almaty": 60},
        errors={"page=2": 503},
        headers={"page=2": {"Retry-After": "3600"}},
    )
    result = crawl(tmp_path, site, RENTWATCH_RETRY_AFTER_MAX=600)
    assert result.status == "failed"
    assert result.reason is not None
    assert result.reason.startswith("retry-after 3600s > 600s allowed (HTTP 503 at ")


def test_the_download_timeout_is_a_setting_and_a_named_cause(tmp_path: Path) -> None:
    site = FakeSites(krisha={"almaty": 60}, hold="page=2")
    result = crawl(tmp_path, site, DOWNLOAD_TIMEOUT=0.5, RETRY_TIMES=0)
    assert result.status == "failed"
    assert result.reason is not None
    assert result.reason.startswith("timeout")
    assert result.items == 40


def test_a_sale_page_served_for_the_search_is_named(tmp_path: Path, other_pages: Path) -> None:
    sale = (other_pages / "krisha_sale_search_astana_2022-10-13.html").read_bytes()
    site = FakeSites(krisha={"almaty": 40}, body_override={"/arenda/kvartiry/almaty/": sale})
    result = crawl(tmp_path, site)
    assert result.status == "failed"
    assert result.reason is not None
    assert result.reason.startswith("not a rent search: sale")


@pytest.mark.parametrize(
    ("exc", "cause"),
    [
        (net.DNSLookupError("krisha.kz"), "dns"),
        (net.TimeoutError(), "timeout"),
        (net.TCPTimedOutError(), "timeout"),
        (net.ConnectionRefusedError(), "connection refused"),
        (net.ConnectionLost(), "connection lost"),
    ],
)
def test_failure_causes(exc: Exception, cause: str) -> None:
    assert failure_cause(Failure(exc)) == cause
