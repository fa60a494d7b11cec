"""``rentwatch demo``: the whole pipeline on a small simulated market, and its guard rails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from rentwatch.commands.demo import MARKER, CityResult, Demo, DemoRun, render_summary
from rentwatch.settings import DemoSettings, Settings
from reports import ReportParams
from scrapers.sandbox.truth import Truth
from warehouse.errors import RentwatchError

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.e2e
def test_small_demo_runs_end_to_end_and_puts_estimate_beside_truth(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    env = {
        **os.environ,
        # A small market and a thin archive: the same pipeline, in seconds.
        "RENTWATCH_DEMO__CAPTURES_PER_WEEK": "1",
        "RENTWATCH_DEMO__ARCHIVE_PAGES": "2",
        "RENTWATCH_DEMO__PLACEBOS": "5",
    }
    done = subprocess.run(
        [sys.executable, "-m", "rentwatch.cli", "demo", "--out", str(out), "--scale", "0.2",
         "--seed", "3", "--json"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    assert summary["simulated"] is True and summary["seed"] == 3
    assert {s["name"]: s["status"] for s in summary["stages"]} == {
        **{name: "done" for name in ("market", "backfill", "crawl", "load", "index", "its",
                                     "reports")},
        # The two-city sandbox has no comparison city (tests/test_report_comparison.py
        # covers the demo with some).
        "comparison": "not run",
    }  # fmt: skip
    assert "[2] backfill: archive backfill" in done.stderr  # progress while it runs
    truth = Truth.read(out / "truth")
    headline = ReportParams()  # the demo quotes the reports' headline estimator
    assert summary["estimator"] == headline.estimator_text()
    assert "same window and room count" in summary["definition"]
    for city in ("almaty", "astana"):
        result = summary["cities"][city]
        assert result["series"] == headline.series_text()
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
    for path in summary["outputs"]:
        assert Path(path).is_file(), path
    names = {Path(p).name for p in summary["outputs"]}
    assert {"truth.json", "truth_daily.csv", "rentwatch.duckdb", "report.html",
            "summary_ru.pdf", "summary_kk.pdf", "summary_en.pdf"} <= names  # fmt: skip
    with duckdb.connect(str(out / "rentwatch.duckdb"), read_only=True) as conn:
        origins = conn.execute("SELECT DISTINCT origin FROM observations").fetchall()
        sources = conn.execute("SELECT DISTINCT source FROM observations ORDER BY 1").fetchall()
        archived = conn.execute(
            "SELECT count(*) FROM observations WHERE observed_on < DATE '2023-07-01'"
        ).fetchone()
    # The report's headline is the estimate the demo prints.
    effects = pd.read_csv(out / "report" / "tables" / "its_effects.csv")
    window = effects[effects["what"] == "headline window"].set_index("city")
    for city in ("almaty", "astana"):
        assert window.loc[city, "percent"] == pytest.approx(
            summary["cities"][city]["estimate_pct"], abs=0.01
        )
    assert origins == [("simulated",)]
    assert sources == [("krisha",), ("olx",)]
    assert archived is not None and archived[0] > 1000
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
            [sys.executable, "-m", "warcio.cli", "index", "-f", "warc-type,rentwatch-page",
             str(warc)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        lines = [json.loads(line) for line in index.stdout.splitlines()]
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


def test_summary_without_an_estimate_says_so(tmp_path: Path) -> None:
    text = render_summary(DemoRun(tmp_path, seed=1, scale=1.0))
    assert "SIMULATED DATA" in text and "No estimate" in text


def test_summary_names_the_series_and_the_estimator(tmp_path: Path) -> None:
    params = ReportParams()
    run = DemoRun(tmp_path, seed=1, scale=1.0, estimator=params.estimator_text())
    run.cities["almaty"] = CityResult(
        series=params.series_text(), window_start="2022-09-19", window_end="2022-10-30",
        estimate_pct=30.0, low_pct=20.0, high_pct=40.0, truth_pct=45.0, truth_in_interval=False,
    )  # fmt: skip
    lines = render_summary(run).splitlines()
    assert f"  series: {params.series_text()}" in lines
    assert f"  ITS:    {params.estimator_text()}" in lines
    assert "  almaty      +30.0%  [+20.0%, +40.0%]    +45.0%  no" in lines
