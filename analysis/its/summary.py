"""``ITSResult.summary()``: the fit at a glance, as text and as HTML (like statsmodels'
``Summary``): ``str(summary)`` / ``summary.as_text()`` for a terminal, ``summary.as_html()``
or the notebook's rich display for Jupyter. Numbers only, labelled; the prose belongs to the
reports.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analysis.its.effects import Effect
    from analysis.its.result import ITSResult


@dataclass(frozen=True)
class Table:
    """A titled table of already formatted cells."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Summary:
    """Titled tables; see the module doc."""

    title: str
    tables: tuple[Table, ...]
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()

    def as_text(self) -> str:
        lines = [self.title, "=" * len(self.title)]
        for table in self.tables:
            lines += ["", table.title]
            widths = [
                max(len(cell) for cell in column)
                for column in zip(table.header, *table.rows, strict=True)
            ]
            rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
            lines.append(rule)
            if any(table.header):
                lines.append(_text_row(table.header, widths))
                lines.append(rule)
            lines += [_text_row(row, widths) for row in table.rows]
            lines.append(rule)
        lines += ["", *self.notes] if self.notes else []
        return "\n".join(lines)

    def as_html(self) -> str:
        parts = [f'<div class="its-summary"><h4>{html.escape(self.title)}</h4>']
        for table in self.tables:
            parts.append(f"<table><caption>{html.escape(table.title)}</caption>")
            if any(table.header):
                cells = "".join(f"<th>{html.escape(c)}</th>" for c in table.header)
                parts.append(f"<thead><tr>{cells}</tr></thead>")
            parts.append("<tbody>")
            for row in table.rows:
                head, *rest = row
                cells = f"<th>{html.escape(head)}</th>" + "".join(
                    f'<td style="text-align:right">{html.escape(c)}</td>' for c in rest
                )
                parts.append(f"<tr>{cells}</tr>")
            parts.append("</tbody></table>")
        parts += [f"<p>{html.escape(note)}</p>" for note in self.notes]
        parts.append("</div>")
        return "".join(parts)


def _text_row(cells: Sequence[str], widths: Sequence[int]) -> str:
    first, *rest = cells
    out = [first.ljust(widths[0])] + [c.rjust(w) for c, w in zip(rest, widths[1:], strict=True)]
    return "  ".join(out)


def _num(value: Any, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool | str):
        return str(value)
    number = float(value)
    if not math.isfinite(number):
        return "—"
    return f"{number:.{digits}g}" if abs(number) < 1e5 else f"{number:,.0f}"


def summarise(result: ITSResult, effect: Effect) -> Summary:
    """The summary of ``result`` with ``effect`` as its headline window."""
    model = result.model
    spec = model.spec
    described = model.describe()
    what = spec.label or spec.columns.value
    tag = " [simulated data]" if spec.simulated else ""
    design = spec.design + (f", {spec.shape}" if spec.design == "segmented" else "")
    em = result.error_model
    model_rows = (
        ("design", design),
        ("scale", f"{described['scale']}, {spec.family}"),
        ("seasonality", described["seasonality"]),
        ("event (inclusive, post)", str(described["event"])),
        ("observations", f"{result.n} fitted (pre {result.n_pre}, post {result.n_post})"),
        ("errors", result.errors.label()),
        ("rho", _num(em.rho)),
        ("sigma (innovations)", _num(em.sigma)),
        ("log-likelihood", _num(em.llf, 6)),
        ("AIC", _num(em.aic, 6)),
        ("df residual", _num(em.df_resid)),
    )
    coefficient_rows = tuple(
        (name, _num(c.estimate), _num(c.se), _num(c.ci_low), _num(c.ci_high), _num(c.p, 3))
        for name, c in result.coefficients.items()
    )
    level = f"{result.level:.0%}"
    unit = effect.unit or "units"
    effect_rows = (
        ("window", f"{effect.start} .. {effect.end}", f"{effect.periods} obs", ""),
        ("percent", _num(effect.percent), _num(effect.percent_low), _num(effect.percent_high)),
        (f"absolute ({unit})", _num(effect.absolute), _num(effect.absolute_low),
         _num(effect.absolute_high)),
        (f"cumulative ({unit})", _num(effect.cumulative), _num(effect.cumulative_low),
         _num(effect.cumulative_high)),
        ("model scale", _num(effect.effect), _num(effect.ci_low), _num(effect.ci_high)),
        ("counterfactual (mean)", _num(effect.counterfactual), "", ""),
        ("p", _num(effect.p, 3), f"({effect.method})", ""),
    )  # fmt: skip
    tables = [
        Table("Model", ("", ""), model_rows),
        Table(
            "Coefficients (model scale)",
            ("term", "estimate", "se", f"{level} low", f"{level} high", "p"),
            coefficient_rows,
        ),
        Table("Effect", ("", "estimate", f"{level} low", f"{level} high"), effect_rows),
    ]
    if result.decay is not None:
        d = result.decay
        tables.append(
            Table(
                "Pulse decay",
                ("", "estimate", "low", "high"),
                (
                    ("decay per period", _num(d.estimate), _num(d.ci_low), _num(d.ci_high)),
                    ("half-life (periods)", _num(d.half_life), "", ""),
                ),
            )
        )
    tests = result.diagnostics
    tables.append(
        Table(
            "Residuals",
            ("residuals", "Durbin–Watson", "lag-1 autocorr.", "Ljung–Box p", "pre-period R²"),
            tuple(
                (
                    t.residuals,
                    _num(t.durbin_watson),
                    _num(t.autocorrelation_lag1),
                    _num(t.ljung_box_p, 3),
                    _num(tests.pre_fit.r2),
                )
                for t in (tests.ols, tests.model)
            ),
        )
    )
    notes = ["Simulated data: the figures show how the engine works, not the market."]
    return Summary(
        title=f"ITS: {what}{tag}",
        tables=tuple(tables),
        notes=tuple(notes) if spec.simulated else (),
    )
