"""A batch staged on disk in chunks loads exactly as the same batch read into memory.

A batch larger than a chunk is parsed into Parquet files partitioned by listing and merged
chunk by chunk through views (``warehouse.load._stage_batch``). Each scenario below is loaded
in several ways from identical copies of the same spools: into memory in one chunk (the
reference), into memory in chunks of a few rows, planned whole or for the known listings
only (``known_first``), and staged in chunks of a few rows or in one. The warehouses, the
load reports and what is left in the spool folder must be the same, and a load leaves no
staged file and no temporary table behind, also when it fails.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.factories import record, write_spool
from warehouse import load as loader
from warehouse import open_writer
from warehouse.load import LoadReport, load_spools

T0 = record()["observed_at"]


def at(minutes: int) -> Any:
    return T0 + timedelta(minutes=minutes)


def handmade(folder: Path, name: str, lines: list[str]) -> Path:
    """A spool written by hand (no sidecar), one line each."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def line(listing: int, **fields: Any) -> str:
    r = dict(record(listing, run_id="hand", **fields))
    r["observed_at"] = r["observed_at"].isoformat()
    return json.dumps(r, ensure_ascii=False)


# Each scenario writes its spools under a folder and returns them as loads, in order.
Scenario = Callable[[Path], list[list[Path]]]


def repeats_across_spools(d: Path) -> list[list[Path]]:
    """One key in three spools of one load and in the warehouse: the latest sighting wins,
    wherever it is; its attributes become the listing's."""
    stored = write_spool(
        d / "a", [record(i, price=100_000 + i, observed_at=at(0)) for i in range(12)]
    )
    spools = [
        write_spool(d / "b", [record(i, price=200_000 + i, rooms=2, observed_at=at(30 + i))
                              for i in range(0, 12, 2)]),
        write_spool(d / "b", [record(i, price=300_000 + i, rooms=3, observed_at=at(60 - i))
                              for i in range(0, 12, 3)]),
        write_spool(d / "b", [record(i, price=400_000 + i, rooms=4, observed_at=at(45))
                              for i in range(0, 12, 4)] + [record(40 + i) for i in range(6)]),
    ]  # fmt: skip
    return [[stored], spools]


def repeats_inside_one_spool(d: Path) -> list[list[Path]]:
    """A backfill's shape: listings seen on several days, some twice on one day."""
    rows = []
    for i in range(15):
        for day in range(i % 4):
            rows.append(record(i, price=150_000 + 1_000 * day, observed_at=at(1440 * day + i)))
        if i % 3 == 0:
            rows.append(record(i, price=999_000, observed_at=at(200 + i), floor=None))
    return [[write_spool(d / "s", rows)]]


def one_row_per_listing(d: Path) -> list[list[Path]]:
    """A night's shape: every listing once, most of them stored the night before."""
    first = write_spool(d / "a", [record(i, observed_at=at(0)) for i in range(20)])
    night = write_spool(d / "b", [record(i, price=310_000, observed_at=at(1440 + i))
                                  for i in range(3, 26)])  # fmt: skip
    return [[first], [night]]


def a_spool_breaks_the_rules(d: Path) -> list[list[Path]]:
    good = write_spool(d / "s", [record(i) for i in range(8)])
    bad = handmade(d / "s", "handmade.jsonl", [line(3), line(4, currency="XYZ"), line(5)])
    also_bad = handmade(d / "s", "hand2.jsonl", [line(6, price=-1)])
    return [[good, bad, also_bad]]


def a_spool_cannot_be_read(d: Path) -> list[list[Path]]:
    """The unreadable spool fails after thousands of good rows: a COPY that failed that late
    has already begun files (with STAGE_FLUSH_ROWS = 1 below), which must not be read."""
    good = write_spool(d / "s", [record(i) for i in range(6)])
    late = handmade(d / "s", "late.jsonl", [line(i) for i in range(3_000)] + [line(7, rooms="x")])
    junk = handmade(d / "s", "junk.jsonl", ["this is not json"])
    empty = handmade(d / "s", "empty.jsonl", [])
    return [[good, late, junk, empty]]


def a_crash_left_a_partial_tail(d: Path) -> list[list[Path]]:
    spool = write_spool(d / "s", [record(i) for i in range(9)])
    with open(spool, "a", encoding="utf-8") as f:
        f.write('{"source": "krisha", "listing_id": "99", "ci')
    return [[spool]]


def a_spool_loaded_already(d: Path) -> list[list[Path]]:
    spool = write_spool(d / "s", [record(i) for i in range(7)])
    again = d / "t" / spool.name
    again.parent.mkdir()
    shutil.copyfile(spool, again)
    return [[spool], [again, write_spool(d / "t", [record(i) for i in range(5, 12)])]]


SCENARIOS: list[Scenario] = [
    repeats_across_spools,
    repeats_inside_one_spool,
    one_row_per_listing,
    a_spool_breaks_the_rules,
    a_spool_cannot_be_read,
    a_crash_left_a_partial_tail,
    a_spool_loaded_already,
]

# (how, load_spools keywords): the reference first.
MODES: list[tuple[str, dict[str, Any]]] = [
    ("in memory, one chunk", {"stage": False, "chunk_rows": 10**9}),
    ("in memory, chunks of 4", {"stage": False, "chunk_rows": 4}),
    ("in memory, planned whole", {"stage": False, "chunk_rows": 10**9, "known_first": False}),
    ("in memory, known first", {"stage": False, "chunk_rows": 10**9, "known_first": True}),
    ("in memory, chunks of 4, known first", {"stage": False, "chunk_rows": 4, "known_first": True}),
    ("staged, chunks of 4", {"stage": True, "chunk_rows": 4}),
    ("staged, one chunk", {"stage": True, "chunk_rows": 10**9}),
]


@dataclass
class Outcome:
    tables: dict[str, list[tuple[Any, ...]]]
    reports: list[LoadReport]
    files: dict[str, str]  # what is left in the spool folders, by relative path


WAREHOUSE_TABLES = {
    "observations": "SELECT * FROM observations ORDER BY ALL",
    "listings": "SELECT * FROM listings ORDER BY ALL",
    "crawl_runs": "SELECT * EXCLUDE (loaded_at) FROM crawl_runs ORDER BY ALL",
    "spool_loads": "SELECT * EXCLUDE (loaded_at) FROM spool_loads ORDER BY ALL",
}


def leftovers(conn: duckdb.DuckDBPyConnection, db: Path) -> list[str]:
    """Staged folders and temporary objects a load left behind."""
    folders = [p.name for p in db.parent.iterdir() if ".load-" in p.name]
    found = conn.execute(loader.FIND_TEMPORARIES, {"names": list(loader.TEMPORARIES)}).fetchall()
    return folders + [name for _, name in found]


def load_all(source: Path, where: Path, loads: list[list[Path]], **how: Any) -> Outcome:
    """Load copies of ``loads`` (spools under ``source``) into a new warehouse in ``where``."""
    shutil.copytree(source, where / "spools")
    moved = [[where / "spools" / s.relative_to(source) for s in load] for load in loads]
    db = where / "w.duckdb"
    reports = []
    with open_writer(db, lock_timeout=5) as conn:
        for load in moved:
            reports.append(load_spools(conn, load, **how))
            assert leftovers(conn, db) == []
        tables = {name: conn.execute(sql).fetchall() for name, sql in WAREHOUSE_TABLES.items()}
    # A reason names the spool's path: the same but for the folder of this way of loading.
    here = str(where / "spools")
    reports = [
        replace(
            r, rejected=tuple(replace(j, reason=j.reason.replace(here, "…")) for j in r.rejected)
        )
        for r in reports
    ]
    files = {
        str(p.relative_to(here)): p.read_text(encoding="utf-8", errors="replace").replace(here, "…")
        for p in sorted((where / "spools").rglob("*"))
        if p.is_file()
    }
    return Outcome(tables, reports, files)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_every_way_of_loading_gives_the_same_warehouse_and_report(
    tmp_path: Path, scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "STAGE_FLUSH_ROWS", 1)  # staged files begun row by row
    source = tmp_path / "source"
    loads = scenario(source)
    outcomes = {
        how: load_all(source, tmp_path / str(i), loads, **kwargs)
        for i, (how, kwargs) in enumerate(MODES)
    }
    reference = outcomes[MODES[0][0]]
    assert reference.tables["observations"], "the scenario loads something"
    for how, outcome in outcomes.items():
        assert outcome.reports == reference.reports, how
        assert outcome.tables == reference.tables, how
        assert outcome.files == reference.files, how


def test_the_staged_load_keeps_the_latest_sighting_of_a_key(tmp_path: Path) -> None:
    """The comparison above is only as good as its reference: the rule, checked directly."""
    source = tmp_path / "source"
    outcome = load_all(source, tmp_path / "x", repeats_across_spools(source), stage=True,
                       chunk_rows=4)  # fmt: skip
    with open_writer(tmp_path / "x" / "w.duckdb", lock_timeout=5) as conn:
        prices = dict(conn.execute("SELECT listing_id, price FROM observations").fetchall())
        rooms = dict(conn.execute("SELECT listing_id, rooms FROM listings").fetchall())
    # Listing 0: stored at 0 minutes, then seen at 30, 60 and 45: the 60-minute sighting.
    assert (prices["0"], rooms["0"]) == (300_000, 3)
    assert (prices["4"], rooms["4"]) == (400_004, 4)  # at 34 and 45
    assert (prices["6"], rooms["6"]) == (300_006, 3)  # at 36 and 54
    assert (prices["2"], prices["1"]) == (200_002, 100_001)
    assert outcome.reports[1].batch_duplicates == 5  # listing 0 twice, 4, 6 and 8 once


def test_a_failed_staged_load_changes_nothing_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "w.duckdb"
    spools = [write_spool(tmp_path / "s", [record(i, observed_at=at(i)) for i in range(30)])]

    def fail(*_: Any) -> str:
        raise OSError("disk gone")

    with open_writer(db, lock_timeout=5) as conn:
        load_spools(conn, [write_spool(tmp_path / "a", [record(1)])], stage=False)
        before = conn.execute("SELECT count(*) FROM observations").fetchone()
        with monkeypatch.context() as m:
            m.setattr(loader, "_record_run", fail)
            with pytest.raises(OSError, match="disk gone"):
                load_spools(conn, spools, stage=True, chunk_rows=4)
        assert leftovers(conn, db) == []
        assert conn.execute("SELECT count(*) FROM observations").fetchone() == before
        assert spools[0].exists()  # not moved: the next load merges it again
        # The same connection loads it next, staged or not.
        report = load_spools(conn, spools, stage=True, chunk_rows=4)
        assert report.observations_written == 30 and leftovers(conn, db) == []


def test_a_staged_folder_a_killed_load_left_is_removed_by_the_next(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    stale = tmp_path / ".w.duckdb.load-killed"
    (stale / "all" / "chunk=0").mkdir(parents=True)
    (stale / "all" / "chunk=0" / "x.parquet").write_bytes(b"no footer")
    other = tmp_path / ".other.duckdb.load-x"  # another warehouse's: not ours to remove
    other.mkdir()
    with open_writer(db, lock_timeout=5) as conn:
        load_spools(conn, [write_spool(tmp_path / "s", [record(1), record(2)])], stage=True)
    assert not stale.exists() and other.exists()
