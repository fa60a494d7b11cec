"""Interval coverage on simulated series with a known effect (the fast version).

bench/its_coverage.py runs the full study (more seeds, error models and shapes); here one
configuration whose model is correctly specified: 200 seeds, 95% intervals must cover the
true average % effect over the first six weeks 92–98% of the time, with bias under 1 pp.
"""

from __future__ import annotations

import numpy as np

from analysis.its import ITSModel
from analysis.its.simulate import simulate_series

SEEDS = 200
WEEKS = 6


def test_intervals_cover_the_true_six_week_effect() -> None:
    covered, errors = [], []
    for seed in range(SEEDS):
        sim = simulate_series(freq="W", periods_pre=104, periods_post=26, pre_trend=0.004,
                              level_change=0.10, slope_change=0.002, ar=0.0, sd=0.02,
                              seed=seed)  # fmt: skip
        model = ITSModel(sim.frame, time_col="period", value_col="value", event=sim.event,
                         shape="step-slope", log=True, simulated=True)  # fmt: skip
        effect = model.fit("ols").average_effect(periods=WEEKS)
        truth = sim.true_percent(WEEKS)
        covered.append(effect.percent_low <= truth <= effect.percent_high)
        errors.append(effect.percent - truth)
    coverage = float(np.mean(covered))
    assert 0.92 <= coverage <= 0.98, coverage
    assert abs(float(np.mean(errors))) < 1.0
