"""Hedonic time-dummy index: ln rent on period dummies and the flat's characteristics.

    ln rent_i = δ_t(i) + Σ rooms dummies + β ln area_m2 + Σ district dummies
                + Σ floor-band dummies + Σ owner-type dummies + ε_i

index_t = 100 × exp(δ_t − δ_base). Each categorical drops its first level (sorted); the
period dummies span the intercept.

The regression is solved from sufficient statistics computed inside DuckDB. Every regressor
but ln area is constant within a *cell* (period × rooms × district × floor band × owner
type), so one GROUP BY over the sample returns per cell the count and the sums of
powers and cross-products of y = ln rent and l = ln area (both centred, for accuracy). From
those small tables X'X and X'y are exact, and so is the HC1 "meat" Σ e_i² x_i x_i', because
e_i = y_i − c_cell − β l_i expands into the same sums (up to y² l² and l⁴). No row-level
design matrix is ever built: the Python side works on (cells × parameters), sparse.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import duckdb
import numpy as np
import pandas as pd
import scipy.linalg
import scipy.sparse as sp

from analysis.index.medians import MethodResult, resolve_base
from analysis.index.spec import SeErrors, SeriesError

FACTORS: Final = ("rooms_level", "district", "floor_band", "owner_type")

USABLE: Final = "rent IS NOT NULL AND rooms IS NOT NULL AND area_m2 IS NOT NULL"

CENTRES: Final = f"""
SELECT avg(ln(rent)) FILTER (WHERE {USABLE}),
       avg(ln(area_m2)) FILTER (WHERE {USABLE}),
       count(*) FILTER (WHERE rent IS NOT NULL AND NOT ({USABLE}))
FROM index_sample
"""

ORIGINS: Final = f"SELECT DISTINCT origin FROM index_sample WHERE {USABLE} ORDER BY origin"

# Sufficient statistics per cell; y = ln rent − $y0, l = ln area − $l0.
CELL_MOMENTS: Final = f"""
WITH x AS (
    SELECT period,
           least(rooms, 5) AS rooms_level,
           coalesce(district, 'district unknown') AS district,
           floor_band,
           coalesce(owner_type, 'owner unknown') AS owner_type,
           ln(rent) - $y0 AS y,
           ln(area_m2) - $l0 AS l
    FROM index_sample
    WHERE {USABLE}
)
SELECT period, rooms_level, district, floor_band, owner_type,
       count(*) AS n,
       sum(l) AS s_l, sum(l * l) AS s_ll, sum(l * l * l) AS s_lll, sum(l * l * l * l) AS s_llll,
       sum(y) AS s_y, sum(y * l) AS s_yl, sum(y * l * l) AS s_yll, sum(y * l * l * l) AS s_ylll,
       sum(y * y) AS s_yy, sum(y * y * l) AS s_yyl, sum(y * y * l * l) AS s_yyll
FROM x
GROUP BY ALL
"""

# A design whose scaled X'X is this ill-conditioned has a category that coincides with a
# period (or another category): its period effects are not identified.
MAX_CONDITION: Final = 1e12


def _design(cells: pd.DataFrame) -> tuple[sp.csr_matrix, list[str], pd.Index]:
    """Sparse cell × (period dummies + categorical dummies) matrix, term names, periods."""
    period_codes, periods = pd.factorize(cells["period"], sort=True)
    rows = [np.arange(len(cells))]
    cols = [period_codes]
    names: list[str] = []
    offset = len(periods)
    for factor in FACTORS:
        codes, levels = pd.factorize(cells[factor].astype(str), sort=True)
        keep = codes > 0  # the first level is the reference
        rows.append(np.flatnonzero(keep))
        cols.append(offset + codes[keep] - 1)
        names += [f"{factor.removesuffix('_level')}={level}" for level in levels[1:]]
        offset += len(levels) - 1
    row = np.concatenate(rows)
    col = np.concatenate(cols)
    design = sp.csr_matrix((np.ones(len(row)), (row, col)), shape=(len(cells), offset))
    return design, names, pd.Index(periods)


def _gram(design: sp.csr_matrix, w0: np.ndarray, w1: np.ndarray, w2: float) -> np.ndarray:
    """[[D' diag(w0) D, D' w1], [w1' D, w2]]: a cross-product with ln area as last column."""
    top = (design.T @ sp.diags(w0) @ design).toarray()
    side = design.T @ w1
    size = top.shape[0] + 1
    out = np.empty((size, size))
    out[:-1, :-1] = top
    out[:-1, -1] = side
    out[-1, :-1] = side
    out[-1, -1] = w2
    return out


def hedonic_series(
    conn: duckdb.DuckDBPyConnection, base: date | None, se_type: SeErrors = "hc1"
) -> MethodResult:
    """Time-dummy hedonic index (base period = 100) with delta-method standard errors."""
    row = conn.execute(CENTRES).fetchone()
    if not row or row[0] is None:
        raise SeriesError("no listings with rooms and area: the hedonic index cannot be built")
    y0, l0, missing = float(row[0]), float(row[1]), int(row[2])
    cells = conn.execute(CELL_MOMENTS, {"y0": y0, "l0": l0}).df()
    design, names, periods = _design(cells)
    n_periods = len(periods)
    base_period = resolve_base(conn, base)
    matches = np.flatnonzero(periods == pd.Timestamp(base_period))
    if not len(matches):
        raise SeriesError(f"base period {base_period:%Y-%m-%d} has no listings with rooms and area")
    base_at = int(matches[0])

    n = cells["n"].to_numpy(dtype=float)
    gram = _gram(design, n, cells["s_l"].to_numpy(), float(cells["s_ll"].sum()))
    xty = np.append(design.T @ cells["s_y"].to_numpy(), cells["s_yl"].sum())
    scale = 1.0 / np.sqrt(np.diag(gram))
    eigen = np.linalg.eigvalsh(gram * np.outer(scale, scale))
    if eigen[0] <= eigen[-1] / MAX_CONDITION:
        raise SeriesError(
            "the hedonic design is singular (a category coincides with a period): "
            "build a coarser series (weekly or monthly, or without the district/rooms filter)"
        )
    gram_inv = scipy.linalg.cho_solve(scipy.linalg.cho_factor(gram), np.eye(len(gram)))
    beta = gram_inv @ xty
    n_obs = float(n.sum())
    n_params = len(beta)
    if n_obs <= n_params:
        raise SeriesError(
            f"{int(n_obs)} listing-periods are too few for {n_params} hedonic parameters"
        )

    # Residual sums per cell: e = y − c − b l, c the cell's fitted part without ln area.
    c = design @ beta[:-1]
    b = beta[-1]
    moments = {k: cells[k].to_numpy() for k in cells.columns if k.startswith("s_")}

    def residual_sum(power: int) -> np.ndarray:
        """Σ e² l^power per cell, from the moment sums."""
        lp = {0: n, 1: moments["s_l"], 2: moments["s_ll"], 3: moments["s_lll"],
              4: moments["s_llll"]}  # fmt: skip
        ylp = {0: moments["s_y"], 1: moments["s_yl"], 2: moments["s_yll"], 3: moments["s_ylll"]}
        yylp = {0: moments["s_yy"], 1: moments["s_yyl"], 2: moments["s_yyll"]}
        return (
            yylp[power]
            - 2 * c * ylp[power]
            - 2 * b * ylp[power + 1]
            + c * c * lp[power]
            + 2 * c * b * lp[power + 1]
            + b * b * lp[power + 2]
        )

    e0 = residual_sum(0)
    if se_type == "classical":
        sigma2 = float(e0.sum()) / (n_obs - n_params)
        cov = sigma2 * gram_inv
    else:
        meat = _gram(design, e0, residual_sum(1), float(residual_sum(2).sum()))
        cov = gram_inv @ meat @ gram_inv * (n_obs / (n_obs - n_params))

    delta = beta[:n_periods] - beta[base_at]
    var = np.diag(cov)[:n_periods] + cov[base_at, base_at] - 2 * cov[:n_periods, base_at]
    value = 100.0 * np.exp(delta)
    se = value * np.sqrt(np.clip(var, 0.0, None))
    origins = ",".join(r[0] for r in conn.execute(ORIGINS).fetchall())
    points = pd.DataFrame(
        {
            "period": periods,
            "value": value,
            "se": se,
            "n": cells.groupby("period")["n"].sum().reindex(periods).to_numpy(),
            "origins": origins,
        }
    )
    coef_se = np.sqrt(np.clip(np.diag(cov)[n_periods:], 0.0, None))
    coefficients = pd.DataFrame(
        {"term": [*names, "log_area"], "estimate": beta[n_periods:], "se": coef_se}
    )
    return MethodResult(
        points=points,
        base_period=base_period,
        missing_attributes=missing,
        se_type=se_type,
        coefficients=coefficients,
    )
