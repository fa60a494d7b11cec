"""Errors a user can act on. The command line prints their message as one line and exits 1.

Every layer raises subclasses of :class:`RentwatchError` for bad input or a blocked
resource; anything else is a bug and keeps its traceback.

A storage failure is named by evidence, never by words in DuckDB's message (a checksum
error's "b*lock*" once read as "held by another process"): a lock conflict is one the OS
reports on the file (:mod:`warehouse.connection`), a full disk is an ``ENOSPC`` or a disk
with no room left, and any other DuckDB ``IOException`` or ``SerializationException`` on
the warehouse file is damage (:class:`WarehouseCorrupt`).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import duckdb

# Below this much free space, a write that failed failed for want of room (bytes).
DISK_FULL_BELOW = 1 << 20
# DuckDB's exception classes that mean the file's bytes could not be read or written
# (FatalException: DuckDB invalidated the database after such a failure, e.g. a checkpoint
# that could not be written).
STORAGE_ERRORS: tuple[type[duckdb.Error], ...] = (
    duckdb.IOException,
    duckdb.SerializationException,
    duckdb.FatalException,
)


class RentwatchError(Exception):
    """An error whose message tells the user what is wrong and what to do."""


class LockTimeout(RentwatchError):
    """A lock (the warehouse's writer lock, a crawl lock) stayed held by another process."""


class ImportRejected(RentwatchError):
    """An imported file failed validation; nothing from it was loaded."""


class SchemaError(RentwatchError):
    """The warehouse file is missing, too new, or not a rentwatch warehouse."""


class WarehouseBusy(RentwatchError):
    """Another process holds the warehouse file (the OS reports its lock) for too long."""


class WarehouseCorrupt(RentwatchError):
    """The warehouse file (or a copy of it) cannot be read back: damaged or truncated."""


class DiskFull(RentwatchError):
    """A write failed for want of disk space; nothing partial was left behind."""


def disk_full(path: Path | str, exc: BaseException | None = None) -> bool:
    """True when ``exc`` is an ``ENOSPC`` or the disk holding ``path`` has no room left."""
    for link in _chain(exc):
        if isinstance(link, OSError) and link.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
    folder = Path(path)
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    try:
        stats = os.statvfs(folder)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < DISK_FULL_BELOW


def storage_cause(exc: BaseException) -> BaseException | None:
    """The storage failure behind ``exc`` (itself, or what it was raised while handling:
    a ROLLBACK that fails after a write error hides the write error), or None."""
    for link in _chain(exc):
        if isinstance(link, STORAGE_ERRORS) or (
            isinstance(link, OSError) and link.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO)
        ):
            return link
    return None


def storage_error(path: Path | str, exc: BaseException, doing: str) -> RentwatchError:
    """One line for a storage failure while ``doing`` something with ``path``."""
    cause = storage_cause(exc) or exc
    first = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
    if disk_full(path, exc):
        return DiskFull(
            f"disk full while {doing} ({Path(path).parent}): {first}; nothing was committed, "
            "free some space and run it again"
        )
    return WarehouseCorrupt(
        f"{path} is corrupt or truncated ({type(cause).__name__} while {doing}: {first}); "
        "restore the latest snapshot (`rentwatch db snapshot` keeps checksummed copies)"
    )


def _chain(exc: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen
