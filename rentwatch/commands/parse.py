"""``rentwatch parse PAGE.html``: run a portal's parser on a saved page, print the snapshots.

The tool a maintainer reaches for when a layout changes: the snapshots go to stdout as JSON
Lines, and one line on stderr says how many cards were seen and why any were dropped. The page
can also come straight out of a crawl run's WARC (``--warc FILE --record N`` or ``--url URL``),
parsed as the crawl would (the run's source and city, observed when the run observed it);
``--warc FILE`` alone lists the file's records.
"""

from __future__ import annotations

import codecs
import json
from dataclasses import asdict
from datetime import datetime, time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from lxml import etree

from scrapers.items import NO_SEARCH, ParsedPage
from scrapers.parse.blocking import blocked_reason
from scrapers.parse.krisha import TRUNCATED
from scrapers.parse.markup import as_served
from scrapers.parse.pages import parser_for, source_of_page
from warehouse.cities import city_code
from warehouse.errors import RentwatchError
from warehouse.records import LOCAL_TIMEZONE

# How much of a page is scanned for the NUL byte that marks a binary file (bytes).
BINARY_SCAN = 8192
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


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


def not_search_results(page: ParsedPage) -> str | None:
    """Why ``page`` is not a search-results page (a detail page, a sale search, a page with no
    cards, result count or pagination: another page, or a layout the parser no longer knows),
    or None when it is one, an empty search included (its count or pagination says so)."""
    if page.problem is not None and page.problem != TRUNCATED:
        return page.problem
    if page.cards_seen or page.total is not None or page.page or page.last_page:
        return None
    return NO_SEARCH


def _warc_listing(warc: Path) -> None:
    """One line per record: number, type, page kind, status, observed time, URL."""
    from scrapers.warc.reader import WarcReader

    with WarcReader(warc) as reader:
        info = reader.info
        typer.echo(
            f"# {warc}: run {info.run_id}, {info.spider} {info.city} ({info.origin}), "
            f"parser {info.source} v{info.parser_version}"
        )
        for record in reader.records(bodies=False):
            observed = record.observed_at.isoformat() if record.observed_at else "-"
            typer.echo(
                f"{record.number:>6}  {record.type:<9} {record.kind or '-':<8} "
                f"{record.status or '-'!s:<4} {observed:<33} {record.page_url or ''}"
            )
        if reader.cut_at is not None:
            typer.echo(f"# cut short at byte {reader.cut_at}: {reader.cut_reason}")


def _portal_of(body: bytes, what: str) -> str:
    """The portal a saved page names as its own address; an error asking for ``--source``
    when it names neither (or is no HTML at all: the checks below then say what it is)."""
    try:
        found = source_of_page(body)
    except (ValueError, etree.LxmlError):
        found = None
    if found is None:
        raise RentwatchError(
            f"{what} does not say which portal it comes from (no krisha.kz or olx.kz "
            "canonical link): give --source krisha or --source olx"
        )
    return found


def _from_warc(
    warc: Path, record: str | None, url: str | None
) -> tuple[bytes, str | None, datetime, str, str, str, str]:
    """(body, Content-Type, observed at, source, city, base URL, what) of a WARC's page."""
    from scrapers.warc.reader import WarcReader
    from scrapers.warc.reparse import content_type, page_arguments

    with WarcReader(warc) as reader:
        info = reader.info
        if url is not None:
            stored = reader.response_for(url)
        elif record is not None and record.strip().isdigit():
            stored = reader.record(int(record))
        elif record is not None:
            wanted = record.strip()
            stored = reader.record(record_id=wanted if wanted.startswith("<") else f"<{wanted}>")
        else:
            raise RentwatchError("--warc needs --record N or --url URL (or neither, to list)")
    if stored.type != "response":
        raise RentwatchError(
            f"{warc} record {stored.number} is a {stored.type} record, not a response"
        )
    if stored.status != 200:
        raise RentwatchError(
            f"{warc} record {stored.number} is an HTTP {stored.status} answer, not a page"
        )
    assert stored.observed_at is not None
    args = page_arguments(info, stored)
    what = f"{warc} record {stored.number} ({stored.kind or 'page'} {stored.page_url})"
    return (
        stored.body,
        content_type(stored),
        stored.observed_at,
        info.source,
        args["city"],
        args["base_url"],
        what,
    )


def register(app: typer.Typer) -> None:
    @app.command("parse")
    def parse(
        page: Annotated[
            Path | None,
            typer.Argument(help="A saved search page (HTML).", show_default=False),
        ] = None,
        source: Annotated[
            str | None,
            typer.Option(
                "--source",
                help="krisha or olx (default: the portal the page's canonical link names; "
                "with --warc: the run's).",
                show_default=False,
            ),
        ] = None,
        warc: Annotated[
            Path | None,
            typer.Option(
                "--warc",
                help="Read the page from a crawl run's WARC file instead (alone: list records).",
                show_default=False,
            ),
        ] = None,
        record: Annotated[
            str | None,
            typer.Option(
                "--record",
                help="With --warc: the record's number (0 = warcinfo, as `warcio index` lists "
                "them) or its WARC-Record-ID.",
                show_default=False,
            ),
        ] = None,
        url: Annotated[
            str | None,
            typer.Option(
                "--url",
                help="With --warc: the page's URL (the last response stored for it).",
                show_default=False,
            ),
        ] = None,
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
        # Help: rentwatch.commands.SUMMARIES["parse"].
        code = city_code(city) if city is not None else None
        if (page is None) == (warc is None):
            raise RentwatchError("give a saved page or --warc FILE (one of them)")
        if warc is None and (record is not None or url is not None):
            raise RentwatchError("--record and --url read from a WARC: add --warc FILE")
        extra: dict[str, str] = {}
        served: str | None = None  # the stored response's Content-Type (its charset)
        if warc is not None:
            if record is None and url is None:
                _warc_listing(warc)
                return
            body, served, when, run_source, run_city, base_url, what = _from_warc(warc, record, url)
            source = source or run_source
            code = code or run_city
            extra["base_url"] = base_url
            if observed_at is not None:
                when = observed_at_of(observed_at)
        else:
            assert page is not None
            when, what = observed_at_of(observed_at), str(page)
            try:
                body = page.read_bytes()
            except OSError as exc:
                raise RentwatchError(f"cannot read {page}: {exc.strerror or exc}") from None
        # An unknown --source is said before anything else.
        parser = parser_for(source) if source is not None else None
        if reason := blocked_reason(200, body):
            raise RentwatchError(
                f"{what} is a web firewall's challenge page ({reason}), not a search page"
            )
        # No HTML holds a NUL (UTF-16 aside, which declares itself); images, PDFs, archives do.
        if b"\0" in body[:BINARY_SCAN] and not body.startswith(UTF16_BOMS):
            raise RentwatchError(f"{what} is a binary file, not an HTML page")
        parser = parser or parser_for(_portal_of(body, what))
        parsed = parser(as_served(body, served), when, city=code, **extra)
        for snapshot in parsed.snapshots:
            typer.echo(json.dumps(asdict(snapshot), ensure_ascii=False, default=str))
        typer.echo(f"{what}: {summary(parsed)}", err=True)
        if (why := not_search_results(parsed)) is not None:
            # As in a crawl, where such a page fails the run (monitors: page_problems).
            typer.echo(
                f"rentwatch: warning: {what} does not look like a search-results page ({why})",
                err=True,
            )
            raise typer.Exit(1)
