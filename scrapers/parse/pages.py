"""One entry point for every portal's search-page parser, chosen by source name."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Final, Protocol

from scrapers.items import ParsedPage
from scrapers.parse import krisha, olx
from warehouse.errors import RentwatchError


class SearchPageParser(Protocol):
    def __call__(
        self,
        html: bytes | str,
        observed_at: datetime,
        *,
        city: str | None = None,
        seen_ids: Collection[str] = (),
    ) -> ParsedPage: ...


PARSERS: Final[dict[str, SearchPageParser]] = {
    krisha.SOURCE: krisha.parse_search_page,
    olx.SOURCE: olx.parse_search_page,
}


class UnknownSource(RentwatchError):
    """No parser exists for the named source."""


def parser_for(source: str) -> SearchPageParser:
    """The ``parse_search_page`` of ``source`` (``"krisha"`` or ``"olx"``)."""
    try:
        return PARSERS[source]
    except KeyError:
        raise UnknownSource(
            f"unknown source {source!r}: choose one of {', '.join(sorted(PARSERS))}"
        ) from None
