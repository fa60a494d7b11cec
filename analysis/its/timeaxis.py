"""The time axis: numbers or dates in, a period count ``t`` out.

``t`` is 0 at the first observation and counts periods of the series: days, weeks, months,
quarters or years for dates (detected from the spacing), units of the column for numbers.
The event splits the series: an observation is in the post period when its time is at or
after the event (the event date is inclusive in the post period).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analysis.its.exceptions import EventOutsideData, InvalidData

TimeKind = Literal["number", "date"]
Frequency = Literal["number", "day", "week", "month", "quarter", "year", "irregular"]
TimePoint = float | pd.Timestamp

# Most common spacing in days -> frequency; anything else is "irregular" and measured in days.
_SPACING_DAYS: tuple[tuple[float, float, Frequency], ...] = (
    (0.99, 1.01, "day"),
    (6.99, 7.01, "week"),
    (27.9, 31.1, "month"),
    (88.9, 92.1, "quarter"),
    (364.9, 366.1, "year"),
)
_MONTHS_PER: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True)
class TimeAxis:
    """How the values of a time column map to periods ``t``."""

    kind: TimeKind
    freq: Frequency
    origin: TimePoint

    @classmethod
    def from_values(cls, values: pd.Series) -> TimeAxis:
        """Detect the axis from a column: numeric → numbers, else dates (ISO strings or dates)."""
        parsed = as_time_values(values)
        if parsed.isna().any():
            raise InvalidData(f"time column {values.name!r} has empty values")
        if pd.api.types.is_numeric_dtype(parsed):
            return cls(kind="number", freq="number", origin=float(parsed.min()))
        unique = np.sort(parsed.drop_duplicates().to_numpy())
        freq: Frequency = "irregular"
        if len(unique) > 1:
            # The most common spacing (the smallest on a tie): gaps in a daily series must
            # not make it look irregular.
            days = np.round(np.diff(unique) / np.timedelta64(1, "D"), 6)
            spacings, counts = np.unique(days, return_counts=True)
            spacing = float(spacings[np.argmax(counts)])
            freq = next((f for lo, hi, f in _SPACING_DAYS if lo <= spacing <= hi), "irregular")
        return cls(kind="date", freq=freq, origin=pd.Timestamp(parsed.min()))

    @property
    def counts_days(self) -> bool:
        """A window of ``periods`` on this axis counts days from its start date (daily or
        irregular dates: the days a portal was seen), not periods from the first observation
        in it (a monthly series with a mid-month event starts on the next month)."""
        return self.kind == "date" and self.freq in ("day", "irregular")

    @property
    def season_period(self) -> float | None:
        """Periods per year on this axis (None for numbers and for yearly or irregular dates)."""
        return {"day": 365.25, "week": 365.25 / 7, "month": 12.0, "quarter": 4.0}.get(self.freq)

    def positions(self, values: pd.Series | pd.Index) -> np.ndarray:
        """``t`` for each value: periods since the origin (float)."""
        parsed = as_time_values(pd.Series(values))
        if self.kind == "number":
            return parsed.to_numpy(dtype=float) - float(self.origin)
        stamps = pd.DatetimeIndex(parsed)
        origin = pd.Timestamp(self.origin)
        if self.freq in _MONTHS_PER:
            months = (stamps.year - origin.year) * 12 + (stamps.month - origin.month)
            return np.asarray(months, dtype=float) / _MONTHS_PER[self.freq]
        days = np.asarray((stamps - origin) / pd.Timedelta(days=1), dtype=float)
        return days / 7 if self.freq == "week" else days

    def point(self, value: object) -> TimePoint:
        """A single time value (an event, a window end) in this axis's type."""
        if self.kind == "number":
            try:
                return float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise InvalidData(
                    f"{value!r} is not a number, but the time column holds numbers"
                ) from None
        try:
            if isinstance(value, str):
                stamp = pd.Timestamp(parse_dates(pd.Series([value], name="event")).iloc[0])
            else:
                stamp = pd.Timestamp(value)  # type: ignore[arg-type]
        except (TypeError, ValueError, InvalidData):
            raise InvalidData(
                f"{value!r} is not a date, but the time column holds dates (write it as YYYY-MM-DD)"
            ) from None
        if stamp is pd.NaT:
            raise InvalidData(f"{value!r} is not a date")
        return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp

    def label(self, value: TimePoint) -> str | float:
        """A JSON-friendly label: ISO date (or date-time) for dates, the number itself
        otherwise (an int when it is whole)."""
        if self.kind == "number":
            number = float(value)
            return int(number) if number.is_integer() else number
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()

    def describe(self) -> dict[str, str | float]:
        return {"kind": self.kind, "freq": self.freq, "origin": self.label(self.origin)}


def as_time_values(values: pd.Series) -> pd.Series:
    """Numbers stay numbers; anything else is parsed as dates (time zones dropped)."""
    if pd.api.types.is_bool_dtype(values):
        raise InvalidData(f"time column {values.name!r} holds booleans, not times")
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values
    else:
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.notna().all() and len(values):
            return numeric.astype(float)
        parsed = parse_dates(values)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed


# Day, month and year as numbers with one separator (05.04.2021, 4/13/2021, 13-04-21), a
# time of day allowed after them.
_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?:$|[\sT])")


def day_first(values: pd.Series) -> bool | None:
    """Whether a column of numeric dates puts the day first (None: not such dates).

    The whole column has one order, read from its values: a first field above 12 is a day
    (day first), a second field above 12 is a day (month first). Where every field is 12 or
    less, dots mean day first (dd.mm.yyyy, the Russian and Kazakh way; no convention writes
    the month first with dots); slashes or dashes are refused as ambiguous. A dateutil-style
    parser would read each value month-first where it can, so that 05.04.2021 became 4 May
    and 13.04.2021 13 April in the same column.
    """
    strings = values.astype(str)
    fields = strings.str.extract(_NUMERIC_DATE)
    if not len(values) or fields[0].isna().any():
        return None
    first, second = fields[0].astype(int), fields[2].astype(int)
    example = str(strings.iloc[0]).strip()
    if (first > 12).any() and (second > 12).any():
        day_one, month_one = (strings[m].iloc[0].strip() for m in (first > 12, second > 12))
        raise InvalidData(
            f"time column {values.name!r} mixes day-first and month-first dates (e.g. "
            f"{day_one!r} and {month_one!r}); write them as YYYY-MM-DD"
        )
    if (first > 12).any():
        return True
    if (second > 12).any():
        return False
    if set(fields[1]) == {"."}:
        return True
    raise InvalidData(
        f"time column {values.name!r}: a date like {example!r} may be day/month or month/day "
        "and no value tells which; write the dates as YYYY-MM-DD"
    )


def parse_dates(values: pd.Series) -> pd.Series:
    """Dates from strings: ISO or any format pandas reads, one order of day and month for
    the whole column when they are numbers (:func:`day_first`)."""
    dayfirst = day_first(values)
    try:
        return pd.to_datetime(values, format="mixed", dayfirst=bool(dayfirst))
    except (ValueError, TypeError) as exc:
        raise InvalidData(
            f"time column {values.name!r} holds values that are neither numbers nor dates ({exc})"
        ) from None


def regular_step(t: np.ndarray) -> float:
    """The most common spacing between distinct values of ``t`` (the smallest on a tie; 1 when
    there is none): the period a gap is measured in. A missing month leaves it at one month."""
    unique = np.unique(np.asarray(t, dtype=float))
    if len(unique) < 2:
        return 1.0
    spacings, counts = np.unique(np.round(np.diff(unique), 9), return_counts=True)
    return float(spacings[np.argmax(counts)])


def before(a: TimePoint, b: TimePoint) -> bool:
    """a < b for two points of the same axis (both numbers or both dates)."""
    return bool(a < b)  # type: ignore[operator]


def post_mask(times: pd.Series, event: TimePoint) -> np.ndarray:
    """True for observations in the post period: time >= event (the event is inclusive)."""
    return np.asarray(times >= event, dtype=bool)


def check_event_inside(times: pd.Series, event: TimePoint, axis: TimeAxis) -> None:
    """The event must leave at least one observation on each side: first < event <= last."""
    first, last = times.min(), times.max()
    if not (first < event <= last):
        raise EventOutsideData(
            f"event {axis.label(event)} is outside the data: it must be after the first "
            f"observation ({axis.label(first)}) and no later than the last ({axis.label(last)})"
        )


# The axes whose rows may be dated by their periods' first days (see snap_event).
_SNAPPED: tuple[Frequency, ...] = ("week", "month", "quarter")


@dataclass(frozen=True)
class EventSnap:
    """An event moved to the first day of the period it falls in (see :func:`snap_event`)."""

    given: str
    used: str
    period: str  # "week", "month" or "quarter"

    def text(self) -> str:
        return (
            f"event {self.given} falls in the {self.period} starting {self.used}: the rows are "
            f"dated by their {self.period}'s first day, so the post period starts with that "
            f"{self.period} (--event {self.used} says the same)"
        )

    def to_dict(self) -> dict[str, str]:
        return {"given": self.given, "used": self.used, "reason": self.text()}


def snap_event(values: pd.Series, event: object) -> EventSnap | None:
    """The start of the period that holds ``event``, when the rows are dated by the first
    day of their periods and the event falls strictly inside one.

    Weekly rows dated on Mondays (ISO weeks, as the warehouse writes them), monthly rows on
    the 1st, quarterly rows on the first day of a quarter: a row covers its period, so an
    event on Wednesday 21 September 2022 is in the row of Monday 19 September, and with the
    inclusive rule alone (time >= event) that week, in which the effect began, would have
    been fitted as pre-period. Rows dated otherwise (Sundays, month ends, numbers, days) are
    left to the inclusive rule: a row dated by its period's last day at or after the event
    is already post. None: nothing to move (or the column is not such dates; the model's
    own checks report what is wrong with it).
    """
    try:
        times = as_time_values(values.dropna())
        if not len(times) or pd.api.types.is_numeric_dtype(times):
            return None
        axis = TimeAxis.from_values(times)
        point = pd.Timestamp(axis.point(event))
    except (InvalidData, ValueError, TypeError):
        return None
    stamps = pd.DatetimeIndex(times.drop_duplicates()).sort_values()
    if point in stamps or axis.freq not in _SNAPPED:
        return None
    if axis.freq == "week":
        if not (stamps.day_of_week == 0).all():
            return None
        start = point.normalize() - pd.Timedelta(days=int(point.day_of_week))
    elif axis.freq == "month":
        if not (stamps.day == 1).all():
            return None
        start = point.normalize().replace(day=1)
    else:
        if not ((stamps.day == 1) & stamps.month.isin([1, 4, 7, 10])).all():
            return None
        start = pd.Timestamp(year=point.year, month=3 * ((point.month - 1) // 3) + 1, day=1)
    if start == point or not (stamps[0] < start <= stamps[-1]):
        return None
    return EventSnap(str(event), str(axis.label(start)), axis.freq)
