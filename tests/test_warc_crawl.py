"""Crawls keep their responses: real `rentwatch crawl`/`backfill` runs against the loopback site
write a WARC beside the spool that warcio and `rentwatch parse --warc` read, that ties every
observation to its response, and that a SIGKILL leaves readable up to its last whole record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from loopback import Capture, FakeSites, crawl_env, make_listings, rentwatch, serve

from rentwatch.cli import main
from scrapers.parse import krisha
from scrapers.warc.reader import WarcReader
from warehouse import connect

pytestmark = pytest.mark.e2e

LONG_TERM = "?das[rent.period]=2"


def query(db: Path, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    conn = connect(db, read_only=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def only_warc(spool_dir: Path) -> Path:
    [path] = list((spool_dir / "loaded").glob("*.warc.gz"))
    return path


@dataclass(frozen=True)
class Crawled:
    base: str
    db: Path
    warc: Path
    listings: list[str]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    """One real crawl of 45 listings (3 pages) and its load, shared by the tests below."""
    workdir = tmp_path_factory.mktemp("crawled")
    site = FakeSites(krisha={"almaty": 45})
    with serve(site) as base:
        env = crawl_env(workdir, base, min_items=5)
        done = rentwatch("crawl", "--source", "krisha", "--city", "almaty", env=env, cwd=workdir)
    assert done.returncode == 0, done.stderr
    ids = [str(x.listing_id) for x in site.listings("krisha", "almaty")]
    yield Crawled(base, workdir / "rentwatch.duckdb", only_warc(workdir / "spool"), ids)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


def test_a_crawl_keeps_every_response_and_ties_each_observation_to_one(crawled: Crawled) -> None:
    db, warc, base = crawled.db, crawled.warc, crawled.base
    [(run_id,)] = query(db, "SELECT run_id FROM crawl_runs")
    assert warc.name == f"{run_id}.warc.gz"  # beside its spool, moved with it on load

    with WarcReader(warc) as reader:
        info = reader.info
        records = list(reader)
    assert (info.run_id, info.spider, info.city, info.origin) == (
        run_id,
        "krisha",
        "almaty",
        "live",
    )
    assert info.parser_version == krisha.PARSER_VERSION and info.base_url == base
    responses = {r.record_id: r for r in records if r.type == "response"}
    # robots.txt and the three search pages, each with its request.
    assert sorted(unquote(str(r.uri)).removeprefix(base) for r in responses.values()) == [
        f"/arenda/kvartiry/almaty/{LONG_TERM}",
        f"/arenda/kvartiry/almaty/{LONG_TERM}&page=2",
        f"/arenda/kvartiry/almaty/{LONG_TERM}&page=3",
        "/robots.txt",
    ]
    assert sum(r.type == "request" for r in records) == len(responses)
    assert {r.kind for r in responses.values()} == {"search", None}

    rows = query(db, "SELECT warc_record_id, parser_version, observed_at FROM observations")
    assert len(rows) == 45
    for record_id, version, observed_at in rows:
        response = responses[record_id]
        assert response.kind == "search" and version == krisha.PARSER_VERSION
        assert observed_at == response.date  # observed at the fetch, to the microsecond
    by_page = query(
        db, "SELECT warc_record_id, count(*) FROM observations GROUP BY 1 ORDER BY 2 DESC"
    )
    assert [n for _, n in by_page] == [20, 20, 5]


def test_warcio_and_parse_warc_read_the_runs_file(
    crawled: Crawled, capsys: pytest.CaptureFixture[str]
) -> None:
    warc = str(crawled.warc)
    index = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "index", warc],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    lines = [json.loads(line) for line in index.stdout.splitlines()]
    assert lines[0]["warc-type"] == "warcinfo"
    page_two = next(
        n for n, line in enumerate(lines)
        if line["warc-type"] == "response" and line["warc-target-uri"].endswith("page=2")
    )  # fmt: skip

    code, out, _ = cli(capsys, "parse", "--warc", warc)
    assert code == 0 and f"{page_two:>6}  response  search" in out

    code, by_number, err = cli(capsys, "parse", "--warc", warc, "--record", str(page_two))
    assert code == 0, err
    ids = [json.loads(line)["listing_id"] for line in by_number.splitlines()]
    assert ids == crawled.listings[20:40]
    assert "20 of 20 cards parsed" in err

    url = f"{crawled.base}/arenda/kvartiry/almaty/{LONG_TERM}&page=2"
    assert cli(capsys, "parse", "--warc", warc, "--url", url)[:2] == (0, by_number)

    [(record_id,)] = query(
        crawled.db,
        "SELECT DISTINCT warc_record_id FROM observations WHERE listing_id = ?",
        [ids[0]],
    )
    assert cli(capsys, "parse", "--warc", warc, "--record", record_id)[:2] == (0, by_number)

    code, _, err = cli(capsys, "parse", "--warc", warc, "--record", "2")
    assert code == 1 and err.strip().endswith("is a request record, not a response")


def test_archive_captures_keep_the_original_url_and_the_capture_time(tmp_path: Path) -> None:
    almaty = make_listings("almaty", 25)
    captured = datetime(2022, 9, 10, 8, 0, 0, tzinfo=UTC)
    original = f"https://krisha.kz/arenda/kvartiry/almaty/{LONG_TERM}"
    site = FakeSites(captures=[Capture(captured, original, tuple(almaty[:20]))])
    with serve(site) as base:
        env = crawl_env(tmp_path, base, min_items=1)
        done = rentwatch(
            "backfill", "--city", "almaty", "--from", "2022-01-01", "--to", "2022-12-31",
            env=env, cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    with WarcReader(only_warc(tmp_path / "spool")) as reader:
        responses = [r for r in reader if r.type == "response"]
    [capture] = [r for r in responses if r.kind == "capture"]
    assert unquote(str(capture.uri)) == f"{base}/web/20220910080000id_/{original}"  # fetched
    assert capture.original_uri == original
    assert capture.observed_at == captured and capture.date > captured
    assert [r.kind for r in responses if r.kind != "capture"] == [None, "cdx"]  # robots, CDX
    db = tmp_path / "rentwatch.duckdb"
    assert query(db, "SELECT DISTINCT observed_at, warc_record_id FROM observations") == [
        (captured, capture.record_id)
    ]


def test_a_killed_crawl_leaves_a_warc_readable_to_its_last_whole_record(tmp_path: Path) -> None:
    site = FakeSites(krisha={"almaty": 100}, hold="page=3")  # page 3 never answers
    with serve(site) as base:
        env = crawl_env(tmp_path, base)
        crawl = subprocess.Popen(
            [sys.executable, "-m", "rentwatch.cli", "crawl", "--source", "krisha",
             "--city", "almaty", "--origin", "simulated"],
            env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        try:
            # Page 3 is asked for only after page 1 was answered, parsed and spooled, and a
            # page is spooled only once its response is in the WARC.
            assert site.held.wait(60), "the crawl never asked for page 3"

        finally:
            os.killpg(crawl.pid, signal.SIGKILL)  # the command and its crawl process, at once
            crawl.wait()
        [warc] = list((tmp_path / "spool").glob("*.warc.gz"))
        site.hold = None  # the pages as served, page 3 too, without waiting for it
        served = {
            n: site.answer(
                f"/arenda/kvartiry/almaty/{LONG_TERM}" + (f"&page={n}" if n > 1 else "")
            )[2]
            for n in range(1, 6)
        }
        with WarcReader(warc) as reader:
            records = list(reader)
        pages = [r for r in records if r.type == "response" and r.kind == "search"]
        assert pages and all(r.body in served.values() for r in pages)  # whole, every one
        assert served[1] in [r.body for r in pages]

        loaded = rentwatch("db", "load", env=env, cwd=tmp_path)
        assert loaded.returncode == 0, loaded.stderr
        db = tmp_path / "rentwatch.duckdb"
        # What the crawl spooled before it died names only responses the WARC holds.
        spooled = {r[0] for r in query(db, "SELECT DISTINCT warc_record_id FROM observations")}
        assert spooled <= {r.record_id for r in pages}
        reparsed = rentwatch("reparse", env=env, cwd=tmp_path)
    assert reparsed.returncode == 0, reparsed.stderr
    assert query(db, "SELECT status FROM crawl_runs") == [("crashed",)]
    # The reparse reads back exactly the pages the WARC kept: 20 listings each, none twice.
    assert query(db, "SELECT count(*), count(DISTINCT listing_id) FROM observations") == [
        (20 * len(pages), 20 * len(pages))
    ]
