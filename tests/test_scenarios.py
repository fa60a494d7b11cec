"""The scenario panels: deterministic, labelled simulated, a known truth per family."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import numpy as np
import pytest

from analysis.scenarios.panels import BASE, FAMILIES, simulate_panel
from analysis.scenarios.study import DESIGNS, HEADLINE, choose_default, run_study, summarise
from reports import ReportParams

BY_NAME = {f.name: f for f in FAMILIES}


def test_a_panel_is_the_same_for_the_same_seed_and_family() -> None:
    a, b = simulate_panel(BASE, 3), simulate_panel(BASE, 3)
    assert a.observed.equals(b.observed)
    assert not a.observed.equals(simulate_panel(BASE, 4).observed)
    assert a.simulated and set(a.long()["origin"]) == {"simulated"}


def test_the_truth_follows_the_family() -> None:
    null = simulate_panel(BY_NAME["true null"], 0)
    assert null.truth() == pytest.approx(0.0, abs=1e-9)
    base = [simulate_panel(BASE, s).truth() for s in range(5)]
    assert all(15 < t < 55 for t in base)
    few = simulate_panel(BY_NAME["few donors"], 0)
    assert few.donors == ("donor01", "donor02", "donor03")
    short = simulate_panel(BY_NAME["short pre-period"], 0)
    assert (short.observed.index < short.event).sum() == 52


def test_thin_listings_leave_gaps_and_noise() -> None:
    thin = simulate_panel(BY_NAME["thin listings"], 0)
    assert thin.observed.isna().to_numpy().any()
    assert (thin.n.to_numpy() == 0).any()
    normal = simulate_panel(BASE, 0)
    residual = lambda p: np.nanstd(np.diff(p.observed[p.treated].to_numpy()))  # noqa: E731
    assert residual(thin) > residual(normal)


def test_the_national_jump_moves_every_city_but_is_no_effect() -> None:
    jump = BY_NAME["national jump at the event"]
    p = simulate_panel(jump, 0)
    before, after = p.observed.iloc[p.family.pre_weeks - 2], p.observed.iloc[p.family.pre_weeks]
    donors_rise = (after[list(p.donors)] - before[list(p.donors)]).mean()
    assert donors_rise > 0.05  # loadings 0.6–1.4 times a 0.12 jump
    assert 15 < p.truth() < 55  # the truth is the treated city's own effect only


def test_the_study_tabulates_and_chooses_by_the_worst_family() -> None:
    families = [BY_NAME["true null"], BY_NAME["accelerating national trend"]]
    rows = run_study(seeds=2, families=families)
    table = summarise(rows)
    assert set(table["family"]) == {f.name for f in families}
    assert {"bias", "rmse", "coverage", "width", "failures"} <= set(table.columns)
    choice = choose_default(table)
    assert choice.design in set(table["design"])
    # A single series cannot see an accelerating national trend: it is not chosen.
    assert choice.design != "single-series counterfactual"


def test_the_headline_is_the_design_the_study_chose() -> None:
    """ReportParams' defaults are the study's chosen design, and on a small guard run it
    sees through an accelerating national trend that fools the single series."""
    params = ReportParams()
    chosen = DESIGNS[HEADLINE]
    assert isinstance(chosen, partial) and chosen.keywords == {
        "variant": params.sc_variant, "inference": params.sc_inference,
        "trend_halflife": params.sc_halflife,
    }  # fmt: skip
    assert params.design == "synthetic"
    family = BY_NAME["accelerating national trend"]
    designs = {n: DESIGNS[n] for n in (HEADLINE, "single-series counterfactual")}
    rows = run_study(seeds=8, families=[family], designs=designs)
    table = summarise(rows).set_index("design")
    assert abs(table.loc[HEADLINE, "bias"]) < 5  # 200 seeds: +0.2 pp, coverage 0.96
    assert table.loc["single-series counterfactual", "bias"] > 20  # 200 seeds: +36.8 pp
    assert table.loc[HEADLINE, "coverage"] >= 0.75


def test_an_earlier_wave_lifts_the_treated_citys_untreated_path_only() -> None:
    wave = BY_NAME["earlier wave"]
    p = simulate_panel(wave, 0)
    e = p.family.pre_weeks
    # The same draws as without the wave: only the treated city's level moves, by ~0.10 from
    # 30 to 14 weeks before the event, and it is part of the untreated path (no effect).
    same = simulate_panel(replace(wave, earlier_wave=0.0), 0)
    rise = (p.latent0 - same.latent0).to_numpy()
    assert rise[e - 30] < 0.002 and 0.098 < rise[e - 14] <= 0.1
    assert np.allclose(p.observed[list(p.donors)], same.observed[list(p.donors)])
    assert (p.latent1 - p.latent0)[p.latent0.index < p.event].abs().max() == 0
