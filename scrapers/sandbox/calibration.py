"""The simulated market's calibration: every number taken from published figures, in one place.

Sources are the rows of ``kz_rents/figures.md`` (compiled for this project; quoted here so the
sandbox never reads it at run time). Where the figures are silent the number is a judgement,
marked as such. All paths are on the log scale of asking rent in KZT per month.

Terms used throughout the sandbox:

- the **market level** of a city and room count on a day is the asking rent of a standard flat
  (median area for its room count, average district, floor and owner mix) posted that day;
- the **counterfactual** level is what the market level would have been without the shock:
  a log-linear trend that was already rising, seasonality, and a small common random walk;
- the **effect** is ``log(factual) - log(counterfactual)``, zero before 21 September 2022; in %
  it is ``100 * (exp(effect) - 1)``: the jump relative to the counterfactual trend, not to a
  flat pre-period.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Final

import numpy as np
from scipy.optimize import brentq

CITIES: Final = ("almaty", "astana")
ROOMS: Final = (1, 2, 3, 4, 5)
EVENT_DATE: Final = date(2022, 9, 21)  # announcement of Russia's "partial mobilization"
# The demo's headline: the average effect over the first six weeks, event day included.
HEADLINE_DAYS: Final = 42

MARKET_START: Final = date(2021, 4, 1)  # three months of burn-in before the archive starts
MARKET_END: Final = date(2023, 6, 30)  # inclusive
ARCHIVE_FROM: Final = date(2021, 7, 1)
ARCHIVE_TO: Final = date(2023, 6, 30)

# --- levels -----------------------------------------------------------------------------------
LEVEL_DATE: Final = date(2022, 9, 14)
# figures.md, weproject.media (S20), 14 Sep 2022: average one-room asking rent in Almaty
# 150,000 KZT ($314); Astana 115,000 KZT for a flat of about 30 m².
ONE_ROOM_LEVEL: Final = {"almaty": 150_000.0, "astana": 115_000.0}
# Rent of an n-room standard flat relative to a one-room one. figures.md, krisha via
# kaz.globalnews.kz (S01), 28 Sep 2022: Almaty 220k/350k/500k, Astana 180k/250k/400k for 1/2/3
# rooms; 4 rooms from the 13 Oct 2022 Almaty medians (S52: 800k -> 1.2M, x1.5); 5 is judgement.
ROOM_RATIO: Final = {
    "almaty": {1: 1.0, 2: 350 / 220, 3: 500 / 220, 4: 1.5 * 500 / 220, 5: 1.9 * 500 / 220},
    "astana": {1: 1.0, 2: 250 / 180, 3: 400 / 180, 4: 1.5 * 400 / 180, 5: 1.9 * 400 / 180},
}
# Median total area by room count, m² (judgement; Astana's 1-room ≈ 30–38 m² per S20).
AREA_MEDIAN: Final = {
    "almaty": {1: 40.0, 2: 60.0, 3: 85.0, 4: 120.0, 5: 160.0},
    "astana": {1: 37.0, 2: 58.0, 3: 82.0, 4: 115.0, 5: 150.0},
}

# --- the counterfactual -----------------------------------------------------------------------
# Annual log trend. BNS (S10): Almaty rent +62.5% y/y in Aug 2022; BNS (S02, S37): Almaty still
# +43–44% y/y in Apr–Jul 2023, national +27.6%. A constant trend between those: judgement.
TREND_PER_YEAR: Final = {"almaty": 0.33, "astana": 0.27}
# Seasonality: two annual harmonics, peaking in September. Sized so that, with the trend, the
# August 2022 monthly mean is about +10–12% over July (BNS, S10: national +12.4% m/m in Aug 2022).
SEASON_HARMONICS: Final = ((0.09, 270.0), (0.045, 250.0))  # (amplitude, peak day of year)
# A common daily random walk around the trend (AR(1)); shared by factual and counterfactual.
NOISE_AR: Final = 0.97
NOISE_SD: Final = 0.003

# --- the effect -------------------------------------------------------------------------------
# krisha via baigenews (S07), 4 Nov 2022: asking rents on 3 Nov 2022 were +33% (Almaty) and
# +28% (Astana) over 1 Sep 2022, and -11% / -22% below the peak of the first half of October;
# so the peak was +49% / +64% over 1 Sep (derived in figures.md).
PEAK_VS_SEP1: Final = {"almaty": 1.49, "astana": 1.64}
NOV3_VS_SEP1: Final = {"almaty": 1.33, "astana": 1.28}
# Peak day: "first half of October" (S07); two to three weeks after the event (judgement).
PEAK_DATE: Final = {"almaty": date(2022, 10, 9), "astana": date(2022, 10, 7)}
# The part of the jump that does not fade. BNS (S02, S37): Almaty +43–44% y/y in Apr–Jul 2023
# against the trend above leaves a few percent; Astana's value makes the week to 3 Nov fall
# -4.7% (S07: -4.6%). Almaty's week falls -3.0% (S07: -3.6%).
PERSISTENT_EFFECT: Final = {"almaty": 0.05, "astana": 0.12}
# How much harder the shock hit each room count (relocants wanted small flats; judgement).
# Normalised so that the pre-period room mix averages to the city effect.
ROOM_EFFECT_WEIGHT: Final = {1: 1.10, 2: 1.00, 3: 0.90, 4: 0.80, 5: 0.75}
# Pre-shock room mix of listings (judgement, close to the Oct-2022 Almaty CSV's counts).
ROOM_SHARES: Final = {
    "almaty": {1: 0.33, 2: 0.36, 3: 0.20, 4: 0.09, 5: 0.02},
    "astana": {1: 0.36, 2: 0.35, 3: 0.19, 4: 0.08, 5: 0.02},
}
# After the shock more small flats are listed: the room mix moves this far towards SHIFTED_SHARES
# at its peak (judgement).
SHIFTED_SHARES: Final = {1: 0.50, 2: 0.32, 3: 0.12, 4: 0.05, 5: 0.01}
COMPOSITION_SHIFT: Final = 0.6

# --- listing-level hedonic terms (log points, centred on the mix) ---------------------------
# figures.md (S20), 14 Sep 2022: a one-room flat cost 130,000 in Turksib/Zhetysu and 180,000 in
# Almaly/Bostandyk; other districts placed between them (judgement). Shares: the Oct-2022 Almaty
# card counts (site_structure.md, 2,587 rows with a district). Astana: judgement.
DISTRICT_TERMS: Final = {
    "almaty": {
        "Бостандыкский": (875, 0.15),
        "Медеуский": (474, 0.18),
        "Алмалинский": (446, 0.15),
        "Ауэзовский": (307, -0.02),
        "Алатауский": (162, -0.12),
        "Наурызбайский": (146, -0.10),
        "Жетысуский": (93, -0.17),
        "Турксибский": (84, -0.17),
    },
    "astana": {
        "Есильский": (35, 0.12),
        "Алматинский": (22, -0.05),
        "Сарыаркинский": (18, -0.03),
        "Байконурский": (15, -0.04),
        "Нура": (10, 0.05),
    },
}
AREA_ELASTICITY: Final = 0.6  # within a room count
FIRST_FLOOR_TERM: Final = -0.05
TOP_FLOOR_TERM: Final = -0.03
OWNER_TYPE_TERMS: Final = {
    "owner": (0.45, -0.02),
    "specialist": (0.40, 0.02),
    "company": (0.15, 0.03),
}
IDIOSYNCRATIC_SD: Final = 0.13  # listing's own term, Student-t with 5 d.f. scaled to this sd

# USD/KZT for listings priced in dollars. Only the 14 Sep 2022 node is from figures.md (S20:
# 150,000 KZT = $314); the others are rough and serve only to print dollar prices.
USD_KZT: Final = (
    (date(2021, 4, 1), 428.0), (date(2022, 2, 20), 440.0), (date(2022, 3, 10), 500.0),
    (date(2022, 5, 15), 430.0), (date(2022, 9, 14), 150_000 / 314), (date(2022, 11, 1), 468.0),
    (date(2023, 6, 30), 450.0),
)  # fmt: skip


def day_index(day: date) -> int:
    """Days since :data:`MARKET_START` (0 on the first market day)."""
    return (day - MARKET_START).days


def n_days() -> int:
    return day_index(MARKET_END) + 1


def seasonal(day_of_year: np.ndarray) -> np.ndarray:
    """Seasonal log deviation for a 0-based day of the year (0 on 1 January)."""
    omega = 2 * math.pi / 365.25
    total = np.zeros_like(day_of_year, dtype=float)
    for k, (amplitude, peak) in enumerate(SEASON_HARMONICS, start=1):
        total += amplitude * np.cos(k * omega * (day_of_year - peak))
    return total


def _doy(days: np.ndarray) -> np.ndarray:
    """0-based day of the year of market day indices (vectorised over numpy datetime64)."""
    stamps = np.datetime64(MARKET_START.isoformat()) + days.astype("timedelta64[D]")
    years = stamps.astype("datetime64[Y]")
    return (stamps - years).astype(int).astype(float)


def trend_and_season(city: str, days: np.ndarray) -> np.ndarray:
    """Deterministic counterfactual log deviation from the level on :data:`LEVEL_DATE`."""
    ref = np.array([day_index(LEVEL_DATE)])
    years = (days - ref[0]) / 365.25
    return TREND_PER_YEAR[city] * years + seasonal(_doy(days)) - seasonal(_doy(ref))[0]


@dataclass(frozen=True)
class EffectShape:
    """A jump that rises to a peak and fades geometrically towards a persistent level (log).

    ``effect(t) = peak * (1 - (1 - x)^2)`` for ``x = (t - event) / (peak_day - event)`` up to the
    peak, then ``persistent + (peak - persistent) * exp(-(t - peak_day) / decay_days)``.
    """

    peak: float
    persistent: float
    decay_days: float
    event_day: int
    peak_day: int

    def __call__(self, days: np.ndarray) -> np.ndarray:
        days = np.asarray(days, dtype=float)
        rise = (days - self.event_day) / (self.peak_day - self.event_day)
        rising = self.peak * (1 - (1 - np.clip(rise, 0, 1)) ** 2)
        fading = self.persistent + (self.peak - self.persistent) * np.exp(
            -(days - self.peak_day) / self.decay_days
        )
        return np.where(days < self.event_day, 0.0, np.where(days <= self.peak_day, rising, fading))


@cache
def effect_shape(city: str) -> EffectShape:
    """The city's effect path, solved so that the factual path meets the published changes.

    On the deterministic part of the counterfactual (trend and season; the common random
    walk, unknowable to any estimator, is left out, so the effect does not depend on the
    seed): the peak is set so that factual(peak) / factual(1 Sep) = :data:`PEAK_VS_SEP1`, the
    decay so that factual(3 Nov) / factual(1 Sep) = :data:`NOV3_VS_SEP1`.
    """
    sep1, nov3 = day_index(date(2022, 9, 1)), day_index(date(2022, 11, 3))
    event, peak_day = day_index(EVENT_DATE), day_index(PEAK_DATE[city])
    base = trend_and_season(city, np.array([sep1, peak_day, nov3], dtype=float))
    peak = math.log(PEAK_VS_SEP1[city]) - float(base[1] - base[0])
    persistent = PERSISTENT_EFFECT[city]
    target_nov3 = math.log(NOV3_VS_SEP1[city]) - float(base[2] - base[0])

    def miss(decay: float) -> float:
        shape = EffectShape(peak, persistent, decay, event, peak_day)
        return float(shape(np.array([nov3]))[0]) - target_nov3

    decay = brentq(miss, 1.0, 2000.0)
    return EffectShape(peak, persistent, float(decay), event, peak_day)


def room_effect_factor(city: str, rooms: int) -> float:
    """Room count's effect relative to the city effect (pre-period mix averages to 1)."""
    shares = ROOM_SHARES[city]
    mean = sum(shares[r] * ROOM_EFFECT_WEIGHT[r] for r in ROOMS)
    return ROOM_EFFECT_WEIGHT[rooms] / mean


def usd_rate(days: np.ndarray) -> np.ndarray:
    """KZT per USD on market days (linear between the nodes of :data:`USD_KZT`)."""
    nodes = np.array([day_index(d) for d, _ in USD_KZT], dtype=float)
    rates = np.array([r for _, r in USD_KZT])
    return np.interp(days, nodes, rates)
