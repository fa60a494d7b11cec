"""The cron's commands over loopback: `rentwatch nightly` (and its lock), `scrapy crawl`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from loopback import FakeSites, crawl_env, rentwatch, serve

from warehouse import connect

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]


def test_nightly_crawls_both_portals_and_cities_loads_snapshots_and_never_overlaps(
    tmp_path: Path,
) -> None:
    site = FakeSites(
        krisha={"almaty": 30, "astana": 25}, olx={"alma-ata": 22, "astana": 21}, hold="page=2"
    )
    with serve(site) as base:
        env = crawl_env(tmp_path, base)
        first = subprocess.Popen(
            [sys.executable, "-m", "rentwatch.cli", "nightly", "--origin", "simulated"],
            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert site.held.wait(60), "the first nightly never reached page 2"
            second = rentwatch(
                "nightly", "--origin", "simulated",
                env={**env, "RENTWATCH_LOCK_TIMEOUT": "0"}, cwd=tmp_path,
            )  # fmt: skip
        finally:
            site.release.set()
            out, err = first.communicate(timeout=120)
    assert second.returncode == 1
    assert "the crawl lock (" in second.stderr and ") is held by pid" in second.stderr
    assert "rentwatch nightly" in second.stderr
    assert first.returncode == 0, err
    assert "snapshot " in out

    conn = connect(tmp_path / "rentwatch.duckdb", read_only=True)
    try:
        runs = conn.execute(
            "SELECT spider, cities, status, items FROM crawl_runs ORDER BY ALL"
        ).fetchall()
    finally:
        conn.close()
    assert runs == [
        ("krisha", "almaty", "finished", 30),
        ("krisha", "astana", "finished", 25),
        ("olx", "almaty", "finished", 22),
        ("olx", "astana", "finished", 21),
    ]
    assert list((tmp_path / "snapshots").glob("rentwatch-*.duckdb"))


def test_a_bad_city_is_one_line_and_crawls_nothing(tmp_path: Path) -> None:
    done = rentwatch(
        "crawl", "--source", "olx", "--city", "paris",
        env=crawl_env(tmp_path, "http://127.0.0.1:9"), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1
    line = done.stderr.strip()
    assert "\n" not in line
    assert line.startswith("rentwatch: error: unknown city 'paris'; known: almaty, astana, ")
    assert "shymkent" in line
    assert not (tmp_path / "spool").exists()


def test_scrapy_crawl_from_the_project_root_spools_and_exits_1_when_blocked(
    tmp_path: Path,
) -> None:
    site = FakeSites(krisha={"almaty": 50}, blocked={"page=2": 403})
    with serve(site) as base:
        done = subprocess.run(
            [
                sys.executable, "-m", "scrapy", "crawl", "krisha", "-a", "city=almaty",
                "-a", "origin=simulated",
                "-s", f"RENTWATCH_KRISHA_BASE_URL={base}",
                "-s", f"RENTWATCH_SPOOL_DIR={tmp_path / 'spool'}",
                "-s", f"RENTWATCH_DB={tmp_path / 'none.duckdb'}",
                "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0",
                "-s", "LOG_LEVEL=WARNING",
            ],
            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 1
    assert "scrapy crawl krisha: run failed: blocked: safeline (HTTP 403" in done.stderr
    [spool] = (tmp_path / "spool").glob("krisha-almaty-*.jsonl")
    assert spool.read_text().count("\n") >= 20  # page 1 and whatever came before the block
