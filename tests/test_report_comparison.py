"""The comparison designs as the headline: a warehouse with two treated cities and five
comparison cities (the same growth and season, no jump), an official series with two bases
and gaps; the headline, `rentwatch its`, both reports, the official series and the demo.

The warehouse, the gathered facts and the written reports are module-scoped: each is made
once and every test reads it.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import matplotlib.image
import numpy as np
import pandas as pd
import pypdf
import pytest

from rentwatch.commands.demo import Demo, render_summary
from rentwatch.settings import DemoSettings, Settings
from reports import (
    NotEnoughData,
    ReportData,
    ReportParams,
    gather_report_data,
    write_economist_report,
    write_summary_pdf,
)
from reports import official as off
from reports.economist import sections
from reports.formatting import format_percent
from reports.headline import (
    DESIGNS,
    InvalidParams,
    city_headline,
    comparison_params,
    design_for,
    headline_model,
    single_series_params,
    with_choices,
)
from reports.tables import sensitivity
from tests.cli import run_cli
from tests.report_market import COMPARISON, Market, build_warehouse
from warehouse import open_reader, open_writer
from warehouse.imports import load_official

TREATED = ("almaty", "astana")
JUMP_PCT = 30.0  # the market's jump in the treated cities (none in the comparison cities)
LANGS = ("ru", "kk", "en")
PARAMS = ReportParams(design="synthetic", placebos=0)
# Almaty's official series: basis 2022 monthly from January 2021 with two gaps (three
# missing months), and an old basis 2021 that stops in August 2021.
GAPS = ("2021-05", "2022-03", "2022-04")


def _official_rows() -> list[dict[str, object]]:
    rows = []
    rng = np.random.default_rng(5)
    for i, month in enumerate(pd.period_range("2021-01", "2023-06", freq="M")):
        value = 3000 * 1.01**i * (1.2 if month >= pd.Period("2022-10") else 1.0)
        value *= float(np.exp(rng.normal(0, 0.01)))
        if str(month) not in GAPS:
            rows.append(_row(month, round(value), "2022"))
        if month <= pd.Period("2021-08"):
            rows.append(_row(month, round(0.8 * value), "2021"))
    return rows


def _row(month: pd.Period, value: float, basis: str) -> dict[str, object]:
    return {"city": "almaty", "month": month.start_time.date(), "metric": "avg_rent_per_m2",
            "value": float(value), "unit": "KZT/m2/month", "source": "BNS",
            "basis": basis}  # fmt: skip


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    market = Market(cities=(*TREATED, *COMPARISON), treated=TREATED, per_week=20, season=0.05)
    db = build_warehouse(tmp_path_factory.mktemp("country"), market)
    with open_writer(db, lock_timeout=10) as conn:
        load_official(conn, _official_rows())
    return db


@pytest.fixture(scope="module")
def data(warehouse: Path) -> ReportData:
    return gather_report_data(warehouse, params=PARAMS)


@pytest.fixture(scope="module")
def pdfs(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pdf")
    return {lang: write_summary_pdf(data, out=out / f"s_{lang}.pdf", lang=lang) for lang in LANGS}


@pytest.fixture(scope="module")
def pages(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("economist")
    return {lang: write_economist_report(data, out_dir=out / lang, lang=lang).html
            for lang in ("ru", "en")}  # fmt: skip


def _text(pdf: Path) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()) for page in pypdf.PdfReader(pdf).pages]


# --- the headline --------------------------------------------------------------------------


def test_the_design_axis_and_its_one_default() -> None:
    assert DESIGNS == ("counterfactual", "segmented", "synthetic", "comparative")
    # The one place the default design and variant are set: ReportParams' defaults.
    default = ReportParams()
    assert comparison_params(default).design in ("synthetic", default.design)
    assert comparison_params(default).sc_variant == default.sc_variant
    assert single_series_params(PARAMS).design == "counterfactual"
    with pytest.raises(InvalidParams, match="sc_variant must be one of standard"):
        ReportParams(design="synthetic", sc_variant="magic")
    with pytest.raises(InvalidParams, match="design must be one of"):
        ReportParams(design="regression")  # type: ignore[arg-type]


@pytest.mark.parametrize("design", ["synthetic", "comparative"])
def test_comparison_headline_finds_the_jump_against_the_donors(
    warehouse: Path, design: str
) -> None:
    params = replace(PARAMS, design=design)
    with open_reader(warehouse, retry_timeout=5) as conn:
        headline = city_headline(conn, "almaty", params)
    pool = headline.pool
    assert pool is not None and set(pool.used) == set(COMPARISON)
    # Registry comparison cities with no data are left out and named.
    assert {x.city for x in pool.left_out} == set(pool.asked) - set(COMPARISON)
    assert {x.reason for x in pool.left_out} == {"no_data"}
    assert sum(headline.result.weights.values()) == pytest.approx(1.0)
    effect = headline.effect
    assert effect.percent_low <= JUMP_PCT <= effect.percent_high
    assert abs(effect.percent - JUMP_PCT) < 6
    # Same definition and span as the single series: the treated series is the headline's.
    assert headline.series.spec == params.index_spec("almaty")
    assert (headline.span.start, headline.span.end) == (date(2021, 9, 6), date(2023, 1, 29))


def test_fewer_than_three_donors_is_a_one_line_refusal(warehouse: Path) -> None:
    params = replace(PARAMS, donors=("shymkent", "turkestan", "taraz"))
    with open_reader(warehouse, retry_timeout=5) as conn:
        with pytest.raises(NotEnoughData) as refused:
            city_headline(conn, "almaty", params)
        usable, note = design_for(conn, ["almaty"], params)
    message = str(refused.value)
    assert "\n" not in message
    assert "needs at least 3 comparison cities with data, 2 have it (shymkent, taraz)" in message
    assert "no usable listing in the span: turkestan" in message
    assert usable.design == "counterfactual" and note and "almaty 2" in note


def test_the_interval_and_the_trend_halflife_are_choices() -> None:
    backtest = replace(PARAMS, sc_inference="backtest", sc_halflife=13, sc_trend_window=None)
    assert "recent weeks weighted with a 13-week half-life" in backtest.estimator_text()
    assert "backtest 95% interval" in backtest.estimator_text()
    with pytest.raises(InvalidParams, match="sc_inference must be one of conformal, backtest"):
        replace(PARAMS, sc_inference="bootstrap")
    with pytest.raises(InvalidParams, match="positive number of weeks"):
        replace(PARAMS, sc_halflife=-1, sc_trend_window=None)
    with pytest.raises(InvalidParams, match="with the standard variant"):
        replace(PARAMS, sc_variant="standard", sc_halflife=13, sc_trend_window=None)
    # Another variant drops the half-life only where it has no trend to weigh.
    assert backtest.with_variant("standard").sc_halflife is None
    assert backtest.with_variant("augmented-detrended").sc_halflife == 13
    assert with_choices(backtest, sc_variant="demeaned").sc_halflife is None
    assert with_choices(backtest, sc_variant="demeaned", sc_halflife=None).sc_halflife is None


def test_a_trend_window_and_a_half_life_replace_each_other() -> None:
    halflife = replace(PARAMS, sc_halflife=6, sc_trend_window=None)
    window = with_choices(halflife, sc_trend_window=13)
    assert (window.sc_halflife, window.sc_trend_window) == (None, 13)
    assert "the trend of the last 13 fit weeks" in window.estimator_text()
    back = with_choices(window, sc_halflife=8)
    assert (back.sc_halflife, back.sc_trend_window) == (8, None)
    assert window.with_variant("standard").sc_trend_window is None
    assert window.with_variant("augmented-detrended").sc_trend_window == 13
    for changes, message in [
        ({"sc_trend_window": 13}, "not both"),
        ({"sc_halflife": None, "sc_trend_window": 2}, "3 or more"),
        ({"sc_halflife": None, "sc_trend_window": 13, "sc_variant": "standard"},
         "with the standard variant"),
    ]:  # fmt: skip
        with pytest.raises(InvalidParams, match=message):
            replace(halflife, **changes)


def test_a_backtest_interval_differs_from_the_conformal_one(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conformal = replace(PARAMS, sc_inference="conformal", sc_trend_window=None)
    backtest = replace(conformal, sc_inference="backtest")
    weighted = replace(backtest, sc_halflife=13)
    with open_reader(warehouse, retry_timeout=5) as conn:
        found = {
            p: city_headline(conn, "almaty", p).effect for p in (conformal, backtest, weighted)
        }
    # One point estimate for one fit; the interval is what the inference changes.
    assert found[backtest].percent == pytest.approx(found[conformal].percent, abs=1e-9)
    assert (found[backtest].percent_low, found[backtest].percent_high) != pytest.approx(
        (found[conformal].percent_low, found[conformal].percent_high)
    )
    assert found[weighted].percent != pytest.approx(found[backtest].percent, abs=1e-6)
    for effect in found.values():
        assert effect.percent_low <= JUMP_PCT <= effect.percent_high
    base = ("--db", str(warehouse), "its", "--city", "almaty", "--design", "synthetic")
    code, out, err = run_cli(capsys, *base, "--sc-inference", "backtest", "--sc-halflife", "13",
                             "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["headline"]["percent_low"] == pytest.approx(
        found[weighted].percent_low, abs=1e-9
    )
    code, _, err = run_cli(capsys, *base, "--sc-variant", "standard", "--sc-halflife", "13")
    assert code == 1 and "for the detrended variants" in err
    code, _, err = run_cli(capsys, "its", "--csv", "x.csv", "--time-col", "t", "--value-col",
                           "v", "--event", "2022-09-21", "--sc-inference", "backtest")  # fmt: skip
    assert code == 1 and "go with --design synthetic" in err


def test_anticipation_weeks_are_a_choice_of_the_warehouse_synthetic_control(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    early = replace(PARAMS, sc_inference="backtest", sc_anticipation=4)
    assert "fitted up to 4 weeks before the event" in early.estimator_text()
    assert "weeks before the event" not in replace(early, sc_anticipation=0).estimator_text()
    for weeks in (-1, 14):
        with pytest.raises(InvalidParams, match="sc_anticipation is a number of weeks"):
            replace(PARAMS, sc_anticipation=weeks)
    with open_reader(warehouse, retry_timeout=5) as conn:
        found = {
            p: city_headline(conn, "almaty", p) for p in (early, replace(early, sc_anticipation=0))
        }
    fits = {p.sc_anticipation: h for p, h in found.items()}
    assert fits[4].result.model.spec.anticipation == 4
    # The four weeks before the event leave the fit: another fit, another estimate.
    assert fits[4].effect.percent != pytest.approx(fits[0].effect.percent, abs=1e-6)
    assert fits[4].effect.percent_low <= JUMP_PCT <= fits[4].effect.percent_high
    base = ("--db", str(warehouse), "its", "--city", "almaty", "--design", "synthetic")
    code, out, err = run_cli(capsys, *base, "--sc-inference", "backtest", "--sc-anticipation",
                             "4", "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["headline"]["percent"] == pytest.approx(fits[4].effect.percent, abs=1e-9)
    code, _, err = run_cli(capsys, "its", "--csv", "x.csv", "--time-col", "t", "--value-col",
                           "v", "--event", "2022-09-21", "--sc-anticipation", "2")  # fmt: skip
    assert code == 1 and "go with --design synthetic" in err


def test_short_of_donors_the_single_series_stands_in_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    two = build_warehouse(tmp_path, Market(weeks=70, per_week=15))  # no comparison city
    with open_reader(two, retry_timeout=5) as conn:
        headline = city_headline(conn, "almaty", PARAMS)
        single = city_headline(conn, "almaty", single_series_params(PARAMS))
        with pytest.raises(NotEnoughData, match="needs at least 3 comparison cities"):
            city_headline(conn, "almaty", replace(PARAMS, fallback=False))
    assert headline.params.design == "counterfactual" and headline.pool is None
    stand_in = headline.stand_in
    assert stand_in is not None and (stand_in.found, stand_in.needed) == (0, 3)
    assert headline.effect.percent == pytest.approx(single.effect.percent, abs=1e-9)
    data = gather_report_data(two, params=replace(PARAMS, sensitivity=False, find_break=False))
    est = data.estimates["almaty"]
    assert est.design == "counterfactual" and est.stand_in == headline.stand_in
    said = [c for c in data.caveats if c.key == "single_series"]
    assert [c.city for c in said] == ["almaty", "astana"] and said[0].values == {"n": 0, "need": 3}
    pdf = write_summary_pdf(data, out=tmp_path / "s.pdf", lang="en")
    assert "cannot tell a nationwide rise in rents from the inflow" in " ".join(_text(pdf))
    # its --city: the same stand-in with a note; asked for by name, the design is refused.
    base = ("--db", str(two), "its", "--city", "almaty")
    code, _, err = run_cli(capsys, *base, "--design", "synthetic")
    assert code == 1 and "needs at least 3 comparison cities" in err


def test_a_short_window_gap_is_bridged_and_a_long_one_leaves_the_donor_out(
    warehouse: Path, tmp_path: Path
) -> None:
    db = tmp_path / "gaps.duckdb"
    shutil.copyfile(warehouse, db)
    with open_writer(db, lock_timeout=10) as conn:
        # Shymkent loses one week of the window, Taraz four in a row.
        for city, first, last in (("shymkent", "2022-09-26", "2022-10-02"),
                                  ("taraz", "2022-09-19", "2022-10-16")):  # fmt: skip
            conn.execute(
                "DELETE FROM observations o USING listings l WHERE o.source = l.source AND "
                "o.listing_id = l.listing_id AND l.city = ? AND o.observed_on BETWEEN ? AND ?",
                [city, first, last],
            )
    with open_reader(db, retry_timeout=5) as conn:
        headline = city_headline(conn, "almaty", PARAMS)
    pool = headline.pool
    assert pool is not None and "shymkent" in pool.used and "taraz" not in pool.used
    (taraz,) = [x for x in pool.left_out if x.city == "taraz"]
    assert taraz.reason == "window_gap" and taraz.values == {"week": date(2022, 9, 19)}
    # The bridged week is filled in the fit, not dropped for every city.
    assert ("shymkent", "2022-09-26") in {(u, str(w)) for u, w in headline.result.panel.filled}


def test_a_thin_donor_is_left_out_with_its_weeks(warehouse: Path) -> None:
    params = replace(PARAMS, donor_coverage=1.0, min_donors=2)
    with open_reader(warehouse, retry_timeout=5) as conn:
        headline = city_headline(conn, "almaty", params)
    assert headline.pool is not None
    # Every donor has every week here: a full coverage rule still keeps them all.
    assert set(headline.pool.used) == set(COMPARISON)


# --- rentwatch its on the warehouse ------------------------------------------------------------


def test_its_city_design_synthetic_prints_the_comparison(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "--db", str(warehouse), "its", "--city", "almaty",
                             "--design", "synthetic", "--json")  # fmt: skip
    assert code == 0, err
    found = json.loads(out)
    for key in ("percent", "percent_low", "percent_high"):
        assert key in found["headline"]
    assert set(found["weights"]) == set(COMPARISON)
    assert found["pre_rmspe"] > 0 and found["placebo_in_space"]["p"] >= 1 / 6
    assert {r["unit"] for r in found["placebo_in_space"]["table"]} == {"almaty", *COMPARISON}
    # What set the interval: the backtest's and the donors' placebos' errors, pooled on the
    # log scale around the retransformed estimate.
    spread, backtest, pooled = found["placebo_interval"], found["backtest"], found["pooled"]
    assert spread["placebos"] == len(COMPARISON) and backtest["pseudo_events"] >= 2
    assert pooled["placebo_df"] == len(COMPARISON) - 1
    centre = math.log1p(found["headline"]["percent"] / 100)
    high = 100 * math.expm1(centre + pooled["half_width_log"])
    assert found["headline"]["percent_high"] == pytest.approx(high)
    # The number is the report's.
    with open_reader(warehouse, retry_timeout=5) as conn:
        headline = city_headline(conn, "almaty", ReportParams(design="synthetic"))
    assert found["headline"]["percent"] == pytest.approx(headline.effect.percent, abs=1e-9)
    code, out, _ = run_cli(capsys, "--db", str(warehouse), "its", "--city", "almaty",
                           "--design", "synthetic", "--sc-variant", "standard")  # fmt: skip
    assert code == 0
    assert "synthetic control (standard variant" in out
    assert "weights: " in out and "placebo in space: p " in out and "pre-period RMSPE" in out
    assert "interval: pooled errors, root mean square " in out
    assert f"{len(COMPARISON)} donors refitted as the treated unit" in out
    assert "the estimate retransformed from " in out


@pytest.mark.parametrize(
    ("freq", "periods", "said"),
    # (A daily series needs the reports' 42 points after the event, more than this
    # warehouse has: the same rule is the monthly one's here.)
    [("M", "3", "(3 months)"), ("M", "1", "(1 month)"), ("W", "4", "(4 weeks)")],
)
def test_its_city_single_series_window_is_the_periods_asked_for(
    warehouse: Path, capsys: pytest.CaptureFixture[str], freq: str, periods: str, said: str
) -> None:
    """The window line and the JSON's window are the --periods the effect is read over, on
    a daily or monthly series too (they had said the reports' six weeks, 42 days)."""
    base = ("--db", str(warehouse), "its", "--city", "almaty", "--design", "counterfactual",
            "--freq", freq, "--periods", periods)  # fmt: skip
    code, out, err = run_cli(capsys, *base, "--json")
    assert code == 0, err
    assert json.loads(out)["window"]["periods"] == int(periods)
    code, out, err = run_cli(capsys, *base)
    assert code == 0, err
    [line] = [line for line in out.splitlines() if "; window " in line]
    assert line.endswith(said)
    code, _, err = run_cli(capsys, *base[:-1], "2.5")
    assert code == 1 and err.count("\n") == 1 and "--periods on a warehouse series" in err


@pytest.mark.parametrize("design", ["synthetic", "comparative"])
def test_its_city_comparison_window_is_the_periods_asked_for(
    warehouse: Path, capsys: pytest.CaptureFixture[str], design: str
) -> None:
    """`its --city almaty --periods 3` averages over 3 weeks, as the single-series design
    does; the comparison headline had kept the reports' 6 and said nothing."""
    base = ("--db", str(warehouse), "its", "--city", "almaty", "--design", design)
    code, out, err = run_cli(capsys, *base, "--periods", "3", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["headline"]["periods"] == 3 and data["window"]["periods"] == 3
    code, out, err = run_cli(capsys, *base, "--periods", "3")
    assert code == 0, err
    assert "(3 weeks)" in out and "(3 obs)" in out
    code, _, err = run_cli(capsys, *base, "--periods", "2.5")
    assert code == 1 and err.count("\n") == 1 and "whole number of weeks" in err


@pytest.mark.parametrize(
    "option",
    [["--no-log"], ["--missing", "drop-periods"], ["--placebo-prune", "2"],
     ["--no-placebo-in-space"], ["--lags", "4"], ["--phase-in", "1"], ["--placebos", "5"]],
)  # fmt: skip
def test_its_city_comparison_refuses_what_it_would_ignore(
    warehouse: Path, capsys: pytest.CaptureFixture[str], option: list[str]
) -> None:
    """The warehouse's comparison headline is the reports' estimator (log scale, the
    headline's gap rule and checks): an option it cannot honour is a one-line refusal, not
    silently dropped (--no-log had printed the log-scale fit)."""
    base = ("--db", str(warehouse), "its", "--city", "almaty", "--design", "synthetic")
    code, out, err = run_cli(capsys, *base, *option)
    assert (code, out) == (1, "") and err.count("\n") == 1, err
    assert f"{option[0]} does not apply" in err and "--csv" in err


def test_its_city_donors_and_refusals(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ("--db", str(warehouse), "its", "--city", "almaty")
    code, out, _ = run_cli(capsys, *base, "--design", "comparative", "--donor", "shymkent",
                           "--donor", "Караганда", "--donor", "taraz")  # fmt: skip
    assert code == 0 and "donors: shymkent, karaganda, taraz (3 of 3 asked)" in out
    code, _, err = run_cli(capsys, *base, "--design", "synthetic", "--donor", "shymkent")
    assert code == 1 and err.count("\n") == 1 and "needs at least 3 comparison cities" in err
    # The default design compares too: too few named donors are refused, not replaced.
    code, _, err = run_cli(capsys, *base, "--donor", "shymkent")
    assert code == 1 and "needs at least 3 comparison cities" in err
    code, _, err = run_cli(capsys, *base, "--design", "counterfactual", "--donor", "shymkent")
    assert code == 1 and "--donor goes with --design synthetic or comparative" in err
    code, out, _ = run_cli(capsys, *base, "--design", "counterfactual", "--json")
    assert code == 0 and json.loads(out)["headline"]["percent"] > 10


@pytest.mark.parametrize("design", ["synthetic", "comparative", "counterfactual", "segmented"])
@pytest.mark.parametrize("name", ["Алматы", "Alma-Ata", "ALMATY "])
def test_its_city_takes_any_name_the_registry_knows(
    warehouse: Path, capsys: pytest.CaptureFixture[str], name: str, design: str
) -> None:
    # The comparison designs had answered "the warehouse holds no observation of this city"
    # to every name but the code, the single-series ones "unknown city".
    args = ("--db", str(warehouse), "its", "--design", design, "--json")
    code, out, err = run_cli(capsys, *args, "--city", name)
    assert code == 0, err
    code, by_code, err = run_cli(capsys, *args, "--city", "almaty")
    assert code == 0, err
    named, coded = (json.loads(o)["headline"] for o in (out, by_code))
    keys = ("percent", "percent_low", "percent_high")
    assert [named[k] for k in keys] == pytest.approx([coded[k] for k in keys], rel=1e-9)


def test_its_city_refuses_an_unknown_city_and_the_treated_city_as_donor(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, "--db", str(warehouse), "its", "--city", "Moscow")
    assert code == 1 and err.count("\n") == 1 and "unknown city 'Moscow'" in err
    donors = [a for c in ("Алматы", "shymkent", "taraz") for a in ("--donor", c)]
    code, _, err = run_cli(capsys, "--db", str(warehouse), "its", "--city", "almaty", *donors)
    assert code == 1 and "the treated city cannot be its own donor" in err


def test_a_border_city_named_as_donor_is_said(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    donors = [a for c in ("uralsk", *COMPARISON[:3]) for a in ("--donor", c)]
    code, _, err = run_cli(capsys, "--db", str(warehouse), "its", "--city", "almaty", *donors)
    assert code == 0 and "uralsk is a border city in the registry" in err


# --- the reports ----------------------------------------------------------------------------


def test_report_facts_of_the_comparison(data: ReportData) -> None:
    for city in TREATED:
        est = data.estimates[city]
        assert est.design == "synthetic" and est.comparison is not None
        weights = dict(est.comparison.weights)
        assert set(weights) == set(COMPARISON) and sum(weights.values()) == pytest.approx(1)
        assert est.comparison.placebo_p is not None and est.comparison.placebo_floor == 1 / 6
        assert est.comparison.gaps is not None and city in est.comparison.gaps.columns
        # The band is the window's interval, over the window only.
        band = est.path.dropna(subset=["expected_low"])
        assert len(band) == est.window_weeks
    # Six units: p cannot go below 1/6 > 0.10, so the placebo caveat says so.
    assert {c.key for c in data.caveats if c.city} >= {"placebo_space"}


def test_sensitivity_puts_the_designs_side_by_side(data: ReportData) -> None:
    table = data.tables.sensitivity
    almaty = table[table["city"] == "almaty"]
    assert (almaty["status"] == "ok").all()
    designs = set(almaty["design"])
    assert {"synthetic", "comparative", "counterfactual", "segmented"} <= designs
    assert set(almaty.loc[almaty["varied"] == "variant", "variant"]) == {
        "standard", "demeaned", "broken-trend", "broken", "augmented", "augmented-demeaned",
        "augmented-detrended"}  # fmt: skip
    # In the reader's language, every variant in words (no CLI code left in a Russian table).
    shown = sensitivity(almaty, "ru")
    designs_ru = set(shown.iloc[:, 2])
    assert "синтетический контроль, тренд с изломом или сдвигом" in designs_ru
    assert not any("broken" in d or "detrended" in d for d in designs_ru), designs_ru
    assert "synthetic control, ridge-augmented, de-meaned" in set(
        sensitivity(almaty, "en").iloc[:, 2]
    )
    left = almaty[almaty["varied"] == "donors"]
    assert set(left["without"]) <= set(COMPARISON) and len(left) >= 3
    est = data.estimates["almaty"]
    robust = almaty[almaty["varied"].isin(["base", "donors"])]
    assert est.sensitivity is not None
    assert est.sensitivity.low == pytest.approx(robust["percent"].min())


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_says_what_each_city_was_compared_with_on_one_page(
    data: ReportData, pdfs: dict[str, Path], lang: str
) -> None:
    pages = _text(pdfs[lang])
    assert len(pages) == 1
    words = {"ru": "Сравнивали с городами, куда приток людей не дошёл:",
             "kk": "Көші-қон толқыны жетпеген қалалармен салыстырылды:",
             "en": "Compared with cities the inflow did not reach:"}[lang]  # fmt: skip
    assert pages[0].count(words) == 2
    top, weight = data.estimates["almaty"].comparison.weights[0]  # type: ignore[union-attr]
    name = {"ru": "name_ru", "kk": "name_kk", "en": "name_en"}[lang]
    from warehouse.cities import REGISTRY

    pct = f"{round(100 * weight)}{'%' if lang == 'en' else ' %'}"
    assert f"{getattr(REGISTRY.get(top), name)} ({pct})" in pages[0]


def test_pdf_pages_render(pdfs: dict[str, Path], tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is missing")
    for lang, pdf in pdfs.items():
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / lang)],
                       check=True)  # fmt: skip
        (png,) = sorted(tmp_path.glob(f"{lang}*.png"))
        ink = float((matplotlib.image.imread(png)[..., :3].min(axis=2) < 0.8).mean())
        assert ink > 0.01


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_html_shows_the_twin_the_weights_and_the_placebos(
    data: ReportData, pages: dict[str, Path], lang: str
) -> None:
    html = unescape(pages[lang].read_text(encoding="utf-8"))
    for section in sections(data):
        assert f'<section id="{section}">' in html
    assert "comparison" in sections(data)
    sentence = {"ru": "Алматы: контрфактический уровень опирается на",
                "en": "Almaty's counterfactual leans on"}[lang]  # fmt: skip
    assert sentence in html
    assert {"ru": "Плацебо в пространстве", "en": "Placebo in space"}[lang] in html
    assert "RMSPE" in html
    # What set the window's interval, with the numbers the estimate was given.
    parts = data.estimates["almaty"].comparison.interval  # type: ignore[union-attr]
    assert parts is not None and parts.inference == ReportParams().sc_inference
    opening = {"ru": "Интервал окна", "en": "The window's interval"}[lang]
    assert opening in html
    assert parts.pooled_rms is not None and parts.correction is not None
    assert parts.correction > 0  # the retransformation lowers the estimate
    for value in (parts.backtest_rms, parts.placebo_rms, parts.pooled_rms):
        assert format_percent(value, lang, decimals=1) in html  # type: ignore[arg-type]
    figures = {p.stem for p in (pages[lang].parent / "figures").glob("*.png")}
    assert {"gaps_almaty", "gaps_astana", "its_almaty", "official"} <= figures
    tables = {p.stem for p in (pages[lang].parent / "tables").glob("*.csv")}
    assert {"donor_weights", "placebo_in_space", "official_series"} <= tables
    weights = pd.read_csv(pages[lang].parent / "tables" / "donor_weights.csv")
    assert set(weights["donor"]) == set(COMPARISON) and weights["simulated"].all()


def test_the_official_series_is_a_validation_line_with_its_bases(data: ReportData) -> None:
    bases = {(line.city, line.basis) for line in data.official}
    assert bases == {("almaty", "2021"), ("almaty", "2022")}  # never spliced
    new = next(line for line in data.official if line.basis == "2022")
    assert len(new.gaps) == 2 and len(new.frame) == 30 - len(GAPS)


ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.mark.e2e
def test_comparison_report_in_a_real_browser(data: ReportData, pages: dict[str, Path]) -> None:
    from tests.browser import check_pages, chromium_or_skip

    chromium_or_skip()
    shots = {pages[lang]: ARTIFACTS / f"economist_comparison_{lang}.png" for lang in pages}
    for check in check_pages(shots).values():
        m = check.measured
        assert m["sections"] == len(sections(data))
        assert m["scrollWidth"] <= m["viewport"] and m["overflowing"] == []
        assert m["scrolled"] == [] and check.console_errors == []
        assert all(i["complete"] and i["width"] > 0 for i in m["images"])


# --- official series as the outcome or a control --------------------------------------------


def test_an_official_outcome_with_two_bases_refuses_to_splice(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, "--db", str(warehouse), "its", "--official",
                           "almaty:avg_rent_per_m2")  # fmt: skip
    assert code == 1 and err.count("\n") == 1
    assert "has 2 versions (BNS basis 2021, BNS basis 2022)" in err and "never spliced" in err


def test_a_gap_is_a_distance_not_a_step(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_reader(warehouse, retry_timeout=5) as conn:
        series = off.read_key(conn, off.OfficialKey.parse("Алматы:avg_rent_per_m2:2022"))
    params = ReportParams()
    gapped = off.official_model(series, params)
    # The same values one after another, the gaps closed up (what splicing the months would do).
    spliced_frame = series.frame.assign(
        month=pd.date_range("2021-01-01", periods=len(series.frame), freq="MS")
    )
    spliced = off.official_model(replace(series, frame=spliced_frame), params)
    t = gapped.design()["pre_trend"].to_numpy()
    assert t[-1] - t[0] == 29  # thirty calendar months, 27 of them with a value
    assert sorted(np.diff(t))[-2:] == [2, 3]  # 2021-05 missing: 2 steps; 2022-03 and 04: 3
    a, b = (m.fit(params.errors, alpha=params.alpha) for m in (gapped, spliced))
    assert a.coefficients["pre_trend"].estimate != pytest.approx(
        b.coefficients["pre_trend"].estimate, rel=1e-3
    )
    window = pd.Timestamp("2022-09-01")
    assert a.average_effect(window, periods=2).percent != pytest.approx(
        b.average_effect(window, periods=2).percent, rel=1e-3
    )
    code, out, err = run_cli(capsys, "--db", str(warehouse), "its", "--official",
                             "almaty:avg_rent_per_m2:2022", "--json")  # fmt: skip
    assert code == 0, err
    found = json.loads(out)
    assert found["official"]["basis"] == "2022" and len(found["official"]["gaps"]) == 2
    assert "3 missing month(s) in 2 gap(s) kept as gaps" in found["gaps"]
    assert found["window"]["first_post"] == "2022-09-01"


def test_an_official_control_for_a_monthly_outcome(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ("--db", str(warehouse), "its", "--city", "almaty")
    code, _, err = run_cli(capsys, *base, "--official-control", "almaty:avg_rent_per_m2:2022")
    assert code == 1 and "needs a monthly outcome" in err
    with open_reader(warehouse, retry_timeout=5) as conn:
        control = off.read_key(conn, off.OfficialKey.parse("almaty:avg_rent_per_m2:2022"))
    frame = pd.DataFrame({"period": pd.date_range("2021-01-01", "2023-06-01", freq="MS")})
    frame["value"] = 100.0 + np.arange(len(frame))
    joined = off.with_control(frame, control, ReportParams())
    # Months the control lacks are gaps of the joined series, not filled; the counterfactual
    # design takes the control's log as a predictor.
    assert len(joined) == len(frame) - len(GAPS)
    assert joined[off.CONTROL_COL].iloc[0] == pytest.approx(np.log(control.frame["value"].iloc[0]))
    model = off.monthly_model(frame, ReportParams(), unit="KZT", label="test", control=control)
    assert "official_control" in model.design().columns


# --- the demo -------------------------------------------------------------------------------


class _Truth:
    """The report market's truth: the jump, exactly, in the treated cities."""

    def average_effect_pct(self, city: str, start: date, end: date, *, rooms: int) -> float:
        return JUMP_PCT if city in TREATED else 0.0


def _demo(tmp_path: Path, db: Path, lines: list[str]) -> Demo:
    demo = Demo(Settings(), DemoSettings(out_dir=tmp_path / "demo"), lines.append)
    demo.db = db
    demo.truth = _Truth()  # type: ignore[assignment]
    return demo


def test_demo_prints_the_headline_and_the_other_design_beside_the_truth(
    warehouse: Path, tmp_path: Path
) -> None:
    lines: list[str] = []
    demo = _demo(tmp_path, warehouse, lines)
    demo.its()
    assert [(s.name, s.status) for s in demo.run.stages] == [("its", "done"),
                                                            ("comparison", "done")]  # fmt: skip
    # The headline is the comparison design; the single series is put beside it.
    assert demo.run.estimator == comparison_params(ReportParams()).estimator_text()
    assert demo.run.comparison_estimator == single_series_params(ReportParams()).estimator_text()
    for results in (demo.run.cities, demo.run.comparison):
        for city in TREATED:
            assert results[city].truth_pct == JUMP_PCT and results[city].truth_in_interval
    text = render_summary(demo.run)
    assert "  HEADLINE:   synthetic control" in text
    assert "  BESIDE IT:  counterfactual design" in text


def test_demo_falls_back_to_the_single_series_without_donors(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    two = build_warehouse(tmp_path, Market(weeks=70, per_week=15))
    lines: list[str] = []
    demo = _demo(tmp_path, two, lines)
    base = demo.headline()
    monkeypatch.setattr(Demo, "headline", lambda self: replace(base, design="synthetic"))
    demo.its()
    assert demo.params.design == "counterfactual"
    assert demo.run.estimator == replace(base, design="counterfactual").estimator_text()
    (note,) = demo.run.notes
    assert "needs at least 3 comparison cities with data (have: almaty 0, astana 0)" in note
    assert any("note: the synthetic design needs" in line for line in lines)
    # The headline was the comparison design: nothing more to put beside it.
    assert [s.name for s in demo.run.stages] == ["its"]
    assert f"Note: {note}" in render_summary(demo.run)


def test_report_commands_take_the_design(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rentwatch.commands.report import _params

    params = _params(None, None, None, None, None, design="comparative", sc_variant="standard",
                     donors=["shymkent", "taraz", "aktau"])  # fmt: skip
    assert (params.design, params.sc_variant, params.donors) == (
        "comparative", "standard", ("shymkent", "taraz", "aktau"))  # fmt: skip
    out = tmp_path / "s.pdf"
    code, _, err = run_cli(capsys, "--db", str(warehouse), "report", "summary", "--data",
                           str(warehouse), "--design", "magic", "--out", str(out))  # fmt: skip
    assert code == 1 and err.count("\n") == 1 and "design must be one of" in err
    assert not out.exists()


def test_a_daily_warehouse_series_runs_with_the_default_season() -> None:
    # The days the portals were seen (here two a week) are not a regular grid, so the
    # season's period is given in days; it had been "fourier seasonality needs a period: use
    # dates in the time column, a season column …", advice for a CSV.
    rng = np.random.default_rng(2)
    days = pd.DatetimeIndex(sorted(
        {d for w in pd.date_range("2021-06-07", "2023-03-27", freq="W-MON")
         for d in (w + pd.Timedelta(days=1), w + pd.Timedelta(days=4))}
    ))  # fmt: skip
    value = 150_000 * np.exp(0.3 * (days >= "2022-09-21") + rng.normal(0, 0.02, len(days)))
    series = SimpleNamespace(
        frame=pd.DataFrame({"period": days, "value": value}),
        spec=SimpleNamespace(freq="D", label="almaty 1-room mix D flow"),
        unit="KZT/month", simulated=True,
    )  # fmt: skip
    params = replace(ReportParams(), design="counterfactual")
    model = headline_model(series, params)  # type: ignore[arg-type]
    assert model.describe()["seasonality"].endswith(":365.25")
    result = model.fit("ar1")
    assert {"sin_1", "cos_1"} <= set(result.coefficients)
