"""The headline estimate against the sandbox's truth: a fixed seed, the default spec.

bench/headline_country.py measures the default estimator (ReportParams()) on many seeds of
the demo's simulated country, and bench/scenario_study.py chose it on panels built to break
it; this is the regression guard: one typical seed of the country, through the reports' own
gather (the registry's comparison cities are the donors).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from reports import ReportData, ReportParams, gather_report_data
from scrapers.sandbox import calibration as cal
from scrapers.sandbox.country import DEFAULT_CITIES
from scrapers.sandbox.truth import Truth
from tests.sandbox_warehouse import archive_warehouse
from warehouse.cities import REGISTRY

SEED = 7  # fixed before the study, not picked from its results
# bench/headline_country.py (50 seeds in two runs, 100 city-seeds): the default's
# |estimate - truth| had its 97.5% quantile at 14.1-15.1 pp and its largest at 15.6 (RMSE
# 6.5-7.0). Seed 7's Astana is one of those tail draws (15.0 pp), so the bound sits above the
# largest seen: it catches a regression of the size that matters (the single series is +37 pp
# off under an accelerating national trend), not a fit that moves by a tenth. Coverage (0.93-0.95
# there) is the bench's to measure.
TOLERANCE_PP = 18.0


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> tuple[ReportData, Truth]:
    db, truth = archive_warehouse(tmp_path_factory.mktemp("headline"), SEED, cities=DEFAULT_CITIES)
    params = replace(
        ReportParams(start=cal.ARCHIVE_FROM, end=cal.ARCHIVE_TO),
        placebos=0, sensitivity=False, find_break=False,
    )  # fmt: skip
    return gather_report_data(db, params=params), truth


@pytest.mark.parametrize("city", cal.CITIES)
def test_default_headline_finds_the_shock_near_the_truth(
    market: tuple[ReportData, Truth], city: str
) -> None:
    data, truth = market
    est = data.estimates[city]
    # The comparison design ran on the registry's comparison cities (no stand-in).
    assert est.design == "synthetic" and est.stand_in is None and est.comparison is not None
    assert {d for d, w in est.comparison.weights if w > 0} <= set(REGISTRY.comparison)
    # The truth on the estimate's own definition: same window, same room count.
    true = truth.average_effect_pct(city, est.window_start, est.window_end, rooms=est.rooms)
    eff = est.effect_pct
    assert abs(eff.estimate - true) < TOLERANCE_PP
    assert eff.excludes_zero and eff.estimate > 10  # the shock is found, with its sign


def test_default_is_the_studied_estimator() -> None:
    params = ReportParams()
    assert (params.rooms, params.method, params.flow, params.window_weeks) == (1, "mix", True, 6)
    chosen = (params.design, params.sc_variant, params.sc_inference, params.sc_trend_window)
    assert chosen == ("synthetic", "detrended", "pooled", 16)
    assert params.sc_halflife is None
    assert params.sc_anticipation == 3
    assert params.fallback and params.donors is None and params.min_donors == 3
    assert (params.window_start.isoformat(), params.window_end.isoformat()) == (
        "2022-09-19", "2022-10-30",
    )  # fmt: skip
