"""A small rental market with a known jump, loaded into a warehouse file for the report tests.

Every week each city gets ``per_week`` new listings (1-, 2- and 3-room flats in four
districts); a listing stays up ``life_weeks`` weeks and is seen once a week at its asking
price. Asking prices grow ``weekly_growth`` a week and follow a national ``season`` (the
same annual wave in every city), and listings posted on or after the event ask ``jump`` more
in the ``treated`` cities (None: every city). Comparison cities (:data:`COMPARISON`) share
the growth and the season but not the jump: the donors of the comparison designs. Used by
tests/test_report*.py and bench/reports.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import numpy as np

from warehouse import open_writer
from warehouse.load import load_spools
from warehouse.spool import SpoolWriter

ALMATY = timezone(timedelta(hours=6))
EVENT = date(2022, 9, 21)
DISTRICTS = ("Алмалинский", "Ауэзовский", "Бостандыкский", "Медеуский")
BASE_RENT = {"almaty": {1: 150_000, 2: 220_000, 3: 300_000},
             "astana": {1: 115_000, 2: 170_000, 3: 240_000},
             "shymkent": {1: 95_000, 2: 140_000, 3: 190_000},
             "karaganda": {1: 105_000, 2: 150_000, 3: 200_000},
             "taraz": {1: 75_000, 2: 110_000, 3: 150_000},
             "aktau": {1: 170_000, 2: 240_000, 3: 320_000},
             "kyzylorda": {1: 85_000, 2: 125_000, 3: 170_000}}  # fmt: skip
# Cities of the registry's comparison pool, for a market with donors.
COMPARISON = ("shymkent", "karaganda", "taraz", "aktau", "kyzylorda")
AREA = {1: 40.0, 2: 60.0, 3: 85.0}


@dataclass(frozen=True)
class Market:
    cities: tuple[str, ...] = ("almaty", "astana")
    start: date = date(2021, 9, 6)  # a Monday
    weeks: int = 70
    per_week: int = 40
    life_weeks: int = 4
    weekly_growth: float = 0.004
    jump: float = 0.30
    noise: float = 0.08
    season: float = 0.0
    treated: tuple[str, ...] | None = None
    origin: str = "simulated"
    seed: int = 7
    id_prefix: str = ""  # a second market loaded into the same warehouse needs its own ids


def write_market(spool_dir: Path, market: Market) -> list[Path]:
    """One spool per city; returns their paths (not yet loaded)."""
    rng = np.random.default_rng(market.seed)
    spools = []
    for city in market.cities:
        with SpoolWriter(
            spool_dir, spider="testmarket", origin=market.origin, source="krisha",
            cities=[city], flush_every=10_000,
        ) as spool:  # fmt: skip
            n = market.weeks * market.per_week
            posted_week = np.repeat(np.arange(market.weeks), market.per_week)
            rooms = rng.choice([1, 2, 3], size=n, p=[0.45, 0.35, 0.20])
            district = rng.integers(0, len(DISTRICTS), size=n)
            noise = rng.lognormal(0.0, market.noise, size=n)
            posted_day = rng.integers(0, 7, size=n)
            floor = rng.integers(1, 13, size=n)
            owner = rng.choice(["owner", "specialist"], size=n)
            area = rng.uniform(0.85, 1.15, size=n)
            for i in range(n):
                posted = market.start + timedelta(
                    weeks=int(posted_week[i]), days=int(posted_day[i])
                )
                r = int(rooms[i])
                level = BASE_RENT[city][r] * (1 + market.weekly_growth) ** posted_week[i]
                level *= 1 + market.season * np.sin(2 * np.pi * posted.toordinal() / 365.25)
                jumps = market.treated is None or city in market.treated
                shock = 1 + market.jump if posted >= EVENT and jumps else 1.0
                price = int(round(level * shock * noise[i], -3))
                for k in range(market.life_weeks):
                    seen = posted + timedelta(weeks=k)
                    spool.write({
                        "source": "krisha",
                        "listing_id": f"{market.id_prefix}{city}-{i}",
                        "city": city,
                        "district": DISTRICTS[district[i]],
                        "rooms": r,
                        "area_m2": round(AREA[r] * area[i], 1),
                        "floor": int(floor[i]),
                        "floors_total": 12,
                        "owner_type": str(owner[i]),
                        "price": price,
                        "currency": "KZT",
                        "price_period": "month",
                        "observed_at": datetime.combine(seen, time(10), tzinfo=ALMATY),
                    })  # fmt: skip
        spools.append(spool.path)
    return spools


def build_warehouse(directory: Path, market: Market) -> Path:
    """A warehouse file holding ``market``, loaded the way crawls are."""
    db = directory / "rentwatch.duckdb"
    spools = write_market(directory / "spool", market)
    with open_writer(db, lock_timeout=10) as conn:
        load_spools(conn, spools)
    return db


def add_market(db: Path, directory: Path, market: Market) -> Path:
    """Load ``market`` into the existing warehouse ``db`` too (give it an ``id_prefix``)."""
    spools = write_market(directory, market)
    with open_writer(db, lock_timeout=10) as conn:
        load_spools(conn, spools)
    return db
