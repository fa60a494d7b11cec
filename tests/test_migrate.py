"""Numbered migrations, applied in order from an empty database, recorded, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse.connection import connect
from warehouse.errors import SchemaError
from warehouse.migrate import available_migrations, migrate, require_schema, schema_version


def test_migrations_from_empty_create_every_table(tmp_path: Path) -> None:
    conn = connect(tmp_path / "w.duckdb")
    assert schema_version(conn) == 0
    applied = migrate(conn)
    assert [m.version for m in applied] == [m.version for m in available_migrations()]
    tables = {
        r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert {
        "schema_migrations",
        "crawl_runs",
        "listings",
        "observations",
        "official_series",
        "spool_loads",
    } <= tables
    recorded = conn.execute(
        "SELECT version, name FROM schema_migrations ORDER BY version"
    ).fetchall()
    assert [v for v, _ in recorded] == [m.version for m in applied]
    assert recorded[0][1] == "core"


def test_migrate_twice_applies_nothing(tmp_path: Path) -> None:
    conn = connect(tmp_path / "w.duckdb")
    migrate(conn)
    assert migrate(conn) == []
    assert require_schema(conn) == max(m.version for m in available_migrations())


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    conn = connect(tmp_path / "w.duckdb")
    migrate(conn)
    conn.execute(
        "INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'future', 'x')"
    )
    with pytest.raises(SchemaError, match="newer than this rentwatch"):
        migrate(conn)


def test_reader_refuses_an_empty_file(tmp_path: Path) -> None:
    conn = connect(tmp_path / "w.duckdb")
    with pytest.raises(SchemaError, match="db init"):
        require_schema(conn)


def test_read_only_open_of_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="no warehouse"):
        connect(tmp_path / "absent.duckdb", read_only=True)
    assert not (tmp_path / "absent.duckdb").exists()


def test_memory_limit_applies_to_every_connection(tmp_path: Path) -> None:
    from warehouse.connection import configure_connections
    from warehouse.errors import RentwatchError

    configure_connections(memory_limit="512MB")
    try:
        conn = connect(tmp_path / "w.duckdb")
        (limit,) = conn.execute("SELECT current_setting('memory_limit')").fetchone() or ("",)
        assert limit.replace(" ", "") in {"512.0MB", "488.2MiB"}
        with pytest.raises(RentwatchError, match="use a size"):
            configure_connections(memory_limit="lots")
    finally:
        configure_connections(memory_limit=None)
