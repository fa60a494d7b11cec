"""`rentwatch nightly` as cron meets it: one line per run, a log file, offline nights, SIGTERM,
overlapping manual loads, rejected commands, and lock messages that name their lock."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from loopback import FakeSites, crawl_env, rentwatch, serve

from tests.factories import record, write_spool

pytestmark = pytest.mark.e2e


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def test_nightly_prints_one_line_per_run_and_logs_to_the_file_it_names(tmp_path: Path) -> None:
    site = FakeSites(krisha={"almaty": 21, "astana": 22}, olx={"alma-ata": 23, "astana": 24})
    with serve(site) as base:
        done = rentwatch(
            "nightly", "--origin", "simulated",
            env=crawl_env(tmp_path, base, min_items=5, log_level="INFO"),
            cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # the Scrapy log went to the file, not to stderr
    runs = [line for line in done.stdout.splitlines() if "items," in line]
    assert len(runs) == 4
    logs = {line.rsplit("(log ", 1)[1].rstrip(")") for line in runs}
    [log] = logs
    assert Path(log).is_file() and "Spider opened" in Path(log).read_text()
    assert Path(log).parent == tmp_path / "logs"


def test_an_offline_nightly_fails_fast_with_the_real_reason(tmp_path: Path) -> None:
    """Was: 8 minutes, nothing on stdout, and "items 0 < 20"."""
    env = crawl_env(tmp_path, f"http://127.0.0.1:{_closed_port()}")
    done = rentwatch("nightly", "--origin", "simulated", env=env, cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert any("krisha almaty" in line and "connection refused" in line for line in lines)
    assert sum("not tried: the site was unreachable (connection refused" in ln for ln in lines) == 3
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("rentwatch: error: 4 of 4 crawl run(s) failed")
    assert "items 0 < 20" not in last.split("|")[0].split(";")[0]


def test_sigterm_takes_the_scrapy_child_with_it(tmp_path: Path) -> None:
    """Was: the child lived on as an orphan for 2.5 minutes."""
    site = FakeSites(krisha={"almaty": 60, "astana": 20}, olx={"alma-ata": 20, "astana": 20})
    site.hold = "page=2"
    with serve(site) as base:
        nightly = subprocess.Popen(
            [sys.executable, "-m", "rentwatch.cli", "nightly", "--origin", "simulated"],
            env=crawl_env(tmp_path, base), cwd=tmp_path, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert site.held.wait(60), "the crawl never reached page 2"
        [child] = _children(nightly.pid)
        nightly.send_signal(signal.SIGTERM)
        _, err = nightly.communicate(timeout=30)
    assert nightly.returncode == 1
    assert "stopped by SIGTERM" in err
    assert not _alive(child)


def test_a_manual_load_during_nightly_does_not_fail_it(tmp_path: Path) -> None:
    """Was: the load moved a finished run's sidecar and the nightly said "crashed: the run
    did not start" though every run loaded."""
    site = FakeSites(krisha={"almaty": 21, "astana": 22}, olx={"alma-ata": 23, "astana": 24})
    site.hold = "/arenda-dolgosrochnaya/astana/"  # the last run: the krisha runs are done
    with serve(site) as base:
        env = crawl_env(tmp_path, base, min_items=5)
        nightly = subprocess.Popen(
            [sys.executable, "-m", "rentwatch.cli", "nightly", "--origin", "simulated"],
            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert site.held.wait(60), "the nightly never reached its last run"
            manual = rentwatch("db", "load", env=env, cwd=tmp_path)
        finally:
            site.release.set()
            out, err = nightly.communicate(timeout=120)
    assert manual.returncode == 0, manual.stderr
    assert "spool(s) loaded" in manual.stdout or "loaded" in manual.stdout
    assert nightly.returncode == 0, err
    assert sum("finished" in line for line in out.splitlines() if "items," in line) == 4


def test_a_rejected_backfill_leaves_no_lock_file(tmp_path: Path) -> None:
    warehouse = tmp_path / "not-yet" / "rentwatch.duckdb"
    env = {**crawl_env(tmp_path, "http://127.0.0.1:9"), "RENTWATCH_DB": str(warehouse)}
    done = rentwatch(
        "backfill", "--from", "2023-02-01", "--to", "2023-01-01", env=env, cwd=tmp_path
    )
    assert done.returncode == 1
    assert "is after to" in done.stderr
    assert not warehouse.parent.exists()


def test_a_held_writer_lock_is_named_as_the_writer_lock(tmp_path: Path) -> None:
    """Was: "another crawl is running" when the warehouse's writer lock timed out."""
    site = FakeSites(krisha={"almaty": 21})
    write_spool(tmp_path / "spool", [record("a1")])
    with serve(site) as base:
        env = crawl_env(tmp_path, base, min_items=5)
        holder = subprocess.Popen(
            [sys.executable, "-m", "rentwatch.cli", "db", "load"],
            env={**env, "RENTWATCH_PAUSE_AT": "before-commit"}, cwd=tmp_path,
            stdin=subprocess.PIPE, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert holder.stderr is not None
            for line in holder.stderr:
                if "paused at before-commit" in line:
                    break
            done = rentwatch(
                "crawl", "--source", "krisha", "--city", "almaty", "--origin", "simulated",
                env={**env, "RENTWATCH_LOCK_TIMEOUT": "0"}, cwd=tmp_path,
            )  # fmt: skip
        finally:
            holder.communicate("\n", timeout=60)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert "the warehouse writer lock (" in last
    assert f"is held by pid {holder.pid}" in last
    assert "crawl is running" not in last
