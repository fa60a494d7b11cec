"""The analysis span: chosen from the data's coverage around the event, holes summarised as
runs, the counterfactual not extrapolated past a stated fraction of the pre-period; and
`rentwatch its --city` quoting the report's own number on a warehouse with a hole."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from reports import NotEnoughData, ReportData, ReportParams, gather_report_data
from reports.headline import percent_text
from reports.span import NoSpan, choose_span, holes, runs
from tests.cli import run_cli as run
from tests.report_market import Market, add_market, build_warehouse

EVENT = date(2022, 9, 21)
FIRST_POST = date(2022, 9, 19)


def mondays(first: date, n: int) -> list[date]:
    return [first + timedelta(weeks=i) for i in range(n)]


def span_of(weeks: list[date], **options: object) -> object:
    settings: dict[str, object] = {"event": EVENT, "window_weeks": 6, "max_gap_weeks": 4,
                                   "max_extrapolation": 0.5, **options}  # fmt: skip
    return choose_span(weeks, **settings)  # type: ignore[arg-type]


def test_runs_bridge_short_holes_and_split_at_long_ones() -> None:
    weeks = mondays(date(2022, 1, 3), 10) + mondays(date(2022, 3, 28), 5)  # a 2-week hole
    weeks += mondays(date(2023, 1, 2), 3)  # then 34 empty weeks
    found = runs(weeks, max_gap_weeks=4)
    assert [(r.first, r.last, r.covered) for r in found] == [
        (date(2022, 1, 3), date(2022, 4, 25), 15), (date(2023, 1, 2), date(2023, 1, 16), 3)
    ]  # fmt: skip
    assert [(h.first, h.last, h.weeks) for h in holes(weeks)] == [
        (date(2022, 3, 14), date(2022, 3, 21), 2), (date(2022, 5, 2), date(2022, 12, 26), 35)
    ]  # fmt: skip


def test_the_archive_is_kept_and_todays_crawl_after_the_hole_is_left_out() -> None:
    archive = mondays(date(2021, 6, 28), 105)  # to the end of June 2023
    today = [date(2026, 11, 30)]
    span = span_of(archive + today, max_extrapolation=1.0)
    assert (span.start, span.first_post) == (date(2021, 6, 28), FIRST_POST)  # type: ignore[attr-defined]
    assert span.end == date(2023, 7, 2)  # type: ignore[attr-defined]
    (left,) = span.left_out  # type: ignore[attr-defined]
    assert (left.reason, left.run.first, left.run.covered) == ("gap", date(2026, 11, 30), 1)


def test_the_counterfactual_stops_at_half_the_pre_period() -> None:
    weeks = mondays(date(2021, 6, 28), 105)
    span = span_of(weeks)
    assert span.pre_weeks == 64 and span.limit_weeks == 32  # type: ignore[attr-defined]
    assert span.post_weeks == 32  # type: ignore[attr-defined]
    assert span.end == FIRST_POST + timedelta(weeks=32, days=-1)  # type: ignore[attr-defined]
    (left,) = span.left_out  # type: ignore[attr-defined]
    assert left.reason == "extrapolation" and left.run.covered == 105 - 64 - 32


def test_start_and_end_bound_the_span_and_what_they_cut_is_said() -> None:
    weeks = mondays(date(2021, 6, 28), 105)
    span = span_of(weeks, start=date(2021, 9, 1), end=date(2022, 12, 31))
    assert span.start == date(2021, 9, 1) and span.end == date(2022, 12, 31)  # type: ignore[attr-defined]
    reasons = [x.reason for x in span.left_out]  # type: ignore[attr-defined]
    assert reasons == ["range", "range"]


def test_an_event_inside_a_long_hole_is_refused_with_where_the_data_are() -> None:
    weeks = mondays(date(2021, 6, 28), 40) + mondays(date(2023, 1, 2), 20)
    with pytest.raises(NoSpan, match=r"end on 2022-04-03 and resume on 2023-01-02"):
        span_of(weeks, what="almaty")


def test_a_window_past_the_extrapolation_limit_is_refused() -> None:
    weeks = mondays(date(2022, 7, 4), 30)  # 11 weeks before the event's week
    with pytest.raises(NoSpan, match=r"extrapolated 5 weeks .* 6-week window does not fit"):
        span_of(weeks)


# --- a warehouse with a hole -------------------------------------------------------------

PARAMS = ReportParams(placebos=0, sensitivity=False, find_break=False)
LATE = Market(start=date(2024, 3, 4), weeks=3, per_week=20, id_prefix="late-", seed=8)


@pytest.fixture(scope="module")
def holed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("holed")
    db = build_warehouse(directory, Market())
    return add_market(db, directory / "late", LATE)


@pytest.fixture(scope="module")
def data(holed: Path) -> ReportData:
    return gather_report_data(holed, params=PARAMS)


def test_report_spans_stop_at_the_hole_and_say_so(data: ReportData) -> None:
    for est in data.estimates.values():
        assert est.span is not None
        assert est.span.end < LATE.start
        assert max(est.path["period"]) < LATE.start
        assert [x.reason for x in est.span.left_out] == ["gap"]
        assert est.span.left_out[0].run.first == LATE.start
    empty = data.coverage.gaps[data.coverage.gaps["kind"] == "empty"]
    assert len(empty) == 2  # one run per city, not a row per empty week
    assert set(empty["last_week"]) == {LATE.start - timedelta(weeks=1)}
    assert (empty["weeks"] > 50).all()


def test_its_city_with_no_flag_prints_the_reports_number(
    holed: Path, data: ReportData, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--db", str(holed), "its", "--city", "almaty", "--json")
    assert code == 0, err
    result = json.loads(out)
    est = data.estimates["almaty"]
    # Same number up to float summation order: DuckDB's parallel aggregates add
    # the week's prices in whatever order its threads finish (seen: 3e-9 apart).
    assert result["headline"]["percent"] == pytest.approx(est.effect_pct.estimate, rel=1e-7)
    assert result["headline"]["percent_low"] == pytest.approx(est.effect_pct.low, rel=1e-7)
    assert result["window"] == {"event": "2022-09-21", "first_post": "2022-09-19",
                                "end": "2022-10-30", "periods": 6}  # fmt: skip
    assert result["span"]["end"] == est.span.end.isoformat()  # type: ignore[union-attr]
    assert result["span"]["left_out"][0]["reason"] == "gap"
    code, out, err = run(capsys, "--db", str(holed), "its", "--city", "almaty")
    assert code == 0, err
    assert "snapped to 2022-09-19 (Monday), the first day of its week" in out
    assert "window 2022-09-19 … 2022-10-30 (6 weeks)" in out
    assert f"{percent_text(est.effect_pct.estimate)} [" in out
    assert "beyond a hole in the data" in out


def test_its_city_takes_flow_stock_and_rooms(
    holed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--db", str(holed), "its", "--city", "astana", "--stock",
                         "--rooms", "2", "--json")  # fmt: skip
    assert code == 0, err
    assert "2-room mix W stock" in json.loads(out)["label"]


def test_report_start_end_and_a_window_that_does_not_fit(
    holed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report"
    code, _, err = run(capsys, "--db", str(holed), "report", "economist", "--data", str(holed),
                       "--out", str(out), "--placebos", "0", "--lang", "en",
                       "--start", "2021-10-01", "--end", "2023-01-15")  # fmt: skip
    assert code == 0, err
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "outside the dates asked" in html
    code, _, err = run(capsys, "--db", str(holed), "report", "summary", "--data", str(holed),
                       "--out", str(tmp_path / "s.pdf"), "--end", "2022-10-15")  # fmt: skip
    assert code == 1
    assert err.startswith("rentwatch: error: almaty:") and err.count("\n") == 1


def test_too_short_a_pre_period_for_the_window_is_not_enough_data(holed: Path) -> None:
    with pytest.raises(NotEnoughData, match="6-week window does not fit"):
        gather_report_data(holed, params=replace(PARAMS, start=date(2022, 8, 1)))


@pytest.mark.parametrize(
    ("value", "text"),
    [(39.149, "+39.1%"), (-2.05, "\u22122.1%"), (0.04, "0.0%"), (math.inf, "+inf%"),
     (-math.inf, "\u2212inf%"), (math.nan, "n/a")],
)  # fmt: skip
def test_percent_text_writes_every_end_an_interval_can_have(value: float, text: str) -> None:
    """The CLI's one rounding, and an unbounded conformal end (it had raised 'cannot format
    -inf' out of `its --city --sc-inference conformal` on a short span)."""
    assert percent_text(value) == text
