"""``rentwatch import …``: economists' own listing observations and official series."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rentwatch.commands.common import settings_of
from rentwatch.progress import task, track
from warehouse import open_writer
from warehouse.imports import (
    IMPORT_PREFIX,
    describe_official,
    discard_spools,
    load_official,
    read_official_csv,
    spool_listings_csv,
)
from warehouse.load import load_spools

# Its help is rentwatch.commands.SUMMARIES["import"].
import_app = typer.Typer(no_args_is_help=True)


@import_app.command("listings")
def listings(
    ctx: typer.Context, file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]
) -> None:
    """Listing observations: source, listing_id, city, observed_at, price, currency; optional:
    district, rooms, area_m2, floor, floors_total, owner_type, url, title, price_period.

    Stored under their own keys (source ``import.<source>``): an import never changes a
    crawled listing."""
    settings = settings_of(ctx)
    with task(f"reading, checking and spooling {file.name}"):
        spools, rows = spool_listings_csv(file, settings.spools)
    reports = []
    try:
        with open_writer(settings.db, lock_timeout=settings.lock_timeout) as conn:
            # One transaction per part keeps the loader's in-memory batch small; a part an
            # interruption leaves unloaded waits in the spool directory for the next load.
            for spool in track(spools, "loading"):
                reports.append(load_spools(conn, [spool], explicit=True))
    except BaseException:
        if not reports:
            # Nothing of the file is in the warehouse: refuse it whole, load nothing later.
            discard_spools(spools)
        raise
    summary = reports[0].summary() if len(reports) == 1 else f"{len(reports)} parts loaded"
    typer.echo(f"{file}: {rows} rows valid, stored as source {IMPORT_PREFIX}<source>; {summary}")


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
