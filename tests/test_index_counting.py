"""Counting honestly: once per period, cross-source twins, money rules, outliers."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analysis.index import CountingRules, build_index, period_start
from tests.index_markets import HedonicMarket, load_market, sighting
from warehouse import open_reader

MON = date(2022, 9, 5)  # a Monday
WEEKS = [MON + timedelta(weeks=i) for i in range(4)]


def weekly(db: Path, method: str = "median", **options: Any) -> pd.DataFrame:
    with open_reader(db, retry_timeout=1) as conn:
        return build_index(conn, city="almaty", method=method, freq="W", **options).frame  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("day", "freq", "start"),
    [
        (date(2022, 9, 21), "D", date(2022, 9, 21)),
        (date(2022, 9, 21), "W", date(2022, 9, 19)),  # a Wednesday -> its Monday
        (date(2022, 9, 19), "W", date(2022, 9, 19)),
        (date(2022, 9, 25), "W", date(2022, 9, 19)),  # Sunday closes the ISO week
        (date(2022, 9, 21), "M", date(2022, 9, 1)),
    ],
)
def test_period_start(day: date, freq: str, start: date) -> None:
    assert period_start(day, freq) == start  # type: ignore[arg-type]


def test_a_flat_seen_every_day_counts_once_a_week(tmp_path: Path) -> None:
    days = [MON + timedelta(days=d) for d in range(21)]
    # Re-priced on day 9 (a Wednesday); the card is "raised" (bumped) every day.
    records = [
        sighting(1, day, 300_000 if day < days[9] else 330_000, bumped_on=day) for day in days
    ]
    records.append(sighting(2, WEEKS[1] + timedelta(days=2), 200_000))
    db = load_market(tmp_path, records)
    stock = weekly(db)
    assert list(stock["n"]) == [1, 2, 1]
    # Stock takes a flat's last price in the period.
    assert list(stock["value"]) == [300_000, (330_000 + 200_000) / 2, 330_000]
    flow = weekly(db, flow=True)  # new listings only: re-bumps do not make a flat new
    assert list(flow["period"].dt.date) == WEEKS[:2]
    assert list(flow["n"]) == [1, 1]
    assert list(flow["value"]) == [300_000, 200_000]
    with open_reader(db, retry_timeout=1) as conn:
        daily = build_index(conn, city="almaty", method="median", freq="D").frame
    assert len(daily) == 21 and daily["n"].sum() == 22


def pair(
    area_b: float, price_b: int, days_b: tuple[int, ...] = (0, 2), floor_b: int = 5
) -> list[dict[str, Any]]:
    """The same 2-room flat, maybe: on krisha on days 0 and 2 of a week, on olx on days_b."""
    a = [sighting("k1", WEEKS[0] + timedelta(d), 400_000, rooms=2, area_m2=60.0) for d in (0, 2)]
    b = [
        sighting(
            "o1", WEEKS[0] + timedelta(d), price_b, source="olx", rooms=2, area_m2=area_b,
            floor=floor_b,
        )
        for d in days_b
    ]  # fmt: skip
    return a + b


@pytest.mark.parametrize(
    ("area_b", "price_b", "days_b", "floor_b", "flats"),
    [
        (60.0, 400_000, (0, 2), 5, 1),  # the same card on two portals
        (60.8, 419_000, (5,), 5, 1),  # within 1 m², 5 % and 3 days
        (61.5, 400_000, (0, 2), 5, 2),  # areas 1.5 m² apart
        (60.0, 430_000, (0, 2), 5, 2),  # prices 7.5 % apart
        (60.0, 400_000, (6,), 5, 2),  # seen 4 days apart at best
        (60.0, 400_000, (0, 2), 7, 2),  # different floors
    ],
)
def test_cross_source_twins_count_once_when_the_match_is_confident(
    tmp_path: Path,
    area_b: float,
    price_b: int,
    days_b: tuple[int, ...],
    floor_b: int,
    flats: int,
) -> None:
    db = load_market(tmp_path, pair(area_b, price_b, days_b, floor_b))
    with open_reader(db, retry_timeout=1) as conn:
        series = build_index(conn, city="almaty", method="median", freq="W")
    assert series.frame["n"].sum() == flats
    assert series.exclusions.twins == 2 - flats


def test_an_ambiguous_twin_is_not_merged(tmp_path: Path) -> None:
    records = pair(60.0, 400_000)
    records += [sighting("k2", WEEKS[0], 405_000, rooms=2, area_m2=60.3)]  # a second candidate
    db = load_market(tmp_path, records)
    assert weekly(db)["n"].sum() == 3


def test_monthly_kzt_only_unless_a_rate_table_is_given(tmp_path: Path) -> None:
    records = [
        sighting(1, WEEKS[0], 300_000),
        sighting(2, WEEKS[0], 700, currency="USD"),
        sighting(3, WEEKS[0], 15_000, price_period="day"),
        sighting(4, WEEKS[0], 100, price_period="day", currency="USD"),
    ]
    db = load_market(tmp_path, records)
    with open_reader(db, retry_timeout=1) as conn:
        plain = build_index(conn, city="almaty", method="median", freq="W")
        rated = build_index(
            conn, city="almaty", method="median", freq="W",
            fx_rates=[("USD", date(2022, 1, 1), 400.0), ("USD", date(2022, 9, 1), 460.0)],
        )  # fmt: skip
    assert list(plain.frame["n"]) == [1] and list(plain.frame["value"]) == [300_000]
    assert plain.exclusions.not_monthly == 2 and plain.exclusions.no_fx_rate == 1
    # The rate in force on the day (from 1 Sep: 460) converts 700 USD; daily rents stay out.
    assert list(rated.frame["n"]) == [2]
    assert list(rated.frame["value"]) == [(300_000 + 700 * 460) / 2]
    assert rated.exclusions.not_monthly == 2 and rated.exclusions.no_fx_rate == 0


@pytest.fixture(scope="module")
def market_records() -> list[dict[str, Any]]:
    return HedonicMarket(WEEKS, 200, [(0.3, 0.4, 0.3)] * 4, [0.0, 0.02, 0.05, 0.05]).records


@pytest.mark.parametrize("kind", ["new flat", "typo in one sighting"])
def test_an_outlier_with_an_extra_zero_does_not_move_the_index(
    tmp_path: Path, market_records: list[dict[str, Any]], kind: str
) -> None:
    clean = load_market(tmp_path, market_records, "clean")
    victim = dict(market_records[250])  # a flat of the second week
    if kind == "new flat":
        extra = [{**victim, "listing_id": "typo", "price": victim["price"] * 10}]
    else:  # the flat's next-day sighting, same week, carries the extra zero
        later = victim["observed_at"] + timedelta(days=1)
        extra = [{**victim, "observed_at": later, "price": victim["price"] * 10}]
    dirty = load_market(tmp_path, [*market_records, *extra], "dirty")
    for method in ("hedonic", "median", "mix"):
        want = weekly(clean, method)
        got = weekly(dirty, method)
        assert got["value"].to_numpy() == pytest.approx(want["value"].to_numpy(), rel=1e-12)
        assert list(got["n"]) == list(want["n"])
    with open_reader(dirty, retry_timeout=1) as conn:
        series = build_index(conn, city="almaty", method="hedonic", freq="W")
        kept = build_index(
            conn, city="almaty", method="hedonic", freq="W",
            rules=CountingRules(include_outliers=True),
        )  # fmt: skip
    assert series.exclusions.outliers == 1
    assert series.exclusions.outlier_only == (1 if kind == "new flat" else 0)
    assert kept.exclusions.outliers == 1  # flagged, counted, kept on request
    moved = kept.frame["value"].to_numpy() / series.frame["value"].to_numpy()
    assert abs(moved[1] - 1) > 0.001


def test_copied_asking_prices_are_not_outliers(tmp_path: Path) -> None:
    """A cell where every landlord asks 400,000 has MAD 0: the ln 2 floor keeps neighbours."""
    records = [sighting(i, WEEKS[0], 400_000) for i in range(30)]
    records += [sighting("a", WEEKS[0], 700_000), sighting("b", WEEKS[0], 4_000_000)]
    db = load_market(tmp_path, records)
    with open_reader(db, retry_timeout=1) as conn:
        series = build_index(conn, city="almaty", method="median", freq="W")
    assert list(series.frame["n"]) == [31]
    assert series.exclusions.outliers == 1


def test_district_and_rooms_filters_and_origins_per_point(tmp_path: Path) -> None:
    records = [
        sighting(1, WEEKS[0], 300_000, origin="archive"),
        sighting(2, WEEKS[0], 500_000, rooms=2, origin="live"),
        sighting(3, WEEKS[1], 310_000, district="Медеуский", origin="simulated"),
    ]
    db = load_market(tmp_path, records)
    whole = weekly(db)
    assert list(whole["origins"]) == ["archive,live", "simulated"]
    one_room = weekly(db, rooms=1)
    assert list(one_room["value"]) == [300_000, 310_000]
    medeu = weekly(db, district="Медеуский")
    assert list(medeu["n"]) == [1] and list(medeu["district"]) == ["Медеуский"]
