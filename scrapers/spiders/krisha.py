"""``krisha``: krisha.kz's long-term rent search for one city, page 1 to the last."""

from __future__ import annotations

from typing import Final

from scrapers.parse import krisha
from scrapers.spiders.base import SearchSpider
from scrapers.spiders.params import KrishaParams

# The city slugs of krisha's URLs today (Astana was `nur-sultan` until about October 2022).
SLUGS: Final = {"almaty": "almaty", "astana": "astana"}
# das[rent.period]=2 is "на длительный срок": monthly rents only.
LONG_TERM_QUERY: Final = "das[rent.period]=2"


class KrishaSpider(SearchSpider):
    name = "krisha"
    source = "krisha"
    params_model = KrishaParams
    base_url_setting = "RENTWATCH_KRISHA_BASE_URL"
    parser = staticmethod(krisha.parse_search_page)

    params: KrishaParams

    def page_url(self, page: int) -> str:
        url = f"{self.base_url}/arenda/kvartiry/{SLUGS[self.city]}/?{LONG_TERM_QUERY}"
        return url if page == 1 else f"{url}&page={page}"
