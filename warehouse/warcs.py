"""The runs' WARC files as files: where a run's is, how many bytes a month keeps, retention.

A crawl writes ``<run_id>.warc.gz`` beside its spool, and the loader moves it with the spool
(to ``loaded/`` or ``rejected/``). What is inside is :mod:`scrapers.warc`'s business; here
they are only files the warehouse knows the runs of. Retention deletes the WARCs of loaded
runs that started more than ``keep_days`` ago, under the writer lock (so never while a
reparse reads one); the observations stay, only the pages to re-read them from go.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import duckdb

from warehouse.spool import LOADED_DIR, REJECTED_DIR, WARC_SUFFIX

RUN_STARTS: Final = "SELECT run_id, started_at FROM crawl_runs WHERE started_at IS NOT NULL"


@dataclass(frozen=True)
class WarcFile:
    run_id: str
    path: Path
    bytes: int


def warc_files(spool_dir: Path) -> Iterator[WarcFile]:
    """Every run's WARC under ``spool_dir``: pending, loaded and rejected."""
    for folder in (spool_dir, spool_dir / LOADED_DIR, spool_dir / REJECTED_DIR):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(f"*{WARC_SUFFIX}")):
            if path.is_file():
                yield WarcFile(path.name.removesuffix(WARC_SUFFIX), path, path.stat().st_size)


def find_warc(spool_dir: Path, run_id: str) -> Path | None:
    """The WARC of ``run_id`` (None when the run wrote none, or it was pruned)."""
    for folder in (spool_dir / LOADED_DIR, spool_dir, spool_dir / REJECTED_DIR):
        path = folder / f"{run_id}{WARC_SUFFIX}"
        if path.is_file():
            return path
    return None


def _run_starts(conn: duckdb.DuckDBPyConnection) -> dict[str, datetime]:
    return {str(r[0]): r[1] for r in conn.execute(RUN_STARTS).fetchall()}


def warc_bytes_by_month(conn: duckdb.DuckDBPyConnection, spool_dir: Path) -> list[dict[str, Any]]:
    """``[{"month": "2026-05", "files": 4, "bytes": 12_345_678}, …]``, oldest first.

    A file counts in the month its run started (UTC); a run the warehouse does not know yet
    (a pending spool) counts in the month the file was last written.
    """
    starts = _run_starts(conn)
    months: dict[str, list[int]] = {}
    for warc in warc_files(spool_dir):
        when = starts.get(warc.run_id) or datetime.fromtimestamp(warc.path.stat().st_mtime, UTC)
        tally = months.setdefault(when.astimezone(UTC).strftime("%Y-%m"), [0, 0])
        tally[0] += 1
        tally[1] += warc.bytes
    return [{"month": m, "files": f, "bytes": b} for m, (f, b) in sorted(months.items())]


@dataclass(frozen=True)
class Pruned:
    files: tuple[Path, ...] = ()
    bytes: int = 0

    def summary(self) -> str:
        return f"WARC retention: {len(self.files)} file(s), {self.bytes / 1e6:.1f} MB deleted"


def prune_warcs(
    conn: duckdb.DuckDBPyConnection,
    spool_dir: Path,
    *,
    keep_days: int | None,
    now: datetime | None = None,
) -> Pruned:
    """Delete the WARCs of loaded runs that started more than ``keep_days`` days before
    ``now``; ``keep_days=None`` keeps everything. Pending and rejected runs' files are kept
    whatever their age: their spools have not been merged."""
    if keep_days is None:
        return Pruned()
    cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    starts = _run_starts(conn)
    gone: list[Path] = []
    size = 0
    for warc in warc_files(spool_dir):
        started = starts.get(warc.run_id)
        loaded = warc.path.parent == spool_dir / LOADED_DIR
        if not loaded or started is None or started >= cutoff:
            continue
        warc.path.unlink()
        gone.append(warc.path)
        size += warc.bytes
    return Pruned(tuple(gone), size)
