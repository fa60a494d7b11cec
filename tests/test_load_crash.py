"""Crash safety and concurrency of loads, with real processes (no mocks, no sleeps).

A load is paused inside its open transaction with ``RENTWATCH_PAUSE_AT=before-commit``
(warehouse/faults.py) and then killed or released by the test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import record, write_spool
from warehouse import open_reader

pytestmark = pytest.mark.e2e


def rentwatch(db: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "rentwatch.cli", "--db", str(db), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )


def wait_for(proc: subprocess.Popen[str], needle: str) -> str:
    """Read the process's stderr until a line contains ``needle``."""
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if needle in line:
            return line
    raise AssertionError(f"process ended without printing {needle!r}: {''.join(seen)}")


def state(db: Path) -> tuple[int, int, int, int]:
    with open_reader(db, retry_timeout=5) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM observations), (SELECT count(*) FROM listings), "
            "(SELECT count(*) FROM spool_loads), (SELECT coalesce(sum(price), 0) FROM observations)"
        ).fetchone()
    assert row is not None
    return row


@pytest.fixture
def warehouse_with_data(tmp_path: Path) -> Iterator[Path]:
    db = tmp_path / "w.duckdb"
    write_spool(tmp_path / "spool", [record(i, price=100_000 + i) for i in range(100)])
    first = rentwatch(db, "db", "load")
    assert first.wait() == 0
    yield db


def test_a_load_killed_inside_its_transaction_changes_nothing(
    warehouse_with_data: Path, tmp_path: Path
) -> None:
    db = warehouse_with_data
    before = state(db)
    spool = write_spool(
        tmp_path / "spool", [record(f"n{i}", price=200_000 + i) for i in range(5000)]
    )
    load = rentwatch(db, "db", "load", RENTWATCH_PAUSE_AT="before-commit")
    wait_for(load, "paused at before-commit")
    load.send_signal(signal.SIGKILL)
    assert load.wait() == -signal.SIGKILL
    assert state(db) == before
    assert spool.exists()  # not marked loaded: the next load takes it

    rerun = rentwatch(db, "db", "load")
    _, err = rerun.communicate()
    assert rerun.returncode == 0, err
    after = state(db)
    assert after[0] == before[0] + 5000 and after[2] == before[2] + 1
    assert not spool.exists()


def test_two_loads_at_once_one_fails_with_the_holder_then_succeeds(
    warehouse_with_data: Path, tmp_path: Path
) -> None:
    db = warehouse_with_data
    write_spool(tmp_path / "spool", [record(f"a{i}") for i in range(50)])
    first = rentwatch(db, "db", "load", RENTWATCH_PAUSE_AT="before-commit")
    wait_for(first, "paused at before-commit")

    second = rentwatch(db, "db", "load", RENTWATCH_LOCK_TIMEOUT="0.2")
    _, err = second.communicate()
    assert second.returncode == 1
    assert "the warehouse writer lock (" in err
    assert f"is held by pid {first.pid}" in err
    assert "db load" in err

    reader = rentwatch(db, "db", "status", RENTWATCH_READ_RETRY_TIMEOUT="0.2")
    _, err = reader.communicate()
    assert reader.returncode == 1 and "held by another process" in err

    assert first.stdin is not None
    first.stdin.write("\n")
    first.stdin.flush()
    assert first.wait() == 0
    again = rentwatch(db, "db", "load")
    assert again.wait() == 0
    assert state(db)[0] == 150  # nothing doubled


def test_a_second_load_waits_for_the_first(warehouse_with_data: Path, tmp_path: Path) -> None:
    db = warehouse_with_data
    write_spool(tmp_path / "spool", [record(f"a{i}") for i in range(50)])
    first = rentwatch(db, "db", "load", RENTWATCH_PAUSE_AT="before-commit")
    wait_for(first, "paused at before-commit")
    second = rentwatch(db, "db", "load", RENTWATCH_LOCK_TIMEOUT="60")
    wait_for(second, f"waiting up to 60s for the warehouse writer lock held by pid {first.pid}")
    write_spool(tmp_path / "spool", [record(f"b{i}") for i in range(30)])  # arrives meanwhile
    assert first.stdin is not None
    first.stdin.write("\n")
    first.stdin.flush()
    assert first.wait() == 0
    assert second.wait() == 0
    assert state(db)[0] == 100 + 50 + 30
