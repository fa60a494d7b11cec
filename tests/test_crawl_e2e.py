"""End to end: `rentwatch crawl`/`backfill` in a subprocess against a fake site on 127.0.0.1.

Each test serves synthetic 2022-format krisha pages (tests/loopback.py), runs the real command
(which runs Scrapy in its own child process), and reads the warehouse it filled.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from loopback import Capture, FakeSites, crawl_env, make_listings, rentwatch, serve

from scrapers.run import CrawlJob, run_crawls
from warehouse import connect

pytestmark = pytest.mark.e2e


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = connect(db, read_only=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def loopback_settings(workdir: Path, base: str) -> dict[str, Any]:
    """Scrapy settings for a run_crawls call against the fake site, delays off."""
    return {
        "RENTWATCH_KRISHA_BASE_URL": base,
        "RENTWATCH_DB": str(workdir / "rentwatch.duckdb"),
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
    }


def runs(db: Path) -> list[tuple[Any, ...]]:
    return query(db, "SELECT spider, cities, origin, status, reason, items FROM crawl_runs")


def page_numbers(site: FakeSites, path: str) -> list[int]:
    """The page numbers asked for under ``path``, in order (page 1 has no parameter)."""
    numbers = []
    for target in site.requests:
        if target.startswith(path):
            numbers.append(int(target.split("page=")[1]) if "page=" in target else 1)
    return numbers


def test_crawl_follows_every_page_to_the_last_and_loads(tmp_path: Path) -> None:
    site = FakeSites(krisha={"almaty": 105})  # 6 pages, the last with 5 cards
    with serve(site) as base:
        env = crawl_env(tmp_path, base)
        done = rentwatch(
            "crawl", "--source", "krisha", "--city", "almaty", "--origin", "simulated",
            env=env, cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert sorted(page_numbers(site, "/arenda/kvartiry/almaty/")) == [1, 2, 3, 4, 5, 6]

        db = tmp_path / "rentwatch.duckdb"
        assert runs(db) == [("krisha", "almaty", "simulated", "finished", None, 105)]
        assert query(db, "SELECT count(DISTINCT listing_id), min(origin) FROM observations") == [
            (105, "simulated")
        ]
        expected = {str(x.listing_id): x.price for x in make_listings("almaty", 105)}
        prices = dict(query(db, "SELECT listing_id, price FROM observations"))
        assert prices == expected
        assert "krisha almaty (simulated): 105 items, finished" in done.stdout

        # Half the market gone overnight: the next run fails against the previous one.
        site.krisha["almaty"] = 40
        site._listings.clear()
        [again] = run_crawls(
            [CrawlJob("krisha", {"city": "almaty", "origin": "simulated"})],
            spool_dir=tmp_path / "spool",
            settings=loopback_settings(tmp_path, base),
        )
    assert (again.status, again.items) == ("failed", 40)
    assert (
        again.reason
        == "items fell by more than 50%: 40 vs 105 in the previous run "
        + (query(db, "SELECT run_id FROM crawl_runs")[0][0])
    )


def test_blocked_response_fails_the_run_after_one_fresh_session(tmp_path: Path) -> None:
    site = FakeSites(krisha={"almaty": 100}, blocked={"page=3": 468})
    with serve(site) as base:
        done = rentwatch(
            "crawl", "--source", "krisha", "--city", "almaty", "--origin", "simulated",
            env=crawl_env(tmp_path, base), cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("rentwatch: error: 1 of 1 crawl run(s) failed")
    assert "blocked" in last and "HTTP 468" in last
    # Page 3 was asked twice: the second time in a fresh session, without the old cookie.
    third = [cookie for target, cookie in site.cookies if "page=3" in target]
    assert len(third) == 2
    assert third[0] is not None and third[1] is None
    [(spider, _, _, status, reason, _)] = runs(tmp_path / "rentwatch.duckdb")
    assert (spider, status) == ("krisha", "failed")
    assert reason.startswith("blocked: safeline (HTTP 468 challenge page at ")


def test_layout_change_fails_on_field_coverage(tmp_path: Path) -> None:
    site = FakeSites(krisha={"almaty": 40}, layout="broken")
    with serve(site) as base:
        done = rentwatch(
            "crawl", "--source", "krisha", "--city", "almaty", "--origin", "simulated",
            env=crawl_env(tmp_path, base), cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode == 1
    assert "coverage" in done.stderr.strip().splitlines()[-1]
    [(_, _, _, status, reason, _)] = runs(tmp_path / "rentwatch.duckdb")
    assert status == "failed" and "coverage" in reason


def test_robots_disallow_is_honoured_and_fails_the_run(tmp_path: Path) -> None:
    site = FakeSites(
        krisha={"almaty": 60},
        robots="User-agent: rentwatch\nDisallow: /*page=2\n\nUser-agent: *\nDisallow: /\n",
    )
    with serve(site) as base:
        [result] = run_crawls(
            [CrawlJob("krisha", {"city": "almaty", "origin": "simulated"})],
            spool_dir=tmp_path / "spool",
            settings=loopback_settings(tmp_path, base),
        )
    # Pages 1 and 3 only: page 2 was never asked for, and the crawl went on past it; but a
    # run that robots.txt kept from a third of its pages is not a healthy one.
    assert sorted(page_numbers(site, "/arenda/kvartiry/almaty/")) == [1, 3]
    assert result.items == 40
    assert result.stats["robotstxt/forbidden"] == 1
    assert (result.status, result.reason) == (
        "failed",
        "robots: disallowed /*page=2; coverage 40/60",
    )


def test_backfill_reads_captures_of_both_astana_slugs(tmp_path: Path) -> None:
    almaty = make_listings("almaty", 25)
    astana = make_listings("astana", 30)
    long_term = "?das[rent.period]=2"
    captures = [
        Capture(datetime(2022, 9, 10, 8, 0, tzinfo=UTC),
                f"https://krisha.kz/arenda/kvartiry/almaty/{long_term}", tuple(almaty[:20])),
        Capture(datetime(2022, 11, 2, 9, 30, tzinfo=UTC),
                f"https://krisha.kz/arenda/kvartiry/almaty/{long_term}&page=2", tuple(almaty[20:])),
        # Daily rents: another market, skipped.
        Capture(datetime(2022, 10, 1, tzinfo=UTC),
                "https://krisha.kz/arenda/kvartiry/almaty/?das[rent.period]=1", tuple(almaty[:3])),
        # Outside the dates asked for.
        Capture(datetime(2021, 5, 1, tzinfo=UTC),
                f"https://krisha.kz/arenda/kvartiry/almaty/{long_term}", tuple(almaty[:20])),
        Capture(datetime(2022, 9, 20, 12, 0, tzinfo=UTC),
                f"https://krisha.kz/arenda/kvartiry/nur-sultan/{long_term}", tuple(astana[:20])),
        Capture(datetime(2022, 12, 1, 12, 0, tzinfo=UTC),
                f"https://krisha.kz/arenda/kvartiry/astana/{long_term}", tuple(astana[10:])),
    ]  # fmt: skip
    site = FakeSites(captures=captures)
    with serve(site) as base:
        done = rentwatch(
            "backfill", "--from", "2022-01-01", "--to", "2023-06-30",
            env=crawl_env(tmp_path, base, min_items=1), cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    cdx = [t for t in site.requests if t.startswith("/cdx/")]
    assert len(cdx) == 3  # almaty; nur-sultan and astana
    assert sum("id_/" in t for t in site.requests) == 4
    db = tmp_path / "rentwatch.duckdb"
    rows = query(
        db,
        "SELECT l.city, o.observed_at, count(*) FROM observations o JOIN listings l "
        "USING (source, listing_id) WHERE o.origin = 'archive' GROUP BY ALL ORDER BY 2",
    )
    assert [(city, at.astimezone(UTC), n) for city, at, n in rows] == [
        ("almaty", datetime(2022, 9, 10, 8, 0, tzinfo=UTC), 20),
        ("astana", datetime(2022, 9, 20, 12, 0, tzinfo=UTC), 20),
        ("almaty", datetime(2022, 11, 2, 9, 30, tzinfo=UTC), 5),
        ("astana", datetime(2022, 12, 1, 12, 0, tzinfo=UTC), 20),
    ]
    assert sorted(r[:4] for r in runs(db)) == [
        ("krisha_archive", "almaty", "archive", "finished"),
        ("krisha_archive", "astana", "archive", "finished"),
    ]


def test_killed_crawl_keeps_what_it_spooled_and_the_next_load_merges_it(tmp_path: Path) -> None:
    site = FakeSites(krisha={"almaty": 100}, hold="page=3")  # 5 pages; page 3 never answers
    with serve(site) as base:
        env = crawl_env(tmp_path, base, spool_flush_every=1)
        crawl = subprocess.Popen(
            [sys.executable, "-m", "rentwatch.cli", "crawl", "--source", "krisha",
             "--city", "almaty", "--origin", "simulated"],
            env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        spool_dir = tmp_path / "spool"
        try:
            # Every page but the held one is parsed and spooled: 4 pages of 20.
            deadline = time.monotonic() + 60
            while _spooled_lines(spool_dir) < 80:
                assert crawl.poll() is None and time.monotonic() < deadline, "crawl stalled"
                time.sleep(0.05)
            assert site.held.is_set()
        finally:
            os.killpg(crawl.pid, signal.SIGKILL)  # the command and its crawl process, at once
            crawl.wait()

        loaded = rentwatch("db", "load", env=env, cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    db = tmp_path / "rentwatch.duckdb"
    assert query(db, "SELECT count(*) FROM observations") == [(80,)]
    [(_, _, _, status, reason, items)] = runs(db)
    assert (status, items) == ("crashed", 80)
    assert "died" in reason
    assert not list(spool_dir.glob("*.jsonl"))  # merged and moved to loaded/


def _spooled_lines(spool_dir: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in spool_dir.glob("*.jsonl"))
