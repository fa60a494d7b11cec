"""The simulated country: a national factor, and each city's own level, season, kinks and shock.

The untreated (counterfactual) log market level of city ``c`` on day ``t`` is

    cf_c(t) = L_c + β_c N(t) + α_c t + K_c(t) + S_c(t) + F_c(t) + W_c(t)

- ``N``: the **national factor**, shared by every city: an integrated random walk whose drift
  follows an inflation path that accelerates through 2022 and eases after
  (:data:`~scrapers.sandbox.calibration.NATIONAL_DRIFT`), plus the random walk of the drift
  itself, plus the **common jump** of the tenge's move in March 2022; ``β_c`` is the city's
  loading on it (0.8–1.2; 1 for the treated cities);
- ``α_c t``: the city's own trend (the treated cities' are calibrated, the others small);
- ``K_c``: **regime kinks**: one to three changes of slope at random dates (seeded);
- ``S_c``: **multiplicative seasonality**, two or three annual harmonics of the city's own
  amplitudes and peaks, whose amplitude drifts over the years (seeded);
- ``F_c``: the first relocation wave from March 2022 (the treated cities only);
- ``W_c``: noise: a slow and a fast autoregressive part with **Student-t (3 d.f.)
  innovations** under **stochastic volatility**, plus rare heavy-tailed jumps (seeded);
- ``L_c``: the level, set so that the path meets the city's published level on its anchor day.

The factual path adds the city's **effect** ``E_c(t)`` (zero before 21 September 2022): the
treated cities' September shock, the border cities' own, Kokshetau's later spill-over, none
for the other comparison cities. The effect shapes are solved on the deterministic part of
the path (the national drift path, trend, season, first wave), so they do not depend on the
seed: the truth of a given city and window is the same in every market.

Every random part of a city is drawn from its own stream (the seed and the city), and the
national factor from a stream of its own, so a city's paths and listings are the same in a
market of two cities and in one of twenty.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Final, Literal

import numpy as np
from scipy.optimize import brentq
from scipy.signal import lfilter

from scrapers.sandbox import calibration as cal
from warehouse.cities import REGISTRY, Role

# Border cities of krisha.kz's autumn-2022 monitoring (figures.md §7), the ones in the
# default country besides the treated cities and the comparison pool.
DEFAULT_BORDER: Final = ("uralsk", "aktobe", "kostanaj", "petropavlovsk", "pavlodar")
ShockKind = Literal["september", "spillover", "satellite", "none"]

# The noise of every city (judgement; its stationary sd, about 1%, is the old sandbox's).
SLOW_AR: Final = 0.995
SLOW_SD: Final = 0.0008
FAST_AR: Final = 0.8
FAST_SD: Final = 0.002
SV_AR: Final = 0.98  # log-variance of the innovations: an AR(1) of its own
SV_SD: Final = 0.2
T_DF: Final = 3.0
JUMPS_PER_YEAR: Final = 1.0
JUMP_SD: Final = 0.012  # Student-t (3 d.f.) jump sizes scaled to this
KINK_SLOPE_SD: Final = 0.06  # log a year
SEASON_DRIFT_SD: Final = 0.25  # the seasonal amplitude changes by about this share a year


def default_cities() -> tuple[str, ...]:
    """The default simulated country: the treated cities, the border cities of krisha's
    monitoring and the registry's comparison pool (the default crawl list), 20 cities."""
    return (*REGISTRY.treated, *DEFAULT_BORDER, *REGISTRY.comparison)


DEFAULT_CITIES: Final = default_cities()


def city_slot(city: str) -> int:
    """The city's place in the registry: a stable small number (listing ids, seeds)."""
    return REGISTRY.codes.index(REGISTRY.get(city).code)


def stream(*key: int | str) -> np.random.Generator:
    """A random stream named by integers and strings (strings by their CRC-32)."""
    return np.random.default_rng([k if isinstance(k, int) else zlib.crc32(k.encode()) for k in key])


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


@dataclass(frozen=True)
class CityModel:
    """Everything fixed about one simulated city (the same in every seed)."""

    code: str
    role: Role  # the simulated world's role: the registry's default
    anchor: date  # the day the factual 1-room level is :attr:`one_room`
    one_room: float  # KZT per month
    anchor_source: str
    room_ratio: dict[int, float]
    area_median: dict[int, float]
    room_shares: dict[int, float]
    arrivals_per_day: float  # at scale 1
    loading: float  # on the national factor
    own_trend: float  # log a year
    season: tuple[tuple[float, float], ...]  # (amplitude, peak day of year) per harmonic
    first_wave: float
    shock: ShockKind
    districts: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def on_olx(self) -> bool:
        return REGISTRY.get(self.code).olx_slug is not None


def _judged_season(code: str) -> tuple[tuple[float, float], ...]:
    """Two or three harmonics around the treated cities' September peak, the city's own."""
    rng = stream(0x5EA5, code)
    base = cal.SEASON["almaty"]
    season = [
        (base[0][0] * rng.uniform(0.6, 1.3), base[0][1] + rng.normal(0, 15)),
        (base[1][0] * rng.uniform(0.5, 1.4), base[1][1] + rng.normal(0, 20)),
    ]
    if rng.random() < 0.6:
        season.append((0.015 * rng.uniform(0.5, 1.5), 200 + rng.normal(0, 30)))
    return tuple((round(a, 4), round(p, 1)) for a, p in season)


@cache
def city_model(code: str) -> CityModel:
    """The model of a registered city, from the calibration tables (judgement where silent)."""
    city = REGISTRY.get(code)
    code = city.code
    fixed = stream(0xC0DE, code)
    if code in cal.ONE_ROOM_LEVEL:
        anchor, one_room, source = cal.LEVEL_DATE, cal.ONE_ROOM_LEVEL[code], "S20 (14 Sep 2022)"
    elif code in cal.KRISHA_RENTS:
        anchor, one_room = cal.KRISHA_DATE, float(cal.KRISHA_RENTS[code][0])
        source = "figures.md §7, krisha 28 Sep 2022"
    elif code in cal.BNS_M2_2021:
        anchor = cal.KRISHA_DATE
        one_room = cal.ONE_ROOM_LEVEL["almaty"] * cal.BNS_M2_2021[code] / cal.BNS_M2_2021["almaty"]
        source = "derived: BNS per m² Sep 2021 relative to Almaty"
    else:
        anchor = cal.KRISHA_DATE
        one_room = float(cal.JUDGED_ONE_ROOM.get(code, cal.DEFAULT_ONE_ROOM))
        source = "judgement"
    rents = cal.KRISHA_RENTS.get(code)
    if rents is None:  # the mean ratios of the cities krisha priced
        pool = [r for c, r in cal.KRISHA_RENTS.items() if c not in cal.TREATED]
        ratio2 = float(np.mean([r[1] / r[0] for r in pool]))
        ratio3 = float(np.mean([r[2] / r[0] for r in pool]))
    else:
        ratio2, ratio3 = rents[1] / rents[0], rents[2] / rents[0]
    room_ratio = {1: 1.0, 2: ratio2, 3: ratio3, 4: cal.FOUR_ROOM_VS_THREE * ratio3,
                  5: cal.FIVE_ROOM_VS_THREE * ratio3}  # fmt: skip
    treated = code in cal.TREATED
    if city.role == "treated" or city.role == "border":
        shock: ShockKind = "september"
    elif city.role == "satellite":
        shock = "satellite"
    else:
        shock = "spillover" if code in cal.SPILLOVER else "none"
    return CityModel(
        code=code,
        role=city.role,
        anchor=anchor,
        one_room=one_room,
        anchor_source=source,
        room_ratio=room_ratio,
        area_median=cal.AREA_MEDIAN.get(code, cal.DEFAULT_AREA_MEDIAN),
        room_shares=cal.ROOM_SHARES.get(code, cal.DEFAULT_ROOM_SHARES),
        arrivals_per_day=cal.ARRIVALS_PER_DAY.get(code, cal.DEFAULT_ARRIVALS),
        loading=1.0 if treated else round(float(fixed.uniform(0.8, 1.2)), 3),
        own_trend=cal.OWN_TREND[code] if treated else round(float(fixed.normal(0, 0.03)), 4),
        season=cal.SEASON[code] if treated else _judged_season(code),
        first_wave=cal.FIRST_WAVE.get(code, 0.0),
        shock=shock,
        districts={d: (float(w), t) for d, (w, t) in cal.DISTRICT_TERMS.get(code, {}).items()},
    )


# --- the national factor ----------------------------------------------------------------------


def _days() -> np.ndarray:
    return np.arange(cal.n_days(), dtype=float)


def _logistic(days: np.ndarray, middle: date, scale: float) -> np.ndarray:
    return 1 / (1 + np.exp(-(days - cal.day_index(middle)) / scale))


def national_drift() -> np.ndarray:
    """The national factor's deterministic drift on each market day, log points a year."""
    nodes = np.array([cal.day_index(d) for d, _ in cal.NATIONAL_DRIFT], dtype=float)
    return np.interp(_days(), nodes, [r for _, r in cal.NATIONAL_DRIFT])


@cache
def national_path() -> np.ndarray:
    """The deterministic national factor (log, 0 on the first market day): the integrated
    drift path plus the currency jump."""
    integrated = np.concatenate([[0.0], np.cumsum(national_drift()[:-1] / 365.25)])
    jump = cal.CURRENCY_JUMP * _logistic(_days(), cal.CURRENCY_JUMP_DATE, cal.CURRENCY_JUMP_DAYS)
    return integrated + jump - jump[0]


def national_noise(seed: int) -> np.ndarray:
    """The seeded part of the national factor: its drift wanders as a random walk (log)."""
    rng = stream(seed, 0x4A7)
    daily_sd = cal.NATIONAL_DRIFT_SD / math.sqrt(365.25)  # of the drift, log a year
    drift = np.cumsum(rng.normal(0.0, daily_sd, cal.n_days()))
    return np.concatenate([[0.0], np.cumsum(drift[:-1] / 365.25)])


# --- a city's paths -----------------------------------------------------------------------------


@cache
def base_path(code: str) -> np.ndarray:
    """The deterministic part of the city's counterfactual (log, up to the level)."""
    model = city_model(code)
    days = _days()
    wave = model.first_wave * _logistic(days, cal.FIRST_WAVE_DATE, cal.FIRST_WAVE_DAYS)
    return (
        model.loading * national_path()
        + model.own_trend * days / 365.25
        + cal.harmonics(cal.day_of_year(days), model.season)
        + wave
    )


@cache
def effect_path(code: str) -> np.ndarray:
    """The city's effect (log) on every market day: zero before the event, seed-independent."""
    model = city_model(code)
    days = _days()
    if model.shock == "september":
        return september_shock(code)(days)
    if model.shock == "spillover":
        size, middle, scale = cal.SPILLOVER[code]
        return np.where(
            days >= cal.day_index(cal.EVENT_DATE), size * _logistic(days, middle, scale), 0.0
        )
    if model.shock == "satellite":
        parent = REGISTRY.get(code).satellite_of
        return cal.SATELLITE_SHARE * effect_path(parent) if parent else np.zeros(len(days))
    return np.zeros(len(days))


@cache
def september_shock(code: str) -> EffectShape:
    """The city's September shock, solved so that the factual path meets its published changes.

    On the deterministic part of the counterfactual (:func:`base_path`: the seeded parts,
    unknowable to any estimator, are left out, so the effect does not depend on the seed):
    the peak is set so that factual(peak) / factual(1 Sep) = ``PEAK_VS_SEP1``, the decay so that
    factual(3 Nov) / factual(1 Sep) = ``NOV3_VS_SEP1`` (border cities: 1.05, so that 3 Nov is
    the published fall below the peak).
    """
    border = code not in cal.TREATED
    fall = cal.BORDER_FALL.get(code, cal.DEFAULT_BORDER_FALL)
    peak_ratio = cal.PEAK_VS_SEP1.get(code, cal.BORDER_NOV3_VS_SEP1 / (1 - fall))
    nov3_ratio = cal.BORDER_NOV3_VS_SEP1 if border else cal.NOV3_VS_SEP1[code]
    peak_date = cal.BORDER_PEAK_DATE if border else cal.PEAK_DATE[code]
    persistent = cal.BORDER_PERSISTENT if border else cal.PERSISTENT_EFFECT[code]
    sep1, nov3 = cal.day_index(date(2022, 9, 1)), cal.day_index(date(2022, 11, 3))
    event, peak_day = cal.day_index(cal.EVENT_DATE), cal.day_index(peak_date)
    base = base_path(code)[[sep1, peak_day, nov3]]
    peak = math.log(peak_ratio) - float(base[1] - base[0])
    target_nov3 = math.log(nov3_ratio) - float(base[2] - base[0])
    # The fade needs somewhere to go: never persist above what 3 November shows.
    persistent = min(persistent, target_nov3 / 2)

    def miss(decay: float) -> float:
        shape = EffectShape(peak, persistent, decay, event, peak_day)
        return float(shape(np.array([nov3]))[0]) - target_nov3

    decay = brentq(miss, 1.0, 2000.0)
    return EffectShape(peak, persistent, float(decay), event, peak_day)


@dataclass(frozen=True)
class CityPaths:
    """One city's daily log paths on the market days, and what the counterfactual is made of.

    ``counterfactual`` is the 1-room level (log KZT per month); ``components`` are its parts
    (log, each 0 on the anchor day but the level): ``level``, ``national`` (β_c N),
    ``trend``, ``kinks``, ``season``, ``first_wave``, ``noise``.
    """

    code: str
    counterfactual: np.ndarray
    effect: np.ndarray
    components: dict[str, np.ndarray]


def _t_innovations(rng: np.random.Generator, n: int) -> np.ndarray:
    """Student-t innovations scaled to unit variance."""
    return rng.standard_t(T_DF, n) / math.sqrt(T_DF / (T_DF - 2))


def city_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """A slow and a fast AR part with t innovations under stochastic volatility, plus jumps."""
    log_var = lfilter([1.0], [1.0, -SV_AR], rng.normal(0.0, SV_SD, n))
    scale = np.exp(log_var / 2)
    fast = lfilter([1.0], [1.0, -FAST_AR], FAST_SD * scale * _t_innovations(rng, n))
    jumps = np.where(rng.random(n) < JUMPS_PER_YEAR / 365.25, JUMP_SD * _t_innovations(rng, n), 0)
    slow = lfilter([1.0], [1.0, -SLOW_AR], SLOW_SD * scale * _t_innovations(rng, n) + jumps)
    return slow + fast


def city_paths(seed: int, code: str) -> CityPaths:
    """The seeded paths of one city (its own random stream; the national one is shared)."""
    model = city_model(code)
    rng = stream(seed, 0xC17, code)
    days = _days()
    n = len(days)
    doy = cal.day_of_year(days)
    # Regime kinks: 1–3 changes of slope at random days (not in the first or last month).
    n_kinks = 1 + min(int(rng.poisson(1.0)), 2)
    at = rng.uniform(30, n - 30, n_kinks)
    slopes = rng.normal(0.0, KINK_SLOPE_SD, n_kinks)
    kinks = np.sum(slopes[:, None] * np.maximum(0.0, days[None, :] - at[:, None]), axis=0) / 365.25
    # Seasonal amplitude drifts: a trend of its own plus a slow random walk (multiplicative).
    drift = rng.normal(0.0, SEASON_DRIFT_SD) * (days - cal.day_index(model.anchor)) / 365.25
    drift += np.cumsum(rng.normal(0.0, 0.05 / math.sqrt(365.25), n))
    season = cal.harmonics(doy, model.season, np.exp(drift))
    wave = model.first_wave * _logistic(days, cal.FIRST_WAVE_DATE, cal.FIRST_WAVE_DAYS)
    components = {
        "national": model.loading * (national_path() + national_noise(seed)),
        "trend": model.own_trend * days / 365.25,
        "kinks": kinks,
        "season": season,
        "first_wave": wave,
        "noise": city_noise(rng, n),
    }
    anchor = cal.day_index(model.anchor)
    for name, path in components.items():
        components[name] = path - path[anchor]
    effect = effect_path(code)
    # The level: the factual 1-room path meets the anchor figure on the anchor day.
    level = math.log(model.one_room) - float(effect[anchor]) * cal.room_effect_factor(
        1, model.room_shares
    )
    components = {"level": np.full(n, level), **components}
    counterfactual = np.sum(list(components.values()), axis=0)
    return CityPaths(code, counterfactual, effect, components)


def room_offsets(code: str) -> dict[int, float]:
    """Log counterfactual level of each room count over the 1-room one.

    The room ratios are the factual ones on the anchor day (krisha's 28 Sep figures, some a
    week into a border city's shock): the shock's unequal weight by room count is taken out.
    """
    model = city_model(code)
    anchor_effect = float(effect_path(code)[cal.day_index(model.anchor)])
    one = cal.room_effect_factor(1, model.room_shares)
    return {
        rooms: math.log(model.room_ratio[rooms])
        - anchor_effect * (cal.room_effect_factor(rooms, model.room_shares) - one)
        for rooms in cal.ROOMS
    }


def resolve(cities: Iterable[str] | None) -> tuple[str, ...]:
    """Registered codes of ``cities`` (names accepted) in order, each once; None: the default
    country. An unknown city is a one-line :class:`~warehouse.cities.UnknownCity`."""
    return DEFAULT_CITIES if cities is None else REGISTRY.canonical(cities)
