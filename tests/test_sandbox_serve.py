"""``rentwatch sandbox serve`` as a user meets it: start it, crawl it as it says, stop it."""

from __future__ import annotations

import json
import os
import queue
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import IO

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
RENTWATCH = [sys.executable, "-m", "rentwatch.cli"]


class _Lines:
    """A stream's lines, read by a thread: a buffered text stream may hold the next lines
    already, so waiting on its file descriptor would miss them."""

    def __init__(self, stream: IO[str]) -> None:
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.queue.put(line.rstrip("\n"))
        self.queue.put(None)

    def until(self, marker: str, timeout: float = 240.0) -> list[str]:
        """Lines up to the one holding ``marker`` (fails after ``timeout`` s or at the end)."""
        seen: list[str] = []
        while True:
            try:
                line = self.queue.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no {marker!r} after {timeout:g} s; got {seen}") from None
            assert line is not None, f"the stream ended before {marker!r}; got {seen}"
            seen.append(line)
            if marker in line:
                return seen

    def rest(self) -> list[str]:
        """Every line left, once the stream has ended."""
        self.thread.join(timeout=60)
        lines = []
        while (line := self.queue.get_nowait()) is not None:
            lines.append(line)
        return lines


def _observations(db: Path) -> list[tuple[str, str, date, date]]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(
            "SELECT l.city, o.source, min(o.observed_on), max(o.observed_on) "
            "FROM observations o JOIN listings l USING (source, listing_id) "
            "WHERE o.origin = 'simulated' GROUP BY ALL ORDER BY ALL"
        ).fetchall()


@pytest.mark.e2e
def test_serve_prints_what_to_crawl_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    serve = subprocess.Popen(
        [*RENTWATCH, "sandbox", "serve", "--city", "almaty", "--city", "shymkent",
         "--city", "karaganda", "--scale", "0.2", "--truth", str(tmp_path / "truth")],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert serve.stdout is not None
        stdout = _Lines(serve.stdout)
        lines = stdout.until("Ctrl-C or SIGTERM stops the sandbox")
        text = "\n".join(lines)
        assert lines[0].startswith("SIMULATED DATA") and "2023-06-30T20:00:00+06:00" in lines[0]
        urls = dict(re.findall(r"^  (krisha|olx|archive)\s+(http://127\.0\.0\.1:\d+)$", text, re.M))
        assert set(urls) == {"krisha", "olx", "archive"}
        env = dict(
            shlex.split(line.removeprefix("  export "))[0].split("=", 1)
            for line in lines
            if line.startswith("  export ")
        )
        assert env["RENTWATCH_CRAWL__KRISHA_BASE_URL"] == urls["krisha"]
        assert "rentwatch crawl --source krisha --city karaganda --origin simulated" in text
        scrapy_line = next(line for line in lines if line.startswith("  scrapy crawl krisha"))
        db = tmp_path / "w.duckdb"
        crawl_env = {**os.environ, **env, "RENTWATCH_DB": str(db)}
        # What the sandbox says to type, as typed (the live crawl and the backfill).
        for args in (
            ["crawl", "--source", "krisha", "--city", "shymkent", "--origin", "simulated"],
            ["crawl", "--source", "olx", "--city", "shymkent", "--origin", "simulated"],
            ["backfill", "--city", "shymkent", "--from", "2021-07-01", "--to", "2023-06-30",
             "--origin", "simulated"],
        ):  # fmt: skip
            done = subprocess.run([*RENTWATCH, *args], cwd=tmp_path, env=crawl_env,
                                  capture_output=True, text=True, timeout=300)  # fmt: skip
            assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
        # And Scrapy's own command, for another city, into its own spool directory.
        spools = tmp_path / "scrapy-spool"
        scrapy_db = tmp_path / "scrapy.duckdb"
        elsewhere = ["-s", f"RENTWATCH_SPOOL_DIR={spools}", "-s", f"RENTWATCH_DB={scrapy_db}",
                     "-s", "LOG_LEVEL=WARNING"]  # fmt: skip
        command = [*shlex.split(scrapy_line), *elsewhere]
        command[0:1] = [sys.executable, "-m", "scrapy"]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        sidecars = [json.loads(p.read_text()) for p in spools.glob("*.run.json")]
        assert [(s["cities"], s["status"], s["origin"]) for s in sidecars] == [
            (["karaganda"], "finished", "simulated")
        ]
    finally:
        serve.send_signal(signal.SIGTERM)
        # Not communicate(): it reads stdout too, racing the reader thread for the last line.
        serve.wait(timeout=60)
        assert serve.stderr is not None
        err = serve.stderr.read()
    assert serve.returncode == 0, err[-2000:]
    assert re.fullmatch(r"sandbox stopped after [\d,]+ requests", stdout.rest()[-1])
    for url in urls.values():  # the ports are closed
        host, port = url.removeprefix("http://").split(":")
        with pytest.raises(OSError), socket.create_connection((host, int(port)), timeout=5):
            pass
    assert (tmp_path / "truth" / "truth.json").is_file()
    # The sandbox's clock: today's crawl is the archive's last day, not a date years later.
    rows = {(city, source): (first, last) for city, source, first, last in _observations(db)}
    assert rows[("shymkent", "olx")] == (date(2023, 6, 30), date(2023, 6, 30))
    archive_first, live_last = rows[("shymkent", "krisha")]
    assert archive_first < date(2021, 8, 1) and live_last == date(2023, 6, 30)
    with duckdb.connect(str(db), read_only=True) as conn:
        (archived_last,) = conn.execute(
            "SELECT max(observed_on) FROM observations WHERE observed_on < DATE '2023-06-30'"
        ).fetchone() or (None,)
    assert archived_last is not None and date(2023, 6, 30) - archived_last <= timedelta(days=14)


def test_serve_refuses_an_unknown_city_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run([*RENTWATCH, "sandbox", "serve", "--city", "atlantis"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rentwatch: error: unknown city 'atlantis'")
