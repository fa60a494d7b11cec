"""`scrapy crawl … -O x.csv` gives one row per listing; a simulated run never leaves loopback."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from loopback import FakeSites, crawl_env, rentwatch, serve
from scrapy.utils.test import get_crawler

from scrapers.feeds import CsvRowExporter, JsonLinesRowExporter
from scrapers.items import FEED_FIELDS, SpoolBatch
from scrapers.run import CrawlJob, run_crawls
from scrapers.spiders.krisha import KrishaSpider
from scrapers.spiders.krisha_archive import KrishaArchiveSpider
from scrapers.spiders.params import SpiderArgumentError, is_loopback, require_loopback_target

ROOT = Path(__file__).resolve().parents[1]


# --- the origin guard ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8080", True),
        ("http://127.3.2.1", True),
        ("http://localhost:9/x", True),
        ("http://[::1]:9", True),
        ("https://krisha.kz", False),
        ("http://10.0.0.1", False),
        ("http://127.0.0.1.example.com", False),
        ("not a url", False),
    ],
)
def test_loopback_hosts(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_only_simulated_runs_need_loopback() -> None:
    require_loopback_target("live", {"RENTWATCH_KRISHA_BASE_URL": "https://krisha.kz"})
    require_loopback_target("simulated", {"RENTWATCH_KRISHA_BASE_URL": "http://[::1]:8"})
    with pytest.raises(SpiderArgumentError, match=r"KRISHA_BASE_URL=https://krisha\.kz"):
        require_loopback_target("simulated", {"RENTWATCH_KRISHA_BASE_URL": "https://krisha.kz"})


@pytest.mark.parametrize(
    ("cls", "args", "setting"),
    [
        (KrishaSpider, {"city": "almaty"}, "RENTWATCH_KRISHA_BASE_URL"),
        (
            KrishaArchiveSpider,
            {"city": "astana", "from": "2022-01-01", "to": "2022-02-01"},
            "RENTWATCH_ARCHIVE_BASE_URL",
        ),
    ],
)
def test_a_simulated_spider_aimed_at_a_real_site_does_not_start(
    cls: type[KrishaSpider], args: dict[str, str], setting: str
) -> None:
    crawler = get_crawler(cls, {"RENTWATCH_KRISHA_BASE_URL": "https://krisha.kz"})
    with pytest.raises(SpiderArgumentError, match=setting):
        cls.from_crawler(crawler, **args, origin="simulated")
    loopback = get_crawler(cls, {setting: "http://127.0.0.1:9"})
    assert cls.from_crawler(loopback, **args, origin="simulated").base_url == "http://127.0.0.1:9"


def test_run_crawls_refuses_before_starting_a_child(tmp_path: Path) -> None:
    with pytest.raises(SpiderArgumentError, match="origin simulated needs a loopback target"):
        run_crawls(
            [CrawlJob("olx", {"city": "almaty", "origin": "simulated"})],
            spool_dir=tmp_path / "spool",
            settings={"RENTWATCH_KRISHA_BASE_URL": "http://127.0.0.1:9"},  # olx is not
        )
    assert not (tmp_path / "spool").exists()


@pytest.mark.e2e
def test_rentwatch_crawl_simulated_without_a_sandbox_is_one_line(tmp_path: Path) -> None:
    env = crawl_env(tmp_path, "http://127.0.0.1:9")
    env["RENTWATCH_CRAWL__KRISHA_BASE_URL"] = "https://krisha.kz"
    done = rentwatch(
        "crawl", "--source", "krisha", "--city", "almaty", "--origin", "simulated",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "rentwatch: error: origin simulated needs a loopback target (127.0.0.1, localhost or "
        "::1), not RENTWATCH_KRISHA_BASE_URL=https://krisha.kz: start the sandbox and point "
        "the base URL at it"
    )
    assert not (tmp_path / "spool").exists()


@pytest.mark.e2e
def test_scrapy_crawl_simulated_without_a_sandbox_is_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable, "-m", "scrapy", "crawl", "olx", "-a", "city=astana",
            "-a", "origin=simulated", "-s", f"RENTWATCH_SPOOL_DIR={tmp_path / 'spool'}",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "origin simulated needs a loopback target" in done.stderr
    assert "RENTWATCH_OLX_BASE_URL=https://www.olx.kz" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "spool").exists()


# --- feed exports -------------------------------------------------------------------------


def _batch() -> SpoolBatch:
    from datetime import UTC, date, datetime

    base = dict.fromkeys(FEED_FIELDS)
    return SpoolBatch(
        [
            {**base, "source": "krisha", "listing_id": "1", "price": 250_000, "currency": "KZT",
             "observed_at": datetime(2022, 9, 21, 6, 30, tzinfo=UTC), "origin": "simulated",
             "bumped_on": date(2022, 9, 20), "title": 'a "quoted", title'},
            {**base, "source": "krisha", "listing_id": "2", "price": 300_000, "currency": "KZT",
             "observed_at": datetime(2022, 9, 21, 6, 30, tzinfo=UTC), "origin": "simulated"},
        ]
    )  # fmt: skip


def test_a_page_item_is_exported_as_one_row_per_listing(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    with target.open("wb") as handle:
        exporter = CsvRowExporter(handle)
        exporter.start_exporting()
        exporter.export_item(_batch())
        exporter.finish_exporting()
    with target.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(FEED_FIELDS)
    assert [r["listing_id"] for r in rows] == ["1", "2"]
    assert rows[0]["observed_at"] == "2022-09-21T06:30:00+00:00"
    assert rows[0]["bumped_on"] == "2022-09-20"
    assert rows[0]["title"] == 'a "quoted", title'
    assert rows[1]["bumped_on"] == ""

    lines = tmp_path / "x.jsonl"
    with lines.open("wb") as handle:
        exporter = JsonLinesRowExporter(handle)
        exporter.start_exporting()
        exporter.export_item(_batch())
        exporter.finish_exporting()
    parsed = [json.loads(line) for line in lines.read_text().splitlines()]
    assert [p["price"] for p in parsed] == [250_000, 300_000]
    assert parsed[0]["observed_at"] == "2022-09-21T06:30:00+00:00"


@pytest.mark.e2e
def test_scrapy_crawl_feeds_have_one_row_per_listing_and_match_the_spool(tmp_path: Path) -> None:
    site = FakeSites(krisha={"almaty": 45})
    with serve(site) as base:
        done = subprocess.run(
            [
                sys.executable, "-m", "scrapy", "crawl", "krisha", "-a", "city=almaty",
                "-a", "origin=simulated",
                "-O", str(tmp_path / "x.csv"), "-O", str(tmp_path / "x.jsonl"),
                "-s", f"RENTWATCH_KRISHA_BASE_URL={base}",
                "-s", f"RENTWATCH_SPOOL_DIR={tmp_path / 'spool'}",
                "-s", f"RENTWATCH_DB={tmp_path / 'none.duckdb'}",
                "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0",
                "-s", "LOG_LEVEL=WARNING",
            ],
            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with (tmp_path / "x.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    jsonl = [json.loads(line) for line in (tmp_path / "x.jsonl").read_text().splitlines()]
    [spool] = (tmp_path / "spool").glob("krisha-almaty-*.jsonl")
    spooled = [json.loads(line) for line in spool.read_text().splitlines()]
    assert len(rows) == len(jsonl) == len(spooled) == 45
    assert "records" not in rows[0]
    assert sorted(r["listing_id"] for r in rows) == sorted(s["listing_id"] for s in spooled)
    assert {r["origin"] for r in jsonl} == {"simulated"}
    by_id = {s["listing_id"]: s for s in spooled}
    for row in jsonl:
        assert row["price"] == by_id[row["listing_id"]]["price"]
        assert row["rooms"] == by_id[row["listing_id"]]["rooms"]
