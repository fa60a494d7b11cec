"""``rentwatch index``: build, store and print rent index series (see analysis.index)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, cast

import duckdb
import pandas as pd
import typer

from analysis.index import (
    FREQS,
    METHODS,
    CountingRules,
    Freq,
    IndexSeries,
    IndexSpec,
    Method,
    NoListings,
    SeErrors,
    SeriesError,
    build_indexes,
    read_index,
    store_index,
)
from analysis.index.fx import read_fx_rates
from rentwatch.commands.common import settings_of, writable
from rentwatch.progress import track
from warehouse import open_reader, open_writer
from warehouse.cities import REGISTRY

DATE_FORMATS = ["%Y-%m-%d"]


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _choose(given: list[str] | None, allowed: tuple[str, ...], what: str) -> list[str]:
    chosen = given or list(allowed)
    bad = [v for v in chosen if v not in allowed]
    if bad:
        raise SeriesError(f"{what} {bad[0]!r} is not one of {', '.join(allowed)}")
    return list(dict.fromkeys(chosen))


def index(
    ctx: typer.Context,
    city: Annotated[
        list[str] | None,
        typer.Option(help="A registered city (repeatable; default: every city with listings)."),
    ] = None,
    method: Annotated[
        list[str] | None,
        typer.Option(help="median, median_m2, mix or hedonic (repeatable; default all)."),
    ] = None,
    freq: Annotated[
        list[str] | None, typer.Option(help="D, W or M (repeatable; default W).")
    ] = None,
    flow: Annotated[
        bool, typer.Option("--flow", help="Only listings first seen in the period.")
    ] = False,
    district: Annotated[str | None, typer.Option(help="One district (canonical name).")] = None,
    rooms: Annotated[int | None, typer.Option(help="One room count.")] = None,
    base: Annotated[
        datetime | None,
        typer.Option(formats=DATE_FORMATS, help="A day in the base period (default: first)."),
    ] = None,
    start: Annotated[
        datetime | None, typer.Option(formats=DATE_FORMATS, help="First day (inclusive).")
    ] = None,
    end: Annotated[
        datetime | None, typer.Option(formats=DATE_FORMATS, help="Last day (inclusive).")
    ] = None,
    fx_rates: Annotated[
        Path | None,
        typer.Option(
            "--fx-rates",
            exists=True,
            dir_okay=False,
            help="CSV currency,valid_from,kzt_per_unit; without it non-KZT prices are left out.",
        ),
    ] = None,
    include_outliers: Annotated[
        bool, typer.Option("--include-outliers", help="Keep sightings the outlier rule flags.")
    ] = False,
    se: Annotated[str, typer.Option(help="Hedonic standard errors: hc1 or classical.")] = "hc1",
    store: Annotated[
        bool,
        typer.Option(
            "--store/--no-store", help="Store the series (needs the writer; --no-store reads only)."
        ),
    ] = True,
    stored: Annotated[
        bool, typer.Option("--stored", help="Print the stored series instead of building.")
    ] = False,
    csv: Annotated[
        Path | None, typer.Option("--csv", dir_okay=False, help="Write the points (tidy) here.")
    ] = None,
) -> None:
    # The help's first line is rentwatch.commands.SUMMARIES["index"].
    """Every series point carries the number of listings behind it and the origins of its data;
    a series built from simulated data is labelled SIMULATED.
    """
    settings = settings_of(ctx)
    if se not in ("hc1", "classical"):
        raise SeriesError(f"--se must be hc1 or classical, not {se!r}")
    if csv is not None:
        writable(csv)
    specs = [
        IndexSpec(c, cast(Method, m), cast(Freq, f), district, rooms, flow)
        for c in (REGISTRY.canonical(city) if city else REGISTRY.codes)
        for m in _choose(method, METHODS, "method")
        for f in _choose(freq or ["W"], FREQS, "freq")
    ]
    if stored:
        with open_reader(settings.db, retry_timeout=settings.read_retry_timeout) as conn:
            if not city:  # every city something is stored for
                stored_cities = {
                    r[0] for r in conn.execute("SELECT DISTINCT city FROM index_builds").fetchall()
                }
                specs = [s for s in specs if s.city in stored_cities]
            series = [
                read_index(
                    conn, city=s.city, method=s.method, freq=s.freq,
                    district=s.district, rooms=s.rooms, flow=s.flow,
                )
                for s in specs
            ]  # fmt: skip
    else:
        rates = read_fx_rates(fx_rates) if fx_rates else []

        def build(conn: duckdb.DuckDBPyConnection, todo: list[IndexSpec]) -> list[IndexSeries]:
            return build_indexes(
                conn, todo, base_period=_day(base), start=_day(start), end=_day(end),
                fx_rates=rates, rules=CountingRules(include_outliers=include_outliers),
                se=cast(SeErrors, se),
            )  # fmt: skip

        opener = (
            open_writer(settings.db, lock_timeout=settings.lock_timeout)
            if store
            else open_reader(settings.db, retry_timeout=settings.read_retry_timeout)
        )
        series = []
        with opener as conn:
            present = {
                row[0] for row in conn.execute("SELECT DISTINCT city FROM listings").fetchall()
            }
            todo = [c for c in dict.fromkeys(s.city for s in specs) if city or c in present]
            for c in track(todo, "index: building series"):
                try:
                    built = build(conn, [s for s in specs if s.city == c])
                except NoListings as exc:
                    if city:  # asked for by name: an error, not a skip
                        raise
                    typer.echo(f"{c}: skipped, {exc}")
                    continue
                if store:
                    for s in built:
                        store_index(conn, s)
                series += built
    _print(series, stored=store and not stored)
    if csv is not None:
        frames = [s.frame for s in series]
        pd.concat(frames, ignore_index=True).to_csv(csv, index=False, date_format="%Y-%m-%d")
        typer.echo(f"wrote {sum(len(f) for f in frames)} points to {csv}")


def _print(series: list[IndexSeries], *, stored: bool) -> None:
    for s in series:
        typer.echo(("stored " if stored else "") + s.describe())
    if len(series) == 1:
        table = series[0].frame[["period", "value", "se", "n", "origins"]]
        typer.echo(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))


def register(app: typer.Typer) -> None:
    app.command("index")(index)
