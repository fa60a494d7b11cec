"""The economist's report: one self-contained HTML page plus its tables, figures and provenance.

``<out>/report.html`` embeds every figure as a ``data:`` URI, so the page is one file that
opens anywhere; ``<out>/tables/*.csv`` and ``<out>/figures/*.png`` hold the same tables and
figures for reuse; ``<out>/provenance.json`` names the data file and its SHA-256, the crawl
runs, sources and origins behind the numbers with their date ranges, the software versions
and every parameter. Every CSV carries a ``simulated`` column, so a table taken out of the
report still says what it was made from. The page is in Russian (its readers' language, the
default) or English; the CSV files keep English column names and full precision, the page
shows them through :mod:`reports.tables`.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from reports import figures, narrative
from reports import phrases as P
from reports import tables as T
from reports.facts import Comparison, IntervalParts, ReportData
from reports.formatting import format_number, format_percent
from reports.phrases import ReportLang
from warehouse.records import LOCAL_TIMEZONE

TEMPLATE = "economist.html.j2"
REPORT_LANGS: Final[tuple[ReportLang, ...]] = ("ru", "en")
SECTIONS = ("summary", "coverage", "index", "its", "placebo-sensitivity", "break-date",
            "caveats", "provenance")  # fmt: skip
# A comparison design adds its own section after the index.
COMPARISON_SECTION = "comparison"


def sections(data: ReportData) -> tuple[str, ...]:
    """The page's section ids, in order."""
    if not data.compares:
        return SECTIONS
    at = SECTIONS.index("index") + 1
    return (*SECTIONS[:at], COMPARISON_SECTION, *SECTIONS[at:])


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


def _html_table(frame: pd.DataFrame, lang: ReportLang) -> Markup:
    """A table of display strings (:mod:`reports.tables`) in a container that wraps it;
    the columns ``frame.attrs["numeric"]`` names are right-aligned."""
    if frame.empty:
        return Markup('<p class="note">{}</p>').format(P.ECONOMIST[lang]["nothing"])
    numeric = set(frame.attrs.get("numeric", ()))
    head = Markup("").join(Markup("<th>{}</th>").format(c) for c in frame.columns)
    body = Markup("")
    for row in frame.itertuples(index=False):
        cells = Markup("").join(
            Markup('<td class="num">{}</td>' if column in numeric else "<td>{}</td>").format(
                T.DASH if T.missing(value) else value
            )
            for column, value in zip(frame.columns, row, strict=True)
        )
        body += Markup("<tr>{}</tr>\n").format(cells)
    return Markup(
        '<div class="table-wrap"><table><thead><tr>{}</tr></thead><tbody>\n{}</tbody></table></div>'
    ).format(head, body)


def check_report_lang(lang: str) -> ReportLang:
    """``lang`` as a language the economist's report is written in (ru or en)."""
    for known in REPORT_LANGS:
        if lang == known:
            return known
    raise ValueError(
        f"the economist's report is written in {' or '.join(REPORT_LANGS)}, not {lang!r}"
    )


def _fill(template: str, **fields: Any) -> Markup:
    """``template`` (plain text) with ``fields`` (escaped unless already Markup)."""
    return Markup(escape(template)).format(**fields)


def _code(text: Any) -> Markup:
    return Markup("<code>{}</code>").format(text)


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def index_summary(data: ReportData, lang: ReportLang = "en") -> pd.DataFrame:
    """Per city and series: periods, listing-periods per period, and the change between the
    mean of the window after the event and the mean of the same number of weeks before it
    (a series the index could not build is listed with its error). ``label`` names the
    series in ``lang``."""
    series = data.tables.index_series
    rows = []
    if "error" in series.columns:
        for _, failed in series[series["error"].notna()].iterrows():
            rows.append(
                {"city": failed["city"], "series": failed["series"],
                 "label": _series_label(failed, lang), "error": failed["error"]}
            )  # fmt: skip
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
                "label": _series_label(points.iloc[0], lang),
                "periods": len(points),
                "first": period.min().date(),
                "last": period.max().date(),
                "listings_per_period": points["n"].mean(),
                "window_change_pct": change,
            }
        )
    return pd.DataFrame(rows)


def _series_label(row: pd.Series, lang: ReportLang) -> str:
    """The series of an index frame's row in words (its English name when the row does not
    say what it is)."""
    if "method" not in row or pd.isna(row["method"]):
        return str(row["series"])
    rooms = None if pd.isna(row["rooms"]) else int(row["rooms"])
    return narrative.series_label(str(row["method"]), rooms, bool(row["flow"]), lang,
                                  headline=bool(row["headline"]))  # fmt: skip


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
    spans = pd.DataFrame(
        [{"city": est.city, **est.span.to_dict()} for est in data.estimates.values() if est.span]
    )
    return {
        "analysis_span": spans,
        "coverage_weekly": data.coverage.weekly,
        "coverage_gaps": data.coverage.gaps,
        "sources": pd.DataFrame(data.provenance.get("sources", [])),
        "runs": pd.DataFrame(data.provenance.get("runs", [])),
        "index_series": t.index_series,
        "index_summary": index_summary(data).drop(columns="label"),
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
        "donor_weights": t.weights,
        "placebo_in_space": t.placebo_space,
        "official_series": t.official,
    }


def _figures(data: ReportData, lang: ReportLang) -> dict[str, bytes]:
    sim = data.simulated
    estimates = [data.estimates[c] for c in data.cities]
    drawn = {"coverage": figures.coverage_chart(data.coverage, lang, simulated=sim)}
    series = data.tables.index_series
    if not series.empty and "value" in series.columns:
        labelled = series[series["value"].notna()].copy()
        labelled["label"] = [_series_label(row, lang) for _, row in labelled.iterrows()]
        drawn["index"] = figures.index_chart(labelled, lang, simulated=sim)
    for est in estimates:
        drawn[f"its_{est.city}"] = figures.effect_chart([est], lang, simulated=sim, width=9,
                                                        height=3.6)  # fmt: skip
    if not data.tables.residuals.empty:
        drawn["residuals"] = figures.residuals_chart(data.tables.residuals, lang, simulated=sim)
    if not data.tables.placebos.empty:
        drawn["placebos"] = figures.placebo_chart(data.tables.placebos, estimates, lang,
                                                  simulated=sim)  # fmt: skip
    if not data.tables.break_search.empty:
        drawn["break_search"] = figures.break_chart(
            data.tables.break_search, estimates, lang, simulated=sim
        )
    for est in estimates:
        if est.comparison is not None and est.comparison.gaps is not None:
            drawn[f"gaps_{est.city}"] = figures.gaps_chart([est], lang, simulated=sim)
    if data.official and not series.empty and "value" in series.columns:
        drawn["official"] = figures.official_chart(series, data.official, lang, simulated=sim)
    return {name: figures.png_bytes(fig) for name, fig in drawn.items()}


def _made_at(provenance: dict[str, Any]) -> str:
    """When the report was made, in Almaty time (the provenance keeps it with its offset)."""
    text = str(provenance.get("made_at", ""))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(LOCAL_TIMEZONE))
    return moment.strftime("%Y-%m-%d %H:%M")


def _display_tables(
    data: ReportData, tables: dict[str, pd.DataFrame], lang: ReportLang
) -> dict[str, Markup]:
    t = data.tables
    shown = {
        "sources": T.sources(data, lang),
        "spans": T.spans(data, lang),
        "gaps": T.gaps(data, lang),
        "index_summary": T.index_summary(index_summary(data, lang), lang),
        "its_diagnostics": T.diagnostics(t.diagnostics, lang),
        "placebo_summary": T.placebo_summary(data, lang),
        "sensitivity": T.sensitivity(t.sensitivity, lang)
        if not t.sensitivity.empty
        else pd.DataFrame(),
        "breaks": T.breaks(data, lang),
        "runs": T.runs(data, lang),
        "software": T.software(data, lang),
    }
    for city in data.cities:
        coefficients = (
            t.coefficients[t.coefficients["city"] == city]
            if not t.coefficients.empty
            else t.coefficients
        )
        effects = t.effects[t.effects["city"] == city]
        if not coefficients.empty:
            shown[f"coefficients_{city}"] = T.coefficients(coefficients, lang)
        shown[f"effects_{city}"] = T.effects(effects, lang)
        sensitivity = (
            t.sensitivity[t.sensitivity["city"] == city] if not t.sensitivity.empty else None
        )
        shown[f"sensitivity_{city}"] = (
            T.sensitivity(sensitivity, lang) if sensitivity is not None else pd.DataFrame()
        )
        if data.estimates[city].comparison is not None:
            shown[f"weights_{city}"] = T.weights(t.weights[t.weights["city"] == city], lang)
            space = t.placebo_space
            if not space.empty:
                shown[f"placebo_space_{city}"] = T.placebo_space(space[space["city"] == city],
                                                                 lang)  # fmt: skip
    if data.official:
        shown["official"] = T.official(data, lang)
    html = {name: _html_table(frame, lang) for name, frame in shown.items()}
    if tables["coverage_gaps"].empty:
        html["gaps"] = Markup("<p>{}</p>").format(P.ECONOMIST[lang]["no_gaps"])
    return html


def _comparison_prose(data: ReportData, lang: ReportLang) -> dict[str, dict[str, str]]:
    """Per city with a comparison design: the weights sentence, the pre-period RMSPE, the
    placebo-in-space sentence, the donors left out and the weeks dropped."""
    words = P.ECONOMIST[lang]
    out: dict[str, dict[str, str]] = {}
    for city in data.cities:
        est = data.estimates[city]
        c = est.comparison
        if c is None:
            continue
        name = narrative.city_name(city, lang)
        prose = {
            "weights": narrative.weights_sentence(est, lang) or "",
            "rmspe": narrative.fill(
                words["rmspe_sentence"],
                rmspe=format_number(c.pre_rmspe, lang, decimals=3),
                pct=format_percent(100 * math.expm1(c.pre_rmspe), lang, decimals=1),
            ),
            "interval": interval_text(c.interval, lang),
            "placebo": "",
            "left_out": "",
            "dropped": "",
            "filled": "",
        }
        if c.placebo_p is not None and c.placebo_floor:
            prose["placebo"] = narrative.fill(
                words["placebo_space_sentence"], city=name,
                p=format_number(c.placebo_p, lang, decimals=3),
                n=format_number(round(1 / c.placebo_floor), lang),
                floor=format_number(c.placebo_floor, lang, decimals=3),
            )  # fmt: skip
            uncorrected = placebo_uncorrected(c, est.effect_pct.estimate, name, lang)
            if uncorrected:
                prose["placebo"] += " " + uncorrected
        elif c.design != "synthetic":
            prose["placebo"] = words["no_placebo_space"]
        if c.left_out:
            by_reason: dict[str, list[str]] = {}
            for note in c.left_out:
                reason = narrative.donor_reason(note, lang)
                by_reason.setdefault(reason, []).append(narrative.city_name(note.city, lang))
            listed = "; ".join(f"{', '.join(v)} ({k})" for k, v in by_reason.items())
            prose["left_out"] = narrative.fill(words["left_out"], cities=listed)
        if c.dropped_periods:
            prose["dropped"] = narrative.fill(
                words["dropped"], n=format_number(c.dropped_periods, lang)
            )
        if c.filled:
            prose["filled"] = narrative.fill(words["filled"], n=format_number(c.filled, lang))
        out[city] = prose
    return out


def placebo_uncorrected(c: Comparison, headline: float, name: str, lang: ReportLang) -> str:
    """Under the pooled interval the placebo table's treated row is the ratio before the
    log-scale correction, which the window's estimate takes: say both ('' when they agree to
    the shown decimal or the table has no treated row)."""
    if c.interval is None or c.interval.inference != "pooled" or c.placebo is None:
        return ""
    treated = c.placebo.loc[c.placebo["treated"].astype(bool), "percent"]
    if treated.empty or not math.isfinite(float(treated.iloc[0])) or not math.isfinite(headline):
        return ""
    raw, shown = (format_percent(v, lang, decimals=1) for v in (float(treated.iloc[0]), headline))
    if raw == shown:
        return ""
    return narrative.fill(
        P.ECONOMIST[lang]["placebo_space_uncorrected"], city=name, raw=raw, headline=shown
    )


# The log-normal retransformation of a percent effect read off a log model.
RETRANSFORMATION_REFERENCE = "Kennedy, 1981"


def interval_text(parts: IntervalParts | None, lang: ReportLang) -> str:
    """What set the window's interval, in a sentence ('' for the conformal interval)."""
    if parts is None:
        return ""
    words = P.ECONOMIST[lang]
    values = {
        "events": narrative.counted(parts.pseudo_events, "pseudo_event_on", lang),
        "backtest": format_number(parts.backtest, lang, decimals=1),
    }
    if parts.inference == "backtest":
        return narrative.fill(words["interval_backtest"], **values)
    if parts.inference == "pooled":
        pooled = {
            "backtest": format_percent(parts.backtest_rms or 0.0, lang, decimals=1),
            "correction": format_number(parts.correction or 0.0, lang, decimals=1),
            "reference": RETRANSFORMATION_REFERENCE,
        }
        if parts.placebo_rms is None:
            return narrative.fill(words["interval_pooled_few"], events=values["events"], **pooled)
        return narrative.fill(
            words["interval_pooled"], events=values["events"], **pooled,
            donors=narrative.counted(parts.placebos, "donor_of", lang),
            placebo=format_percent(parts.placebo_rms, lang, decimals=1),
            pooled=format_percent(parts.pooled_rms or 0.0, lang, decimals=1),
        )  # fmt: skip
    if parts.placebo is None:
        return narrative.fill(words["interval_few_donors"], **values)
    key = "interval_placebo_wider" if parts.placebo > parts.backtest else "interval_backtest_wider"
    return narrative.fill(
        words[key], **values, placebo=format_number(parts.placebo, lang, decimals=1)
    )


def render_html(
    data: ReportData,
    tables: dict[str, pd.DataFrame],
    pngs: dict[str, bytes],
    lang: ReportLang = "ru",
) -> str:
    """The page; a figure that could not be drawn (no data for it) is left out, not broken."""
    words = P.ECONOMIST[lang]
    estimates = [data.estimates[c] for c in data.cities]
    first = estimates[0]
    prose = {}
    for est in estimates:
        details = [narrative.interval_sentence(est, lang)]
        for extra in (narrative.kzt_sentence(est, lang), narrative.weights_sentence(est, lang)):
            if extra:
                details.append(extra)
        prose[est.city] = {"headline": narrative.headline(est, lang), "details": " ".join(details)}
    reconcile = narrative.table_vs_headline(first, data.medians, lang)
    params = data.params.get("report", {})
    checksum = f"SHA-256 {data.provenance.get('warehouse', {}).get('sha256', '')}"
    made = _fill(words["made"], made=_made_at(data.provenance),
                 file=_code(data.provenance.get("warehouse", {}).get("file", "")),
                 checksum=_code(checksum), tables=_code("tables/"), figures=_code("figures/"),
                 provenance=_code("provenance.json"))  # fmt: skip
    text = {
        **words,
        "made": made,
        "span_note": words["span_note"].format(
            gap=narrative.counted(int(params.get("max_gap_weeks", 0)), "period_W", lang),
            fraction=format_percent(
                100 * float(params.get("max_extrapolation", 0)), lang, decimals=0
            ),
        ),
        "gaps": words["gaps"].format(
            min=format_number(int(params.get("caveats", {}).get("min_week_listings", 0)), lang)
        ),
        "weekly_note": _fill(words["weekly_note"], file=_code("tables/coverage_weekly.csv")),
        "index_intro": words["index_intro"].format(base=format_number(100, lang)),
        "no_caveat": _fill(words["no_caveat"], file=_code("provenance.json")),
    }
    uris = {name: _data_uri(png) for name, png in pngs.items()}
    design = next((e.comparison.design for e in estimates if e.comparison is not None), None)
    if design is not None:
        text["comparison_intro"] = words["comparison_intro"].format(design=P.VALUES[lang][design])
    template = _env.get_template(TEMPLATE)
    return template.render(
        lang=lang,
        numbers={sid: i for i, sid in enumerate(sections(data)[1:-1], start=1)},
        comparing=[c for c in data.cities if data.estimates[c].comparison is not None],
        comparison=_comparison_prose(data, lang),
        single=[c for c in data.cities if data.estimates[c].comparison is None],
        official=bool(data.official),
        synthetic=design == "synthetic",
        words=text,
        title=narrative.title(data.cities, first, lang),
        simulated=data.simulated,
        simulated_mark=P.SIMULATED_MARK[lang],
        simulated_note=narrative.caveat_sentence(data.caveats[0], lang)
        if data.caveats and data.caveats[0].key == "simulated"
        else "",
        cities=list(data.cities),
        city_names={c: narrative.city_name(c, lang) for c in data.cities},
        prose=prose,
        reconcile=reconcile,
        method_sentence=narrative.method_sentence(first, lang),
        data_sentence=narrative.data_sentence(data.coverage, lang),
        gaps_sentence=narrative.gaps_sentence(data.coverage, lang) or "",
        figures=uris,
        tables=_display_tables(data, tables, lang),
        caveats=narrative.caveat_sentences(data.caveats, lang),
        not_means=list(P.NOT_MEANS[lang]),
        parameters_json=json.dumps(
            data.provenance.get("parameters", {}), indent=2, ensure_ascii=False
        ),
    )


def write_economist_files(data: ReportData, out_dir: Path, lang: str = "ru") -> EconomistReport:
    """Write the page (in ``lang``: ru or en), the tables, the figures and the provenance
    under ``out_dir``."""
    chosen = check_report_lang(lang)
    tables = _csv_tables(data)
    pngs = _figures(data, chosen)
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
    html_path.write_text(render_html(data, tables, pngs, chosen), encoding="utf-8")
    return EconomistReport(html_path, tuple(table_paths), tuple(figure_paths), provenance_path)
