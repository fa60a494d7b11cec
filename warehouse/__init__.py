"""The DuckDB warehouse: schema, crash-safe loading of spools, snapshots, export, imports.

Writers go through :func:`open_writer` (OS lock, then one connection, schema migrated);
readers through :func:`open_reader` (read-only, bounded retry, schema checked).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.connection import connect
from warehouse.errors import RentwatchError
from warehouse.lock import WriterLock
from warehouse.migrate import migrate, require_schema

__all__ = ["RentwatchError", "connect", "open_reader", "open_writer"]


@contextmanager
def open_writer(db_path: Path, *, lock_timeout: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one writable connection, held under the warehouse's writer lock."""
    with WriterLock(db_path, timeout=lock_timeout):
        conn = connect(db_path)
        try:
            migrate(conn)
            yield conn
        finally:
            conn.close()


@contextmanager
def open_reader(db_path: Path, *, retry_timeout: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to an up-to-date warehouse (or snapshot)."""
    conn = connect(db_path, read_only=True, retry_timeout=retry_timeout)
    try:
        require_schema(conn)
        yield conn
    finally:
        conn.close()
