"""`reparse`: a newer parser's reading of the same stored responses replaces the older one's,
and nothing else; run twice it changes nothing; one transaction; never backwards.

Runs are built as a crawl builds them, without the crawl: pages in a WARC
(:class:`WarcFileWriter`), the records an "old" parser derived from them spooled with the
run's sidecar and loaded by the real loader.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from scrapers.items import ParsedPage
from scrapers.parse import krisha
from scrapers.warc.capture import warc_path
from scrapers.warc.reparse import VersionedParser, read_run, reparse
from scrapers.warc.writer import Exchange, RunInfo, WarcFileWriter
from tests.factories import record
from tests.loopback import krisha_page, make_listings
from warehouse import open_reader, open_writer
from warehouse.errors import RentwatchError
from warehouse.load import load_spools
from warehouse.plausible import PriceBounds
from warehouse.spool import SpoolWriter
from warehouse.warcs import find_warc

T0 = datetime(2022, 10, 13, 4, 0, tzinfo=UTC)  # 10:00 in Almaty
REAL = VersionedParser(krisha.parse_search_page, krisha.PARSER_VERSION)
NEXT = krisha.PARSER_VERSION + 1


def priced(delta: int, version: int) -> VersionedParser:
    """The real parser reading every price ``delta`` tenge higher: another reading of the
    same bytes, which is what a parser fix looks like from the warehouse."""

    def parse(html: bytes, observed_at: datetime, **kwargs: Any) -> ParsedPage:
        page = krisha.parse_search_page(html, observed_at, **kwargs)
        shifted = [dataclasses.replace(s, price=s.price + delta) for s in page.snapshots]
        return dataclasses.replace(page, snapshots=shifted)

    return VersionedParser(parse, version)


def without(listing_id: str, version: int) -> VersionedParser:
    def parse(html: bytes, observed_at: datetime, **kwargs: Any) -> ParsedPage:
        page = krisha.parse_search_page(html, observed_at, **kwargs)
        kept = [s for s in page.snapshots if s.listing_id != listing_id]
        return dataclasses.replace(page, snapshots=kept)

    return VersionedParser(parse, version)


def crawl_run(
    spool_dir: Path,
    run_id: str,
    *,
    pages: int = 2,
    parser: VersionedParser = REAL,
    start: datetime = T0,
    seed: int = 0,
) -> Path:
    """A run as a crawl leaves it: its WARC, its spool (records of ``parser``) and sidecar."""
    listings = make_listings("almaty", 20 * pages, seed=seed)
    info = RunInfo(
        run_id, "krisha", "krisha", "almaty", "live", parser.version, "https://krisha.kz"
    )
    path = warc_path(spool_dir, run_id)
    with WarcFileWriter(path, info) as warc:
        for n in range(1, pages + 1):
            body = krisha_page(listings, slug="almaty", page=n, total=len(listings), day=start)
            warc.write(
                Exchange(
                    url=f"https://krisha.kz/arenda/kvartiry/almaty/?page={n}",
                    status=200,
                    headers=[(b"Content-Type", b"text/html; charset=utf-8")],
                    body=body,
                    fetched_at=start + timedelta(seconds=n),
                    extra={"Rentwatch-Page": "search"},
                )
            )
    stats = {"finish_reason": "finished"}
    with SpoolWriter(
        spool_dir, spider="krisha", origin="live", source="krisha", cities=["almaty"], run_id=run_id
    ) as spool:
        for row in read_run(path, {"krisha": parser}).records:
            spool.write(row)
        spool.finish("finished", stats=stats)
    return spool.path


def load(db: Path, *spools: Path) -> None:
    with open_writer(db, lock_timeout=10) as conn:
        load_spools(conn, list(spools))


def rows(db: Path, where: str = "TRUE") -> list[tuple[Any, ...]]:
    with open_reader(db, retry_timeout=5) as conn:
        return conn.execute(
            f"SELECT run_id, listing_id, observed_at, price, parser_version, warc_record_id "
            f"FROM observations WHERE {where} ORDER BY ALL"  # where: a literal in these tests
        ).fetchall()


def run_reparse(db: Path, spool_dir: Path, **kwargs: Any) -> Any:
    with open_writer(db, lock_timeout=10) as conn:
        return reparse(conn, spool_dir, **kwargs)


@pytest.fixture
def warehouse(tmp_path: Path) -> tuple[Path, Path]:
    db, spool_dir = tmp_path / "w.duckdb", tmp_path / "spool"
    load(db, crawl_run(spool_dir, "night-1"))
    return db, spool_dir


def test_a_newer_parser_replaces_what_the_older_derived_from_the_same_responses(
    warehouse: tuple[Path, Path],
) -> None:
    db, spool_dir = warehouse
    before = rows(db)
    assert len(before) == 40 and {r[4] for r in before} == {1}
    report = run_reparse(db, spool_dir, parsers={"krisha": priced(1_000, NEXT)})
    after = rows(db)
    # Same keys, same observation times and responses (an exact tie with the stored rows),
    # the new reading's prices and version.
    assert [(r[0], r[1], r[2], r[5]) for r in after] == [(r[0], r[1], r[2], r[5]) for r in before]
    assert [r[3] for r in after] == [r[3] + 1_000 for r in before]
    assert {r[4] for r in after} == {NEXT}
    assert report.load.observations_replaced == 40
    [outcome] = report.runs
    assert (outcome.pages, outcome.records, outcome.rows_before, outcome.versions_before) == (
        2, 40, 40, (krisha.PARSER_VERSION,),
    )  # fmt: skip
    assert outcome.health is not None and outcome.health.ok


def test_reparse_twice_changes_nothing(warehouse: tuple[Path, Path]) -> None:
    db, spool_dir = warehouse
    run_reparse(db, spool_dir, parsers={"krisha": priced(500, NEXT)})
    once = rows(db)
    with open_reader(db, retry_timeout=5) as conn:
        listings_once = conn.execute("SELECT * FROM listings ORDER BY ALL").fetchall()
    run_reparse(db, spool_dir, parsers={"krisha": priced(500, NEXT)})
    assert rows(db) == once
    with open_reader(db, retry_timeout=5) as conn:
        assert conn.execute("SELECT * FROM listings ORDER BY ALL").fetchall() == listings_once


def test_a_row_the_new_parser_no_longer_derives_is_gone(warehouse: tuple[Path, Path]) -> None:
    db, spool_dir = warehouse
    dropped = rows(db)[0][1]
    run_reparse(db, spool_dir, parsers={"krisha": without(dropped, NEXT)})
    assert dropped not in {r[1] for r in rows(db)} and len(rows(db)) == 39


def test_rows_of_other_runs_and_imports_are_not_touched(
    warehouse: tuple[Path, Path], tmp_path: Path
) -> None:
    db, spool_dir = warehouse
    # The same listings the day before (another run), and the same day five hours later.
    load(db, crawl_run(spool_dir, "night-0", start=T0 - timedelta(days=1)))
    load(db, crawl_run(spool_dir, "later-1", start=T0 + timedelta(hours=5), pages=1))
    imported = tmp_path / "import"
    with SpoolWriter(imported, spider="import", origin="import", source="krisha") as spool:
        spool.write(record("670000001", origin="import", observed_at=T0))
    load(db, spool.path)
    others = rows(db, "run_id <> 'night-1'")
    assert len(others) == 40 + 20 + 1
    night = rows(db, "run_id = 'night-1'")
    assert len(night) == 20  # page 1's listings lost the day to the later run

    report = run_reparse(db, spool_dir, run_ids=["night-1"], parsers={"krisha": priced(7, NEXT)})
    assert rows(db, "run_id <> 'night-1'") == others
    assert [r[3] for r in rows(db, "run_id = 'night-1'")] == [r[3] + 7 for r in night]
    # The later sighting still wins the day: the reparse's page-1 rows are not inserted.
    assert report.load.observations_written == 20


def test_an_older_parser_never_undoes_a_newer_ones_rows(warehouse: tuple[Path, Path]) -> None:
    db, spool_dir = warehouse
    run_reparse(db, spool_dir, parsers={"krisha": priced(300, NEXT + 1)})
    newer = rows(db)
    report = run_reparse(db, spool_dir, parsers={"krisha": priced(0, NEXT)})
    assert rows(db) == newer
    assert report.runs[0].kept_newer == 2
    assert "2 response(s) kept, a newer parser read them" in report.summary()


def test_filters_and_one_line_errors(warehouse: tuple[Path, Path]) -> None:
    db, spool_dir = warehouse
    load(db, crawl_run(spool_dir, "night-2", seed=1))
    with open_writer(db, lock_timeout=10) as conn:
        conn.execute("UPDATE crawl_runs SET started_at = TIMESTAMPTZ '2022-10-20 12:00:00+06'")
        conn.execute(
            "UPDATE crawl_runs SET started_at = TIMESTAMPTZ '2022-10-13 10:00:00+06' "
            "WHERE run_id = 'night-1'"
        )
    from datetime import date

    report = run_reparse(db, spool_dir, since=date(2022, 10, 14))
    assert [r.run_id for r in report.runs] == ["night-2"]
    assert [r.run_id for r in run_reparse(db, spool_dir, source="krisha").runs] == [
        "night-1", "night-2",
    ]  # fmt: skip
    with pytest.raises(RentwatchError, match="no loaded crawl run nope"):
        run_reparse(db, spool_dir, run_ids=["nope"])
    with pytest.raises(RentwatchError, match="nothing to reparse"):
        run_reparse(db, spool_dir, source="olx")
    warc_path(spool_dir / "loaded", "night-2").unlink()
    with pytest.raises(RentwatchError, match="no WARC"):
        run_reparse(db, spool_dir, run_ids=["night-2"])
    assert "not reparsed: no WARC" in run_reparse(db, spool_dir).summary()


def cli(db: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "rentwatch.cli", "--db", str(db), *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "RENTWATCH_SPOOL_DIR": str(db.parent / "spool"), **env},
    )  # fmt: skip


@pytest.mark.e2e
def test_a_reparse_killed_inside_its_transaction_changes_nothing(
    warehouse: tuple[Path, Path],
) -> None:
    db, _ = warehouse
    before = rows(db)
    paused = cli(db, "reparse", "--run", "night-1", RENTWATCH_PAUSE_AT="before-commit")
    assert paused.stderr is not None
    for line in paused.stderr:
        if "paused at before-commit" in line:
            break
    else:
        raise AssertionError(paused.communicate())
    paused.send_signal(signal.SIGKILL)
    paused.wait()
    assert rows(db) == before

    done = cli(db, "reparse", "--run", "night-1")
    out, err = done.communicate()
    assert done.returncode == 0, err
    v = krisha.PARSER_VERSION
    assert f"2 pages re-read by parser v{v}: 40 records (stored before: 40 rows by v{v})" in out
    assert rows(db) == before  # the same parser: the same rows


def patched(monkeypatch: pytest.MonkeyPatch, make: Callable[[], VersionedParser]) -> None:
    monkeypatch.setattr("scrapers.warc.reparse.current_parsers", lambda: {"krisha": make()})


def test_the_command_uses_the_current_parsers(
    warehouse: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from rentwatch.cli import main

    db, spool_dir = warehouse
    patched(monkeypatch, lambda: priced(1, NEXT + 2))
    monkeypatch.setenv("RENTWATCH_SPOOL_DIR", str(spool_dir))
    with pytest.raises(SystemExit) as done:
        main(["--db", str(db), "reparse", "--source", "krisha", "--json"])
    assert done.value.code in (0, None)
    import json

    report = json.loads(capsys.readouterr().out)
    assert [r["parser_version"] for r in report["runs"]] == [NEXT + 2]
    assert {r[4] for r in rows(db)} == {NEXT + 2}
    with pytest.raises(SystemExit) as bad:
        main(["--db", str(db), "reparse", "--source", "avito"])
    assert bad.value.code == 1


def test_a_broken_parser_leaves_the_warehouse_as_it_was(warehouse: tuple[Path, Path]) -> None:
    db, spool_dir = warehouse
    before = rows(db)

    def broken(html: bytes, observed_at: datetime, **kwargs: Any) -> ParsedPage:
        raise ValueError("a bug in the new parser")

    with pytest.raises(ValueError, match="a bug"):
        run_reparse(db, spool_dir, parsers={"krisha": VersionedParser(broken, 9)})
    assert rows(db) == before
    with duckdb.connect(str(db), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM spool_loads").fetchone() == (1,)


def test_a_price_the_crawl_would_have_refused_is_not_loaded_by_a_reparse(
    warehouse: tuple[Path, Path],
) -> None:
    db, spool_dir = warehouse
    # A parser "fix" that misreads every price by 100 million tenge a month: the crawl's
    # plausibility rule (warehouse.plausible) drops such a price, and so must the reparse.
    wrong = priced(100_000_000, NEXT)
    path = find_warc(spool_dir, "night-1")
    assert path is not None
    kept = read_run(path, {"krisha": wrong})
    assert len(kept.records) == 40  # no bounds: every parsed price is kept
    checked = read_run(path, {"krisha": wrong}, bounds=lambda origin: PriceBounds())
    assert checked.records == []
    assert checked.stats["rentwatch/dropped/price_implausible"] == 40
    assert checked.stats["rentwatch/snapshots"] == 0
    # One price off on each of the two pages: those rows alone are dropped.
    one = read_run(path, {"krisha": _one_price_off()}, bounds=lambda origin: PriceBounds())
    assert len(one.records) == 38
    assert one.stats["rentwatch/dropped/price_implausible"] == 2
    before = rows(db)
    # A reading that fails the crawl's checks (no price left: items 0 < 20) does not replace
    # a healthy run's rows; named, the run is a one-line error; --force replaces them with
    # what the crawl would have loaded with that parser: nothing.
    report = run_reparse(db, spool_dir, parsers={"krisha": wrong})
    assert report.load is None and "kept as stored" in report.runs[0].line()
    assert "items 0 < 20" in report.runs[0].line()
    assert rows(db) == before
    with pytest.raises(RentwatchError, match="kept as stored"):
        run_reparse(db, spool_dir, run_ids=["night-1"], parsers={"krisha": wrong})
    assert rows(db) == before
    forced = run_reparse(db, spool_dir, parsers={"krisha": wrong}, force=True)
    assert forced.runs[0].records == 0
    assert forced.runs[0].health is not None and not forced.runs[0].health.ok
    assert rows(db) == []


def _one_price_off() -> VersionedParser:
    def parse(html: bytes, observed_at: datetime, **kwargs: Any) -> ParsedPage:
        page = krisha.parse_search_page(html, observed_at, **kwargs)
        first, *rest = page.snapshots
        return dataclasses.replace(page, snapshots=[dataclasses.replace(first, price=3), *rest])

    return VersionedParser(parse, NEXT)
