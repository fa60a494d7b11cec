"""The warehouse says what is wrong with itself: corruption as corruption, a full disk as a
full disk, with nothing partial left behind (real processes; ENOSPC from a small tmpfs when
this machine lets us mount one, else from the ``RENTWATCH_FAIL_AT`` fault point)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import record, write_spool
from warehouse.connection import connect
from warehouse.errors import WarehouseCorrupt
from warehouse.spool import complete_lines

pytestmark = pytest.mark.e2e


def rentwatch(db: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rentwatch.cli", "--db", str(db), *args],
        capture_output=True, text=True, timeout=120, check=False,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("RENTWATCH_")}, **env},
    )  # fmt: skip


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    db = tmp_path / "w.duckdb"
    write_spool(tmp_path / "spool", [record(i, price=100_000 + i) for i in range(5_000)])
    done = rentwatch(db, "db", "load")
    assert done.returncode == 0, done.stderr
    return db


def corrupt_blocks(db: Path) -> None:
    """Scribble over every data block after the file's headers (as a bad disk would)."""
    size = db.stat().st_size
    with open(db, "r+b") as handle:
        for offset in range(12_288 + 100, size, 65_536):
            handle.seek(offset)
            handle.write(b"\x13\x37" * 64)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs: writes past it fail with ENOSPC (skipped where mount is not allowed)."""
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
        capture_output=True, check=False,
    )  # fmt: skip
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root?)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_checksum_error_is_corruption_not_a_busy_warehouse(warehouse: Path) -> None:
    """Was: "Corrupt database file … in block" contains "lock": reported as held by another
    process, and waited for."""
    corrupt_blocks(warehouse)
    started = time.monotonic()
    done = rentwatch(warehouse, "db", "status", RENTWATCH_READ_RETRY_TIMEOUT="60")
    assert time.monotonic() - started < 30  # no waiting out a lock nobody holds
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert "is corrupt or truncated" in line
    assert "held by another process" not in line


def test_connect_names_a_damaged_file_at_once(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    db.write_bytes(b"not a database " * 1000)
    with pytest.raises(WarehouseCorrupt, match="corrupt or truncated"):
        connect(db, read_only=True, retry_timeout=60)


def test_a_snapshot_of_a_half_truncated_warehouse_fails_and_writes_nothing(
    warehouse: Path, tmp_path: Path
) -> None:
    """Was: exit 0 and a SHA-256 of a file nothing could read."""
    os.truncate(warehouse, warehouse.stat().st_size // 2)
    out = tmp_path / "snaps"
    done = rentwatch(warehouse, "db", "snapshot", "--out-dir", str(out))
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert "corrupt or truncated" in line or "does not read back" in line
    assert not out.exists() or list(out.iterdir()) == []


def test_a_snapshot_reads_every_table_back(warehouse: Path, tmp_path: Path) -> None:
    done = rentwatch(warehouse, "db", "snapshot", "--out-dir", str(tmp_path / "snaps"))
    assert done.returncode == 0, done.stderr
    [sidecar] = (tmp_path / "snaps").glob("*.json")
    assert '"rows": ' in sidecar.read_text()
    assert not list((tmp_path / "snaps").glob("*.tmp"))


def test_a_snapshot_onto_a_full_disk_is_one_line_and_leaves_no_tmp(
    warehouse: Path, small_disk: Path
) -> None:
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (3 * 1024 * 1024 - warehouse.stat().st_size // 2))
    done = rentwatch(warehouse, "db", "snapshot", "--out-dir", str(small_disk / "snaps"))
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert "disk full" in line and "Traceback" not in done.stderr
    assert list((small_disk / "snaps").iterdir()) == []


def test_a_snapshot_failing_with_enospc_at_the_fault_point_leaves_nothing(
    warehouse: Path, tmp_path: Path
) -> None:
    out = tmp_path / "snaps"
    done = rentwatch(
        warehouse, "db", "snapshot", "--out-dir", str(out), RENTWATCH_FAIL_AT="snapshot-copy"
    )
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("rentwatch: error: snapshot not taken: disk full")
    assert list(out.iterdir()) == []


def test_a_load_onto_a_full_disk_is_one_line_and_commits_nothing(
    small_disk: Path, tmp_path: Path
) -> None:
    db = small_disk / "w.duckdb"
    write_spool(tmp_path / "spool", [record(i) for i in range(100)])
    first = rentwatch(db, "db", "load", RENTWATCH_SPOOL_DIR=str(tmp_path / "spool"))
    assert first.returncode == 0, first.stderr
    write_spool(
        tmp_path / "spool",
        [record(f"n{i}", title="x" * 250 + str(i), url=f"/a/show/n{i}" + "y" * 200)
         for i in range(60_000)],
    )  # fmt: skip
    done = rentwatch(db, "db", "load", RENTWATCH_SPOOL_DIR=str(tmp_path / "spool"))
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert "disk full" in line
    shutil.rmtree(tmp_path / "spool")
    (small_disk / "room").unlink(missing_ok=True)
    conn = connect(db, read_only=True)
    try:
        assert conn.execute("SELECT count(*) FROM observations").fetchone() == (100,)
    finally:
        conn.close()


def test_spooled_rows_are_reported_truthfully_when_the_spool_fails(tmp_path: Path) -> None:
    """Was: "0 items" after spooling 1,720 rows."""
    from loopback import FakeSites, serve

    from scrapers.run import CrawlJob, run_crawls

    env = {"RENTWATCH_FAIL_AT": "spool-write", "RENTWATCH_FAIL_AFTER": "130"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with serve(FakeSites(krisha={"almaty": 400})) as base:
            [result] = run_crawls(
                [CrawlJob("krisha", {"city": "almaty", "origin": "simulated"})],
                spool_dir=tmp_path / "spool",
                settings={
                    "RENTWATCH_KRISHA_BASE_URL": base,
                    "RENTWATCH_DB": str(tmp_path / "none.duckdb"),
                    "DOWNLOAD_DELAY": 0,
                    "AUTOTHROTTLE_ENABLED": False,
                    "LOG_LEVEL": "WARNING",
                },
            )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    rows = complete_lines(result.spool)
    assert rows == 130
    assert result.status == "failed"
    assert result.items == rows
    assert result.reason is not None
    assert result.reason.startswith(f"spool write failed: disk full after {rows} rows")
