"""``rentwatch db …``: initialise, inspect, load, snapshot and export the warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rentwatch.commands.common import echo_json, settings_of, writable
from rentwatch.progress import task
from warehouse import open_reader, open_writer
from warehouse.errors import RentwatchError
from warehouse.export import ExportFormat, export
from warehouse.load import load_pending
from warehouse.migrate import schema_version
from warehouse.snapshot import prune_snapshots, take_snapshot
from warehouse.status import warehouse_status
from warehouse.warcs import prune_warcs, warc_bytes_by_month

# Its help is rentwatch.commands.SUMMARIES["db"].
db_app = typer.Typer(no_args_is_help=True)


@db_app.command("init")
def init(ctx: typer.Context) -> None:
    """Create the warehouse (or migrate it to the latest schema)."""
    settings = settings_of(ctx)
    with open_writer(settings.db, lock_timeout=settings.lock_timeout) as conn:
        version = schema_version(conn)
    typer.echo(f"warehouse {settings.db} is at schema version {version}")


@db_app.command("status")
def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    runs: Annotated[int, typer.Option(help="How many recent crawl runs to list.")] = 10,
) -> None:
    """Schema version, row counts, recent crawl runs, coverage per city, source and origin,
    and the bytes of raw pages (WARC) kept per month."""
    settings = settings_of(ctx)
    with open_reader(settings.db, retry_timeout=settings.read_retry_timeout) as conn:
        report = warehouse_status(conn, runs=runs)
        warcs = warc_bytes_by_month(conn, settings.spools)
    if as_json:
        echo_json({**report.to_dict(), "warc_bytes_by_month": warcs})
    else:
        typer.echo(f"warehouse {settings.db}")
        typer.echo(report.render())
        keep = settings.warc_retention_days
        typer.echo(
            f"raw pages (WARC) per month, in {settings.spools} "
            f"(kept {f'{keep} days' if keep else 'forever'}):"
        )
        if not warcs:
            typer.echo("  (none)")
        for month in warcs:
            typer.echo(
                f"  {month['month']}  {month['files']:>5} files  {month['bytes']:>15,} bytes "
                f"({month['bytes'] / 1e6:,.1f} MB)"
            )


@db_app.command("load")
def load(
    ctx: typer.Context,
    spools: Annotated[
        list[Path] | None,
        typer.Argument(help="Spool files; default: every pending spool (crashed runs included)."),
    ] = None,
) -> None:
    """Merge spools into the warehouse in one transaction (idempotent; safe to re-run)."""
    settings = settings_of(ctx)
    with (
        task("loading the spools"),
        open_writer(settings.db, lock_timeout=settings.lock_timeout) as conn,
    ):
        report = load_pending(conn, settings.spools, spools or ())
        pruned = prune_warcs(conn, settings.spools, keep_days=settings.warc_retention_days)
    typer.echo(report.summary())
    if pruned.files:
        typer.echo(pruned.summary())
    if report.rejected:
        raise typer.Exit(1)


@db_app.command("audit")
def audit_command(ctx: typer.Context) -> None:
    """Look for personal data (phones, e-mails, names) in the warehouse; exit 1 if any."""
    from warehouse.audit import audit

    settings = settings_of(ctx)
    with open_reader(settings.db, retry_timeout=settings.read_retry_timeout) as conn:
        report = audit(conn)
    typer.echo(report.render())
    if not report.clean:
        raise typer.Exit(1)


@db_app.command("snapshot")
def snapshot(
    ctx: typer.Context,
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="Where to write (default: snapshot_dir).")
    ] = None,
    keep: Annotated[
        int | None,
        typer.Option(
            "--keep",
            min=1,
            help="Then delete all but the newest N snapshots there.",
            show_default=False,
        ),
    ] = None,
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh", help="Copy even when the newest snapshot is of the unchanged warehouse."
        ),
    ] = False,
) -> None:
    """Write a consistent, checksummed copy of the warehouse for notebooks and reports.

    When the warehouse has not changed since the newest snapshot there, that snapshot is
    named instead of copying the file again (unless --fresh).
    """
    settings = settings_of(ctx)
    where = writable(out_dir or settings.snapshots, directory=True)
    with task("snapshot"):
        snap = take_snapshot(
            settings.db, where, lock_timeout=settings.lock_timeout, reuse=not fresh
        )
    note = " (warehouse unchanged since: reused)" if snap.reused else ""
    typer.echo(f"snapshot {snap.path} sha256 {snap.sha256}{note}")
    if keep is not None:
        for path in prune_snapshots(where, keep):
            typer.echo(f"deleted {path}")


@db_app.command("export")
def export_cmd(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="A new or empty directory.")],
    fmt: Annotated[
        str, typer.Option("--format", help="parquet (partitioned by city, month) or csv.")
    ] = "parquet",
) -> None:
    """Export observations, listings, official and rent index series and crawl runs as Parquet
    or CSV, with datapackage.json: a Frictionless data dictionary of every column and unit."""
    if fmt not in ("parquet", "csv"):
        raise RentwatchError(f"--format must be parquet or csv, not {fmt!r}")
    writable(out, directory=True)
    settings = settings_of(ctx)
    chosen: ExportFormat = "parquet" if fmt == "parquet" else "csv"
    with (
        task(f"exporting to {out}"),
        open_reader(settings.db, retry_timeout=settings.read_retry_timeout) as conn,
    ):
        written = export(conn, out, chosen)
    for path in written:
        typer.echo(str(path))


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
