"""A second simulated world for the scenario study, built unlike the first on purpose.

The families of :mod:`analysis.scenarios.panels` were written beside the designs they test,
so a design tuned on them may have learnt their process rather than the families. This world
keeps the families' names and what each breaks, and changes how every part is made:

    y0_it = α_i + b_i·N_t + c_i·R_t + s_i·S(t − φ_i) + u_it

- **two factors**: a national one N_t (a random walk whose drift wanders, no currency jump)
  and a regional one R_t (a driftless random walk) on which the cities load with either sign
  (c_i ~ U(−1, 1)), so no donor need move with the treated city on both;
- **one season shape** S (two harmonics, fixed) that each city shows scaled (s_i ~ U(0.5,
  1.5)) and shifted by up to three weeks (φ_i);
- **Gaussian AR(1) noise** (ρ ~ U(0.2, 0.7)), and listings Poisson around 30 a week (4 in
  the thin family) with measurement noise 0.25/√n, a week without one a gap;
- an **effect that jumps at once** to 1.3 E and decays to its level E ~ U(0.2, 0.4) (the
  first world's effect builds over two to three weeks);
- the hard parts placed differently: the anticipation surge over six weeks, not four; the
  treated city's own kink 40 weeks before the event, not 26; the earlier wave a four-week
  step 30 weeks before; the national jump scaled by each city's loading; two donors of
  eight spilled with 30% of the effect; 104 pre-period weeks (52 in the short family).

The truth is the same estimand as the first world's (``Panel.truth``: Σ exp(y1) / Σ exp(y0)
− 1 over the window's weeks, on the latent paths). Simulated, and labelled so.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import pandas as pd

from analysis.scenarios.panels import EVENT, Panel

WORLD: Final = "two-factor"


@dataclass(frozen=True)
class FactorFamily:
    """One family of the two-factor world (the fields say what differs from its baseline)."""

    name: str
    why: str
    donors: int = 8
    pre_weeks: int = 104
    post_weeks: int = 12
    accelerate: float = 0.0  # extra weekly national drift reached at the event (over 26 weeks)
    national_jump: float = 0.0  # log jump of N in the event week (each city by its loading)
    anticipation: float = 0.0  # the treated city's own rise over the 6 weeks before the event
    treated_kink: float = 0.0  # change of the treated city's weekly trend, 40 weeks before
    earlier_wave: float = 0.0  # the treated city's own level step, 30 weeks before
    effect: bool = True
    spill: float = 0.0  # share of the treated effect that reaches ``spill_donors`` donors
    spill_donors: int = 0
    listings: float = 30.0  # listings a week of every city


TWO_FACTOR_BASE: Final = FactorFamily("baseline", "two factors, one season shape, no surprise")
TWO_FACTOR_FAMILIES: Final[tuple[FactorFamily, ...]] = (
    replace(TWO_FACTOR_BASE, name="accelerating national trend", accelerate=0.006,
            why="the national drift triples over the half year before the event"),
    replace(TWO_FACTOR_BASE, name="national jump at the event", national_jump=0.15,
            why="a national jump in the event week, each city by its own loading"),
    replace(TWO_FACTOR_BASE, name="anticipation surge", anticipation=0.08,
            why="the treated city rises over the six weeks before the event"),
    replace(TWO_FACTOR_BASE, name="treated-only trend kink", treated_kink=0.002,
            why="the treated city's own trend bends 40 weeks before the event"),
    replace(TWO_FACTOR_BASE, name="earlier wave", earlier_wave=0.08,
            why="the treated city's own level steps up 30 weeks before the event"),
    replace(TWO_FACTOR_BASE, name="true null", effect=False, why="nothing happened"),
    replace(TWO_FACTOR_BASE, name="spill-over into donors", spill=0.3, spill_donors=2,
            why="two donors of eight get 30% of the treated city's effect"),
    replace(TWO_FACTOR_BASE, name="few donors", donors=3, why="three comparison cities"),
    replace(TWO_FACTOR_BASE, name="short pre-period", pre_weeks=52, why="one year before"),
    replace(TWO_FACTOR_BASE, name="thin listings", listings=4.0,
            why="about four listings a week: noisy weeks and empty ones"),
)  # fmt: skip


def _season(t: np.ndarray) -> np.ndarray:
    year = 52.18
    return 0.025 * np.sin(2 * np.pi * t / year) + 0.01 * np.cos(4 * np.pi * t / year + 0.7)


def simulate_two_factor(family: FactorFamily = TWO_FACTOR_BASE, seed: int = 0) -> Panel:
    """One panel of ``family`` in the two-factor world (see the module docstring)."""
    rng = np.random.default_rng([seed, 0x2F, zlib.crc32(family.name.encode())])
    n = family.pre_weeks + family.post_weeks
    k = np.arange(n) - family.pre_weeks  # weeks from the event week
    weeks = pd.DatetimeIndex([EVENT + pd.Timedelta(weeks=int(w)) for w in k])
    t = np.arange(n, dtype=float)

    drift = 0.003 + np.cumsum(rng.normal(0, 0.0002, n))
    drift = drift + family.accelerate * np.clip((k + 26) / 26, 0, 1)
    national = np.cumsum(drift) + np.where(k >= 0, family.national_jump, 0.0)
    regional = np.cumsum(rng.normal(0, 0.005, n))
    size = rng.uniform(0.2, 0.4)
    effect = np.where(k >= 0, size * (1 + 0.3 * np.exp(-np.maximum(k, 0) / 2)), 0.0)
    if not family.effect:
        effect = np.zeros(n)
    cities = ["treated", *(f"donor{j + 1:02d}" for j in range(family.donors))]
    spilled = set(rng.choice(family.donors, family.spill_donors, replace=False) + 1)

    observed: dict[str, np.ndarray] = {}
    counts: dict[str, np.ndarray] = {}
    latent0 = latent1 = np.zeros(n)
    for i, city in enumerate(cities):
        b, c = rng.uniform(0.7, 1.3), rng.uniform(-1.0, 1.0)
        scale, phase = rng.uniform(0.5, 1.5), rng.uniform(-3, 3)
        rho, sd = rng.uniform(0.2, 0.7), rng.uniform(0.008, 0.015)
        noise = np.zeros(n)
        noise[0] = rng.normal(0, sd / np.sqrt(1 - rho**2))
        for j in range(1, n):
            noise[j] = rho * noise[j - 1] + rng.normal(0, sd)
        y0 = (np.log(rng.uniform(90_000, 200_000)) + b * national + c * regional
              + scale * _season(t - phase) + noise)  # fmt: skip
        y1 = y0
        if i == 0:
            y0 = y0 + family.treated_kink * np.maximum(k + 40, 0)
            y0 = y0 + family.earlier_wave * np.clip((k + 30) / 4, 0, 1)
            surge = family.anticipation * np.clip((k + 6) / 6, 0, 1)
            y1 = y0 + effect + surge
            latent0, latent1 = y0, y1
        elif i in spilled:
            y1 = y0 + family.spill * effect
        listings = rng.poisson(family.listings, n)
        measured = y1 + rng.normal(0, 1, n) * 0.25 / np.sqrt(np.maximum(listings, 1))
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
