"""Stored and served: the index tables, read-only snapshots, the command, the reports' table."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analysis.index import (
    IndexSpec,
    SeriesError,
    build_index,
    median_rents_before_after,
    read_index,
    store_index,
    stored_series,
)
from analysis.index.fx import read_fx_rates
from rentwatch.cli import main
from tests.cli import run_cli
from tests.index_markets import HedonicMarket, load_market, sighting
from warehouse import open_reader, open_writer
from warehouse.snapshot import take_snapshot

WEEKS = [date(2022, 9, 5) + timedelta(weeks=i) for i in range(4)]


@pytest.fixture
def warehouse_db(tmp_path: Path) -> Path:
    market = HedonicMarket(WEEKS, 150, [(0.3, 0.4, 0.3)] * 4, [0.0, 0.0, 0.1, 0.1])
    return load_market(tmp_path, market.records)


def test_a_stored_series_reads_back_from_a_read_only_snapshot(
    warehouse_db: Path, tmp_path: Path
) -> None:
    with open_writer(warehouse_db, lock_timeout=5) as conn:
        built = build_index(conn, city="almaty", method="hedonic", freq="W")
        store_index(conn, built)
        store_index(conn, built)  # a rebuild replaces, never doubles
    snap = take_snapshot(warehouse_db, tmp_path / "snaps", lock_timeout=5)
    with open_reader(snap.path, retry_timeout=1) as conn:
        back = read_index(conn, city="almaty", method="hedonic", freq="W")
        listing = stored_series(conn)
        rebuilt = build_index(conn, city="almaty", method="hedonic", freq="W")  # read-only
    pd.testing.assert_frame_equal(back.frame, built.frame, check_dtype=False)
    assert back.exclusions == built.exclusions and back.rules == built.rules
    assert back.base_period == WEEKS[0] and back.simulated
    assert back.coefficients is not None and built.coefficients is not None
    pd.testing.assert_frame_equal(back.coefficients, built.coefficients)
    assert len(listing) == 1 and bool(listing["simulated"].iloc[0])
    assert list(rebuilt.frame["value"]) == pytest.approx(list(built.frame["value"]))


def test_reading_a_series_never_built_is_a_clear_error(warehouse_db: Path) -> None:
    with open_writer(warehouse_db, lock_timeout=5) as conn:
        store_index(conn, build_index(conn, city="almaty", method="median", freq="W"))
        with pytest.raises(SeriesError, match="no stored series almaty 2-room median W"):
            read_index(conn, city="almaty", method="median", freq="W", rooms=2)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run_cli(capsys, *args)
    assert code == 0, err
    return out


def test_the_command_builds_stores_and_writes_csv(
    warehouse_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "h.csv"
    db = ["--db", str(warehouse_db)]
    hedonic = ["--city", "almaty", "--method", "hedonic"]
    printed = run(capsys, *db, "index", *hedonic, "--csv", str(out))
    assert "almaty hedonic W stock: 4 periods" in printed and "SIMULATED" in printed
    points = pd.read_csv(out)
    assert list(points.columns[:3]) == ["city", "district", "rooms"]
    assert len(points) == 4 and points["value"].iloc[0] == 100.0

    # Every city with listings: only almaty has any, so no other city is mentioned.
    printed = run(capsys, *db, "index")
    assert "astana" not in printed
    assert printed.count("stored almaty") == 4

    printed = run(capsys, *db, "index", "--stored", "--city", "almaty", "--method", "mix")
    assert "almaty mix W stock" in printed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--city", "astana"], "no usable listings in the warehouse for astana"),
        (["--city", "paris"], "unknown city 'paris'; known: almaty, astana"),
        (["--method", "mean"], "method 'mean' is not one of"),
        (["--freq", "Q"], "freq 'Q' is not one of"),
        (["--city", "almaty", "--base", "2020-01-01", "--method", "mix"], "base period"),
    ],
)
def test_the_command_reports_bad_input_in_one_line(
    warehouse_db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(warehouse_db.parent)
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", str(warehouse_db), "index", "--no-store", *argv])
    assert exit_info.value.code == 1
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"city": "moscow"}, "city 'moscow'"),
        ({"method": "mean"}, "method 'mean'"),
        ({"freq": "Y"}, "freq 'Y'"),
        ({"rooms": 25}, "rooms 25"),
    ],
)
def test_a_bad_series_key_is_refused(fields: dict[str, Any], problem: str) -> None:
    key: dict[str, Any] = {"city": "almaty", "method": "median", "freq": "W", **fields}
    with pytest.raises(SeriesError, match=problem):
        IndexSpec(**key)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("currency,valid_from\nUSD,2022-01-01\n", "missing column"),
        ("currency,valid_from,kzt_per_unit\nGBP,2022-01-01,550\n", ":2: currency 'GBP'"),
        ("currency,valid_from,kzt_per_unit\nUSD,01.01.2022,460\n", ":2: valid_from"),
        ("currency,valid_from,kzt_per_unit\nUSD,2022-01-01,x\n", ":2: kzt_per_unit must be a"),
        ("currency,valid_from,kzt_per_unit\nUSD,2022-01-01,460\nUSD,2022-02-01,0\n", ":3: kzt"),
    ],
)
def test_a_bad_rate_table_names_its_line(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "fx.csv"
    path.write_text(text)
    with pytest.raises(SeriesError, match=problem):
        read_fx_rates(path)


def test_a_rate_table_reads(tmp_path: Path) -> None:
    path = tmp_path / "fx.csv"
    path.write_text("currency,valid_from,kzt_per_unit\nusd,2022-09-01,460.5\n")
    assert read_fx_rates(path) == [("USD", date(2022, 9, 1), 460.5)]


def test_median_rents_before_and_after_the_event(tmp_path: Path) -> None:
    event = date(2022, 9, 21)
    records = [
        sighting(1, event - timedelta(days=10), 200_000),
        sighting(1, event - timedelta(days=2), 220_000),  # the same flat: counts once, last price
        sighting(2, event - timedelta(days=5), 300_000, rooms=2, area_m2=60.0),
        sighting(3, event, 400_000),  # the event day belongs to "after"
        sighting(4, event + timedelta(days=20), 500_000, origin="live"),
        sighting(5, event - timedelta(days=40), 999_000),  # outside a 30-day window
    ]
    db = load_market(tmp_path, records)
    with open_reader(db, retry_timeout=1) as conn:
        table = median_rents_before_after(conn, city="almaty", event=event, days=30)
    rows = table.set_index("rooms")
    assert rows.loc[1, "before_median"] == 220_000 and rows.loc[1, "n_before"] == 1
    assert rows.loc[1, "after_median"] == 450_000 and rows.loc[1, "n_after"] == 2
    assert rows.loc[1, "change_pct"] == pytest.approx(100 * (450 / 220 - 1))
    assert rows.loc[1, "origins"] == "live,simulated"
    assert rows.loc[2, "n_after"] == 0 and math.isnan(table["after_median"].iloc[1])
    assert rows.loc[3, "n_before"] == 0
    assert rows.loc[1, "before_start"] == event - timedelta(days=30)
    assert rows.loc[1, "after_end"] == event + timedelta(days=29)
