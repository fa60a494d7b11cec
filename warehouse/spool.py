"""Spools: the append-only file each crawl run writes, and the only thing a crawl writes.

A run owns ``<spool_dir>/<run_id>.jsonl`` (one JSON record per line, see
:mod:`warehouse.records`), ``<run_id>.run.json`` (who, when, status, stats) and, for a crawl,
``<run_id>.warc.gz`` (its raw responses, :mod:`scrapers.warc`); the loader moves all three.
While the run is alive it holds an ``flock`` on its spool, so a load never merges a file that
is still growing; when the process dies the OS drops the lock and the next load picks the spool up.
Lines are flushed every ``flush_every`` records and on close; a line cut short by a crash is
set aside by the loader, and every complete line before it is kept.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal

from warehouse.records import validate_record

SPOOL_SUFFIX = ".jsonl"
META_SUFFIX = ".run.json"
# The run's raw responses (scrapers.warc), beside its spool and moved with it.
WARC_SUFFIX = ".warc.gz"
LOADED_DIR = "loaded"
REJECTED_DIR = "rejected"

RunStatus = Literal["running", "finished", "failed", "crashed"]


def new_run_id(spider: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{spider}-{stamp}-{secrets.token_hex(3)}"


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to a spool")


@dataclass
class RunMeta:
    """The sidecar that describes a run; becomes a ``crawl_runs`` row when loaded."""

    run_id: str
    spider: str
    origin: str
    source: str | None = None
    cities: list[str] = field(default_factory=list)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    finished_at: str | None = None
    status: RunStatus = "running"
    reason: str | None = None
    items: int = 0
    stats: dict[str, Any] = field(default_factory=dict)

    def write(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.__dict__, default=_json_default, ensure_ascii=False))
        os.replace(tmp, path)

    @classmethod
    def read(cls, path: Path) -> RunMeta:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class SpoolWriter:
    """Append validated records to a run's own spool file.

    >>> with SpoolWriter(Path("data/spool"), spider="krisha", origin="live") as spool:
    ...     spool.write(record)          # doctest: +SKIP
    ...     spool.finish("finished")     # doctest: +SKIP
    """

    def __init__(
        self,
        spool_dir: Path,
        *,
        spider: str,
        origin: str,
        source: str | None = None,
        cities: Iterable[str] = (),
        run_id: str | None = None,
        flush_every: int = 100,
    ) -> None:
        self.run_id = run_id or new_run_id(spider)
        spool_dir.mkdir(parents=True, exist_ok=True)
        self.path = spool_dir / f"{self.run_id}{SPOOL_SUFFIX}"
        self.meta_path = spool_dir / f"{self.run_id}{META_SUFFIX}"
        self.meta = RunMeta(self.run_id, spider, origin, source, list(cities))
        self.flush_every = flush_every
        self._pending = 0
        self._file: IO[str] | None = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
        fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.meta.write(self.meta_path)

    def write(self, record: Mapping[str, Any]) -> None:
        """Validate and append one record (``run_id`` and ``origin`` are filled in unless the
        record has them: a reparse spools rows of the run whose pages it re-read)."""
        if self._file is None:
            raise RuntimeError(f"spool {self.path} is closed")
        full = {
            **record,
            "run_id": record.get("run_id") or self.run_id,
            "origin": record.get("origin", self.meta.origin),
        }
        validate_record(full)
        self._file.write(json.dumps(full, default=_json_default, ensure_ascii=False) + "\n")
        self.meta.items += 1
        self._pending += 1
        if self._pending >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()
            self._pending = 0

    def finish(
        self,
        status: RunStatus,
        *,
        reason: str | None = None,
        stats: Mapping[str, Any] | None = None,
    ) -> None:
        """Close the spool and record how the run ended."""
        if self._file is None:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self.meta.status = status
        self.meta.reason = reason
        self.meta.stats = dict(stats or {})
        self.meta.finished_at = datetime.now(UTC).isoformat()
        self.meta.write(self.meta_path)
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._file.close()
        self._file = None

    def __enter__(self) -> SpoolWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            self.finish("failed", reason=f"{type(exc).__name__}: {exc}")
        else:
            self.finish(self.meta.status if self.meta.status != "running" else "finished")


def is_being_written(spool: Path) -> bool:
    """True while a live process holds the spool's lock."""
    with open(spool, "rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def pending_spools(spool_dir: Path) -> list[Path]:
    """Spools waiting to be loaded: closed, or left behind by a run that died."""
    if not spool_dir.is_dir():
        return []
    return sorted(
        p for p in spool_dir.glob(f"*{SPOOL_SUFFIX}") if p.is_file() and not is_being_written(p)
    )


def complete_lines(spool: Path) -> int:
    """Records a spool holds in full: its newline-terminated lines (a cut tail is not one)."""
    count = 0
    try:
        with open(spool, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                count += block.count(b"\n")
    except FileNotFoundError:
        return 0
    return count


def meta_path_for(spool: Path) -> Path:
    return spool.with_name(spool.name.removesuffix(SPOOL_SUFFIX) + META_SUFFIX)


def warc_path_for(spool: Path) -> Path:
    """The WARC file of the run that wrote ``spool`` (beside it, whether or not it exists)."""
    return spool.with_name(spool.name.removesuffix(SPOOL_SUFFIX) + WARC_SUFFIX)
