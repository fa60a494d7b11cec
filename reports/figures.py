"""The reports' charts, drawn from the facts with matplotlib's object API (no pyplot state).

Each function returns a :class:`~matplotlib.figure.Figure` made without pyplot (so no global
figure state and no display needed); :func:`png_bytes` renders it.
Charts made from simulated data carry a large diagonal mark in the report's language.
Money axes are KZT per month; the event day is drawn as a vertical line (it belongs to the
post period).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, DateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analysis.index.official import OfficialSeries
from reports import phrases as P
from reports.facts import CityEstimate, Coverage
from reports.formatting import Lang, format_date, format_number, format_percent

# DejaVu Sans ships with matplotlib and covers Cyrillic, the Kazakh letters and ₸.
FONT = "DejaVu Sans"
OBSERVED_COLOUR = "#1f3b73"
EXPECTED_COLOUR = "#c0392b"
MARK_COLOUR = "#c0392b"
OFFICIAL_COLOURS = ("#27ae60", "#8e44ad", "#d35400", "#16a085")


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    fig.set_facecolor("white")
    return fig


def mark_simulated(fig: Figure, lang: Lang) -> None:
    """Write the SIMULATED DATA mark across the figure, above the data."""
    fig.text(
        0.5, 0.5, P.SIMULATED_MARK[lang], fontsize=26, color=MARK_COLOUR, alpha=0.22,
        rotation=20, ha="center", va="center", fontweight="bold", family=FONT, zorder=10,
    )  # fmt: skip


def page_mark_png(lang: Lang, *, width_in: float, height_in: float) -> bytes:
    """The SIMULATED DATA mark along the diagonal of a page, on a transparent background.

    An image rather than PDF text, so the words do not scatter into the text a reader copies
    out of the page (the mark also stands as plain text at the top of every page).
    """
    fig = Figure(figsize=(width_in, height_in))
    FigureCanvasAgg(fig)
    text = fig.text(0.5, 0.5, P.SIMULATED_MARK[lang], fontsize=40, color=MARK_COLOUR,
                    alpha=0.13, rotation=math.degrees(math.atan2(height_in, width_in)),
                    rotation_mode="anchor", ha="center", va="center", fontweight="bold",
                    family=FONT)  # fmt: skip
    # Scale the type so the mark spans about 80 % of the page's diagonal.
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    length = (
        text.get_window_extent(renderer).width / fig.dpi / math.cos(math.atan2(height_in, width_in))
    )
    text.set_fontsize(40 * 0.8 * math.hypot(width_in, height_in) / length)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, transparent=True)
    return buffer.getvalue()


def png_bytes(fig: Figure, *, dpi: int = 150) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


def _thousands(lang: Lang) -> FuncFormatter:
    return FuncFormatter(lambda value, _pos: format_number(value, lang))


def _date_axis(ax: Axes, *, max_ticks: int = 7) -> None:
    """Month ticks "2022-07" (the same in every language), few enough not to overlap."""
    ax.xaxis.set_major_locator(AutoDateLocator(minticks=3, maxticks=max_ticks))
    ax.xaxis.set_major_formatter(DateFormatter("%Y-%m"))
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")


def _event_line(ax: Axes, est: CityEstimate, lang: Lang) -> None:
    label = P.CHART[lang]["event"].format(event=format_date(est.event, lang))
    ax.axvline(date2num(est.event), color="#555555", linestyle=":", linewidth=1, label=label)


def _legend_below(fig: Figure, ax: Axes, *, columns: int = 4) -> None:
    """The legend under the panels, outside every plot area, so it covers no data; in two
    columns when one row would be wider than the figure (long labels, e.g. Kazakh)."""
    handles, labels = ax.get_legend_handles_labels()
    legend = fig.legend(handles, labels, loc="outside lower center",
                        ncols=min(columns, len(labels)), fontsize=7, frameon=False)  # fmt: skip
    fig.draw_without_rendering()
    if legend.get_window_extent().width > fig.bbox.width and len(labels) > 2:
        legend.remove()
        fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=7,
                   frameon=False)  # fmt: skip


def draw_effect(ax: Axes, est: CityEstimate, lang: Lang, *, title: str | None = None) -> None:
    """Observed rents, the expected path without the shock, and its interval band (for a
    comparison design the synthetic twin, or the comparison-based path, and the band of the
    window's average effect over the window)."""
    words = P.CHART[lang]
    path = est.path
    periods = pd.to_datetime(path["period"])
    level = format_percent(est.effect_pct.level * 100, lang, decimals=0)
    post = path["post"].to_numpy(dtype=bool)
    expected, band = words["expected"], words["band"]
    if est.comparison is not None:
        expected, band = words[f"expected_{est.comparison.design}"], words["band_window"]
    low, high = path["expected_low"][post], path["expected_high"][post]
    if np.isinf(high).any():
        # An interval reaching −100 % leaves the expected level unbounded above: the band
        # runs past everything else drawn (a masked inf would leave no band at all).
        shown = pd.concat([path["observed"], path["expected"], low, high[np.isfinite(high)]])
        high = high.where(np.isfinite(high), 1.15 * float(shown.max()))
    ax.fill_between(
        periods[post], low, high,
        color=EXPECTED_COLOUR, alpha=0.18, linewidth=0, label=band.format(level=level),
    )  # fmt: skip
    ax.plot(periods, path["expected"], color=EXPECTED_COLOUR, linestyle="--", linewidth=1.4,
            label=expected)  # fmt: skip
    ax.plot(periods, path["observed"], color=OBSERVED_COLOUR, linewidth=1.6,
            label=words["observed"])  # fmt: skip
    _event_line(ax, est, lang)
    ax.yaxis.set_major_formatter(_thousands(lang))
    ax.set_ylabel(words["unit"])
    ax.grid(alpha=0.3)
    _date_axis(ax)
    if title:
        ax.set_title(title, fontsize=11)


def effect_chart(
    estimates: Sequence[CityEstimate],
    lang: Lang,
    *,
    simulated: bool,
    width: float = 7.5,
    height: float = 3.2,
) -> Figure:
    """One panel per city, side by side, the legend below them: the summary's chart."""
    fig = _figure(width, height)
    axes = fig.subplots(1, len(estimates), squeeze=False)[0]
    for ax, est in zip(axes, estimates, strict=True):
        draw_effect(ax, est, lang, title=P.CITY[lang].get(est.city, est.city.title()))
    _legend_below(fig, axes[0])
    if simulated:
        mark_simulated(fig, lang)
    return fig


def _city(city: str, lang: Lang) -> str:
    return P.CITY[lang].get(city, city.title())


def coverage_chart(coverage: Coverage, lang: Lang, *, simulated: bool) -> Figure:
    """Listings per week by source and origin, one panel per city; empty weeks break the
    lines (no line is drawn across a hole) and are shaded grey, thin weeks orange."""
    words = P.FIGURE[lang]
    weekly = coverage.weekly
    cities = sorted(weekly["city"].unique())
    fig = _figure(9, 2.6 * len(cities))
    axes = fig.subplots(len(cities), 1, squeeze=False)[:, 0]
    for ax, city in zip(axes, cities, strict=True):
        rows = weekly[weekly["city"] == city]
        wide = rows.pivot_table(
            index="week", columns=["source", "origin"], values="listings", aggfunc="sum"
        )
        wide.index = pd.to_datetime(wide.index)
        weeks = pd.date_range(wide.index.min(), wide.index.max(), freq="7D")
        wide = wide.reindex(weeks)
        # A week with no listing at all is NaN (the line breaks); in a covered week a source
        # without listings is 0.
        covered = wide.notna().any(axis=1)
        wide = wide.fillna(0).where(covered, axis=0)
        for source, origin in wide.columns:
            label = f"{source} / {P.ORIGIN_NAMES[lang].get(origin, origin)}"
            # Markers keep a lone covered week (today's crawl after a hole) visible.
            ax.plot(wide.index, wide[(source, origin)], linewidth=1.2, marker="o",
                    markersize=1.5, label=label)  # fmt: skip
        gaps = coverage.gaps[coverage.gaps["city"] == city]
        for _, gap in gaps.iterrows():
            colour = "#999999" if gap["kind"] == "empty" else "#e67e22"
            ax.axvspan(pd.Timestamp(gap["first_week"]),
                       pd.Timestamp(gap["last_week"]) + pd.Timedelta(days=7),
                       color=colour, alpha=0.25, linewidth=0)  # fmt: skip
        ax.set_title(words["coverage"].format(city=_city(city, lang)), fontsize=10)
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(alpha=0.3)
        _date_axis(ax, max_ticks=10)
    if simulated:
        mark_simulated(fig, lang)
    return fig


def index_chart(index_series: pd.DataFrame, lang: Lang, *, simulated: bool) -> Figure:
    """The index series side by side (column ``label`` names each), rebased to 100 at the
    first period; the legend sits below each panel."""
    words = P.FIGURE[lang]
    cities = sorted(index_series["city"].unique())
    fig = _figure(9, 3.2 * len(cities))
    axes = fig.subplots(len(cities), 1, squeeze=False)[:, 0]
    for ax, city in zip(axes, cities, strict=True):
        rows = index_series[(index_series["city"] == city) & index_series["value"].notna()]
        for label, series in rows.groupby("label", sort=False):
            series = series.sort_values("period")
            base = series["value"].iloc[0]
            ax.plot(pd.to_datetime(series["period"]), series["value"] / base * 100,
                    linewidth=1.2, label=str(label))  # fmt: skip
        ax.set_title(words["index"].format(city=_city(city, lang), base=format_number(100, lang)),
                     fontsize=10)  # fmt: skip
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=2,
                  frameon=False)  # fmt: skip
        ax.grid(alpha=0.3)
        _date_axis(ax, max_ticks=10)
    if simulated:
        mark_simulated(fig, lang)
    return fig


def autocorrelations(values: np.ndarray, lags: int) -> list[float]:
    """Lag-k correlations of ``values`` (k = 1..lags), as the diagnostics table's lag-1
    autocorrelation is computed: the correlation of the series with itself shifted k."""
    return [float(np.corrcoef(values[k:], values[:-k])[0, 1]) for k in range(1, lags + 1)]


def residuals_chart(residuals: pd.DataFrame, lang: Lang, *, simulated: bool) -> Figure:
    """Residuals over time and their autocorrelation (lags 1..19), per city: the model's
    residuals on the weeks it was fitted to, the ones the diagnostics table tests."""
    words = P.FIGURE[lang]
    cities = sorted(residuals["city"].unique())
    fig = _figure(9, 2.8 * len(cities))
    axes = fig.subplots(len(cities), 2, squeeze=False)
    for (ax_time, ax_acf), city in zip(axes, cities, strict=True):
        rows = residuals[residuals["city"] == city].sort_values("period")
        values = rows["residual"].to_numpy(dtype=float)
        ax_time.plot(pd.to_datetime(rows["period"]), values, linewidth=1, color=OBSERVED_COLOUR)
        ax_time.axhline(0, color="#555555", linewidth=0.8)
        ax_time.set_title(words["residuals"].format(city=_city(city, lang)), fontsize=10)
        ax_time.grid(alpha=0.3)
        _date_axis(ax_time, max_ticks=6)
        lags = max(0, min(19, len(values) - 2))
        acf = autocorrelations(values, lags) if lags else []
        ax_acf.bar(range(1, lags + 1), acf, color=OBSERVED_COLOUR, width=0.6)
        bound = 1.96 / max(len(values), 1) ** 0.5
        ax_acf.axhspan(-bound, bound, color="#999999", alpha=0.2, linewidth=0)
        ax_acf.axhline(0, color="#555555", linewidth=0.8)
        ax_acf.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_acf.set_xlabel(words["lag"], fontsize=8)
        lag1 = format_number(acf[0], lang, decimals=3) if acf else "—"
        title = words["acf"].format(city=_city(city, lang), first=format_number(1, lang), lag1=lag1)
        ax_acf.set_title(title, fontsize=10)
    if simulated:
        mark_simulated(fig, lang)
    return fig


def placebo_chart(
    placebos: pd.DataFrame, estimates: Sequence[CityEstimate], lang: Lang, *, simulated: bool
) -> Figure:
    """The distribution of placebo effects with the real estimate marked, per city."""
    words = P.FIGURE[lang]
    fig = _figure(9, 2.8)
    axes = fig.subplots(1, len(estimates), squeeze=False)[0]
    for ax, est in zip(axes, estimates, strict=True):
        rows = placebos[placebos["city"] == est.city]
        ax.hist(rows["percent"].astype(float), bins=20, color="#95a5a6")
        ax.axvline(est.effect_pct.estimate, color=EXPECTED_COLOUR, linewidth=2,
                   label=words["estimate"])  # fmt: skip
        ax.set_title(words["placebos"].format(city=_city(est.city, lang),
                                              n=format_number(len(rows), lang)),
                     fontsize=10)  # fmt: skip
        ax.legend(fontsize=7)
    if simulated:
        mark_simulated(fig, lang)
    return fig


def break_chart(
    break_search: pd.DataFrame, estimates: Sequence[CityEstimate], lang: Lang, *, simulated: bool
) -> Figure:
    """The break-search F statistic by candidate first post period, with the event and the
    interval of the break found."""
    words = P.FIGURE[lang]
    fig = _figure(9, 2.8)
    axes = fig.subplots(1, len(estimates), squeeze=False)[0]
    for ax, est in zip(axes, estimates, strict=True):
        rows = break_search[break_search["city"] == est.city].sort_values("first_post")
        ax.plot(pd.to_datetime(rows["first_post"]), rows["statistic"].astype(float),
                color=OBSERVED_COLOUR, linewidth=1.2)  # fmt: skip
        _event_line(ax, est, lang)
        if est.break_low is not None and est.break_high is not None:
            ax.axvspan(pd.Timestamp(est.break_low), pd.Timestamp(est.break_high),
                       color=EXPECTED_COLOUR, alpha=0.15, linewidth=0,
                       label=words["break_interval"])  # fmt: skip
        ax.set_title(words["breaks"].format(city=_city(est.city, lang)), fontsize=10)
        ax.legend(fontsize=7)
        _date_axis(ax, max_ticks=6)
    if simulated:
        mark_simulated(fig, lang)
    return fig


def gaps_chart(estimates: Sequence[CityEstimate], lang: Lang, *, simulated: bool) -> Figure:
    """The classic synthetic-control figure, one panel per city with a placebo test: the
    city's gap to its synthetic twin in % (100·(e^gap − 1), black, bold) over the comparison
    cities' placebo gaps (grey; pruned placebos left out), the event, zero."""
    words = P.FIGURE[lang]
    shown = [e for e in estimates if e.comparison is not None and e.comparison.gaps is not None]
    fig = _figure(9, 3.0 * max(1, len(shown)))
    axes = fig.subplots(max(1, len(shown)), 1, squeeze=False)[:, 0]
    for ax, est in zip(axes, shown, strict=False):
        comparison = est.comparison
        assert comparison is not None and comparison.gaps is not None
        gaps = comparison.gaps
        placebo = comparison.placebo
        kept = set(placebo.loc[placebo["kept"], "unit"]) if placebo is not None else set()
        periods = pd.to_datetime(pd.Series(gaps.index))
        for unit in gaps.columns:
            if unit != est.city and unit in kept:
                ax.plot(periods, 100 * np.expm1(gaps[unit].to_numpy(dtype=float)),
                        color="#b3b3b3", linewidth=0.8)  # fmt: skip
        ax.plot(periods, 100 * np.expm1(gaps[est.city].to_numpy(dtype=float)), color="black",
                linewidth=2.0)  # fmt: skip
        ax.axhline(0, color="#555555", linewidth=0.8)
        _event_line(ax, est, lang)
        p = format_number(comparison.placebo_p or float("nan"), lang, decimals=2)
        ax.set_title(words["gaps"].format(city=_city(est.city, lang), p=p), fontsize=10)
        ax.set_ylabel(words["gap_axis"])
        ax.grid(alpha=0.3)
        _date_axis(ax, max_ticks=10)
    if simulated:
        mark_simulated(fig, lang)
    return fig


def official_chart(
    index_series: pd.DataFrame,
    lines: Sequence[OfficialSeries],
    lang: Lang,
    *,
    simulated: bool,
) -> Figure:
    """Per city with an official series: the headline index (weekly, KZT per month, left
    axis) and each official series on its own axis (right) in its unit, one line per source
    and basis, broken at missing months (never filled, never spliced)."""
    words = P.FIGURE[lang]
    cities = list(dict.fromkeys(line.city for line in lines))
    fig = _figure(9, 3.2 * len(cities))
    axes = fig.subplots(len(cities), 1, squeeze=False)[:, 0]
    for ax, city in zip(axes, cities, strict=True):
        rows = index_series[(index_series["city"] == city) & index_series["headline"]]
        rows = rows[rows["value"].notna()].sort_values("period")
        periods = pd.to_datetime(rows["period"])
        ax.plot(periods, rows["value"], color=OBSERVED_COLOUR, linewidth=1.2,
                label=words["official_index"])  # fmt: skip
        ax.yaxis.set_major_formatter(_thousands(lang))
        ax.set_ylabel(words["official_index"])
        right = ax.twinx()
        first, last = (periods.min(), periods.max()) if len(periods) else (None, None)
        for k, line in enumerate(x for x in lines if x.city == city):
            # Every month, a missing one NaN: the line breaks there.
            values = line.monthly().set_index("month")["value"]
            if first is not None:
                values = values[(values.index >= first - pd.Timedelta(days=31))
                                & (values.index <= last)]  # fmt: skip
            label = f"{line.metric} ({line.source}, {words['basis']} {line.basis}), {line.unit}"
            right.plot(values.index, values.to_numpy(dtype=float), marker="o", markersize=2.5,
                       linewidth=1.2, color=OFFICIAL_COLOURS[k % len(OFFICIAL_COLOURS)],
                       label=label)  # fmt: skip
        right.yaxis.set_major_formatter(_thousands(lang))
        handles, labels = ax.get_legend_handles_labels()
        more, more_labels = right.get_legend_handles_labels()
        ax.legend(handles + more, labels + more_labels, fontsize=7, loc="upper center",
                  bbox_to_anchor=(0.5, -0.22), ncols=2, frameon=False)  # fmt: skip
        ax.set_title(words["official"].format(city=_city(city, lang)), fontsize=10)
        ax.grid(alpha=0.3)
        _date_axis(ax, max_ticks=10)
    if simulated:
        mark_simulated(fig, lang)
    return fig
