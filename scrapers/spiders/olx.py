"""``olx``: olx.kz's long-term flat rentals for one city, page 1 to the last."""

from __future__ import annotations

from typing import Final

from scrapers.parse import olx
from scrapers.spiders.base import SearchSpider
from scrapers.spiders.params import LiveParams

# olx's city slugs: Almaty is `alma-ata`; Astana's slug is unconfirmed, `astana` is tried.
SLUGS: Final = {"almaty": "alma-ata", "astana": "astana"}


class OlxSpider(SearchSpider):
    name = "olx"
    source = "olx"
    params_model = LiveParams
    base_url_setting = "RENTWATCH_OLX_BASE_URL"
    parser = staticmethod(olx.parse_search_page)
    parser_version = olx.PARSER_VERSION

    def page_url(self, page: int) -> str:
        url = f"{self.base_url}/d/nedvizhimost/kvartiry/arenda-dolgosrochnaya/{SLUGS[self.city]}/"
        return url if page == 1 else f"{url}?page={page}"
