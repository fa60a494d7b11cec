"""The headline estimate against the sandbox market's truth: a fixed seed, the default spec.

bench/headline_accuracy.py measures the default estimator (ReportParams()) on many seeds;
this is its regression guard: one typical seed, in seconds, through the reports' own gather.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from reports import ReportData, ReportParams, gather_report_data
from scrapers.sandbox import calibration as cal
from scrapers.sandbox.truth import Truth
from tests.sandbox_warehouse import archive_warehouse

# A typical draw of the study (errors -2.0 and -1.1 pp when the default was chosen).
SEED = 7
# Over the study's 200 seeds the default's |estimate - truth| was under 12 pp in 97.5% of
# them (RMSE 5.2 pp Almaty, 5.0 Astana; the previous headline's was 5.8 and 9.0): a larger
# error on a typical seed is a regression.
TOLERANCE_PP = 12.0


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> tuple[ReportData, Truth]:
    db, truth = archive_warehouse(tmp_path_factory.mktemp("headline"), SEED)
    params = replace(
        ReportParams(start=cal.ARCHIVE_FROM, end=cal.ARCHIVE_TO),
        placebos=0, sensitivity=False, find_break=False,
    )  # fmt: skip
    return gather_report_data(db, params=params), truth


@pytest.mark.parametrize("city", cal.CITIES)
def test_default_headline_covers_the_truth(market: tuple[ReportData, Truth], city: str) -> None:
    data, truth = market
    est = data.estimates[city]
    # The truth on the estimate's own definition: same window, same room count.
    true = truth.average_effect_pct(city, est.window_start, est.window_end, rooms=est.rooms)
    eff = est.effect_pct
    assert eff.low <= true <= eff.high
    assert abs(eff.estimate - true) < TOLERANCE_PP
    assert eff.excludes_zero and eff.estimate > 10  # the shock is found, with its sign


def test_default_is_the_studied_estimator() -> None:
    params = ReportParams()
    assert (params.rooms, params.method, params.flow, params.design, params.errors) == (
        1, "mix", True, "counterfactual", "ar1",
    )  # fmt: skip
    assert (params.window_start.isoformat(), params.window_end.isoformat()) == (
        "2022-09-19", "2022-10-30",
    )  # fmt: skip
