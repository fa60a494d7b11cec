"""A missing period is a gap, not a neighbour: AR(1), REML and ARIMA errors and the
counterfactual's noise use the real distance between observations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.tsa.statespace.sarimax import SARIMAX

from analysis.its import ITSModel
from analysis.its.simulate import simulate_series

MISSING = [20, 21, 22, 50]  # three empty months in a row, then one more


def monthly_with_gaps() -> tuple[pd.DataFrame, pd.Timestamp]:
    sim = simulate_series(freq="M", periods_pre=72, periods_post=24, event="2022-10-01",
                          ar=0.6, sd=0.03, seed=21)  # fmt: skip
    return sim.frame.drop(index=MISSING).reset_index(drop=True), sim.event


def model(frame: pd.DataFrame, event: pd.Timestamp, **options: object) -> ITSModel:
    return ITSModel(frame, time_col="period", value_col="value", event=event, shape="step",
                    log=True, simulated=True, **options)  # type: ignore[arg-type]  # fmt: skip


def spliced(frame: pd.DataFrame) -> pd.DataFrame:
    """The naive reading: the same values as if the months were consecutive."""
    start = frame["period"].iloc[0]
    return frame.assign(period=pd.date_range(start, periods=len(frame), freq="MS"))


def test_gaps_are_measured_in_periods_of_the_series() -> None:
    frame, event = monthly_with_gaps()
    m = model(frame, event)
    assert m.step == 1.0  # months; the gaps do not change the period
    gaps = m.gaps(m.fit_mask())
    assert gaps is not None and sorted(gaps[gaps > 1]) == [2.0, 4.0]
    as_missing = frame.assign(value=frame["value"].astype(float))
    months = pd.date_range(frame["period"].iloc[0], frame["period"].iloc[-1], freq="MS")
    full = pd.DataFrame({"period": months}).merge(as_missing, how="left")
    assert full["value"].isna().sum() == len(MISSING)
    a = model(full, event).fit("ar1")
    b = m.fit("ar1")
    assert a.params.to_numpy() == pytest.approx(b.params.to_numpy(), rel=1e-12)


def test_ar1_with_gaps_is_gls_with_rho_to_the_distance() -> None:
    frame, event = monthly_with_gaps()
    m = model(frame, event)
    for method in ("prais", "reml"):
        result = m.fit("ar1", ar_method=method)
        rho = result.rho
        assert rho is not None
        t = m.frame["t"].to_numpy()
        sigma = rho ** np.abs(t[:, None] - t[None, :])
        gls = sm.GLS(m.frame["y"].to_numpy(), m.design().to_numpy(), sigma=sigma).fit()
        np.testing.assert_allclose(result.params.to_numpy(), gls.params, rtol=1e-8)
        if method == "prais":
            np.testing.assert_allclose(result.cov.to_numpy(), gls.cov_params(), rtol=1e-6)
    naive = model(spliced(frame), event).fit("ar1")
    gap = m.fit("ar1")
    assert abs(naive.coefficients["level_change"].estimate
               - gap.coefficients["level_change"].estimate) > 1e-4  # fmt: skip
    assert naive.rho != pytest.approx(gap.rho, abs=1e-4)


def test_a_pulse_decay_profile_with_gaps_is_the_full_likelihood() -> None:
    # FixedPartGLS factors the fixed columns once; with gaps its changing columns must be
    # whitened at the same distances (it once passed a one-row y and broke the transform).
    from analysis.its.error_models import FixedPartGLS, ar1_loglik

    frame, event = monthly_with_gaps()
    m = model(frame, event)
    gaps = m.gaps(m.fit_mask())
    assert gaps is not None
    rng = np.random.default_rng(3)
    y = rng.normal(size=len(gaps) + 1)
    fixed = np.column_stack([np.ones_like(y), np.arange(len(y), dtype=float)])
    changing = rng.normal(size=(len(y), 1))
    held = FixedPartGLS(y, fixed, rho=0.5, gaps=gaps)
    full = ar1_loglik(y, np.column_stack([fixed, changing]), 0.5, gaps=gaps)
    assert held.loglik(changing) == pytest.approx(full, rel=1e-10)
    # And the segmented pulse fits on a series with gaps (the comparative design's path).
    result = ITSModel(frame, time_col="period", value_col="value", event=event,
                      shape="step-pulse", log=True, simulated=True).fit("ar1")  # fmt: skip
    assert np.isfinite(result.params.to_numpy()).all()


def test_reml_with_gaps_maximises_the_exact_restricted_likelihood() -> None:
    frame, event = monthly_with_gaps()
    m = model(frame, event)
    y, x = m.frame["y"].to_numpy(), m.design().to_numpy()
    t = m.frame["t"].to_numpy()
    n, k = x.shape

    def restricted(rho: float) -> float:
        sigma = rho ** np.abs(t[:, None] - t[None, :])
        inv = np.linalg.inv(sigma)
        xtx = x.T @ inv @ x
        beta = np.linalg.solve(xtx, x.T @ inv @ y)
        e = y - x @ beta
        return float(-0.5 * np.linalg.slogdet(sigma)[1] - 0.5 * np.linalg.slogdet(xtx)[1]
                     - (n - k) / 2 * np.log(e @ inv @ e / (n - k)))  # fmt: skip

    grid = np.linspace(0.05, 0.95, 181)
    best = grid[np.argmax([restricted(r) for r in grid])]
    assert m.fit("ar1").rho == pytest.approx(best, abs=0.006)


def test_arima_with_gaps_equals_the_state_space_fit_with_missing_values() -> None:
    frame, event = monthly_with_gaps()
    m = model(frame, event)
    ours = m.fit("arima", arima_order=(1, 0, 0))
    grid = pd.date_range(frame["period"].iloc[0], frame["period"].iloc[-1], freq="MS")
    full = pd.DataFrame({"period": grid}).merge(frame, how="left")
    y = np.log(full["value"].to_numpy(dtype=float))
    design = model(frame, event).design()
    exog = np.zeros((len(grid), design.shape[1]))
    exog[full["value"].notna().to_numpy()] = design.to_numpy()
    ref = SARIMAX(y, exog=exog, order=(1, 0, 0), trend="n").fit(disp=False)
    level = list(design.columns).index("level_change")
    # the same likelihood function: statsmodels' missing-value model at our estimates gives
    # our log-likelihood, and ours is its maximum (at least as high as its own optimiser's)
    arma = ours.error_model.arma
    assert arma is not None
    at_ours = ref.model.loglike(np.r_[ours.params.to_numpy(), ours.rho, arma["sigma2"]])
    assert at_ours == pytest.approx(ours.llf, abs=1e-6)
    assert ours.llf >= ref.llf - 1e-6
    assert ours.coefficients["level_change"].estimate == pytest.approx(ref.params[level], abs=1e-3)
    naive = model(spliced(frame), event).fit("arima", arima_order=(1, 0, 0))
    assert naive.llf != pytest.approx(ours.llf, abs=0.05)


def test_the_counterfactual_noise_follows_the_gaps_after_the_event() -> None:
    sim = simulate_series(freq="W", periods_pre=104, periods_post=30, ar=0.7, sd=0.03, seed=22)
    frame = sim.frame.drop(index=[110, 111, 112, 113, 114, 115]).reset_index(drop=True)
    m = ITSModel(frame, time_col="period", value_col="value", event=sim.event,
                 design="counterfactual", log=True, simulated=True)  # fmt: skip
    steps = np.diff(m.positions(m.frame.loc[m.frame["post"], "t"].to_numpy()))
    assert sorted(set(steps)) == [1.0, 7.0]
    result = m.fit("ar1")
    band = result.series.loc[result.series["post"]]
    assert (band["counterfactual_high"] > band["counterfactual"]).all()
    # the week after a six-week hole is nearly independent of the one before it
    noise = result.to_dict()["counterfactual"]["noise"]
    assert noise["rho"] == pytest.approx(result.rho)
