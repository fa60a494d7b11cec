"""One entry point for every portal's search-page parser, chosen by source name."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime
from typing import Final, Protocol

from scrapers.items import ParsedPage
from scrapers.parse import krisha, olx
from scrapers.parse.markup import load_html
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


# The portal a page belongs to, by the host of the address it gives itself.
PORTAL_HOSTS: Final = {"krisha.kz": krisha.SOURCE, "olx.kz": olx.SOURCE}
_HOST = re.compile(r"https?://([^/?#:]+)", re.IGNORECASE)
_OWN_ADDRESS = '//link[@rel="canonical"]/@href | //meta[@property="og:url"]/@content'


def source_of_page(html: bytes | str) -> str | None:
    """The source whose page ``html`` is, by its canonical link or ``og:url`` (the last
    address in it: an archive capture's link nests the portal's inside the archive's), or
    None when it names neither portal (the user must say which)."""
    for address in load_html(html).xpath(_OWN_ADDRESS):
        hosts = _HOST.findall(str(address))
        host = hosts[-1].lower() if hosts else ""
        for portal, source in PORTAL_HOSTS.items():
            if host == portal or host.endswith("." + portal):
                return source
    return None
