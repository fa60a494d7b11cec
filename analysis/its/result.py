"""``ITSResult``: the immutable outcome of :meth:`ITSModel.fit` — numbers and tables, no prose.

Tables come back as fresh copies (``params``, ``cov``, ``series``, ``effects``), mappings are
read-only, so nothing a caller does changes the result. Reports build their sentences from
these numbers. How the effects are computed belongs to the design that made the result: it
hands over an :class:`EffectSource`, and the result only picks the window's rows.

The checks an economist runs (placebos, sensitivity, break search) and the plots are
functions over results in their own modules; the methods of the same names here are
conveniences that call them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from analysis.its.breaks import BreakResult, find_break
from analysis.its.diagnostics import Diagnostics
from analysis.its.effects import Coefficient, Effect
from analysis.its.error_models import FitOutput
from analysis.its.exceptions import EventOutsideData, InvalidSpecification
from analysis.its.placebo import PlaceboResult, placebo_test
from analysis.its.plotting import plot_effects, plot_fit
from analysis.its.sensitivity import sensitivity_table
from analysis.its.shapes import DecayEstimate
from analysis.its.spec import ErrorSpec
from analysis.its.summary import Summary, summarise
from analysis.its.timeaxis import before

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from analysis.its.model import ITSModel


class EffectSource(Protocol):
    """How a design computes a window effect over post-period rows (indices into the treated
    unit's post-period observations, in time order). ``methods``: the interval methods it
    offers, the default first; ``uses_observed``: effects compare the observed series with a
    prediction (else they compare two fitted paths)."""

    @property
    def methods(self) -> tuple[str, ...]: ...

    @property
    def uses_observed(self) -> bool: ...

    def window(self, rows: np.ndarray, method: str) -> dict[str, float]: ...

    def describe(self) -> dict[str, Any]:
        """How the effects are made, as plain values (for ``to_dict``)."""
        ...

    def path_draws(self) -> np.ndarray:
        """Simulated per-period absolute effects (draws × post rows, original scale)."""
        ...


@dataclass(frozen=True)
class ErrorModelParams:
    """The fitted error model's parameters (model scale).

    ``rho``: AR(1) (or ARIMA's first AR) coefficient, None without one; ``sigma``: standard
    deviation of the innovations (what the error model treats as white noise); ``llf``: the
    log-likelihood (exact Gaussian for AR(1) and ARIMA, Poisson for counts); ``aic``;
    ``arma``: every ARIMA parameter; ``lags``: Newey–West lags.
    """

    method: str
    rho: float | None
    sigma: float
    llf: float
    aic: float
    df_resid: float
    lags: int | None = None
    arma: Mapping[str, float] | None = None

    @classmethod
    def from_fit(cls, errors: ErrorSpec, out: FitOutput) -> ErrorModelParams:
        arma = out.extra.get("arma")
        k = len(out.names) + (len(arma) if arma else 1 if out.rho is not None else 0)
        return cls(
            method=errors.label(),
            rho=out.rho,
            sigma=float(np.sqrt(out.scale)) if out.scale >= 0 else float("nan"),
            llf=out.llf,
            aic=float(2 * (k + 1) - 2 * out.llf),
            df_resid=out.df_resid,
            lags=out.lags,
            arma=dict(arma) if arma else None,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "rho": self.rho,
            "sigma": self.sigma,
            "llf": self.llf,
            "aic": self.aic,
            "df_resid": self.df_resid,
            "lags": self.lags,
            "arma": None if self.arma is None else dict(self.arma),
        }


@dataclass(frozen=True, eq=False, repr=False)
class ITSResult:
    """Estimates of one fitted :class:`ITSModel`.

    ``coefficients``: named terms (``intercept``, ``pre_trend``, ``level_change``,
    ``slope_change``, ``post_trend`` = pre_trend + slope_change, ``pulse``; pooled designs
    add ``control_…`` and ``diff_…`` = treated − control, and the unprefixed names are the
    treated unit's own; then seasonal terms and covariates). ``rate_ratios``: exp of each
    coefficient for count families. ``decay``: the pulse's decay rate. ``effect_terms``:
    the terms that make the effect (``diff_…`` in pooled designs: the counterfactual of the
    treated unit is its own pre-trend plus the controls' change). ``error_model``: ρ, σ, the
    log-likelihood and the rest of the fitted error model.
    """

    model: ITSModel
    errors: ErrorSpec
    level: float
    seed: int
    coefficients: Mapping[str, Coefficient]
    rate_ratios: Mapping[str, Coefficient]
    decay: DecayEstimate | None
    effect_terms: tuple[str, ...]
    n: int
    n_pre: int
    n_post: int
    n_phase_in: int
    n_units: int
    df_resid: float
    scale: float
    deviance: float | None
    rho: float | None
    lags: int | None
    llf: float
    error_model: ErrorModelParams
    fit_info: Mapping[str, Any]
    design_names: tuple[str, ...]
    _params: np.ndarray
    _cov: np.ndarray
    _series: pd.DataFrame
    _post_time: pd.Series
    _post_horizon: np.ndarray
    _effects: EffectSource
    _diagnose: Callable[[], Diagnostics] = field(compare=False)

    def __repr__(self) -> str:
        spec = self.model.spec
        what = spec.label or spec.columns.value
        shape = f" {spec.shape}" if spec.design == "segmented" else ""
        tag = ", simulated" if spec.simulated else ""
        return (
            f"<ITSResult {what!r}: {spec.design}{shape}, errors {self.errors.label()}, "
            f"n={self.n} (pre {self.n_pre}, post {self.n_post}){tag}>"
        )

    # --- tables ------------------------------------------------------------------------

    @cached_property
    def diagnostics(self) -> Diagnostics:
        """Residual autocorrelation tests and the pre-period fit (computed on first use)."""
        return self._diagnose()

    @property
    def params(self) -> pd.Series:
        """Estimates of the design's columns (model scale)."""
        return pd.Series(self._params, index=list(self.design_names), name="estimate")

    @property
    def cov(self) -> pd.DataFrame:
        names = list(self.design_names)
        return pd.DataFrame(self._cov, index=names, columns=names)

    def coefficient_table(self) -> pd.DataFrame:
        """One row per term: estimate, se, ci_low, ci_high, p."""
        return pd.DataFrame(
            [c.to_dict() for c in self.coefficients.values()], index=list(self.coefficients)
        )

    @property
    def series(self) -> pd.DataFrame:
        """The treated series with its fit: ``time``, ``t``, ``observed``, ``fitted``,
        ``counterfactual`` and its band ``counterfactual_low``/``_high`` (original scale; in
        the pre-period the counterfactual is the fit), ``residual`` (model scale), ``post``,
        ``phase_in``, ``in_fit``."""
        return self._series.copy()

    @property
    def design(self) -> str:
        return self.model.spec.design

    @property
    def unit(self) -> str | None:
        return self.model.spec.unit

    # --- effects -----------------------------------------------------------------------

    def average_effect(
        self,
        start: Any = None,
        end: Any = None,
        *,
        periods: float | None = None,
        method: str | None = None,
    ) -> Effect:
        """The effect averaged over the observed post periods from ``start`` to ``end``.

        Both ends are inclusive; ``start`` defaults to the event (which is inclusive in the
        post period) and must not be before it; ``end`` defaults to the last observation.
        ``periods`` instead of ``end``: the window covers t_start ≤ t < t_start + periods
        (e.g. ``periods=42`` on a daily series: six weeks). ``method``: ``delta`` (default,
        segmented designs) or ``simulation`` (always, for the counterfactual design).
        """
        rows = self._window_rows(start, end, periods)
        return self._effect(rows, method)

    def effect_at(self, horizon: float, *, method: str | None = None) -> Effect:
        """The effect at the observation ``horizon`` periods after the first post period."""
        rows = np.flatnonzero(np.isclose(self._post_horizon, horizon))
        if len(rows) == 0:
            raise EventOutsideData(
                f"no post-period observation at horizon {horizon:g} "
                f"(observed horizons 0..{self._post_horizon.max():g})"
            )
        return self._effect(rows[:1], method)

    @property
    def effects(self) -> pd.DataFrame:
        """One row per post-period observation: the effect at that horizon (see
        :class:`Effect`), from the default method. Returned as a copy."""
        return self._effects_table.copy()

    @cached_property
    def _effects_table(self) -> pd.DataFrame:
        rows = [self._effect(np.array([i]), None).to_dict() for i in range(len(self._post_horizon))]
        table = pd.DataFrame(rows)
        table.insert(0, "horizon", self._post_horizon)
        return table.drop(columns=["end", "horizon_start", "horizon_end"]).rename(
            columns={"start": "time"}
        )

    def _window_rows(self, start: Any, end: Any, periods: float | None) -> np.ndarray:
        axis = self.model.axis
        times = self._post_time
        first = axis.point(start) if start is not None else self.model.event
        if before(first, self.model.event):
            raise EventOutsideData(
                f"the window starts at {axis.label(first)}, before the event "
                f"{axis.label(self.model.event)}; effects exist only in the post period"
            )
        if periods is not None and end is not None:
            raise InvalidSpecification("give either end or periods, not both")
        if periods is not None:
            if periods <= 0:
                raise InvalidSpecification(f"periods must be positive; got {periods}")
            t = axis.positions(times)
            after = (times >= first).to_numpy()
            if not after.any():
                raise EventOutsideData(f"no post-period observation from {axis.label(first)}")
            # Count periods from the first observation in the window, not from the start
            # date: a monthly series with a mid-month event starts on the next month. On an
            # axis counted in days (daily, or irregular dates: the days a portal was seen)
            # the periods are days from the start date itself: a window of 42 days from an
            # event five days before the first capture after it had ended five days late.
            start_at = axis.positions(pd.Index([first]))[0] if axis.counts_days else t[after].min()
            t_first = float(start_at)
            mask = after & (t < t_first + periods)
        else:
            last = axis.point(end) if end is not None else times.max()
            if before(last, first):
                raise InvalidSpecification(
                    f"the window ends ({axis.label(last)}) before it starts ({axis.label(first)})"
                )
            mask = ((times >= first) & (times <= last)).to_numpy()
        rows = np.flatnonzero(mask)
        if len(rows) == 0:
            raise EventOutsideData(
                f"no post-period observation between {axis.label(first)} and the window's end"
            )
        return rows

    def _effect(self, rows: np.ndarray, method: str | None) -> Effect:
        source = self._effects
        used = method or source.methods[0]
        if used not in source.methods:
            if source.uses_observed and used == "delta":
                raise InvalidSpecification(
                    f"the {self.design} design's intervals come from simulation; "
                    "method='delta' is not available"
                )
            raise InvalidSpecification(
                f"method must be one of {', '.join(source.methods)}; got {method!r}"
            )
        values = source.window(rows, used)
        observed = values.pop("observed", None)
        axis = self.model.axis
        return Effect(
            start=axis.label(self._post_time.iloc[rows[0]]),
            end=axis.label(self._post_time.iloc[rows[-1]]),
            periods=len(rows),
            horizon_start=float(self._post_horizon[rows[0]]),
            horizon_end=float(self._post_horizon[rows[-1]]),
            method=used,
            level=self.level,
            unit=self.unit,
            observed=observed,
            **values,
        )

    # --- checks an economist runs ------------------------------------------------------

    def placebo(self, n: int = 200, **options: Any) -> PlaceboResult:
        """Placebo events in the pre-period (see :func:`analysis.its.placebo.placebo_test`)."""
        return placebo_test(self, n=n, **options)

    def sensitivity(self, **options: Any) -> pd.DataFrame:
        """The headline effect under other specifications (see
        :func:`analysis.its.sensitivity.sensitivity_table`)."""
        return sensitivity_table(self, **options)

    def find_break(self, **options: Any) -> BreakResult:
        """Search for the break date (see :func:`analysis.its.breaks.find_break`)."""
        return find_break(self.model, **options)

    # --- output ------------------------------------------------------------------------

    def default_horizons(self) -> list[float]:
        """0, 1, 2, 4, 8… periods after the first post period, as far as the data goes."""
        last = float(self._post_horizon.max())
        horizons = [0.0]
        step = 1.0
        while step <= last:
            horizons.append(step)
            step *= 2
        return [h for h in horizons if np.isclose(self._post_horizon, h).any()]

    def to_dict(
        self,
        *,
        horizons: Sequence[float] | None = None,
        windows: Sequence[tuple[Any, Any]] = (),
    ) -> dict[str, Any]:
        """Everything as plain JSON-ready values.

        ``effects.horizons``: the effect at each horizon (default :meth:`default_horizons`);
        ``effects.windows``: the whole post period, then each (start, end) in ``windows``.
        """
        chosen = self.default_horizons() if horizons is None else list(horizons)
        whole = self.average_effect()
        out: dict[str, Any] = {
            "label": self.model.spec.label,
            "simulated": self.model.spec.simulated,
            "specification": {
                **self.model.describe(),
                "errors": self.errors.to_dict(),
                "errors_label": self.errors.label(),
                "level": self.level,
                "seed": self.seed,
            },
            "n": self.n,
            "n_pre": self.n_pre,
            "n_post": self.n_post,
            "n_phase_in": self.n_phase_in,
            "n_units": self.n_units,
            "coefficients": {k: v.to_dict() for k, v in self.coefficients.items()},
            "effect_terms": list(self.effect_terms),
            "effects": {
                "horizons": [self.effect_at(h).to_dict() for h in chosen],
                "windows": [whole.to_dict()]
                + [self.average_effect(s, e).to_dict() for s, e in windows],
            },
            "diagnostics": self.diagnostics.to_dict(),
            "fit": {
                "df_resid": self.df_resid,
                "scale": self.scale,
                "deviance": self.deviance,
                "rho": self.rho,
                "lags": self.lags,
                "llf": self.llf,
                **self.fit_info,
            },
            "error_model": self.error_model.to_dict(),
        }
        if self.rate_ratios:
            out["rate_ratios"] = {k: v.to_dict() for k, v in self.rate_ratios.items()}
        if self.decay is not None:
            out["decay"] = self.decay.to_dict()
        if self._effects.uses_observed:
            out["counterfactual"] = {
                "average": _interval(whole.absolute, whole.absolute_low, whole.absolute_high),
                "cumulative": _interval(
                    whole.cumulative, whole.cumulative_low, whole.cumulative_high
                ),
                "relative_percent": _interval(whole.percent, whole.percent_low, whole.percent_high),
                "observed_average": whole.observed,
                "predicted_average": whole.counterfactual,
                "p": whole.p,
                "periods": whole.periods,
                **self._effects.describe(),
            }
        return out

    def summary(
        self, start: Any = None, end: Any = None, *, periods: float | None = None
    ) -> Summary:
        """The fit at a glance (text and HTML): model and error model (ρ, σ, log-likelihood),
        coefficients, the effect over the window ``start``..``end`` or ``periods`` (as
        :meth:`average_effect`; default the whole post period), decay, residual tests."""
        return summarise(self, self.average_effect(start, end, periods=periods))

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def effect_path(self) -> pd.DataFrame:
        """One row per post-period observation: ``time``, ``horizon``, the pointwise effect
        ``effect`` (observed or fitted minus counterfactual, original scale) with its band
        ``effect_low``/``_high``, and ``cumulative`` with ``cumulative_low``/``_high`` (bands
        at the result's level, from simulation)."""
        draws = self._effects.path_draws()
        tail = 100 * (1 - self.level) / 2
        point = self.effects["absolute"].to_numpy(dtype=float)
        low, high = np.nanpercentile(draws, [tail, 100 - tail], axis=0)
        cum_low, cum_high = np.nanpercentile(np.cumsum(draws, axis=1), [tail, 100 - tail], axis=0)
        return pd.DataFrame(
            {
                "time": self._post_time.to_numpy(),
                "horizon": self._post_horizon,
                "effect": point,
                "effect_low": low,
                "effect_high": high,
                "cumulative": np.cumsum(point),
                "cumulative_low": cum_low,
                "cumulative_high": cum_high,
            }
        )

    def plot_effects(self, *, axes: Sequence[Axes] | None = None) -> tuple[Figure, list[Axes]]:
        """Three panels: observed against counterfactual, the pointwise effect, the cumulative
        effect (see :func:`analysis.its.plotting.plot_effects`)."""
        return plot_effects(self, axes=axes)

    def plot(self, *, ax: Axes | None = None, **options: Any) -> tuple[Figure, Axes]:
        """Observed series, fit (the pre-period fit is shown), counterfactual with its band,
        the event and the phase-in (see :func:`analysis.its.plotting.plot_fit`)."""
        return plot_fit(self, ax=ax, **options)


def _interval(estimate: float, low: float, high: float) -> dict[str, float]:
    return {"estimate": estimate, "ci_low": low, "ci_high": high}
