"""``rentwatch sandbox serve``: the simulated krisha, olx and web archive, for manual crawls.

The same sites ``rentwatch demo`` crawls (:mod:`scrapers.sandbox`), on 127.0.0.1, until Ctrl-C
or SIGTERM. It prints their base URLs and the exact settings and commands that point
``rentwatch crawl`` / ``backfill`` / ``scrapy crawl`` at them with ``--origin simulated``.
The sites' clock is the market's last day (sent in ``X-Rentwatch-Simulated-Now``), so what a
manual crawl loads continues the archive's years. Everything served is simulated.
"""

from __future__ import annotations

import shlex
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from rentwatch.commands.common import settings_of, writable
from warehouse.errors import RentwatchError

# Its help is rentwatch.commands.SUMMARIES["sandbox"].
sandbox_app = typer.Typer(no_args_is_help=True)


CITY_HELP = "A simulated city (repeatable). Default: demo.cities, else the simulated country."


class _Stop(Exception):
    """SIGTERM: stop serving (Ctrl-C is KeyboardInterrupt)."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def instructions(urls: dict[str, str], city: str, first: str, last: str) -> list[str]:
    """What to type to crawl the sandbox: the environment, then rentwatch and Scrapy commands."""
    env = {
        "RENTWATCH_CRAWL__KRISHA_BASE_URL": urls["krisha"],
        "RENTWATCH_CRAWL__OLX_BASE_URL": urls["olx"],
        "RENTWATCH_CRAWL__ARCHIVE_BASE_URL": urls["archive"],
        # Loopback manners: the delays protect real sites; robots.txt is still obeyed.
        "RENTWATCH_CRAWL__DOWNLOAD_DELAY": "0",
        "RENTWATCH_CRAWL__ARCHIVE_DELAY": "0",
        "RENTWATCH_CRAWL__AUTOTHROTTLE": "false",
        # Simulated towns list a handful of flats, fewer than the nightly's 20, and one card of
        # eight without its area is 87.5% coverage.
        "RENTWATCH_CRAWL__MIN_ITEMS": "1",
        "RENTWATCH_CRAWL__MIN_FIELD_COVERAGE": "0.75",
    }
    scrapy = [
        "scrapy", "crawl", "krisha", "-a", f"city={city}", "-a", "origin=simulated",
        "-s", f"RENTWATCH_KRISHA_BASE_URL={urls['krisha']}", "-s", "DOWNLOAD_DELAY=0",
        "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "RENTWATCH_MIN_ITEMS=1",
        "-s", "RENTWATCH_MIN_FIELD_COVERAGE=0.75",
    ]  # fmt: skip
    return [
        "Point rentwatch at it (these settings, in the shell that crawls):",
        *(f"  export {name}={shlex.quote(value)}" for name, value in env.items()),
        "then, for example:",
        f"  rentwatch crawl --source krisha --city {city} --origin simulated",
        f"  rentwatch crawl --source olx --city {city} --origin simulated",
        f"  rentwatch backfill --city {city} --from {first} --to {last} --origin simulated",
        "or with Scrapy, from the project's root:",
        f"  {shlex.join(scrapy)}",
    ]


@sandbox_app.command("serve")
def serve(
    ctx: typer.Context,
    city: Annotated[
        list[str] | None,
        typer.Option("--city", help=CITY_HELP),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Market seed (demo.seed).")] = None,
    scale: Annotated[
        float | None, typer.Option(help="Market size, 1 = default (demo.market_scale).")
    ] = None,
    krisha_port: Annotated[int, typer.Option(min=0, max=65535, help="0: any free port.")] = 0,
    olx_port: Annotated[int, typer.Option(min=0, max=65535, help="0: any free port.")] = 0,
    archive_port: Annotated[int, typer.Option(min=0, max=65535, help="0: any free port.")] = 0,
    truth: Annotated[
        Path | None, typer.Option(help="Write the market's truth.json and truth_daily.csv here.")
    ] = None,
) -> None:
    """Serve the simulated krisha, olx and web archive on 127.0.0.1 until Ctrl-C or SIGTERM."""
    from scrapers.sandbox import calibration as cal
    from scrapers.sandbox.archive import Archive
    from scrapers.sandbox.country import resolve
    from scrapers.sandbox.market import Market, MarketConfig
    from scrapers.sandbox.server import Sandbox

    if truth is not None:
        writable(truth, directory=True)
    options = settings_of(ctx).demo
    cities = resolve(city or options.cities)
    chosen_scale = options.market_scale if scale is None else scale
    if not 0 < chosen_scale <= 20:
        raise RentwatchError(f"--scale must be in (0, 20], got {chosen_scale:g}")
    chosen_seed = options.seed if seed is None else seed
    typer.echo(f"building the simulated market of {len(cities)} cities …", err=True)
    market = Market(MarketConfig(chosen_seed, chosen_scale, cities))
    archive = Archive(market, per_week=options.captures_per_week, pages=options.archive_pages)
    if truth is not None:
        for path in market.truth.write(truth):
            typer.echo(f"truth written to {path}", err=True)
    ports = {"krisha": krisha_port, "olx": olx_port, "archive": archive_port}
    sandbox = Sandbox(market, archive=archive, ports=ports)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        try:
            sandbox.start()
        except OSError as exc:
            raise RentwatchError(str(exc)) from None
        urls = {site: sandbox.base_url(site) for site in sandbox.sites}
        on_olx = [c for c in cities if market.models[c].on_olx]
        lines = [
            f"SIMULATED DATA — rentwatch sandbox (seed {chosen_seed}, scale {chosen_scale:g}); "
            f"its clock: {sandbox.now.isoformat()}",
            *(f"  {site:<8} {url}" for site, url in urls.items()),
            f"cities on krisha: {', '.join(cities)}",
            f"cities on olx:    {', '.join(on_olx) or 'none'}",
            f"archive captures: {len(archive.captures):,}, {cal.ARCHIVE_FROM} … {cal.ARCHIVE_TO}",
            "",
            *instructions(urls, cities[-1], str(cal.ARCHIVE_FROM), str(cal.ARCHIVE_TO)),
            "",
            "Ctrl-C or SIGTERM stops the sandbox.",
        ]
        typer.echo("\n".join(lines))
        sys.stdout.flush()
        threading.Event().wait()
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sandbox.stop()
    served = sum(sum(c.values()) for c in sandbox.request_counts().values())
    typer.echo(f"sandbox stopped after {served:,} requests")


def register(app: typer.Typer) -> None:
    app.add_typer(sandbox_app, name="sandbox")
