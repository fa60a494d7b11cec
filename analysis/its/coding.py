"""Design-matrix coding: the columns of the segmented regression and of its seasonal terms.

Coding (Stata ``itsa``; Linden 2015):

- ``intercept``: 1.
- ``pre_trend``: t, periods since the first observation (0 there).
- ``level_change``: 1 in the post period (time >= event; the event is inclusive), else 0.
  For the ``pulse`` shape it is δ^k instead: the jump decays geometrically.
- ``slope_change``: k + anchor in the post period, else 0, where k = t − t0 counts periods
  from the first post observation t0. ``anchor`` 0 (Stata itsa: 0 at the first post period)
  or 1 (Lopez Bernal et al. 2017: 1 at the first post period, i.e. anchored at the last pre
  period).
- ``pulse`` (``step-pulse`` shape only): δ^k in the post period, on top of the step.

``post_trend`` = ``pre_trend`` + ``slope_change`` is derived from the fit, not a column.

Pooled designs (a treated unit and controls, stacked) follow Stata's multiple-group ``itsa``:
the base columns above describe the control group (``control_…``) and their products with
the treated indicator give the treated-minus-control differences (``diff_…``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.its.exceptions import InvalidSpecification
from analysis.its.spec import Seasonality, shape_has_pulse, shape_has_slope

BASE_TERMS = ("intercept", "pre_trend")
EFFECT_TERMS = ("level_change", "slope_change", "pulse")
"""Columns that carry the intervention: zeroing them gives the counterfactual."""


def intervention_columns(
    t: np.ndarray,
    post: np.ndarray,
    t0: float,
    *,
    shape: str,
    anchor: int,
    decay: float | None,
) -> dict[str, np.ndarray]:
    """The intervention columns for periods ``t`` with post-period flags ``post``.

    ``t0`` is the period of the first post observation; ``decay`` (δ in [0, 1)) is needed
    by the pulse shapes.
    """
    if anchor not in (0, 1):
        raise InvalidSpecification(f"slope anchor must be 0 or 1; got {anchor}")
    on = post.astype(float)
    k = np.where(post, t - t0, 0.0)
    columns: dict[str, np.ndarray] = {}
    if shape_has_pulse(shape):
        if decay is None or not (0.0 <= decay < 1.0):
            raise InvalidSpecification(f"a pulse needs a decay rate in [0, 1); got {decay}")
        # 0.0 ** 0 == 1: with δ = 0 the pulse lasts exactly one period.
        decaying = on * np.power(decay, k)
        if shape == "pulse":
            columns["level_change"] = decaying
        else:
            columns["level_change"] = on
            columns["pulse"] = decaying
    else:
        columns["level_change"] = on
    if shape_has_slope(shape):
        columns["slope_change"] = on * (k + anchor)
    return columns


def segmented_columns(
    t: np.ndarray,
    post: np.ndarray,
    t0: float,
    *,
    shape: str,
    anchor: int,
    decay: float | None,
    trend: bool = True,
) -> dict[str, np.ndarray]:
    """Intercept, pre-trend and the intervention columns of a single series."""
    columns = {"intercept": np.ones_like(t, dtype=float)}
    if trend:
        columns["pre_trend"] = t.astype(float)
    columns.update(intervention_columns(t, post, t0, shape=shape, anchor=anchor, decay=decay))
    return columns


def pooled_columns(base: dict[str, np.ndarray], treated: np.ndarray) -> dict[str, np.ndarray]:
    """Stata multiple-group coding: ``control_X`` = X, ``diff_X`` = X × treated."""
    flag = treated.astype(float)
    columns = {f"control_{name}": values for name, values in base.items()}
    columns.update({f"diff_{name}": values * flag for name, values in base.items()})
    return columns


def season_columns(
    position: np.ndarray,
    seasonality: Seasonality,
    *,
    period: float | None,
    month_labels: bool,
) -> dict[str, np.ndarray]:
    """Seasonal regressors from the position in the season.

    ``position``: calendar month (1–12) or season-column value for ``month`` dummies; for
    ``fourier``, the position s in periods, with ``period`` P. ``month_labels`` names dummies
    ``month_<m>`` (calendar months) rather than ``season_<v>``.
    """
    if seasonality.kind == "none":
        return {}
    if seasonality.kind == "month":
        levels = np.unique(position)
        prefix = "month" if month_labels else "season"
        # The first level is the reference; its effect is in the intercept.
        return {
            f"{prefix}_{_level_label(level)}": (position == level).astype(float)
            for level in levels[1:]
        }
    if period is None:
        raise InvalidSpecification(
            "fourier seasonality needs a period: use dates in the time column, a season "
            "column, or fourier:K:P"
        )
    if not period > 2 * seasonality.harmonics:
        raise InvalidSpecification(
            f"fourier:{seasonality.harmonics} needs a period longer than "
            f"{2 * seasonality.harmonics}; got {period:g}"
        )
    columns: dict[str, np.ndarray] = {}
    for k in range(1, seasonality.harmonics + 1):
        angle = 2 * np.pi * k * position / period
        columns[f"sin_{k}"] = np.sin(angle)
        columns[f"cos_{k}"] = np.cos(angle)
    return columns


def _level_label(level: float) -> str:
    return str(int(level)) if float(level).is_integer() else f"{level:g}"


def as_frame(columns: dict[str, np.ndarray], index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(columns, index=index)


def counterfactual_of(design: pd.DataFrame, effect_columns: Sequence[str]) -> pd.DataFrame:
    """The same rows with the intervention switched off (effect columns set to 0)."""
    off = design.copy()
    for name in effect_columns:
        off[name] = 0.0
    return off


def check_rank(design: pd.DataFrame, what: str) -> None:
    """A design that cannot be estimated is an input problem: say which columns collide."""
    values = design.to_numpy(dtype=float)
    rank = np.linalg.matrix_rank(values)
    if rank < values.shape[1]:
        constant = [
            c
            for c in design.columns
            if np.ptp(values[:, design.columns.get_loc(c)]) == 0
            and c not in ("intercept", "control_intercept")
        ]
        hint = f" (constant columns: {', '.join(constant)})" if constant else ""
        raise InvalidSpecification(
            f"the {what} design is rank deficient: {values.shape[1]} terms but rank {rank}{hint}; "
            "drop a term or use a longer series"
        )
