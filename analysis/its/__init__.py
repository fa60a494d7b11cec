"""Interrupted-time-series engine: model → fit → immutable result.

    from analysis.its import ITSModel
    result = ITSModel(df, time_col="day", value_col="rent", event="2022-09-21",
                      shape="step-pulse", log=True, unit="KZT per month").fit(errors="newey")
    result.average_effect(periods=42)        # Effect: percent, percent_low, percent_high, …
    result.summary()                         # text and HTML, like statsmodels' Summary
    verdict(result.average_effect(periods=42), placebo=result.placebo(n=40, window=42))

The event date is inclusive in the post period. Designs live one per module
(:mod:`analysis.its.designs`); checks and plots are functions over results. See
ARCHITECTURE.md, section "ITS engine".
"""

from analysis.its.breaks import BreakResult, find_break
from analysis.its.designs import DESIGNS, Design
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
from analysis.its.result import ErrorModelParams, ITSResult
from analysis.its.sensitivity import sensitivity_table
from analysis.its.shapes import DecayEstimate
from analysis.its.spec import ErrorSpec, Seasonality
from analysis.its.verdict import Direction, Reason, Verdict, verdict

__all__ = [
    "DESIGNS",
    "BreakResult",
    "Coefficient",
    "ColumnNotFound",
    "DecayEstimate",
    "Design",
    "Direction",
    "Effect",
    "ErrorModelParams",
    "ErrorSpec",
    "EventOutsideData",
    "ITSError",
    "ITSModel",
    "ITSResult",
    "InvalidData",
    "InvalidSpecification",
    "PlaceboResult",
    "Reason",
    "Seasonality",
    "TooFewPrePeriods",
    "Verdict",
    "find_break",
    "placebo_test",
    "sensitivity_table",
    "verdict",
]
