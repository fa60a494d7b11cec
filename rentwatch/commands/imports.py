"""``rentwatch import …``: economists' own listing observations and official series."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rentwatch.commands.common import settings_of
from rentwatch.progress import task, track
from warehouse import open_writer
from warehouse.imports import (
    describe_official,
    load_official,
    read_listings_csv,
    read_official_csv,
)
from warehouse.load import load_spools
from warehouse.spool import SpoolWriter

# Its help is rentwatch.commands.SUMMARIES["import"].
import_app = typer.Typer(no_args_is_help=True)


@import_app.command("listings")
def listings(
    ctx: typer.Context, file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]
) -> None:
    """Listing observations: source, listing_id, city, observed_at, price, currency, [more]."""
    settings = settings_of(ctx)
    with task(f"reading and checking {file.name}"):
        rows = read_listings_csv(file)
    with open_writer(settings.db, lock_timeout=settings.lock_timeout) as conn:
        spool = SpoolWriter(settings.spools, spider="import", origin="import", source=file.name)
        try:
            for row in track(rows, "spooling rows"):
                spool.write(row)
            spool.finish("finished", stats={"file": str(file), "rows": len(rows)})
            with task("loading"):
                report = load_spools(conn, [spool.path], explicit=True)
        except BaseException:
            # The import failed as a whole: its spool must not be loaded later by surprise.
            spool.finish("failed")
            spool.path.unlink(missing_ok=True)
            spool.meta_path.unlink(missing_ok=True)
            raise
    typer.echo(f"{file}: {len(rows)} rows valid; {report.summary()}")


@import_app.command("official")
def official(
    ctx: typer.Context, file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]
) -> None:
    """Official monthly series: city, month, metric, value, unit, source[, basis].

    ``basis`` names the methodology a value belongs to (statistics offices change it); each
    basis is its own series, never spliced to another, and a missing month stays a gap.
    """
    settings = settings_of(ctx)
    rows = read_official_csv(file)
    with open_writer(settings.db, lock_timeout=settings.lock_timeout) as conn:
        written = load_official(conn, rows)
    typer.echo(f"{file}: {len(rows)} rows valid; {written} written to official_series")
    for line in describe_official(rows):
        typer.echo(f"  {line}")


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
