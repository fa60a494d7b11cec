"""Rent index series that measure rent, not the mix of listings (issue 5).

Public API (everything a caller needs; the submodules are implementation):

``build_index(conn, *, city, method, freq, district=None, rooms=None, flow=False,
base_period=None, start=None, end=None, fx_rates=(), rules=None, se="hc1") -> IndexSeries``
    one series from the warehouse behind ``conn`` (writer or read-only snapshot);
``build_indexes(conn, specs, ...) -> list[IndexSeries]``
    many series, sharing the per-city work (outlier bounds, twins, samples);
``build_indexes_each(conn, specs, ...) -> list[IndexSeries | SeriesError]``
    the same, with a series that cannot be built in its place as its error;
``store_index(conn, series)`` / ``read_index(conn, *, city, method, freq, ...)`` /
``stored_series(conn)``
    the ``index_series`` and ``index_builds`` tables;
``median_rents_before_after(conn, *, city, event, ...)``
    the small table of median rents of 1-, 2- and 3-room flats before and after a date.

Methods: ``median`` (KZT/month), ``median_m2`` (KZT/m²/month), ``mix`` (stratified
mix-adjusted median, KZT/month at the base period's mix), ``hedonic`` (time-dummy index,
base period = 100). Frequencies ``D``, ``W`` (ISO weeks, labelled by Monday), ``M``.
"""

from analysis.index.before_after import median_rents_before_after
from analysis.index.build import build_index, build_indexes, build_indexes_each, period_start
from analysis.index.sample import FxRate
from analysis.index.spec import (
    FRAME_COLUMNS,
    FREQS,
    METHODS,
    UNITS,
    CountingRules,
    Exclusions,
    Freq,
    IndexSeries,
    IndexSpec,
    Method,
    NoListings,
    SeErrors,
    SeriesError,
)
from analysis.index.store import read_index, store_index, stored_series

__all__ = [
    "FRAME_COLUMNS",
    "FREQS",
    "METHODS",
    "UNITS",
    "CountingRules",
    "Exclusions",
    "Freq",
    "FxRate",
    "IndexSeries",
    "IndexSpec",
    "Method",
    "NoListings",
    "SeErrors",
    "SeriesError",
    "build_index",
    "build_indexes",
    "build_indexes_each",
    "median_rents_before_after",
    "period_start",
    "read_index",
    "store_index",
    "stored_series",
]
