"""``rentwatch parse PAGE.html``: run a portal's parser on a saved page, print the snapshots.

The tool a maintainer reaches for when a layout changes: the snapshots go to stdout as JSON
Lines, and one line on stderr says how many cards were seen and why any were dropped.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from scrapers.items import ParsedPage
from scrapers.parse.blocking import blocked_reason
from scrapers.parse.pages import parser_for
from warehouse.cities import city_code
from warehouse.errors import RentwatchError
from warehouse.records import LOCAL_TIMEZONE


def observed_at_of(text: str | None) -> datetime:
    """``--observed-at`` -> an aware time: now when absent, a bare date is its midnight in
    Almaty, and a time without an offset is Almaty time."""
    if text is None:
        return datetime.now(ZoneInfo(LOCAL_TIMEZONE))
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise RentwatchError(
            f"--observed-at {text!r} is not a date or time (YYYY-MM-DD or ISO 8601, "
            "e.g. 2022-10-13T15:00+06:00)"
        ) from None
    if len(text.strip()) == 10:  # a bare date
        parsed = datetime.combine(parsed.date(), time())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(LOCAL_TIMEZONE))


def summary(page: ParsedPage) -> str:
    """``"20 of 20 cards parsed; dropped: none; page 2 of 160; 3184 found"``; a page that is
    not a rent search says what it is first (``"detail page: 0 of 0 cards parsed; …"``)."""
    if page.problem is not None and not page.snapshots and not page.cards_seen:
        return f"{page.problem}: no cards read"
    dropped = ", ".join(f"{reason} {n}" for reason, n in sorted(page.dropped.items())) or "none"
    where = f"page {page.page or '?'} of {page.last_page or '?'}"
    found = f"{page.total} found" if page.total is not None else "total unknown"
    parsed = f"{len(page.snapshots)} of {page.cards_seen} cards parsed"
    return f"{parsed}; dropped: {dropped}; {where}; {found}"


def register(app: typer.Typer) -> None:
    @app.command("parse")
    def parse(
        page: Annotated[
            Path, typer.Argument(help="A saved search page (HTML).", show_default=False)
        ],
        source: Annotated[str, typer.Option("--source", help="krisha or olx.")],
        observed_at: Annotated[
            str | None,
            typer.Option(
                "--observed-at",
                help="When the page was fetched: YYYY-MM-DD (midnight in Almaty) or an ISO 8601 "
                "time (no offset = Almaty time). Default: now. Resolves card dates without a year.",
                show_default=False,
            ),
        ] = None,
        city: Annotated[
            str | None,
            typer.Option(
                "--city",
                help="A registered city (code or name, nur-sultan too): the city the page "
                "lists, for cards that do not say.",
                show_default=False,
            ),
        ] = None,
    ) -> None:
        """Parse a saved search page; print its snapshots as JSON Lines, a summary on stderr."""
        parser = parser_for(source)
        when = observed_at_of(observed_at)
        code = city_code(city) if city is not None else None
        try:
            body = page.read_bytes()
        except OSError as exc:
            raise RentwatchError(f"cannot read {page}: {exc.strerror or exc}") from None
        if reason := blocked_reason(200, body):
            raise RentwatchError(
                f"{page} is a web firewall's challenge page ({reason}), not a search page"
            )
        parsed = parser(body, when, city=code)
        for snapshot in parsed.snapshots:
            typer.echo(json.dumps(asdict(snapshot), ensure_ascii=False, default=str))
        typer.echo(f"{page}: {summary(parsed)}", err=True)
