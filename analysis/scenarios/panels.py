"""Simulated panels of weekly city rents built to break the comparison designs.

A panel is one treated city and ``donors`` untreated ones, weekly, on the log scale, with a
known truth. None of it is the estimators' own model: the untreated path of city i is

    y0_it = α_i + λ_i·F_t + s_i(t) + k_i(t) + u_it

where the **national factor** F_t is an integrated random walk (its weekly drift itself
wanders) with a currency jump in spring 2022 and, in some families, a drift that accelerates
into the event or a national jump in the event week; λ_i is the city's loading on it (donors
0.6–1.4, so the treated city is usually but not always inside their hull); s_i is a 2–3
harmonic season whose amplitudes and phases differ by city and drift over time; k_i is a city's
own trend kink at a random date (and, in one family, the treated city's own earlier level
rise, like Almaty's first relocation wave in spring 2022); u_it is AR(1) with Student-t(4)
shocks. What an estimator sees
is the weekly index of the listings that came up, y_it + e_it with e_it ~ N(0, (0.3/√n_it)²)
and n_it ~ Poisson(listings a week): a week with no listing is a gap (NaN).

The treated city's effect rises to a peak in 2–3 weeks and fades to a persistent level (the
shape the published figures describe). The truth is the headline's estimand, over the window's
weeks from the event week: 100·(Σ exp(y1) / Σ exp(y0) − 1), on the latent paths (no
measurement noise), like ``SimulatedSeries.true_percent``.

Everything here is simulated and labelled so (``origin = "simulated"``).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace
from typing import Final, Protocol

import numpy as np
import pandas as pd

EVENT: Final = pd.Timestamp("2022-09-19")  # the Monday of 21 Sep 2022's week
WINDOW: Final = 6


@dataclass(frozen=True)
class Family:
    """One scenario family: what changes from the baseline country, and why it is hard."""

    name: str
    why: str
    donors: int = 10
    pre_weeks: int = 78
    post_weeks: int = 16
    # Weekly national drift: baseline wanders around 0.004 (about +23% a year); with
    # ``accelerate`` it climbs to this much a week at the event and stays there.
    accelerate: float | None = None
    national_jump: float = 0.0  # log jump of every city in the event week
    anticipation: float = 0.0  # the treated city's own rise over the 4 weeks before the event
    treated_kink: float = 0.0  # a change of the treated city's own weekly trend, pre-period
    earlier_wave: float = 0.0  # a level rise of the treated city's own, ~22 weeks before
    effect: bool = True
    spill: float = 0.0  # share of the treated effect that reaches some donors
    spill_donors: int = 0
    listings: float = 40.0  # the treated city's listings a week (donors 0.4–1.5 × this)


BASE: Final = Family("baseline", "a country like the published figures, nothing unusual")
FAMILIES: Final[tuple[Family, ...]] = (
    replace(BASE, name="accelerating national trend", accelerate=0.03,
            why="national rents +12% a month by August 2022: a single series' trend is stale"),
    replace(BASE, name="national jump at the event", national_jump=0.12,
            why="a currency or price move lands in the event week for the whole country"),
    replace(BASE, name="anticipation surge", anticipation=0.10,
            why="the treated city rises in the four weeks before the event"),
    replace(BASE, name="treated-only trend kink", treated_kink=0.003,
            why="the treated city's own trend bends half a year before the event"),
    replace(BASE, name="earlier wave", earlier_wave=0.10,
            why="an earlier inflow lifted the treated city's level half a year before the event"),
    replace(BASE, name="true null", effect=False, why="nothing happened to the treated city"),
    replace(BASE, name="spill-over into donors", spill=0.25, spill_donors=3,
            why="three donors get a quarter of the treated city's effect"),
    replace(BASE, name="few donors", donors=3, why="three comparison cities only"),
    replace(BASE, name="short pre-period", pre_weeks=52, why="one year of data before the event"),
    replace(BASE, name="thin listings", listings=8.0,
            why="a handful of listings a week: noisy weeks and empty ones"),
)  # fmt: skip


class Scenario(Protocol):
    """What a panel keeps of the family it was drawn from (any world's family has these)."""

    @property
    def name(self) -> str: ...

    @property
    def why(self) -> str: ...

    @property
    def pre_weeks(self) -> int: ...

    @property
    def post_weeks(self) -> int: ...


@dataclass(frozen=True)
class Panel:
    """A simulated panel. ``observed``: periods × cities (treated first), log index with NaN
    gaps; ``latent1``/``latent0``: the treated city's log path with and without the effect;
    ``n``: listings behind each observed value."""

    family: Scenario
    seed: int
    treated: str
    observed: pd.DataFrame
    n: pd.DataFrame
    latent1: pd.Series
    latent0: pd.Series
    event: pd.Timestamp = EVENT
    simulated: bool = field(default=True)

    @property
    def donors(self) -> tuple[str, ...]:
        return tuple(c for c in self.observed.columns if c != self.treated)

    def truth(self, weeks: int = WINDOW) -> float:
        """The true window-average effect in %, over ``weeks`` weeks from the event week."""
        rows = self.latent1.index >= self.event
        y1 = np.exp(self.latent1[rows].iloc[:weeks]).sum()
        y0 = np.exp(self.latent0[rows].iloc[:weeks]).sum()
        return float(100 * (y1 / y0 - 1))

    def levels(self) -> pd.DataFrame:
        """The observed index in KZT per month (exp of the log index), gaps kept."""
        return self.observed.apply(np.exp)

    def long(self) -> pd.DataFrame:
        """``period``, ``city``, ``value`` (KZT per month), ``n``, ``origin``: gaps dropped."""
        frame = self.levels().rename_axis("period").reset_index()
        long = frame.melt(id_vars="period", var_name="city", value_name="value")
        counts = self.n.rename_axis("period").reset_index()
        long = long.merge(counts.melt(id_vars="period", var_name="city", value_name="n"))
        long["origin"] = "simulated"
        return long.dropna(subset=["value"]).reset_index(drop=True)


def _ar1(rng: np.random.Generator, n: int, rho: float, sd: float) -> np.ndarray:
    shocks = rng.standard_t(4, n) * sd / np.sqrt(2.0)  # t(4) has variance 2
    out = np.empty(n)
    out[0] = shocks[0] / np.sqrt(1 - rho**2)
    for i in range(1, n):
        out[i] = rho * out[i - 1] + shocks[i]
    return out


def _effect_path(rng: np.random.Generator, k: np.ndarray) -> np.ndarray:
    """Log effect k weeks after the event week (0 before): a rise to a peak and a fade."""
    peak = rng.uniform(0.25, 0.45)
    peak_week = rng.integers(1, 4)
    persistent = peak * rng.uniform(0.45, 0.75)
    rise = np.clip((k + 1) / (peak_week + 1), 0, 1)
    fade = np.where(k > peak_week, np.power(0.8, k - peak_week), 1.0)
    path = rise * (persistent + (peak - persistent) * fade)
    return np.where(k >= 0, path, 0.0)


def simulate_panel(family: Family = BASE, seed: int = 0) -> Panel:
    """One panel of ``family`` (see the module docstring for the process)."""
    rng = np.random.default_rng([seed, zlib.crc32(family.name.encode())])
    weeks = pd.date_range(end=EVENT, periods=family.pre_weeks + 1, freq="W-MON")[:-1].append(
        pd.date_range(EVENT, periods=family.post_weeks, freq="W-MON")
    )
    n = len(weeks)
    t = np.arange(n, dtype=float)
    k = t - family.pre_weeks  # weeks from the event week (0 = the event week)

    # National factor: an integrated random walk, a spring-2022 currency jump.
    drift = 0.004 + np.cumsum(rng.normal(0, 0.0004, n))
    if family.accelerate is not None:
        ramp = np.clip((k + 30) / 30, 0, 1)  # the last 30 pre weeks, then held
        drift = drift + ramp * (family.accelerate - 0.004)
    factor = np.cumsum(drift) + rng.normal(0, 0.004, n).cumsum() * 0.5
    jump_at = max(1, family.pre_weeks - int(rng.integers(26, 32)))
    factor = factor + np.where(t >= jump_at, rng.uniform(0.03, 0.07), 0.0)
    factor = factor + np.where(k >= 0, family.national_jump, 0.0)

    cities = ["treated", *(f"donor{j + 1:02d}" for j in range(family.donors))]
    loadings = np.concatenate([[rng.uniform(0.85, 1.15)], rng.uniform(0.6, 1.4, family.donors)])
    effect = _effect_path(rng, k) if family.effect else np.zeros(n)

    observed: dict[str, np.ndarray] = {}
    counts: dict[str, np.ndarray] = {}
    latent0 = latent1 = np.zeros(n)
    spilled = set(rng.choice(family.donors, family.spill_donors, replace=False) + 1)
    for i, city in enumerate(cities):
        level = np.log(rng.uniform(80_000, 220_000))
        season = np.zeros(n)
        for h in range(1, int(rng.integers(2, 4)) + 1):
            amp = rng.uniform(0.005, 0.03) / h * (1 + 0.3 * np.sin(2 * np.pi * t / 150 + i))
            season += amp * np.cos(2 * np.pi * h * (t - rng.uniform(0, 52)) / 52.18)
        kink_at = family.pre_weeks - int(rng.integers(30, 70))
        own_kink = rng.normal(0, 0.0008) * np.maximum(t - kink_at, 0)
        if i == 0 and family.treated_kink:
            start = family.pre_weeks - 26
            own_kink = own_kink + family.treated_kink * np.maximum(t - start, 0)
        if i == 0 and family.earlier_wave:
            # Like the first relocation wave of March–May 2022: a rise over about six weeks
            # that stays, part of the untreated path (the event's effect comes on top).
            own_kink = own_kink + family.earlier_wave / (1 + np.exp(-(k + 22) / 2))
        noise = _ar1(rng, n, rng.uniform(0.3, 0.8), rng.uniform(0.008, 0.018))
        y0 = level + loadings[i] * factor + season + own_kink + noise
        y1 = y0.copy()
        if i == 0:
            # The surge is the inflow arriving early: it stays, and the shock adds to it.
            y1 = y0 + effect + family.anticipation * np.clip((k + 4) / 4, 0, 1)
            latent0, latent1 = y0, y1
        elif i in spilled:
            y1 = y0 + family.spill * effect
        mean_n = family.listings * (1.0 if i == 0 else rng.uniform(0.4, 1.5))
        listings = rng.poisson(mean_n, n)
        measured = y1 + rng.normal(0, 1, n) * 0.3 / np.sqrt(np.maximum(listings, 1))
        observed[city] = np.where(listings > 0, measured, np.nan)
        counts[city] = listings
    return Panel(
        family=family,
        seed=seed,
        treated="treated",
        observed=pd.DataFrame(observed, index=weeks),
        n=pd.DataFrame(counts, index=weeks),
        latent1=pd.Series(latent1, index=weeks),
        latent0=pd.Series(latent0, index=weeks),
    )
