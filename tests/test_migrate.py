"""Numbered migrations, applied in order from an empty database, recorded, idempotent."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from warehouse.connection import connect
from warehouse.errors import SchemaError
from warehouse.migrate import (
    available_migrations,
    migrate,
    require_schema,
    schema_version,
)


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
    assert require_schema(conn) == available_migrations()[-1].version


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    conn = connect(tmp_path / "w.duckdb")
    migrate(conn)
    conn.execute(
        "INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'future', 'x')"
    )
    with pytest.raises(SchemaError, match="newer than this rentwatch"):
        migrate(conn)


def test_a_lower_number_that_lands_later_is_still_applied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Branches reserve their own numbers; one merged after a higher one must not be skipped."""
    shipped = available_migrations()
    late = shipped[-2]  # as if its branch landed after the last one's
    conn = connect(tmp_path / "w.duckdb")
    with monkeypatch.context() as patch:
        # The package re-exports the function `migrate`, which hides the module of that name.
        module = importlib.import_module("warehouse.migrate")
        patch.setattr(module, "available_migrations", lambda: shipped[:-2] + shipped[-1:])
        migrate(conn)
    with pytest.raises(SchemaError, match="db init"):
        require_schema(conn)
    assert [m.version for m in migrate(conn)] == [late.version]
    assert require_schema(conn) == shipped[-1].version


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


def test_listings_keep_every_row_and_column_when_their_key_moves_to_the_loader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 006 rebuilds listings without the primary-key index: every stored listing
    and column comes through, and a load afterwards still keeps one row per listing."""
    from datetime import timedelta

    from tests.factories import record, write_spool
    from warehouse.load import load_spools

    shipped = available_migrations()
    before = [m for m in shipped if m.version < 6]
    conn = connect(tmp_path / "w.duckdb")
    module = importlib.import_module("warehouse.migrate")
    with monkeypatch.context() as patch:
        patch.setattr(module, "available_migrations", lambda: before)
        migrate(conn)
    load_spools(conn, [write_spool(tmp_path / "a", [record(n) for n in range(3)])])
    stored = conn.execute("SELECT * FROM listings ORDER BY ALL").fetchall()
    keys = (
        "SELECT count(*) FROM duckdb_constraints() "
        "WHERE table_name = 'listings' AND constraint_type = 'PRIMARY KEY'"
    )
    assert conn.execute(keys).fetchone() == (1,)
    assert [m.version for m in migrate(conn)] == [m.version for m in shipped if m.version >= 6]
    assert conn.execute("SELECT * FROM listings ORDER BY ALL").fetchall() == stored
    assert conn.execute(keys).fetchone() == (0,)
    later = record()["observed_at"] + timedelta(days=7)
    rows = [record(n, observed_at=later, rooms=2) for n in range(5)]
    load_spools(conn, [write_spool(tmp_path / "b", rows)])
    counted = conn.execute("SELECT count(*), count(DISTINCT (source, listing_id)) FROM listings")
    assert counted.fetchone() == (5, 5)
    assert conn.execute("SELECT DISTINCT rooms FROM listings").fetchall() == [(2,)]
