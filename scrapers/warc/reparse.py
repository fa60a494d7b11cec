"""Reparse: run today's parsers over the pages a run stored, and merge through the loader.

A run's WARC (:mod:`scrapers.warc.reader`) is read in the order it was written and each page
is parsed as the spider parsed it: search pages with the listings already taken as
repeats (``seen_ids``), and for krisha the district from the run's own detail pages; web
archive captures at their capture time, challenge pages skipped. Every record is stamped with
the run's id, the current parser version and the response's WARC-Record-ID, exactly as the
crawl stamps it, and goes through the ordinary spool and loader, in one transaction with:

- **the replacement**: every stored row derived from a response the reparse re-read (same
  run, same WARC-Record-ID) is deleted first, so the new reading replaces the old one even
  at an equal ``observed_at``; no row of another run, and no row without a record id, is
  deleted by it. The new rows then meet other runs' rows under the loader's one rule (a
  later same-day sighting wins), so the warehouse ends as if the run had been parsed by
  the new parser when it was crawled.
- **never backwards**: responses whose stored rows came from a newer parser version than
  the one running are left alone (an old checkout cannot undo a fix).

Run again, it changes nothing: the same bytes, parser and stamps give the same rows. The run's
health is judged again with the crawl's own stats (finish reason, blocked responses, the
previous run) and the reparse's counts; ``crawl_runs`` keeps the crawl's verdict.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import duckdb
from scrapy.settings import BaseSettings, Settings
from w3lib.encoding import html_to_unicode

from scrapers.items import ListingSnapshot, ParsedPage
from scrapers.monitors import COVERED_FIELDS, Health, evaluate
from scrapers.parse import krisha, olx
from scrapers.parse.blocking import is_blocked
from scrapers.parse.markup import as_served
from scrapers.warc.reader import StoredRecord, WarcReader
from scrapers.warc.writer import RunInfo
from warehouse.errors import RentwatchError
from warehouse.load import LoadReport, load_spools
from warehouse.plausible import PriceBounds
from warehouse.records import LOCAL_TIMEZONE, RecordError, validate_record
from warehouse.spool import SpoolWriter, meta_path_for, new_run_id
from warehouse.warcs import find_warc

PageParser = Callable[..., ParsedPage]


@dataclass(frozen=True)
class VersionedParser:
    """A portal's ``parse_search_page`` and the ``PARSER_VERSION`` stamped on what it derives."""

    parse: PageParser
    version: int


def current_parsers() -> dict[str, VersionedParser]:
    """The parsers this code ships, by source."""
    return {
        krisha.SOURCE: VersionedParser(krisha.parse_search_page, krisha.PARSER_VERSION),
        olx.SOURCE: VersionedParser(olx.parse_search_page, olx.PARSER_VERSION),
    }


# Stats the spider and the pipeline count while parsing; a reparse counts its own instead.
PARSE_STATS: Final = (
    "rentwatch/pages", "rentwatch/cards_seen", "rentwatch/snapshots", "rentwatch/dropped/",
    "rentwatch/records", "rentwatch/with/", "rentwatch/coverage/", "rentwatch/captures_parsed",
    "rentwatch/captures_skipped/challenge_page",
)  # fmt: skip

SELECT_RUNS: Final = f"""
SELECT run_id, spider, source, cities, origin, started_at, status, stats
FROM crawl_runs
WHERE ($run_ids IS NULL OR list_contains($run_ids, run_id))
  AND ($since IS NULL OR CAST(timezone('{LOCAL_TIMEZONE}', started_at) AS DATE) >= $since)
  AND ($source IS NULL OR source = $source)
ORDER BY started_at, run_id
"""

STORED_VERSIONS: Final = """
SELECT warc_record_id, max(parser_version), count(*)
FROM observations
WHERE run_id = $run_id AND warc_record_id IS NOT NULL
GROUP BY warc_record_id
"""


@dataclass
class RunPages:
    """What the current parser reads out of one run's WARC."""

    info: RunInfo
    parser_version: int
    records: list[dict[str, Any]] = field(default_factory=list)
    responses: list[str] = field(default_factory=list)  # WARC-Record-IDs of every response
    by_response: Counter[str] = field(default_factory=Counter)  # records per response
    stats: Counter[str] = field(default_factory=Counter)
    cut_at: int | None = None  # the file ends in a record cut short at this offset

    def count(self, key: str, n: int = 1) -> None:
        self.stats[f"rentwatch/{key}"] += n


def page_arguments(info: RunInfo, stored: StoredRecord) -> dict[str, Any]:
    """``city`` and ``base_url`` as the spider passed them for this page."""
    if stored.kind == "capture" and stored.original_uri:
        parts = urlsplit(stored.original_uri)
        return {"city": info.city, "base_url": f"{parts.scheme or 'https'}://{parts.netloc}"}
    return {"city": info.city, "base_url": info.base_url}


def parse_stored_page(
    info: RunInfo,
    stored: StoredRecord,
    parser: VersionedParser,
    *,
    seen_ids: Collection[str] = (),
) -> ParsedPage:
    """One stored page through ``parser``, observed when the crawl observed it."""
    assert stored.observed_at is not None
    return parser.parse(
        as_served(stored.body, content_type(stored)),
        stored.observed_at,
        seen_ids=seen_ids,
        **page_arguments(info, stored),
    )


def content_type(stored: StoredRecord) -> str | None:
    """The stored response's ``Content-Type`` header (the page's charset may be in it)."""
    return next((value for name, value in stored.headers if name.lower() == "content-type"), None)


def _detail_districts(reader: WarcReader, city: str) -> dict[str, tuple[str | None, str | None]]:
    """krisha with ``details=true``: the district each stored detail page names, by URL."""
    from scrapers.spiders.krisha import district_on_detail_page

    found: dict[str, tuple[str | None, str | None]] = {}
    for stored in reader.records():
        if stored.type == "response" and stored.kind == "detail" and stored.status == 200:
            text = html_to_unicode(content_type(stored), stored.body)[1]  # as Scrapy's .text
            found[str(stored.uri)] = district_on_detail_page(text, city)
    return found


def read_run(
    path: Path,
    parsers: Mapping[str, VersionedParser] | None = None,
    *,
    bounds: Callable[[str], PriceBounds] | None = None,
) -> RunPages:
    """Parse every page of the run stored in ``path`` with the current parsers.

    ``bounds``: the plausible prices for the run's origin (``PriceBounds.from_warehouse``);
    a price outside them is dropped as ``price_implausible``, as the spider drops it, so a
    reparse loads no row the crawl would have refused. None: every parsed price is kept."""
    parsers = parsers or current_parsers()
    with WarcReader(path) as reader:
        info = reader.info
        parser = parsers.get(info.source)
        if parser is None:
            raise RentwatchError(f"{path}: no parser for source {info.source!r}")
        run = RunPages(info, parser.version)
        plausible = bounds(info.origin) if bounds is not None else None
        details = _detail_districts(reader, info.city) if info.details else {}
        taken: set[str] = set()  # listing ids taken from the run's search pages, as the spider
        for stored in reader.records():
            if stored.type != "response":
                continue
            run.responses.append(stored.record_id)
            if stored.kind not in ("search", "capture") or stored.status != 200:
                continue
            if is_blocked(200, stored.body):
                if stored.kind == "capture":
                    run.count("captures_skipped/challenge_page")
                continue
            if stored.kind == "capture":
                run.count("captures_parsed")
                parsed = parse_stored_page(info, stored, parser)
            else:
                parsed = parse_stored_page(info, stored, parser, seen_ids=taken)
                taken.update(s.listing_id for s in parsed.snapshots)
            _take(run, stored, parsed.of_city(info.city), details, plausible)
        run.cut_at = reader.cut_at
    return run


def _take(
    run: RunPages,
    stored: StoredRecord,
    parsed: ParsedPage,
    details: Mapping[str, tuple[str | None, str | None]],
    bounds: PriceBounds | None = None,
) -> None:
    """The page's snapshots as records, counted as the spider and the pipeline count them."""
    run.count("pages")
    run.count("cards_seen", parsed.cards_seen)
    for reason, n in parsed.dropped.items():
        run.count(f"dropped/{reason}", n)
    snapshots = parsed.snapshots
    if bounds is not None:
        snapshots = [
            s
            for s in snapshots
            if bounds.check(s.city, s.rooms, s.price, s.currency, s.price_period)
        ]
        if len(snapshots) < len(parsed.snapshots):
            run.count("dropped/price_implausible", len(parsed.snapshots) - len(snapshots))
    run.count("snapshots", len(snapshots))
    assert stored.observed_at is not None
    for snapshot in snapshots:
        snapshot = _with_detail(snapshot, details)
        record = snapshot.to_record(stored.observed_at, run.info.origin)
        record.update(
            run_id=run.info.run_id,
            parser_version=run.parser_version,
            warc_record_id=stored.record_id,
        )
        try:
            validate_record(record)
        except RecordError:
            run.count("dropped/invalid_record")
            continue
        run.records.append(record)
        run.by_response[stored.record_id] += 1


def _with_detail(
    snapshot: ListingSnapshot, details: Mapping[str, tuple[str | None, str | None]]
) -> ListingSnapshot:
    if snapshot.district is not None or snapshot.url not in details:
        return snapshot
    district, raw = details[str(snapshot.url)]
    if district is None:
        return snapshot
    return dataclasses.replace(snapshot, district=district, district_raw=raw)


@dataclass(frozen=True)
class RunOutcome:
    """One run's reparse: what was read, what it replaced, and its health judged again."""

    run_id: str
    spider: str
    city: str
    warc: Path | None
    parser_version: int | None = None
    pages: int = 0
    records: int = 0
    rows_before: int = 0
    versions_before: tuple[int, ...] = ()
    kept_newer: int = 0  # responses left to a newer parser's rows
    cut_at: int | None = None
    health: Health | None = None
    problem: str | None = None  # why the run was not reparsed

    def line(self) -> str:
        head = f"{self.spider} {self.city} run {self.run_id}"
        if self.problem:
            return f"{head}: not reparsed: {self.problem}"
        before = ", ".join(f"v{v}" for v in self.versions_before) or "no parser version"
        text = (
            f"{head}: {self.pages} pages re-read by parser v{self.parser_version}: "
            f"{self.records} records (stored before: {self.rows_before} rows by {before})"
        )
        if self.kept_newer:
            text += f"; {self.kept_newer} response(s) kept, a newer parser read them"
        if self.cut_at is not None:
            text += f"; WARC cut short at byte {self.cut_at} (read up to it)"
        if self.health is not None:
            text += "; health ok" if self.health.ok else f"; health FAILED: {self.health.reason}"
        return text

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["warc"] = str(self.warc) if self.warc else None
        data["health"] = self.health.to_list() if self.health else None
        return data


@dataclass(frozen=True)
class ReparseReport:
    runs: tuple[RunOutcome, ...]
    load: LoadReport | None

    def summary(self) -> str:
        lines = [r.line() for r in self.runs]
        lines.append(self.load.summary() if self.load else "nothing merged")
        return "\n".join(lines)


def default_thresholds() -> BaseSettings:
    """The crawl-health thresholds of ``scrapers/settings.py``."""
    settings = Settings()
    settings.setmodule("scrapers.settings", priority="project")
    return settings


def select_runs(
    conn: duckdb.DuckDBPyConnection,
    *,
    run_ids: Sequence[str] = (),
    since: date | None = None,
    source: str | None = None,
) -> list[dict[str, Any]]:
    """The loaded runs the filters name; an unknown ``run_ids`` entry is an error."""
    cursor = conn.execute(
        SELECT_RUNS, {"run_ids": list(run_ids) or None, "since": since, "source": source}
    )
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    missing = sorted(set(run_ids) - {r["run_id"] for r in rows})
    if missing:
        raise RentwatchError(
            f"no loaded crawl run {', '.join(missing)}"
            + (f" from source {source}" if source else "")
            + " (a run is reparsed after `rentwatch db load` has merged it)"
        )
    return rows


def reparse(
    conn: duckdb.DuckDBPyConnection,
    spool_dir: Path,
    *,
    run_ids: Sequence[str] = (),
    since: date | None = None,
    source: str | None = None,
    parsers: Mapping[str, VersionedParser] | None = None,
    thresholds: BaseSettings | None = None,
    force: bool = False,
) -> ReparseReport:
    """Reparse the named runs (all loaded runs when no filter is given) from their WARCs and
    merge the result in one transaction. ``conn`` comes from :func:`warehouse.open_writer`.

    ``parsers`` defaults to :func:`current_parsers`; ``thresholds`` (Scrapy settings with the
    ``RENTWATCH_*`` health thresholds) to ``scrapers/settings.py``'s. A run the crawl judged
    healthy whose new reading fails those checks (a parser that finds no card, or no price)
    is kept as stored, and said so; named with ``run_ids`` it is an error. ``force``
    replaces it anyway.
    """
    rows = select_runs(conn, run_ids=run_ids, since=since, source=source)
    if not rows:
        raise RentwatchError("no loaded crawl run matches; nothing to reparse")
    thresholds = thresholds or default_thresholds()
    outcomes: list[RunOutcome] = []
    pages: list[RunPages] = []
    for row in rows:
        outcome, run = _reparse_one(conn, spool_dir, row, parsers, thresholds)
        health = outcome.health
        # The crawl's own rows passed its checks; a whole reading that does not would replace
        # them with less (a parser bug that raises nothing would lose the night). A reading
        # of part of the run (the rest kept for a newer parser) is judged as before.
        if (
            run is not None
            and not force
            and health is not None
            and not health.ok
            and not outcome.kept_newer
            and str(row["status"]) == "finished"
        ):
            problem = (
                f"the new reading fails the crawl's checks ({health.reason}) where the "
                "stored one passed them: kept as stored (--force replaces it)"
            )
            outcome, run = dataclasses.replace(outcome, problem=problem), None
        if run is None and run_ids and outcome.problem:
            raise RentwatchError(outcome.line())
        outcomes.append(outcome)
        if run is not None:
            pages.append(run)
    if not pages:
        return ReparseReport(tuple(outcomes), None)
    with tempfile.TemporaryDirectory(prefix="rentwatch-reparse-") as work:
        spool = _spool(Path(work), pages)
        replacing = [(run.info.run_id, rid) for run in pages for rid in run.responses]
        report = load_spools(conn, [spool], explicit=True, replacing=replacing)
    return ReparseReport(tuple(outcomes), report)


def _reparse_one(
    conn: duckdb.DuckDBPyConnection,
    spool_dir: Path,
    row: Mapping[str, Any],
    parsers: Mapping[str, VersionedParser] | None,
    thresholds: BaseSettings,
) -> tuple[RunOutcome, RunPages | None]:
    run_id, spider, city = str(row["run_id"]), str(row["spider"]), str(row["cities"])
    warc = find_warc(spool_dir, run_id)
    if warc is None:
        return RunOutcome(
            run_id, spider, city, None, problem="no WARC (none kept, or pruned)"
        ), None
    run = read_run(
        warc, parsers, bounds=lambda origin: PriceBounds.from_warehouse(conn, origin=origin)
    )
    if run.info.run_id != run_id:
        problem = f"{warc} belongs to run {run.info.run_id}"
        return RunOutcome(run_id, spider, city, warc, problem=problem), None
    stored = conn.execute(STORED_VERSIONS, {"run_id": run_id}).fetchall()
    newer = {str(rid) for rid, version, _ in stored if (version or 0) > run.parser_version}
    if newer:
        run.responses = [r for r in run.responses if r not in newer]
        run.records = [r for r in run.records if r["warc_record_id"] not in newer]
    before = conn.execute(
        "SELECT count(*), list(DISTINCT parser_version ORDER BY parser_version) "
        "FROM observations WHERE run_id = ?",
        [run_id],
    ).fetchone()
    health = _health(row, run, thresholds)
    outcome = RunOutcome(
        run_id,
        spider,
        city,
        warc,
        parser_version=run.parser_version,
        pages=run.stats["rentwatch/pages"],
        records=len(run.records),
        rows_before=int(before[0]) if before else 0,
        versions_before=tuple(v for v in ((before[1] or []) if before else []) if v is not None),
        kept_newer=len(newer),
        cut_at=run.cut_at,
        health=health,
    )
    return outcome, run


def _health(row: Mapping[str, Any], run: RunPages, thresholds: BaseSettings) -> Health:
    """The crawl's checks on the crawl's own stats with the reparse's parse counts."""
    crawl_stats = json.loads(row["stats"]) if row["stats"] else {}
    stats = {k: v for k, v in crawl_stats.items() if not k.startswith(PARSE_STATS)}
    stats.update(run.stats)
    stats["rentwatch/records"] = len(run.records)
    for name in COVERED_FIELDS:
        stats[f"rentwatch/with/{name}"] = sum(1 for r in run.records if r.get(name) is not None)
    health, _ = evaluate(stats, thresholds)
    return health


def _spool(work: Path, runs: Sequence[RunPages]) -> Path:
    """All runs' records in one spool named for this reparse (``reparse-…``), with no sidecar:
    the loader then records the spool and leaves the runs' ``crawl_runs`` rows alone."""
    first = runs[0].info
    with SpoolWriter(
        work, spider="reparse", origin=first.origin, run_id=new_run_id("reparse")
    ) as spool:
        for run in runs:
            for record in run.records:
                spool.write(record)
    meta_path_for(spool.path).unlink()
    return spool.path
