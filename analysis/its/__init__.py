"""Interrupted-time-series engine: model → fit → immutable result.

    from analysis.its import ITSModel
    result = ITSModel(df, time_col="day", value_col="rent", event="2022-09-21",
                      shape="step-pulse", log=True, unit="KZT per month").fit(errors="newey")
    result.average_effect(periods=42)        # Effect: percent, percent_low, percent_high, …

The event date is inclusive in the post period. See ARCHITECTURE.md, section "ITS engine".
"""

from analysis.its.breaks import BreakResult, find_break
from analysis.its.effects import Coefficient, Effect
from analysis.its.exceptions import (
    ColumnNotFound,
    EventOutsideData,
    InvalidData,
    InvalidSpecification,
    ITSError,
    TooFewPrePeriods,
)
from analysis.its.model import ITSModel
from analysis.its.placebo import PlaceboResult, placebo_test
from analysis.its.result import ITSResult
from analysis.its.sensitivity import sensitivity_table
from analysis.its.shapes import DecayEstimate
from analysis.its.spec import ErrorSpec, Seasonality

__all__ = [
    "BreakResult",
    "Coefficient",
    "ColumnNotFound",
    "DecayEstimate",
    "Effect",
    "ErrorSpec",
    "EventOutsideData",
    "ITSError",
    "ITSModel",
    "ITSResult",
    "InvalidData",
    "InvalidSpecification",
    "PlaceboResult",
    "Seasonality",
    "TooFewPrePeriods",
    "find_break",
    "placebo_test",
    "sensitivity_table",
]
