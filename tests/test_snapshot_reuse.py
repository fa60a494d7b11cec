"""Snapshots: an unchanged warehouse is not copied again; `db snapshot --keep N` prunes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rentwatch.cli import main
from rentwatch.commands.common import report_snapshot
from rentwatch.settings import load_settings
from tests.factories import record, write_spool
from warehouse import open_writer
from warehouse.errors import RentwatchError
from warehouse.load import load_pending
from warehouse.snapshot import (
    checkpoint_iteration,
    list_snapshots,
    prune_snapshots,
    take_snapshot,
    warehouse_marker,
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    write_spool(tmp_path / "spool", [record(i) for i in range(5)])
    with open_writer(path, lock_timeout=5) as conn:
        load_pending(conn, tmp_path / "spool")
    return path


def snap(db: Path, **kw: object) -> tuple[Path, bool]:
    s = take_snapshot(db, db.parent / "snaps", lock_timeout=5, reuse=True, **kw)  # type: ignore[arg-type]
    return s.path, s.reused


def test_an_unchanged_warehouse_is_not_copied_again(db: Path) -> None:
    first, reused = snap(db)
    assert not reused
    # Opening the writer (migrations, nothing to do) and reading change nothing.
    with open_writer(db, lock_timeout=5) as conn:
        conn.execute("SELECT count(*) FROM observations").fetchall()
    again, reused = snap(db)
    assert (again, reused) == (first, True)
    assert len(list_snapshots(db.parent / "snaps")) == 1


def test_any_write_makes_a_new_snapshot(db: Path, tmp_path: Path) -> None:
    first, _ = snap(db)
    write_spool(tmp_path / "spool", [record(99)])
    with open_writer(db, lock_timeout=5) as conn:
        load_pending(conn, tmp_path / "spool")
    second, reused = snap(db)
    assert not reused and second != first
    assert snap(db) == (second, True)


def test_a_write_that_keeps_size_and_mtime_is_still_seen(db: Path) -> None:
    """The file clock ticks in milliseconds, and a rewrite in place keeps the size: DuckDB's
    checkpoint counter still tells the two states apart."""

    def bump() -> None:
        with open_writer(db, lock_timeout=5) as conn:
            conn.execute("UPDATE observations SET price = price + 1 WHERE listing_id = '1'")
            conn.execute("CHECKPOINT")

    # DuckDB's file alternates between a few sizes as a table is rewritten: after some
    # rewrites, one lands on the size the snapshot saw.
    for _ in range(3):
        bump()
    first, _ = snap(db)
    before = os.stat(db)
    for _ in range(4):
        bump()
        if os.stat(db).st_size == before.st_size:
            break
    os.utime(db, ns=(before.st_atime_ns, before.st_mtime_ns))
    marker = warehouse_marker(db)
    assert marker is not None and marker["mtime_ns"] == before.st_mtime_ns
    assert marker["size"] == before.st_size and marker["inode"] == before.st_ino
    assert checkpoint_iteration(db) is not None
    second, reused = snap(db)
    assert not reused and second != first


def test_a_touched_snapshot_is_not_reused(db: Path) -> None:
    first, _ = snap(db)
    with first.open("r+b") as handle:  # someone opened the copy read-write
        handle.seek(0, os.SEEK_END)
        handle.write(b"\0")
    second, reused = snap(db)
    assert not reused and second != first


def test_named_and_fresh_snapshots_always_copy(db: Path) -> None:
    first, _ = snap(db)
    named = take_snapshot(db, db.parent / "snaps", lock_timeout=5, name="n.duckdb", reuse=True)
    assert not named.reused and named.path.name == "n.duckdb"
    fresh = take_snapshot(db, db.parent / "snaps", lock_timeout=5)
    assert not fresh.reused and fresh.path not in (first, named.path)


def test_prune_keeps_the_newest(db: Path, tmp_path: Path) -> None:
    out = db.parent / "snaps"
    made = [take_snapshot(db, out, lock_timeout=5).path for _ in range(4)]
    (out / "not-a-snapshot.duckdb").write_text("x")
    deleted = prune_snapshots(out, 2)
    assert deleted == made[:2]
    assert [s.path for s in list_snapshots(out)] == made[2:]
    assert not made[0].with_name(made[0].name + ".json").exists()
    assert (out / "not-a-snapshot.duckdb").exists()
    with pytest.raises(RentwatchError, match="at least 1"):
        prune_snapshots(out, 0)


def test_db_snapshot_command_reuses_and_prunes(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RENTWATCH_DB", str(db))

    def run(*args: str) -> str:
        with pytest.raises(SystemExit) as done:
            main(["db", "snapshot", *args])
        assert done.value.code in (0, None)
        return capsys.readouterr().out

    first = run()
    assert "reused" not in first
    assert "(warehouse unchanged since: reused)" in run()
    assert "reused" not in run("--fresh")
    out = run("--fresh", "--keep", "1")
    assert out.count("deleted ") == 2
    assert len(list_snapshots(tmp_path / "snapshots")) == 1


def test_reports_read_the_reused_snapshot(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(db=db)
    first = report_snapshot(settings)
    second = report_snapshot(settings)
    assert first == second
    err = capsys.readouterr().err
    assert err.count("snapshot ") == 2 and "reused" in err.splitlines()[1]
