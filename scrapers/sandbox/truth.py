"""The simulated market's truth: counterfactual and effect paths per city and room count.

Written next to the simulated data as ``truth.json`` (definitions, every city's role and
headline numbers, the calibration checks) and ``truth_daily.csv`` (one row per day, city and
room count), and read back by the demo and the tests with :meth:`Truth.read`.

The effect is defined exactly as an interrupted time series reports it on the log scale: the
gap between the factual and the counterfactual market level, where the counterfactual already
rose before the shock (see :mod:`scrapers.sandbox.country`). It is the September shock in the
treated and border cities, a later spill-over in Kokshetau, and zero in the other comparison
cities, every day. ``average_effect_pct`` over a window is the headline's quantity.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

import numpy as np

from scrapers.sandbox import calibration as cal
from scrapers.sandbox import country

TRUTH_JSON: Final = "truth.json"
TRUTH_CSV: Final = "truth_daily.csv"
ALL_ROOMS: Final = "all"  # the city row: room counts weighted by the pre-shock listing mix

DEFINITION: Final = (
    "effect(t) = log(factual(t)) - log(counterfactual(t)) for the asking rent of a standard "
    "flat (KZT per month); 0 before 2022-09-21, and 0 on every day in a comparison city "
    "without spill-over. effect_pct = 100 * (exp(effect) - 1). The counterfactual is the "
    "city's untreated path (national factor, own trend, kinks, seasonality, first relocation "
    "wave, noise), so the effect is the jump relative to a path that was already rising. "
    "avg_effect_pct = 100 * (sum(factual) / sum(counterfactual) - 1) over the days of the "
    "window, both ends included: the average effect relative to the average counterfactual, "
    "as the ITS engine (and CausalImpact) report it. The city row weights room counts by the "
    "pre-shock listing mix."
)

Key = tuple[str, int | None]  # (city, rooms); rooms None = the whole city


@dataclass(frozen=True)
class Truth:
    """Daily log paths on the market days; ``counterfactual`` in log KZT per month.

    ``roles`` gives each city's role in the simulated world (treated, border, comparison,
    satellite), the registry's default.
    """

    start: date
    counterfactual: dict[Key, np.ndarray]
    effect: dict[Key, np.ndarray]
    seed: int
    roles: dict[str, str] = field(default_factory=dict)

    @property
    def n_days(self) -> int:
        return len(next(iter(self.effect.values())))

    @property
    def cities(self) -> tuple[str, ...]:
        """The simulated cities, in the market's order."""
        return tuple(dict.fromkeys(city for city, _ in self.effect))

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

    def counterfactual_kzt(self, city: str, day: date, rooms: int | None = None) -> float:
        return math.exp(self.counterfactual[(city, rooms)][(day - self.start).days])

    def headline(self) -> dict[str, Any]:
        """Per city: role, the six-week average effect, the peak, and the calibration checks."""
        out: dict[str, Any] = {}
        sep1, nov3, oct27 = date(2022, 9, 1), date(2022, 11, 3), date(2022, 10, 27)
        for city in self.cities:
            model = country.city_model(city)
            effect = self.effect[(city, None)]
            peak_i = int(np.argmax(effect))
            fact = self.factual_kzt
            check: dict[str, Any] = {
                "aug_vs_jul_2022_pct": pct(
                    self._month_mean(city, 2022, 8) / self._month_mean(city, 2022, 7)
                ),
                "counterfactual_aug_2022_yoy_pct": pct(
                    self._month_mean(city, 2022, 8, factual=False)
                    / self._month_mean(city, 2021, 8, factual=False)
                ),
                "one_room_kzt_on_anchor": round(fact(city, model.anchor, rooms=1)),
            }
            if model.shock == "september":
                peak = max(fact(city, d) for d in _days(sep1, nov3))
                check.update(
                    factual_peak_vs_sep1_pct=pct(peak / fact(city, sep1)),
                    factual_nov3_vs_sep1_pct=pct(fact(city, nov3) / fact(city, sep1)),
                    factual_nov3_vs_peak_pct=pct(fact(city, nov3) / peak),
                    factual_week_to_nov3_pct=pct(fact(city, nov3) / fact(city, oct27)),
                )
            out[city] = {
                "role": self.roles.get(city, model.role),
                "shock": model.shock,
                "anchor": {
                    "date": model.anchor.isoformat(),
                    "one_room_kzt": model.one_room,
                    "source": model.anchor_source,
                },
                "avg_effect_pct": round(self.average_effect_pct(city), 3),
                "avg_log_effect": round(self.average_log_effect(city), 5),
                "peak_effect_pct": round(float(100 * np.expm1(effect[peak_i])), 3),
                "peak_date": (self.start + timedelta(days=peak_i)).isoformat()
                if effect[peak_i] > 0
                else None,
                "effect_2022_11_03_pct": round(
                    float(100 * np.expm1(effect[(nov3 - self.start).days])), 3
                ),
                "effect_end_pct": round(float(100 * np.expm1(effect[-1])), 3),
                "rooms": {
                    str(r): {"avg_effect_pct": round(self.average_effect_pct(city, rooms=r), 3)}
                    for r in cal.ROOMS
                },
                "model": {
                    "loading": model.loading,
                    "own_trend": model.own_trend,
                    "season": [list(h) for h in model.season],
                    "first_wave": model.first_wave,
                    "arrivals_per_day": model.arrivals_per_day,
                },
                "calibration_check": check,
            }
        return out

    def _month_mean(self, city: str, year: int, month: int, *, factual: bool = True) -> float:
        first = date(year, month, 1)
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        value = self.factual_kzt if factual else self.counterfactual_kzt
        return float(np.mean([value(city, d) for d in _days(first, last)]))

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
            "market": {
                "start": self.start.isoformat(),
                "days": self.n_days,
                "cities": list(self.cities),
            },
            "national": national_summary(),
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
            dates = [d.isoformat() for d in self.dates()]
            for (city, rooms), counter in self.counterfactual.items():
                effect = self.effect[(city, rooms)]
                label = ALL_ROOMS if rooms is None else str(rooms)
                counter_kzt = np.round(np.exp(counter), 1)
                factual_kzt = np.round(np.exp(counter + effect), 1)
                effect_pct = 100 * np.expm1(effect)
                writer.writerows(
                    (day, city, label, counter_kzt[i], factual_kzt[i], f"{effect[i]:.6f}",
                     f"{effect_pct[i]:.4f}")
                    for i, day in enumerate(dates)
                )  # fmt: skip
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
        roles = {city: str(info["role"]) for city, info in summary["cities"].items()
                 if "role" in info}  # fmt: skip
        return cls(
            start=date.fromisoformat(summary["market"]["start"]),
            counterfactual={k: np.array(v) for k, v in counter.items()},
            effect={k: np.array(v) for k, v in effect.items()},
            seed=int(summary["seed"]),
            roles=roles,
        )


def national_summary() -> dict[str, Any]:
    """The national factor's deterministic path, and what it was calibrated to."""
    path = country.national_path()

    def month_mean(year: int, month: int) -> float:
        first = date(year, month, 1)
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        return float(np.mean(np.exp(path[cal.day_index(first) : cal.day_index(last) + 1])))

    return {
        "drift_nodes": [[d.isoformat(), r] for d, r in cal.NATIONAL_DRIFT],
        "drift_sd_per_year": cal.NATIONAL_DRIFT_SD,
        "currency_jump": {
            "size_log": cal.CURRENCY_JUMP,
            "date": cal.CURRENCY_JUMP_DATE.isoformat(),
        },
        "calibration_check": {
            # BNS (S10): national rents +31.8% y/y in August 2022 (season cancels out of y/y).
            "factor_aug_2022_yoy_pct": pct(month_mean(2022, 8) / month_mean(2021, 8)),
            "factor_apr_2023_yoy_pct": pct(month_mean(2023, 4) / month_mean(2022, 4)),
        },
    }


def pct(ratio: float) -> float:
    """A ratio as a rounded % change: 1.33 -> 33.0."""
    return round(100 * (ratio - 1), 2)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range(int((last - first).days) + 1)]


def market_truth(seed: int, cities: Iterable[str] | None = None) -> Truth:
    """The seeded market paths of ``cities`` (default: the whole simulated country)."""
    counterfactual: dict[Key, np.ndarray] = {}
    effect: dict[Key, np.ndarray] = {}
    roles: dict[str, str] = {}
    for city in country.resolve(cities):
        model = country.city_model(city)
        paths = country.city_paths(seed, city)
        shares = model.room_shares
        roles[city] = model.role
        offsets = country.room_offsets(city)
        for rooms in cal.ROOMS:
            counterfactual[(city, rooms)] = paths.counterfactual + offsets[rooms]
            effect[(city, rooms)] = paths.effect * cal.room_effect_factor(rooms, shares)
        counterfactual[(city, None)] = sum(
            (shares[r] * counterfactual[(city, r)] for r in cal.ROOMS), np.zeros(cal.n_days())
        )
        effect[(city, None)] = paths.effect
    return Truth(cal.MARKET_START, counterfactual, effect, seed, roles)
