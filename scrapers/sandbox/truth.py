"""The simulated market's truth: counterfactual and effect paths per city and room count.

Written next to the simulated data as ``truth.json`` (definitions, the headline numbers, the
calibration checks) and ``truth_daily.csv`` (one row per day, city and room count), and read
back by the demo and the tests with :meth:`Truth.read`.

The effect is defined exactly as an interrupted time series reports it on the log scale: the
gap between the factual and the counterfactual market level, where the counterfactual already
rose before the shock (see :mod:`scrapers.sandbox.calibration`). The headline is the average of
the daily effect in % over the first six weeks, 21 Sep – 1 Nov 2022, both days included.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

import numpy as np
from scipy.signal import lfilter

from scrapers.sandbox import calibration as cal

TRUTH_JSON: Final = "truth.json"
TRUTH_CSV: Final = "truth_daily.csv"
ALL_ROOMS: Final = "all"  # the city row: room counts weighted by the pre-shock listing mix

DEFINITION: Final = (
    "effect(t) = log(factual(t)) - log(counterfactual(t)) for the asking rent of a standard "
    "flat (KZT per month); 0 before 2022-09-21. effect_pct = 100 * (exp(effect) - 1). The "
    "counterfactual is the pre-shock log-linear trend plus seasonality plus a common random "
    "walk, so the effect is the jump relative to a trend that was already rising. "
    "avg_effect_pct = 100 * (sum(factual) / sum(counterfactual) - 1) over the days of the "
    "window, both ends included: the average effect relative to the average counterfactual, "
    "as the ITS engine (and CausalImpact) report it. The city row weights room counts by the "
    "pre-shock listing mix."
)

Key = tuple[str, int | None]  # (city, rooms); rooms None = the whole city


@dataclass(frozen=True)
class Truth:
    """Daily log paths on the market days; ``counterfactual`` in log KZT per month."""

    start: date
    counterfactual: dict[Key, np.ndarray]
    effect: dict[Key, np.ndarray]
    seed: int

    @property
    def n_days(self) -> int:
        return len(next(iter(self.effect.values())))

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.n_days)]

    def _window(self, start: date, end: date) -> slice:
        first, last = (start - self.start).days, (end - self.start).days
        if first < 0 or last >= self.n_days or last < first:
            raise ValueError(f"window {start}..{end} is outside the market's days")
        return slice(first, last + 1)

    def average_effect_pct(
        self,
        city: str,
        start: date = cal.EVENT_DATE,
        end: date | None = None,
        rooms: int | None = None,
    ) -> float:
        """Average effect in % from ``start`` to ``end`` inclusive (default: six weeks).

        ``100 * (sum(factual) / sum(counterfactual) - 1)`` over the window's days.
        """
        end = end or start + timedelta(days=cal.HEADLINE_DAYS - 1)
        window = self._window(start, end)
        counterfactual = np.exp(self.counterfactual[(city, rooms)][window])
        factual = counterfactual * np.exp(self.effect[(city, rooms)][window])
        return float(100 * (factual.sum() / counterfactual.sum() - 1))

    def average_log_effect(
        self,
        city: str,
        start: date = cal.EVENT_DATE,
        end: date | None = None,
        rooms: int | None = None,
    ) -> float:
        """Mean daily log effect from ``start`` to ``end`` inclusive (default: six weeks)."""
        end = end or start + timedelta(days=cal.HEADLINE_DAYS - 1)
        return float(np.mean(self.effect[(city, rooms)][self._window(start, end)]))

    def factual_kzt(self, city: str, day: date, rooms: int | None = None) -> float:
        i = (day - self.start).days
        return math.exp(self.counterfactual[(city, rooms)][i] + self.effect[(city, rooms)][i])

    def headline(self) -> dict[str, Any]:
        """Per city: the six-week average effect, the peak, and the calibration checks."""
        out: dict[str, Any] = {}
        sep1, nov3, oct27 = date(2022, 9, 1), date(2022, 11, 3), date(2022, 10, 27)
        for city in cal.CITIES:
            effect = self.effect[(city, None)]
            peak_i = int(np.argmax(effect))
            fact = self.factual_kzt
            peak = max(fact(city, d) for d in _days(sep1, nov3))
            out[city] = {
                "avg_effect_pct": round(self.average_effect_pct(city), 3),
                "avg_log_effect": round(self.average_log_effect(city), 5),
                "peak_effect_pct": round(float(100 * np.expm1(effect[peak_i])), 3),
                "peak_date": (self.start + timedelta(days=peak_i)).isoformat(),
                "effect_2022_11_03_pct": round(
                    float(100 * np.expm1(effect[(nov3 - self.start).days])), 3
                ),
                "rooms": {
                    str(r): {"avg_effect_pct": round(self.average_effect_pct(city, rooms=r), 3)}
                    for r in cal.ROOMS
                },
                "calibration_check": {
                    "factual_peak_vs_sep1_pct": pct(peak / fact(city, sep1)),
                    "factual_nov3_vs_sep1_pct": pct(fact(city, nov3) / fact(city, sep1)),
                    "factual_week_to_nov3_pct": pct(fact(city, nov3) / fact(city, oct27)),
                    "aug_vs_jul_2022_pct": pct(
                        self._month_mean(city, 2022, 8) / self._month_mean(city, 2022, 7)
                    ),
                    "one_room_kzt_2022_09_14": round(fact(city, cal.LEVEL_DATE, rooms=1)),
                },
            }
        return out

    def _month_mean(self, city: str, year: int, month: int) -> float:
        first = date(year, month, 1)
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        return float(np.mean([self.factual_kzt(city, d) for d in _days(first, last)]))

    def write(self, directory: Path) -> list[Path]:
        """Write ``truth.json`` and ``truth_daily.csv`` into ``directory``; return the paths."""
        directory.mkdir(parents=True, exist_ok=True)
        summary = {
            "simulated": True,
            "seed": self.seed,
            "event_date": cal.EVENT_DATE.isoformat(),
            "window": {
                "start": cal.EVENT_DATE.isoformat(),
                "end": (cal.EVENT_DATE + timedelta(days=cal.HEADLINE_DAYS - 1)).isoformat(),
                "days": cal.HEADLINE_DAYS,
            },
            "definition": DEFINITION,
            "market": {"start": self.start.isoformat(), "days": self.n_days},
            "cities": self.headline(),
        }
        json_path = directory / TRUTH_JSON
        json_path.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
        csv_path = directory / TRUTH_CSV
        with open(csv_path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "date",
                    "city",
                    "rooms",
                    "counterfactual_kzt",
                    "factual_kzt",
                    "effect_log",
                    "effect_pct",
                ]
            )
            dates = self.dates()
            for (city, rooms), counter in self.counterfactual.items():
                effect = self.effect[(city, rooms)]
                label = ALL_ROOMS if rooms is None else str(rooms)
                for i, day in enumerate(dates):
                    writer.writerow([
                        day.isoformat(), city, label, round(math.exp(counter[i]), 1),
                        round(math.exp(counter[i] + effect[i]), 1), f"{effect[i]:.6f}",
                        f"{100 * math.expm1(effect[i]):.4f}",
                    ])  # fmt: skip
        return [json_path, csv_path]

    @classmethod
    def read(cls, directory: Path) -> Truth:
        """Read what :meth:`write` wrote (``truth.json`` gives the seed, the CSV the paths)."""
        summary = json.loads((directory / TRUTH_JSON).read_text(encoding="utf-8"))
        counter: dict[Key, list[float]] = {}
        effect: dict[Key, list[float]] = {}
        with open(directory / TRUTH_CSV, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                key = (row["city"], None if row["rooms"] == ALL_ROOMS else int(row["rooms"]))
                counter.setdefault(key, []).append(math.log(float(row["counterfactual_kzt"])))
                effect.setdefault(key, []).append(float(row["effect_log"]))
        return cls(
            start=date.fromisoformat(summary["market"]["start"]),
            counterfactual={k: np.array(v) for k, v in counter.items()},
            effect={k: np.array(v) for k, v in effect.items()},
            seed=int(summary["seed"]),
        )


def pct(ratio: float) -> float:
    """A ratio as a rounded % change: 1.33 -> 33.0."""
    return round(100 * (ratio - 1), 2)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def market_truth(seed: int) -> Truth:
    """The seeded market paths: deterministic trend, season and effect plus a common AR(1) walk."""
    rng = np.random.default_rng([seed, 0x7A7])
    days = np.arange(cal.n_days(), dtype=float)
    counterfactual: dict[Key, np.ndarray] = {}
    effect: dict[Key, np.ndarray] = {}
    for city in cal.CITIES:
        noise = lfilter([1.0], [1.0, -cal.NOISE_AR], rng.normal(0.0, cal.NOISE_SD, len(days)))
        # The walk is centred on the level date, so the calibrated levels hold there exactly.
        noise -= noise[cal.day_index(cal.LEVEL_DATE)]
        base = cal.trend_and_season(city, days) + noise
        city_effect = cal.effect_shape(city)(days)
        shares = cal.ROOM_SHARES[city]
        for rooms in cal.ROOMS:
            level = math.log(cal.ONE_ROOM_LEVEL[city] * cal.ROOM_RATIO[city][rooms])
            counterfactual[(city, rooms)] = level + base
            effect[(city, rooms)] = city_effect * cal.room_effect_factor(city, rooms)
        counterfactual[(city, None)] = sum(
            (shares[r] * counterfactual[(city, r)] for r in cal.ROOMS), np.zeros(len(days))
        )
        effect[(city, None)] = city_effect
    return Truth(cal.MARKET_START, counterfactual, effect, seed)
