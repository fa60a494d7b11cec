"""A treated unit and a pool of untreated donors on one time axis: the input of the
comparison-unit designs (:mod:`analysis.its.synthetic`, :mod:`analysis.its.comparative`).

The panel is a balanced matrix: one row per period (time order), one column per unit, the
treated unit first. Values are kept as given (``levels``, e.g. KZT per month) and on the
model scale (``y``: log(levels) when ``log``). The event is inclusive in the post period
(``time >= event`` is post, :func:`analysis.its.timeaxis.post_mask`).

Synthetic control needs every unit in every period used. Gaps are handled explicitly:

- ``missing="error"`` (default): a gap is a one-line :class:`InvalidData` naming the unit and
  the period, and suggesting the two options below;
- ``missing="drop-donors"``: donors with any gap are left out (``dropped_donors`` says which);
  a gap in the treated unit is still an error;
- ``missing="drop-periods"``: periods in which any unit has a gap are left out
  (``dropped_periods`` says which); the time axis keeps its spacing (``t`` jumps);
- ``missing="interpolate-donors"``: a donor with values in fewer than
  :data:`DONOR_COVERAGE` of the pre-period periods in which the treated unit has one (a late
  start, an early end, a long hole) is left out first (``thin_donors`` and
  ``dropped_donors`` say which), as the warehouse's headline leaves out a thin donor, unless
  that would leave fewer than :data:`MIN_DONORS`; a donor's gap of at most
  :data:`MAX_BRIDGED` periods between two of its values is bridged by linear interpolation
  on the model scale (log when ``log``) at the periods' positions (``filled`` says which);
  the periods still missing
  somewhere (the treated unit's gaps, a donor's longer gaps or edges) are left out as with
  ``drop-periods``. With a dozen thin donors each missing a tenth of the weeks at random,
  ``drop-periods`` alone loses most of the pre-period (one donor missing is enough); a
  donor is a predictor, and a week's value between two neighbours is a small guess beside
  losing the week for every unit.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analysis.its.data import (
    implausible_message,
    implausible_value,
    oversized_message,
    oversized_value,
    window_cut_note,
)
from analysis.its.exceptions import (
    ColumnNotFound,
    InvalidData,
    InvalidSpecification,
    TooFewPrePeriods,
)
from analysis.its.timeaxis import (
    TimeAxis,
    TimePoint,
    as_time_values,
    check_event_inside,
    post_mask,
)

Missing = Literal["error", "drop-donors", "drop-periods", "interpolate-donors"]
MISSING: tuple[str, ...] = ("error", "drop-donors", "drop-periods", "interpolate-donors")
MAX_BRIDGED = 3  # the longest run of a donor's missing periods that interpolation bridges
# Under ``interpolate-donors`` a donor with values in fewer than this share of the periods
# before the event in which the treated unit has one is left out rather than costing every
# unit those periods (reports.ReportParams.donor_coverage: the warehouse's headline rule).
DONOR_COVERAGE = 0.8
MIN_DONORS = 2
MIN_PRE_PERIODS = 3


@dataclass(frozen=True, eq=False)
class Panel:
    """A balanced panel: ``times`` (T, time order), ``units`` (treated first, then donors),
    ``levels`` and ``y`` (T × (1 + J), original and model scale), ``t`` (periods since the
    first observation), ``post`` (time >= event), and what was dropped to balance it."""

    times: pd.Series
    t: np.ndarray
    post: np.ndarray
    units: tuple[str, ...]
    levels: np.ndarray
    y: np.ndarray
    axis: TimeAxis
    event: TimePoint
    log: bool
    dropped_donors: tuple[str, ...] = ()
    dropped_periods: tuple[str | float, ...] = ()
    filled: tuple[tuple[str, str | float], ...] = ()
    # Donors left out under ``interpolate-donors`` for too few pre-period values: (donor,
    # periods with a value, periods the treated unit has) — also in ``dropped_donors``.
    thin_donors: tuple[tuple[str, int, int], ...] = ()

    @property
    def treated(self) -> str:
        return self.units[0]

    @property
    def donors(self) -> tuple[str, ...]:
        return self.units[1:]

    @property
    def n_pre(self) -> int:
        return int((~self.post).sum())

    @property
    def n_post(self) -> int:
        return int(self.post.sum())

    @property
    def first_post_t(self) -> float:
        return float(self.t[self.post].min())

    def labels(self) -> list[str | float]:
        return [self.axis.label(v) for v in self.times]

    def window(
        self, start: object = None, end: object = None, *, periods: float | None = None
    ) -> np.ndarray:
        """Row positions of the post periods from ``start`` (default: the event; never
        before it) to ``end`` (inclusive; default: the last period), or ``periods`` periods
        counted from the first observation in the window (t_first ≤ t < t_first + periods),
        as :meth:`analysis.its.ITSResult.average_effect` counts them."""
        first = self.axis.point(start) if start is not None else self.event
        if first < self.event:  # type: ignore[operator]
            raise InvalidSpecification(
                f"the window starts at {self.axis.label(first)}, before the event "
                f"{self.axis.label(self.event)}; effects exist only in the post period"
            )
        if periods is not None and end is not None:
            raise InvalidSpecification("give either end or periods, not both")
        after = np.asarray(self.times >= first) & self.post
        if not after.any():
            raise InvalidSpecification(f"no post-period observation from {self.axis.label(first)}")
        if periods is not None:
            if not periods > 0:
                raise InvalidSpecification(f"periods must be positive; got {periods}")
            # As ITSResult.average_effect counts: days from the start date on an axis of days
            # (TimeAxis.counts_days), else periods from the first observation in the window.
            t_first = self._position(first) if self.axis.counts_days else float(self.t[after].min())
            mask = after & (self.t < t_first + periods)
        else:
            last = self.axis.point(end) if end is not None else self.times.max()
            mask = after & np.asarray(self.times <= last)
            if not mask.any():
                raise InvalidSpecification(
                    f"the window ends ({self.axis.label(last)}) before it starts "
                    f"({self.axis.label(first)})"
                )
        return np.flatnonzero(mask)

    def window_note(self, periods: float | None) -> str | None:
        """A note when a window of ``periods`` reaches past the last period (it is cut)."""
        start = self._position(self.event) if self.axis.counts_days else None
        return window_cut_note(self.t, self.post, periods, start)

    def _position(self, point: TimePoint) -> float:
        """``t`` of a time point on this panel's axis (``t`` is the axis' positions)."""
        return float(self.axis.positions(pd.Index([point]))[0])

    def gap_notes(self) -> list[str]:
        """What balancing the panel left out or filled, one note each."""
        notes = []
        thin = {d for d, _, _ in self.thin_donors}
        if self.thin_donors:
            shown = ", ".join(f"{d} ({n} of {of})" for d, n, of in self.thin_donors)
            notes.append(
                f"donors with values in under {DONOR_COVERAGE:.0%} of the treated unit's "
                f"pre-period left out (their missing periods would have been every unit's): "
                f"{shown}"
            )
        others = [d for d in self.dropped_donors if d not in thin]
        if others:
            notes.append(f"donors with gaps left out: {', '.join(others)}")
        if self.filled:
            shown = ", ".join(f"{unit} {period}" for unit, period in self.filled[:3])
            more = f" and {len(self.filled) - 3} more" if len(self.filled) > 3 else ""
            notes.append(
                f"{len(self.filled)} donor value(s) bridged by interpolation: {shown}{more}"
            )
        if self.dropped_periods:
            notes.append(f"{len(self.dropped_periods)} period(s) with gaps left out")
        return notes

    def with_donors(self, treated: str, donors: Sequence[str]) -> Panel:
        """The same periods with another unit as treated (placebo-in-space)."""
        order = [self.units.index(treated), *(self.units.index(d) for d in donors)]
        return Panel(
            self.times, self.t, self.post, tuple(self.units[i] for i in order),
            self.levels[:, order], self.y[:, order], self.axis, self.event, self.log,
        )  # fmt: skip


def panel_from_wide(
    wide: pd.DataFrame,
    *,
    treated: Hashable,
    donors: Sequence[Hashable] | None,
    event: object,
    log: bool,
    time_col: str | None = None,
    missing: str = "error",
) -> Panel:
    """A panel from a wide table: one row per period, one column per unit.

    The periods are ``wide[time_col]`` or, when ``time_col`` is None, the index (e.g. the
    warehouse's period × city frame). ``donors`` None: every other column.
    """
    donors = _as_list(donors)
    if time_col is not None:
        if time_col not in wide.columns:
            raise ColumnNotFound(_missing_column(time_col, wide))
        times = wide[time_col]
        table = wide.drop(columns=[time_col])
    else:
        times = pd.Series(wide.index, name=wide.index.name or "period")
        table = wide.reset_index(drop=True)
    table = table.reset_index(drop=True)
    times = times.reset_index(drop=True)
    treated_name = _find(table.columns, treated, "treated unit", table)
    if donors is None:
        donor_names: list[Hashable] = [c for c in table.columns if c != treated_name]
    else:
        donor_names = [_find(table.columns, d, "donor", table) for d in donors]
    columns = {str(treated_name): _numeric(table[treated_name], _name(str(treated_name), None))}
    for name in donor_names:
        if str(name) in columns:
            raise InvalidSpecification(f"unit {name!r} is named twice (treated or donor)")
        columns[str(name)] = _numeric(table[name], _name(str(name), None))
    return _build(times, pd.DataFrame(columns), event=event, log=log, missing=missing)


def panel_from_long(
    data: pd.DataFrame,
    *,
    time_col: str,
    group_col: str,
    value_col: str,
    treated: Hashable,
    donors: Sequence[Hashable] | None,
    event: object,
    log: bool,
    missing: str = "error",
) -> Panel:
    """A panel from a long table: one row per unit and period (``group_col`` names the
    unit, ``value_col`` holds the outcome). ``donors`` None: every other unit."""
    donors = _as_list(donors)
    for name in (time_col, group_col, value_col):
        if name not in data.columns:
            raise ColumnNotFound(_missing_column(name, data))
    labels = data[group_col].astype(str)
    units = sorted(set(labels))
    shown = ", ".join(units[:10]) + (f" and {len(units) - 10} more" if len(units) > 10 else "")
    if str(treated) not in units:
        raise InvalidData(
            f"treated unit {treated!r} is not in column {group_col!r} (units: {shown})"
        )
    if donors is None:
        donor_names = [u for u in units if u != str(treated)]
    else:
        donor_names = [str(d) for d in donors]
        unknown = [d for d in donor_names if d not in units]
        if unknown:
            raise InvalidData(
                f"donor {unknown[0]!r} is not in column {group_col!r} (units: {shown})"
            )
        named = [str(treated), *donor_names]
        twice = next((u for u in named if named.count(u) > 1), None)
        if twice is not None:
            raise InvalidSpecification(f"unit {twice!r} is named twice (treated or donor)")
    keep = labels.isin([str(treated), *donor_names])
    part = data.loc[keep, [time_col, value_col]].copy()
    part["_unit"] = labels[keep]
    # Each kept row's position in the whole table: the data row the messages name.
    part.index = pd.RangeIndex(len(data))[keep.to_numpy()]
    part["_time"] = as_time_values(part[time_col])
    if part["_time"].isna().any():
        raise InvalidData(f"time column {time_col!r} has empty values")
    dup = part.duplicated(["_unit", "_time"])
    if dup.any():
        row = part[dup].iloc[0]
        raise InvalidData(
            f"unit {row['_unit']!r} has two rows for {row[time_col]}: one row per unit and "
            "period is needed"
        )
    part["_value"] = _numeric(
        part[value_col], lambda row: _name(str(part.loc[row, "_unit"]), value_col)
    )
    wide = part.pivot(index="_time", columns="_unit", values="_value").sort_index()
    wide = wide[[str(treated), *donor_names]]
    times = pd.Series(wide.index, name=time_col)
    return _build(
        times, wide.reset_index(drop=True), event=event, log=log, missing=missing,
        value_col=value_col,
    )  # fmt: skip


def _build(
    times: pd.Series,
    values: pd.DataFrame,
    *,
    event: object,
    log: bool,
    missing: str,
    value_col: str | None = None,
) -> Panel:
    """The balanced panel (see the module doc). ``value_col``: the long form's outcome
    column (the messages name a unit and that column); None: the units are columns."""
    if missing not in MISSING:
        raise InvalidSpecification(f"missing must be one of {', '.join(MISSING)}; got {missing!r}")
    axis = TimeAxis.from_values(times)
    parsed = as_time_values(times).reset_index(drop=True)
    if parsed.duplicated().any():
        first = parsed[parsed.duplicated()].iloc[0]
        raise InvalidData(f"period {axis.label(first)} appears twice: one row per period is needed")
    order = np.argsort(parsed.to_numpy(), kind="stable")
    parsed = parsed.iloc[order].reset_index(drop=True)
    values = values.iloc[order].reset_index(drop=True)
    event_point = axis.point(event)
    units = [str(c) for c in values.columns]
    _check_values(values, parsed, axis, missing=missing, value_col=value_col)
    given, times_given = values.copy(), parsed
    dropped_donors: list[str] = []
    dropped_periods: list[str | float] = []
    gaps = values.isna()
    filled: list[tuple[str, str | float]] = []
    thin: list[tuple[str, int, int]] = []
    if missing == "interpolate-donors":
        thin = _thin_donors(values, parsed, axis.point(event))
        if len(units) - 1 - len(thin) >= MIN_DONORS:
            dropped_donors = [d for d, _, _ in thin]
            values = values.drop(columns=dropped_donors)
            units = [str(c) for c in values.columns]
        else:
            thin = []
        positions = axis.positions(parsed)
        for unit in units[1:]:
            column, bridged = bridge_gaps(values[unit].to_numpy(dtype=float), positions, log)
            values[unit] = column
            filled += [(unit, axis.label(parsed.iloc[i])) for i in bridged]
        gaps = values.isna()
    if gaps[units[0]].any() and missing not in ("drop-periods", "interpolate-donors"):
        raise InvalidData(
            f"the treated unit {units[0]!r} has no value for "
            f"{axis.label(parsed[gaps[units[0]]].iloc[0])}; fill it or use "
            "missing='drop-periods' (--missing drop-periods)"
        )
    if missing == "error" and gaps.any().any():
        unit = next(u for u in units if gaps[u].any())
        raise InvalidData(
            f"donor {unit!r} has no value for {axis.label(parsed[gaps[unit]].iloc[0])}: "
            "synthetic control needs a balanced panel; fill the gap, or use "
            "missing='drop-donors' or 'drop-periods' (--missing)"
        )
    if missing == "drop-donors":
        dropped_donors = [u for u in units[1:] if gaps[u].any()]
        values = values.drop(columns=dropped_donors)
    elif missing in ("drop-periods", "interpolate-donors"):
        bad = gaps.any(axis=1).to_numpy()
        dropped_periods = [axis.label(v) for v in parsed[bad]]
        values = values.loc[~bad].reset_index(drop=True)
        parsed = parsed.loc[~bad].reset_index(drop=True)
    units = [str(c) for c in values.columns]
    if dropped_periods:
        _check_edges(given, times_given, parsed, event_point, axis, value_col=value_col)
    if len(units) - 1 < MIN_DONORS:
        raise InvalidData(
            f"{len(units) - 1} donor(s) left"
            + (f" after dropping {', '.join(dropped_donors)}" if dropped_donors else "")
            + f"; the comparison designs need at least {MIN_DONORS}"
        )
    check_event_inside(parsed, event_point, axis)
    post = post_mask(parsed, event_point)
    if int((~post).sum()) < MIN_PRE_PERIODS:
        raise TooFewPrePeriods(
            f"the pre-period has {int((~post).sum())} periods; at least {MIN_PRE_PERIODS} needed"
        )
    levels = values.to_numpy(dtype=float)
    if log:
        if (levels <= 0).any():
            col = int(np.argmax((levels <= 0).any(axis=0)))
            raise InvalidData(
                f"unit {units[col]!r} has zero or negative values, so it cannot be modelled on "
                "the log scale (use --no-log)"
            )
        y = np.log(levels)
    else:
        y = levels.copy()
    for array in (levels, y):
        array.setflags(write=False)
    t = axis.positions(parsed)
    return Panel(
        times=parsed,
        t=t,
        post=post,
        units=tuple(units),
        levels=levels,
        y=y,
        axis=axis,
        event=event_point,
        log=log,
        dropped_donors=tuple(dropped_donors),
        thin_donors=tuple(thin),
        dropped_periods=tuple(dropped_periods),
        filled=tuple(filled),
    )


def _name(unit: str, value_col: str | None) -> str:
    return f"column {unit!r}" if value_col is None else f"unit {unit!r} (column {value_col!r})"


def _check_values(
    values: pd.DataFrame,
    times: pd.Series,
    axis: TimeAxis,
    *,
    missing: str,
    value_col: str | None,
) -> None:
    """Every unit has a value somewhere (a donor without any may leave the pool under
    ``drop-donors``), and none is implausible (:func:`analysis.its.data.implausible_value`)."""
    for i, unit in enumerate(map(str, values.columns)):
        column = values.iloc[:, i].to_numpy(dtype=float)
        name = _name(unit, value_col)
        if np.isnan(column).all():
            if i == 0:
                raise InvalidData(f"{name}, the treated unit, has no values: every row is empty")
            if missing != "drop-donors":
                raise InvalidData(
                    f"{name} has no values: every row is empty; leave it out of the donors or "
                    "use missing='drop-donors' (--missing drop-donors)"
                )
        if (big := oversized_value(column)) is not None:
            where = str(axis.label(times.iloc[big]))
            raise InvalidData(oversized_message(name, where, float(column[big])))
        pos = implausible_value(column)
        if pos is not None:
            where = str(axis.label(times.iloc[pos]))
            raise InvalidData(implausible_message(name, where, float(column[pos]), column))


def _thin_donors(
    values: pd.DataFrame, times: pd.Series, event: TimePoint
) -> list[tuple[str, int, int]]:
    """(donor, values, of) for each donor with values in fewer than DONOR_COVERAGE of the
    periods before the event in which the treated unit has one (a late start, an early end,
    a long gap)."""
    pre = values.iloc[:, 0].notna().to_numpy() & ~post_mask(times, event)
    of = int(pre.sum())
    thin = []
    for unit in map(str, values.columns[1:]):
        n = int((values[unit].notna().to_numpy() & pre).sum())
        if n < DONOR_COVERAGE * of:
            thin.append((unit, n, of))
    return thin


def _check_edges(
    values: pd.DataFrame,
    times: pd.Series,
    kept: pd.Series,
    event: TimePoint,
    axis: TimeAxis,
    *,
    value_col: str | None,
) -> None:
    """When leaving out the periods with gaps (``kept`` is what is left of ``times``) leaves
    no post period or too short a pre-period, the unit whose values stop before the event
    (or start after it) is named: the event itself is inside the data."""
    post = post_mask(kept, event)
    if post.any() and int((~post).sum()) >= MIN_PRE_PERIODS:
        return
    for i, unit in enumerate(map(str, values.columns)):
        known = times[values.iloc[:, i].notna().to_numpy()]
        if not post.any() and known.max() < event:
            edge = f"no values after {axis.label(known.max())}"
        elif post.any() and int((known < event).sum()) < MIN_PRE_PERIODS:
            edge = f"no values before {axis.label(known.min())}"
        else:
            continue
        name = _name(unit, value_col)
        if i == 0:
            raise InvalidData(
                f"{name}, the treated unit, has {edge}: the event ({axis.label(event)}) must "
                "fall inside its values"
            )
        raise InvalidData(
            f"{name} has {edge} (the event is {axis.label(event)}), and the periods it "
            "misses cannot be left out: leave it out with missing='drop-donors' "
            "(--missing drop-donors)"
        )


def bridge_gaps(
    column: np.ndarray, positions: np.ndarray, log: bool
) -> tuple[np.ndarray, list[int]]:
    """``column`` with each run of at most :data:`MAX_BRIDGED` missing values between two
    values filled linearly at ``positions`` (on the log scale when ``log`` and every value
    is positive), and the rows filled. Edges and longer runs stay missing."""
    out = column.copy()
    missing = np.isnan(out)
    if not missing.any():
        return out, []
    scale = log and bool((out[~missing] > 0).all())
    known = np.flatnonzero(~missing)
    filled: list[int] = []
    for left, right in itertools.pairwise(known):
        run = right - left - 1
        if 0 < run <= MAX_BRIDGED:
            rows = np.arange(left + 1, right)
            a, b = out[left], out[right]
            if scale:
                a, b = np.log(a), np.log(b)
            share = (positions[rows] - positions[left]) / (positions[right] - positions[left])
            values = a + share * (b - a)
            out[rows] = np.exp(values) if scale else values
            filled += rows.tolist()
    return out, filled


def _as_list(donors: Sequence[Hashable] | None) -> Sequence[Hashable] | None:
    """One donor given as a string is that donor, not its letters."""
    return [donors] if isinstance(donors, str) else donors


def _find(columns: pd.Index, name: Hashable, role: str, table: pd.DataFrame) -> Hashable:
    if name in columns:
        return name
    as_text = {str(c): c for c in columns}
    if str(name) in as_text:
        return as_text[str(name)]
    raise ColumnNotFound(f"{role} {name!r}: " + _missing_column(str(name), table))


def _missing_column(name: str, table: pd.DataFrame) -> str:
    shown = ", ".join(map(str, list(table.columns)[:20]))
    return f"column {name!r} is not in the data (columns: {shown})"


def _numeric(values: pd.Series, name: str | Callable[[int], str]) -> pd.Series:
    """``values`` as floats (empty stays NaN); text or an infinite value is an error naming
    the unit (``name``, or ``name(index)`` when the unit changes from row to row) and the
    data row (``values.index``: the row's position in the table, 1 the first)."""

    def where(pos: int) -> str:
        row = int(values.index[pos])
        return f"{name(row) if callable(name) else name}, data row {row + 1}"

    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.astype(float)
    else:
        numbers = pd.to_numeric(values, errors="coerce").astype(float)
        bad = numbers.isna() & values.notna() & (values.astype(str).str.strip() != "")
        if bad.any():
            pos = int(np.argmax(bad.to_numpy()))
            raise InvalidData(f"{where(pos)}: {values.iloc[pos]!r} is not a number")
    infinite = np.isinf(numbers.to_numpy(dtype=float, na_value=np.nan))
    if infinite.any():
        pos = int(np.argmax(infinite))
        raise InvalidData(f"{where(pos)}: {values.iloc[pos]} is not a finite number")
    return numbers
