"""Error models: estimate the coefficients of a design and their covariance.

Each fit returns a :class:`FitOutput` — plain arrays, no statsmodels objects — so results
stay small and immutable.

Gaps: ``gaps`` gives the distance d (in periods) from each row to the previous one when the
rows are not consecutive (a missing month). AR(1) errors then link rows d apart by ρ^d (the
Prais–Winsten transform and the likelihoods use it), and ARIMA errors are fitted on the
regular grid with the missing periods as missing values of the state space model, so a gap
is never treated as one step. Which distribution intervals use is part of the output:

- ``ols``, ``ar1`` and ``newey`` with the small-sample correction: t with ``df_resid``;
- ``newey`` without it, ``arima``: normal (z);
- count families: Wald intervals with z (R's ``confint.default``); p-values with t when the
  dispersion is estimated (quasi-Poisson, as R's ``summary.glm``), else z.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.optimize import minimize_scalar
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.innovations.arma_innovations import arma_innovations
from statsmodels.tsa.statespace.sarimax import SARIMAX

from analysis.its.exceptions import InvalidSpecification
from analysis.its.hac import bartlett_hac, fixed_b_reference
from analysis.its.spec import ErrorSpec, automatic_lags, fixed_b_lags

_PRAIS_TOL = 1e-8
_PRAIS_MAX_ITER = 200
_RHO_BOUND = 0.9999
# REML searches ρ here; the ρ-uncertainty quadrature uses these standard-normal nodes.
_REML_BOUND = 0.99
_RHO_NODES, _RHO_WEIGHTS = np.polynomial.hermite_e.hermegauss(9)
_RHO_WEIGHTS = _RHO_WEIGHTS / _RHO_WEIGHTS.sum()


@dataclass(frozen=True)
class FitOutput:
    """Estimates of one fit on the rows used (model scale).

    ``resid``: y − mean (response scale for count families). ``innovations``: what the error
    model treats as white noise (OLS residuals; Prais–Winsten/Cochrane–Orcutt transformed
    residuals; ARIMA one-step forecast errors; Pearson residuals) and ``innovation_exog``
    the regressors that go with them (for the Breusch–Godfrey test).
    """

    names: tuple[str, ...]
    params: np.ndarray
    cov: np.ndarray
    df_resid: float
    use_t: bool
    p_use_t: bool
    resid: np.ndarray
    innovations: np.ndarray
    innovation_exog: np.ndarray
    llf: float
    scale: float
    deviance: float | None = None
    rho: float | None = None
    lags: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    reference: Any = None
    """A simulated reference distribution for t statistics (fixed-b Newey–West), else None."""


def fit(
    y: np.ndarray,
    design: pd.DataFrame,
    errors: ErrorSpec,
    *,
    family: str = "gaussian",
    offset: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    gaps: np.ndarray | None = None,
) -> FitOutput:
    """Fit ``y`` on ``design`` with the error model ``errors``.

    ``groups`` (unit codes, rows contiguous per unit and time-ordered within) marks a pooled
    design: newey then uses panel HAC (sums within units); ar1 and arima are not available.
    ``gaps``: distances between consecutive rows (see the module doc; None: consecutive).
    """
    if groups is not None and errors.method in ("ar1", "arima"):
        raise InvalidSpecification(
            f"{errors.method} errors are not available for pooled (multi-unit) designs; "
            "use ols or newey (panel HAC)"
        )
    if family != "gaussian":
        return _fit_glm(y, design, errors, family=family, offset=offset, groups=groups)
    if errors.method in ("ols", "newey"):
        return _fit_ols(y, design, errors, groups=groups)
    if errors.method == "ar1":
        return _fit_ar1(y, design, errors, gaps=gaps)
    return _fit_arima(y, design, errors, gaps=gaps)


def point_fit(
    y: np.ndarray,
    design: np.ndarray,
    errors: ErrorSpec,
    *,
    family: str = "gaussian",
    offset: np.ndarray | None = None,
    gaps: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Coefficients and log-likelihood only, as cheaply as the error model allows.

    Used by the decay profile. For quasi-Poisson the second value is −deviance/2 (divide by
    the dispersion to get a quasi-log-likelihood).
    """
    if family != "gaussian":
        glm = sm.GLM(y, design, family=sm.families.Poisson(), offset=offset).fit()
        llf = -glm.deviance / 2 if family == "quasipoisson" else glm.llf
        return np.asarray(glm.params), float(llf)
    if errors.method in ("ols", "newey"):
        beta, rss = _lstsq(y, design)
        return beta, _gaussian_llf(rss, len(y))
    if errors.method == "ar1":
        out = _fit_ar1(y, pd.DataFrame(design), errors, with_cov=False, gaps=gaps)
        return out.params, out.llf
    out = _fit_arima(y, pd.DataFrame(design), errors, with_cov=False, gaps=gaps)
    return out.params, out.llf


@dataclass(frozen=True)
class ArmaWhitener:
    """GLS with ARMA errors whose parameters are held fixed: every column is whitened by the
    exact one-step prediction errors of the ARMA process (the innovations algorithm, O(n) per
    column; on a grid with missing periods, the Kalman filter), so each regression given the
    parameters is one whitened OLS, with no n × n covariance formed."""

    ar: np.ndarray
    ma: np.ndarray
    sigma2: float
    differences: int
    positions: np.ndarray | None

    @classmethod
    def from_fit(
        cls, out: FitOutput, order: tuple[int, int, int], gaps: np.ndarray | None, n: int
    ) -> ArmaWhitener:
        p, d, q = order
        arma = out.extra["arma"]
        return cls(
            ar=np.array([arma[f"ar.L{i}"] for i in range(1, p + 1)]),
            ma=np.array([arma[f"ma.L{i}"] for i in range(1, q + 1)]),
            sigma2=float(arma["sigma2"]),
            differences=d,
            positions=None if gaps is None else grid_positions(gaps, n),
        )

    def whiten(self, columns: np.ndarray) -> tuple[np.ndarray, float]:
        """Whitened columns (rows × c) and log det of the errors' covariance."""
        if self.positions is not None:
            return self._kalman_whiten(columns)
        if self.differences:
            columns = np.diff(columns, axis=0)
        u, v = arma_innovations(
            np.ascontiguousarray(columns), ar_params=self.ar, ma_params=self.ma,
            sigma2=self.sigma2,
        )  # fmt: skip
        return u / np.sqrt(v)[:, None], float(np.log(v).sum())

    def _kalman_whiten(self, columns: np.ndarray) -> tuple[np.ndarray, float]:
        assert self.positions is not None
        p, q = len(self.ar), len(self.ma)
        order = (p, self.differences, q)
        params = np.r_[self.ar, self.ma, self.sigma2]
        size = int(self.positions[-1]) + 1
        whitened, log_det = [], 0.0
        for column in columns.T:
            grid = np.full(size, np.nan)
            grid[self.positions] = column
            res = SARIMAX(grid, order=order, trend="n").filter(params)
            burn = res.loglikelihood_burn
            error = np.asarray(res.filter_results.forecasts_error[0])
            var = np.asarray(res.filter_results.forecasts_error_cov[0, 0])
            keep = self.positions[self.positions >= burn]
            whitened.append(error[keep] / np.sqrt(var[keep]))
            log_det = float(np.log(var[keep]).sum())
        return np.column_stack(whitened), log_det

    def loglik(self, y: np.ndarray, x: np.ndarray) -> float:
        white, log_det = self.whiten(np.column_stack([y, x]))
        wy, wx = white[:, 0], white[:, 1:]
        wx = wx[:, np.abs(wx).max(axis=0) > 1e-12]
        _, rss = _lstsq(wy, wx)
        return float(-0.5 * (len(wy) * np.log(2 * np.pi) + log_det + rss))


def grid_positions(gaps: np.ndarray, n: int) -> np.ndarray:
    """Integer positions on the regular grid of ``n`` rows with the given gaps."""
    d = np.ones(n - 1) if gaps is None else np.asarray(gaps, dtype=float)
    return np.concatenate([[0], np.cumsum(np.maximum(np.round(d), 1))]).astype(int)


def _lstsq(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, float]:
    beta, _, _, _ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    return beta, float(resid @ resid)


def _gaussian_llf(rss: float, n: int) -> float:
    return -0.5 * n * (np.log(2 * np.pi * rss / n) + 1)


def _fit_ols(
    y: np.ndarray, design: pd.DataFrame, errors: ErrorSpec, *, groups: np.ndarray | None
) -> FitOutput:
    model = sm.OLS(y, design.to_numpy(dtype=float))
    lags: int | None = None
    if errors.method == "ols":
        res = model.fit()
        use_t = True
    else:
        lags = errors.lags
        if lags is None:
            per_unit = len(y) if groups is None else int(np.bincount(groups).min())
            lags = fixed_b_lags(per_unit) if errors.fixed_b else automatic_lags(per_unit)
        use_t = errors.small_sample
        if groups is None:
            kwds: dict[str, Any] = {"maxlags": lags, "use_correction": errors.small_sample}
            res = model.fit(cov_type="HAC", cov_kwds=kwds, use_t=use_t)
        else:
            kwds = {
                "groups": groups,
                "maxlags": lags,
                "use_correction": "hac" if errors.small_sample else False,
                "df_correction": False,
            }
            res = model.fit(cov_type="hac-panel", cov_kwds=kwds, use_t=use_t)
    resid = np.asarray(res.resid)
    cov = np.asarray(res.cov_params())
    reference = None
    if errors.method == "newey" and errors.fixed_b:
        assert lags is not None
        x = design.to_numpy(dtype=float)
        # statsmodels' own normalisation and small-sample factors, read off the fit itself:
        # the sandwich of bartlett_hac on the fit's residuals times this factor is its cov.
        bread = np.linalg.inv(x.T @ x)
        plain = bread @ bartlett_hac(x, resid[:, None], lags, groups)[0] @ bread
        factor = float(np.trace(cov) / np.trace(plain))
        reference = fixed_b_reference(x, lags, groups=groups, correction=factor)
    return FitOutput(
        names=tuple(design.columns),
        params=np.asarray(res.params),
        cov=cov,
        df_resid=float(res.df_resid),
        use_t=use_t,
        p_use_t=use_t,
        resid=resid,
        innovations=resid,
        innovation_exog=design.to_numpy(dtype=float),
        llf=float(res.llf),
        scale=float(res.scale),
        lags=lags,
        extra={"critical_values": "fixed-b"} if reference is not None else {},
        reference=reference,
    )


def _rho_power(rho: float, gaps: np.ndarray) -> np.ndarray:
    """ρ^d for distances d (a negative ρ keeps its sign on odd integer distances)."""
    return np.sign(rho) ** np.round(gaps) * np.abs(rho) ** gaps


def _ar1_transform(
    y: np.ndarray, x: np.ndarray, rho: float, *, keep_first: bool, gaps: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Quasi-differences; Prais–Winsten keeps the first row scaled by sqrt(1 − ρ²).

    With gaps, row i becomes (y_i − ρ^d y_{i−1})·sqrt((1 − ρ²)/(1 − ρ^{2d})), whose error has
    the innovation variance of a one-period step: the exact AR(1) whitening at distance d.
    """
    if gaps is None:
        ys = y[1:] - rho * y[:-1]
        xs = x[1:] - rho * x[:-1]
    else:
        r = _rho_power(rho, gaps)
        scale = _gap_scale(rho, r)
        ys = (y[1:] - r * y[:-1]) * scale
        xs = (x[1:] - r[:, None] * x[:-1]) * scale[:, None]
    if keep_first:
        w = np.sqrt(1 - rho**2)
        ys = np.concatenate([[w * y[0]], ys])
        xs = np.vstack([w * x[:1], xs])
    return ys, xs


def _gap_scale(rho: float, r: np.ndarray) -> np.ndarray:
    return np.sqrt((1 - rho**2) / np.maximum(1 - r**2, 1e-300))


def _ar1_log_det(rho: float, gaps: np.ndarray | None, *, keep_first: bool) -> float:
    """log |det P| of the AR(1) whitening: ½·log(1 − ρ²) for the kept first row, plus the
    log of each gap row's scale (0 for consecutive rows)."""
    first = 0.5 * np.log(1 - rho**2) if keep_first else 0.0
    if gaps is None:
        return float(first)
    return float(first + np.log(_gap_scale(rho, _rho_power(rho, gaps))).sum())


def _lag_one_rho(e: np.ndarray, gaps: np.ndarray | None) -> float:
    """The regression of e_t on e_{t−1} (Stata ``prais``), over pairs one period apart."""
    now, prev = e[1:], e[:-1]
    if gaps is not None and np.isclose(gaps, 1.0).any():
        one = np.isclose(gaps, 1.0)
        now, prev = now[one], prev[one]
    return float(np.clip((now @ prev) / (prev @ prev), -_RHO_BOUND, _RHO_BOUND))


def _fit_ar1(
    y: np.ndarray,
    design: pd.DataFrame,
    errors: ErrorSpec,
    *,
    with_cov: bool = True,
    gaps: np.ndarray | None = None,
) -> FitOutput:
    """Regression with AR(1) errors, by ``errors.ar_method``:

    - ``reml`` (default): ρ maximises the restricted likelihood, and the coefficients'
      covariance carries ρ's own uncertainty (below).
    - ``prais`` / ``fgls``: iterated ρ from the regression of e_t on e_{t−1} (Stata
      ``prais``'s default), then OLS on the transformed data, until ρ changes by less than
      1e-8; the covariance treats ρ as known, as Stata and statsmodels do.

    Why ``reml``: in series of a hundred-odd points the residual autocorrelation is biased
    towards zero and treating ρ̂ as known makes intervals too narrow; with AR(1) errors of 0.5
    and a slope change, ``prais`` covered the six-week effect 88–92% of the time and REML with
    ρ's uncertainty 92% (``bench/its_coverage.py``). REML is the estimator Turner et al.
    (2021) found to cover best among six ITS methods.
    """
    x = design.to_numpy(dtype=float)
    if errors.ar_method == "reml":
        rho = reml_rho(y, x, gaps)
        ys, xs = _ar1_transform(y, x, rho, keep_first=True, gaps=gaps)
        beta, rss = _lstsq(ys, xs)
        keep_first, converged = True, True
    else:
        keep_first = errors.ar_method == "prais"
        beta, _ = _lstsq(y, x)
        rho = 0.0
        converged = False
        for _ in range(_PRAIS_MAX_ITER):
            new_rho = _lag_one_rho(y - x @ beta, gaps)
            ys, xs = _ar1_transform(y, x, new_rho, keep_first=keep_first, gaps=gaps)
            beta, rss = _lstsq(ys, xs)
            if abs(new_rho - rho) < _PRAIS_TOL:
                rho = new_rho
                converged = True
                break
            rho = new_rho
    n = len(ys)
    # Exact AR(1) Gaussian log-likelihood when the first row is kept (the Jacobian of the
    # whitening); conditional on the first observation for Cochrane–Orcutt.
    llf = _gaussian_llf(rss, n) + _ar1_log_det(rho, gaps, keep_first=keep_first)
    names = tuple(design.columns)
    if not with_cov:
        empty = np.empty(0)
        return FitOutput(
            names, beta, np.empty((0, 0)), n - x.shape[1], True, True, empty, empty,
            np.empty((0, 0)), llf, rss / n, rho=rho,
        )  # fmt: skip
    res = sm.OLS(ys, xs).fit()
    cov = np.asarray(res.cov_params())
    if errors.ar_method == "reml":
        cov = _cov_over_rho(y, x, rho, gaps)
    return FitOutput(
        names=names,
        params=np.asarray(res.params),
        cov=cov,
        df_resid=float(res.df_resid),
        use_t=True,
        p_use_t=True,
        resid=y - x @ np.asarray(res.params),
        innovations=np.asarray(res.resid),
        innovation_exog=xs,
        llf=float(llf),
        scale=float(res.scale),
        rho=rho,
        extra={"converged": converged, "ar_method": errors.ar_method},
    )


def ar1_loglik(y: np.ndarray, x: np.ndarray, rho: float, gaps: np.ndarray | None = None) -> float:
    """Exact Gaussian log-likelihood of the GLS fit with AR(1) errors at a given ρ (σ²
    concentrated out)."""
    ys, xs = _ar1_transform(y, x, rho, keep_first=True, gaps=gaps)
    _, rss = _lstsq(ys, xs)
    return float(_gaussian_llf(rss, len(ys)) + _ar1_log_det(rho, gaps, keep_first=True))


class FixedPartGLS:
    """The Gaussian log-likelihood of y on [F, C] with AR(1) errors at a fixed ρ (ρ = 0: OLS),
    when only the columns C change between calls (a pulse's decay profile): F is whitened and
    factored once, and each call projects the few changing columns on it."""

    def __init__(
        self, y: np.ndarray, fixed: np.ndarray, rho: float = 0.0, gaps: np.ndarray | None = None
    ) -> None:
        self.rho, self.gaps = rho, gaps
        wy, wf = self._whiten(y, fixed)
        self.basis = np.linalg.qr(wf)[0]
        self.resid_y = wy - self.basis @ (self.basis.T @ wy)
        self.rss_y = float(self.resid_y @ self.resid_y)
        self.log_det = _ar1_log_det(rho, gaps, keep_first=True) if rho else 0.0

    def _whiten(self, y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.rho == 0.0:
            return y, x
        return _ar1_transform(y, x, self.rho, keep_first=True, gaps=self.gaps)

    def loglik(self, changing: np.ndarray) -> float:
        # Only the columns are whitened; y is a placeholder of their length (with gaps the
        # transform pairs rows by their distances, so it must have every row).
        _, wc = self._whiten(np.zeros(len(changing)), changing)
        rc = wc - self.basis @ (self.basis.T @ wc)
        gamma = np.linalg.lstsq(rc, self.resid_y, rcond=None)[0]
        fitted = rc @ gamma
        rss = max(self.rss_y - float(fitted @ fitted), 1e-300)
        return float(_gaussian_llf(rss, len(self.resid_y)) + self.log_det)


def reml_rho(y: np.ndarray, x: np.ndarray, gaps: np.ndarray | None = None) -> float:
    """ρ maximising the restricted (REML) log-likelihood of y = Xβ + e, e AR(1).

    With the Prais–Winsten whitening P the restricted log-likelihood is, up to a constant,
    −(n−k)/2·log(RSS/(n−k)) + log|det P| − ½·log det(X'P'PX); log|det P| = ½·log(1 − ρ²)
    for consecutive rows (plus the gap rows' scales, see :func:`_ar1_transform`).
    """
    n, k = x.shape

    def negative(rho: float) -> float:
        ys, xs = _ar1_transform(y, x, rho, keep_first=True, gaps=gaps)
        _, rss = _lstsq(ys, xs)
        _, log_det = np.linalg.slogdet(xs.T @ xs)
        return float(
            (n - k) / 2 * np.log(max(rss, 1e-300) / (n - k))
            - _ar1_log_det(rho, gaps, keep_first=True)
            + 0.5 * log_det
        )

    best = minimize_scalar(
        negative, bounds=(-_REML_BOUND, _REML_BOUND), method="bounded", options={"xatol": 1e-7}
    )
    return float(best.x)


def _cov_over_rho(
    y: np.ndarray, x: np.ndarray, rho: float, gaps: np.ndarray | None = None
) -> np.ndarray:
    """The coefficients' covariance with ρ's uncertainty carried in: by the law of total
    variance, E[Cov(β̂ | ρ)] + Var(β̂(ρ)) over ρ ~ N(ρ̂, (1 − ρ̂²)/n), integrated with
    Gauss–Hermite nodes (deterministic, nine GLS fits)."""
    n = len(y)
    spread = np.sqrt((1 - rho**2) / n)
    betas, covs = [], []
    for z in _RHO_NODES:
        r = float(np.clip(rho + z * spread, -_REML_BOUND, _REML_BOUND))
        ys, xs = _ar1_transform(y, x, r, keep_first=True, gaps=gaps)
        xtx_inv = np.linalg.inv(xs.T @ xs)
        b = xtx_inv @ (xs.T @ ys)
        e = ys - xs @ b
        covs.append((e @ e) / (len(ys) - x.shape[1]) * xtx_inv)
        betas.append(b)
    stacked = np.asarray(betas)
    centred = stacked - _RHO_WEIGHTS @ stacked
    within = np.einsum("j,jab->ab", _RHO_WEIGHTS, np.asarray(covs))
    between = (centred * _RHO_WEIGHTS[:, None]).T @ centred
    return np.asarray(within + between)


def _fit_arima(
    y: np.ndarray,
    design: pd.DataFrame,
    errors: ErrorSpec,
    *,
    with_cov: bool = True,
    gaps: np.ndarray | None = None,
) -> FitOutput:
    """Regression with ARIMA errors by exact Gaussian ML (Kalman filter).

    With gaps the model runs on the regular grid, the missing periods as missing values.

    The optimiser works on a standardised problem — regressors scaled to unit maximum, the
    outcome centred and scaled to unit s.d. — and the estimates are transformed back: on raw
    scales (deaths in the tens of thousands, a trend in the hundreds) it stops at its OLS
    start values.
    """
    p, d, q = errors.arima_order
    exog = design
    if d >= 1:
        # Differencing removes the constant: the intercept is not identified.
        exog = design.drop(columns=[c for c in design.columns if c.endswith("intercept")])
    names = tuple(exog.columns)
    x = exog.to_numpy(dtype=float)
    x_scale = np.abs(x).max(axis=0)
    x_scale[x_scale == 0] = 1.0
    has_intercept = "intercept" in names
    y_center = float(y.mean()) if has_intercept else 0.0
    y_scale = float(y.std()) or 1.0
    endog, exog_scaled = (y - y_center) / y_scale, x / x_scale
    observed = np.arange(len(y))
    if gaps is not None:
        observed = grid_positions(gaps, len(y))
        endog = np.full(observed[-1] + 1, np.nan)
        endog[observed] = (y - y_center) / y_scale
        # Regressors of a missing period touch only its (missing) observation, not the
        # error process in the state: any finite value does.
        exog_scaled = np.zeros((observed[-1] + 1, x.shape[1]))
        exog_scaled[observed] = x / x_scale
    model = SARIMAX(endog, exog=exog_scaled, order=(p, d, q), trend="n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        res = model.fit(disp=False, maxiter=200, cov_type=None if with_cov else "none")
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    k = len(names)
    params = np.asarray(res.params)
    beta = params[:k] * y_scale / x_scale
    if has_intercept:
        beta[names.index("intercept")] += y_center
    arma = {name: float(v) for name, v in zip(res.model.param_names[k:], params[k:], strict=True)}
    arma["sigma2"] = arma["sigma2"] * y_scale**2
    # The density of y is that of the standardised series divided by y_scale per observation.
    llf = float(res.llf) - (len(y) - res.loglikelihood_burn) * np.log(y_scale)
    if not with_cov:
        empty = np.empty(0)
        return FitOutput(
            names, beta, np.empty((0, 0)), len(y) - len(params), False, False, empty, empty,
            np.empty((0, 0)), llf, arma["sigma2"],
        )  # fmt: skip
    cov = np.asarray(res.cov_params())[:k, :k] * y_scale**2 / np.outer(x_scale, x_scale)
    return FitOutput(
        names=names,
        params=beta,
        cov=cov,
        df_resid=float(len(y) - len(params)),
        use_t=False,
        p_use_t=False,
        resid=y - x @ beta,
        innovations=np.asarray(res.resid)[observed][d:] * y_scale,
        innovation_exog=x[d:],
        llf=llf,
        scale=arma["sigma2"],
        rho=arma.get("ar.L1"),
        extra={"arma": arma, "converged": converged, "aic": float(2 * len(params) - 2 * llf)},
    )


def _fit_glm(
    y: np.ndarray,
    design: pd.DataFrame,
    errors: ErrorSpec,
    *,
    family: str,
    offset: np.ndarray | None,
    groups: np.ndarray | None,
) -> FitOutput:
    if errors.method not in ("ols", "newey"):
        raise InvalidSpecification(
            f"count families take model-based (ols) or newey errors, not {errors.method}"
        )
    x = design.to_numpy(dtype=float)
    model = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset)
    quasi = family == "quasipoisson"
    lags: int | None = None
    if errors.method == "ols":
        res = model.fit(scale="X2" if quasi else None)
        p_use_t = quasi
    else:
        per_unit = len(y) if groups is None else int(np.bincount(groups).min())
        lags = errors.lags if errors.lags is not None else automatic_lags(per_unit)
        if groups is None:
            kwds: dict[str, Any] = {"maxlags": lags, "use_correction": errors.small_sample}
            res = model.fit(cov_type="HAC", cov_kwds=kwds)
        else:
            kwds = {
                "groups": groups,
                "maxlags": lags,
                "use_correction": "hac" if errors.small_sample else False,
            }
            res = model.fit(cov_type="hac-panel", cov_kwds=kwds)
        p_use_t = errors.small_sample
    pearson = np.asarray(res.resid_pearson)
    return FitOutput(
        names=tuple(design.columns),
        params=np.asarray(res.params),
        cov=np.asarray(res.cov_params()),
        df_resid=float(res.df_resid),
        use_t=errors.small_sample and errors.method == "newey",
        p_use_t=p_use_t,
        resid=y - np.asarray(res.fittedvalues),
        innovations=pearson,
        innovation_exog=x,
        llf=float(res.llf),
        scale=float(res.scale),
        deviance=float(res.deviance),
        lags=lags,
        extra={"pearson_chi2": float(res.pearson_chi2)},
    )
