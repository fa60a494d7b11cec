"""The economist's tables as a reader sees them: human headers, numbers written out, few columns.

The CSV files keep every column at full precision (``reports.economist``); the HTML shows the
same facts with headers in the report's language (:data:`reports.phrases.COLUMNS`), numbers
through :mod:`reports.formatting` (no ``9.999e-05``, no ``None``: a missing value is "—"),
an estimate and its interval in one cell, and date ranges in one cell, so no table is wider
than the page's column. p-values below 0.001 read "< 0.001".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from reports import narrative
from reports import phrases as P
from reports.facts import ReportData
from reports.formatting import NBSP, format_number, format_percent
from reports.phrases import ReportLang
from reports.span import Span
from warehouse.records import LOCAL_TIMEZONE

DASH = "—"
ZWSP = "\u200b"  # lets a long identifier break after its hyphens
# "a … b": no break before the ellipsis, one allowed after it.
RANGE = f"{NBSP}… "
# Columns that hold numbers (right-aligned in the page).
NUMERIC = frozenset({
    "listings", "observations", "weeks", "max_listings", "periods", "listings_per_period",
    "window_change", "estimate", "se", "ci", "p", "effect_pct", "effect_kzt", "n",
    "durbin_watson", "lag1", "bg_p", "lb_p", "lags", "r2", "mape", "placebos", "empirical_p",
    "level_change", "slope_change", "items", "pre_post", "weight", "pre_rmspe", "post_rmspe",
    "ratio", "rank", "months", "missing",
})  # fmt: skip


def missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number(value: Any, lang: ReportLang, decimals: int = 0, *, sign: bool = False) -> str:
    if missing(value) or not math.isfinite(float(value)):
        return DASH
    return format_number(float(value), lang, decimals=decimals, sign=sign)


def percent(value: Any, lang: ReportLang) -> str:
    """A percent effect: one decimal, signed, half up (the headline's one rounding)."""
    if missing(value):
        return DASH
    return format_percent(float(value), lang, decimals=1, sign=True)


def p_value(value: Any, lang: ReportLang) -> str:
    if missing(value):
        return DASH
    if float(value) < 0.001:
        return f"<{NBSP}{format_number(0.001, lang, decimals=3)}"
    return format_number(float(value), lang, decimals=3)


def significant(value: Any, lang: ReportLang, digits: int = 4) -> str:
    """``digits`` significant digits without an exponent (0.006033, 11.44, 59 526)."""
    if missing(value):
        return DASH
    x = float(value)
    if x == 0 or not math.isfinite(x):
        return number(x, lang)
    decimals = min(8, max(0, digits - 1 - math.floor(math.log10(abs(x)))))
    return format_number(x, lang, decimals=decimals)


def day(value: Any) -> str:
    if missing(value):
        return DASH
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return text[:10] if len(text) >= 10 and text[4] == "-" else text


def days(first: Any, last: Any) -> str:
    a, b = day(first), day(last)
    return a if a == b else f"{a}{RANGE}{b}"


def interval(estimate: str, low: str, high: str) -> str:
    """``+39,1 % (+27,7 … +51,8 %)``: the estimate, then its interval in brackets."""
    return f"{estimate} ({low}{RANGE}{high})" if low != DASH else estimate


def word(value: Any, lang: ReportLang) -> str:
    if missing(value) or value == "":
        return DASH
    if isinstance(value, bool):
        return P.VALUES[lang]["yes" if value else "no"]
    return P.VALUES[lang].get(str(value), str(value))


def _rows(rows: Sequence[dict[str, str]], columns: Sequence[str], lang: ReportLang) -> pd.DataFrame:
    """The rows under human headers; ``attrs["numeric"]`` names the columns of numbers."""
    names = P.COLUMNS[lang]
    frame = pd.DataFrame(list(rows), columns=list(columns)).rename(columns=names)
    frame.attrs["numeric"] = [names.get(c, c) for c in columns if c in NUMERIC]
    return frame


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _city(city: Any, lang: ReportLang) -> str:
    return narrative.city_name(str(city), lang)


def sources(data: ReportData, lang: ReportLang) -> pd.DataFrame:
    rows = [
        {"city": _city(r["city"], lang), "source": r["source"], "origin": word(r["origin"], lang),
         "listings": number(r["listings"], lang),
         "observations": number(r["observations"], lang),
         "dates": days(r["first_day"], r["last_day"])}
        for r in data.provenance.get("sources", [])
    ]  # fmt: skip
    return _rows(rows, ("city", "source", "origin", "listings", "observations", "dates"), lang)


def _weeks(n: int, lang: ReportLang) -> str:
    return narrative.counted(n, "period_W", lang)


def _span_row(city: str, span: Span, first: date, last: date, lang: ReportLang) -> dict[str, str]:
    """A span, shown inside the data's first and last day (a span runs Monday to Sunday)."""
    left = [
        f"{days(max(x.run.first, first), min(x.run.end_day, last))} "
        f"({_weeks(x.run.covered, lang)}): {word(x.reason, lang)}"
        for x in span.left_out
    ]
    return {
        "city": _city(city, lang),
        "span": days(max(span.start, first), min(span.end, last)),
        "pre_post": f"{number(span.pre_weeks, lang)} / {number(span.post_weeks, lang)}",
        "limit": _weeks(span.limit_weeks, lang),
        "left_out": "; ".join(left) or DASH,
    }


def spans(data: ReportData, lang: ReportLang) -> pd.DataFrame:
    first, last = data.coverage.first_day, data.coverage.last_day
    rows = [_span_row(c, e.span, first, last, lang) for c, e in data.estimates.items() if e.span]
    return _rows(rows, ("city", "span", "pre_post", "limit", "left_out"), lang)


def gaps(data: ReportData, lang: ReportLang) -> pd.DataFrame:
    rows = [
        {"city": _city(r["city"], lang), "kind": word(r["kind"], lang),
         "dates": days(r["first_week"], pd.Timestamp(r["last_week"]) + pd.Timedelta(days=6)),
         "weeks": number(r["weeks"], lang), "max_listings": number(r["max_listings"], lang)}
        for r in _records(data.coverage.gaps)
    ]  # fmt: skip
    return _rows(rows, ("city", "kind", "dates", "weeks", "max_listings"), lang)


def index_summary(summary: pd.DataFrame, lang: ReportLang) -> pd.DataFrame:
    rows = []
    for r in _records(summary):
        if not missing(r.get("error")):
            rows.append({"city": _city(r["city"], lang), "series": r["label"],
                         "error": str(r["error"])})  # fmt: skip
            continue
        rows.append(
            {"city": _city(r["city"], lang), "series": r["label"],
             "periods": number(r["periods"], lang), "dates": days(r["first"], r["last"]),
             "listings_per_period": number(r["listings_per_period"], lang, 1),
             "window_change": percent(r["window_change_pct"], lang)}
        )  # fmt: skip
    columns = ["city", "series", "periods", "dates", "listings_per_period", "window_change"]
    if any("error" in r for r in rows):
        columns.append("error")
    return _rows(rows, columns, lang)


def coefficients(frame: pd.DataFrame, lang: ReportLang) -> pd.DataFrame:
    rows = [
        {"term": r["term"], "estimate": significant(r["estimate"], lang),
         "se": significant(r["se"], lang),
         "ci": f"{significant(r['ci_low'], lang)}{RANGE}{significant(r['ci_high'], lang)}",
         "p": p_value(r["p"], lang)}
        for r in _records(frame)
    ]  # fmt: skip
    return _rows(rows, ("term", "estimate", "se", "ci", "p"), lang)


def _what(value: str, lang: ReportLang) -> str:
    if value.startswith("horizon "):
        return P.VALUES[lang]["horizon"].format(h=value.removeprefix("horizon "))
    return word(value, lang)


def effects(frame: pd.DataFrame, lang: ReportLang) -> pd.DataFrame:
    rows = [
        {"what": _what(str(r["what"]), lang), "dates": days(r["start"], r["end"]),
         "periods": number(r["periods"], lang),
         "effect_pct": interval(percent(r["percent"], lang), percent(r["percent_low"], lang),
                                percent(r["percent_high"], lang)),
         "effect_kzt": interval(number(r["absolute"], lang, sign=True),
                                number(r["absolute_low"], lang, sign=True),
                                number(r["absolute_high"], lang, sign=True)),
         "p": p_value(r.get("p"), lang)}
        for r in _records(frame)
    ]  # fmt: skip
    return _rows(rows, ("what", "dates", "periods", "effect_pct", "effect_kzt", "p"), lang)


def diagnostics(frame: pd.DataFrame, lang: ReportLang) -> pd.DataFrame:
    rows = [
        {"city": _city(r["city"], lang), "residuals": r["residuals"], "n": number(r["n"], lang),
         "durbin_watson": number(r["durbin_watson"], lang, 2),
         "lag1": number(r["lag1_autocorrelation"], lang, 3),
         "bg_p": p_value(r["breusch_godfrey_p"], lang), "lb_p": p_value(r["ljung_box_p"], lang),
         "lags": number(r["lags"], lang), "r2": number(r["pre_fit_r2"], lang, 3),
         "mape": number(r["pre_fit_mape_percent"], lang, 1)}
        for r in _records(frame)
    ]  # fmt: skip
    columns = ("city", "residuals", "n", "durbin_watson", "lag1", "bg_p", "lb_p", "lags", "r2",
               "mape")  # fmt: skip
    return _rows(rows, columns, lang)


def placebo_summary(data: ReportData, lang: ReportLang) -> pd.DataFrame:
    rows = [
        {"city": _city(e.city, lang), "estimate": percent(e.effect_pct.estimate, lang),
         "placebos": number(e.placebo_n, lang), "empirical_p": p_value(e.placebo_p, lang)}
        for e in data.estimates.values()
    ]  # fmt: skip
    return _rows(rows, ("city", "estimate", "placebos", "empirical_p"), lang)


def _design(r: dict[str, Any], lang: ReportLang) -> str:
    """The design with its shape (segmented), variant (synthetic control) or comparison
    weights (comparative ITS)."""
    design = word(r.get("design"), lang)
    detail = r.get("shape")
    if missing(detail):
        detail = r.get("variant")
        if not missing(detail):
            comparative = r.get("design") == "comparative" and detail == "synthetic"
            detail = word("synthetic_weights" if comparative else detail, lang)
    return design if missing(detail) else f"{design}, {detail}"


def _varied(r: dict[str, Any], lang: ReportLang) -> str:
    """What a row varies; a leave-one-out row names the donor it left out."""
    without = r.get("without")
    if missing(without):
        return word(r["varied"], lang)
    return P.VALUES[lang]["without"].format(city=_city(without, lang))


def _window(value: Any, lang: ReportLang) -> str:
    if missing(value):
        return DASH
    text = str(value)
    return word(text, lang) if text == "all" else text


def _short_series(value: Any) -> str:
    """ "1-room mix W flow" -> "mix flow": the rooms and the frequency are the headline's."""
    if missing(value):
        return DASH
    words = [w for w in str(value).split() if w != "W" and not w.endswith("-room")]
    return " ".join(words)


def sensitivity(frame: pd.DataFrame, lang: ReportLang) -> pd.DataFrame:
    """One city's sensitivity rows."""
    rows = [
        {"varied": _varied(r, lang),
         "series": _short_series(r.get("series")), "design": _design(r, lang),
         "errors": word(r.get("errors"), lang), "window": _window(r.get("window"), lang),
         "n": number(r.get("n"), lang),
         "effect_pct": interval(percent(r.get("percent"), lang),
                                percent(r.get("percent_low"), lang),
                                percent(r.get("percent_high"), lang)),
         "level_change": significant(r.get("level_change"), lang, 3),
         "slope_change": significant(r.get("slope_change"), lang, 3),
         "status": word(r.get("status"), lang)}
        for r in _records(frame)
    ]  # fmt: skip
    columns = ("varied", "series", "design", "errors", "window", "n", "effect_pct",
               "level_change", "slope_change", "status")  # fmt: skip
    return _rows(rows, columns, lang)


def breaks(data: ReportData, lang: ReportLang) -> pd.DataFrame:
    rows = []
    for e in data.estimates.values():
        inside = (
            None
            if e.break_low is None or e.break_high is None
            else e.break_low <= e.window_start <= e.break_high
        )
        rows.append(
            {"city": _city(e.city, lang), "event": day(e.event),
             "first_post": day(e.window_start), "break": day(e.break_date),
             "break_ci": days(e.break_low, e.break_high) if e.break_low else DASH,
             "sup_f_p": p_value(e.break_p, lang), "inside": word(inside, lang)}
        )  # fmt: skip
    return _rows(rows, ("city", "event", "first_post", "break", "break_ci", "sup_f_p", "inside"),
                 lang)  # fmt: skip


def _started(value: Any) -> str:
    """A run's start in Almaty time, to the minute (the provenance keeps UTC ISO text)."""
    if missing(value):
        return DASH
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(LOCAL_TIMEZONE))
    return moment.strftime("%Y-%m-%d %H:%M")


def runs(data: ReportData, lang: ReportLang) -> pd.DataFrame:
    rows = [
        {"run": str(r["run_id"]).replace("-", f"-{ZWSP}"),
         "origin": word(r.get("origin"), lang), "status": word(r.get("status"), lang),
         "started": _started(r.get("started_at")), "items": number(r.get("items"), lang),
         "observations": number(r.get("observations"), lang),
         "dates": days(r.get("first_day"), r.get("last_day"))}
        for r in data.provenance.get("runs", [])
    ]  # fmt: skip
    columns = ("run", "origin", "status", "started", "items", "observations", "dates")
    return _rows(rows, columns, lang)


def software(data: ReportData, lang: ReportLang) -> pd.DataFrame:
    versions = sorted(data.provenance.get("software", {}).items())
    rows = [{"package": k, "version": v} for k, v in versions]
    return _rows(rows, ("package", "version"), lang)


def weights(frame: pd.DataFrame, lang: ReportLang) -> pd.DataFrame:
    """One city's donor weights, largest first (three decimals; they sum to one)."""
    rows = [{"donor": _city(r["donor"], lang), "weight": number(r["weight"], lang, 3)}
            for r in _records(frame)]  # fmt: skip
    return _rows(rows, ("donor", "weight"), lang)


def placebo_space(frame: pd.DataFrame, lang: ReportLang) -> pd.DataFrame:
    """One city's placebo-in-space table: the city first, then each comparison city treated
    as if it had got the shock (RMSPE in log points)."""
    rows = [
        {"city": _city(r["unit"], lang), "pre_rmspe": number(r["pre_rmspe"], lang, 3),
         "post_rmspe": number(r["post_rmspe"], lang, 3), "ratio": number(r["ratio"], lang, 2),
         "effect_pct": percent(r["percent"], lang), "kept": word(bool(r["kept"]), lang),
         "rank": number(r["rank"], lang)}
        for r in _records(frame)
    ]  # fmt: skip
    columns = ("city", "pre_rmspe", "post_rmspe", "ratio", "effect_pct", "kept", "rank")
    return _rows(rows, columns, lang)


def official(data: ReportData, lang: ReportLang) -> pd.DataFrame:
    """The official series shown beside the index: one row per city, metric, source and
    basis, with its months and the months missing between its first and last."""
    rows = []
    for line in data.official:
        months = pd.to_datetime(line.frame["month"])
        missing_months = sum((b.year - a.year) * 12 + b.month - a.month + 1 for a, b in line.gaps)
        rows.append(
            {"city": _city(line.city, lang), "metric": line.metric, "source": line.source,
             "basis": line.basis, "unit": line.unit, "months": number(len(months), lang),
             "dates": f"{months.min():%Y-%m}{RANGE}{months.max():%Y-%m}",
             "missing": number(missing_months, lang)}
        )  # fmt: skip
    columns = ("city", "metric", "source", "basis", "unit", "months", "dates", "missing")
    return _rows(rows, columns, lang)
