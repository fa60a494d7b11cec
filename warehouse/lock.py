"""One writer at a time: an OS file lock beside the warehouse file.

``<db>.lock`` is locked with ``flock``; the OS releases it when the holder dies, so a killed
load never leaves a stale lock. The holder writes who it is into the file, and a process that
waits longer than its timeout fails with that description. Within one process the lock is
re-entrant, so ``rentwatch nightly`` can hold it around a crawl, a load and a snapshot.

The same mechanism guards other files (the crawl and backfill locks beside the warehouse):
each lock has a ``label``, and every message, waiting or giving up, names the lock and its
holder ("the crawl lock … is held by pid 4242 on host (rentwatch nightly, since …)").
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, ClassVar

from warehouse.errors import LockTimeout

log = logging.getLogger("rentwatch.warehouse.lock")

_POLL_FIRST = 0.02
_POLL_MAX = 0.5


def lock_path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def describe_holder(lock_file: Path) -> str:
    """Who holds (or last held) the lock, in words."""
    try:
        holder = json.loads(lock_file.read_text(encoding="utf-8") or "{}")
    except (OSError, json.JSONDecodeError):
        holder = {}
    if not holder:
        return "another process"
    return (
        f"pid {holder.get('pid')} on {holder.get('host')} "
        f"({holder.get('command')}, since {holder.get('since')})"
    )


class WriterLock:
    """Exclusive writer lock on a warehouse; waits at most ``timeout`` seconds."""

    _held: ClassVar[dict[Path, int]] = {}
    _files: ClassVar[dict[Path, IO[str]]] = {}

    def __init__(
        self,
        db_path: Path,
        *,
        timeout: float,
        purpose: str | None = None,
        label: str = "warehouse writer lock",
    ) -> None:
        self.path = lock_path_for(Path(db_path)).resolve()
        self.timeout = timeout
        self.label = label
        self.purpose = purpose or " ".join(
            Path(a).name if i == 0 else a for i, a in enumerate(sys.argv)
        )

    def __enter__(self) -> WriterLock:
        if self._held.get(self.path):
            self._held[self.path] += 1
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        deadline = time.monotonic() + self.timeout
        wait = _POLL_FIRST
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if wait == _POLL_FIRST and self.timeout > 0:
                    log.info(
                        "waiting up to %gs for the %s held by %s (%s)",
                        self.timeout,
                        self.label,
                        describe_holder(self.path),
                        self.path,
                    )
                if time.monotonic() >= deadline:
                    handle.close()
                    raise LockTimeout(
                        f"the {self.label} ({self.path}) is held by "
                        f"{describe_holder(self.path)}; waited {self.timeout:g}s (raise "
                        "lock_timeout / RENTWATCH_LOCK_TIMEOUT to wait longer)"
                    ) from None
                time.sleep(min(wait, max(deadline - time.monotonic(), 0)))
                wait = min(wait * 2, _POLL_MAX)
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "command": self.purpose,
                    "since": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            )
        )
        handle.flush()
        self._held[self.path] = 1
        self._files[self.path] = handle
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._held[self.path] -= 1
        if self._held[self.path]:
            return
        del self._held[self.path]
        handle = self._files.pop(self.path)
        handle.seek(0)
        handle.truncate()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
