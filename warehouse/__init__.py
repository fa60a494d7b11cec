"""The DuckDB warehouse: schema, crash-safe loading of spools, snapshots, export, imports.

Writers go through :func:`open_writer` (OS lock, then one connection, schema migrated);
readers through :func:`open_reader` (read-only, bounded retry, schema checked). A storage
failure inside either (a damaged block met by a query, a full disk during a load, even when
a failed ROLLBACK hides it) leaves as one line: :class:`~warehouse.errors.WarehouseCorrupt`
or :class:`~warehouse.errors.DiskFull`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

from warehouse.connection import check_warehouse_path, connect
from warehouse.errors import RentwatchError, storage_cause, storage_error
from warehouse.lock import WriterLock
from warehouse.migrate import migrate, require_schema

__all__ = ["RentwatchError", "connect", "open_reader", "open_writer"]


@contextmanager
def open_writer(db_path: Path, *, lock_timeout: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one writable connection, held under the warehouse's writer lock."""
    check_warehouse_path(db_path)  # before the lock, whose file would be made beside it
    with WriterLock(db_path, timeout=lock_timeout):
        conn = connect(db_path)
        try:
            migrate(conn)
            yield conn
        except (duckdb.Error, OSError) as exc:
            if storage_cause(exc) is None:
                raise
            raise storage_error(db_path, exc, "writing the warehouse") from exc
        finally:
            _close(conn)


@contextmanager
def open_reader(db_path: Path, *, retry_timeout: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to an up-to-date warehouse (or snapshot)."""
    conn = connect(db_path, read_only=True, retry_timeout=retry_timeout)
    try:
        require_schema(conn)
        yield conn
    except duckdb.Error as exc:
        if storage_cause(exc) is None:
            raise
        raise storage_error(db_path, exc, "reading the warehouse") from exc
    finally:
        _close(conn)


def _close(conn: duckdb.DuckDBPyConnection) -> None:
    """Close, even when the connection is broken (a full disk can fail the close as well)."""
    with suppress(duckdb.Error):
        conn.close()
