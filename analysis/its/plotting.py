"""Plots of ITS results. Every function takes its result first and keyword-only options,
draws on ``ax`` / ``axes`` (or a new figure) and returns ``(fig, ax)`` / ``(fig, axes)``;
labels are short data labels, never sentences. Simulated data says so in the title."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from analysis.its.breaks import BreakResult
    from analysis.its.placebo import PlaceboResult
    from analysis.its.result import ITSResult


def _axes(ax: Axes | None, size: tuple[float, float] = (8, 4)) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    # A bare Figure, not pyplot: no global figure registry and no backend chosen for the
    # caller (a notebook keeps its own; the CLI and reports just save it).
    fig = Figure(figsize=size)
    return fig, fig.subplots()


def plot_fit(
    result: ITSResult,
    *,
    ax: Axes | None = None,
    band: bool = True,
    title: str | None = None,
    ylabel: str | None = None,
) -> tuple[Figure, Axes]:
    """Observed points, the fitted path over the whole series (so the pre-period fit is in
    view), the counterfactual from the event with its band, the event line and the phase-in."""
    fig, ax = _axes(ax)
    series = result.series
    time = series["time"]
    post = series["post"].to_numpy()
    ax.plot(time, series["observed"], ".", ms=3, color="0.45", label="observed")
    ax.plot(time, series["fitted"], "-", color="C0", lw=1.6, label="fitted")
    ax.plot(
        time[post],
        series.loc[post, "counterfactual"],
        "--",
        color="C1",
        lw=1.4,
        label="counterfactual",
    )
    if band:
        ax.fill_between(
            time[post],
            series.loc[post, "counterfactual_low"],
            series.loc[post, "counterfactual_high"],
            color="C1",
            alpha=0.2,
            lw=0,
            label=f"{result.level:.0%} band",
        )
    event: Any = result.model.event
    ax.axvline(event, color="k", lw=1, ls=":", label="event")
    phase = series["phase_in"].to_numpy()
    if phase.any():
        ax.axvspan(time[phase].min(), time[phase].max(), color="0.85", lw=0, label="phase-in")
    spec = result.model.spec
    tag = " [simulated]" if spec.simulated else ""
    ax.set_title((title or spec.label or spec.columns.value) + tag)
    ax.set_ylabel(ylabel or spec.unit or spec.columns.value)
    ax.legend(loc="best", fontsize="small", frameon=False)
    fig.autofmt_xdate()
    return fig, ax


def plot_effects(
    result: ITSResult, *, axes: Sequence[Axes] | None = None
) -> tuple[Figure, list[Axes]]:
    """Three panels sharing the time axis: observed against the counterfactual (with its
    band), the pointwise effect and the cumulative effect (with their bands; original scale,
    the series' unit). ``axes``: three axes to draw on."""
    if axes is not None:
        if len(axes) != 3:
            raise ValueError(f"plot_effects draws three panels; got {len(axes)} axes")
        panels = list(axes)
        fig: Figure = panels[0].figure  # type: ignore[assignment]
    else:
        fig = Figure(figsize=(8, 8))
        panels = list(fig.subplots(3, 1, sharex=True))
    plot_fit(result, ax=panels[0])
    path = result.effect_path()
    time = path["time"]
    unit = result.unit or result.model.spec.columns.value
    for ax, name, label in (
        (panels[1], "effect", "pointwise effect"),
        (panels[2], "cumulative", "cumulative effect"),
    ):
        ax.axhline(0, color="0.5", lw=0.8)
        ax.plot(time, path[name], color="C3", lw=1.4, label=label)
        ax.fill_between(time, path[f"{name}_low"], path[f"{name}_high"], color="C3",
                        alpha=0.2, lw=0, label=f"{result.level:.0%} band")  # fmt: skip
        event: Any = result.model.event
        ax.axvline(event, color="k", lw=1, ls=":")
        ax.set_ylabel(f"{label} ({unit})")
        ax.legend(loc="best", fontsize="small", frameon=False)
    fig.autofmt_xdate()
    return fig, panels


def plot_placebos(
    placebo: PlaceboResult, *, ax: Axes | None = None, bins: int = 30
) -> tuple[Figure, Axes]:
    """Histogram of placebo estimates with the actual estimate marked."""
    fig, ax = _axes(ax, (6, 4))
    values = placebo.table["estimate"].to_numpy(dtype=float)
    ax.hist(values[np.isfinite(values)], bins=bins, color="0.7", label="placebo events")
    ax.axvline(placebo.actual, color="C3", lw=2, label="actual event")
    ax.set_xlabel(placebo.statistic)
    ax.set_ylabel("count")
    ax.legend(frameon=False, fontsize="small")
    return fig, ax


def plot_break_search(
    found: BreakResult, *, ax: Axes | None = None, **line: Any
) -> tuple[Figure, Axes]:
    """The F statistic over candidate break dates, the estimate and its interval."""
    fig, ax = _axes(ax)
    table = found.table
    ax.plot(table["first_post"], table["statistic"], color="C0", **line)
    first: Any = found.first_post
    low: Any = found.first_post_low
    high: Any = found.first_post_high
    ax.axvline(first, color="C3", lw=1.5, label="estimated break")
    ax.axvspan(low, high, color="C3", alpha=0.15, label=f"{found.level:.0%} interval")
    ax.set_ylabel("F statistic")
    ax.legend(frameon=False, fontsize="small")
    fig.autofmt_xdate()
    return fig, ax
