"""A treated city and its comparison cities as one panel: the input of the comparison designs.

``comparison_panel(conn, treated="almaty", donors=None, method="mix", freq="W", rooms=1,
flow=True)`` builds the same series (:class:`IndexSpec` with only the city changed) for the
treated city and each donor, and returns them side by side: one row per period, one column per
city, NaN where a city had no listing that period. ``donors`` defaults to the registry's
comparison pool (its roles are a setting: pass ``registry=settings.registry``). A donor with no
usable listings at all is left out and named in :attr:`ComparisonPanel.missing`; the treated
city must have data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from analysis.index.build import build_indexes
from analysis.index.sample import FxRate
from analysis.index.spec import CountingRules, Freq, IndexSeries, IndexSpec, Method, NoListings
from warehouse.cities import REGISTRY, CityRegistry


@dataclass(frozen=True)
class ComparisonPanel:
    """``values``: periods × cities (treated first), the series' unit; ``n`` listings behind
    each value; ``series`` the built series by city; ``missing`` donors without data."""

    treated: str
    donors: tuple[str, ...]
    values: pd.DataFrame
    n: pd.DataFrame
    series: dict[str, IndexSeries]
    missing: tuple[str, ...]

    @property
    def simulated(self) -> bool:
        return any(s.simulated for s in self.series.values())

    @property
    def unit(self) -> str:
        return self.series[self.treated].unit

    def long(self) -> pd.DataFrame:
        """The panel in long form: ``period``, ``city``, ``value``, ``n``."""
        values = self.values.rename_axis("period").reset_index()
        long = values.melt(id_vars="period", var_name="city", value_name="value")
        counts = self.n.rename_axis("period").reset_index()
        n = counts.melt(id_vars="period", var_name="city", value_name="n")
        return long.merge(n, on=["period", "city"]).dropna(subset=["value"])


def comparison_panel(
    conn: duckdb.DuckDBPyConnection,
    *,
    treated: str,
    donors: Sequence[str] | None = None,
    method: Method = "mix",
    freq: Freq = "W",
    rooms: int | None = 1,
    flow: bool = True,
    start: date | None = None,
    end: date | None = None,
    fx_rates: Iterable[FxRate] = (),
    rules: CountingRules | None = None,
    registry: CityRegistry = REGISTRY,
) -> ComparisonPanel:
    """The treated city's series and its donors' on the same definition (see module doc)."""
    treated = registry.get(treated).code
    pool = registry.canonical(donors) if donors is not None else registry.comparison
    pool = tuple(c for c in pool if c != treated)
    present = {r[0] for r in conn.execute("SELECT DISTINCT city FROM listings").fetchall()}
    if treated not in present:
        raise NoListings(f"no listings in the warehouse for {treated}")
    cities = [treated, *(c for c in pool if c in present)]
    specs = [IndexSpec(c, method, freq, rooms=rooms, flow=flow) for c in cities]
    built: dict[str, IndexSeries] = {}
    missing = [c for c in pool if c not in present]
    # One city at a time, so a donor whose listings all fail the counting rules is only left
    # out, not the end of the panel (the per-city work is shared within build_indexes).
    for spec in specs:
        try:
            [series] = build_indexes(
                conn, [spec], start=start, end=end, fx_rates=fx_rates, rules=rules
            )
        except NoListings:
            if spec.city == treated:
                raise
            missing.append(spec.city)
            continue
        built[spec.city] = series
    frames = {c: s.frame.set_index("period") for c, s in built.items()}
    values = pd.DataFrame({c: f["value"] for c, f in frames.items()}).sort_index()
    n = pd.DataFrame({c: f["n"] for c, f in frames.items()}).reindex(values.index).fillna(0)
    return ComparisonPanel(
        treated=treated,
        donors=tuple(c for c in cities[1:] if c in built),
        values=values,
        n=n.astype(int),
        series=built,
        missing=tuple(c for c in pool if c in missing),
    )
