"""Run several crawls and report how each ended: the one entry point for commands and the demo.

    results = run_crawls(
        [CrawlJob("krisha", {"city": "almaty"}), CrawlJob("olx", {"city": "almaty"})],
        spool_dir=Path("data/spool"),
        settings={"RENTWATCH_KRISHA_BASE_URL": "http://127.0.0.1:8080"},
    )
    failed = [r for r in results if not r.ok]

Twisted's reactor cannot be restarted in a process, so the crawls run in a child process
(``python -m scrapers.run``), one per call: :func:`run_crawls` can then be called any number
of times from one program (a command, a test, the sandbox demo). Inside the child, crawls of
different sites run side by side and crawls of the same site (host and port) run one after
another, so no site ever sees more than one crawler's requests at a time. The child reads its
orders as one JSON line on stdin and keeps stdin open: when the parent dies, stdin closes and
the child stops its crawls gracefully, so a crawl never outlives the command (and its lock)
that started it. Each run's outcome is read back from its spool's sidecar (in the spool
directory, or in ``loaded/``/``rejected/`` when a load ran meanwhile).

The child's Scrapy log goes to ``log_file`` when one is given (the commands name it in
their one line per run), so stdout and stderr carry only what a person reads. A SIGTERM to
the parent is passed on to the child, which is given ``STOP_GRACE`` seconds to close its
spools and is then killed: a crawl never lives on as an orphan. When a site cannot be
reached at all (its name does not resolve, the connection is refused, robots.txt gets no
answer), the later runs against the same site are not tried: each is recorded failed, "not
tried", with the cause, so an offline night ends in seconds, not minutes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from warehouse.errors import RentwatchError, disk_full
from warehouse.spool import (
    LOADED_DIR,
    META_SUFFIX,
    REJECTED_DIR,
    SPOOL_SUFFIX,
    RunMeta,
    SpoolWriter,
    complete_lines,
    new_run_id,
)

logger = logging.getLogger(__name__)

SETTINGS_MODULE: Final = "scrapers.settings"
# Seconds a stopped child has to close its spools before it is killed.
STOP_GRACE: Final = 10.0
# Causes that mean the site cannot be reached at all: later runs against it are not tried.
UNREACHABLE: Final = ("dns", "connection refused", "connection failed")


class CrawlStopped(RentwatchError):
    """The command was told to stop (SIGTERM) while its crawls ran."""


def spider_classes() -> dict[str, type[Any]]:
    """rentwatch's spiders by name (imported on demand: Scrapy is heavy to import)."""
    from scrapers.spiders.krisha import KrishaSpider
    from scrapers.spiders.krisha_archive import KrishaArchiveSpider
    from scrapers.spiders.olx import OlxSpider

    return {cls.name: cls for cls in (KrishaSpider, OlxSpider, KrishaArchiveSpider)}


@dataclass(frozen=True)
class CrawlJob:
    """One run: a spider and its arguments as ``scrapy crawl <spider> -a key=value`` takes them."""

    spider: str
    args: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunResult:
    """How one run ended, read from its spool's sidecar. ``items`` were written to ``spool``."""

    run_id: str
    spider: str
    city: str
    origin: str
    status: str  # finished | failed | crashed
    reason: str | None
    items: int
    spool: Path
    stats: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "finished"

    def line(self) -> str:
        """One line for a person: what ran, how it ended, and why it failed."""
        head = f"{self.spider} {self.city} ({self.origin}): {self.items} items, {self.status}"
        return f"{head}: {self.reason}" if self.reason and not self.ok else head


@dataclass(frozen=True)
class _Planned:
    spider: str
    args: dict[str, str]
    run_id: str
    city: str
    origin: str


def _plan(job: CrawlJob, settings: Mapping[str, Any]) -> _Planned:
    """Validate the job's arguments now (a bad city, or a simulated run aimed at a real site,
    fails before any crawl starts). ``settings``: the Scrapy settings the crawl will have."""
    from scrapers.spiders.params import SpiderArgumentError, parse_args

    classes = spider_classes()
    cls = classes.get(job.spider)
    if cls is None:
        raise SpiderArgumentError(
            f"unknown spider {job.spider!r} (known: {', '.join(sorted(classes))})"
        )
    params = parse_args(cls.params_model, job.args)
    cls.check_target(params, settings)
    run_id = params.run_id or new_run_id(f"{job.spider}-{params.city}")
    return _Planned(job.spider, {**job.args, "run_id": run_id}, run_id, params.city, params.origin)


def _effective(settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """``settings`` over the project's Scrapy settings module."""
    defaults = import_module(SETTINGS_MODULE)
    return {**{k: getattr(defaults, k) for k in dir(defaults) if k.isupper()}, **(settings or {})}


def check_jobs(jobs: Sequence[CrawlJob], settings: Mapping[str, Any] | None = None) -> None:
    """Raise :class:`~scrapers.spiders.params.SpiderArgumentError` for the first bad job, before
    a command takes a lock or creates a file for them."""
    effective = _effective(settings)
    for job in jobs:
        _plan(job, effective)


def run_crawls(
    jobs: Sequence[CrawlJob],
    *,
    spool_dir: Path,
    settings: Mapping[str, Any] | None = None,
    log_file: Path | None = None,
) -> list[RunResult]:
    """Run ``jobs`` in a child process; one :class:`RunResult` per job, in order.

    ``settings`` are Scrapy settings (``RENTWATCH_*`` and Scrapy's own) over
    ``scrapers/settings.py``, as ``scrapy crawl -s`` would set them; ``spool_dir`` is where
    the runs' spools go; ``log_file``, if given, receives the Scrapy log (appended). Raises
    :class:`~scrapers.spiders.params.SpiderArgumentError` (a :class:`RentwatchError`) for a
    bad job before anything runs, and :class:`CrawlStopped` when SIGTERM arrives meanwhile
    (the child is stopped first). A run that could not start or died is reported
    ``crashed``; its spool, if any, is kept for the next load.
    """
    effective = _effective(settings)
    planned = [_plan(job, effective) for job in jobs]
    if not planned:
        return []
    extra: dict[str, Any] = {"RENTWATCH_SPOOL_DIR": str(spool_dir)}
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        extra["LOG_FILE"] = str(log_file)
    orders = {
        "settings": {**(settings or {}), **extra},
        "jobs": [{"spider": p.spider, "args": p.args} for p in planned],
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "scrapers.run"], stdin=subprocess.PIPE, text=True
    )
    assert child.stdin is not None
    try:
        # default=str: a Path or a URL object in the settings travels as its text.
        child.stdin.write(json.dumps(orders, default=str) + "\n")
        child.stdin.flush()
        code = _wait(child)
    finally:
        child.stdin.close()
    if code != 0:
        logger.error("the crawl process exited with code %s", code)
    return [_result(p, spool_dir, code) for p in planned]


class _Terminated(BaseException):
    """SIGTERM arrived while the child ran (BaseException: nothing may swallow it)."""


def _wait(child: subprocess.Popen[str]) -> int:
    """The child's exit code. A SIGTERM to us (or Ctrl-C) stops the child first: it gets
    ``STOP_GRACE`` seconds to close its spools, then it is killed; either way it is gone
    before we are."""

    def terminated(signum: int, frame: Any) -> None:
        raise _Terminated

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, terminated) if main else None
    try:
        return child.wait()
    except (_Terminated, KeyboardInterrupt) as stop:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if isinstance(stop, KeyboardInterrupt):
            raise
        raise CrawlStopped(
            "stopped by SIGTERM: the crawls were stopped with it; their spools wait for "
            "the next load"
        ) from None
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)


def _sidecar(spool_dir: Path, run_id: str) -> Path | None:
    """The run's sidecar: in the spool directory, or moved by a load that ran meanwhile."""
    for folder in (spool_dir, spool_dir / LOADED_DIR, spool_dir / REJECTED_DIR):
        candidate = folder / f"{run_id}{META_SUFFIX}"
        if candidate.is_file():
            return candidate
    return None


def _result(planned: _Planned, spool_dir: Path, code: int) -> RunResult:
    meta_file = _sidecar(spool_dir, planned.run_id)
    spool = spool_dir / f"{planned.run_id}{SPOOL_SUFFIX}"
    if meta_file is None:
        return RunResult(
            planned.run_id, planned.spider, planned.city, planned.origin, "crashed",
            f"the run did not start (crawl process exit code {code})", 0, spool,
        )  # fmt: skip
    meta = RunMeta.read(meta_file)
    spool = meta_file.with_name(spool.name)
    status = "crashed" if meta.status == "running" else meta.status
    items = meta.items
    reason = meta.reason
    if status == "crashed":
        # The sidecar was never finished (killed, or no room to write it): what the spool
        # holds in full is what the run spooled.
        items = complete_lines(spool)
        if disk_full(spool_dir):
            reason = f"spool write failed: disk full at {spool_dir} after {items} rows"
        reason = reason or (
            f"the run died after spooling {items} rows (crawl process exit code {code})"
        )
    return RunResult(
        meta.run_id, meta.spider, planned.city, meta.origin, status, reason, items, spool,
        meta.stats,
    )  # fmt: skip


# --- the child process ----------------------------------------------------------------------


def _chains(jobs: Sequence[dict[str, Any]], settings: Any) -> list[list[dict[str, Any]]]:
    """Jobs grouped by the site (host and port) they talk to, in order: a group runs one job
    at a time, so two crawls never share a site's request budget."""
    classes = spider_classes()
    groups: dict[str, list[dict[str, Any]]] = {}
    for job in jobs:
        base = str(settings.get(classes[job["spider"]].base_url_setting))
        groups.setdefault(urlsplit(base).netloc or base, []).append(job)
    return list(groups.values())


def _child_main() -> int:
    from scrapy.crawler import AsyncCrawlerRunner
    from scrapy.settings import Settings
    from scrapy.utils.defer import deferred_from_coro
    from scrapy.utils.log import configure_logging
    from scrapy.utils.reactor import install_reactor

    orders = json.loads(sys.stdin.readline())
    settings = Settings()
    settings.setmodule(SETTINGS_MODULE, priority="project")
    settings.setdict(orders["settings"], priority="cmdline")
    install_reactor(settings["TWISTED_REACTOR"], settings["ASYNCIO_EVENT_LOOP"])
    reactor: Any = import_module("twisted.internet.reactor")

    configure_logging(settings)
    runner = AsyncCrawlerRunner(settings)
    classes = spider_classes()
    stopping = threading.Event()

    async def run_chain(chain: list[dict[str, Any]]) -> None:
        unreachable: str | None = None
        for job in chain:
            if stopping.is_set():
                return
            if unreachable is not None:
                _not_tried(settings, job, unreachable)
                continue
            crawler = runner.create_crawler(classes[job["spider"]])
            try:
                await runner.crawl(crawler, **job["args"])
            except Exception:
                logger.exception("crawl %s %s could not run", job["spider"], job["args"])
                continue
            unreachable = _unreachable(crawler.stats.get_stats() if crawler.stats else {})
            if unreachable is not None:
                unreachable += f" in run {job['args']['run_id']}"

    async def run_all() -> None:
        await asyncio.gather(*(run_chain(c) for c in _chains(orders["jobs"], settings)))

    def stop(*_: Any) -> None:
        """Stop gracefully: the running crawls close their spools; no new crawl starts. A
        crawl still running after ``STOP_GRACE`` seconds (a request the site holds open) is
        not waited for: the process exits, and the parent reports the run crashed."""
        if not stopping.is_set():
            stopping.set()
            reactor.callFromThread(lambda: deferred_from_coro(runner.stop()))
            timer = threading.Timer(STOP_GRACE * 0.8, lambda: os._exit(3))
            timer.daemon = True
            timer.start()

    def watch_parent() -> None:
        # EOF on stdin: the parent is gone (or done); finish gracefully.
        sys.stdin.read()
        stop()

    def on_start() -> None:
        # After the reactor's own handlers, which would stop it at once, losing the spools' ends.
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        threading.Thread(target=watch_parent, daemon=True).start()
        deferred_from_coro(run_all()).addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(on_start)
    reactor.run()
    return 0


def _unreachable(stats: Mapping[str, Any]) -> str | None:
    """The cause when a run reached nothing of its site (no page read, the site unreachable)."""
    if stats.get("rentwatch/pages"):
        return None
    for cause in UNREACHABLE:
        if stats.get(f"rentwatch/pages_failed/{cause}"):
            return cause
    robots = stats.get("rentwatch/robots_unreachable")
    return f"{robots} (robots.txt unreachable)" if robots in UNREACHABLE else None


def _not_tried(settings: Any, job: dict[str, Any], cause: str) -> None:
    """Record a run that was not started because its site was unreachable the run before."""
    cls = spider_classes()[job["spider"]]
    args = job["args"]
    spool = SpoolWriter(
        Path(settings["RENTWATCH_SPOOL_DIR"]),
        spider=cls.name,
        origin=args.get("origin", "live"),
        source=cls.source,
        cities=[args.get("city", "")],
        run_id=args["run_id"],
    )
    spool.finish("failed", reason=f"not tried: the site was unreachable ({cause})")


if __name__ == "__main__":
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", SETTINGS_MODULE)
    sys.exit(_child_main())
