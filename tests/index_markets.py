"""Small rental markets with known truth, written as spools and loaded into a tmp warehouse.

Used by tests/test_index*.py. Every record is origin ``simulated`` unless told otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np

from warehouse import open_writer
from warehouse.load import load_spools
from warehouse.spool import SpoolWriter

ALMATY = timezone(timedelta(hours=6))
DISTRICTS = ("Алмалинский", "Ауэзовский", "Бостандыкский", "Медеуский")


def sighting(
    listing_id: str | int,
    day: date,
    price: int,
    *,
    source: str = "krisha",
    city: str = "almaty",
    rooms: int | None = 1,
    area_m2: float | None = 40.0,
    district: str | None = DISTRICTS[0],
    floor: int | None = 5,
    floors_total: int | None = 9,
    owner_type: str | None = "owner",
    currency: str = "KZT",
    price_period: str = "month",
    origin: str = "simulated",
    hour: int = 10,
    bumped_on: date | None = None,
) -> dict[str, Any]:
    """One observation record of one flat on one day (local Almaty time)."""
    record: dict[str, Any] = {
        "source": source,
        "listing_id": str(listing_id),
        "city": city,
        "district": district,
        "rooms": rooms,
        "area_m2": area_m2,
        "floor": floor,
        "floors_total": floors_total,
        "price": int(price),
        "currency": currency,
        "price_period": price_period,
        "owner_type": owner_type,
        "observed_at": datetime.combine(day, time(hour), tzinfo=ALMATY),
        "origin": origin,
    }
    if bumped_on is not None:
        record["bumped_on"] = bumped_on
    return {k: v for k, v in record.items() if v is not None}


def load_market(tmp_path: Path, records: Iterable[Mapping[str, Any]], name: str = "w") -> Path:
    """Spool ``records`` and load them into a new warehouse; returns the warehouse path."""
    db = tmp_path / f"{name}.duckdb"
    spool_dir = tmp_path / f"{name}-spool"
    with SpoolWriter(spool_dir, spider="test-market", origin="simulated") as spool:
        for record in records:
            spool.write(record)
    with open_writer(db, lock_timeout=10) as conn:
        report = load_spools(conn, [spool.path])
    assert not report.rejected, report.summary()
    return db


# The true model of HedonicMarket: ln rent = 12 + period effect + these + noise.
TRUE_ROOMS = {1: 0.0, 2: 0.10, 3: 0.18}
TRUE_DISTRICTS = dict(zip(DISTRICTS, (0.0, -0.10, 0.15, 0.25), strict=True))
TRUE_LOG_AREA = 0.8
TRUE_FLOOR = {"first": -0.05, "middle": 0.0, "top": -0.03}
TRUE_OWNER = {"owner": 0.0, "specialist": 0.04}
MEAN_AREA = {1: 38.0, 2: 60.0, 3: 85.0}


@dataclass
class HedonicMarket:
    """Flats that each appear in one period with a rent from a known hedonic model.

    ``room_shares[i]`` is the mix of 1-, 2- and 3-room flats listed in period ``i``;
    ``period_effects[i]`` the true log change of every rent in period ``i``.
    """

    periods: Sequence[date]
    flats_per_period: int
    room_shares: Sequence[Sequence[float]]
    period_effects: Sequence[float]
    noise: float = 0.02
    area_spread: float = 0.05
    seed: int = 5
    start_id: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        flat_id = self.start_id
        for day, shares, effect in zip(
            self.periods, self.room_shares, self.period_effects, strict=True
        ):
            rooms = rng.choice([1, 2, 3], size=self.flats_per_period, p=list(shares))
            for r in rooms:
                room = int(r)
                district = DISTRICTS[int(rng.integers(len(DISTRICTS)))]
                area = round(MEAN_AREA[room] * math.exp(rng.normal(0, self.area_spread)), 1)
                floors_total = 9
                floor = int(rng.integers(1, floors_total + 1))
                band = "first" if floor == 1 else "top" if floor == floors_total else "middle"
                owner = "specialist" if rng.random() < 0.4 else "owner"
                log_rent = (
                    12.0
                    + effect
                    + TRUE_ROOMS[room]
                    + TRUE_DISTRICTS[district]
                    + TRUE_LOG_AREA * math.log(area / 50.0)
                    + TRUE_FLOOR[band]
                    + TRUE_OWNER[owner]
                    + rng.normal(0, self.noise)
                )
                self.records.append(
                    sighting(
                        f"h{flat_id}",
                        day + timedelta(days=int(rng.integers(0, 3))),
                        int(round(math.exp(log_rent), -2)),
                        rooms=room,
                        area_m2=area,
                        district=district,
                        floor=floor,
                        floors_total=floors_total,
                        owner_type=owner,
                    )
                )
                flat_id += 1
