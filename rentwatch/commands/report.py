"""``rentwatch report …``: the economist's HTML report and the officials' PDF summary.

By default a report is made from a snapshot of the warehouse (taken under the writer lock into
``snapshot_dir``, or the newest one there when the warehouse has not changed since), so the
SHA-256 its provenance quotes belongs to a file that stays as it was; ``--data FILE`` reports
from a snapshot or warehouse file you name.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from rentwatch.commands.common import report_snapshot, settings_of, writable
from rentwatch.progress import task
from rentwatch.settings import Settings
from reports import ReportParams, write_economist_report, write_summary_pdf
from reports.headline import with_choices

# Its help is rentwatch.commands.SUMMARIES["report"].
report_app = typer.Typer(no_args_is_help=True)


class Lang(StrEnum):
    ru = "ru"
    kk = "kk"
    en = "en"


class ReportLang(StrEnum):
    """The economist's report is written in Russian (its readers' language) and English."""

    ru = "ru"
    en = "en"


class Method(StrEnum):
    median = "median"
    mix = "mix"
    hedonic = "hedonic"


CityOpt = Annotated[
    list[str] | None,
    typer.Option("--city", help="A registered city; repeat (default: almaty and astana)."),
]
DataOpt = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Report from this snapshot or warehouse file (default: a fresh snapshot).",
        exists=True,
        dir_okay=False,
    ),
]
# Unset options keep the headline estimator's defaults, which live in ReportParams only.
_HEADLINE = ReportParams()
EventOpt = Annotated[
    str | None,
    typer.Option(
        "--event",
        help=f"The shock's first day, inclusive in the post period \\[default: {_HEADLINE.event}].",
        show_default=False,
    ),
]
RoomsOpt = Annotated[
    int | None,
    typer.Option(
        "--rooms",
        help=f"Room count of the headline series \\[default: {_HEADLINE.rooms}].",
        show_default=False,
    ),
]
MethodOpt = Annotated[
    Method | None,
    typer.Option(
        "--method",
        help=f"Index the ITS runs on \\[default: {_HEADLINE.method}].",
        show_default=False,
    ),
]
WeeksOpt = Annotated[
    int | None,
    typer.Option(
        "--weeks",
        min=1,
        help="Weeks from the event the effect is averaged over "
        f"\\[default: {_HEADLINE.window_weeks}].",
        show_default=False,
    ),
]
DATE_FORMATS = ["%Y-%m-%d"]
StartOpt = Annotated[
    datetime | None,
    typer.Option(
        "--start",
        formats=DATE_FORMATS,
        help="First observation day the report may use (inclusive); inside it the span is "
        "chosen from the data's coverage around the event.",
    ),
]
EndOpt = Annotated[
    datetime | None,
    typer.Option("--end", formats=DATE_FORMATS, help="Last observation day (inclusive)."),
]
ExtrapolationOpt = Annotated[
    float | None,
    typer.Option(
        "--max-extrapolation",
        help="Predict the counterfactual at most this fraction of the pre-period past the "
        f"event; later data are left out \\[default: {_HEADLINE.max_extrapolation:g}].",
        show_default=False,
    ),
]
DesignOpt = Annotated[
    str | None,
    typer.Option(
        "--design",
        help="counterfactual, segmented, synthetic or comparative (the last two compare the "
        f"city with the registry's comparison cities) \\[default: {_HEADLINE.design}].",
        show_default=False,
    ),
]
VariantOpt = Annotated[
    str | None,
    typer.Option(
        "--sc-variant",
        help=f"Synthetic-control variant \\[default: {_HEADLINE.sc_variant}].",
        show_default=False,
    ),
]
InferenceOpt = Annotated[
    str | None,
    typer.Option(
        "--sc-inference",
        help="Synthetic control's interval: conformal; backtest (the design's own errors at "
        "pre-period pseudo-events); backtest-placebo (the backtest widened to the donors' "
        "placebo effects at the event, with five donors or more); or pooled (the two sets of "
        "errors pooled on the log scale, the estimate retransformed) "
        f"\\[default: {_HEADLINE.sc_inference}].",
        show_default=False,
    ),
]
HalflifeOpt = Annotated[
    float | None,
    typer.Option(
        "--sc-halflife",
        help="Synthetic control, detrended variants: weigh the recent pre-period gap with this "
        f"half-life in weeks \\[default: {_HEADLINE.sc_halflife or 'none'}].",
        show_default=False,
    ),
]
TrendWindowOpt = Annotated[
    int | None,
    typer.Option(
        "--sc-trend-window",
        help="Synthetic control, detrended variants: fit the gap's trend on the last this many "
        "weeks of the fit, equally weighted, instead of a half-life "
        f"\\[default: {_HEADLINE.sc_trend_window or 'none'}].",
        show_default=False,
    ),
]
AnticipationOpt = Annotated[
    int | None,
    typer.Option(
        "--sc-anticipation",
        help="Synthetic control: leave this many weeks before the event out of the fit (a rise "
        "that began early counts in the effect) "
        f"\\[default: {_HEADLINE.sc_anticipation}].",
        show_default=False,
    ),
]
DonorOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--donor",
        help="A comparison city of the comparison designs (repeat; default: the registry's "
        "comparison pool with [cities] roles).",
    ),
]
PlacebosOpt = Annotated[
    int | None,
    typer.Option(
        "--placebos",
        min=0,
        help=f"Placebo events in the pre-period, 0: none \\[default: {_HEADLINE.placebos}].",
        show_default=False,
    ),
]


def _source(settings: Settings, data: Path | None) -> Path:
    return data if data is not None else report_snapshot(settings)


def _params(
    event: str | None,
    rooms: int | None,
    method: Method | None,
    weeks: int | None,
    placebos: int | None,
    start: datetime | None = None,
    end: datetime | None = None,
    max_extrapolation: float | None = None,
    design: str | None = None,
    sc_variant: str | None = None,
    donors: list[str] | None = None,
    sc_inference: str | None = None,
    sc_halflife: float | None = None,
    sc_anticipation: int | None = None,
    sc_trend_window: int | None = None,
) -> ReportParams:
    """The headline estimator with the options the user set."""
    given: dict[str, Any] = {
        "design": design,
        "sc_variant": sc_variant,
        "sc_inference": sc_inference,
        "sc_halflife": sc_halflife,
        "sc_anticipation": sc_anticipation,
        "sc_trend_window": sc_trend_window,
        # Asked for by name, a comparison design short of donors is refused, not replaced.
        "fallback": False if design is not None else None,
        "donors": donors or None,
        "rooms": rooms,
        "method": method.value if method else None,
        "window_weeks": weeks,
        "placebos": placebos,
        "start": start.date() if start else None,
        "end": end.date() if end else None,
        "max_extrapolation": max_extrapolation,
    }
    if event is not None:
        try:
            given["event"] = date.fromisoformat(event)
        except ValueError as exc:
            raise typer.BadParameter(
                f"--event must be a date like 2022-09-21, not {event!r}"
            ) from exc
    return with_choices(_HEADLINE, **given)


@report_app.command("economist")
def economist(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Directory for the report and its files.")],
    city: CityOpt = None,
    data: DataOpt = None,
    event: EventOpt = None,
    rooms: RoomsOpt = None,
    method: MethodOpt = None,
    weeks: WeeksOpt = None,
    placebos: PlacebosOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    max_extrapolation: ExtrapolationOpt = None,
    design: DesignOpt = None,
    sc_variant: VariantOpt = None,
    sc_inference: InferenceOpt = None,
    sc_halflife: HalflifeOpt = None,
    sc_trend_window: TrendWindowOpt = None,
    sc_anticipation: AnticipationOpt = None,
    donor: DonorOpt = None,
    lang: Annotated[
        ReportLang, typer.Option("--lang", help="Language of the report.")
    ] = ReportLang.ru,
) -> None:
    """HTML report (figures embedded) + tables as CSV + figures as PNG + provenance JSON."""
    writable(out, directory=True)
    settings = settings_of(ctx)
    # The parameters are checked before a snapshot is taken: a bad option costs nothing.
    params = _params(event, rooms, method, weeks, placebos, start, end, max_extrapolation,
                     design, sc_variant, donor, sc_inference, sc_halflife, sc_anticipation,
                     sc_trend_window)  # fmt: skip
    source = _source(settings, data)
    with task("economist report: gathering the series, fitting, placebos, writing"):
        written = write_economist_report(
            source,
            out_dir=out,
            cities=settings.registry.canonical(city) if city else ("almaty", "astana"),
            params=params,
            lang=lang.value,
            registry=settings.registry,
        )  # fmt: skip
    typer.echo(str(written.html))
    typer.echo(str(written.provenance))


@report_app.command("summary")
def summary(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="The PDF file to write.")],
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the summary.")] = Lang.ru,
    city: CityOpt = None,
    data: DataOpt = None,
    event: EventOpt = None,
    rooms: RoomsOpt = None,
    method: MethodOpt = None,
    weeks: WeeksOpt = None,
    placebos: PlacebosOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    max_extrapolation: ExtrapolationOpt = None,
    design: DesignOpt = None,
    sc_variant: VariantOpt = None,
    sc_inference: InferenceOpt = None,
    sc_halflife: HalflifeOpt = None,
    sc_trend_window: TrendWindowOpt = None,
    sc_anticipation: AnticipationOpt = None,
    donor: DonorOpt = None,
) -> None:
    """One A4 page for officials (two when the caveats need it): headline, chart, table,
    meaning, sources."""
    writable(out)
    settings = settings_of(ctx)
    params = _params(event, rooms, method, weeks, placebos, start, end, max_extrapolation,
                     design, sc_variant, donor, sc_inference, sc_halflife, sc_anticipation,
                     sc_trend_window)  # fmt: skip
    source = _source(settings, data)
    with task(f"summary ({lang.value}): gathering the series, fitting, writing the PDF"):
        written = write_summary_pdf(
            source,
            out=out,
            lang=lang.value,
            cities=settings.registry.canonical(city) if city else ("almaty", "astana"),
            params=params,
            registry=settings.registry,
        )  # fmt: skip
    typer.echo(str(written))


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
