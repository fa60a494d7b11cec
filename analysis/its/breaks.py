"""Search for an unknown break date: sup-F with trimming and Bai's (1997) interval.

For every candidate split of the series (the last pre-break observation i, with at least
``trim``·n observations on each side), the breaking regressors Z get separate coefficients
before and after while the others (X) stay common; F_i = (RSS₀ − RSS_i)/(RSS_i/(n − 2k − q))
(k = columns of Z, q = columns of X) — R strucchange's ``Fstats`` form, not divided by k. The
break is the split with the largest F (the least RSS). Its interval follows Bai (1997) as R
strucchange's ``confint.breakpointsfull`` computes it (regressors and error variances may differ
across segments). The p-value approximates Andrews' (1993) asymptotic sup-F distribution by
Monte Carlo (10,000 Brownian-bridge paths on 2,000 steps, fixed seed).

Both the errors and the statistic assume serially uncorrelated errors: with strong
autocorrelation (daily rents) the statistic is too large and the interval too narrow; search
weekly or monthly series.

Dates follow the project's rule: ``first_post`` (the first observation of the new regime) is
the date an ITS event would take; ``last_pre`` is strucchange's "breakdate".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from analysis.its.exceptions import InvalidSpecification, TooFewPrePeriods
from analysis.its.timeaxis import TimeAxis, TimePoint, before

if TYPE_CHECKING:
    from analysis.its.model import ITSModel

BreakTerms = Literal["mean", "level", "level-slope"]
"""What may break: ``mean`` (intercept only, no trend), ``level`` (intercept; a common
trend), ``level-slope`` (intercept and trend)."""

_MC_PATHS = 10_000
_MC_STEPS = 2_000
_MC_SEED = 20_221_021


@dataclass(frozen=True)
class BreakResult:
    """The estimated break, its interval at ``level``, and the F statistic over candidates.

    ``table``: ``last_pre``, ``first_post``, ``statistic`` (F) for each candidate split.
    ``before``/``after``: the breaking coefficients in each segment. ``event`` is the event
    of the model searched (None for a bare series); ``event_in_interval`` says whether the
    interval for ``first_post`` contains it.
    """

    first_post: TimePoint
    first_post_low: TimePoint
    first_post_high: TimePoint
    last_pre: TimePoint
    last_pre_low: TimePoint
    last_pre_high: TimePoint
    statistic: float
    p_value: float
    terms: str
    trim: float
    level: float
    n: int
    before: dict[str, float]
    after: dict[str, float]
    table: pd.DataFrame
    axis: TimeAxis
    event: TimePoint | None = None

    @property
    def event_in_interval(self) -> bool | None:
        if self.event is None:
            return None
        return not before(self.event, self.first_post_low) and not before(
            self.first_post_high, self.event
        )

    def to_dict(self) -> dict[str, Any]:
        """``break``/``interval`` are ``first_post`` and its interval (the event convention)."""
        label = self.axis.label
        return {
            "method": "sup-F (Andrews 1993) with Bai (1997) interval, as R strucchange",
            "terms": self.terms,
            "trim": self.trim,
            "level": self.level,
            "n": self.n,
            "break": label(self.first_post),
            "interval": [label(self.first_post_low), label(self.first_post_high)],
            "statistic": self.statistic,
            "p": self.p_value,
            "first_post": label(self.first_post),
            "first_post_low": label(self.first_post_low),
            "first_post_high": label(self.first_post_high),
            "last_pre": label(self.last_pre),
            "last_pre_low": label(self.last_pre_low),
            "last_pre_high": label(self.last_pre_high),
            "event": None if self.event is None else label(self.event),
            "event_in_interval": self.event_in_interval,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class _Search:
    split: int  # observations in the first segment (strucchange's breakpoint, 1-based last)
    statistic: float
    statistics: np.ndarray
    splits: np.ndarray
    beta1: np.ndarray
    beta2: np.ndarray
    sigma1: float
    sigma2: float
    q1: np.ndarray
    q2: np.ndarray


def sup_f(
    y: np.ndarray, z: np.ndarray, x: np.ndarray | None = None, *, trim: float = 0.15
) -> _Search:
    """The sup-F search over splits h..n−h, h = floor(trim·n)."""
    n, k = z.shape
    q = 0 if x is None else x.shape[1]
    h = int(np.floor(trim * n))
    h = max(h, k + q + 1)
    if n - h < h:
        raise TooFewPrePeriods(f"{n} observations are too few to search for a break")
    full = z if x is None else np.hstack([z, x])
    rss0 = _rss(y, full)
    splits = np.arange(h, n - h + 1)
    rss = np.array([_rss(y, _split_design(z, x, s)) for s in splits])
    df = n - 2 * k - q
    statistics = (rss0 - rss) / (rss / df)
    best = int(np.argmax(statistics))
    split = int(splits[best])
    beta = np.linalg.lstsq(_split_design(z, x, split), y, rcond=None)[0]
    resid = y - _split_design(z, x, split) @ beta
    z1, z2 = z[:split], z[split:]
    return _Search(
        split=split,
        statistic=float(statistics[best]),
        statistics=statistics,
        splits=splits,
        beta1=beta[:k],
        beta2=beta[k : 2 * k],
        sigma1=float(resid[:split] @ resid[:split] / split),
        sigma2=float(resid[split:] @ resid[split:] / (n - split)),
        q1=z1.T @ z1 / split,
        q2=z2.T @ z2 / (n - split),
    )


def _split_design(z: np.ndarray, x: np.ndarray | None, split: int) -> np.ndarray:
    first = np.zeros_like(z)
    first[:split] = z[:split]
    second = np.zeros_like(z)
    second[split:] = z[split:]
    parts = [first, second] if x is None else [first, second, x]
    return np.hstack(parts)


def _rss(y: np.ndarray, x: np.ndarray) -> float:
    resid = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    return float(resid @ resid)


def argmax_cdf(value: float, xi: float, phi1: float, phi2: float) -> float:
    """P(argmax V ≤ value) for Bai's (1997) limiting process (strucchange ``pargmaxV``)."""
    phi = xi * (phi2 / phi1) ** 2
    x = abs(value)
    if x == 0:
        x = 1e-300
    logx = np.log(x)
    logphi_n = stats.norm.logcdf
    if value < 0:
        frac = xi / phi
        return float(
            -np.exp(logx / 2 - x / 8 - np.log(2 * np.pi) / 2)
            - (phi / xi * (phi + 2 * xi) / (phi + xi))
            * np.exp(frac * (1 + frac) * x / 2 + logphi_n(-(0.5 + frac) * np.sqrt(x)))
            + np.exp(
                np.log(x / 2 - 2 + (phi + 2 * xi) ** 2 / ((phi + xi) * xi))
                + logphi_n(-np.sqrt(x) / 2)
            )
        )
    frac = xi**2 / phi
    return float(
        1
        + np.sqrt(frac) * np.exp(logx / 2 - frac * x / 8 - np.log(2 * np.pi) / 2)
        + (xi / phi * (2 * phi + xi) / (phi + xi))
        * np.exp((phi + xi) * x / 2 + logphi_n(-(phi + xi / 2) / np.sqrt(phi) * np.sqrt(x)))
        - np.exp(
            np.log((2 * phi + xi) ** 2 / ((phi + xi) * phi) - 2 + frac * x / 2)
            + logphi_n(-np.sqrt(frac) * np.sqrt(x) / 2)
        )
    )


def bai_interval(search: _Search, level: float) -> tuple[int, int]:
    """The interval for the split (1-based last observation of the first segment)."""
    a2 = (1 - level) / 2
    delta = search.beta2 - search.beta1
    qprod1 = float(delta @ search.q1 @ delta)
    qprod2 = float(delta @ search.q2 @ delta)
    if not (qprod1 > 0 and qprod2 > 0):
        return search.split, search.split
    xi = qprod2 / qprod1
    phi1, phi2 = np.sqrt(search.sigma1), np.sqrt(search.sigma2)

    def cdf(v: float) -> float:
        return argmax_cdf(v, xi, phi1, phi2)

    upper_bracket = 1000.0
    while cdf(upper_bracket) < 1 - a2:
        upper_bracket += 1000.0
    lower_bracket = -1000.0
    while cdf(lower_bracket) > a2:
        lower_bracket -= 1000.0
    upper = optimize.brentq(lambda v: cdf(v) - (1 - a2), 0.0, upper_bracket)
    lower = optimize.brentq(lambda v: cdf(v) - a2, lower_bracket, 0.0)
    scale = phi1**2 / qprod1
    upper *= scale
    lower *= scale
    return search.split - int(np.ceil(upper)), search.split - int(np.floor(lower))


@lru_cache(maxsize=16)
def sup_f_p_value(statistic: float, k: int, trim: float) -> float:
    """Asymptotic p-value of sup-F with k breaking coefficients (Monte Carlo, fixed seed)."""
    rng = np.random.default_rng(_MC_SEED + k)
    grid = np.arange(1, _MC_STEPS + 1) / _MC_STEPS
    keep = (grid >= trim) & (grid <= 1 - trim)
    lam = grid[keep]
    sups = np.empty(_MC_PATHS)
    chunk = 500
    for start in range(0, _MC_PATHS, chunk):
        steps = rng.standard_normal((chunk, _MC_STEPS, k)) / np.sqrt(_MC_STEPS)
        walk = steps.cumsum(axis=1)
        bridge = walk[:, keep, :] - lam[None, :, None] * walk[:, -1:, :]
        q = (bridge**2).sum(axis=2) / (lam * (1 - lam))
        sups[start : start + chunk] = q.max(axis=1)
    return float((1 + (sups >= statistic).sum()) / (_MC_PATHS + 1))


def find_break_in_series(
    times: pd.Series,
    y: np.ndarray,
    z: pd.DataFrame,
    x: pd.DataFrame | None = None,
    *,
    axis: TimeAxis,
    terms: str,
    trim: float = 0.15,
    level: float = 0.95,
    event: TimePoint | None = None,
) -> BreakResult:
    """Search ``y`` (in time order) for one break in the coefficients of ``z``."""
    if not 0 < trim < 0.5:
        raise InvalidSpecification(f"trim must be between 0 and 0.5; got {trim}")
    times = times.reset_index(drop=True)
    search = sup_f(
        y, z.to_numpy(dtype=float), None if x is None else x.to_numpy(dtype=float), trim=trim
    )
    low, high = bai_interval(search, level)
    n = len(y)

    def at(i: int) -> TimePoint:
        return times.iloc[int(np.clip(i, 0, n - 1))]

    table = pd.DataFrame(
        {
            "last_pre": times.iloc[search.splits - 1].to_numpy(),
            "first_post": times.iloc[np.minimum(search.splits, n - 1)].to_numpy(),
            "statistic": search.statistics,
        }
    )
    names = list(z.columns)
    return BreakResult(
        first_post=at(search.split),
        first_post_low=at(low),
        first_post_high=at(high),
        last_pre=at(search.split - 1),
        last_pre_low=at(low - 1),
        last_pre_high=at(high - 1),
        statistic=search.statistic,
        p_value=sup_f_p_value(round(search.statistic, 10), z.shape[1], trim),
        terms=terms,
        trim=trim,
        level=level,
        n=n,
        before=dict(zip(names, map(float, search.beta1), strict=True)),
        after=dict(zip(names, map(float, search.beta2), strict=True)),
        table=table,
        axis=axis,
        event=event,
    )


def find_break(
    model: ITSModel, *, terms: str | None = None, trim: float = 0.15, level: float = 0.95
) -> BreakResult:
    """Search the model's treated series for its break date, ignoring the given event.

    ``terms`` (see :data:`BreakTerms`) defaults to ``level-slope`` for the step-slope shape
    and ``level`` otherwise. Seasonal terms and covariates stay common to both segments.
    Count series are searched on log((count + 0.5)/exposure).
    """
    spec = model.spec
    chosen = terms or ("level-slope" if spec.shape == "step-slope" else "level")
    if chosen not in ("mean", "level", "level-slope"):
        raise InvalidSpecification(
            f"break terms must be mean, level or level-slope; got {chosen!r}"
        )
    frame = model.frame
    rows = frame["treated"].to_numpy()
    part = frame[rows].reset_index(drop=True)
    design = model.design(0.5)[rows].reset_index(drop=True)
    y = part["y"].to_numpy(dtype=float)
    if spec.family != "gaussian":
        y = np.log(y + 0.5) - part["offset"].to_numpy(dtype=float)
    intervention = {"level_change", "slope_change", "pulse"}
    common = [c for c in design.columns if c not in intervention | {"intercept", "pre_trend"}]
    t = part["t"].to_numpy(dtype=float)
    z = pd.DataFrame({"intercept": np.ones(len(part))})
    x_cols: dict[str, np.ndarray] = {}
    if chosen == "level-slope":
        z["pre_trend"] = t
    elif chosen == "level":
        x_cols["pre_trend"] = t
    for c in common:
        x_cols[c] = design[c].to_numpy(dtype=float)
    x = pd.DataFrame(x_cols) if x_cols else None
    return find_break_in_series(
        part["time"],
        y,
        z,
        x,
        axis=model.axis,
        terms=chosen,
        trim=trim,
        level=level,
        event=model.event,
    )
