"""``rentwatch report …``: the economist's HTML report and the officials' PDF summary.

By default a report is made from a fresh snapshot of the warehouse (taken under the writer
lock into ``snapshot_dir``), so the SHA-256 its provenance quotes belongs to a file that
stays as it was; ``--data FILE`` reports from a snapshot or warehouse file you name.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from rentwatch.commands.common import settings_of
from rentwatch.settings import Settings
from reports import ReportParams, write_economist_report, write_summary_pdf
from warehouse.snapshot import take_snapshot

report_app = typer.Typer(
    help="Reports: the economist's HTML report and the officials' PDF.", no_args_is_help=True
)


class Lang(StrEnum):
    ru = "ru"
    kk = "kk"
    en = "en"


class Method(StrEnum):
    median = "median"
    mix = "mix"
    hedonic = "hedonic"


CityOpt = Annotated[
    list[str] | None,
    typer.Option("--city", help="almaty or astana; repeat for both (default: both)."),
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
EventOpt = Annotated[
    str, typer.Option("--event", help="The shock's first day (inclusive in the post period).")
]
RoomsOpt = Annotated[int, typer.Option("--rooms", help="Room count of the headline series.")]
MethodOpt = Annotated[Method, typer.Option("--method", help="Index the ITS runs on.")]
WeeksOpt = Annotated[
    int, typer.Option("--weeks", min=1, help="Weeks from the event the effect is averaged over.")
]
PlacebosOpt = Annotated[
    int, typer.Option("--placebos", min=0, help="Placebo events in the pre-period (0: none).")
]


def _source(settings: Settings, data: Path | None) -> Path:
    if data is not None:
        return data
    snap = take_snapshot(settings.db, settings.snapshots, lock_timeout=settings.lock_timeout)
    typer.echo(f"snapshot {snap.path} sha256 {snap.sha256}", err=True)
    return snap.path


def _params(event: str, rooms: int, method: Method, weeks: int, placebos: int) -> ReportParams:
    try:
        day = date.fromisoformat(event)
    except ValueError as exc:
        raise typer.BadParameter(f"--event must be a date like 2022-09-21, not {event!r}") from exc
    return ReportParams(
        event=day, rooms=rooms, method=method.value, window_weeks=weeks, placebos=placebos
    )


@report_app.command("economist")
def economist(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Directory for the report and its files.")],
    city: CityOpt = None,
    data: DataOpt = None,
    event: EventOpt = "2022-09-21",
    rooms: RoomsOpt = 1,
    method: MethodOpt = Method.mix,
    weeks: WeeksOpt = 6,
    placebos: PlacebosOpt = ReportParams.placebos,
) -> None:
    """HTML report (figures embedded) + tables as CSV + figures as PNG + provenance JSON."""
    settings = settings_of(ctx)
    written = write_economist_report(
        _source(settings, data),
        out_dir=out,
        cities=city or ("almaty", "astana"),
        params=_params(event, rooms, method, weeks, placebos),
    )
    typer.echo(str(written.html))
    typer.echo(str(written.provenance))


@report_app.command("summary")
def summary(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="The PDF file to write.")],
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the summary.")] = Lang.ru,
    city: CityOpt = None,
    data: DataOpt = None,
    event: EventOpt = "2022-09-21",
    rooms: RoomsOpt = 1,
    method: MethodOpt = Method.mix,
    weeks: WeeksOpt = 6,
    placebos: PlacebosOpt = ReportParams.placebos,
) -> None:
    """One or two A4 pages for officials: headline, chart, table, meaning, sources."""
    settings = settings_of(ctx)
    written = write_summary_pdf(
        _source(settings, data),
        out=out,
        lang=lang.value,
        cities=city or ("almaty", "astana"),
        params=_params(event, rooms, method, weeks, placebos),
    )
    typer.echo(str(written))


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
