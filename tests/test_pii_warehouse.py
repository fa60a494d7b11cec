"""Rows stored before the scrubber: migration 004 scrubs them; `db audit` finds any left."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from warehouse.audit import audit
from warehouse.connection import connect
from warehouse.migrate import CREATE_SCHEMA_MIGRATIONS, available_migrations, migrate
from warehouse.pii import find_personal_data, url_personal_data

SEEN = datetime(2022, 10, 13, 9, 0, tzinfo=UTC)
DIRTY = [
    ("olx", "ID1", "2-комн, звоните Марат 87011234567", "Бостандыкский район", "https://www.olx.kz/d/obyavlenie/2-komn-zvonite-marat-87011234567-ID1.html"),
    ("olx", "ID2", "Сдам квартиру, ivan@mail.ru", "тел 8 701 234 56 78", "https://www.olx.kz/d/obyavlenie/sdam-ID2.html"),
    ("krisha", "679550758", "1-комнатная квартира, 22 м², 3/5 этаж", "Ауэзовский р-н", "https://krisha.kz/a/show/679550758"),
]  # fmt: skip


def old_warehouse(path: Path) -> None:
    """A warehouse at the schema before 004, holding listings as the old parsers stored them."""
    conn = connect(path)
    conn.execute(CREATE_SCHEMA_MIGRATIONS)
    for migration in available_migrations():
        if migration.version >= 4:
            break
        migration.apply(conn)
        conn.execute(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)",
            [migration.version, migration.name, migration.checksum],
        )
    for source, lid, title, district_raw, url in DIRTY:
        conn.execute(
            "INSERT INTO listings (source, listing_id, city, district_raw, first_seen, last_seen,"
            " url, title) VALUES (?, ?, 'almaty', ?, ?, ?, ?, ?)",
            [source, lid, district_raw, SEEN, SEEN, url, title],
        )
    conn.close()


def test_the_migration_scrubs_rows_stored_before_it(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    old_warehouse(db)
    conn = connect(db)
    try:
        assert not audit(conn).clean
        migrate(conn)
        assert audit(conn).clean
        rows = conn.execute("SELECT title, district_raw, url FROM listings ORDER BY ALL").fetchall()
    finally:
        conn.close()
    for title, district_raw, url in rows:
        assert find_personal_data(title) == [] and find_personal_data(district_raw) == []
        assert url_personal_data(url) == []
    assert ("1-комнатная квартира, 22 м², 3/5 этаж", "Ауэзовский р-н",
            "https://krisha.kz/a/show/679550758") in rows  # fmt: skip


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rentwatch.cli", "--db", str(db), *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.e2e
def test_db_audit_reports_matches_without_printing_them(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    old_warehouse(db)
    assert cli(db, "db", "init").returncode == 0
    clean = cli(db, "db", "audit")
    assert clean.returncode == 0, clean.stderr
    assert "no personal data found" in clean.stdout
    conn = connect(db)
    conn.execute("UPDATE listings SET title = 'пишите aigul_85@gmail.com' WHERE listing_id = 'ID2'")
    conn.close()
    dirty = cli(db, "db", "audit")
    assert dirty.returncode == 1
    assert "listings.title email: 1" in dirty.stdout
    assert "olx/ID2 title (email)" in dirty.stdout
    assert "aigul" not in dirty.stdout + dirty.stderr
