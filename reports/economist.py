"""The economist's report: one self-contained HTML page plus its tables, figures and provenance.

``<out>/report.html`` embeds every figure as a ``data:`` URI, so the page is one file that
opens anywhere; ``<out>/tables/*.csv`` and ``<out>/figures/*.png`` hold the same tables and
figures for reuse; ``<out>/provenance.json`` names the data file and its SHA-256, the crawl
runs, sources and origins behind the numbers with their date ranges, the software versions
and every parameter. Every CSV carries a ``simulated`` column, so a table taken out of the
report still says what it was made from. The report is in English.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import jinja2
import pandas as pd
from markupsafe import Markup

from reports import figures, narrative
from reports import phrases as P
from reports.facts import ReportData
from reports.formatting import Lang

TEMPLATE = "economist.html.j2"
LANG: Final[Lang] = "en"
SECTIONS = ("summary", "coverage", "index", "its", "placebo-sensitivity", "break-date",
            "caveats", "provenance")  # fmt: skip

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("reports", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    undefined=jinja2.StrictUndefined,
)


@dataclass(frozen=True)
class EconomistReport:
    """What was written: the page, the CSV tables, the PNG figures and the provenance."""

    html: Path
    tables: tuple[Path, ...]
    figures: tuple[Path, ...]
    provenance: Path


def _html_table(frame: pd.DataFrame) -> Markup:
    if frame.empty:
        return Markup('<p class="note">(nothing to show)</p>')
    # pandas escapes cell text; the markup it returns is safe to embed as is.
    return Markup(
        frame.to_html(index=False, border=0, na_rep="", float_format=lambda v: f"{v:.4g}")
    )


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def index_summary(data: ReportData) -> pd.DataFrame:
    """Per city and series: periods, listing-periods per period, and the change between the
    mean of the window after the event and the mean of the same number of weeks before it
    (a series the index could not build is listed with its error)."""
    series = data.tables.index_series
    rows = []
    if "error" in series.columns:
        for _, failed in series[series["error"].notna()].iterrows():
            rows.append(
                {"city": failed["city"], "series": failed["series"], "error": failed["error"]}
            )
        series = series[series["error"].isna()]
    for (city, label), points in series.groupby(["city", "series"], sort=True):
        est = data.estimates.get(str(city))
        period = pd.to_datetime(points["period"])
        change = None
        if est is not None:
            span = pd.Timedelta(weeks=est.window_weeks)
            event = pd.Timestamp(est.window_start)
            before = points["value"][(period >= event - span) & (period < event)].mean()
            after = points["value"][(period >= event) & (period < event + span)].mean()
            change = (after / before - 1) * 100 if before else None
        rows.append(
            {
                "city": city,
                "series": label,
                "periods": len(points),
                "first": period.min().date(),
                "last": period.max().date(),
                "listings_per_period": points["n"].mean(),
                "window_change_pct": change,
            }
        )
    return pd.DataFrame(rows)


def _placebo_summary(data: ReportData) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "city": est.city,
                "estimate_pct": est.effect_pct.estimate,
                "placebos": est.placebo_n,
                "empirical_p": est.placebo_p,
            }
            for est in data.estimates.values()
        ]
    )


def _breaks(data: ReportData) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "city": est.city,
                "event": est.event,
                "break": est.break_date,
                "interval_low": est.break_low,
                "interval_high": est.break_high,
                "sup_f_p": est.break_p,
                "first_post_period": est.window_start,
                "event_inside_interval": None
                if est.break_low is None or est.break_high is None
                else est.break_low <= est.window_start <= est.break_high,
            }
            for est in data.estimates.values()
        ]
    )


def _csv_tables(data: ReportData) -> dict[str, pd.DataFrame]:
    paths = []
    for est in data.estimates.values():
        path = est.path.copy()
        path.insert(0, "city", est.city)
        paths.append(path)
    medians = pd.DataFrame(
        [
            {
                "city": m.city,
                "rooms": m.rooms,
                "before_kzt": m.before_kzt,
                "after_kzt": m.after_kzt,
                "listings_before": m.n_before,
                "listings_after": m.n_after,
                "change_pct": m.change_pct,
            }
            for m in data.medians
        ]
    )
    t = data.tables
    return {
        "coverage_weekly": data.coverage.weekly,
        "coverage_gaps": data.coverage.gaps,
        "sources": pd.DataFrame(data.provenance.get("sources", [])),
        "runs": pd.DataFrame(data.provenance.get("runs", [])),
        "index_series": t.index_series,
        "index_summary": index_summary(data),
        "its_path": pd.concat(paths, ignore_index=True) if paths else pd.DataFrame(),
        "its_coefficients": t.coefficients,
        "its_effects": t.effects,
        "its_diagnostics": t.diagnostics,
        "its_residuals": t.residuals,
        "placebos": t.placebos,
        "placebo_summary": _placebo_summary(data),
        "sensitivity": t.sensitivity,
        "break_search": t.break_search,
        "breaks": _breaks(data),
        "room_medians": medians,
    }


def _figures(data: ReportData) -> dict[str, bytes]:
    sim = data.simulated
    estimates = [data.estimates[c] for c in data.cities]
    drawn = {"coverage": figures.coverage_chart(data.coverage, simulated=sim)}
    if not data.tables.index_series.empty:
        drawn["index"] = figures.index_chart(data.tables.index_series, simulated=sim)
    for est in estimates:
        fig = figures.effect_chart([est], LANG, simulated=sim, width=9)
        drawn[f"its_{est.city}"] = fig
    if not data.tables.residuals.empty:
        drawn["residuals"] = figures.residuals_chart(data.tables.residuals, simulated=sim)
    if not data.tables.placebos.empty:
        drawn["placebos"] = figures.placebo_chart(data.tables.placebos, estimates, simulated=sim)
    if not data.tables.break_search.empty:
        drawn["break_search"] = figures.break_chart(
            data.tables.break_search, estimates, simulated=sim
        )
    return {name: figures.png_bytes(fig) for name, fig in drawn.items()}


def render_html(data: ReportData, tables: dict[str, pd.DataFrame], pngs: dict[str, bytes]) -> str:
    """The page; a figure that could not be drawn (no data for it) is left out, not broken."""
    estimates = [data.estimates[c] for c in data.cities]
    first = estimates[0]
    prose = {}
    for est in estimates:
        details = [narrative.interval_sentence(est, LANG)]
        kzt = narrative.kzt_sentence(est, LANG)
        if kzt:
            details.append(kzt)
        prose[est.city] = {"headline": narrative.headline(est, LANG), "details": " ".join(details)}
    html_tables = {name: _html_table(frame) for name, frame in tables.items()}
    for est in estimates:
        t = data.tables
        html_tables[f"coefficients_{est.city}"] = _html_table(
            t.coefficients[t.coefficients["city"] == est.city]
            if not t.coefficients.empty
            else t.coefficients
        )
        html_tables[f"effects_{est.city}"] = _html_table(
            t.effects[t.effects["city"] == est.city] if not t.effects.empty else t.effects
        )
    html_tables["software"] = _html_table(
        pd.DataFrame(
            sorted(data.provenance.get("software", {}).items()), columns=["package", "version"]
        )
    )
    html_tables["gaps"] = _html_table(data.coverage.gaps)
    uris = {name: _data_uri(png) for name, png in pngs.items()}
    template = _env.get_template(TEMPLATE)
    return template.render(
        title=narrative.title(data.cities, first, LANG),
        simulated=data.simulated,
        simulated_mark=P.SIMULATED_MARK[LANG],
        simulated_note=narrative.caveat_sentence(data.caveats[0], LANG)
        if data.caveats and data.caveats[0].key == "simulated"
        else "",
        made_at=data.provenance.get("made_at", ""),
        provenance=data.provenance,
        cities=list(data.cities),
        city_names={c: narrative.city_name(c, LANG) for c in data.cities},
        prose=prose,
        method_sentence=narrative.method_sentence(first, LANG),
        data_sentence=narrative.data_sentence(data.coverage, LANG),
        min_week_listings=data.params.get("caveats", {}).get("min_week_listings", ""),
        figures=uris,
        tables=html_tables,
        caveats=[narrative.caveat_sentence(c, LANG) for c in data.caveats],
        not_means=list(P.NOT_MEANS[LANG]),
        parameters_json=json.dumps(
            data.provenance.get("parameters", {}), indent=2, ensure_ascii=False
        ),
    )


def write_economist_files(data: ReportData, out_dir: Path) -> EconomistReport:
    """Write the page, the tables, the figures and the provenance under ``out_dir``."""
    tables = _csv_tables(data)
    pngs = _figures(data)
    table_dir, figure_dir = out_dir / "tables", out_dir / "figures"
    table_dir.mkdir(parents=True, exist_ok=True)
    figure_dir.mkdir(parents=True, exist_ok=True)
    table_paths = []
    for name, frame in tables.items():
        path = table_dir / f"{name}.csv"
        frame.assign(simulated=data.simulated).to_csv(path, index=False)
        table_paths.append(path)
    figure_paths = []
    for name, png in pngs.items():
        path = figure_dir / f"{name}.png"
        path.write_bytes(png)
        figure_paths.append(path)
    provenance_path = out_dir / "provenance.json"
    provenance: dict[str, Any] = {**data.provenance, "simulated": data.simulated}
    provenance_path.write_text(json.dumps(provenance, indent=2, ensure_ascii=False, default=str))
    html_path = out_dir / "report.html"
    html_path.write_text(render_html(data, tables, pngs), encoding="utf-8")
    return EconomistReport(html_path, tuple(table_paths), tuple(figure_paths), provenance_path)
