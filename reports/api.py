"""The reports' Python API: gather once, write the economist's report and the officials' PDF.

    data = gather_report_data(Path("demo/rentwatch.duckdb"), cities=["almaty", "astana"])
    write_economist_report(data, out_dir=Path("demo/report"))
    for lang in ("ru", "kk", "en"):
        write_summary_pdf(data, out=Path(f"demo/summary_{lang}.pdf"), lang=lang)

Each writer also takes the path of a warehouse or snapshot instead of gathered data, and then
gathers it itself (with ``cities`` and ``params``). Read a snapshot
(:func:`warehouse.snapshot.take_snapshot`) when the report must be reproducible: the
provenance quotes the SHA-256 of the file the numbers came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from zoneinfo import ZoneInfo

from reports.economist import EconomistReport, write_economist_files
from reports.facts import ReportData
from reports.formatting import check_lang
from reports.gather import DEFAULT_CITIES, ReportParams, gather_report_data
from reports.summary import build_summary_pdf
from warehouse.cities import REGISTRY, CityRegistry
from warehouse.records import LOCAL_TIMEZONE


def _data(
    source: ReportData | Path,
    cities: Sequence[str],
    params: ReportParams | None,
    registry: CityRegistry = REGISTRY,
) -> ReportData:
    if isinstance(source, ReportData):
        return source
    return gather_report_data(Path(source), cities=cities, params=params, registry=registry)


def write_economist_report(
    source: ReportData | Path,
    *,
    out_dir: Path,
    cities: Sequence[str] = DEFAULT_CITIES,
    params: ReportParams | None = None,
    lang: str = "ru",
    registry: CityRegistry = REGISTRY,
) -> EconomistReport:
    """``out_dir/report.html`` (self-contained; ``lang``: ``ru``, the default, or ``en``),
    ``tables/*.csv``, ``figures/*.png`` and ``provenance.json``; returns their paths.
    ``registry``: whose comparison pool a comparison design uses (``Settings.registry``)."""
    return write_economist_files(_data(source, cities, params, registry), out_dir, lang)


def write_summary_pdf(
    source: ReportData | Path,
    *,
    out: Path,
    lang: str = "ru",
    cities: Sequence[str] = DEFAULT_CITIES,
    params: ReportParams | None = None,
    made: date | None = None,
    registry: CityRegistry = REGISTRY,
) -> Path:
    """The officials' summary in ``lang`` (``ru``, ``kk`` or ``en``) written to ``out``.

    ``made`` is the date printed in the footer (default: today in Almaty, the calendar the
    data's dates are in).
    """
    chosen = check_lang(lang)
    data = _data(source, cities, params, registry)
    today = datetime.now(ZoneInfo(LOCAL_TIMEZONE)).date()
    pdf = build_summary_pdf(
        data, lang=chosen, made=made or today, version=metadata.version("rentwatch")
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    return out
