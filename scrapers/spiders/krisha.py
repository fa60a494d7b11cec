"""``krisha``: krisha.kz's long-term rent search for one city, page 1 to the last.

With ``details=true``, a card whose address line names no district (about one in twenty,
e.g. "Гагарина 311") is completed from its detail page, whose location line reads
"Алматы, Бостандыкский р-н"; every other card is taken from the search page alone. The
record keeps the search page's observation time: the price is the card's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any, Final

from parsel import Selector
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from scrapers.items import ListingSnapshot, SpoolBatch
from scrapers.parse import krisha
from scrapers.parse.districts import parse_district
from scrapers.spiders.base import SearchSpider, Sighting
from scrapers.spiders.params import KrishaParams
from scrapers.warc import PAGE_KIND_META
from warehouse.cities import REGISTRY

# das[rent.period]=2 is "на длительный срок": monthly rents only.
LONG_TERM_QUERY: Final = "das[rent.period]=2"


def district_on_detail_page(html: str, city: str) -> tuple[str | None, str | None]:
    """(canonical, raw) district of a detail page's ``div.offer__location`` ("city, district")."""
    location = " ".join(Selector(text=html).css("div.offer__location ::text").getall())
    _, _, after_city = " ".join(location.split()).partition(",")
    return parse_district(city, after_city.strip() or None)


class KrishaSpider(SearchSpider):
    name = "krisha"
    source = "krisha"
    params_model = KrishaParams
    base_url_setting = "RENTWATCH_KRISHA_BASE_URL"
    parser = staticmethod(krisha.parse_search_page)
    parser_version = krisha.PARSER_VERSION

    params: KrishaParams

    def page_url(self, page: int) -> str:
        # Today's slug (Astana's was `nur-sultan` until October 2022).
        slug = REGISTRY.get(self.city).krisha_slug()
        url = f"{self.base_url}/arenda/kvartiry/{slug}/?{LONG_TERM_QUERY}"
        return url if page == 1 else f"{url}&page={page}"

    def emit(self, snapshot: ListingSnapshot, seen: Sighting) -> Iterator[Any]:
        if not self.params.details or snapshot.district is not None or snapshot.url is None:
            yield from super().emit(snapshot, seen)
            return
        yield Request(
            snapshot.url,
            callback=self.parse_detail,
            errback=self.detail_failed,
            cb_kwargs={"snapshot": snapshot, "seen": seen},
            meta={PAGE_KIND_META: "detail"},
        )

    def parse_detail(
        self, response: Response, snapshot: ListingSnapshot, seen: Sighting
    ) -> Iterator[Any]:
        district, raw = district_on_detail_page(response.text, snapshot.city)
        self.count("details/district_found" if district else "details/no_district")
        if district is not None:
            snapshot = dataclasses.replace(snapshot, district=district, district_raw=raw)
        yield SpoolBatch(list(super().emit(snapshot, seen)))

    def detail_failed(self, failure: Failure) -> Iterator[Any]:
        """The detail page could not be read: the card is kept as the search page showed it."""
        self.count("details/failed")
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        yield SpoolBatch(list(super().emit(kwargs["snapshot"], kwargs["seen"])))
