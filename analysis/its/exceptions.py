"""Errors a user of the ITS engine can act on (one line each; the CLI prints them and exits 1)."""

from __future__ import annotations

from warehouse.errors import RentwatchError


class ITSError(RentwatchError):
    """An interrupted-time-series analysis cannot run as asked."""


class ColumnNotFound(ITSError):
    """A named column is not in the data."""


class InvalidData(ITSError):
    """The series holds values the model cannot use (non-numeric, non-positive on a log scale…)."""


class EventOutsideData(ITSError):
    """The event is not strictly after the first and at or before the last observation."""


class TooFewPrePeriods(ITSError):
    """The pre-period has too few observations to estimate its level, trend and seasonality."""


class InvalidSpecification(ITSError):
    """An option, or a combination of options, the engine does not support."""
