"""The bucketed twin query finds exactly the twins the quadratic reference query found.

Random small markets crowd a few cells (rooms × district × a few m² × a few weeks) with
listings on two portals whose areas, floors, prices and sighting days fall on and across
every bucket border the new query uses (whole m², stretches of 2·days + 2 days), with price
changes, gaps, missing attributes and excluded prices; the twin pairs of both queries must
be the same set, under the default rules and under other tolerances.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from analysis.index import CountingRules
from analysis.index.sample import CREATE_TWIN_PAIRS, Window, drop_temp_tables, prepare_city
from tests.index_markets import DISTRICTS, load_market, sighting
from tests.twin_reference import QUADRATIC_TWIN_PAIRS
from warehouse import open_reader

FIRST_DAY = date(2022, 8, 29)
PAIRS = "SELECT a_key, b_key FROM index_twin_pairs ORDER BY ALL"


def crowded_market(seed: int, flats: int = 150) -> list[dict[str, Any]]:
    """Flats packed into a few cells, 40 % of them on both portals with small differences
    (area, price, floor, days) that fall on both sides of every tolerance and bucket border."""
    rng = np.random.default_rng(seed)
    records: list[dict[str, Any]] = []

    def listing(key: str, source: str, attrs: dict[str, Any], price: int, start: int) -> None:
        day = start
        for _ in range(int(rng.integers(1, 10))):
            if rng.random() < 0.15:
                price = int(round(price * float(rng.choice([0.95, 0.97, 1.03])), -3))
            extra = {"price_period": "day"} if rng.random() < 0.03 else {}
            records.append(
                sighting(key, FIRST_DAY + timedelta(day), price, source=source, **attrs, **extra)
            )
            day += int(rng.choice([1, 1, 1, 2, 3, 4, 7, 8, 9]))

    for i in range(flats):
        area = float(rng.choice([40.0, 41.0, 42.0, 43.0])) + float(rng.choice([0.0, 0.5, 0.9]))
        attrs: dict[str, Any] = {
            "rooms": None if rng.random() < 0.03 else int(rng.integers(1, 3)),
            "district": DISTRICTS[int(rng.integers(0, 2))],
            "area_m2": None if rng.random() < 0.03 else area,
            "floor": None if rng.random() < 0.2 else int(rng.integers(1, 4)),
        }
        price = int(round(200_000 * (1 + float(rng.normal(0, 0.08))), -3))
        start = int(rng.integers(0, 60))
        source = "krisha" if rng.random() < 0.6 else "olx"
        listing(f"{source[0]}{i}", source, attrs, price, start)
        if rng.random() < 0.4:
            twin = dict(attrs)
            if twin["area_m2"] is not None:
                shift = float(rng.choice([0.0, 0.0, 0.4, -0.6, 1.0, 1.2]))
                twin["area_m2"] = round(area + shift, 1)
            if rng.random() < 0.2:
                twin["floor"] = None
            other = "olx" if source == "krisha" else "krisha"
            drift = float(rng.choice([1.0, 1.0, 1.02, 0.96, 1.06]))
            listing(f"{other[0]}{i}t", other, twin, int(round(price * drift, -3)),
                    start + int(rng.integers(-5, 6)))  # fmt: skip
    return records


def twin_pairs(db: Path, rules: CountingRules) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """(pairs of the new query, pairs of the reference query) on the warehouse at ``db``."""
    window = Window("almaty")
    with open_reader(db, retry_timeout=1) as conn:
        try:
            prepare_city(conn, window, rules)
            new = set(conn.execute(PAIRS).fetchall())
            conn.execute(CREATE_TWIN_PAIRS)
            conn.execute(
                QUADRATIC_TWIN_PAIRS.format(sightings=window.sightings),
                {
                    **window.params(),
                    "source_a": "krisha",
                    "source_b": "olx",
                    "area_tol": rules.twin_area_m2,
                    "price_tol": rules.twin_price_rel,
                    "days": rules.twin_days,
                },
            )
            old = set(conn.execute(PAIRS).fetchall())
        finally:
            drop_temp_tables(conn)
    return new, old


@pytest.mark.parametrize("seed", range(6))
def test_bucketed_twins_equal_the_reference_on_random_crowded_markets(
    tmp_path: Path, seed: int
) -> None:
    records = crowded_market(seed)
    db = load_market(tmp_path, records)
    rule_sets = [
        CountingRules(),
        CountingRules(twin_days=0, twin_price_rel=0.02),
        CountingRules(twin_days=1, twin_area_m2=0.5),
        CountingRules(twin_days=6, twin_price_rel=0.1, twin_area_m2=0.0),
    ]
    for rules in rule_sets:
        new, old = twin_pairs(db, rules)
        assert new == old, rules
    # Some planted twins are found, others lost to a tolerance or to a look-alike.
    found, _ = twin_pairs(db, CountingRules())
    planted = {r["listing_id"] for r in records if r["listing_id"].endswith("t")}
    assert 0 < len(found) < len(planted)


def test_a_match_across_a_stretch_border_is_found(tmp_path: Path) -> None:
    """Sightings 3 days apart in different stretches and whole-m² buckets still match."""
    stretch = 2 * CountingRules().twin_days + 2
    last_of_stretch = date.fromordinal(
        date(1970, 1, 1).toordinal() + (FIRST_DAY.toordinal() // stretch + 2) * stretch - 1
    )
    records = [
        sighting("k1", last_of_stretch - timedelta(1), 300_000, rooms=2, area_m2=41.9),
        sighting("o1", last_of_stretch + timedelta(2), 310_000, source="olx", rooms=2,
                 area_m2=42.6),
    ]  # fmt: skip
    db = load_market(tmp_path, records)
    new, old = twin_pairs(db, CountingRules())
    assert len(new) == 1 and new == old
