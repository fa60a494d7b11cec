"""The vocabulary of an ITS specification: shapes, families, seasonality and error models.

Everything here is a small frozen value, validated when it is made, so an invalid combination
is rejected before any data is touched.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from analysis.its.exceptions import InvalidSpecification

Shape = Literal["step", "step-slope", "pulse", "step-pulse"]
"""Effect shapes. ``step``: a level change at the event. ``step-slope``: a level change and a
slope change. ``pulse``: a jump at the event that decays geometrically (Box–Tiao transfer
function ω·δ^k, k periods after the first post period). ``step-pulse``: a permanent step plus
such a decaying pulse."""

Family = Literal["gaussian", "poisson", "quasipoisson"]
ErrorMethod = Literal["ols", "newey", "ar1", "arima"]
ArMethod = Literal["reml", "prais", "fgls"]
Design = Literal["segmented", "counterfactual"]
EffectMethod = Literal["delta", "simulation"]

SHAPES: tuple[str, ...] = get_args(Shape)
FAMILIES: tuple[str, ...] = get_args(Family)
ERROR_METHODS: tuple[str, ...] = get_args(ErrorMethod)
DESIGNS: tuple[str, ...] = get_args(Design)


def check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidSpecification(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def shape_has_slope(shape: str) -> bool:
    return shape == "step-slope"


def shape_has_pulse(shape: str) -> bool:
    return shape in ("pulse", "step-pulse")


@dataclass(frozen=True)
class Seasonality:
    """Seasonal terms shared by the pre and post periods.

    ``kind``: ``none``; ``month`` — one dummy per calendar month but the first seen (needs
    dates, or a season column); ``fourier`` — ``harmonics`` sine/cosine pairs
    sin(2πk·s/P), cos(2πk·s/P), k = 1..K, where s is the position in the season and P the
    ``period`` (None: 12 for monthly dates, 365.25/7 for weekly, 365.25 for daily, 4 for
    quarterly; with a season column, its largest value).
    """

    kind: Literal["none", "month", "fourier"] = "none"
    harmonics: int = 0
    period: float | None = None

    def __post_init__(self) -> None:
        if self.kind == "fourier":
            if self.harmonics < 1:
                raise InvalidSpecification("fourier seasonality needs at least 1 harmonic")
            if self.period is not None and not (self.period > 2 * self.harmonics):
                raise InvalidSpecification(
                    f"fourier:{self.harmonics} needs a period longer than "
                    f"{2 * self.harmonics}; got {self.period:g}"
                )
        elif self.harmonics or self.period is not None:
            raise InvalidSpecification("harmonics and period apply to fourier seasonality only")

    @classmethod
    def parse(cls, text: str | Seasonality | None) -> Seasonality:
        """``none``, ``month``, ``fourier:K`` or ``fourier:K:P`` (P in periods of the series)."""
        if isinstance(text, Seasonality):
            return text
        if text is None or text == "none":
            return cls()
        if text == "month":
            return cls(kind="month")
        parts = text.split(":")
        if parts[0] == "fourier" and len(parts) in (2, 3):
            try:
                harmonics = int(parts[1])
                period = float(parts[2]) if len(parts) == 3 else None
            except ValueError:
                pass
            else:
                return cls(kind="fourier", harmonics=harmonics, period=period)
        raise InvalidSpecification(
            f"seasonality must be none, month, fourier:K or fourier:K:P; got {text!r}"
        )

    def label(self) -> str:
        if self.kind == "fourier":
            tail = f":{self.period:g}" if self.period is not None else ""
            return f"fourier:{self.harmonics}{tail}"
        return self.kind


def automatic_lags(n: int) -> int:
    """Newey–West rule of thumb floor(4·(n/100)^(2/9)) — Stata's and statsmodels' default."""
    return math.floor(4 * (n / 100) ** (2 / 9))


def fixed_b_lags(n: int) -> int:
    """The fixed-b default bandwidth: a tenth of the series (b = 0.1), at least the rule of
    thumb. With fixed-b critical values, b = 0.1 covered the six-week effect 93% of the time
    in the weekly AR(1) case where the rule of thumb's 4 lags covered 87%; larger b only
    widened the interval (``bench/its_coverage.py``)."""
    return max(automatic_lags(n), math.ceil(n / 10))


@dataclass(frozen=True)
class ErrorSpec:
    """How the errors are modelled, hence how standard errors are computed.

    - ``ols``: independent errors (model-based covariance; t with n−k df).
    - ``newey``: OLS estimates, Newey–West HAC covariance with Bartlett weights and ``lags``
      lags (None: :func:`fixed_b_lags` with fixed-b critical values, else
      :func:`automatic_lags`). ``small_sample`` applies Stata's ``newey``
      conventions: covariance × n/(n−k) and t with n−k df; otherwise normal (z) inference.
      For pooled multi-unit designs the HAC sums run within each unit (panel HAC).
      ``fixed_b`` (default): intervals and p-values of gaussian fits use critical values
      simulated for the design at the same bandwidth (Kiefer–Vogelsang fixed-b, see
      :mod:`analysis.its.hac`) instead of z or t; False gives the textbook (and Stata) ones.
    - ``ar1``: AR(1) errors; ``ar_method`` ``reml`` (ρ by restricted maximum likelihood, the
      covariance integrated over ρ's uncertainty; the default, best coverage in short
      series), ``prais`` (iterated Prais–Winsten, keeps the first observation, as Stata
      ``prais``) or ``fgls`` (iterated Cochrane–Orcutt feasible GLS, statsmodels ``GLSAR``,
      drops it). t with the transformed regression's df.
    - ``arima``: regression with ARIMA(p, d, q) errors (statsmodels ``SARIMAX`` with the
      intervention terms as regressors; with d ≥ 1 the intercept is differenced away). z.
    """

    method: ErrorMethod = "ols"
    lags: int | None = None
    small_sample: bool = False
    ar_method: ArMethod = "reml"
    arima_order: tuple[int, int, int] = (1, 0, 0)
    fixed_b: bool = True

    def __post_init__(self) -> None:
        check_choice("errors", self.method, ERROR_METHODS)
        check_choice("ar method", self.ar_method, ("reml", "prais", "fgls"))
        if self.lags is not None:
            if self.method != "newey":
                raise InvalidSpecification("lags apply to newey errors only")
            if self.lags < 0:
                raise InvalidSpecification(f"lags must be 0 or more; got {self.lags}")
        if self.small_sample and self.method != "newey":
            raise InvalidSpecification("the small-sample correction applies to newey errors only")
        p, d, q = self.arima_order
        if min(p, d, q) < 0 or d > 1:
            raise InvalidSpecification(
                "arima order must be (p, d, q) with p, q >= 0 and d in 0, 1; "
                f"got {self.arima_order}"
            )

    def label(self) -> str:
        if self.method == "newey":
            lags = "auto" if self.lags is None else str(self.lags)
            extras = (", small-sample" if self.small_sample else "") + (
                ", fixed-b" if self.fixed_b else ""
            )
            return f"newey(lags={lags}{extras})"
        if self.method == "ar1":
            return f"ar1({self.ar_method})"
        if self.method == "arima":
            return "arima({},{},{})".format(*self.arima_order)
        return self.method

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["arima_order"] = list(self.arima_order)
        return data
