"""One DuckDB connection per process, opened here and nowhere else.

DuckDB lets one process write a database file, or several processes read it. A reader that
finds a writer in the file retries for a bounded time (``retry_timeout``) before giving up
with a message; writers are serialised beforehand by :mod:`warehouse.lock`.

Whether an open failed because another process holds the file is asked of the OS
(``fcntl(F_GETLK)`` on the file, which also gives the holder's pid), not read from DuckDB's
message: DuckDB raises the same ``IOException`` for a lock conflict and for a corrupt file,
and "Corrupt database file … in b*lock* 7" contains "lock". An open that fails with no
conflicting lock is a damaged file or a full disk (:func:`warehouse.errors.storage_error`).
"""

from __future__ import annotations

import fcntl
import os
import re
import struct
import time
from pathlib import Path

import duckdb

from warehouse.errors import RentwatchError, SchemaError, WarehouseBusy, storage_error

MEMORY = ":memory:"
_RETRY_FIRST_WAIT = 0.05
_RETRY_MAX_WAIT = 1.0
_MEMORY_LIMIT = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$")
# struct flock on Linux: l_type, l_whence (short), l_start, l_len (off_t), l_pid (pid_t).
_FLOCK = "hhqqi4x"

# Process-wide options for every connection this process opens (set once by the CLI).
_options: dict[str, str] = {}


def configure_connections(*, memory_limit: str | None) -> None:
    """Cap DuckDB's memory for every connection of this process (``None``: DuckDB's default,
    80% of RAM). Above the cap, big aggregations spill to disk instead of growing."""
    if memory_limit is None:
        _options.pop("memory_limit", None)
        return
    if not _MEMORY_LIMIT.match(memory_limit):
        raise RentwatchError(f"memory limit {memory_limit!r}: use a size such as 2GB or 512MB")
    _options["memory_limit"] = memory_limit


def lock_holder(path: Path, *, read_only: bool) -> int | None:
    """The pid of another process whose lock on ``path`` keeps us from opening it (a writer's
    lock for a reader; any lock for a writer), or None when nothing holds it.

    Only called after DuckDB refused to open the file, when this process holds no lock on it
    (DuckDB shares one instance per file within a process), so closing the probe's descriptor
    cannot drop a lock of ours.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        wanted = fcntl.F_RDLCK if read_only else fcntl.F_WRLCK
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack(_FLOCK, wanted, os.SEEK_SET, 0, 0, 0))
    except OSError:
        return None
    finally:
        os.close(fd)
    kind, _, _, _, pid = struct.unpack(_FLOCK, answer)
    return None if kind == fcntl.F_UNLCK else int(pid)


def check_warehouse_path(path: Path | str) -> None:
    """Refuse a directory as the warehouse: DuckDB's error for one reads as a damaged file,
    and its advice (restore a snapshot) would be wrong."""
    if str(path) != MEMORY and Path(path).is_dir():
        raise SchemaError(
            f"{path} is a directory, not a warehouse file: give the file's path "
            f"(--db, setting `db` or RENTWATCH_DB), e.g. {Path(path) / 'rentwatch.duckdb'}"
        )


def connect(
    path: Path | str, *, read_only: bool = False, retry_timeout: float = 0.0
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse at ``path`` (``":memory:"`` for tests).

    Sessions run in UTC so timestamps read back the same on every machine. A read-only open of
    a file that does not exist is an error rather than an empty new database. Raises
    :class:`WarehouseBusy` when another process holds the file past ``retry_timeout``,
    :class:`~warehouse.errors.WarehouseCorrupt` or :class:`~warehouse.errors.DiskFull` when
    the file cannot be opened for any other reason.
    """
    target = str(path)
    check_warehouse_path(target)
    if target != MEMORY:
        file = Path(target)
        if read_only and not file.exists():
            raise SchemaError(f"no warehouse at {file}: run `rentwatch db init` or load data first")
        if not read_only:
            file.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + retry_timeout
    wait = _RETRY_FIRST_WAIT
    while True:
        try:
            conn = duckdb.connect(target, read_only=read_only)
            break
        except duckdb.Error as exc:
            holder = lock_holder(Path(target), read_only=read_only) if target != MEMORY else None
            if holder is None:
                raise storage_error(target, exc, "opening it") from exc
            if time.monotonic() + wait > deadline:
                raise WarehouseBusy(
                    f"warehouse {target} is held by another process (pid {holder}; waited "
                    f"{retry_timeout:g}s). Read a snapshot (`rentwatch db snapshot`) or raise "
                    "read_retry_timeout."
                ) from exc
            time.sleep(wait)
            wait = min(wait * 2, _RETRY_MAX_WAIT)
    conn.execute("SET TimeZone = 'UTC'")
    if "memory_limit" in _options:
        # SET takes no bound parameters; the value matched _MEMORY_LIMIT above.
        conn.execute(f"SET memory_limit = '{_options['memory_limit']}'")
    return conn
