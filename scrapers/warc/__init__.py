"""Raw pages: every response a crawl gets, kept as WARC (ISO 28500), and parsed again later.

A run writes ``<spool_dir>/<run_id>.warc.gz`` beside its spool (:mod:`scrapers.warc.capture`,
a downloader middleware): a ``warcinfo`` record naming the run and its parser version, then a
``response`` and a ``request`` record per exchange, each record its own gzip member, flushed
as it is written, so a killed crawl leaves a file readable up to its last whole record
(:mod:`scrapers.warc.reader`). :mod:`scrapers.warc.reparse` runs the current parsers over
stored files and merges the result through the loader.

This module holds only the names both sides share; it imports no WARC library, so the
spiders can use it without paying for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

# What a request fetches, set by the spider in ``Request.meta`` and written as a WARC header
# of the response: the reparse reads search pages and captures, and detail pages for krisha.
PAGE_KIND_META: Final = "rentwatch_page"
PageKind = Literal["search", "detail", "capture", "cdx"]
PAGE_KINDS: Final = ("search", "detail", "capture", "cdx")
# The observation time the spider gives the page, when it is not the fetch time: a web
# archive capture's timestamp (set by the archive spider, written as a header).
OBSERVED_AT_META: Final = "rentwatch_observed_at"
ORIGINAL_URI_META: Final = "rentwatch_original_uri"
# Set by the middleware on the request once the response is stored (:class:`WarcStamp`).
STAMP_META: Final = "rentwatch_warc"

# WARC extension fields of rentwatch's response records (any reader ignores fields it does
# not know). Times are ISO 8601 UTC with microseconds, as WARC/1.1 allows for WARC-Date.
KIND_HEADER: Final = "Rentwatch-Page"
OBSERVED_AT_HEADER: Final = "Rentwatch-Observed-At"
ORIGINAL_URI_HEADER: Final = "Rentwatch-Original-URI"


@dataclass(frozen=True, slots=True)
class WarcStamp:
    """Where a response went: its WARC-Record-ID and its WARC-Date (the fetch time, UTC)."""

    record_id: str
    fetched_at: datetime
