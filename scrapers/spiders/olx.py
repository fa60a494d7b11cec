"""``olx``: olx.kz's long-term flat rentals for one city, page 1 to the last."""

from __future__ import annotations

from scrapers.parse import olx
from scrapers.spiders.base import SearchSpider
from scrapers.spiders.params import OlxParams
from warehouse.cities import REGISTRY


class OlxSpider(SearchSpider):
    name = "olx"
    source = "olx"
    params_model = OlxParams
    base_url_setting = "RENTWATCH_OLX_BASE_URL"
    parser = staticmethod(olx.parse_search_page)
    parser_version = olx.PARSER_VERSION

    def page_url(self, page: int) -> str:
        # The registry's olx slug (Almaty is `alma-ata`); the params refuse a city without one.
        slug = REGISTRY.get(self.city).olx_slug
        url = f"{self.base_url}/d/nedvizhimost/kvartiry/arenda-dolgosrochnaya/{slug}/"
        return url if page == 1 else f"{url}?page={page}"
