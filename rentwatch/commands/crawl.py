"""``rentwatch crawl``, ``backfill`` and ``nightly``: run the spiders, then load what they spooled.

The crawls run in a child process (:func:`scrapers.run.run_crawls`); they write only their
spools, and the load afterwards merges every pending spool (crashed runs' too) in one
transaction. A run that fails a health check is loaded as ``failed`` and the command exits 1
with the reasons on one line.

Each command holds a crawl lock beside the warehouse for its whole length, crawl included
(the warehouse's writer lock is taken only for the load): ``<db>.crawl.lock`` for ``crawl``
and ``nightly``, so overlapping cron runs cannot hit the portals twice over, and
``<db>.backfill.lock`` for ``backfill``, which talks only to the web archive and may take
hours, so it never holds the nightly crawl back. Arguments are checked before any lock is
taken, so a rejected command leaves no file behind.

Each command prints one line per run on stdout, naming the file the Scrapy log went to
(``<db directory>/logs/<command>-<UTC time>.log``); stderr carries only the final verdict.
Exit codes: 0 every run healthy and loaded; 1 a run failed its checks, a spool was rejected,
a lock stayed held, or the command was stopped (SIGTERM); 2 bad usage.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from rentwatch.commands.common import settings_of
from rentwatch.progress import task
from rentwatch.settings import Settings
from scrapers.run import CrawlJob, RunResult, check_jobs, run_crawls
from warehouse import open_writer
from warehouse.errors import RentwatchError
from warehouse.load import LoadReport, load_pending
from warehouse.lock import WriterLock
from warehouse.snapshot import take_snapshot
from warehouse.warcs import prune_warcs


class Source(StrEnum):
    krisha = "krisha"
    olx = "olx"


class LiveOrigin(StrEnum):
    live = "live"
    simulated = "simulated"


class ArchiveOrigin(StrEnum):
    archive = "archive"
    simulated = "simulated"


def scrapy_settings(settings: Settings) -> dict[str, Any]:
    """The ``[crawl]`` settings (and where the warehouse is) as Scrapy settings for the spiders."""
    return {**settings.crawl.scrapy_settings(), "RENTWATCH_DB": str(settings.db)}


@contextmanager
def crawl_lock(settings: Settings, name: str, purpose: str) -> Iterator[None]:
    """``<db>.<name>.lock``, held for a whole command; waits at most ``lock_timeout``. Its
    messages name it ("the crawl lock … is held by pid …")."""
    target = settings.db.with_name(f"{settings.db.name}.{name}")
    with WriterLock(target, timeout=settings.lock_timeout, purpose=purpose, label=f"{name} lock"):
        yield


def log_file_for(settings: Settings, command: str) -> Path:
    """Where a command's Scrapy log goes: ``<db directory>/logs/<command>-<UTC time>.log``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return settings.db.parent / "logs" / f"{command}-{stamp}.log"


def _crawl_and_load(
    settings: Settings, jobs: Sequence[CrawlJob], command: str, *, snapshot: bool = False
) -> tuple[list[RunResult], LoadReport]:
    """Run the crawls, print a line per run, load every pending spool (and snapshot)."""
    log_file = log_file_for(settings, command)
    with task(f"crawling: {len(jobs)} run(s)"):
        results = run_crawls(
            jobs, spool_dir=settings.spools, settings=scrapy_settings(settings), log_file=log_file
        )
    for result in results:
        typer.echo(f"{result.line()} (log {log_file})")
    # One writer-lock hold for the load and the snapshot: the snapshot is exactly this load.
    with WriterLock(settings.db, timeout=settings.lock_timeout):
        with (
            task("loading the spools"),
            open_writer(settings.db, lock_timeout=settings.lock_timeout) as conn,
        ):
            report = load_pending(conn, settings.spools)
            pruned = prune_warcs(conn, settings.spools, keep_days=settings.warc_retention_days)
        typer.echo(report.summary())
        if pruned.files:
            typer.echo(pruned.summary())
        if snapshot:
            with task("snapshot"):
                snap = take_snapshot(
                    settings.db, settings.snapshots, lock_timeout=settings.lock_timeout
                )
            typer.echo(f"snapshot {snap.path} sha256 {snap.sha256}")
    return results, report


def _verdict(results: Sequence[RunResult], report: LoadReport) -> None:
    """Exit 1 with one line when a run failed or a spool was rejected."""
    failed = [r for r in results if not r.ok]
    problems = [r.line() for r in failed] + [
        f"spool {r.spool} rejected: {r.reason}" for r in report.rejected
    ]
    if problems:
        head = f"{len(failed)} of {len(results)} crawl run(s) failed: " if failed else ""
        raise RentwatchError(head + " | ".join(problems))


def _portal_cities(settings: Settings, source: Source, given: list[str] | None) -> list[str]:
    """The cities to crawl on ``source``: those named (each must be on the portal), else the
    crawl list less the cities the portal does not list (olx lists fewer than krisha)."""
    cities = settings.crawl_cities(given)
    if given or source is not Source.olx:
        return list(cities)
    registry = settings.registry
    return [c for c in cities if registry.get(c).olx_slug is not None]


CITY_HELP = (
    "A registered city (code or name); repeatable. Default: [cities] crawl, else the treated "
    "cities and the comparison pool."
)


def register(app: typer.Typer) -> None:
    @app.command("crawl")
    def crawl(
        ctx: typer.Context,
        source: Annotated[Source, typer.Option("--source", help="The portal.")],
        city: Annotated[
            list[str] | None,
            typer.Option("--city", help=CITY_HELP),
        ] = None,
        origin: Annotated[
            LiveOrigin, typer.Option(help="simulated: the sandbox's market on loopback.")
        ] = LiveOrigin.live,
        max_pages: Annotated[
            int | None,
            typer.Option("--max-pages", min=1, help="Stop each city after this many pages."),
        ] = None,
        details: Annotated[
            bool,
            typer.Option(
                "--details", help="krisha: read the detail page of cards with no district."
            ),
        ] = False,
    ) -> None:
        # Help: rentwatch.commands.SUMMARIES["crawl"].
        settings = settings_of(ctx)
        if details and source is not Source.krisha:
            raise RentwatchError("--details is for --source krisha only")
        extra = {"max_pages": str(max_pages)} if max_pages else {}
        if details:
            extra["details"] = "true"
        jobs = [
            CrawlJob(source.value, {"city": c, "origin": origin.value, **extra})
            for c in _portal_cities(settings, source, city)
        ]
        check_jobs(jobs, scrapy_settings(settings))
        with crawl_lock(settings, "crawl", f"rentwatch crawl --source {source.value}"):
            results, report = _crawl_and_load(settings, jobs, "crawl")
        _verdict(results, report)

    @app.command("backfill")
    def backfill(
        ctx: typer.Context,
        date_from: Annotated[
            date,
            typer.Option("--from", formats=["%Y-%m-%d"], help="First capture day (inclusive)."),
        ],
        date_to: Annotated[
            date, typer.Option("--to", formats=["%Y-%m-%d"], help="Last capture day (inclusive).")
        ],
        city: Annotated[
            list[str] | None,
            typer.Option("--city", help=CITY_HELP),
        ] = None,
        origin: Annotated[
            ArchiveOrigin, typer.Option(help="simulated: the sandbox's archive on loopback.")
        ] = ArchiveOrigin.archive,
    ) -> None:
        # Help: rentwatch.commands.SUMMARIES["backfill"].
        settings = settings_of(ctx)
        jobs = [
            CrawlJob(
                "krisha_archive",
                {
                    "city": c,
                    "origin": origin.value,
                    "from": date_from.isoformat(),
                    "to": date_to.isoformat(),
                },
            )
            for c in settings.crawl_cities(city)
        ]
        check_jobs(jobs, scrapy_settings(settings))
        with crawl_lock(
            settings, "backfill", f"rentwatch backfill --from {date_from} --to {date_to}"
        ):
            results, report = _crawl_and_load(settings, jobs, "backfill")
        _verdict(results, report)

    @app.command("nightly")
    def nightly(
        ctx: typer.Context,
        origin: Annotated[
            LiveOrigin, typer.Option(help="simulated: the sandbox's market on loopback.")
        ] = LiveOrigin.live,
    ) -> None:
        # Help: rentwatch.commands.SUMMARIES["nightly"].
        settings = settings_of(ctx)
        jobs = [
            CrawlJob(source.value, {"city": c, "origin": origin.value})
            for source in Source
            for c in _portal_cities(settings, source, None)
        ]
        check_jobs(jobs, scrapy_settings(settings))
        with crawl_lock(settings, "crawl", "rentwatch nightly"):
            results, report = _crawl_and_load(settings, jobs, "nightly", snapshot=True)
        _verdict(results, report)
