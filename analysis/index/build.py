"""Build rent index series from the warehouse: the public entry points.

``build_index`` builds one series; ``build_indexes`` builds many and shares the per-city
work (outlier bounds, cross-source twins) between them; ``build_indexes_each`` does the same
and returns a series' error in its place instead of raising it. Neither writes to the warehouse:
they only create connection-local temporary tables, so they run on a read-only snapshot.
Storing is :func:`analysis.index.store.store_index` (a writer's job).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

import duckdb
import pandas as pd

from analysis.index.hedonic import hedonic_series
from analysis.index.medians import MethodResult, median_series, mix_adjusted_series
from analysis.index.sample import (
    FxRate,
    SampleCounts,
    Window,
    build_sample,
    drop_temp_tables,
    prepare_city,
    sample_counts,
)
from analysis.index.spec import (
    FRAME_COLUMNS,
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


def period_start(day: date, freq: Freq) -> date:
    """The first day of the period ``day`` falls in (``W``: Monday; ``M``: the 1st)."""
    if freq == "W":
        return date.fromordinal(day.toordinal() - day.weekday())
    if freq == "M":
        return day.replace(day=1)
    return day


def build_index(
    conn: duckdb.DuckDBPyConnection,
    *,
    city: str,
    method: Method,
    freq: Freq,
    district: str | None = None,
    rooms: int | None = None,
    flow: bool = False,
    base_period: date | None = None,
    start: date | None = None,
    end: date | None = None,
    fx_rates: Iterable[FxRate] = (),
    rules: CountingRules | None = None,
    se: SeErrors = "hc1",
) -> IndexSeries:
    """One series of ``city``'s rents (see :class:`IndexSpec` and :class:`IndexSeries`).

    ``base_period`` (any day; snapped to the start of its period) fixes the mix weights and
    the hedonic index's 100; default: the first period with data. ``start``/``end`` limit
    the observation days (inclusive). ``fx_rates`` rows are (currency, valid_from, KZT per
    unit); without one, non-KZT prices are left out and counted.
    """
    spec = IndexSpec(city, method, freq, district, rooms, flow)
    return build_indexes(
        conn, [spec], base_period=base_period, start=start, end=end,
        fx_rates=fx_rates, rules=rules, se=se,
    )[0]  # fmt: skip


def build_indexes(
    conn: duckdb.DuckDBPyConnection,
    specs: Sequence[IndexSpec],
    *,
    base_period: date | None = None,
    start: date | None = None,
    end: date | None = None,
    fx_rates: Iterable[FxRate] = (),
    rules: CountingRules | None = None,
    se: SeErrors = "hc1",
) -> list[IndexSeries]:
    """Several series, in the order given; the per-city and per-sample work is shared.

    Raises the first series' error (in the order of ``specs``) when one cannot be built.
    """
    built = build_indexes_each(
        conn, specs, base_period=base_period, start=start, end=end, fx_rates=fx_rates,
        rules=rules, se=se,
    )  # fmt: skip
    for series in built:
        if isinstance(series, SeriesError):
            raise series
    return [s for s in built if isinstance(s, IndexSeries)]


def build_indexes_each(
    conn: duckdb.DuckDBPyConnection,
    specs: Sequence[IndexSpec],
    *,
    base_period: date | None = None,
    start: date | None = None,
    end: date | None = None,
    fx_rates: Iterable[FxRate] = (),
    rules: CountingRules | None = None,
    se: SeErrors = "hc1",
) -> list[IndexSeries | SeriesError]:
    """Like :func:`build_indexes`, but a series that cannot be built (no usable listings, a
    singular hedonic design) gets its :class:`SeriesError` in its place and the others are
    still built: what a report wants, which shows every series it can.

    Each city's outlier bounds and cross-source twins are built once, and each sample (one
    per frequency, district, room count and stock/flow) once for all the methods on it.
    """
    rules = rules or CountingRules()
    rates = list(fx_rates)
    results: dict[int, IndexSeries | SeriesError] = {}
    try:
        for city in dict.fromkeys(s.city for s in specs):
            window = Window(city, start, end, with_rates=bool(rates))
            twins = prepare_city(conn, window, rules, rates)
            by_sample: dict[tuple[Freq, str | None, int | None, bool], list[int]] = {}
            for i, spec in enumerate(specs):
                if spec.city == city:
                    key = (spec.freq, spec.district, spec.rooms, spec.flow)
                    by_sample.setdefault(key, []).append(i)
            for indices in by_sample.values():
                first = specs[indices[0]]
                build_sample(conn, first, window, rules)
                counts = sample_counts(conn, first, window, twins)
                if not counts.usable:
                    for i in indices:
                        results[i] = NoListings(_no_listings(specs[i], start, end))
                    continue
                for i in indices:
                    spec = specs[i]
                    base = period_start(base_period, spec.freq) if base_period else None
                    try:
                        result = _run_method(conn, spec.method, base, se)
                    except SeriesError as exc:
                        results[i] = exc
                        continue
                    results[i] = _series(spec, result, counts, rules)
    finally:
        drop_temp_tables(conn)
    return [results[i] for i in range(len(specs))]


def _no_listings(spec: IndexSpec, start: date | None, end: date | None) -> str:
    where = [spec.city]
    if spec.district is not None:
        where.append(f"district {spec.district}")
    if spec.rooms is not None:
        where.append(f"{spec.rooms}-room flats")
    if start or end:
        where.append(f"{start or '…'}..{end or '…'}")
    what = "new listings" if spec.flow else "listings"
    return f"no usable {what} in the warehouse for {', '.join(where)}"


def _run_method(
    conn: duckdb.DuckDBPyConnection, method: Method, base: date | None, se: SeErrors
) -> MethodResult:
    if method in ("median", "median_m2"):
        return median_series(conn, method)
    if method == "mix":
        return mix_adjusted_series(conn, base)
    if method == "hedonic":
        return hedonic_series(conn, base, se)
    raise SeriesError(f"unknown method {method!r}")


def _series(
    spec: IndexSpec, result: MethodResult, counts: SampleCounts, rules: CountingRules
) -> IndexSeries:
    points = result.points.copy()
    points["period"] = pd.to_datetime(points["period"])
    points["n"] = points["n"].astype("int64")
    points["origins"] = points["origins"].fillna("").astype(str)
    for key in ("city", "district", "rooms", "method", "freq", "flow"):
        points[key] = getattr(spec, key)
    points["rooms"] = points["rooms"].astype("Int64")
    origins = sorted({o for text in points["origins"] for o in text.split(",") if o})
    exclusions = Exclusions(
        not_monthly=counts.not_monthly,
        no_fx_rate=counts.no_fx_rate,
        outliers=counts.outliers,
        outlier_only=counts.outlier_only,
        twins=counts.twins,
        missing_attributes=result.missing_attributes,
        unmatched_cells=result.unmatched_cells,
    )
    return IndexSeries(
        spec=spec,
        points=points[list(FRAME_COLUMNS)].reset_index(drop=True),
        unit=UNITS[spec.method],
        base_period=result.base_period,
        origins=tuple(origins),
        exclusions=exclusions,
        rules=rules,
        built_at=datetime.now(UTC),
        se_type=result.se_type,
        coefficients=result.coefficients,
    )
