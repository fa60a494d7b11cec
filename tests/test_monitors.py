"""Crawl health: each monitor's verdict over a table of stats, and the previous-run lookup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings

from rentwatch.commands.crawl import scrapy_settings
from rentwatch.settings import Settings as RentwatchSettings
from scrapers import settings as project_settings
from scrapers.monitors import coverage, evaluate, previous_run
from warehouse import open_writer

HEALTHY: dict[str, Any] = {
    "finish_reason": "finished",
    "rentwatch/records": 100,
    "rentwatch/cards_seen": 103,
    "rentwatch/dropped/duplicate_id": 3,
    "rentwatch/snapshots": 100,
    "rentwatch/with/rooms": 100,
    "rentwatch/with/area_m2": 99,
}


def scrapy_defaults() -> Settings:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    return settings


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({}, None),
        ({"finish_reason": "blocked", "rentwatch/blocked": 1,
          "rentwatch/blocked_example": "HTTP 468 at http://x/p"},
         "run ended 'blocked'; blocked responses 1 (at most 0), e.g. HTTP 468 at http://x/p"),
        ({"finish_reason": "shutdown"}, "run ended 'shutdown'"),
        ({"rentwatch/records": 12, "rentwatch/snapshots": 12, "rentwatch/with/rooms": 12,
          "rentwatch/with/area_m2": 12, "rentwatch/cards_seen": 12,
          "rentwatch/dropped/duplicate_id": 0}, "items 12 < 20"),
        # A redesign: titles no longer parse, so cards have no rooms or area.
        ({"rentwatch/with/rooms": 3, "rentwatch/with/area_m2": 0},
         "rooms coverage 3.0% < 95.0%; area coverage 0.0% < 95.0%"),
        # Prices moved: most cards dropped without a price.
        ({"rentwatch/snapshots": 50, "rentwatch/records": 50, "rentwatch/with/rooms": 50,
          "rentwatch/with/area_m2": 50}, "price coverage 50.0% < 95.0%"),
        ({"rentwatch/previous_items": 250, "rentwatch/previous_run": "krisha-almaty-1"},
         "items fell by more than 50%: 100 vs 250 in the previous run krisha-almaty-1"),
        ({"rentwatch/previous_items": 200, "rentwatch/previous_run": "krisha-almaty-1"}, None),
        # A backfill: an empty capture index, captures all skipped, captures read.
        ({"rentwatch/captures_listed": 0, "rentwatch/records": 0, "rentwatch/cards_seen": 0,
          "rentwatch/snapshots": 0, "rentwatch/with/rooms": 0, "rentwatch/with/area_m2": 0,
          "rentwatch/dropped/duplicate_id": 0},
         "no capture in the archive for the period; items 0 < 20"),
        ({"rentwatch/captures_listed": 7, "rentwatch/captures_skipped/not_long_term": 5,
          "rentwatch/captures_skipped/challenge_page": 2, "rentwatch/records": 0,
          "rentwatch/cards_seen": 0, "rentwatch/snapshots": 0, "rentwatch/with/rooms": 0,
          "rentwatch/with/area_m2": 0, "rentwatch/dropped/duplicate_id": 0},
         "no capture read of 7 listed (not_long_term ×5, challenge_page ×2); items 0 < 20"),
        ({"rentwatch/captures_listed": 7, "rentwatch/captures_parsed": 5}, None),
        # A listed capture the archive no longer serves: a few are allowed (2 % by default).
        ({"rentwatch/captures_listed": 100, "rentwatch/captures_parsed": 99,
          "rentwatch/captures_failed/http 404": 1}, None),
        ({"rentwatch/captures_listed": 10, "rentwatch/captures_parsed": 8,
          "rentwatch/captures_failed/http 404": 2},
         "capture http 404 ×2 of 10 listed (at most 2% may fail)"),
        # No cards at all: the items check speaks; coverage is not measured.
        ({"rentwatch/records": 0, "rentwatch/cards_seen": 0, "rentwatch/snapshots": 0,
          "rentwatch/with/rooms": 0, "rentwatch/with/area_m2": 0,
          "rentwatch/dropped/duplicate_id": 0}, "items 0 < 20"),
    ],
)  # fmt: skip
def test_monitor_verdicts(changes: dict[str, Any], reason: str | None) -> None:
    health, _ = evaluate({**HEALTHY, **changes}, scrapy_defaults())
    assert health.reason == reason
    assert health.ok is (reason is None)


def test_thresholds_are_settings() -> None:
    settings = scrapy_defaults()
    settings.setdict({"RENTWATCH_MIN_ITEMS": 150, "RENTWATCH_MIN_FIELD_COVERAGE": 0.999})
    health, _ = evaluate(HEALTHY, settings)
    assert health.reason == "items 100 < 150; area coverage 99.0% < 99.9%"


def test_coverage_leaves_out_cards_that_are_not_ours() -> None:
    stats = {**HEALTHY, "rentwatch/dropped/city_not_covered": 5, "rentwatch/cards_seen": 108}
    assert coverage(stats) == {"price": 1.0, "rooms": 1.0, "area_m2": 0.99}
    assert coverage({}) == {"price": None, "rooms": None, "area_m2": None}


INSERT_RUN = """
INSERT INTO crawl_runs (run_id, spider, source, cities, origin, started_at, status, items)
VALUES (?, ?, 'krisha', ?, ?, ?, ?, ?)
"""


def test_previous_run_is_the_latest_healthy_one_of_the_same_spider_city_and_origin(
    tmp_path: Path,
) -> None:
    db = tmp_path / "w.duckdb"
    assert previous_run(db, spider="krisha", city="almaty", origin="live", timeout=0) is None
    with open_writer(db, lock_timeout=5) as conn:
        for row in [
            ("a", "krisha", "almaty", "live", "2024-01-01", "finished", 300),
            ("b", "krisha", "almaty", "live", "2024-01-02", "finished", 310),
            ("c", "krisha", "almaty", "live", "2024-01-03", "failed", 5),
            ("d", "krisha", "astana", "live", "2024-01-04", "finished", 200),
            ("e", "krisha", "almaty", "simulated", "2024-01-05", "finished", 50),
            ("f", "olx", "almaty", "live", "2024-01-06", "finished", 70),
        ]:
            conn.execute(INSERT_RUN, list(row))
    found = previous_run(db, spider="krisha", city="almaty", origin="live", timeout=0)
    assert found == ("b", 310)
    assert previous_run(db, spider="olx", city="astana", origin="live", timeout=0) is None


def test_rentwatch_defaults_match_the_scrapy_project_defaults() -> None:
    """`scrapy crawl` and `rentwatch crawl` behave alike out of the box."""
    mapped = scrapy_settings(RentwatchSettings())
    module = {k: getattr(project_settings, k) for k in mapped}
    assert {k: v for k, v in mapped.items() if k in module} == module
    assert "https://github.com/rentwatch/rentwatch" in mapped["USER_AGENT"]
