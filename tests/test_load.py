"""Loading spools: one transaction, idempotent by key, nothing lost, nothing doubled."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from tests.factories import ALMATY, record, write_spool
from warehouse import open_writer
from warehouse.errors import RentwatchError
from warehouse.load import load_pending, load_spools
from warehouse.spool import SpoolWriter, pending_spools


@pytest.fixture
def conn(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    with open_writer(tmp_path / "w.duckdb", lock_timeout=5) as c:
        yield c


def counts(conn: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    obs = conn.execute("SELECT count(*) FROM observations").fetchone()
    lst = conn.execute("SELECT count(*) FROM listings").fetchone()
    assert obs and lst
    return obs[0], lst[0]


def test_reloading_the_same_spool_gives_the_same_rows(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    spool = write_spool(tmp_path / "spool", [record(i, price=200_000 + i) for i in range(50)])
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(spool.read_bytes())
    first = load_pending(conn, tmp_path / "spool")
    assert first.rows_read == 50 and first.observations_written == 50
    assert counts(conn) == (50, 50)
    assert not spool.exists() and (tmp_path / "spool" / "loaded" / spool.name).exists()
    # The same records again, under another file name: keys make it a no-op.
    again = load_spools(conn, [copy], explicit=True)
    assert again.rows_read == 50 and again.observations_written == 0
    assert counts(conn) == (50, 50)


def test_a_loaded_spool_is_skipped_by_name(conn: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    spool = write_spool(tmp_path / "spool", [record(1)])
    kept = spool.read_bytes()
    load_pending(conn, tmp_path / "spool")
    spool.write_bytes(kept)  # as if the move after COMMIT had not happened
    report = load_pending(conn, tmp_path / "spool")
    assert report.already_loaded == (spool.name,) and report.rows_read == 0
    assert counts(conn) == (1, 1)


def test_same_day_repeat_replaces_only_when_later(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    noon = record(7, price=300_000).get("observed_at")
    load_spools(conn, [write_spool(tmp_path / "a", [record(7, price=300_000)])])
    later = write_spool(
        tmp_path / "b", [record(7, price=320_000, observed_at=noon + timedelta(hours=3))]
    )
    load_spools(conn, [later])
    earlier = write_spool(
        tmp_path / "c", [record(7, price=280_000, observed_at=noon - timedelta(hours=3))]
    )
    load_spools(conn, [earlier])
    rows = conn.execute("SELECT price FROM observations").fetchall()
    assert rows == [(320_000,)]
    next_day = write_spool(
        tmp_path / "d", [record(7, price=330_000, observed_at=noon + timedelta(days=1))]
    )
    load_spools(conn, [next_day])
    assert conn.execute("SELECT price FROM observations ORDER BY observed_on").fetchall() == [
        (320_000,),
        (330_000,),
    ]


def test_observation_day_is_local_almaty_time(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # 23:30 UTC on 12 Oct is 05:30 on 13 Oct in Almaty (UTC+6 in 2022).
    late = record(1, observed_at=record()["observed_at"].replace(hour=5, minute=30))
    load_spools(conn, [write_spool(tmp_path / "s", [late])])
    assert str(conn.execute("SELECT observed_on FROM observations").fetchone()[0]) == "2022-10-13"


def test_duplicates_inside_one_batch_are_folded(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    t = record()["observed_at"]
    rows = [
        record(1, price=1_000, observed_at=t),
        record(1, price=2_000, observed_at=t + timedelta(minutes=5)),
    ]
    report = load_spools(conn, [write_spool(tmp_path / "s", rows)])
    assert report.batch_duplicates == 1
    assert conn.execute("SELECT price FROM observations").fetchall() == [(2_000,)]


def test_origins_are_kept_apart(conn: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    load_spools(
        conn, [write_spool(tmp_path / "s", [record(1, origin="live"), record(1, origin="archive")])]
    )
    assert counts(conn) == (2, 1)


def test_listing_dimension_widens_dates_and_keeps_latest_attributes(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    t = record()["observed_at"]
    load_spools(conn, [write_spool(tmp_path / "a", [record(5, rooms=2, observed_at=t)])])
    load_spools(
        conn,
        [
            write_spool(
                tmp_path / "b", [record(5, rooms=3, floor=None, observed_at=t + timedelta(days=2))]
            )
        ],
    )
    load_spools(
        conn, [write_spool(tmp_path / "c", [record(5, rooms=1, observed_at=t - timedelta(days=2))])]
    )
    row = conn.execute("SELECT rooms, floor, first_seen, last_seen FROM listings").fetchone()
    assert row is not None
    rooms, floor, first, last = row
    assert rooms == 3  # the latest sighting wins, an older one does not overwrite it
    assert floor == 5  # a missing value does not erase a known one
    assert first == t - timedelta(days=2) and last == t + timedelta(days=2)


def test_run_metadata_becomes_a_crawl_run(conn: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    with SpoolWriter(
        tmp_path / "s", spider="krisha", origin="live", source="krisha", cities=["almaty", "astana"]
    ) as spool:
        spool.write(record(1))
        spool.finish("failed", reason="coverage of area 40% < 95%", stats={"item_scraped_count": 1})
    load_pending(conn, tmp_path / "s")
    row = conn.execute(
        "SELECT spider, status, reason, items, cities, stats FROM crawl_runs"
    ).fetchone()
    assert row is not None
    assert row[:5] == ("krisha", "failed", "coverage of area 40% < 95%", 1, "almaty,astana")
    assert json.loads(row[5]) == {"item_scraped_count": 1}


def test_a_crashed_run_is_picked_up_and_marked(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    spool = SpoolWriter(tmp_path / "s", spider="krisha", origin="live")
    for i in range(3):
        spool.write(record(i))
    spool.flush()
    # The process "dies": its lock goes away without finish() (simulated by closing the file).
    assert pending_spools(tmp_path / "s") == []
    assert spool._file is not None
    spool._file.close()
    # A line cut short by the crash.
    with open(spool.path, "a", encoding="utf-8") as f:
        f.write('{"source": "krisha", "listing_id": "9", "ci')
    report = load_pending(conn, tmp_path / "s")
    assert report.rows_read == 3 and report.partial_lines == 1
    assert conn.execute("SELECT status FROM crawl_runs").fetchone() == ("crashed",)
    assert (
        (tmp_path / "s" / "loaded" / (spool.path.name + ".tail"))
        .read_text()
        .startswith('{"source"')
    )


def test_a_spool_still_being_written_is_left_alone(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    spool = SpoolWriter(tmp_path / "s", spider="krisha", origin="live")
    spool.write(record(1))
    spool.flush()
    assert load_pending(conn, tmp_path / "s").rows_read == 0
    with pytest.raises(RentwatchError, match="still being written"):
        load_spools(conn, [spool.path], explicit=True)
    spool.finish("finished")
    assert load_pending(conn, tmp_path / "s").rows_read == 1


def test_a_bad_spool_is_set_aside_whole_and_the_rest_loads(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    good = write_spool(tmp_path / "s", [record(1), record(2)])
    bad = tmp_path / "s" / "handmade.jsonl"
    lines = [
        dict(record(3), run_id="x", observed_at="2022-10-13T10:00:00+06:00"),
        dict(record(4), run_id="x", observed_at="2022-10-13T10:00:00+06:00", currency="XYZ"),
    ]
    bad.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    report = load_pending(conn, tmp_path / "s")
    assert report.spools == (good.name,)
    assert [r.spool for r in report.rejected] == ["handmade.jsonl"]
    assert "unknown currency XYZ" in report.rejected[0].reason
    assert counts(conn) == (2, 2)  # nothing from the bad spool, not even its good line
    assert (tmp_path / "s" / "rejected" / "handmade.jsonl").exists()
    assert "XYZ" in (tmp_path / "s" / "rejected" / "handmade.jsonl.reason").read_text()


def test_unreadable_spool_is_rejected_with_reason(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    (tmp_path / "s").mkdir()
    junk = tmp_path / "s" / "junk.jsonl"
    junk.write_text("this is not json\n")
    report = load_pending(conn, tmp_path / "s")
    assert report.rejected and report.rejected[0].reason.startswith("unreadable")
    assert counts(conn) == (0, 0)


def test_timestamps_round_trip_in_utc(conn: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    load_spools(conn, [write_spool(tmp_path / "s", [record(1)])])
    (observed,) = conn.execute("SELECT observed_at FROM observations").fetchone() or (None,)
    assert observed == record()["observed_at"].astimezone(ALMATY)


@pytest.mark.parametrize("seed", range(5))
def test_the_key_holds_whatever_the_order_and_grouping_of_loads(tmp_path: Path, seed: int) -> None:
    """One row per (source, listing_id, observed_on, origin), the latest sighting's, always."""
    import random

    rng = random.Random(seed)
    t0 = record()["observed_at"]
    batches = []
    expected: dict[tuple[str, str, str], tuple[object, int]] = {}
    # Distinct instants: at an exact tie the first-loaded sighting stays, by the rule.
    seconds = iter(rng.sample(range(3 * 86_400), 240))
    for b in range(6):
        rows = []
        for _ in range(40):
            lid, origin = str(rng.randrange(8)), rng.choice(["live", "archive"])
            at = t0 + timedelta(seconds=next(seconds))
            price = rng.randrange(100_000, 900_000)
            rows.append(record(lid, observed_at=at, price=price, origin=origin))
            key = (lid, str((at.astimezone(ALMATY)).date()), origin)
            if key not in expected or at > expected[key][0]:
                expected[key] = (at, price)
        batches.append(write_spool(tmp_path / f"s{b}", rows))
    rng.shuffle(batches)
    with open_writer(tmp_path / "w.duckdb", lock_timeout=5) as conn:
        while batches:
            take = rng.randrange(1, len(batches) + 1)
            load_spools(conn, batches[:take])
            batches = batches[take:]
        rows = conn.execute(
            "SELECT listing_id, observed_on::VARCHAR, origin, observed_at, price FROM observations"
        ).fetchall()
    got = {(lid, day, origin): (at, price) for lid, day, origin, at, price in rows}
    assert len(got) == len(rows)  # no key twice
    assert {k: v[1] for k, v in got.items()} == {k: v[1] for k, v in expected.items()}


@pytest.mark.parametrize("seed", range(2))
def test_chunked_loading_equals_unchunked(tmp_path: Path, seed: int) -> None:
    """Merging a batch in chunks of a few rows gives exactly the one-chunk warehouse, ties,
    repeats inside the batch and superseded stored rows included."""
    import random

    rng = random.Random(seed)
    t0 = record()["observed_at"]

    def spools(where: Path) -> list[list[Path]]:
        local = random.Random(seed)
        loads = []
        for b in range(3):
            rows = []
            for _ in range(60):
                lid = str(local.randrange(25))
                at = t0 + timedelta(seconds=local.randrange(0, 3 * 86_400, 600))
                price = local.randrange(100, 900) * 1000
                origin = local.choice(["live", "archive"])
                rows.append(record(lid, observed_at=at, price=price, origin=origin,
                                   rooms=local.choice([1, 2, 3])))  # fmt: skip
            loads.append([write_spool(where / f"s{b}", rows)])
        return loads

    tables = []
    for chunk_rows in (10**9, rng.randrange(3, 12)):
        where = tmp_path / str(chunk_rows)
        with open_writer(where / "w.duckdb", lock_timeout=5) as conn:
            for load in spools(where):
                load_spools(conn, load, chunk_rows=chunk_rows)
            tables.append([
                conn.execute(f"SELECT * {t} ORDER BY ALL").fetchall()
                for t in ("EXCLUDE (run_id) FROM observations", "FROM listings")
            ])  # fmt: skip
    assert tables[0] == tables[1]
    assert len(tables[0][0]) > 25  # several days and origins per listing


@pytest.mark.parametrize("stored_hour, later_hour", [(0, 23), (23, 0)])
def test_a_repeat_at_the_other_end_of_the_local_day_still_meets_its_key(
    conn: duckdb.DuckDBPyConnection, tmp_path: Path, stored_hour: int, later_hour: int
) -> None:
    """The merge joins the fact table only with rows inside their listing's window of stored
    days; local midnight is 18:00 UTC, so a window of UTC days without margin would miss
    these and store the key twice."""
    day = record()["observed_at"].replace(hour=0, minute=5)  # 13 Oct 00:05 local
    stored = day.replace(hour=stored_hour, minute=5 if stored_hour == 0 else 55)
    other = day.replace(hour=later_hour, minute=5 if later_hour == 0 else 55)
    load_spools(conn, [write_spool(tmp_path / "a", [record(3, price=100_000, observed_at=stored)])])
    load_spools(conn, [write_spool(tmp_path / "b", [record(3, price=200_000, observed_at=other)])])
    rows = conn.execute("SELECT observed_on::VARCHAR, price FROM observations").fetchall()
    winner = 200_000 if other > stored else 100_000
    assert rows == [("2022-10-13", winner)]


@pytest.mark.parametrize("known_first", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_listing_attributes_follow_the_rule_load_by_load(
    tmp_path: Path, seed: int, known_first: bool
) -> None:
    """Attributes changing, going missing and coming back, in batches of several sightings
    loaded in any order: each load's latest sighting wins attribute by attribute (a missing
    one keeps the known value), an earlier one only fills what is missing. The plan decides
    by a hash of the attributes which listings may change, whether it plans every listing of
    the batch or only those already stored; this checks it against the rule."""
    import random

    rng = random.Random(seed)
    t0 = record()["observed_at"]
    names = ("rooms", "floor", "district", "title")
    values = {"rooms": [1, 2, None], "floor": [3, 7, None], "district": ["Медеуский", None],
              "title": ["a", "b", None]}  # fmt: skip
    days = iter(rng.sample(range(90), 90))  # one sighting a day: no same-day fold
    loads = []
    for _ in range(6):
        rows = []
        for _ in range(rng.randrange(1, 9)):
            attrs = {n: rng.choice(values[n]) for n in names}
            at = t0 + timedelta(days=next(days), minutes=rng.randrange(600))
            rows.append(record(rng.randrange(5), observed_at=at, **attrs))
        loads.append(rows)
    expected: dict[str, dict[str, object]] = {}
    with open_writer(tmp_path / "w.duckdb", lock_timeout=5) as conn:
        for b, rows in enumerate(loads):
            load_spools(conn, [write_spool(tmp_path / f"s{b}", rows)], known_first=known_first)
            for lid in {r["listing_id"] for r in rows}:
                mine = sorted((r for r in rows if r["listing_id"] == lid),
                              key=lambda r: r["observed_at"])  # fmt: skip
                latest = {n: next((r[n] for r in reversed(mine) if r[n] is not None), None)
                          for n in names}  # fmt: skip
                first, last = mine[0]["observed_at"], mine[-1]["observed_at"]
                stored = expected.get(lid)
                if stored is None:
                    expected[lid] = {**latest, "first": first, "last": last}
                    continue
                later = last >= stored["last"]
                for n in names:
                    new, old = latest[n], stored[n]
                    stored[n] = (new if new is not None else old) if later else (
                        old if old is not None else new)  # fmt: skip
                stored["first"] = min(first, stored["first"])
                stored["last"] = max(last, stored["last"])
        got = conn.execute(
            f"SELECT listing_id, {', '.join(names)}, first_seen, last_seen FROM listings"
        ).fetchall()
    assert len(got) == len(expected)  # one row per listing: the loader keeps the key
    assert {g[0]: list(g[1:]) for g in got} == {
        lid: [s[n] for n in names] + [s["first"], s["last"]] for lid, s in expected.items()
    }
