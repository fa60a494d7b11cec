"""Crawl health: a few named checks over Scrapy's stats, thresholds in settings.

After a run, :func:`evaluate` derives the coverage figures from the counts the spider and
the pipeline kept, then runs :data:`MONITORS` in order. Any failing check fails the run: the
spool's sidecar says ``failed`` with the failing checks as its one-line reason, which becomes
the ``crawl_runs`` row on load, and the command exits non-zero with that line.

The checks that name a cause come first, so a failure line reads cause first: ``dns``,
``http 500 ×12``, ``blocked: cloudflare``, ``robots: disallowed /*page=``, then its
consequences (``coverage 20/200``, ``items 0 < 20``).

| check | stat | setting |
|---|---|---|
| finish reason (blocked: by whom; retry-after too long) | ``finish_reason`` | ``finished`` only |
| robots.txt readable | ``rentwatch/robots_unreachable`` | a 5xx or no answer disallows all |
| pages failed, by cause | ``rentwatch/pages_failed/<cause>`` | ``RENTWATCH_MAX_PAGES_FAILED`` |
| pages that are not rent searches | ``rentwatch/page_problems/<problem>`` | none allowed |
| blocked responses | ``rentwatch/blocked`` | ``RENTWATCH_MAX_BLOCKED`` |
| a backfill read a capture | ``rentwatch/captures_listed``, ``…/captures_parsed`` | at least one |
| captures not fetched | ``…/captures_failed/<cause>`` | ``RENTWATCH_MAX_CAPTURES_FAILED`` |
| coverage (cards read / advertised) | ``rentwatch/ids_read`` | ``RENTWATCH_MIN_COVERAGE`` |
| items (records spooled) | ``rentwatch/records`` | ``RENTWATCH_MIN_ITEMS`` |
| price, rooms, area coverage | ``rentwatch/coverage/*`` | ``RENTWATCH_MIN_FIELD_COVERAGE`` |
| items against the previous run | ``rentwatch/previous_items`` | ``RENTWATCH_MAX_ITEM_DROP`` |
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final, Protocol

import duckdb
from scrapy.settings import BaseSettings

from scrapers.items import OTHER_CITY
from scrapers.middlewares import EVERYTHING
from warehouse.connection import connect
from warehouse.errors import RentwatchError
from warehouse.plausible import PriceBounds

logger = logging.getLogger(__name__)

# The most recent healthy run of the same spider, city and origin.
PREVIOUS_RUN: Final = """
SELECT run_id, items FROM crawl_runs
WHERE spider = $spider AND cities = $city AND origin = $origin AND status = 'finished'
ORDER BY started_at DESC
LIMIT 1
"""

# Cards that are not a listing of this crawl's: a card already taken from an earlier page, or
# a card of another city (covered or not). They do not count against the price coverage.
NOT_OURS: Final = ("duplicate_id", "city_not_covered", OTHER_CITY)
COVERED_FIELDS: Final = ("rooms", "area_m2")


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict; ``detail`` is a short phrase for the run's one-line reason."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Health:
    checks: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def reason(self) -> str | None:
        """The failing checks in one line, or None when the run is healthy."""
        failed = [c.detail for c in self.checks if not c.passed]
        return "; ".join(failed) if failed else None

    def to_list(self) -> list[dict[str, Any]]:
        return [asdict(c) for c in self.checks]


class Monitor(Protocol):
    @property
    def name(self) -> str: ...

    def check(self, stats: Mapping[str, Any], settings: BaseSettings) -> CheckResult: ...


@dataclass(frozen=True)
class AtLeast:
    """``stat`` must be at least the setting ``threshold``; an absent ratio is not measured."""

    name: str
    stat: str
    threshold: str
    ratio: bool = False

    def check(self, stats: Mapping[str, Any], settings: BaseSettings) -> CheckResult:
        limit = settings.getfloat(self.threshold)
        value = stats.get(self.stat, None if self.ratio else 0)
        if value is None:
            return CheckResult(self.name, True, f"{self.name} not measured (no cards)")
        shown = (lambda v: f"{v:.1%}") if self.ratio else (lambda v: f"{v:g}")
        passed = value >= limit
        relation = ">=" if passed else "<"
        return CheckResult(
            self.name, passed, f"{self.name} {shown(value)} {relation} {shown(limit)}"
        )


@dataclass(frozen=True)
class AtMost:
    """``stat`` (a count, 0 when absent) must not exceed the setting ``threshold``."""

    name: str
    stat: str
    threshold: str

    def check(self, stats: Mapping[str, Any], settings: BaseSettings) -> CheckResult:
        limit = settings.getint(self.threshold)
        value = int(stats.get(self.stat, 0))
        passed = value <= limit
        detail = f"{self.name} {value} (at most {limit})"
        if not passed and (example := stats.get("rentwatch/blocked_example")):
            detail += f", e.g. {example}"
        return CheckResult(self.name, passed, detail)


def _counted(stats: Mapping[str, Any], prefix: str) -> list[tuple[str, int]]:
    """``(name, n)`` for every ``<prefix><name>`` count, largest first."""
    found = [
        (key.removeprefix(prefix), int(value))
        for key, value in stats.items()
        if key.startswith(prefix) and isinstance(value, int) and value
    ]
    return sorted(found, key=lambda item: (-item[1], item[0]))


def _times(name: str, n: int) -> str:
    return f"{name} ×{n}" if n > 1 else name


@dataclass(frozen=True)
class FinishReason:
    """The run must end because it ran out of pages, not because it was stopped; a run
    stopped by a firewall or a too-long Retry-After says so."""

    name: str = "finish reason"
    allowed: tuple[str, ...] = ("finished",)

    def check(self, stats: Mapping[str, Any], settings: BaseSettings) -> CheckResult:
        reason = str(stats.get("finish_reason"))
        if reason == "blocked" and (by := stats.get("rentwatch/blocked_by")):
            example = stats.get("rentwatch/blocked_example")
            return CheckResult(
                self.name, False, f"blocked: {by}" + (f" ({example})" if example else "")
            )
        if reason == "retry_after" and (why := stats.get("rentwatch/retry_after_refused")):
            return CheckResult(self.name, False, str(why))
        if reason == "spool_failed" and (why := stats.get("rentwatch/spool_error")):
            return CheckResult(self.name, False, str(why))
        return CheckResult(self.name, reason in self.allowed, f"run ended {reason!r}")


@dataclass(frozen=True)
class RobotsReadable:
    """RFC 9309: a robots.txt that answers 5xx or not at all forbids the whole site."""

    name: str = "robots.txt"

    def check(self, stats: Mapping[str, Any], settings: BaseSettings) -> CheckResult:
        cause = stats.get("rentwatch/robots_unreachable")
        if not cause:
            return CheckResult(self.name, True, "robots.txt read")
        if str(cause).startswith("http "):
            answered = f"HTTP {str(cause).removeprefix('http ')}"
            return CheckResult(
                self.name, False, f"robots: disallowed everything, robots.txt answered {answered}"
            )
        return CheckResult(self.name, False, f"{cause} (robots.txt unreachable)")


@dataclass(frozen=True)
class PagesFailed:
    """Search pages lost after retries, by cause, at most ``RENTWATCH_MAX_PAGES_FAILED``."""

    name: str = "pages failed"
    threshold: str = "RENTWATCH_MAX_PAGES_FAILED"

    def check(self, stats: Mapping[str, Any], settings: BaseSettings) -> CheckResult:
        # Pages robots.txt's absence forbade are the robots check's to report.
        causes = [
            (cause, n)
            for cause, n in _counted(stats, "rentwatch/pages_failed/")
            if not cause.startswith(f"robots: disallowed {EVERYTHING}")
        ]
        lost = sum(n for _, n in causes)
        limit = settings.getint(self.threshold)
        if not causes:
            return CheckResult(self.name, True, "no page failed")
        detail = ", ".join(_times(cause, n) for cause, n in causes)
        if lost <= limit:
            return CheckResult(self.name, True, f"{detail} (at most {limit} pages may fail)")
        return CheckResult(self.name, False, detail)


@dataclass(frozen=True)
class RentSearchPages:
    """Every page must be a rent search read whole (not a detail or sale page, not cut)."""

    name: str = "page types"

    def check(self, stats: Mapping[str, Any], settings: BaseSettings) -> CheckResult:
        problems = _counted(stats, "rentwatch/page_problems/")
        if not problems:
            return CheckResult(self.name, True, "every page a rent search")
        return CheckResult(self.name, False, ", ".join(_times(p, n) for p, n in problems))


@dataclass(frozen=True)
class CapturesRead:
    """A backfill (the stat ``rentwatch/captures_listed`` present) must read a capture: an
    empty capture index for the period, or captures all skipped, is said as the cause where
    the items check alone would say "items 0 < 20". Listed captures it failed to fetch may
    be at most ``RENTWATCH_MAX_CAPTURES_FAILED`` of those listed."""

    name: str = "captures"
    threshold: str = "RENTWATCH_MAX_CAPTURES_FAILED"

    def check(self, stats: Mapping[str, Any], settings: BaseSettings) -> CheckResult:
        listed = stats.get("rentwatch/captures_listed")
        if listed is None:
            return CheckResult(self.name, True, "not a backfill")
        parsed = int(stats.get("rentwatch/captures_parsed", 0))
        failed = _counted(stats, "rentwatch/captures_failed/")
        lost = sum(n for _, n in failed)
        share = settings.getfloat(self.threshold)
        if lost > share * int(listed):
            detail = ", ".join(_times(f"capture {cause}", n) for cause, n in failed)
            return CheckResult(
                self.name, False, f"{detail} of {int(listed)} listed (at most {share:.0%} may fail)"
            )
        if parsed:
            text = f"captures read {parsed} of {int(listed)} listed"
            return CheckResult(self.name, True, text + (f", {lost} failed" if lost else ""))
        if not listed:
            return CheckResult(self.name, False, "no capture in the archive for the period")
        skipped = _counted(stats, "rentwatch/captures_skipped/")
        why = ", ".join(_times(reason, n) for reason, n in skipped) or "none fetched"
        return CheckResult(self.name, False, f"no capture read of {int(listed)} listed ({why})")


@dataclass(frozen=True)
class Coverage:
    """Cards read must reach ``RENTWATCH_MIN_COVERAGE`` of what the search advertises
    ("Найдено 200"), scaled to ``max_pages`` when the run was capped."""

    name: str = "coverage"
    threshold: str = "RENTWATCH_MIN_COVERAGE"

    def check(self, stats: Mapping[str, Any], settings: BaseSettings) -> CheckResult:
        advertised = stats.get("rentwatch/advertised_total")
        if not advertised:
            return CheckResult(self.name, True, "coverage not measured (no total advertised)")
        expected = int(advertised)
        last_page, cap = stats.get("rentwatch/last_page"), stats.get("rentwatch/max_pages")
        if cap and last_page and int(cap) < int(last_page):
            expected = int(expected * int(cap) / int(last_page))
        read = int(stats.get("rentwatch/ids_read", 0))
        passed = read >= settings.getfloat(self.threshold) * expected
        return CheckResult(self.name, passed, f"coverage {read}/{expected}")


@dataclass(frozen=True)
class NoBigDrop:
    """Items must not fall by more than the setting's share against the previous run."""

    name: str = "items against the previous run"
    threshold: str = "RENTWATCH_MAX_ITEM_DROP"

    def check(self, stats: Mapping[str, Any], settings: BaseSettings) -> CheckResult:
        previous = stats.get("rentwatch/previous_items")
        if not previous:
            return CheckResult(self.name, True, "no previous run to compare with")
        items = int(stats.get("rentwatch/records", 0))
        drop = settings.getfloat(self.threshold)
        passed = items >= (1 - drop) * previous
        detail = (
            f"items {items} vs {previous} in the previous run {stats.get('rentwatch/previous_run')}"
        )
        if not passed:
            detail = f"items fell by more than {drop:.0%}: " + detail.removeprefix("items ")
        return CheckResult(self.name, passed, detail)


MONITORS: Final[tuple[Monitor, ...]] = (
    FinishReason(),
    RobotsReadable(),
    PagesFailed(),
    RentSearchPages(),
    AtMost("blocked responses", "rentwatch/blocked", "RENTWATCH_MAX_BLOCKED"),
    CapturesRead(),
    Coverage(),
    AtLeast("items", "rentwatch/records", "RENTWATCH_MIN_ITEMS"),
    AtLeast("price coverage", "rentwatch/coverage/price", "RENTWATCH_MIN_FIELD_COVERAGE", True),
    AtLeast("rooms coverage", "rentwatch/coverage/rooms", "RENTWATCH_MIN_FIELD_COVERAGE", True),
    AtLeast("area coverage", "rentwatch/coverage/area_m2", "RENTWATCH_MIN_FIELD_COVERAGE", True),
    NoBigDrop(),
)


def coverage(stats: Mapping[str, Any]) -> dict[str, float | None]:
    """Shares of cards with a usable price, and of items with rooms and area (None: no data).

    Price: snapshots over the cards seen, less those that are not ours (:data:`NOT_OURS`).
    Rooms and area: over the items written to the spool.
    """
    cards = int(stats.get("rentwatch/cards_seen", 0)) - sum(
        int(stats.get(f"rentwatch/dropped/{reason}", 0)) for reason in NOT_OURS
    )
    items = int(stats.get("rentwatch/records", 0))
    result: dict[str, float | None] = {
        "price": int(stats.get("rentwatch/snapshots", 0)) / cards if cards > 0 else None
    }
    for field in COVERED_FIELDS:
        result[field] = int(stats.get(f"rentwatch/with/{field}", 0)) / items if items else None
    return result


def evaluate(
    stats: Mapping[str, Any], settings: BaseSettings, monitors: tuple[Monitor, ...] = MONITORS
) -> tuple[Health, dict[str, Any]]:
    """Run the monitors; returns the verdict and the stats with the derived coverage added."""
    full = dict(stats)
    for field, share in coverage(stats).items():
        full[f"rentwatch/coverage/{field}"] = share
    return Health(tuple(m.check(full, settings) for m in monitors)), full


def previous_run(
    db: Path, *, spider: str, city: str, origin: str, timeout: float
) -> tuple[str, int] | None:
    """The last healthy run of this spider, city and origin in the warehouse (read-only).

    None when there is none, or when the warehouse is missing or stays busy for ``timeout``
    seconds: the item-drop check is then skipped rather than the crawl refused.
    """
    if not db.is_file():
        return None
    try:
        conn = connect(db, read_only=True, retry_timeout=timeout)
    except RentwatchError as exc:
        logger.warning("previous run not read, item-drop check skipped: %s", exc)
        return None
    try:
        row = conn.execute(
            PREVIOUS_RUN, {"spider": spider, "city": city, "origin": origin}
        ).fetchone()
    except duckdb.Error as exc:
        logger.warning("previous run not read, item-drop check skipped: %s", exc)
        return None
    finally:
        conn.close()
    return (str(row[0]), int(row[1] or 0)) if row else None


def price_bounds(db: Path, *, origin: str, timeout: float) -> PriceBounds:
    """Plausible prices per city and room count from the warehouse (read-only); the outer
    bounds alone when it is missing, busy for ``timeout`` seconds, or holds too little."""
    if not db.is_file():
        return PriceBounds()
    try:
        conn = connect(db, read_only=True, retry_timeout=timeout)
    except RentwatchError as exc:
        logger.warning("price bounds not read, outer bounds only: %s", exc)
        return PriceBounds()
    try:
        return PriceBounds.from_warehouse(conn, origin=origin)
    except duckdb.Error as exc:
        logger.warning("price bounds not read, outer bounds only: %s", exc)
        return PriceBounds()
    finally:
        conn.close()
