"""What a report says, as numbers: the facts gathered from the warehouse, the index and the ITS.

Reports never compute statistics of their own; :mod:`reports.gather` fills these objects from
the analysis layer and the warehouse, and the writers (HTML, PDF) and the prose
(:mod:`reports.narrative`) only read them. Money is KZT per month; effects are in percent of
the expected (no-shock) rent; dates are local calendar days, the event day inclusive in the
post period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from analysis.index.official import OfficialSeries
from reports.span import Span

# Columns of CityEstimate.path, one row per period of the series the ITS ran on.
PATH_COLUMNS = ("period", "observed", "expected", "expected_low", "expected_high", "post")


@dataclass(frozen=True)
class StandIn:
    """Why the single-series design stands in for a comparison design in one city:
    ``found`` usable donors where ``needed`` were asked for."""

    design: str
    found: int
    needed: int

    def text(self) -> str:
        return (
            f"the {self.design} design needs at least {self.needed} comparison cities with "
            f"data ({self.found} have it): the city's own pre-period trend stands in, and it "
            "cannot tell a nationwide rise from the inflow"
        )


@dataclass(frozen=True)
class Interval:
    """An estimate with its interval at ``level`` (0.95 = 95 %), in the unit its name says."""

    estimate: float
    low: float
    high: float
    level: float = 0.95

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class Caveat:
    """A reason to read an estimate with care; ``values`` are what the prose may quote."""

    key: str
    city: str | None = None
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DonorNote:
    """A donor the comparison design left out: ``reason`` ``no_data``, ``thin`` (``values``:
    ``n`` weeks with data of ``of`` before the event, ``share`` needed) or ``window_gap``
    (``values["week"]``: a window week without data)."""

    city: str
    reason: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IntervalParts:
    """What set a synthetic control's backtest interval: ``pseudo_events`` and the backtest's
    half-width, and under ``backtest-placebo`` the placebos' (None with fewer than five
    donors), all in percentage points. Under ``pooled``: ``placebos`` (how many, 0 with
    fewer than five donors), the root mean square error of each set and of the two pooled
    (``backtest_rms``, ``placebo_rms``, ``pooled_rms``, in %: 100 × the log errors') and
    ``correction``, the points the log-scale retransformation took off the estimate."""

    inference: str
    pseudo_events: int
    backtest: float
    placebo: float | None
    placebos: int = 0
    backtest_rms: float | None = None
    placebo_rms: float | None = None
    pooled_rms: float | None = None
    correction: float | None = None


@dataclass(frozen=True)
class Comparison:
    """What a comparison design compared the city with.

    ``design``: ``synthetic`` or ``comparative``; ``variant``: the synthetic-control variant,
    or the comparative design's comparison weights (``equal``, ``synthetic``). ``weights``:
    (donor, weight), largest first (zeros included; they sum to 1). ``pre_rmspe``: root mean
    squared gap between the city and its synthetic twin (comparative: the difference
    series' fit) before the event, in log points. ``left_out``: donors that could not be
    used. ``dropped_periods``: weeks left out of the fit because some donor had no listing
    (beyond a short gap) or the city itself had none; ``filled``: donor weeks bridged by
    interpolation between their neighbours (gaps of at most three weeks).
    ``placebo``: the placebo-in-space table (``unit``, ``treated``, ``pre_rmspe``,
    ``post_rmspe``, ``ratio``, ``effect``, ``percent``, ``kept``, ``rank``; synthetic control
    only), ``placebo_p`` its rank p (at least ``placebo_floor`` = 1 / units), ``gaps`` the
    treated and placebo gaps (period × unit, log points) for the classic figure.
    ``interval``: what set a backtest interval (reports.headline.IntervalParts; None for the
    conformal one and comparative ITS). ``anticipation``: the weeks before the event left
    out of the synthetic control's fit (0: none).
    """

    design: str
    variant: str
    weights: tuple[tuple[str, float], ...]
    pre_rmspe: float
    left_out: tuple[DonorNote, ...] = ()
    dropped_periods: int = 0
    filled: int = 0
    placebo: pd.DataFrame | None = None
    placebo_p: float | None = None
    placebo_floor: float | None = None
    gaps: pd.DataFrame | None = None
    interval: IntervalParts | None = None
    anticipation: int = 0

    def top(self, share: float = 0.9, least: float = 0.01) -> tuple[tuple[str, float], ...]:
        """The largest weights until they add up to ``share`` of the whole (each at least
        ``least``): the donors a sentence names."""
        out: list[tuple[str, float]] = []
        total = 0.0
        for city, weight in self.weights:
            if weight < least or total >= share:
                break
            out.append((city, weight))
            total += weight
        return tuple(out)


@dataclass(frozen=True)
class CityEstimate:
    """The headline estimate for one city: the rent series of ``rooms``-room flats (of new
    listings only when ``flow``).

    ``effect_pct`` is the average effect over the window ``window_start`` ..
    ``window_end`` (both inclusive; weekly, so it starts on the Monday of the event's week),
    in percent of the expected rent;
    ``effect_kzt`` the same in KZT per month. ``path`` holds the observed series and the
    expected (counterfactual) one with its band, in KZT per month (columns
    :data:`PATH_COLUMNS`). ``window_start`` is the first post period (the week that holds
    the event day). ``break_date`` .. ``break_high``: the first post period a break search
    found, with its interval, and the search's p-value. ``sensitivity``: the smallest and
    largest window effect (%) over the specifications of the sensitivity table that could be
    fitted (``estimate`` is the headline's); ``sensitivity_includes_zero``: some of their
    intervals include zero. ``span``: the days the series was built on and what the span left
    out (:mod:`reports.span`). ``design``: the headline's design (as fitted; ``stand_in``
    says why the single series stands in for an asked comparison design); ``comparison``: what a
    comparison design compared the city with (None for the single-series designs), in which
    case ``expected`` is the synthetic twin (or the comparison-based counterfactual) and its
    band covers the window only (the interval of the window's average effect, as a range of
    the expected level).
    """

    city: str
    rooms: int
    method: str
    freq: str
    event: date
    window_start: date
    window_end: date
    window_weeks: int
    effect_pct: Interval
    effect_kzt: Interval | None
    path: pd.DataFrame
    n_pre: int
    n_post: int
    pre_fit_r2: float | None = None
    placebo_p: float | None = None
    placebo_n: int = 0
    break_date: date | None = None
    break_low: date | None = None
    break_high: date | None = None
    break_p: float | None = None
    residual_autocorr_p: float | None = None
    sensitivity: Interval | None = None
    sensitivity_includes_zero: bool = False
    flow: bool = False
    span: Span | None = None
    design: str = "counterfactual"
    comparison: Comparison | None = None
    stand_in: StandIn | None = None


@dataclass(frozen=True)
class RoomMedians:
    """Median asking rent of ``rooms``-room flats in a city before and after the event.

    ``before`` covers the ``window_weeks`` weeks up to the day before the event, ``after``
    the same number of weeks from the event day; each flat counts once per window (the
    index's counting rules, :func:`analysis.index.median_rents_before_after`). Values are
    KZT per month; None when the window holds no flat of that size.
    """

    city: str
    rooms: int
    before_kzt: float | None
    after_kzt: float | None
    n_before: int
    n_after: int

    @property
    def change_pct(self) -> float | None:
        if not self.before_kzt or self.after_kzt is None:
            return None
        return (self.after_kzt / self.before_kzt - 1) * 100


@dataclass(frozen=True)
class Coverage:
    """What the data behind a report holds.

    ``weekly``: city, source, origin, week (Monday), listings, observations.
    ``gaps``: city, week — weeks inside the covered range with no listing at all, or with
    fewer than the report's minimum.
    """

    weekly: pd.DataFrame
    gaps: pd.DataFrame
    first_day: date
    last_day: date
    sources: tuple[str, ...]
    origins: tuple[str, ...]
    listings: int
    observations: int

    @property
    def simulated(self) -> bool:
        return "simulated" in self.origins


@dataclass(frozen=True)
class EconomistTables:
    """The ITS detail an economist checks, per city (tidy frames, one ``city`` column each)."""

    coefficients: pd.DataFrame
    effects: pd.DataFrame
    diagnostics: pd.DataFrame
    residuals: pd.DataFrame
    placebos: pd.DataFrame
    sensitivity: pd.DataFrame
    break_search: pd.DataFrame
    index_series: pd.DataFrame
    weights: pd.DataFrame = field(default_factory=pd.DataFrame)
    placebo_space: pd.DataFrame = field(default_factory=pd.DataFrame)
    official: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class ReportData:
    """Everything both reports need, gathered once (the demo writes four files from one)."""

    cities: tuple[str, ...]
    params: dict[str, Any]
    estimates: dict[str, CityEstimate]
    medians: tuple[RoomMedians, ...]
    coverage: Coverage
    provenance: dict[str, Any]
    tables: EconomistTables
    caveats: tuple[Caveat, ...]
    official: tuple[OfficialSeries, ...] = ()

    @property
    def simulated(self) -> bool:
        return self.coverage.simulated

    @property
    def compares(self) -> bool:
        """Some city's headline is a comparison design."""
        return any(e.comparison is not None for e in self.estimates.values())
