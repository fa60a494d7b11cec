"""Inputs of a whole analysis: a CSV file or a rent index series in, one :class:`Analysis` out.

The command line (``rentwatch its``) is a thin face over :func:`read_csv`,
:func:`index_frame` and :func:`run_analysis`; notebooks can use them the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from analysis.its.data import window_cut_note
from analysis.its.exceptions import InvalidData, InvalidSpecification

if TYPE_CHECKING:
    from analysis.index import IndexSeries
    from analysis.its.breaks import BreakResult
    from analysis.its.model import ITSModel
    from analysis.its.placebo import PlaceboResult
    from analysis.its.result import ITSResult

INDEX_TIME_COL = "period"
INDEX_VALUE_COL = "value"


# Separators a spreadsheet may write instead of a comma, used when the header holds one of
# them and no comma.
OTHER_DELIMITERS = (";", "\t")
_COMMA_DECIMAL = re.compile(r"^\s*[-+]?\d+(,\d+)?([eE][-+]?\d+)?\s*$")


def read_csv(path: Path) -> pd.DataFrame:
    """The whole file as a table; unreadable or empty files are one-line errors.

    Comma-separated UTF-8 is the format. A file whose header line holds no comma but ``;``
    or a tab (what a spreadsheet in a Russian or Kazakh locale saves as "CSV") is read
    with that delimiter instead, and there a column whose every value is a number with a
    decimal comma (``66630,09``) is read as numbers: with ``;`` between fields the comma is
    the decimal mark, never a thousands separator. A file that is not UTF-8 (cp1251 from
    Excel) is refused with the byte and line, as ``rentwatch import`` refuses it.
    """
    try:
        delimiter = _delimiter(path)
        table = pd.read_csv(path, sep=delimiter)
        if delimiter != ",":
            table = _comma_decimals(table)
    except FileNotFoundError:
        raise InvalidData(f"CSV file {path} does not exist") from None
    except UnicodeDecodeError:
        raise InvalidData(_not_utf8(path)) from None
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidData(f"cannot read CSV file {path}: {first}") from None
    if table.empty:
        raise InvalidData(f"CSV file {path} has a header but no rows")
    return table


def _delimiter(path: Path) -> str:
    """``,`` unless the header line holds no comma but :data:`OTHER_DELIMITERS` (the most
    frequent of them)."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        header = file.readline()
    counts = {sep: header.count(sep) for sep in OTHER_DELIMITERS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if "," not in header and counts[best] else ","


def _comma_decimals(table: pd.DataFrame) -> pd.DataFrame:
    """Text columns whose every value is a decimal-comma number, as numbers."""
    out = table.copy()
    for name in table.columns:
        column = table[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            continue
        values = column.dropna().astype(str)
        if len(values) and values.str.match(_COMMA_DECIMAL).all():
            out[name] = pd.to_numeric(
                column.astype(str)
                .str.replace(",", ".", regex=False)
                .str.strip()
                .where(column.notna())
            )
    return out


def _not_utf8(path: Path) -> str:
    raw = path.read_bytes()
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return (
            f"CSV file {path}: byte 0x{raw[exc.start]:02x} on line {line} is not UTF-8 "
            "(save the file as UTF-8)"
        )
    return f"CSV file {path} is not UTF-8 text (save the file as UTF-8)"


def index_frame(series: IndexSeries) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A rent index series as ITS input: its points (``period``, ``value``) and the model
    options it implies (log scale, its unit, its label, simulated or not)."""
    frame = series.frame[[INDEX_TIME_COL, INDEX_VALUE_COL]].copy()
    frame[INDEX_TIME_COL] = pd.to_datetime(frame[INDEX_TIME_COL])
    options = {
        "time_col": INDEX_TIME_COL,
        "value_col": INDEX_VALUE_COL,
        "unit": series.unit,
        "label": series.spec.label,
        "simulated": series.simulated,
    }
    return frame, options


def default_errors(model: ITSModel) -> str:
    """The error model a command-line run uses when none is named.

    ``ar1`` for a single gaussian series: in bench/its_coverage.py its 95% intervals cover
    the truth 94.5% of the time on three years of daily rents with AR(1) noise (Newey–West
    with fixed-b critical values 93%, with normal ones and the rule-of-thumb lag 80%).
    Pooled designs take ``newey`` (panel HAC with fixed-b critical values; AR errors are not
    available there) and count families ``ols`` (model-based, with the quasi-Poisson
    dispersion).
    """
    if model.spec.family != "gaussian":
        return "ols"
    return "newey" if model.pooled else "ar1"


def parse_windows(texts: Sequence[str]) -> list[tuple[str, str]]:
    """``START:END`` pairs (inclusive both ends) for effect windows."""
    windows = []
    for text in texts:
        start, sep, end = text.partition(":")
        if not sep or not start or not end:
            raise InvalidSpecification(f"a window is START:END (both inclusive); got {text!r}")
        windows.append((start, end))
    return windows


def parse_order(text: str) -> tuple[int, int, int]:
    """``p,d,q`` for ARIMA errors."""
    try:
        p, d, q = (int(v) for v in text.split(","))
    except ValueError:
        raise InvalidSpecification(f"arima order is p,d,q (three integers); got {text!r}") from None
    return p, d, q


@dataclass(frozen=True)
class AnalysisOptions:
    """The checks to run around the fit and the effects to report.

    ``periods``: the headline window, that many periods from the event (None: the whole
    post period); ``windows``: more (start, end) windows; ``horizons``: effect horizons
    (None: 0, 1, 2, 4…); ``placebos``: how many placebo events (0: none); ``placebo_window``:
    their statistic's window in periods (None: the headline window or the default).
    """

    periods: float | None = None
    windows: tuple[tuple[str, str], ...] = ()
    horizons: tuple[float, ...] | None = None
    find_break: bool = False
    break_terms: str | None = None
    placebos: int = 0
    placebo_window: float | None = None
    sensitivity: bool = False
    fit: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Analysis:
    """A fit and the checks run with it."""

    result: ITSResult
    options: AnalysisOptions
    breaks: BreakResult | None = None
    placebo: PlaceboResult | None = None
    sensitivity: pd.DataFrame | None = None

    def headline(self) -> Any:
        return self.result.average_effect(periods=self.options.periods)

    def notes(self) -> list[str]:
        """What a reader of the headline must know about how it was taken (a window cut to
        the data's post period)."""
        series = self.result.series
        model = self.result.model
        start = (
            float(model.axis.positions(pd.Index([model.event]))[0])
            if model.axis.counts_days
            else None
        )
        note = window_cut_note(
            series["t"].to_numpy(), series["post"].to_numpy(), self.options.periods, start
        )
        return [] if note is None else [note]

    def to_dict(self) -> dict[str, Any]:
        out = self.result.to_dict(horizons=self.options.horizons, windows=self.options.windows)
        out["headline"] = self.headline().to_dict()
        notes = self.notes()
        if notes:
            out["notes"] = notes
        if self.breaks is not None:
            out["find_break"] = self.breaks.to_dict()
        if self.placebo is not None:
            out["placebo"] = self.placebo.to_dict()
        if self.sensitivity is not None:
            out["sensitivity"] = self.sensitivity.to_dict(orient="records")
        return out


def run_analysis(model: ITSModel, options: AnalysisOptions) -> Analysis:
    """Fit ``model`` with ``options.fit`` and run the checks asked for."""
    result = model.fit(**options.fit)
    breaks = result.find_break(terms=options.break_terms) if options.find_break else None
    placebo = None
    if options.placebos:
        window = options.placebo_window or options.periods
        placebo = result.placebo(n=options.placebos, window=window)
    sensitivity = result.sensitivity(periods=options.periods) if options.sensitivity else None
    return Analysis(result, options, breaks, placebo, sensitivity)
