"""The analysis span: which weeks of a city's data an estimate around the event stands on.

A warehouse has holes: a blocked month, a site outage, or years between a web-archive
backfill and today's crawl. An interrupted time series drawn across such a hole fits its
trend through nothing and extrapolates the counterfactual across it, so the span is chosen
from the data's own coverage:

1. **Covered weeks** are the Mondays of the weeks in which the city has at least one
   observation (all sources), inside ``--start``/``--end`` when given.
2. **The run around the event**: covered weeks whose holes are at most ``max_gap_weeks``
   empty weeks long form a run; the span is the run that holds the event's week (the first
   post period). Data beyond a longer hole are left out, and said so.
3. **The extrapolation limit**: the counterfactual is predicted at most
   ``max_extrapolation`` × (weeks before the event) weeks past the event; later weeks of the
   run are left out. With a linear trend the standard error of the extrapolated trend at
   horizon h after a pre-period of n points grows as √(1 + 12 (h/n + ½)²)/√n: at h = n/2 it
   is 1.8 times its value at the event, at h = n 2.6 times, and 3.5 years after a one-year
   pre-period 6.9 times (the counterfactual that fanned out to 800,000 ₸ in issue 13's demo).
   Half the pre-period is the default. A window that does not fit inside it is refused.

Weeks start on Monday; days are Almaty calendar days, both ends of a span inclusive.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Literal

from warehouse.errors import RentwatchError

WEEK = timedelta(weeks=1)
Reason = Literal["gap", "extrapolation", "range"]


class NoSpan(RentwatchError):
    """No span around the event can carry the estimate (no data there, or too little)."""


def monday(day: date) -> date:
    """The Monday of the week ``day`` falls in."""
    return day - timedelta(days=day.weekday())


def weeks_between(first: date, last: date) -> int:
    """Whole weeks from the Monday ``first`` to the Monday ``last`` (``last - first``)."""
    return (last - first).days // 7


@dataclass(frozen=True)
class WeekRun:
    """Consecutive weeks ``first`` .. ``last`` (Mondays, inclusive): ``covered`` of them hold
    data. As a hole (no data at all), ``covered`` is 0."""

    first: date
    last: date
    covered: int

    @property
    def weeks(self) -> int:
        return weeks_between(self.first, self.last) + 1

    @property
    def end_day(self) -> date:
        """The Sunday of the last week."""
        return self.last + timedelta(days=6)


@dataclass(frozen=True)
class LeftOut:
    """Covered weeks outside the span, and why: ``gap`` (beyond a hole of more than
    ``max_gap_weeks`` empty weeks), ``extrapolation`` (past the extrapolation limit) or
    ``range`` (outside the ``start``/``end`` asked for)."""

    run: WeekRun
    reason: Reason


@dataclass(frozen=True)
class Span:
    """The days an estimate stands on: ``start`` (a Monday) .. ``end`` (inclusive).

    ``first_post``: the Monday of the event's week (the first post period). ``pre_weeks``:
    calendar weeks from ``start`` to ``first_post``; ``post_weeks``: from ``first_post`` to the
    end; ``limit_weeks``: the most post weeks the extrapolation limit allows. ``holes``: runs
    of empty weeks inside the span (each at most ``max_gap_weeks`` long). ``left_out``: the
    data the span does not use.
    """

    start: date
    end: date
    first_post: date
    pre_weeks: int
    post_weeks: int
    limit_weeks: int
    max_extrapolation: float
    holes: tuple[WeekRun, ...] = ()
    left_out: tuple[LeftOut, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "first_post": self.first_post.isoformat(),
            "pre_weeks": self.pre_weeks,
            "post_weeks": self.post_weeks,
            "limit_weeks": self.limit_weeks,
            "max_extrapolation": self.max_extrapolation,
            "holes": [_run_dict(h) for h in self.holes],
            "left_out": [{**_run_dict(x.run), "reason": x.reason} for x in self.left_out],
        }


def _run_dict(run: WeekRun) -> dict[str, object]:
    return {"first_week": run.first.isoformat(), "last_week": run.last.isoformat(),
            "weeks": run.weeks, "covered_weeks": run.covered}  # fmt: skip


def runs(weeks: Iterable[date], *, max_gap_weeks: int) -> list[WeekRun]:
    """Covered Mondays grouped into runs: a hole of more than ``max_gap_weeks`` empty weeks
    starts a new run."""
    ordered = sorted(set(weeks))
    found: list[WeekRun] = []
    for week in ordered:
        if found and weeks_between(found[-1].last, week) <= max_gap_weeks + 1:
            last = found[-1]
            found[-1] = WeekRun(last.first, week, last.covered + 1)
        else:
            found.append(WeekRun(week, week, 1))
    return found


def holes(weeks: Iterable[date]) -> list[WeekRun]:
    """Runs of empty weeks between the first and the last covered Monday."""
    ordered = sorted(set(weeks))
    return [WeekRun(a + WEEK, b - WEEK, 0) for a, b in pairwise(ordered) if weeks_between(a, b) > 1]


def choose_span(
    weeks: Sequence[date],
    *,
    event: date,
    window_weeks: int,
    max_gap_weeks: int,
    max_extrapolation: float,
    start: date | None = None,
    end: date | None = None,
    what: str = "the data",
) -> Span:
    """The span around ``event`` (see the module's rules) from the covered Mondays ``weeks``.

    ``start``/``end`` (days, inclusive) bound it when given. Raises :class:`NoSpan` when no
    covered run holds the event's week, or when the extrapolation limit leaves fewer than
    ``window_weeks`` weeks from the event.
    """
    first_post = monday(event)
    lo = monday(start) if start else None
    hi = monday(end) if end else None
    inside = [w for w in weeks if (lo is None or w >= lo) and (hi is None or w <= hi)]
    chosen = set(inside)
    outside = [w for w in weeks if w not in chosen]
    left_out = [LeftOut(r, "range") for r in runs(outside, max_gap_weeks=max_gap_weeks)]
    if not inside:
        raise NoSpan(f"{what}: no observation between {start or '…'} and {end or '…'}")
    found = runs(inside, max_gap_weeks=max_gap_weeks)
    around = [r for r in found if r.first <= first_post <= r.last]
    if not around:
        raise NoSpan(_no_run_message(found, first_post, event, what, max_gap_weeks))
    run = around[0]
    left_out += [LeftOut(r, "gap") for r in found if r is not run]
    pre_weeks = weeks_between(run.first, first_post)
    limit = math.floor(max_extrapolation * pre_weeks)
    if limit < window_weeks:
        raise NoSpan(
            f"{what}: the data before the event start on {run.first} ({pre_weeks} weeks "
            f"before its week), so the counterfactual may be extrapolated {limit} weeks "
            f"({max_extrapolation:g} × the pre-period) and the {window_weeks}-week window "
            "does not fit; load earlier data, or raise --max-extrapolation"
        )
    available = weeks_between(first_post, run.last) + 1
    post_weeks = min(available, limit)
    last_week = first_post + (post_weeks - 1) * WEEK
    if post_weeks < available:
        trimmed = [w for w in inside if last_week < w <= run.last]
        left_out.append(LeftOut(WeekRun(min(trimmed), max(trimmed), len(trimmed)),
                                "extrapolation"))  # fmt: skip
    span_start = max(run.first, start) if start else run.first
    span_end = last_week + timedelta(days=6)
    if end is not None:
        span_end = min(span_end, end)
    in_span = [w for w in inside if run.first <= w <= last_week]
    return Span(
        start=span_start,
        end=span_end,
        first_post=first_post,
        pre_weeks=pre_weeks,
        post_weeks=post_weeks,
        limit_weeks=limit,
        max_extrapolation=max_extrapolation,
        holes=tuple(holes(in_span)),
        left_out=tuple(sorted(left_out, key=lambda x: x.run.first)),
    )


def _no_run_message(
    found: list[WeekRun], first_post: date, event: date, what: str, max_gap_weeks: int
) -> str:
    before = [r for r in found if r.last < first_post]
    after = [r for r in found if r.first > first_post]
    where = f"{what}: no data around the event ({event}, week of {first_post})"
    if before and after:
        return (
            f"{where}: they end on {before[-1].end_day} and resume on {after[0].first}, "
            f"a hole of more than {max_gap_weeks} weeks; choose another --event"
        )
    if before:
        return f"{where}: the last observation is in the week of {before[-1].last}"
    return f"{where}: the first observation is in the week of {after[0].first}"
