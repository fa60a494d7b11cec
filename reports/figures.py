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

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from reports import phrases as P
from reports.facts import CityEstimate, Coverage
from reports.formatting import Lang, format_date, format_number, format_percent

# DejaVu Sans ships with matplotlib and covers Cyrillic, the Kazakh letters and ₸.
FONT = "DejaVu Sans"
OBSERVED_COLOUR = "#1f3b73"
EXPECTED_COLOUR = "#c0392b"
MARK_COLOUR = "#c0392b"


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


def _event_line(ax: Axes, est: CityEstimate, lang: Lang) -> None:
    label = P.CHART[lang]["event"].format(event=format_date(est.event, lang))
    ax.axvline(date2num(est.event), color="#555555", linestyle=":", linewidth=1, label=label)


def draw_effect(ax: Axes, est: CityEstimate, lang: Lang, *, title: str | None = None) -> None:
    """Observed rents, the expected path without the shock, and its interval band."""
    words = P.CHART[lang]
    path = est.path
    periods = pd.to_datetime(path["period"])
    level = format_percent(est.effect_pct.level * 100, lang, decimals=0)
    post = path["post"].to_numpy(dtype=bool)
    ax.fill_between(
        periods[post], path["expected_low"][post], path["expected_high"][post],
        color=EXPECTED_COLOUR, alpha=0.18, linewidth=0, label=words["band"].format(level=level),
    )  # fmt: skip
    ax.plot(periods, path["expected"], color=EXPECTED_COLOUR, linestyle="--", linewidth=1.4,
            label=words["expected"])  # fmt: skip
    ax.plot(periods, path["observed"], color=OBSERVED_COLOUR, linewidth=1.6,
            label=words["observed"])  # fmt: skip
    _event_line(ax, est, lang)
    ax.yaxis.set_major_formatter(_thousands(lang))
    ax.set_ylabel(words["unit"])
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title, fontsize=11)


def effect_chart(
    estimates: Sequence[CityEstimate], lang: Lang, *, simulated: bool, width: float = 7.5
) -> Figure:
    """One panel per city, side by side: the chart of the officials' summary."""
    fig = _figure(width, 3.2)
    axes = fig.subplots(1, len(estimates), squeeze=False)[0]
    for ax, est in zip(axes, estimates, strict=True):
        draw_effect(ax, est, lang, title=P.CITY[lang].get(est.city, est.city.title()))
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    axes[0].legend(fontsize=7, loc="upper left")
    if simulated:
        mark_simulated(fig, lang)
    return fig


def coverage_chart(coverage: Coverage, *, simulated: bool) -> Figure:
    """Listings per week by source and origin, one panel per city."""
    weekly = coverage.weekly
    cities = sorted(weekly["city"].unique())
    fig = _figure(9, 2.6 * len(cities))
    axes = fig.subplots(len(cities), 1, squeeze=False)[:, 0]
    for ax, city in zip(axes, cities, strict=True):
        rows = weekly[weekly["city"] == city]
        wide = rows.pivot_table(
            index="week", columns=["source", "origin"], values="listings", aggfunc="sum"
        ).fillna(0)
        for column in wide.columns:
            ax.plot(pd.to_datetime(wide.index), wide[column], linewidth=1.2,
                    label=f"{column[0]} / {column[1]}")  # fmt: skip
        gaps = coverage.gaps[coverage.gaps["city"] == city]
        for week in gaps["week"]:
            ax.axvspan(pd.Timestamp(week), pd.Timestamp(week) + pd.Timedelta(days=7),
                       color="#e67e22", alpha=0.25, linewidth=0)  # fmt: skip
        ax.set_title(f"{city.title()}: listings per week (shaded: thin or empty weeks)",
                     fontsize=10)  # fmt: skip
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(alpha=0.3)
    if simulated:
        mark_simulated(fig, "en")
    return fig


def index_chart(index_series: pd.DataFrame, *, simulated: bool) -> Figure:
    """The index series side by side (column ``series`` names each), rebased to 100 at the
    first period."""
    cities = sorted(index_series["city"].unique())
    fig = _figure(9, 2.8 * len(cities))
    axes = fig.subplots(len(cities), 1, squeeze=False)[:, 0]
    for ax, city in zip(axes, cities, strict=True):
        rows = index_series[(index_series["city"] == city) & index_series["value"].notna()]
        for label, series in rows.groupby("series"):
            series = series.sort_values("period")
            base = series["value"].iloc[0]
            ax.plot(pd.to_datetime(series["period"]), series["value"] / base * 100,
                    linewidth=1.2, label=str(label))  # fmt: skip
        ax.set_title(f"{city.title()}: index by method (first period = 100)", fontsize=10)
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(alpha=0.3)
    if simulated:
        mark_simulated(fig, "en")
    return fig


def residuals_chart(residuals: pd.DataFrame, *, simulated: bool) -> Figure:
    """Residuals over time and their autocorrelation (lags 1..n), per city."""
    cities = sorted(residuals["city"].unique())
    fig = _figure(9, 2.6 * len(cities))
    axes = fig.subplots(len(cities), 2, squeeze=False)
    for (ax_time, ax_acf), city in zip(axes, cities, strict=True):
        rows = residuals[residuals["city"] == city].sort_values("period")
        values = rows["residual"].astype(float)
        ax_time.plot(pd.to_datetime(rows["period"]), values, linewidth=1, color=OBSERVED_COLOUR)
        ax_time.axhline(0, color="#555555", linewidth=0.8)
        ax_time.set_title(f"{city.title()}: residuals", fontsize=10)
        ax_time.grid(alpha=0.3)
        lags = range(1, min(20, len(values) - 1))
        acf = [values.autocorr(lag) for lag in lags]
        ax_acf.bar(list(lags), acf, color=OBSERVED_COLOUR, width=0.6)
        bound = 1.96 / max(len(values), 1) ** 0.5
        ax_acf.axhspan(-bound, bound, color="#999999", alpha=0.2, linewidth=0)
        ax_acf.set_title(f"{city.title()}: residual autocorrelation (band: ±1.96/√n)",
                         fontsize=10)  # fmt: skip
    if simulated:
        mark_simulated(fig, "en")
    return fig


def placebo_chart(
    placebos: pd.DataFrame, estimates: Sequence[CityEstimate], *, simulated: bool
) -> Figure:
    """The distribution of placebo effects with the real estimate marked, per city."""
    fig = _figure(9, 2.6)
    axes = fig.subplots(1, len(estimates), squeeze=False)[0]
    for ax, est in zip(axes, estimates, strict=True):
        rows = placebos[placebos["city"] == est.city]
        ax.hist(rows["percent"].astype(float), bins=20, color="#95a5a6")
        ax.axvline(est.effect_pct.estimate, color=EXPECTED_COLOUR, linewidth=2,
                   label="estimate at the event")  # fmt: skip
        ax.set_title(f"{est.city.title()}: placebo effects, % (n = {len(rows)})", fontsize=10)
        ax.legend(fontsize=7)
    if simulated:
        mark_simulated(fig, "en")
    return fig


def break_chart(
    break_search: pd.DataFrame, estimates: Sequence[CityEstimate], *, simulated: bool
) -> Figure:
    """The break-search F statistic by candidate first post period, with the event and the
    interval of the break found."""
    fig = _figure(9, 2.6)
    axes = fig.subplots(1, len(estimates), squeeze=False)[0]
    for ax, est in zip(axes, estimates, strict=True):
        rows = break_search[break_search["city"] == est.city].sort_values("first_post")
        ax.plot(pd.to_datetime(rows["first_post"]), rows["statistic"].astype(float),
                color=OBSERVED_COLOUR, linewidth=1.2)  # fmt: skip
        _event_line(ax, est, "en")
        if est.break_low is not None and est.break_high is not None:
            ax.axvspan(pd.Timestamp(est.break_low), pd.Timestamp(est.break_high),
                       color=EXPECTED_COLOUR, alpha=0.15, linewidth=0,
                       label="break interval")  # fmt: skip
        ax.set_title(f"{est.city.title()}: break-date statistic", fontsize=10)
        ax.legend(fontsize=7)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    if simulated:
        mark_simulated(fig, "en")
    return fig
