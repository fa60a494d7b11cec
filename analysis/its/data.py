"""From the user's table to the analysis frame: roles checked, units stacked, scales applied.

One row per unit and period, sorted by unit then time. Columns:

- ``time`` (number or date), ``t`` (periods since the first observation), ``unit``,
  ``treated`` (bool), ``post`` (time >= event: the event is inclusive in the post period),
  ``phase_in`` (post rows within the phase-in window, left out of the fit);
- ``value``: the outcome as given; ``y``: the outcome on the model scale (log(value) when
  the model is on the log scale); ``offset``: log of the offset column, else 0;
- ``season``: the season column, else the calendar month for dates, else NaN;
- one column per covariate, under its own name.

Rows whose outcome is empty are dropped (a gap in the series); a value that is not a number
or not finite, a unit whose outcome is empty in every row, and an implausible value
(:func:`implausible_value`) are errors.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.its.exceptions import ColumnNotFound, InvalidData, InvalidSpecification
from analysis.its.timeaxis import (
    TimeAxis,
    TimePoint,
    as_time_values,
    check_event_inside,
    post_mask,
    regular_step,
)

TREATED_UNIT = "treated"
# A value at least this many times its column's median, or at most its 1/PLAUSIBLE_RATIO,
# and PLAUSIBLE_Z robust standard deviations from it on the log scale, is a data error.
PLAUSIBLE_RATIO = 100.0
PLAUSIBLE_Z = 10.0
_MAD_TO_SD = 1.4826  # the normal distribution's sd / median absolute deviation
# Past this size a value's square overflows a float (1.8e308) in the fits' least squares:
# a column of 1e305 had fitted to NaN and a traceback, or to equal weights after a failed
# solve. No series a fit is meant for comes near it, whatever its unit.
MAX_MAGNITUDE = 1e100
RESERVED = frozenset(
    {"time", "t", "unit", "treated", "post", "phase_in", "value", "y", "offset", "season"}
)


@dataclass(frozen=True)
class Columns:
    """The roles of the user's columns.

    ``controls``: wide-format control series (one column each, same scale as the value).
    ``group``/``treated``: long format, one row per unit and period; the unit named
    ``treated`` is treated, all others are controls. ``offset``: exposure column for count
    families (the model uses its log). ``season``: the position in the season (e.g. month
    1–12) when the time column holds plain numbers.
    """

    time: str
    value: str
    controls: tuple[str, ...] = ()
    covariates: tuple[str, ...] = ()
    group: str | None = None
    treated: Hashable | None = None
    offset: str | None = None
    season: str | None = None

    def all_named(self) -> list[str]:
        names = [self.time, self.value, *self.controls, *self.covariates]
        names += [c for c in (self.group, self.offset, self.season) if c is not None]
        return names


@dataclass(frozen=True)
class Prepared:
    frame: pd.DataFrame
    axis: TimeAxis
    event: TimePoint
    t0: float
    dropped: int


def prepare(
    data: pd.DataFrame,
    columns: Columns,
    *,
    event: object,
    log: bool,
    counts: bool,
    phase_in: int,
) -> Prepared:
    """Check the roles against ``data`` and build the analysis frame (see the module doc)."""
    _check_columns(data, columns)
    if columns.controls and columns.group is not None:
        raise InvalidSpecification("use either control columns or a group column, not both")
    if (columns.group is None) != (columns.treated is None):
        raise InvalidSpecification("a group column and a treated unit go together")
    if phase_in < 0:
        raise InvalidSpecification(f"phase-in must be 0 or more periods; got {phase_in}")
    table = data.reset_index(drop=True)
    axis = TimeAxis.from_values(table[columns.time])
    times = as_time_values(table[columns.time])
    event_point = axis.point(event)

    units = _stack_units(table, columns)
    frames = []
    dropped = 0
    for unit, is_treated, values in units:
        label = unit_name(unit, columns)
        outcome = _numeric(values, label)
        if outcome.isna().all():
            raise InvalidData(f"{label} has no values: every row of it is empty")
        check_plausible(outcome, label, times.loc[values.index], axis)
        keep = outcome.notna().to_numpy()
        dropped += int((~keep).sum())
        rows = values.index[keep]
        part = pd.DataFrame(
            {
                "time": times.loc[rows].to_numpy(),
                "unit": str(unit),
                "treated": is_treated,
                "value": outcome[keep].to_numpy(dtype=float),
            }
        )
        for name in columns.covariates:
            part[name] = _numeric(table.loc[rows, name], f"column {name!r}").to_numpy(float)
        part["offset"] = _offset(table.loc[rows], columns.offset)
        part["season"] = _season(table.loc[rows], columns.season, times.loc[rows], axis)
        frames.append(part)
    frame = pd.concat(frames, ignore_index=True)
    if frame[list(columns.covariates)].isna().any().any():
        raise InvalidData("covariate columns must have a value wherever the outcome has one")
    _check_duplicates(frame, columns.time)

    check_event_inside(frame.loc[frame["treated"], "time"], event_point, axis)
    frame["t"] = axis.positions(frame["time"])
    frame["post"] = post_mask(frame["time"], event_point)
    t0 = float(frame.loc[frame["post"], "t"].min())
    frame["phase_in"] = frame["post"] & (frame["t"] - t0 < phase_in)
    frame["y"] = _model_scale(frame["value"], log=log, counts=counts, name=columns.value)
    frame = frame.sort_values(["treated", "unit", "t"], ascending=[False, True, True])
    return Prepared(frame.reset_index(drop=True), axis, event_point, t0, dropped)


def _check_columns(data: pd.DataFrame, columns: Columns) -> None:
    named = columns.all_named()
    missing = [name for name in named if name not in data.columns]
    if missing:
        available = ", ".join(map(str, data.columns))
        raise ColumnNotFound(f"column {missing[0]!r} is not in the data (columns: {available})")
    clash = sorted(RESERVED.intersection(columns.covariates))
    if clash:
        raise InvalidSpecification(f"covariate name {clash[0]!r} is reserved; rename the column")
    if len(set(named)) != len(named):
        raise InvalidSpecification("each column may have one role only")


def _stack_units(table: pd.DataFrame, columns: Columns) -> list[tuple[Hashable, bool, pd.Series]]:
    """(unit, treated?, outcome values) for every unit, the treated unit first."""
    if columns.group is None:
        units: list[tuple[Hashable, bool, pd.Series]] = [(TREATED_UNIT, True, table[columns.value])]
        units += [(name, False, table[name]) for name in columns.controls]
        return units
    groups = table[columns.group]
    labels = groups.astype(str)
    treated = str(columns.treated)
    if treated not in set(labels):
        shown = ", ".join(sorted(set(labels))[:10])
        raise InvalidData(
            f"treated unit {columns.treated!r} is not in column {columns.group!r} (units: {shown})"
        )
    others = sorted(set(labels) - {treated})
    if not others:
        raise InvalidData(f"column {columns.group!r} holds no control unit besides {treated!r}")
    stacked: list[tuple[Hashable, bool, pd.Series]] = [
        (TREATED_UNIT, True, table.loc[labels == treated, columns.value])
    ]
    stacked += [(u, False, table.loc[labels == u, columns.value]) for u in others]
    return stacked


def window_cut_note(
    t: np.ndarray, post: np.ndarray, periods: float | None, start: float | None = None
) -> str | None:
    """A note when a window of ``periods`` periods from the first post period (or from the
    position ``start``: the event's, on an axis that counts days) reaches past the data
    (positions ``t``, post flags ``post``): the effect then averages only the post periods
    there are, and a reader of "500 periods" must be told. None when it fits."""
    if periods is None or not post.any():
        return None
    t_post = np.asarray(t, dtype=float)[np.asarray(post, dtype=bool)]
    first = float(t_post.min()) if start is None else min(float(start), float(t_post.min()))
    available = float(t_post.max() - first + regular_step(t))
    if periods <= available:
        return None
    return (
        f"the window of {periods:g} periods was cut to the {available:g} the data have from "
        "the event on"
    )


def counted(n: int, noun: str) -> str:
    """``1, "observation"`` -> ``"1 observation"``, ``2`` -> ``"2 observations"``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def unit_name(unit: Hashable, columns: Columns) -> str:
    """How a message names a unit's outcome: its column (wide) or its label (long)."""
    if columns.group is None:
        return f"column {columns.value if unit == TREATED_UNIT else str(unit)!r}"
    label = columns.treated if unit == TREATED_UNIT else unit
    return f"unit {str(label)!r} (column {columns.value!r})"


def implausible_value(values: np.ndarray) -> int | None:
    """Position of the value farthest from the others when it is implausible, else None.

    On the log scale, with m the median of log(values) and s = 1.4826 × the median absolute
    deviation from m (a robust standard deviation), a value is implausible when
    |log(value) − m| exceeds both log(:data:`PLAUSIBLE_RATIO`) (it is 100 times the
    median or a hundredth of it) and :data:`PLAUSIBLE_Z` · s (it is far outside the
    column's own spread). A rent index does not move a hundredfold; a value typed with
    extra digits or in other units does (1e12 among rents of 1e5 gave a "+126,381,735%"
    effect). The spread condition leaves alone a series that spans orders of magnitude by
    itself (growth from 1 to 10,000, a linear count from 1). Only a column whose values are
    all positive is checked: with zeros (counts) or negative values (differences, changes)
    a ratio to the median means nothing. Empty values (NaN) are ignored; fewer than three
    values are not checked.
    """
    array = np.asarray(values, dtype=float)
    known = array[~np.isnan(array)]
    if len(known) < 3 or not (known > 0).all():
        return None
    logs = np.log(array)
    centre = float(np.median(np.log(known)))
    spread = _MAD_TO_SD * float(np.median(np.abs(np.log(known) - centre)))
    distance = np.abs(logs - centre)
    limit = max(np.log(PLAUSIBLE_RATIO), PLAUSIBLE_Z * spread)
    worst = int(np.nanargmax(distance))
    return worst if distance[worst] > limit else None


def implausible_message(name: str, where: str, value: float, values: np.ndarray) -> str:
    """The one-line error for :func:`implausible_value`'s find."""
    median = float(np.nanmedian(values))
    ratio = value / median
    size = f"{ratio:.3g} times" if ratio >= 1 else f"1/{1 / ratio:.3g} of"
    return (
        f"{name}, {where}: {value:.6g} is {size} the column's median {median:.6g}, a "
        "data error (a typo or another unit?); correct or remove the value"
    )


def oversized_value(values: np.ndarray) -> int | None:
    """Position of the largest value in size when it exceeds :data:`MAX_MAGNITUDE`, else
    None (empty values ignored)."""
    sizes = np.abs(np.asarray(values, dtype=float))
    if not (sizes > MAX_MAGNITUDE).any():
        return None
    return int(np.nanargmax(sizes))


def oversized_message(name: str, where: str, value: float) -> str:
    """The one-line error for :func:`oversized_value`'s find."""
    return (
        f"{name}, {where}: {value:.6g} is too large to fit (its square overflows a float "
        f"past {MAX_MAGNITUDE:.0e}); rescale the column (e.g. to thousands or millions)"
    )


def check_plausible(values: pd.Series, name: str, times: pd.Series, axis: TimeAxis) -> None:
    """:func:`oversized_value` and :func:`implausible_value` as an error naming the value,
    its period and data row."""
    array = values.to_numpy(dtype=float, na_value=np.nan)
    if (big := oversized_value(array)) is not None:
        where = f"{axis.label(times.iloc[big])} (data row {int(values.index[big]) + 1})"
        raise InvalidData(oversized_message(name, where, float(values.iloc[big])))
    pos = implausible_value(array)
    if pos is not None:
        where = f"{axis.label(times.iloc[pos])} (data row {int(values.index[pos]) + 1})"
        raise InvalidData(
            implausible_message(name, where, float(values.iloc[pos]), values.to_numpy(float))
        )


def _numeric(values: pd.Series, label: str) -> pd.Series:
    """``values`` as floats (empty stays NaN); ``label`` names the column in the errors for
    text and for infinite values, with the data row (the table's row, 1 the first)."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    numbers = pd.to_numeric(values, errors="coerce")
    if pd.api.types.is_numeric_dtype(values) or numbers.isna().sum() == values.isna().sum():
        bad = pd.Series(False, index=values.index)
    else:
        bad = numbers.isna() & values.notna() & (values.astype(str).str.strip() != "")
    if bad.any():
        pos = int(np.argmax(bad.to_numpy()))
        raise InvalidData(
            f"{label}, data row {int(values.index[pos]) + 1}: {values.iloc[pos]!r} is not a number"
        )
    infinite = np.isinf(numbers.to_numpy(dtype=float, na_value=np.nan))
    if infinite.any():
        pos = int(np.argmax(infinite))
        raise InvalidData(
            f"{label}, data row {int(values.index[pos]) + 1}: {values.iloc[pos]} is not a "
            "finite number"
        )
    return numbers.astype(float)


def _offset(rows: pd.DataFrame, column: str | None) -> np.ndarray:
    if column is None:
        return np.zeros(len(rows))
    exposure = _numeric(rows[column], f"column {column!r}")
    if exposure.isna().any() or (exposure <= 0).any():
        raise InvalidData(f"offset column {column!r} must be positive wherever the outcome is set")
    return np.log(exposure.to_numpy(dtype=float))


def _season(rows: pd.DataFrame, column: str | None, times: pd.Series, axis: TimeAxis) -> np.ndarray:
    if column is not None:
        season = _numeric(rows[column], f"column {column!r}")
        if season.isna().any():
            raise InvalidData(f"season column {column!r} has empty values")
        return season.to_numpy(dtype=float)
    if axis.kind == "date":
        return np.asarray(pd.DatetimeIndex(times).month, dtype=float)
    return np.full(len(rows), np.nan)


def _check_duplicates(frame: pd.DataFrame, time_col: str) -> None:
    dup = frame.duplicated(["unit", "time"])
    if dup.any():
        row = frame[dup].iloc[0]
        where = "" if row["unit"] == TREATED_UNIT else f" for unit {row['unit']!r}"
        raise InvalidData(
            f"time column {time_col!r} repeats {row['time']}{where}: one row per period is needed"
        )


def _model_scale(values: pd.Series, *, log: bool, counts: bool, name: str) -> np.ndarray:
    array = values.to_numpy(dtype=float)
    if counts:
        if (array < 0).any():
            raise InvalidData(f"column {name!r}: counts cannot be negative")
        return array
    if log:
        if (array <= 0).any():
            raise InvalidData(
                f"column {name!r} has zero or negative values, so it cannot be modelled on the "
                "log scale (use --no-log)"
            )
        return np.log(array)
    return array
