"""``rentwatch demo``: the whole pipeline on a small simulated market, and its guard rails."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from rentwatch.commands.demo import (
    HEADLINE_DESIGNS,
    MARKER,
    CityResult,
    Demo,
    DemoRun,
    render_summary,
)
from rentwatch.settings import DemoSettings, Settings
from reports import ReportParams
from scrapers.sandbox.archive import Archive
from scrapers.sandbox.country import DEFAULT_CITIES
from scrapers.sandbox.market import LOCAL, Market, MarketConfig
from scrapers.sandbox.truth import Truth
from warehouse.cities import REGISTRY
from warehouse.errors import RentwatchError

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.e2e
def test_small_demo_crawls_the_whole_country_and_puts_estimate_beside_truth(
    tmp_path: Path,
) -> None:
    out = tmp_path / "demo"
    env = {
        **os.environ,
        # A small market and a thin archive: the same pipeline over every simulated city.
        "RENTWATCH_DEMO__CAPTURES_PER_WEEK": "1",
        "RENTWATCH_DEMO__ARCHIVE_PAGES": "1",
        "RENTWATCH_DEMO__PLACEBOS": "5",
    }
    done = subprocess.run(
        [sys.executable, "-m", "rentwatch.cli", "demo", "--out", str(out), "--scale", "0.2",
         "--seed", "3", "--json"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    assert summary["simulated"] is True and summary["seed"] == 3
    assert {s["name"]: s["status"] for s in summary["stages"]} == {
        name: "done"
        for name in ("market", "backfill", "crawl", "load", "index", "its", "comparison",
                     "reports")
    }  # fmt: skip
    assert "[2] backfill: archive backfill of 20 cities" in done.stderr  # progress while it runs
    # The simulated country: every city of the default crawl list, and border cities.
    country = summary["country"]
    assert len(country) >= 10 and set(country) == set(DEFAULT_CITIES)
    assert set(REGISTRY.with_role("treated", "comparison")) <= set(country)
    assert {info["role"] for info in country.values()} == {"treated", "border", "comparison"}
    truth = Truth.read(out / "truth")
    assert set(truth.cities) == set(country)
    headline = ReportParams()  # the demo quotes the reports' headline estimator
    assert summary["estimator"] == headline.estimator_text()
    assert summary["designs"]["its"]["estimator"] == headline.estimator_text()
    assert "same window and room count" in summary["definition"]
    assert set(summary["cities"]) == {"almaty", "astana"}
    # The country has comparison cities: the other design runs beside the headline.
    beside = summary["designs"]["comparison"]
    assert beside["estimator"] != headline.estimator_text()
    assert set(beside["cities"]) == {"almaty", "astana"}
    for city in ("almaty", "astana"):
        result = summary["cities"][city]
        assert result["series"] == headline.series_text() and result["design"] == "its"
        start, end = (
            date.fromisoformat(result["window_start"]),
            date.fromisoformat(result["window_end"]),
        )
        assert (start, end) == (date(2022, 9, 19), date(2022, 10, 30))
        assert result["truth_pct"] == pytest.approx(
            truth.average_effect_pct(city, start, end, rooms=headline.rooms), abs=0.01
        )
        assert result["low_pct"] <= result["estimate_pct"] <= result["high_pct"]
        # The shock is there, and of the size the market was built with (wide: a small market).
        assert 10 < result["estimate_pct"] < 80
    assert country["shymkent"]["truth_pct"] == 0 and country["aktobe"]["truth_pct"] > 10
    for path in summary["outputs"]:
        assert Path(path).is_file(), path
    names = {Path(p).name for p in summary["outputs"]}
    assert {"truth.json", "truth_daily.csv", "rentwatch.duckdb", "report.html",
            "summary_ru.pdf", "summary_kk.pdf", "summary_en.pdf"} <= names  # fmt: skip
    db = out / "rentwatch.duckdb"
    with duckdb.connect(str(db), read_only=True) as conn:
        origins = conn.execute("SELECT DISTINCT origin FROM observations").fetchall()
        sources = conn.execute("SELECT DISTINCT source FROM observations ORDER BY 1").fetchall()
        cities = {c for (c,) in conn.execute("SELECT DISTINCT city FROM listings").fetchall()}
        indexed = {c for (c,) in conn.execute("SELECT DISTINCT city FROM index_series").fetchall()}
        weeks = conn.execute(
            "SELECT l.city, CAST(date_trunc('week', o.observed_on) AS DATE) AS week, "
            "max(o.observed_on) = DATE '2023-06-30' AS live FROM observations o "
            "JOIN listings l USING (source, listing_id) GROUP BY ALL"
        ).fetchall()
    assert origins == [("simulated",)]
    assert sources == [("krisha",), ("olx",)]
    assert cities == indexed == set(country)
    # The sandbox's clock: today's crawl is the archive's last day, so no city has a hole
    # between the archive and today: its weeks are exactly the weeks the archive captured
    # it (the same seeded schedule) and the live crawl's.
    archive = Archive(Market(MarketConfig(3, 0.2, DEFAULT_CITIES)), per_week=1, pages=1)
    for city in country:
        days = sorted(w for c, w, _ in weeks if c == city)
        assert days[-1] == date(2023, 6, 26)  # the week of the live crawl, 30 June 2023
        captured = {_monday(c.moment.astimezone(LOCAL).date()) for c in archive.captures
                    if c.city == city}  # fmt: skip
        assert set(days) == captured | {date(2023, 6, 26)}
        assert max(b - a for a, b in itertools.pairwise(days)) <= timedelta(weeks=6)
    status = subprocess.run(
        [sys.executable, "-m", "rentwatch.cli", "--db", str(db), "db", "status"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert status.returncode == 0, status.stderr
    assert all(city in status.stdout for city in country)
    # The report's headline is the estimate the demo prints.
    effects = pd.read_csv(out / "report" / "tables" / "its_effects.csv")
    window = effects[effects["what"] == "headline window"].set_index("city")
    for city in ("almaty", "astana"):
        assert window.loc[city, "percent"] == pytest.approx(
            summary["cities"][city]["estimate_pct"], abs=0.01
        )
    assert (out / MARKER).is_file()
    _demo_runs_left_readable_warcs(out)


def _demo_runs_left_readable_warcs(out: Path) -> None:
    """Every run of the demo kept its pages: `warcio index` and `rentwatch parse --warc` read
    them (issue 14)."""
    warcs = sorted((out / "spool" / "loaded").glob("*.warc.gz"))
    with duckdb.connect(str(out / "rentwatch.duckdb"), read_only=True) as conn:
        runs = {r[0] for r in conn.execute("SELECT run_id FROM crawl_runs").fetchall()}
    assert {w.name.removesuffix(".warc.gz") for w in warcs} == runs
    # One run of the backfill, one of the live crawl (krisha's live runs hold the same kind).
    firsts = [next(w for w in warcs if w.name.startswith(p)) for p in ("krisha_archive-", "olx-")]
    for warc in firsts:
        index = subprocess.run(
            [sys.executable, "-m", "warcio.cli", "index", "-f",
             "warc-type,rentwatch-page,rentwatch-observed-at", str(warc)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        lines = [json.loads(line) for line in index.stdout.splitlines()]
        if warc.name.startswith("olx-"):  # the sandbox's clock, kept for a reparse
            pages = [line for line in lines if line.get("rentwatch-page") == "search"]
            assert pages and all(
                line["rentwatch-observed-at"].startswith("2023-06-30T14:00:00") for line in pages
            )
        number = next(
            n for n, line in enumerate(lines)
            if line.get("rentwatch-page") in ("search", "capture")
        )  # fmt: skip
        parsed = subprocess.run(
            [sys.executable, "-m", "rentwatch.cli", "parse", "--warc", str(warc), "--record",
             str(number)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert parsed.returncode == 0, parsed.stderr
        assert parsed.stdout.count("\n") >= 1 and " cards parsed" in parsed.stderr


def _demo(tmp_path: Path, lines: list[str]) -> Demo:
    return Demo(Settings(), DemoSettings(out_dir=tmp_path / "demo"), lines.append)


def test_demo_refuses_a_directory_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "thesis.tex").write_text("precious")
    with pytest.raises(RentwatchError, match="not made by rentwatch demo"):
        _demo(tmp_path, []).prepare_directory()
    assert (tmp_path / "demo" / "thesis.tex").read_text() == "precious"


def test_demo_clears_only_what_an_earlier_run_left(tmp_path: Path) -> None:
    demo = _demo(tmp_path, [])
    demo.prepare_directory()
    (tmp_path / "demo" / "report").mkdir()
    (tmp_path / "demo" / "report" / "report.html").write_text("old")
    (tmp_path / "demo" / "notes.txt").write_text("mine")
    demo.prepare_directory()
    assert not (tmp_path / "demo" / "report").exists()
    assert (tmp_path / "demo" / "notes.txt").read_text() == "mine"


def test_a_missing_capability_is_reported_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "analysis.index", None)  # import now fails
    lines: list[str] = []
    demo = _demo(tmp_path, lines)
    assert demo.index() is False
    stage = demo.run.stages[-1]
    assert (stage.name, stage.status) == ("index", "not run")
    assert "not installed" in stage.detail and "index: not run" in lines[-1]


def test_a_bad_option_is_a_one_line_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rentwatch.cli", "demo", "--out", str(tmp_path / "d"),
         "--scale", "0"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "rentwatch: error: invalid demo option market_scale: Input should be greater than 0"
    ]
    assert not (tmp_path / "d").exists()


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def test_summary_without_an_estimate_says_so(tmp_path: Path) -> None:
    text = render_summary(DemoRun(tmp_path, seed=1, scale=1.0))
    assert "SIMULATED DATA" in text and "No estimate" in text


def test_summary_names_the_country_the_series_and_each_design(tmp_path: Path) -> None:
    params = ReportParams()
    run = DemoRun(tmp_path, seed=1, scale=1.0)
    run.country = {"almaty": {"role": "treated"}, "shymkent": {"role": "comparison"},
                   "taraz": {"role": "comparison"}}  # fmt: skip
    run.estimators = {"its": params.estimator_text(), "synth": "synthetic control"}
    run.designs["its"] = {"almaty": CityResult(
        series=params.series_text(), window_start="2022-09-19", window_end="2022-10-30",
        estimate_pct=30.0, low_pct=20.0, high_pct=40.0, truth_pct=45.0, truth_in_interval=False,
    )}  # fmt: skip
    run.designs["synth"] = {"almaty": CityResult(
        series=params.series_text(), window_start="2022-09-19", window_end="2022-10-30",
        estimate_pct=44.0, low_pct=35.0, high_pct=52.0, truth_pct=45.0, truth_in_interval=True,
        design="synth",
    )}  # fmt: skip
    lines = render_summary(run).splitlines()
    assert "Simulated country: 3 cities" in lines
    assert "  comparison  shymkent, taraz" in lines
    assert f"  series: {params.series_text()}" in lines
    assert f"  HEADLINE:   {params.estimator_text()}" in lines
    assert "  almaty      +30.0%  [+20.0%, +40.0%]    +45.0%  no" in lines
    assert "  SYNTH:      synthetic control" in lines
    assert "  almaty      +44.0%  [+35.0%, +52.0%]    +45.0%  yes" in lines
    assert run.to_dict()["cities"]["almaty"]["estimate_pct"] == 30.0  # the first design


def test_the_designs_come_from_one_list() -> None:
    assert next(d.name for d in HEADLINE_DESIGNS) == "its"
    assert len({d.name for d in HEADLINE_DESIGNS}) == len(HEADLINE_DESIGNS)


def test_an_unknown_demo_city_is_a_one_line_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rentwatch.cli", "demo", "--out", str(tmp_path / "d")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "RENTWATCH_DEMO__CITIES": '["almaty", "atlantis"]'},
    )  # fmt: skip
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown city 'atlantis'" in lines[0]
