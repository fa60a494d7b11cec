"""Comparative interrupted time series: the treated series minus a comparison series, with a
segmented regression on the difference (``ComparativeITS`` → ``fit`` →
``ComparativeITSResult``).

    from analysis.its.comparative import ComparativeITS
    model = ComparativeITS(wide, time_col="week", treated="almaty",
                           controls=["shymkent", "karaganda"], event="2022-09-19", log=True)
    result = model.fit("ar1")
    result.coefficients["level_change"], result.coefficients["slope_change"]
    result.average_effect(periods=6)        # Effect, as the engine defines it

On the model scale (log of the levels when ``log``) the comparison is c_t = Σ_j w_j y_jt with
weights ``comparison``: ``equal`` (the simple average, default), ``synthetic`` (the standard
synthetic-control weights fitted on the pre-period) or a mapping unit → weight (normalised to
sum to one). The difference d_t = y_t − c_t is fitted with the engine's own segmented design
(:class:`analysis.its.ITSModel`: ``level_change``, ``slope_change``, shapes, seasonality) and
error models (ols, newey, ar1 by REML, arima), so the common national movement is differenced
away and only the treated unit's departure from the comparison is modelled. The event is
inclusive in the post period.

Effects are the engine's model-based ones on the original scale: μ1 = exp(c + fitted d) and
μ0 = exp(c + fitted d without the intervention terms); ``percent`` = 100·(Σμ1/Σμ0 − 1) with
the delta-method interval of log(Σμ1/Σμ0), ``absolute`` = mean(μ1 − μ0) in the series' unit.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.its.effects import Coefficient, Effect, Inference, WindowRows, delta_window
from analysis.its.exceptions import InvalidSpecification
from analysis.its.model import ITSModel
from analysis.its.result import ITSResult
from analysis.its.synthetic import build_panel
from analysis.its.synthetic_panel import Panel
from analysis.its.synthetic_weights import fit_weights

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DIFFERENCE_COL = "difference"
TIME_COL = "time"


class ComparativeITS:
    """A treated series, comparison series and an event, ready to fit.

    Data as for :class:`analysis.its.synthetic.SyntheticControl` (wide: ``time_col`` +
    ``treated`` column + ``controls`` columns; long: ``time_col``, ``group_col``,
    ``value_col``, ``treated`` label, ``controls`` labels; None: every other unit).
    ``comparison``: ``equal``, ``synthetic`` or unit → weight. ``shape``, ``seasonality``,
    ``slope_anchor``: as :class:`analysis.its.ITSModel` (on the difference series).
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        treated: Hashable,
        event: object,
        controls: Sequence[Hashable] | None = None,
        time_col: str | None = None,
        value_col: str | None = None,
        group_col: str | None = None,
        comparison: str | Mapping[str, float] = "equal",
        shape: str = "step-slope",
        seasonality: str = "none",
        slope_anchor: int = 0,
        log: bool = True,
        missing: str = "error",
        unit: str | None = None,
        label: str | None = None,
        simulated: bool = False,
    ) -> None:
        panel = build_panel(
            data,
            treated=treated,
            event=event,
            donors=controls,
            time_col=time_col,
            value_col=value_col,
            group_col=group_col,
            log=log,
            missing=missing,
        )
        self._init(
            panel,
            comparison=comparison,
            shape=shape,
            seasonality=seasonality,
            slope_anchor=slope_anchor,
            unit=unit,
            label=label,
            simulated=simulated,
        )

    @classmethod
    def from_panel(cls, panel: Panel, **options: Any) -> ComparativeITS:
        model = cls.__new__(cls)
        model._init(panel, **options)
        return model

    def _init(
        self,
        panel: Panel,
        *,
        comparison: str | Mapping[str, float] = "equal",
        shape: str = "step-slope",
        seasonality: str = "none",
        slope_anchor: int = 0,
        unit: str | None = None,
        label: str | None = None,
        simulated: bool = False,
    ) -> None:
        self._panel = panel
        self._weights = comparison_weights(panel, comparison)
        self._comparison_kind = comparison if isinstance(comparison, str) else "given"
        self._unit, self._label, self._simulated = unit, label, simulated
        comparison_series = panel.y[:, 1:] @ self._weights
        self._comparison = comparison_series
        frame = pd.DataFrame(
            {TIME_COL: panel.times.to_numpy(), DIFFERENCE_COL: panel.y[:, 0] - comparison_series}
        )
        self._its = ITSModel(
            frame,
            time_col=TIME_COL,
            value_col=DIFFERENCE_COL,
            event=panel.event,
            shape=shape,
            seasonality=seasonality,
            slope_anchor=slope_anchor,
            log=False,
            label=label,
            simulated=simulated,
        )

    @property
    def panel(self) -> Panel:
        return self._panel

    @property
    def its_model(self) -> ITSModel:
        """The segmented model of the difference series (model scale)."""
        return self._its

    @property
    def weights(self) -> Mapping[str, float]:
        return MappingProxyType(
            {u: float(w) for u, w in zip(self._panel.donors, self._weights, strict=True)}
        )

    def describe(self) -> dict[str, Any]:
        panel = self._panel
        its = self._its.describe()
        return {
            "design": "comparative",
            "treated": panel.treated,
            "controls": list(panel.donors),
            "comparison": self._comparison_kind,
            "event": its["event"],
            "event_rule": its["event_rule"],
            "first_post": its["first_post"],
            "time_axis": its["time_axis"],
            "shape": its["shape"],
            "seasonality": its["seasonality"],
            "slope_anchor": its["slope_anchor"],
            "scale": "log" if panel.log else "level",
            "unit": self._unit,
            "dropped_donors": list(panel.dropped_donors),
            "thin_donors": [
                {"donor": d, "pre_values": n, "of": of} for d, n, of in panel.thin_donors
            ],
            "dropped_periods": list(panel.dropped_periods),
            "label": self._label,
            "simulated": self._simulated,
        }

    def fit(self, errors: str = "ols", **options: Any) -> ComparativeITSResult:
        """Fit the difference series; ``errors`` and ``options`` as
        :meth:`analysis.its.ITSModel.fit` (``lags``, ``small_sample``, ``ar_method``,
        ``arima_order``, ``alpha``, ``seed``)."""
        its_result = self._its.fit(errors, **options)
        return ComparativeITSResult(
            model=self,
            its=its_result,
            weights=self.weights,
            level=its_result.level,
            coefficients=its_result.coefficients,
            _comparison=self._comparison,
        )


def comparison_weights(panel: Panel, comparison: str | Mapping[str, float]) -> np.ndarray:
    """The comparison's weights over ``panel.donors`` (sum one)."""
    j = len(panel.donors)
    if isinstance(comparison, str):
        if comparison == "equal":
            return np.full(j, 1.0 / j)
        if comparison == "synthetic":
            pre = ~panel.post
            return fit_weights(panel.y[pre, 0], panel.y[pre, 1:], "standard").w
        raise InvalidSpecification(
            f"comparison is equal, synthetic or a mapping unit → weight; got {comparison!r}"
        )
    unknown = sorted(set(map(str, comparison)) - set(panel.donors))
    if unknown:
        raise InvalidSpecification(f"comparison weight for {unknown[0]!r}, which is not a control")
    w = np.array([float(comparison.get(u, 0.0)) for u in panel.donors])
    if (w < 0).any() or not w.sum() > 0:
        raise InvalidSpecification("comparison weights must be non-negative and not all zero")
    return w / w.sum()


@dataclass(frozen=True, eq=False)
class ComparativeITSResult:
    """Estimates of one fitted :class:`ComparativeITS`.

    ``coefficients``: the difference series' terms (``level_change``, ``slope_change``,
    ``post_trend``…, log points on a log scale); ``its``: the engine's result for the
    difference series (diagnostics, error model, decay); ``weights``: the comparison's.
    """

    model: ComparativeITS = field(repr=False)
    its: ITSResult = field(repr=False)
    weights: Mapping[str, float]
    level: float
    coefficients: Mapping[str, Coefficient]
    _comparison: np.ndarray = field(repr=False)

    @property
    def panel(self) -> Panel:
        return self.model.panel

    def _rows(self) -> tuple[np.ndarray, np.ndarray]:
        decay = self.its.decay.estimate if self.its.decay is not None else None
        design = self.model.its_model.design(decay)[list(self.its.design_names)]
        x1 = design.to_numpy(dtype=float)
        x0 = x1.copy()
        for name in self.its.effect_terms:
            x0[:, list(self.its.design_names).index(name)] = 0.0
        return x1, x0

    def _inference(self) -> Inference:
        errors = self.its.errors
        use_t = errors.method in ("ols", "ar1") or (
            errors.method == "newey" and errors.small_sample
        )
        return Inference(self.level, use_t, use_t, self.its.df_resid)

    def average_effect(
        self, start: object = None, end: object = None, *, periods: float | None = None
    ) -> Effect:
        """The effect averaged over the post periods from ``start`` (default: the event) to
        ``end`` (inclusive), or ``periods`` periods from the first post observation."""
        panel = self.panel
        rows = panel.window(start, end, periods=periods)
        x1, x0 = self._rows()
        window = WindowRows(x1[rows], x0[rows], self._comparison[rows], panel.log)
        values = delta_window(window, self.its.params.to_numpy(), self.its.cov.to_numpy(),
                              self._inference())  # fmt: skip
        labels = panel.labels()
        return Effect(
            start=labels[rows[0]],
            end=labels[rows[-1]],
            periods=len(rows),
            horizon_start=float(panel.t[rows[0]] - panel.first_post_t),
            horizon_end=float(panel.t[rows[-1]] - panel.first_post_t),
            observed=float(panel.levels[rows, 0].mean()),
            method="delta",
            level=self.level,
            unit=self.model.describe()["unit"],
            **values,
        )

    @property
    def series(self) -> pd.DataFrame:
        """``time``, ``observed``, ``comparison`` (the comparison series on the original
        scale), ``fitted`` and ``counterfactual`` (the treated unit's fit with and without the
        intervention, original scale), ``difference`` (model scale), ``post``."""
        panel = self.panel
        x1, x0 = self._rows()
        beta = self.its.params.to_numpy()

        def level(values: np.ndarray) -> np.ndarray:
            return np.exp(values) if panel.log else values

        return pd.DataFrame(
            {
                "time": panel.times.to_numpy(),
                "observed": panel.levels[:, 0],
                "comparison": level(self._comparison),
                "fitted": level(self._comparison + x1 @ beta),
                "counterfactual": level(self._comparison + x0 @ beta),
                "difference": panel.y[:, 0] - self._comparison,
                "post": panel.post,
            }
        )

    def to_dict(self, *, periods: float | None = None) -> dict[str, Any]:
        """JSON-ready: specification, comparison weights, coefficients, headline effect over
        ``periods`` (None: the whole post period), fit details and diagnostics."""
        its = self.its
        spec = self.model.describe()
        return {
            "label": spec["label"],
            "simulated": spec["simulated"],
            "design": "comparative",
            "specification": {
                **spec,
                "errors": its.errors.to_dict(),
                "errors_label": its.errors.label(),
                "level": self.level,
            },
            "weights": dict(self.weights),
            "coefficients": {k: v.to_dict() for k, v in self.coefficients.items()},
            "effect_terms": list(its.effect_terms),
            "headline": self.average_effect(periods=periods).to_dict(),
            "pre_rmspe": self.pre_rmspe,
            "fit": {"df_resid": its.df_resid, "rho": its.rho, "lags": its.lags, "llf": its.llf},
            "diagnostics": its.diagnostics.to_dict(),
            "warnings": self.warnings(periods=periods),
        }

    def warnings(self, *, periods: float | None = None) -> list[str]:
        """Caveats of the fit: what balancing the panel left out or filled, and a headline
        window of ``periods`` cut to the post period the data have."""
        note = self.panel.window_note(periods)
        return self.panel.gap_notes() + ([] if note is None else [note])

    @property
    def pre_rmspe(self) -> float:
        """Root mean squared residual of the difference series' fit in the pre-period."""
        series = self.its.series
        pre = ~series["post"].to_numpy()
        return float(np.sqrt(np.mean(series["residual"].to_numpy()[pre] ** 2)))

    def plot(self, *, ax: Axes | None = None) -> tuple[Figure, Axes]:
        """The treated series, the comparison, the fit and the counterfactual."""
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(8, 4))
        else:
            fig = ax.figure  # type: ignore[assignment]
        s = self.series
        panel = self.panel
        ax.plot(s["time"], s["observed"], color="black", label=panel.treated)
        ax.plot(s["time"], s["comparison"], color="0.6", label="comparison")
        ax.plot(s["time"], s["counterfactual"], color="tab:blue", linestyle="--",
                label="counterfactual")  # fmt: skip
        ax.axvline(panel.event, color="0.4", linestyle=":", linewidth=1)  # type: ignore[arg-type]
        tag = " [SIMULATED]" if self.model.describe()["simulated"] else ""
        ax.set_title(f"{self.model.describe()['label'] or panel.treated}{tag}: comparative ITS")
        ax.legend(loc="best")
        return fig, ax
