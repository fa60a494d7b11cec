"""The layout-change drill: the night krisha moves its prices, nothing is lost.

1. The loopback site serves two search pages in the markup the parser knows, then switches:
   from the third page served on, every card's price sits in a ``div.a-card__cost`` the
   parser has never seen. Every other fact of the card is where it was.
2. The real ``rentwatch crawl`` runs against it and must not look fine: the price-coverage
   check fails the run, the command exits 1 naming the check, and the warehouse holds only
   the listings of the pages served before the switch (loaded, marked failed).
3. The parser learns the new markup. In production that is a commit to
   ``scrapers/parse/krisha.py`` that bumps ``PARSER_VERSION``; here it is the same parser
   plus exactly that one piece of knowledge (the price's new class), registered under the next
   version in the registry ``rentwatch reparse`` takes its parsers from. It is told nothing
   about the listings, and it never sees the site, the spool or the warehouse: only the bytes
   the crawl stored.
4. ``rentwatch reparse --run …`` re-reads the night's WARC with it. Judged against the
   site's own list of listings: every one of that night's listings is in the warehouse, once,
   at its price, stamped with the new parser version: 0 lost, 0 doubled.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from loopback import FakeSites, crawl_env, rentwatch, serve

from rentwatch.cli import main
from scrapers.items import ParsedPage
from scrapers.parse import krisha
from scrapers.warc.reparse import VersionedParser
from warehouse import connect

pytestmark = pytest.mark.e2e

LEARNED_VERSION = krisha.PARSER_VERSION + 1


def parse_learned(html: bytes | str, observed_at: datetime, **kwargs: Any) -> ParsedPage:
    """krisha's parser, taught the redesign's one change: the price is now ``a-card__cost``."""
    raw = html.encode("utf-8") if isinstance(html, str) else html
    return krisha.parse_search_page(
        raw.replace(b'class="a-card__cost"', b'class="a-card__price"'), observed_at, **kwargs
    )


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = connect(db, read_only=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_layout_change_mid_crawl_fails_the_run_and_reparse_recovers_the_night(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    site = FakeSites(krisha={"almaty": 100}, switch_layout_after=2)  # 5 pages, 3 redesigned
    with serve(site) as base:
        env = crawl_env(tmp_path, base, min_items=5)
        night = rentwatch("crawl", "--source", "krisha", "--city", "almaty", env=env, cwd=tmp_path)
    truth = {str(x.listing_id): x.price for x in site.listings("krisha", "almaty")}
    db = tmp_path / "rentwatch.duckdb"

    # 2. The run fails loudly; the warehouse has only what the old parser could read.
    assert night.returncode == 1
    assert "price coverage 40.0% < 95.0%" in night.stderr
    [(run_id, status, reason, stats)] = query(
        db, "SELECT run_id, status, reason, stats FROM crawl_runs"
    )
    assert status == "failed" and "price coverage" in reason
    assert json.loads(stats)["rentwatch/dropped/no_price"] == 60
    assert query(db, "SELECT count(*) FROM observations") == [(40,)]

    # 3. The parser learns the new markup, under the next version.
    learned = VersionedParser(parse_learned, LEARNED_VERSION)
    monkeypatch.setattr("scrapers.warc.reparse.current_parsers", lambda: {"krisha": learned})
    monkeypatch.setenv("RENTWATCH_DB", str(db))
    monkeypatch.setenv("RENTWATCH_SPOOL_DIR", str(tmp_path / "spool"))

    # 4. Reparse the night from its WARC.
    with pytest.raises(SystemExit) as done:
        main(["reparse", "--run", run_id])
    out = capsys.readouterr().out
    assert done.value.code in (0, None), out
    assert f"5 pages re-read by parser v{LEARNED_VERSION}: 100 records" in out
    assert "health ok" in out

    rows = query(db, "SELECT listing_id, price, parser_version, run_id FROM observations")
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)) == 100  # 0 doubled
    assert set(ids) == set(truth)  # 0 lost
    assert {r[0]: r[1] for r in rows} == truth  # each at the price the page showed
    assert {(r[2], r[3]) for r in rows} == {(LEARNED_VERSION, run_id)}
    assert query(db, "SELECT status FROM crawl_runs") == [("failed",)]  # the crawl's verdict

    # Run again: nothing changes.
    with pytest.raises(SystemExit):
        main(["reparse", "--run", run_id])
    capsys.readouterr()
    assert sorted(
        query(db, "SELECT listing_id, price, parser_version, run_id FROM observations")
    ) == sorted(rows)
