"""``rentwatch reparse`` and ``rentwatch warc prune``: the raw pages every crawl keeps.

``reparse`` runs the current parsers over the runs' stored WARCs and merges the result through
the loader in one transaction (:mod:`scrapers.warc.reparse`); ``warc prune`` applies the
retention setting (``warc_retention_days``) now, as ``db load`` and the crawl commands do
after every successful load.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from scrapy.settings import BaseSettings

from rentwatch.commands.common import echo_json, settings_of
from rentwatch.progress import task
from rentwatch.settings import Settings
from warehouse import open_writer
from warehouse.errors import RentwatchError
from warehouse.warcs import prune_warcs

# Its help is rentwatch.commands.SUMMARIES["warc"].
warc_app = typer.Typer(no_args_is_help=True)


def health_thresholds(settings: Settings) -> BaseSettings:
    """The crawl-health thresholds in force, as the crawl commands give them to the spiders."""
    from rentwatch.commands.crawl import scrapy_settings
    from scrapers.warc.reparse import default_thresholds

    thresholds = default_thresholds()
    thresholds.setdict(scrapy_settings(settings), priority="cmdline")
    return thresholds


def _since(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise RentwatchError(f"--since {text!r} is not a date (YYYY-MM-DD)") from None


@warc_app.command("prune")
def prune(
    ctx: typer.Context,
    keep_days: Annotated[
        int | None,
        typer.Option(
            "--keep-days",
            min=1,
            help="Keep this many days of loaded runs' WARCs (default: warc_retention_days).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Delete the WARCs of loaded runs older than the retention (observations stay)."""
    settings = settings_of(ctx)
    days = keep_days or settings.warc_retention_days
    if days is None:
        typer.echo("WARC retention: keep all (warc_retention_days is not set); nothing deleted")
        return
    with open_writer(settings.db, lock_timeout=settings.lock_timeout) as conn:
        pruned = prune_warcs(conn, settings.spools, keep_days=days)
    typer.echo(pruned.summary())


def register(app: typer.Typer) -> None:
    app.add_typer(warc_app, name="warc")

    @app.command("reparse")
    def reparse(
        ctx: typer.Context,
        run: Annotated[
            list[str] | None,
            typer.Option(
                "--run", help="A loaded crawl run's id; repeat for more.", show_default=False
            ),
        ] = None,
        since: Annotated[
            str | None,
            typer.Option(
                "--since",
                help="Runs started on or after this day (YYYY-MM-DD, Almaty time).",
                show_default=False,
            ),
        ] = None,
        source: Annotated[
            str | None, typer.Option("--source", help="krisha or olx.", show_default=False)
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        force: Annotated[
            bool,
            typer.Option(
                "--force",
                help="Replace a healthy run's rows even when the new reading fails the "
                "crawl's checks (kept as stored otherwise).",
            ),
        ] = False,
    ) -> None:
        # The help's first line is rentwatch.commands.SUMMARIES["reparse"].
        """Rows an older parser derived from the same responses are replaced; nothing else is
        touched. Without --run or --since every loaded run with a WARC is reparsed.
        """
        from scrapers.parse.pages import parser_for
        from scrapers.warc.reparse import reparse as run_reparse

        if source is not None:
            parser_for(source)  # an unknown source is a one-line error
        settings = settings_of(ctx)
        with (
            task("reparse: reading the stored pages, parsing, merging"),
            open_writer(settings.db, lock_timeout=settings.lock_timeout) as conn,
        ):
            report = run_reparse(
                conn,
                settings.spools,
                run_ids=run or (),
                since=_since(since),
                source=source,
                thresholds=health_thresholds(settings),
                force=force,
            )
        if as_json:
            echo_json(
                {
                    "runs": [r.to_dict() for r in report.runs],
                    "load": report.load.summary() if report.load else None,
                }
            )
        else:
            typer.echo(report.summary())
