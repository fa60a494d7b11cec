"""WARC retention (days, or keep all) and the bytes a month keeps, as `db status` shows them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rentwatch.cli import main
from tests.test_reparse import crawl_run, load
from warehouse import open_reader, open_writer
from warehouse.warcs import find_warc, prune_warcs, warc_bytes_by_month

NOW = datetime(2022, 12, 1, tzinfo=UTC)


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    """Two loaded runs, started 40 and 5 days before NOW, and one pending (not loaded) run."""
    db, spool_dir = tmp_path / "w.duckdb", tmp_path / "spool"
    load(db, crawl_run(spool_dir, "old"), crawl_run(spool_dir, "new", seed=1))
    with open_writer(db, lock_timeout=10) as conn:
        for run_id, days in (("old", 40), ("new", 5)):
            conn.execute(
                "UPDATE crawl_runs SET started_at = ? WHERE run_id = ?",
                [NOW - timedelta(days=days), run_id],
            )
    crawl_run(spool_dir, "pending", seed=2)
    return db, spool_dir


def test_retention_deletes_only_old_loaded_runs_warcs(runs: tuple[Path, Path]) -> None:
    db, spool_dir = runs
    with open_writer(db, lock_timeout=10) as conn:
        assert prune_warcs(conn, spool_dir, keep_days=None, now=NOW).files == ()
        size = find_warc(spool_dir, "old").stat().st_size  # type: ignore[union-attr]
        pruned = prune_warcs(conn, spool_dir, keep_days=30, now=NOW)
        assert [p.name for p in pruned.files] == ["old.warc.gz"] and pruned.bytes == size
        assert find_warc(spool_dir, "old") is None
        assert find_warc(spool_dir, "new") is not None
        assert find_warc(spool_dir, "pending") is not None  # not loaded yet: kept
        count = conn.execute("SELECT count(*) FROM observations WHERE run_id = 'old'").fetchone()
    assert count == (40,)  # the observations stay


def test_bytes_per_month(runs: tuple[Path, Path]) -> None:
    db, spool_dir = runs
    with open_reader(db, retry_timeout=5) as conn:
        months = warc_bytes_by_month(conn, spool_dir)
    sizes = {p.name: p.stat().st_size for p in spool_dir.rglob("*.warc.gz")}
    pending_month = datetime.fromtimestamp(
        (spool_dir / "pending.warc.gz").stat().st_mtime, UTC
    ).strftime("%Y-%m")
    expected: dict[str, list[int]] = {}
    for name, month in (("old.warc.gz", "2022-10"), ("new.warc.gz", "2022-11"),
                        ("pending.warc.gz", pending_month)):  # fmt: skip
        tally = expected.setdefault(month, [0, 0])
        tally[0] += 1
        tally[1] += sizes[name]
    assert months == [
        {"month": m, "files": f, "bytes": b} for m, (f, b) in sorted(expected.items())
    ]


def test_db_status_shows_warc_bytes_and_db_load_applies_retention(
    runs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db, spool_dir = runs
    monkeypatch.setenv("RENTWATCH_SPOOL_DIR", str(spool_dir))
    with pytest.raises(SystemExit):
        main(["--db", str(db), "db", "status", "--json"])
    status = json.loads(capsys.readouterr().out)
    assert sum(m["bytes"] for m in status["warc_bytes_by_month"]) == sum(
        p.stat().st_size for p in spool_dir.rglob("*.warc.gz")
    )
    with pytest.raises(SystemExit):
        main(["--db", str(db), "db", "status"])
    text = capsys.readouterr().out
    assert "raw pages (WARC) per month" in text and "(kept forever)" in text
    assert "  2022-10      1 files" in text

    # Both runs are older than a day by the real clock: the load after merging `pending`
    # deletes the two loaded runs' WARCs and keeps the one it just loaded (started now).
    monkeypatch.setenv("RENTWATCH_WARC_RETENTION_DAYS", "1")
    with pytest.raises(SystemExit):
        main(["--db", str(db), "db", "load"])
    out = capsys.readouterr().out
    assert "WARC retention: 2 file(s)" in out
    assert [p.name for p in spool_dir.rglob("*.warc.gz")] == ["pending.warc.gz"]


def test_warc_prune_command(runs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    db, spool_dir = runs
    monkeypatch.setenv("RENTWATCH_SPOOL_DIR", str(spool_dir))
    with pytest.raises(SystemExit):
        main(["--db", str(db), "warc", "prune"])
    assert "keep all" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--db", str(db), "warc", "prune", "--keep-days", "1"])
    assert "2 file(s)" in capsys.readouterr().out
