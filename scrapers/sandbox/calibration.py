"""The simulated country's calibration: every number taken from published figures, in one place.

Sources are the rows of ``kz_rents/figures.md`` (compiled for this project; quoted here so the
sandbox never reads it at run time; §7 is krisha.kz's own reading of 13 cities in autumn
2022). Where the figures are silent the number is a judgement, marked as such. All paths are
on the log scale of asking rent in KZT per month.

Terms used throughout the sandbox:

- the **market level** of a city and room count on a day is the asking rent of a standard flat
  (median area for its room count, average district, floor and owner mix) posted that day;
- the **counterfactual** level is what the market level would have been without the autumn
  2022 shocks: the national factor, the city's own trend, kinks, seasonality and noise
  (:mod:`scrapers.sandbox.country` says how they are made);
- the **effect** is ``log(factual) - log(counterfactual)``, zero before 21 September 2022; in %
  it is ``100 * (exp(effect) - 1)``: the jump relative to the counterfactual path, not to a
  flat pre-period.

The model of each city (level, rooms, volume, seasonality, shock) is assembled from these
tables by :func:`scrapers.sandbox.country.city_model`.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Final

import numpy as np

# The two treated cities: the headline's (kept under its old name for callers of the
# two-city sandbox). The whole simulated country is scrapers.sandbox.country.DEFAULT_CITIES.
TREATED: Final = ("almaty", "astana")
CITIES: Final = TREATED
ROOMS: Final = (1, 2, 3, 4, 5)
EVENT_DATE: Final = date(2022, 9, 21)  # announcement of Russia's "partial mobilization"
# The truth's default window: the six weeks from the event day, both ends included.
HEADLINE_DAYS: Final = 42

MARKET_START: Final = date(2021, 4, 1)  # three months of burn-in before the archive starts
MARKET_END: Final = date(2023, 6, 30)  # inclusive; the sandbox's "today" (its clock)
ARCHIVE_FROM: Final = date(2021, 7, 1)
ARCHIVE_TO: Final = date(2023, 6, 30)

# --- the national factor (shared by every city) ---------------------------------------------
# Its drift, in log points a year, between nodes (linear in between). BNS (S08): national rent
# +18.5% y/y in Oct 2021; BNS (S10): +31.8% y/y and +12.4% m/m in Aug 2022 (the m/m mostly the
# season, see SEASON below); BNS (S02, S37): +27.6% y/y in Apr 2023 and +28.6% in Jul 2023,
# which still hold the autumn's jump, and three monthly declines Nov 2022 - Jan 2023 (S12).
# An inflation path that accelerates through 2022 and eases after: the nodes are judgement,
# set so that the deterministic factor rises about 30% from Aug 2021 to Aug 2022
# (truth.json: national.calibration_check).
NATIONAL_DRIFT: Final = (
    (date(2021, 4, 1), 0.14), (date(2021, 12, 1), 0.16), (date(2022, 3, 1), 0.20),
    (date(2022, 8, 15), 0.38), (date(2022, 11, 15), 0.20), (date(2023, 6, 30), 0.08),
)  # fmt: skip
# The drift itself wanders: a random walk whose sd after a year is this (log points a year).
NATIONAL_DRIFT_SD: Final = 0.05
# The common jump: the tenge fell from about 430 to 500 per USD between late February and
# mid-March 2022 (USD_KZT below); rents priced off the dollar and imported costs followed.
# Pass-through into rents and its timing are judgement; it does not revert.
CURRENCY_JUMP: Final = 0.04
CURRENCY_JUMP_DATE: Final = date(2022, 3, 7)
CURRENCY_JUMP_DAYS: Final = 4.0  # logistic scale of the move, days

# --- levels -----------------------------------------------------------------------------------
# The treated cities keep their pre-shock anchor. figures.md, weproject.media (S20), 14 Sep
# 2022: average one-room asking rent in Almaty 150,000 KZT ($314); Astana 115,000 KZT.
LEVEL_DATE: Final = date(2022, 9, 14)
ONE_ROOM_LEVEL: Final = {"almaty": 150_000.0, "astana": 115_000.0}
# figures.md §7 (S01, krisha.kz via kaz.globalnews.kz): average long-term asking rent of 1-, 2-
# and 3-room flats on 28 Sep 2022. The factual path meets the 1-room figure on that day; the
# 2- and 3-room figures give the room ratios. Almaty and Astana's rows give their ratios only.
KRISHA_DATE: Final = date(2022, 9, 28)
KRISHA_RENTS: Final = {
    "almaty": (220_000, 350_000, 500_000),
    "astana": (180_000, 250_000, 400_000),
    "aktau": (120_000, 140_000, 182_500),
    "aktobe": (175_000, 250_000, 350_000),
    "atyrau": (157_500, 250_000, 290_000),
    "karaganda": (130_000, 160_000, 240_000),
    "kostanaj": (200_000, 250_000, 300_000),
    "pavlodar": (150_000, 180_000, 300_000),
    "petropavlovsk": (135_000, 200_000, 225_000),
    "uralsk": (170_000, 250_000, 300_000),
    "ust-kamenogorsk": (120_000, 150_000, 210_000),
    "shymkent": (100_000, 150_000, 160_000),
}
# BNS (S08), Sep 2021, old basis: rent per m² in Almaty 3,062 KZT; Turkestan 2,307, Taraz
# 1,370, Kyzylorda 1,398, Semey 1,452. **Derived**: the 1-room level on 28 Sep 2022 is
# Almaty's pre-shock one (150,000) times the city's per-m² ratio to Almaty's.
BNS_M2_2021: Final = {"almaty": 3_062, "turkestan": 2_307, "taraz": 1_370, "kyzylorda": 1_398,
                      "semej": 1_452}  # fmt: skip
# Judgement, for cities no source prices: between their regional neighbours.
JUDGED_ONE_ROOM: Final = {
    "kokshetau": 110_000, "shhuchinsk": 85_000, "temirtau": 80_000, "shahtinsk": 60_000,
    "balhash": 75_000, "zhezkazgan": 75_000, "taldykorgan": 100_000,
}  # fmt: skip
DEFAULT_ONE_ROOM: Final = 90_000.0  # any other registered city (judgement)
# 4 rooms from the 13 Oct 2022 Almaty medians (S52: 800k -> 1.2M, x1.5); 5 is judgement.
FOUR_ROOM_VS_THREE: Final = 1.5
FIVE_ROOM_VS_THREE: Final = 1.9

# Median total area by room count, m² (judgement; Astana's 1-room ≈ 30–38 m² per S20).
AREA_MEDIAN: Final = {
    "almaty": {1: 40.0, 2: 60.0, 3: 85.0, 4: 120.0, 5: 160.0},
    "astana": {1: 37.0, 2: 58.0, 3: 82.0, 4: 115.0, 5: 150.0},
}
DEFAULT_AREA_MEDIAN: Final = {1: 36.0, 2: 52.0, 3: 70.0, 4: 95.0, 5: 125.0}

# --- the treated cities' own paths ------------------------------------------------------------
# Own trend on top of the national factor, log a year (judgement: with the factor and the first
# wave, Almaty's counterfactual rises about 55% from Aug 2021 to Aug 2022; BNS (S10): +62.5%).
OWN_TREND: Final = {"almaty": 0.10, "astana": 0.05}
# The first relocation wave (from March 2022, after the invasion of Ukraine): a rise of this
# size (log) from 1 March, half of it by mid-April, that does not fade (judgement). It is part
# of the counterfactual: it happened before the event, which the estimate is about.
FIRST_WAVE: Final = {"almaty": 0.10, "astana": 0.08}
FIRST_WAVE_DATE: Final = date(2022, 4, 15)
FIRST_WAVE_DAYS: Final = 14.0  # logistic scale, days
# Seasonality of the treated cities: two annual harmonics, peaking in September. Sized so
# that, with the trend, August 2022 is about +10–12% over July (BNS, S10: national +12.4% m/m
# in Aug 2022). Other cities get their own 2–3 harmonics around these (country.city_model).
SEASON: Final = {"almaty": ((0.09, 270.0), (0.045, 250.0)),
                 "astana": ((0.09, 270.0), (0.045, 250.0))}  # fmt: skip

# --- the September shock ------------------------------------------------------------------------
# krisha via baigenews (S07), 4 Nov 2022: asking rents on 3 Nov 2022 were +33% (Almaty) and
# +28% (Astana) over 1 Sep 2022, and -11% / -22% below the peak of the first half of October;
# so the peak was +49% / +64% over 1 Sep (derived in figures.md).
# Border cities (figures.md §7): demand and rents rose by up to 50% by 28 Sep (S01); on 3 Nov
# rents were below their October peak by -41% (Petropavl), -36% (Aktobe), -32% (Pavlodar,
# Uralsk). Their level on 3 Nov against 1 Sep is not published: +5% (judgement; the 13-city
# average was +25% with Almaty and Astana at +33/+28), so peak = 1.05 / (1 - fall). Kostanay's
# fall is the mean of the four (judgement).
BORDER_FALL: Final = {"petropavlovsk": 0.41, "aktobe": 0.36, "pavlodar": 0.32, "uralsk": 0.32}
BORDER_NOV3_VS_SEP1: Final = 1.05
DEFAULT_BORDER_FALL: Final = sum(BORDER_FALL.values()) / len(BORDER_FALL)
PEAK_VS_SEP1: Final = {
    "almaty": 1.49, "astana": 1.64,
    **{c: BORDER_NOV3_VS_SEP1 / (1 - f) for c, f in BORDER_FALL.items()},
}  # fmt: skip
NOV3_VS_SEP1: Final = {"almaty": 1.33, "astana": 1.28}
# Peak day: "first half of October" (S07); two to three weeks after the event (judgement).
PEAK_DATE: Final = {"almaty": date(2022, 10, 9), "astana": date(2022, 10, 7)}
BORDER_PEAK_DATE: Final = date(2022, 10, 6)
# The part of the jump that does not fade. BNS (S02, S37): Almaty +43–44% y/y in Apr–Jul 2023
# leaves a few percent; Astana's value makes the week to 3 Nov fall -4.7% (S07: -4.6%).
# Border cities: judgement (BNS: Petropavl still +45.2% y/y in Apr 2023).
PERSISTENT_EFFECT: Final = {"almaty": 0.05, "astana": 0.12}
BORDER_PERSISTENT: Final = 0.02
# A satellite town (not in the default country) follows its city's shock at this share.
SATELLITE_SHARE: Final = 0.4
# Kokshetau: "unchanged" in krisha's late-September reading (S01), yet BNS (S02) has it +45.5%
# y/y in Apr 2023, the largest rise of the year (national +27.6%): a later spill-over. A
# logistic rise of this size (log), half of it by the date, never fading (judgement).
SPILLOVER: Final = {"kokshetau": (0.12, date(2023, 1, 15), 20.0)}  # (size, midpoint, scale days)

# How much harder the shock hit each room count (relocants wanted small flats; judgement).
# Normalised so that the pre-period room mix averages to the city effect.
ROOM_EFFECT_WEIGHT: Final = {1: 1.10, 2: 1.00, 3: 0.90, 4: 0.80, 5: 0.75}
# Pre-shock room mix of listings (judgement, close to the Oct-2022 Almaty CSV's counts).
ROOM_SHARES: Final = {
    "almaty": {1: 0.33, 2: 0.36, 3: 0.20, 4: 0.09, 5: 0.02},
    "astana": {1: 0.36, 2: 0.35, 3: 0.19, 4: 0.08, 5: 0.02},
}
DEFAULT_ROOM_SHARES: Final = {1: 0.30, 2: 0.38, 3: 0.22, 4: 0.08, 5: 0.02}
# After the shock more small flats are listed: the room mix moves this far towards SHIFTED_SHARES
# at its peak (judgement).
SHIFTED_SHARES: Final = {1: 0.50, 2: 0.32, 3: 0.12, 4: 0.05, 5: 0.01}
COMPOSITION_SHIFT: Final = 0.6

# --- listing volume ------------------------------------------------------------------------------
# Flats newly listed per day at scale 1 (judgement: Almaty's gives 1,500–2,000 active krisha
# listings in autumn 2022; the real site showed 3,184 long-term ones on 13 Oct 2022). The rest
# roughly by size of the rental market; small towns are thin.
ARRIVALS_PER_DAY: Final = {
    "almaty": 60.0, "astana": 42.0, "shymkent": 18.0, "karaganda": 16.0, "aktobe": 12.0,
    "uralsk": 8.0, "pavlodar": 8.0, "kostanaj": 7.0, "petropavlovsk": 6.0, "aktau": 8.0,
    "atyrau": 7.0, "ust-kamenogorsk": 9.0, "taraz": 6.0, "kyzylorda": 4.0, "turkestan": 3.0,
    "kokshetau": 4.0, "taldykorgan": 4.0, "temirtau": 3.0, "semej": 5.0, "balhash": 1.5,
    "zhezkazgan": 1.5, "shahtinsk": 0.8, "shhuchinsk": 1.0,
}  # fmt: skip
DEFAULT_ARRIVALS: Final = 1.5

# --- listing-level hedonic terms (log points, centred on the mix) ---------------------------
# figures.md (S20), 14 Sep 2022: a one-room flat cost 130,000 in Turksib/Zhetysu and 180,000 in
# Almaly/Bostandyk; other districts placed between them (judgement). Shares: the Oct-2022 Almaty
# card counts (site_structure.md, 2,587 rows with a district). The other cities: judgement,
# for the cities whose districts the parsers know (scrapers/parse/districts.py); the rest list
# no district.
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
    "shymkent": {
        "Аль-Фарабийский": (30, 0.10),
        "Абайский": (25, 0.0),
        "Енбекшинский": (20, -0.02),
        "Каратауский": (15, -0.08),
        "Туранский": (10, -0.06),
    },
    "karaganda": {"Казыбек би": (60, 0.04), "Алихана Бокейхана": (40, -0.05)},
    "aktobe": {"Алматы": (55, 0.02), "Астана": (45, -0.02)},
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


def day_of_year(days: np.ndarray) -> np.ndarray:
    """0-based day of the year (0 on 1 January) of market day indices."""
    stamps = np.datetime64(MARKET_START.isoformat()) + np.asarray(days).astype("timedelta64[D]")
    years = stamps.astype("datetime64[Y]")
    return (stamps - years).astype(int).astype(float)


def harmonics(
    day_of_year: np.ndarray, season: tuple[tuple[float, float], ...], scale: np.ndarray | float = 1
) -> np.ndarray:
    """Seasonal log deviation: ``sum_k scale * A_k cos(k ω (doy - peak_k))``, ω = 2π / 365.25."""
    omega = 2 * math.pi / 365.25
    total = np.zeros_like(day_of_year, dtype=float)
    for k, (amplitude, peak) in enumerate(season, start=1):
        total += amplitude * np.cos(k * omega * (day_of_year - peak))
    return total * scale


def room_effect_factor(rooms: int, shares: dict[int, float]) -> float:
    """Room count's effect relative to the city effect (the pre-period mix averages to 1)."""
    mean = sum(shares[r] * ROOM_EFFECT_WEIGHT[r] for r in ROOMS)
    return ROOM_EFFECT_WEIGHT[rooms] / mean


def usd_rate(days: np.ndarray) -> np.ndarray:
    """KZT per USD on market days (linear between the nodes of :data:`USD_KZT`)."""
    nodes = np.array([day_index(d) for d, _ in USD_KZT], dtype=float)
    rates = np.array([r for _, r in USD_KZT])
    return np.interp(days, nodes, rates)
