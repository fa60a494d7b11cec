"""Numbered migrations (``warehouse/migrations/NNN_name.sql`` or ``NNN_name.py``), in order.

Each migration runs in its own transaction together with its row in ``schema_migrations``,
so a crash leaves the schema at the previous version. Numbers may skip (parallel branches
reserve their own); every shipped migration not yet recorded is applied, in number order,
so one that lands later with a lower number is still applied. A recorded version the code
does not know (a newer rentwatch wrote it) is refused rather than misread.

A ``.py`` migration is for changes SQL cannot say, such as scrubbing stored text with the
same Python scrubber the parsers use (``004_scrub_personal_data.py``): it defines
``upgrade(conn)``, which runs inside the migration's transaction.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import duckdb

from warehouse.errors import SchemaError

_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.(sql|py)$")

CREATE_SCHEMA_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        VARCHAR NOT NULL,
    checksum    VARCHAR NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str  # the file's text: SQL, or the Python source of a .py migration
    kind: str = "sql"

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]

    def apply(self, conn: duckdb.DuckDBPyConnection) -> None:
        if self.kind == "sql":
            conn.execute(self.sql)
        else:
            self._upgrade()(conn)

    def _upgrade(self) -> Callable[[duckdb.DuckDBPyConnection], None]:
        spec = importlib.util.spec_from_loader(f"warehouse.migrations.m{self.version:03d}", None)
        assert spec is not None
        module = importlib.util.module_from_spec(spec)
        exec(compile(self.sql, f"{self.version:03d}_{self.name}.py", "exec"), module.__dict__)
        upgrade: Callable[[duckdb.DuckDBPyConnection], None] = module.upgrade
        return upgrade


def available_migrations() -> list[Migration]:
    """The migrations shipped with this code, in version order."""
    found = []
    for entry in resources.files("warehouse.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(
                Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8"), match[3])
            )
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise SchemaError(f"two migrations share a number: {versions}")
    return found


def applied_versions(conn: duckdb.DuckDBPyConnection) -> set[int]:
    """The versions recorded in ``schema_migrations`` (empty for an empty database)."""
    if schema_version(conn) == 0:
        return set()
    return {int(r[0]) for r in conn.execute("SELECT version FROM schema_migrations").fetchall()}


def schema_version(conn: duckdb.DuckDBPyConnection) -> int:
    """The highest applied migration (0 for an empty database)."""
    exists = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: duckdb.DuckDBPyConnection) -> list[Migration]:
    """Apply every pending migration; returns those applied (none when up to date)."""
    migrations = available_migrations()
    done = applied_versions(conn)
    unknown = done - {m.version for m in migrations}
    if unknown:
        raise SchemaError(
            f"warehouse schema is at version {max(unknown)}, newer than this rentwatch "
            f"({migrations[-1].version}); upgrade rentwatch"
        )
    conn.execute(CREATE_SCHEMA_MIGRATIONS)
    applied = []
    for migration in (m for m in migrations if m.version not in done):
        conn.execute("BEGIN TRANSACTION")
        try:
            migration.apply(conn)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)",
                [migration.version, migration.name, migration.checksum],
            )
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
        applied.append(migration)
    return applied


def require_schema(conn: duckdb.DuckDBPyConnection) -> int:
    """For readers: the schema version, or a clear error when the file is not up to date."""
    current = schema_version(conn)
    shipped = {m.version for m in available_migrations()}
    if current == 0:
        raise SchemaError("this file is not a rentwatch warehouse yet: run `rentwatch db init`")
    done = applied_versions(conn)
    if done != shipped:
        raise SchemaError(
            f"warehouse schema is at version {current}, this rentwatch expects {max(shipped)}: "
            "run `rentwatch db init` to migrate"
        )
    return current
