"""One call for the comparison-unit designs, for the command line and the warehouse path.

    from analysis.its.synthetic_run import PanelOptions, run_panel_design
    analysis = run_panel_design(wide, treated="almaty", donors=["shymkent", "karaganda"],
                                event="2022-09-21",
                                options=PanelOptions(design="synthetic", periods=6),
                                unit="KZT per month", label="1-room mix, weekly")
    analysis.headline().percent, analysis.to_dict()

``wide`` is a period × unit table (the periods in the index, or in ``time_col``); the long
form takes ``time_col``, ``group_col`` and ``value_col`` instead. ``to_dict`` keeps the
single-series JSON's ``headline`` (``percent``, ``percent_low``, ``percent_high``…) and adds
the design's own parts: donor weights, pre-period RMSPE and, for synthetic control, the
placebo-in-space table.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from analysis.its.comparative import ComparativeITS, ComparativeITSResult
from analysis.its.effects import Effect
from analysis.its.exceptions import InvalidSpecification
from analysis.its.synthetic import SyntheticControl, SyntheticControlResult
from analysis.its.synthetic_inference import check_prune

PANEL_DESIGNS: tuple[str, ...] = ("synthetic", "comparative")
# Synthetic control's interval: ``auto`` is the headline's (reports.ReportParams.sc_inference,
# kept equal by tests/test_synth_cli.py): the backtest's and the placebos' errors pooled where
# the pre-period has room for a backtest (analysis.its.synthetic_inference.backtest_interval: 20
# observations for a six-period window, from fits of 13 below 33), else the conformal
# interval, said.
PANEL_INFERENCES: tuple[str, ...] = (
    "conformal", "backtest", "backtest-placebo", "pooled", "auto",
)  # fmt: skip
AUTO_INFERENCE = "pooled"


@dataclass(frozen=True)
class PanelOptions:
    """How to run a comparison-unit design.

    ``design``: ``synthetic`` or ``comparative``. Synthetic control: ``variant``
    (``standard``, ``demeaned``, ``augmented``, ``augmented-demeaned``), ``ridge_lambda``
    (None: cross-validated), ``placebo`` (run placebo-in-space), ``prune`` (drop placebos
    whose pre-RMSPE exceeds prune × the treated unit's), ``trend_halflife`` (detrended
    variants: weigh the recent pre-period gap with this half-life, in periods),
    ``trend_window`` (instead: the gap's line over the last this many fit periods),
    ``anticipation`` (leave the last this many pre-period observations out of the fit),
    ``inference`` (the headline's interval: ``conformal``, ``backtest``,
    ``backtest-placebo``, ``pooled`` or ``auto``, see PANEL_INFERENCES). Comparative ITS:
    ``comparison`` (``equal`` or ``synthetic`` weights), ``shape``, ``seasonality``,
    ``errors`` and ``fit`` (the other keyword arguments of :meth:`analysis.its.ITSModel.fit`).
    Both: ``periods`` (the headline window from the event; None: the whole post period),
    ``alpha``,
    ``missing`` (``error``, ``drop-donors``, ``drop-periods``).
    """

    design: str = "synthetic"
    variant: str = "standard"
    periods: float | None = None
    alpha: float = 0.05
    placebo: bool = True
    prune: float | None = None
    ridge_lambda: float | None = None
    comparison: str = "equal"
    shape: str = "step-slope"
    seasonality: str = "none"
    errors: str = "ar1"
    fit: dict[str, Any] = field(default_factory=dict)
    missing: str = "error"
    trend_halflife: float | None = None
    trend_window: int | None = None
    anticipation: int = 0
    inference: str = "conformal"

    def __post_init__(self) -> None:
        if self.design not in PANEL_DESIGNS:
            raise InvalidSpecification(
                f"design must be one of {', '.join(PANEL_DESIGNS)}; got {self.design!r}"
            )
        check_prune(self.prune)
        if self.inference not in PANEL_INFERENCES:
            raise InvalidSpecification(
                f"inference must be one of {', '.join(PANEL_INFERENCES)}; got {self.inference!r}"
            )


PanelResult = SyntheticControlResult | ComparativeITSResult


@dataclass(frozen=True, eq=False)
class PanelAnalysis:
    """A fitted comparison-unit design and the options it ran with (``auto`` inference
    resolved; ``notes``: why, when it fell back to the conformal interval)."""

    result: PanelResult
    options: PanelOptions
    notes: tuple[str, ...] = ()

    def headline(self) -> Effect:
        if isinstance(self.result, SyntheticControlResult):
            return self.result.average_effect(
                periods=self.options.periods, inference=self.options.inference
            )
        return self.result.average_effect(periods=self.options.periods)

    def to_dict(self) -> dict[str, Any]:
        if isinstance(self.result, SyntheticControlResult):
            out = self.result.to_dict(
                periods=self.options.periods, placebo=self.options.placebo,
                prune=self.options.prune, inference=self.options.inference,
            )  # fmt: skip
            out["warnings"] = [*out["warnings"], *self.notes]
            return out
        return self.result.to_dict(periods=self.options.periods)


def panel_model(
    data: pd.DataFrame,
    *,
    treated: Hashable,
    donors: Sequence[Hashable] | None,
    event: object,
    options: PanelOptions,
    time_col: str | None = None,
    value_col: str | None = None,
    group_col: str | None = None,
    log: bool = True,
    unit: str | None = None,
    label: str | None = None,
    simulated: bool = False,
) -> SyntheticControl | ComparativeITS:
    """The model ``options.design`` names, built from a wide or long table."""
    common: dict[str, Any] = {
        "treated": treated,
        "event": event,
        "time_col": time_col,
        "value_col": value_col,
        "group_col": group_col,
        "log": log,
        "missing": options.missing,
        "unit": unit,
        "label": label,
        "simulated": simulated,
    }
    if options.design == "synthetic":
        return SyntheticControl(
            data, donors=donors, variant=options.variant, ridge_lambda=options.ridge_lambda,
            trend_halflife=options.trend_halflife, trend_window=options.trend_window,
            anticipation=options.anticipation, **common,
        )  # fmt: skip
    return ComparativeITS(
        data, controls=donors, comparison=options.comparison, shape=options.shape,
        seasonality=options.seasonality, **common,
    )  # fmt: skip


def run_panel_design(
    data: pd.DataFrame,
    *,
    treated: Hashable,
    donors: Sequence[Hashable] | None,
    event: object,
    options: PanelOptions | None = None,
    **model_options: Any,
) -> PanelAnalysis:
    """Build the model (see :func:`panel_model`) and fit it."""
    options = options or PanelOptions()
    model = panel_model(
        data, treated=treated, donors=donors, event=event, options=options, **model_options
    )
    if isinstance(model, SyntheticControl):
        fitted = model.fit(alpha=options.alpha)
        cut = model.panel.window_note(options.periods)
        window = () if cut is None else (cut,)
        if options.inference != "auto":
            return PanelAnalysis(fitted, options, window)
        if not fitted.positive:
            note = (
                "conformal interval, in the series' units: the outcome has values of 0 or "
                "less, so there is no percent effect and no backtest (its errors are percentages)"
            )
            return PanelAnalysis(fitted, replace(options, inference="conformal"), (note, *window))
        try:
            fitted.backtest(periods=options.periods)
        except InvalidSpecification as short:
            reason = str(short).split(";")[0]
            note = f"conformal interval: the pre-period is too short for a backtest ({reason})"
            conformal = replace(options, inference="conformal")
            return PanelAnalysis(fitted, conformal, (note, *window))
        return PanelAnalysis(fitted, replace(options, inference=AUTO_INFERENCE), window)
    result = model.fit(options.errors, alpha=options.alpha, **options.fit)
    return PanelAnalysis(result, options)
