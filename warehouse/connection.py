"""One DuckDB connection per process, opened here and nowhere else.

DuckDB lets one process write a database file, or several processes read it. A reader that
finds a writer in the file retries for a bounded time (``retry_timeout``) before giving up
with a message; writers are serialised beforehand by :mod:`warehouse.lock`.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import duckdb

from warehouse.errors import RentwatchError, SchemaError

MEMORY = ":memory:"
_RETRY_FIRST_WAIT = 0.05
_RETRY_MAX_WAIT = 1.0
_MEMORY_LIMIT = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$")

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


def connect(
    path: Path | str, *, read_only: bool = False, retry_timeout: float = 0.0
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse at ``path`` (``":memory:"`` for tests).

    Sessions run in UTC so timestamps read back the same on every machine. A read-only open of
    a file that does not exist is an error rather than an empty new database.
    """
    target = str(path)
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
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise RentwatchError(f"cannot open warehouse {target}: {exc}") from exc
            if time.monotonic() + wait > deadline:
                raise RentwatchError(
                    f"warehouse {target} is held by another process (waited {retry_timeout:g}s): "
                    f"{str(exc).splitlines()[0]}. Read a snapshot (`rentwatch db snapshot`) or "
                    "raise read_retry_timeout."
                ) from exc
            time.sleep(wait)
            wait = min(wait * 2, _RETRY_MAX_WAIT)
    conn.execute("SET TimeZone = 'UTC'")
    if "memory_limit" in _options:
        # SET takes no bound parameters; the value matched _MEMORY_LIMIT above.
        conn.execute(f"SET memory_limit = '{_options['memory_limit']}'")
    return conn
