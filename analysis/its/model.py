"""``ITSModel``: a series, an event and a specification; ``fit`` makes an ``ITSResult``.

    model = ITSModel(frame, time_col="day", value_col="rent_kzt", event="2022-09-21",
                     shape="step-pulse", log=True, unit="KZT per month")
    result = model.fit(errors="newey", lags=14)
    result.average_effect("2022-09-21", "2022-11-01").percent

The event date is inclusive in the post period: an observation at or after the event is
"post". The model is immutable; :meth:`ITSModel.replace` makes a variant (placebo events,
sensitivity tables).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.its import coding
from analysis.its.data import Columns, Prepared, counted, prepare
from analysis.its.designs import design as design_named
from analysis.its.exceptions import InvalidSpecification, TooFewPrePeriods
from analysis.its.spec import (
    DESIGNS,
    FAMILIES,
    SHAPES,
    ErrorSpec,
    Seasonality,
    check_choice,
    shape_has_pulse,
)
from analysis.its.threads import small_problem
from analysis.its.timeaxis import (
    TimeAxis,
    TimePoint,
    check_event_inside,
    post_mask,
    regular_step,
)

if TYPE_CHECKING:
    from analysis.its.result import ITSResult

MIN_PRE_PERIODS = 3


@dataclass(frozen=True)
class ModelSpec:
    """Everything that defines the model, apart from the data (see :class:`ITSModel`)."""

    columns: Columns
    event: Any
    shape: str = "step-slope"
    design: str = "segmented"
    log: bool = False
    unit: str | None = None
    family: str = "gaussian"
    seasonality: Seasonality = field(default_factory=Seasonality)
    slope_anchor: int = 0
    phase_in: int = 0
    trend: bool = True
    label: str | None = None
    simulated: bool = False


class ITSModel:
    """An interrupted time series, ready to fit.

    Parameters (keyword-only after ``data``):

    - ``time_col``: numbers or dates; ``value_col``: the outcome.
    - ``event``: first period of the post period (inclusive), a number or a date.
    - ``shape``: ``step``, ``step-slope`` (default), ``pulse``, ``step-pulse``
      (see :mod:`analysis.its.coding`).
    - ``design``: ``segmented`` (default) or ``counterfactual`` (a regression fitted on the
      pre-period only predicts the post period; effect = observed − predicted).
    - ``log``: model log(value); effects come back in % and in the series' ``unit`` (e.g.
      "KZT per month"). Rent series are modelled on the log scale; a generic series on its
      own scale unless asked.
    - ``family``: ``gaussian``, or ``poisson`` / ``quasipoisson`` for counts (log link;
      ``offset_col`` is an exposure whose log enters as offset).
    - ``seasonality``: ``none``, ``month``, ``fourier:K`` or ``fourier:K:P`` (or a
      :class:`Seasonality`); ``season_col`` gives the season position when times are numbers.
    - ``control_cols``: control series in wide format (pooled comparative design, Stata itsa
      multiple-group coding; on the log scale when ``log``); in the counterfactual design
      they are predictors instead. ``group_col`` + ``treated``: the same in long format.
      ``covariate_cols``: extra regressors. Predictors and covariates enter as given (take
      their log first for a log-log model).
    - ``slope_anchor``: 0 — slope-change time is 0 at the first post period (Stata itsa);
      1 — it is 1 there (Lopez Bernal et al. 2017).
    - ``phase_in``: post periods (from the first one) left out of the fit.
    - ``trend``: include ``pre_trend`` (always in the segmented design).
    - ``label``, ``simulated``: carried to every output; simulated data is labelled as such.
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        time_col: str,
        value_col: str,
        event: Any,
        shape: str = "step-slope",
        design: str = "segmented",
        log: bool = False,
        unit: str | None = None,
        family: str = "gaussian",
        offset_col: str | None = None,
        seasonality: str | Seasonality = "none",
        season_col: str | None = None,
        control_cols: Sequence[str] = (),
        covariate_cols: Sequence[str] = (),
        group_col: str | None = None,
        treated: Hashable | None = None,
        slope_anchor: int = 0,
        phase_in: int = 0,
        trend: bool = True,
        label: str | None = None,
        simulated: bool = False,
    ) -> None:
        columns = Columns(
            time=time_col,
            value=value_col,
            controls=tuple(control_cols),
            covariates=tuple(covariate_cols),
            group=group_col,
            treated=treated,
            offset=offset_col,
            season=season_col,
        )
        spec = ModelSpec(
            columns=columns,
            event=event,
            shape=shape,
            design=design,
            log=log,
            unit=unit,
            family=family,
            seasonality=Seasonality.parse(seasonality),
            slope_anchor=slope_anchor,
            phase_in=phase_in,
            trend=trend,
            label=label,
            simulated=simulated,
        )
        self._init(data, spec)

    @classmethod
    def from_series(cls, series: pd.Series, *, event: Any, **options: Any) -> ITSModel:
        """A model of one series indexed by its times (numbers or dates); ``options`` as for
        the constructor."""
        name = str(series.name) if series.name is not None else "value"
        frame = pd.DataFrame({"time": series.index, name: series.to_numpy()})
        return cls(frame, time_col="time", value_col=name, event=event, **options)

    @classmethod
    def from_spec(cls, data: pd.DataFrame, spec: ModelSpec) -> ITSModel:
        model = cls.__new__(cls)
        model._init(data, spec)
        return model

    def _init(self, data: pd.DataFrame, spec: ModelSpec) -> None:
        _check_spec(spec)
        # A copy: variants (placebos, sensitivity) must not see later edits of the caller's frame.
        self._data = data.copy()
        self._spec = spec
        self._prepared = prepare(
            data,
            _fit_columns(spec),
            event=spec.event,
            log=spec.log,
            counts=spec.family != "gaussian",
            phase_in=spec.phase_in,
        )
        self._check_sizes()

    # --- what the model is -------------------------------------------------------------

    def __repr__(self) -> str:
        d = self.describe()
        return (
            f"ITSModel({d['value_col']!r} by {d['time_col']!r}, event={d['event']!r}, "
            f"design={d['design']!r}, shape={d['shape']!r}, scale={d['scale']!r}, "
            f"family={d['family']!r}, n={len(self._prepared.frame)})"
        )

    @property
    def spec(self) -> ModelSpec:
        return self._spec

    @property
    def data(self) -> pd.DataFrame:
        """The table the model was built from (a copy)."""
        return self._data.copy()

    @property
    def frame(self) -> pd.DataFrame:
        """The analysis frame (see :mod:`analysis.its.data`; a copy)."""
        return self._prepared.frame.copy()

    @property
    def axis(self) -> TimeAxis:
        return self._prepared.axis

    @property
    def event(self) -> TimePoint:
        return self._prepared.event

    @property
    def first_post_t(self) -> float:
        return self._prepared.t0

    @property
    def pooled(self) -> bool:
        """True when several units are stacked (control series or long format)."""
        return self._spec.design == "segmented" and bool(
            self._spec.columns.controls or self._spec.columns.group
        )

    @property
    def log_link(self) -> bool:
        """Levels are exp(linear predictor): log scale or a count family."""
        return self._spec.log or self._spec.family != "gaussian"

    @property
    def effect_columns(self) -> tuple[str, ...]:
        """Design columns that carry the intervention (zero them for the counterfactual)."""
        if self._spec.design == "counterfactual":
            return ()
        prefix = "diff_" if self.pooled else ""
        names = self.design(0.5).columns
        return tuple(f"{prefix}{n}" for n in coding.EFFECT_TERMS if f"{prefix}{n}" in names)

    def counts(self) -> dict[str, int]:
        """Observations of the treated unit: pre, post, phase-in, and used in the fit."""
        frame = self._prepared.frame
        treated = frame[frame["treated"]]
        fit = self.fit_mask()[frame["treated"].to_numpy()]
        return {
            "pre": int((~treated["post"]).sum()),
            "post": int(treated["post"].sum()),
            "phase_in": int(treated["phase_in"].sum()),
            "fit": int(fit.sum()),
            "dropped_empty": self._prepared.dropped,
        }

    def replace(self, **changes: Any) -> ITSModel:
        """A variant of this model; ``changes`` are :class:`ModelSpec` fields
        (``event``, ``shape``, ``seasonality``…) or ``data``."""
        data = changes.pop("data", self._data)
        if "seasonality" in changes:
            changes["seasonality"] = Seasonality.parse(changes["seasonality"])
        return ITSModel.from_spec(data, replace(self._spec, **changes))

    def restricted(self, data: pd.DataFrame, *, before_t: float, event: Any) -> ITSModel:
        """The model on this one's rows with ``t < before_t`` and a new ``event`` — what a
        placebo refits — derived from the analysis frame instead of preparing ``data`` (the
        same rows of the user's table, kept for further variants) again: a placebo is a cut of
        the series, its values, scales and time axis do not change."""
        spec = replace(self._spec, event=event)
        _check_spec(spec)
        frame = self._prepared.frame
        part = frame[frame["t"].to_numpy() < before_t].reset_index(drop=True)
        axis = self.axis
        event_point = axis.point(event)
        check_event_inside(part.loc[part["treated"], "time"], event_point, axis)
        part["post"] = post_mask(part["time"], event_point)
        t0 = float(part.loc[part["post"], "t"].min())
        part["phase_in"] = part["post"] & (part["t"] - t0 < spec.phase_in)
        columns = _fit_columns(spec)
        outcome_cols = [columns.value, *columns.controls]
        dropped = int(data[outcome_cols].isna().to_numpy().sum())
        model = ITSModel.__new__(ITSModel)
        model._data = data.copy()
        model._spec = spec
        model._prepared = Prepared(part, axis, event_point, t0, dropped)
        model._check_sizes()
        return model

    def describe(self) -> dict[str, Any]:
        """The full specification as plain values (for JSON and provenance)."""
        spec = self._spec
        cols = spec.columns
        return {
            "time_col": cols.time,
            "value_col": cols.value,
            "event": self.axis.label(self.event),
            "event_rule": "event date inclusive in the post period",
            "first_post": self.axis.label(
                self._prepared.frame.loc[self._prepared.frame["post"], "time"].min()
            ),
            "time_axis": self.axis.describe(),
            "shape": spec.shape if spec.design == "segmented" else None,
            "design": spec.design,
            "scale": "log" if spec.log else "level",
            "unit": spec.unit,
            "family": spec.family,
            "offset_col": cols.offset,
            "seasonality": spec.seasonality.label(),
            "season_col": cols.season,
            "control_cols": list(cols.controls),
            "covariate_cols": list(cols.covariates),
            "group_col": cols.group,
            "treated": None if cols.treated is None else str(cols.treated),
            "slope_anchor": spec.slope_anchor,
            "phase_in": spec.phase_in,
            "trend": spec.trend,
            "label": spec.label,
            "simulated": spec.simulated,
        }

    # --- design ------------------------------------------------------------------------

    def fit_mask(self) -> np.ndarray:
        """Rows used in the fit: not in the phase-in; pre-period only for the counterfactual
        design."""
        frame = self._prepared.frame
        mask = ~frame["phase_in"].to_numpy()
        if self._spec.design == "counterfactual":
            mask &= ~frame["post"].to_numpy()
        return mask

    @property
    def step(self) -> float:
        """The series' period in units of ``t``: the most common spacing of the treated
        unit's observations (1 for a regular series; a missing month does not change it)."""
        frame = self._prepared.frame
        return regular_step(frame.loc[frame["treated"], "t"].to_numpy(dtype=float))

    def positions(self, t: np.ndarray) -> np.ndarray:
        """``t`` in periods of :attr:`step` (integers on a regular grid with gaps)."""
        return np.asarray(t, dtype=float) / self.step

    def gaps(self, mask: np.ndarray) -> np.ndarray | None:
        """Distances, in periods of :attr:`step`, between consecutive rows of ``mask`` within
        each unit (length: rows − 1; a unit boundary gets 1); None when every distance is
        one period, i.e. the rows are consecutive. Error models with serial correlation use
        them, so a missing month is a gap of two, not a neighbour."""
        frame = self._prepared.frame
        t = frame["t"].to_numpy(dtype=float)[mask] / self.step
        units = frame["unit"].to_numpy()[mask]
        d = np.diff(t)
        d[units[1:] != units[:-1]] = 1.0
        if len(d) == 0 or np.allclose(d, 1.0):
            return None
        return d

    def group_codes(self) -> np.ndarray | None:
        if not self.pooled:
            return None
        codes, _ = pd.factorize(self._prepared.frame["unit"])
        return np.asarray(codes)

    def design(self, decay: float | None = None) -> pd.DataFrame:
        """The design matrix for every row of :attr:`frame` (``decay`` for pulse shapes)."""
        spec = self._spec
        frame = self._prepared.frame
        t = frame["t"].to_numpy(dtype=float)
        post = frame["post"].to_numpy()
        if spec.design == "counterfactual":
            columns = {"intercept": np.ones(len(frame))}
            if spec.trend:
                columns["pre_trend"] = t
        else:
            columns = coding.segmented_columns(
                t,
                post,
                self._prepared.t0,
                shape=spec.shape,
                anchor=spec.slope_anchor,
                decay=decay if shape_has_pulse(spec.shape) else None,
            )
            if self.pooled:
                columns = coding.pooled_columns(columns, frame["treated"].to_numpy())
        columns.update(self._season_columns())
        for name in _fit_columns(spec).covariates:
            columns[name] = frame[name].to_numpy(dtype=float)
        return coding.as_frame(columns, frame.index)

    def _season_columns(self) -> dict[str, np.ndarray]:
        spec = self._spec
        frame = self._prepared.frame
        seasonality = spec.seasonality
        if seasonality.kind == "none":
            return {}
        season = frame["season"].to_numpy(dtype=float)
        has_season_col = spec.columns.season is not None
        if seasonality.kind == "month":
            if np.isnan(season).any():
                raise InvalidSpecification(
                    "month seasonality needs dates in the time column or a season column"
                )
            return coding.season_columns(
                season, seasonality, period=None, month_labels=not has_season_col
            )
        if has_season_col:
            position = season
            period = seasonality.period or float(np.nanmax(season))
        else:
            position = frame["t"].to_numpy(dtype=float)
            period_or_none = seasonality.period or self.axis.season_period
            if period_or_none is None:
                raise InvalidSpecification(
                    "fourier seasonality needs a period: use dates in the time column, a season "
                    "column, or fourier:K:P"
                )
            period = period_or_none
        return coding.season_columns(position, seasonality, period=period, month_labels=False)

    def _check_sizes(self) -> None:
        frame = self._prepared.frame
        design = self.design(0.5)
        mask = self.fit_mask()
        effect = set(self.effect_columns) | {c for c in design.columns if c.startswith("diff_")}
        pre_terms = [c for c in design.columns if c not in effect]
        treated = frame["treated"].to_numpy()
        pre_rows = int((mask & treated & ~frame["post"].to_numpy()).sum())
        needed = max(MIN_PRE_PERIODS, len(pre_terms) + 1)
        if pre_rows < needed:
            raise TooFewPrePeriods(
                f"the pre-period has {counted(pre_rows, 'observation')}; this specification needs "
                f"at least "
                f"{needed} ({len(pre_terms)} pre-period terms + 1)"
            )
        post_rows = int((mask & treated & frame["post"].to_numpy()).sum())
        if self._spec.design == "segmented" and post_rows < len(self.effect_columns):
            raise TooFewPrePeriods(
                f"only {counted(post_rows, 'post-period observation')} left for the fit (after the "
                f"phase-in); the {self._spec.shape} shape needs {len(self.effect_columns)}"
            )
        coding.check_rank(design[mask], f"{self._spec.shape} {self._spec.design}")

    # --- fitting -----------------------------------------------------------------------

    def fit(
        self,
        errors: str | ErrorSpec = "ols",
        *,
        lags: int | None = None,
        small_sample: bool = False,
        ar_method: str = "reml",
        arima_order: tuple[int, int, int] = (1, 0, 0),
        decay: float | None = None,
        alpha: float = 0.05,
        seed: int = 0,
        decay_interval: bool = True,
    ) -> ITSResult:
        """Estimate the model; intervals at level 1 − ``alpha``.

        ``errors``: ``ols``, ``newey`` (``lags``: None = automatic; ``small_sample``: Stata's
        correction), ``ar1`` (``ar_method``: ``reml``, ``prais`` or ``fgls``) or ``arima``
        (``arima_order``); see :class:`ErrorSpec`. ``decay``: fix δ of a pulse instead of
        estimating it (``decay_interval`` False: no likelihood-ratio interval for δ̂). ``seed``
        makes the simulation-based intervals reproducible. The design (``segmented``,
        ``counterfactual``, …) does the fitting: see :mod:`analysis.its.designs`.
        """
        spec = (
            errors
            if isinstance(errors, ErrorSpec)
            else ErrorSpec(
                method=errors,  # type: ignore[arg-type]
                lags=lags,
                small_sample=small_sample,
                ar_method=ar_method,  # type: ignore[arg-type]
                arima_order=tuple(arima_order),  # type: ignore[arg-type]
            )
        )
        if not 0 < alpha < 1:
            raise InvalidSpecification(f"alpha must be between 0 and 1; got {alpha}")
        with small_problem(len(self._prepared.frame)):
            return design_named(self._spec.design).fit(
                self, spec, decay=decay, level=1 - alpha, seed=seed, decay_interval=decay_interval
            )


def _fit_columns(spec: ModelSpec) -> Columns:
    """In the counterfactual design control series are predictors, not stacked units."""
    cols = spec.columns
    if spec.design != "counterfactual":
        return cols
    return replace(cols, controls=(), covariates=(*cols.covariates, *cols.controls))


def _check_spec(spec: ModelSpec) -> None:
    check_choice("shape", spec.shape, SHAPES)
    check_choice("design", spec.design, DESIGNS)
    check_choice("family", spec.family, FAMILIES)
    cols = spec.columns
    if spec.family != "gaussian" and spec.log:
        raise InvalidSpecification(
            "log applies to gaussian series; count families already use a log link"
        )
    if cols.offset is not None and spec.family == "gaussian":
        raise InvalidSpecification("an offset column needs a count family (poisson, quasipoisson)")
    if spec.design == "counterfactual":
        if spec.family != "gaussian":
            raise InvalidSpecification("the counterfactual design takes gaussian series only")
        if cols.group is not None:
            raise InvalidSpecification(
                "the counterfactual design takes control series as columns (wide format), "
                "not a group column"
            )
    elif not spec.trend:
        raise InvalidSpecification("the segmented design always has a pre-trend")
