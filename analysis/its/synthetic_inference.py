"""Inference for a synthetic control with one treated unit and a few donors.

**Placebo in space** (Abadie, Diamond & Hainmueller 2010): every donor in turn is treated as
if it were the treated unit, its synthetic control built from the other donors (the real
treated unit is never a donor), with the same variant. The statistic is the ratio of the
post-period RMSPE (over the effect window) to the pre-period RMSPE; the p-value is the
treated unit's rank among all J + 1 ratios divided by J + 1, so it can never be below
1/(J + 1) (the treated unit counts itself, which pysyncon's ``pvalue`` omits). The pre-period
is strictly before the event (``time < event``); the post window starts at the event.
``prune``: leave out placebos whose pre-RMSPE exceeds ``prune`` × the treated unit's (ADH
2010 used 20, 5 and 2), which makes p coarser, not smaller.

**Conformal interval** for the window-average effect (Chernozhukov, Wüthrich & Zhu 2021):
under H0 "the effect is θ in every period of the window" (log points on a log scale), the
treated outcome is adjusted by −θ in the window, the weights are refitted on the pre-period
and the window together, and the residuals û of that fit are compared with their moving-
block permutations (cyclic shifts, T of them, T = pre periods + window periods) through
S = |mean of û over the window|. p(θ) = share of shifts with S ≥ S(identity); the interval
is {θ : p(θ) > α}. It is found by walking a grid outward from the point estimate until α is
crossed for several consecutive points on each side — never clipped at a preset width — and
refining each edge by bisection. Post periods after the window are not used. The ridge λ of
the augmented variants is held at its pre-period value in the refits.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.its.exceptions import InvalidSpecification
from analysis.its.synthetic_weights import Weights, fit_weights, is_augmented

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from analysis.its.synthetic_panel import Panel

# Backtests: pseudo-events need this many fit periods before them; at most this many.
BACKTEST_MIN_FIT = 26
BACKTEST_MAX_TESTS = 26
# A pre-period too short for two pseudo-events after BACKTEST_MIN_FIT periods (under 33
# for a six-period window) backtests from fits of this many: their errors are those of
# shorter fits than the design's, so the interval is wider than it need be, never narrower.
# On half a year of weekly data the conformal interval of the detrended variants was
# unbounded in every one of 40 panels (its refits' trend absorbs any effect); this backtest
# covered 0.97-1.00 at 44-49 pp (ARCHITECTURE.md, "Headline estimator").
BACKTEST_SHORT_MIN_FIT = 13
# The backtest interval widened by the placebos' spread needs at least this many placebos
# (donors): with fewer, a spread of three or four values says little, and the interval
# stays the backtest's (said in the JSON).
PLACEBO_INTERVAL_MIN_DONORS = 5
_CONSECUTIVE_REJECTIONS = 4
_STEPS_BEFORE_DOUBLING = 40
_MAX_EVALUATIONS = 2000
_BISECTIONS = 8


@dataclass(frozen=True, eq=False)
class PlaceboInSpace:
    """Placebo-in-space table and rank p-value.

    ``table``: one row per unit (the treated unit first): ``unit``, ``treated``,
    ``pre_rmspe``, ``post_rmspe`` (model scale: log points on a log scale), ``ratio``,
    ``effect`` (mean gap over the window, model scale), ``percent`` (Σ observed / Σ synthetic
    − 1, in %), ``kept`` (False when pruned), ``rank`` (1 = largest ratio among kept).
    ``gaps``: observed − synthetic per period (rows) and unit (columns), model scale.
    """

    table: pd.DataFrame
    gaps: pd.DataFrame
    p: float
    n_units: int
    prune: float | None
    window_start: str | float
    window_end: str | float

    @property
    def floor(self) -> float:
        """The smallest p this pool allows: 1 / (units kept)."""
        return 1.0 / self.n_units

    def to_dict(self) -> dict[str, Any]:
        return {
            "p": self.p,
            "p_floor": self.floor,
            "n_units": self.n_units,
            "prune": self.prune,
            "statistic": "post/pre RMSPE ratio",
            "window": {"start": self.window_start, "end": self.window_end},
            "table": self.table.to_dict(orient="records"),
        }

    def plot(self, *, ax: Axes | None = None) -> tuple[Figure, Axes]:
        """The classic figure: the treated unit's gap (black) over the placebos' (grey)."""
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(8, 4))
        else:
            fig = ax.figure  # type: ignore[assignment]
        kept = set(self.table.loc[self.table["kept"], "unit"])
        treated = str(self.table.iloc[0]["unit"])
        for unit in self.gaps.columns:
            if unit != treated and unit in kept:
                ax.plot(self.gaps.index, self.gaps[unit], color="0.75", linewidth=0.8)
        ax.plot(self.gaps.index, self.gaps[treated], color="black", linewidth=1.6, label=treated)
        ax.axhline(0, color="0.4", linewidth=0.6)
        ax.set_ylabel("gap (observed − synthetic)")
        ax.set_title(f"placebo in space: p = {self.p:.3f} ({self.n_units} units)")
        ax.legend(loc="best")
        return fig, ax


def rmspe(gaps: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(gaps)))) if len(gaps) else float("nan")


def check_prune(prune: float | None) -> None:
    """``prune`` is None or a positive multiple: 0 or less would prune every placebo and
    leave a p-value of 1 out of the treated unit alone."""
    if prune is not None and not prune > 0:
        raise InvalidSpecification(
            "prune is a positive multiple of the treated unit's pre-period RMSPE (ADH used "
            f"20, 5 and 2); got {prune}"
        )


def placebo_in_space(
    panel: Panel,
    variant: str,
    window: np.ndarray,
    *,
    treated_weights: Weights,
    ridge_lambda: float | None = None,
    prune: float | None = None,
    fit_rows: np.ndarray | None = None,
    trend_halflife: float | None = None,
    trend_window: int | None = None,
) -> PlaceboInSpace:
    """Refit the design with every donor as the treated unit (see the module doc);
    ``fit_rows``: the periods fitted (default: the whole pre-period)."""
    check_prune(prune)
    pre = ~panel.post if fit_rows is None else fit_rows
    rows: list[dict[str, Any]] = []
    gaps: dict[str, np.ndarray] = {}
    for i, unit in enumerate(panel.units):
        if i == 0:
            weights = treated_weights
            target, donors = panel.y[:, 0], panel.y[:, 1:]
            observed = panel.levels[:, 0]
        else:
            others = [k for k in range(1, len(panel.units)) if k != i]
            target, donors = panel.y[:, i], panel.y[:, others]
            observed = panel.levels[:, i]
            weights = fit_weights(
                target[pre],
                donors[pre],
                variant,
                ridge_lambda=ridge_lambda if is_augmented(variant) else None,
                time=panel.t[pre],
                trend_halflife=trend_halflife,
                trend_window=trend_window,
            )
        synthetic = weights.predict(donors, panel.t)
        gap = target - synthetic
        gaps[unit] = gap
        level = np.exp(synthetic) if panel.log else synthetic
        pre_r = rmspe(gap[pre])
        post_r = rmspe(gap[window])
        # No gap before the event and none after it is no effect, not an infinite ratio.
        ratio = post_r / pre_r if pre_r > 0 else (float("inf") if post_r > 0 else 0.0)
        rows.append(
            {
                "unit": unit,
                "treated": i == 0,
                "pre_rmspe": pre_r,
                "post_rmspe": post_r,
                "ratio": ratio,
                "effect": float(gap[window].mean()),
                "percent": float(100 * (observed[window].sum() / level[window].sum() - 1)),
            }
        )
    table = pd.DataFrame(rows)
    treated_pre = float(table["pre_rmspe"].iloc[0])
    table["kept"] = True if prune is None else table["pre_rmspe"] <= prune * treated_pre
    table.loc[0, "kept"] = True
    kept = table[table["kept"]]
    table["rank"] = table["ratio"].where(table["kept"]).rank(ascending=False, method="max")
    ratio = float(table["ratio"].iloc[0])
    p = float((kept["ratio"] >= ratio).sum() / len(kept))
    labels = [panel.axis.label(v) for v in panel.times]
    return PlaceboInSpace(
        table=table,
        gaps=pd.DataFrame(gaps, index=pd.Index(panel.times.to_numpy(), name="time")),
        p=p,
        n_units=len(kept),
        prune=prune,
        window_start=labels[window[0]],
        window_end=labels[window[-1]],
    )


# A donor below this weight is not left out in turn: without it the twin is the same.
LEAVE_ONE_OUT_MIN_WEIGHT = 0.01


@dataclass(frozen=True)
class LeaveOneOut:
    """The design refitted without each donor of weight at least
    LEAVE_ONE_OUT_MIN_WEIGHT in turn (Abadie, Diamond & Hainmueller 2015): does one
    comparison unit carry the estimate (one that got some of the effect, or a shock of its
    own)? ``table``: ``donor``, ``weight`` (in the full fit), ``percent`` (the window's Σ
    observed / Σ twin − 1 without it, in %) and ``change`` (percentage points against
    ``percent``, the full fit's same ratio). Empty when no donor may be left out (fewer than
    three donors)."""

    table: pd.DataFrame
    percent: float
    window_start: str | float
    window_end: str | float

    @property
    def low(self) -> float:
        """The smallest estimate with one donor left out (NaN when none was)."""
        return float(self.table["percent"].min()) if len(self.table) else math.nan

    @property
    def high(self) -> float:
        """The largest estimate with one donor left out (NaN when none was)."""
        return float(self.table["percent"].max()) if len(self.table) else math.nan

    @property
    def largest(self) -> dict[str, Any] | None:
        """The row whose leaving out moves the estimate most (None when none was)."""
        if not len(self.table):
            return None
        row = self.table.iloc[int(np.argmax(self.table["change"].abs().to_numpy()))]
        return {
            "donor": str(row["donor"]),
            "weight": float(row["weight"]),
            "percent": float(row["percent"]),
            "change": float(row["change"]),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "percent": self.percent,
            "low": self.low,
            "high": self.high,
            "largest": self.largest,
            "min_weight": LEAVE_ONE_OUT_MIN_WEIGHT,
            "window": {"start": self.window_start, "end": self.window_end},
            "table": self.table.to_dict(orient="records"),
        }


def leave_one_out(
    panel: Panel,
    variant: str,
    window: np.ndarray,
    weights: Weights,
    *,
    ridge_lambda: float | None = None,
    fit_rows: np.ndarray | None = None,
    trend_halflife: float | None = None,
    trend_window: int | None = None,
) -> LeaveOneOut:
    """Refit the treated unit's weights without each donor of weight ≥
    LEAVE_ONE_OUT_MIN_WEIGHT (``weights``: the full fit's) on ``fit_rows`` (default: the
    pre-period) and read the window ``window``'s ratio effect (see :class:`LeaveOneOut`)."""
    pre = ~panel.post if fit_rows is None else fit_rows
    observed = panel.levels[window, 0]

    def percent(synthetic: np.ndarray) -> float:
        level = np.exp(synthetic[window]) if panel.log else synthetic[window]
        return float(100 * (observed.sum() / level.sum() - 1))

    full = percent(weights.predict(panel.y[:, 1:], panel.t))
    rows: list[dict[str, Any]] = []
    if len(panel.donors) >= 3:
        for j, (donor, w) in enumerate(zip(panel.donors, weights.w, strict=True)):
            if w < LEAVE_ONE_OUT_MIN_WEIGHT:
                continue
            others = np.array([k for k in range(1, len(panel.units)) if k != j + 1])
            refit = fit_weights(
                panel.y[pre, 0], panel.y[pre][:, others], variant,
                ridge_lambda=ridge_lambda if is_augmented(variant) else None,
                time=panel.t[pre], trend_halflife=trend_halflife, trend_window=trend_window,
            )  # fmt: skip
            p = percent(refit.predict(panel.y[:, others], panel.t))
            rows.append({"donor": donor, "weight": float(w), "percent": p, "change": p - full})
    table = pd.DataFrame(rows, columns=["donor", "weight", "percent", "change"])
    table = table.sort_values("weight", ascending=False, ignore_index=True)
    labels = panel.labels()
    return LeaveOneOut(table, full, labels[window[0]], labels[window[-1]])


@dataclass(frozen=True, eq=False)
class ConformalInterval:
    """Conformal interval of the window-average effect θ (model scale) at ``level``.

    ``low``/``high``: the edges of {θ : p(θ) > 1 − level}; ``p_zero``: p(0), the test of
    no effect; ``connected``: False when a rejected θ lies between accepted ones (the
    interval reported is then their hull); ``grid``: every θ evaluated with its p.
    ``n_permutations``: the moving-block shifts (p moves in steps of 1/n_permutations).
    """

    low: float
    high: float
    p_zero: float
    level: float
    connected: bool
    n_permutations: int
    refits: int
    grid: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {
            "low": self.low,
            "high": self.high,
            "p_zero": self.p_zero,
            "level": self.level,
            "connected": self.connected,
            "n_permutations": self.n_permutations,
            "refits": self.refits,
            "method": "CWZ 2021 moving-block permutation, test inversion",
        }


def conformal_interval(
    panel: Panel,
    variant: str,
    window: np.ndarray,
    *,
    estimate: float,
    scale: float,
    level: float,
    ridge_lambda: float | None,
    start: np.ndarray | None = None,
    bend_at: float | None = None,
    break_kind: str | None = None,
    fit_rows: np.ndarray | None = None,
    trend_halflife: float | None = None,
    trend_window: int | None = None,
) -> ConformalInterval:
    """Invert the conformal test of "θ in every window period" (see the module doc).

    ``estimate``: the point estimate (where the walk starts); ``scale``: a typical size of
    the window mean's noise (e.g. pre-RMSPE / √m), which sets the grid step.
    """
    pre_rows = np.flatnonzero(~panel.post if fit_rows is None else fit_rows)
    used = np.concatenate([pre_rows, window])
    target = panel.y[used, 0]
    donors = panel.y[used, 1:]
    times = panel.t[used]
    in_window = np.zeros(len(used), dtype=bool)
    in_window[len(pre_rows) :] = True
    positions = np.flatnonzero(in_window)
    n = len(used)
    shifts = (positions[None, :] + np.arange(n)[:, None]) % n
    alpha = 1 - level
    state = _Refits(start)
    cache: dict[float, float] = {}

    def p_value(theta: float) -> float:
        key = float(theta)
        if key in cache:
            return cache[key]
        adjusted = target - theta * in_window
        weights = fit_weights(
            adjusted, donors, variant, ridge_lambda=ridge_lambda, start=state.start, time=times,
            bend_at=bend_at, break_kind=break_kind, trend_halflife=trend_halflife,
            trend_window=trend_window,
        )  # fmt: skip
        state.start = weights.simplex
        state.count += 1
        resid = adjusted - weights.predict(donors, times)
        stats = np.abs(resid[shifts].mean(axis=1))
        value = float(np.mean(stats >= stats[0] - 1e-12 * max(1.0, abs(stats[0]))))
        cache[key] = value
        return value

    step = max(float(scale), 1e-6 * max(1.0, abs(estimate))) / 4
    low = _edge(p_value, estimate, -1.0, step, alpha)
    high = _edge(p_value, estimate, 1.0, step, alpha)
    p_zero = p_value(0.0)
    grid = pd.DataFrame(sorted(cache.items()), columns=["theta", "p"])
    accepted = grid["p"] > alpha
    connected = True
    if accepted.any():
        inside = grid[(grid["theta"] >= low) & (grid["theta"] <= high)]
        connected = bool((inside["p"] > alpha).all())
    return ConformalInterval(
        low=low,
        high=high,
        p_zero=p_zero,
        level=level,
        connected=connected,
        n_permutations=n,
        refits=state.count,
        grid=grid,
    )


def fit_mask(panel: Panel, anticipation: int = 0) -> np.ndarray:
    """The pre-period less its last ``anticipation`` observations."""
    mask = ~panel.post
    if anticipation:
        mask = mask.copy()
        mask[np.flatnonzero(mask)[-anticipation:]] = False
    return mask


@dataclass(frozen=True)
class _ErrorInterval:
    """An interval read off the design's own errors where the truth is 0: ``errors`` in %,
    their RMS ``scale``, ``df`` degrees of freedom; ``half_width`` = the t quantile at
    ``level`` × scale × ``inflation`` (the estimate being one more draw)."""

    errors: np.ndarray
    scale: float
    df: int
    level: float

    @property
    def inflation(self) -> float:
        raise NotImplementedError

    @property
    def quantile(self) -> float:
        return float(stats.t.ppf(0.5 + self.level / 2, self.df))

    @property
    def half_width(self) -> float:
        return self.quantile * self.scale * self.inflation

    def p(self, percent: float) -> float:
        """Two-sided p of "no effect" for an estimate of ``percent``."""
        if not self.scale > 0:
            return float("nan")
        return float(2 * stats.t.sf(abs(percent) / (self.scale * self.inflation), self.df))

    def _common(self) -> dict[str, Any]:
        return {
            "rms_error_percent": self.scale,
            "df": self.df,
            "half_width_percent": self.half_width,
            "level": self.level,
        }


@dataclass(frozen=True)
class BacktestInterval(_ErrorInterval):
    """The design's own out-of-sample errors before the event (see :func:`backtest_interval`),
    one per pseudo-event; ``inflation`` √(1 + 1/df)."""

    min_fit: int = BACKTEST_MIN_FIT  # fit periods before the first pseudo-event

    @property
    def inflation(self) -> float:
        return math.sqrt(1 + 1 / self.df)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pseudo_events": len(self.errors),
            **self._common(),
            "min_fit": self.min_fit,
            "method": "backtest: the design refitted before each of the last pre-period weeks",
        }


@dataclass(frozen=True)
class PlaceboInterval(_ErrorInterval):
    """The design's errors at the event in the comparison units (see
    :func:`placebo_interval`), one per donor refitted as the treated unit; df = placebos − 1,
    ``inflation`` √(1 + 1/placebos)."""

    @property
    def inflation(self) -> float:
        return math.sqrt(1 + 1 / len(self.errors))

    def to_dict(self) -> dict[str, Any]:
        return {
            "placebos": len(self.errors),
            **self._common(),
            "method": "placebo in space: each donor's window effect as the treated unit",
        }


def placebo_interval(placebo: PlaceboInSpace, *, level: float) -> PlaceboInterval | None:
    """How wrong the design is at the event itself, read off the donors.

    Each donor refitted as the treated unit over the same window (its placebo effect, whose
    truth is 0 when the shock did not reach it) meets whatever moved the whole country in
    the event's weeks: a national jump that the pre-period never showed the loadings of, a
    donor the inflow reached. A backtest's pseudo-events before the event hold none of
    these. The interval is the estimate ± the t quantile (placebos − 1 df) × the RMS of the
    placebo effects × √(1 + 1/placebos), the treated unit being one more draw. None with
    fewer than PLACEBO_INTERVAL_MIN_DONORS placebos (kept ones; the treated row excluded).
    """
    table = placebo.table
    errors = table.loc[table["kept"] & ~table["treated"], "percent"].to_numpy(dtype=float)
    errors = errors[np.isfinite(errors)]
    if len(errors) < PLACEBO_INTERVAL_MIN_DONORS:
        return None
    return PlaceboInterval(errors, float(np.sqrt(np.mean(errors**2))), len(errors) - 1, level)


# The pooled interval's backtest degrees of freedom: overlapping windows' errors carry about
# 1.5 times the information of the non-overlapping ones (the overlapping batch means of
# Meketon & Schmeiser 1984), so k pseudo-events of a w-period window count ⌊1.5 k / w⌋.
OVERLAP_DF_FACTOR = 1.5


@dataclass(frozen=True)
class PooledInterval:
    """The backtest's and the placebos' errors pooled on the log scale (see
    :func:`pooled_interval`): ``scale`` the pooled root mean square log error, ``df`` its
    degrees of freedom, ``backtest_df``/``placebo_df`` the parts'."""

    backtest: BacktestInterval
    placebo: PlaceboInterval | None
    scale: float
    df: int
    backtest_df: int
    placebo_df: int
    level: float

    @property
    def quantile(self) -> float:
        return float(stats.t.ppf(0.5 + self.level / 2, self.df))

    @property
    def backtest_rms(self) -> float:
        """The backtest's root mean square log error."""
        return _rms(_log_errors(self.backtest.errors))

    @property
    def placebo_rms(self) -> float | None:
        """The placebos' root mean square log error (None when they are not pooled)."""
        if self.placebo is None or not self.placebo_df:
            return None
        return _rms(_log_errors(self.placebo.errors))

    @property
    def half_width(self) -> float:
        """In log points: the t quantile × scale × √(1 + 1/df)."""
        return self.quantile * self.scale * math.sqrt(1 + 1 / self.df)

    def centre(self, percent: float) -> float:
        """The corrected log ratio of an estimate of ``percent``: log(1 + p) − scale² / 2."""
        return math.log1p(percent / 100) - self.scale**2 / 2 if percent > -100 else -math.inf

    def corrected(self, percent: float) -> float:
        """The estimate in % with the log-normal retransformation (Kennedy 1981)."""
        return float(100 * math.expm1(self.centre(percent)))

    def bounds(self, percent: float) -> tuple[float, float]:
        """The interval in % of an estimate of ``percent``: exp(centre ± half-width) − 1."""
        c, h = self.centre(percent), self.half_width
        return float(100 * math.expm1(c - h)), float(100 * math.expm1(c + h))

    def p(self, percent: float) -> float:
        """Two-sided p of "no effect" for an estimate of ``percent``."""
        if not self.scale > 0:
            return float("nan")
        z = abs(self.centre(percent)) / (self.scale * math.sqrt(1 + 1 / self.df))
        return float(2 * stats.t.sf(z, self.df))

    def to_dict(self, percent: float | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": "pooled: the backtest's and the placebos' errors, log scale",
            "rms_log_error": self.scale,
            "df": self.df,
            "backtest_df": self.backtest_df,
            "placebo_df": self.placebo_df,
            "half_width_log": self.half_width,
            "level": self.level,
            "correction": "Kennedy (1981): exp(log(1 + p) - rms^2 / 2) - 1",
        }
        if percent is not None:
            out["percent_uncorrected"] = percent
        return out


def _rms(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(values**2)))


def _log_errors(errors: np.ndarray) -> np.ndarray:
    """% errors as log ratios; an error of −100 % or below has none and is left out."""
    errors = errors[np.isfinite(errors) & (errors > -100)]
    return np.log1p(errors / 100)


def pooled_interval(
    backtest: BacktestInterval,
    placebo: PlaceboInterval | None,
    window: int,
    *,
    level: float,
) -> PooledInterval:
    """The design's errors where the truth is 0, from the pre-period and from the donors,
    pooled into one t interval on the log scale.

    The two sets see different errors: the backtest's pseudo-events before the event (k of
    them, ``window`` periods each) see the design's own extrapolation, season and noise; the
    placebos (each donor refitted as the treated unit over the window) see what moved every
    city at the event itself, which no pseudo-event holds. Each is an estimate of the same
    error variance, so they are pooled by their degrees of freedom, s² = (d_b s_b² +
    d_p s_p²) / (d_b + d_p) with d_b = ⌊1.5 k / window⌋ (overlapping windows,
    OVERLAP_DF_FACTOR) and d_p = placebos − 1; with fewer than PLACEBO_INTERVAL_MIN_DONORS
    placebos the backtest's alone. The errors are ratios (Σ observed / Σ synthetic), so the
    scale is the log: the interval is exp(c ± t × s × √(1 + 1/d)) − 1 around c = log(1 +
    estimate) − s² / 2, the log-normal retransformation of a log estimate with variance s²
    (Kennedy 1981), which the estimate itself takes too (Σ observed / Σ synthetic of noisy
    weeks is biased up by about half the error variance). The wider of the two intervals
    (``backtest-placebo``) covered 0.99–1.00 in six of the scenario study's families; this
    one covers 0.945–0.990 (ARCHITECTURE.md, "Headline estimator")."""
    b = _log_errors(backtest.errors)
    if len(b) < 2:
        raise InvalidSpecification(
            f"the backtest has {len(b)} pseudo-event(s) whose error is above -100 %: too few "
            "for a pooled interval; use the conformal interval"
        )
    d_b = max(int(OVERLAP_DF_FACTOR * len(b) / window), 2)
    s2, d = _rms(b) ** 2, d_b
    d_p = 0
    if placebo is not None:
        pl = _log_errors(placebo.errors)
        if len(pl) >= PLACEBO_INTERVAL_MIN_DONORS:
            d_p = len(pl) - 1
            s2 = (d_b * s2 + d_p * _rms(pl) ** 2) / (d_b + d_p)
            d = d_b + d_p
    return PooledInterval(backtest, placebo, math.sqrt(s2), d, d_b, d_p, level)


def backtest_interval(
    panel: Panel,
    variant: str,
    fit_rows: np.ndarray,
    window: int,
    *,
    level: float,
    ridge_lambda: float | None = None,
    trend_halflife: float | None = None,
    trend_window: int | None = None,
    min_fit: int | None = None,
    max_tests: int = BACKTEST_MAX_TESTS,
) -> BacktestInterval:
    """How wrong the design has been at ``window``-period horizons before the event.

    At each pseudo-event e among the last ``max_tests`` fit periods that leave ``window``
    periods after them (and at least ``min_fit`` before), the design is refitted on the fit
    periods before e (its own variant, bend and all) and predicts a ``window`` that starts as
    far after the fit as the event's does (with ``anticipation`` k, k periods later); the
    error is that window's % effect, whose truth is 0. The interval is the estimate ± the t
    quantile × RMS error × √(1 + 1/df). Overlapping windows share errors, so df is the
    number of non-overlapping windows among them, k / window (Bartlett's effective sample
    size of an overlapping mean), at least 2. ``min_fit`` None: BACKTEST_MIN_FIT where that
    leaves two pseudo-events, else BACKTEST_SHORT_MIN_FIT. Every source of error the design
    has — the weights, the trend's extrapolation, a season the donors do not share,
    autocorrelation — is in these errors, which is why the scenario study prefers them to
    the conformal test when the design's trend can bend (the conformal refits let a bend
    absorb the effect).
    """
    rows = np.flatnonzero(fit_rows)
    n = len(rows)
    # With anticipation the window starts this many pre-period observations after the fit
    # ends: every pseudo-event leaves the same gap, so its errors are at the window's horizon.
    gap = int(np.count_nonzero(~panel.post[rows[-1] + 1 :])) if n else 0
    last = n - window - gap
    if min_fit is None:
        min_fit = BACKTEST_MIN_FIT if last >= BACKTEST_MIN_FIT + 1 else BACKTEST_SHORT_MIN_FIT
    first = max(min_fit, last - max_tests + 1)
    errors = []
    for e in range(first, last + 1):
        before, after = rows[:e], rows[e + gap : e + gap + window]
        weights = fit_weights(
            panel.y[before, 0], panel.y[before, 1:], variant,
            ridge_lambda=ridge_lambda if is_augmented(variant) else None,
            time=panel.t[before], trend_halflife=trend_halflife, trend_window=trend_window,
        )  # fmt: skip
        predicted = weights.predict(panel.y[after, 1:], panel.t[after])
        observed = panel.levels[after, 0]
        synthetic = np.exp(predicted) if panel.log else predicted
        errors.append(100 * (observed.sum() / synthetic.sum() - 1))
    found = np.asarray(errors, dtype=float)
    if len(found) < 2:
        # Two pseudo-events: min_fit + 1 fit periods before the last, then its gap and window.
        left_out = f", the {n + gap} before the event less {gap} left out" if gap else ""
        raise InvalidSpecification(
            f"a backtest needs at least {min_fit + 1 + gap + window} pre-period observations "
            f"to fit (found {n}{left_out}); use the conformal interval"
        )
    df = max(len(found) // window, 2)
    return BacktestInterval(found, float(np.sqrt(np.mean(found**2))), df, level, min_fit)


class _Refits:
    """The conformal search's warm start (the last refit's weights) and refit count."""

    def __init__(self, start: np.ndarray | None) -> None:
        self.start = start
        self.count = 0


def _edge(
    p_value: Callable[[float], float], centre: float, direction: float, step: float, alpha: float
) -> float:
    """The outermost accepted θ in ``direction`` from ``centre``: walk until
    ``_CONSECUTIVE_REJECTIONS`` rejections in a row (doubling the step every
    ``_STEPS_BEFORE_DOUBLING`` steps, so any width is reached), then bisect the last
    accepted/rejected pair."""
    last_accepted = centre if p_value(centre) > alpha else None
    theta, rejections, steps = centre, 0, 0
    first_rejected_after: float | None = None
    while rejections < _CONSECUTIVE_REJECTIONS:
        steps += 1
        if steps % _STEPS_BEFORE_DOUBLING == 0:
            step *= 2
        if steps > _MAX_EVALUATIONS:
            return float("inf") * direction
        theta = theta + direction * step
        if p_value(theta) > alpha:
            last_accepted, rejections, first_rejected_after = theta, 0, None
        else:
            rejections += 1
            if first_rejected_after is None:
                first_rejected_after = theta
    if last_accepted is None:
        return float("nan")
    outside = first_rejected_after if first_rejected_after is not None else theta
    inside = last_accepted
    for _ in range(_BISECTIONS):
        mid = (inside + outside) / 2
        if p_value(mid) > alpha:
            inside = mid
        else:
            outside = mid
    return float(inside)
