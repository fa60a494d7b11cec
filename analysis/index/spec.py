"""What a rent index series is: its key, the counting rules in force, and the immutable result.

Conventions used throughout :mod:`analysis.index`:

* money is KZT per month; a series point's ``period`` is the first day of its period
  (``D`` the day, ``W`` the ISO week's Monday, ``M`` the month's first day), dates are local
  Almaty calendar days and ranges are inclusive;
* a *listing-period* is one flat in one period: a flat seen every day of a week counts once in
  that week, and the same flat on two portals counts once when the match is confident
  (:class:`CountingRules`);
* ``origins`` name the kinds of data behind a number (``live``, ``archive``, ``import``,
  ``simulated``); anything built from simulated data says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Final, Literal, get_args

import pandas as pd

from warehouse.cities import REGISTRY
from warehouse.errors import RentwatchError

Method = Literal["median", "median_m2", "mix", "hedonic"]
Freq = Literal["D", "W", "M"]
SeErrors = Literal["hc1", "classical"]

METHODS: Final[tuple[Method, ...]] = get_args(Method)
FREQS: Final[tuple[Freq, ...]] = get_args(Freq)

UNITS: Final[Mapping[Method, str]] = {
    "median": "KZT/month",
    "median_m2": "KZT/m²/month",
    "mix": "KZT/month at the base period's mix of rooms × district",
    "hedonic": "index, base period = 100",
}

# The columns of IndexSeries.frame, in order: the series key, then the points.
FRAME_COLUMNS: Final = (
    "city", "district", "rooms", "method", "freq", "flow",
    "period", "value", "se", "n", "origins",
)  # fmt: skip


class SeriesError(RentwatchError):
    """A series cannot be built or read as asked (bad key, no data, singular design)."""


class NoListings(SeriesError):
    """The warehouse holds no usable listing for the series asked (city, dates, filters)."""


@dataclass(frozen=True)
class IndexSpec:
    """Which series: city, method, frequency, optional district and room count, flow or stock.

    ``flow`` keeps only listings first seen in the period (new asking rents); the default,
    stock, keeps every listing active in the period.
    """

    city: str
    method: Method
    freq: Freq
    district: str | None = None
    rooms: int | None = None
    flow: bool = False

    def __post_init__(self) -> None:
        if self.city not in REGISTRY:
            raise SeriesError(f"unknown city {self.city!r}; known: {', '.join(REGISTRY.codes)}")
        if self.method not in METHODS:
            raise SeriesError(f"method {self.method!r} is not one of {', '.join(METHODS)}")
        if self.freq not in FREQS:
            raise SeriesError(f"freq {self.freq!r} is not one of {', '.join(FREQS)}")
        if self.rooms is not None and not 0 <= self.rooms <= 20:
            raise SeriesError(f"rooms {self.rooms} is outside 0..20")

    @property
    def label(self) -> str:
        """``"almaty hedonic W stock"``, with district and rooms when set."""
        parts = [self.city]
        if self.district is not None:
            parts.append(self.district)
        if self.rooms is not None:
            parts.append(f"{self.rooms}-room")
        parts += [self.method, self.freq, "flow" if self.flow else "stock"]
        return " ".join(parts)


@dataclass(frozen=True)
class CountingRules:
    """The stated rules that decide what counts, with the defaults the project uses.

    Outliers (robust rule, after Iglewicz & Hoaglin's modified z-score): a sighting is an
    outlier when ``|ln rent − m| > max(outlier_z × 1.4826 × MAD, outlier_min_log)``, where
    ``m`` and ``MAD`` are the median and median absolute deviation of ln rent among the
    city's usable sightings of the same room band and calendar month (the whole month when
    that cell has fewer than ``outlier_min_cell`` sightings). The floor ``ln 2`` keeps
    anything within a factor of two of its peers, so a cell of copied asking prices (MAD 0)
    does not flag honest neighbours; a price with an extra zero (×10) is always caught.
    Outliers are left out unless ``include_outliers``; they are counted, never deleted.

    Cross-source twins: two listings on different portals are the same flat when they have
    the same rooms and district, areas within ``twin_area_m2`` m², the same floor (when both
    are known), and sightings within ``twin_days`` days whose prices differ by at most
    ``twin_price_rel`` of the lower one; the match must be mutual and unique (each listing's
    only candidate on the other portal), otherwise both count.

    Money: only prices per month count (daily and hourly rents never enter a monthly rent);
    a non-KZT price counts only when a rate table covers its currency and day.
    """

    outlier_z: float = 3.5
    outlier_min_log: float = math.log(2)
    outlier_min_cell: int = 20
    include_outliers: bool = False
    twin_area_m2: float = 1.0
    twin_price_rel: float = 0.05
    twin_days: int = 3

    def __post_init__(self) -> None:
        if self.outlier_z <= 0 or self.outlier_min_log < 0 or self.outlier_min_cell < 1:
            raise SeriesError("outlier rule needs outlier_z > 0, outlier_min_log >= 0, cell >= 1")
        if self.twin_area_m2 < 0 or not 0 <= self.twin_price_rel < 1 or self.twin_days < 0:
            raise SeriesError("twin rule needs area >= 0, 0 <= price tolerance < 1, days >= 0")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Exclusions:
    """What was left out of a series, and why; every count is of rows still in the warehouse.

    ``not_monthly`` and ``no_fx_rate`` count observations (sightings); ``outliers`` counts
    sightings flagged by the robust rule (kept when the rules say ``include_outliers``);
    ``outlier_only`` counts listing-periods left with no usable sighting; ``twins`` counts
    listings folded into a cross-source twin; ``missing_attributes`` counts listing-periods
    a method could not use (no area for ``median_m2``; no rooms or area for ``hedonic``);
    ``unmatched_cells`` counts listing-periods in mix cells absent from the base period.
    """

    not_monthly: int = 0
    no_fx_rate: int = 0
    outliers: int = 0
    outlier_only: int = 0
    twins: int = 0
    missing_attributes: int = 0
    unmatched_cells: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class IndexSeries:
    """One built series: a tidy table of points plus what a reader needs to trust it.

    ``frame`` (a copy on each access) has the columns :data:`FRAME_COLUMNS`: ``value`` in
    :attr:`unit`; ``se`` its standard error (hedonic: heteroskedasticity-robust HC1, or
    classical, via the delta method on the index scale; median and median_m2: the
    normal-theory approximation 1.2533 × 1.4826 × MAD / √n, NaN when n < 5; mix: NaN);
    ``n`` the listing-periods behind the point; ``origins`` the kinds of data behind it
    (comma-separated, sorted). ``coefficients`` (hedonic only) has ``term, estimate, se``
    on the log scale.
    """

    spec: IndexSpec
    points: pd.DataFrame = field(repr=False)
    unit: str
    base_period: date | None
    origins: tuple[str, ...]
    exclusions: Exclusions
    rules: CountingRules
    built_at: datetime
    se_type: str | None = None
    coefficients: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def frame(self) -> pd.DataFrame:
        """The tidy table (a copy: the series itself never changes)."""
        return self.points.copy()

    @property
    def simulated(self) -> bool:
        """True when any simulated data went into the series: label it wherever it goes."""
        return "simulated" in self.origins

    @property
    def periods(self) -> int:
        return len(self.points)

    def describe(self) -> str:
        """One line for logs and the command line (numbers only, no interpretation)."""
        pts = self.points
        span = (
            f"{pts['period'].iloc[0]:%Y-%m-%d}..{pts['period'].iloc[-1]:%Y-%m-%d}"
            if len(pts)
            else "no periods"
        )
        base = f", base {self.base_period:%Y-%m-%d}" if self.base_period else ""
        dropped = ", ".join(f"{k} {v}" for k, v in self.exclusions.to_dict().items() if v)
        label = " [SIMULATED data]" if self.simulated else ""
        return (
            f"{self.spec.label}: {len(pts)} periods {span}{base}, "
            f"{int(pts['n'].sum()) if len(pts) else 0} listing-periods ({self.unit}); "
            f"left out: {dropped or 'nothing'}; origins {','.join(self.origins) or '-'}{label}"
        )


def empty_points() -> pd.DataFrame:
    """A points table with the right columns and no rows."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in FRAME_COLUMNS})
