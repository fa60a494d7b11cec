"""olx.kz search pages for the simulated market.

The data sits where olx's platform puts it, in exactly the shape :mod:`scrapers.parse.olx`
documents (no real olx.kz page is at hand; ``kz_rents/site_structure.md`` §2):
``<script id="olx-init-config">window.__PRERENDERED_STATE__= "<JSON as a JS string>";`` with
``listing.listing.ads[]`` (``id``, ``title``, ``url``, ``price.regularPrice.{value,
currencyCode, negotiable}``, ``params[{key, name, value, normalizedValue}]``, ``location``,
``createdTime``, ``lastRefreshTime``, ``isBusiness``) and ``listing.listing.{totalPages,
totalElements, currentPage}``. The visible cards (``div[data-cy="l-card"]``) repeat title,
price and "location - date" for a reader. Every page says it is simulated.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import Any, Final

from scrapers.sandbox.krisha_pages import area_text
from scrapers.sandbox.market import LOCAL, Card
from warehouse.cities import REGISTRY

OLX_PER_PAGE: Final = 40
SIMULATED_COMMENT: Final = "<!-- SIMULATED: made by the rentwatch sandbox, not an olx.kz page -->"
MONTHS_GENITIVE: Final = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля",
                          "августа", "сентября", "октября", "ноября", "декабря")  # fmt: skip


@dataclass(frozen=True)
class OlxPage:
    city: str
    page: int
    total: int
    cards: list[Card]
    date_shift: timedelta = timedelta(0)


def olx_slug(city: str) -> str:
    """The city's olx slug (the registry's; Almaty is ``alma-ata``)."""
    slug = REGISTRY.get(city).olx_slug
    if slug is None:
        raise ValueError(f"olx lists no {city}")
    return slug


def olx_city(city: str) -> str:
    """The city as olx names it (``location.cityName``)."""
    return REGISTRY.get(city).name_ru


def olx_path(city: str, page: int = 1) -> str:
    path = f"/d/nedvizhimost/kvartiry/arenda-dolgosrochnaya/{olx_slug(city)}/"
    return path if page == 1 else f"{path}?page={page}"


def olx_title(card: Card) -> str:
    """A landlord's own words, as olx titles are: rooms, area and district, no fixed form."""
    area = f", {area_text(card.area_m2)} м²" if card.area_m2 is not None else ""
    where = f", {card.district} р-н" if card.district else ""
    return f"Сдам {card.rooms}-комнатную квартиру{area}{where}"


def _money(amount: int, currency: str) -> str:
    grouped = f"{amount:,}".replace(",", " ")
    return f"{grouped} тг." if currency == "KZT" else f"{grouped} $"


def _param(key: str, name: str, value: str, normalized: str) -> dict[str, str]:
    return {"key": key, "name": name, "value": value, "normalizedValue": normalized}


def _ad(card: Card, shift: timedelta) -> dict[str, Any]:
    params = [_param("number_of_rooms", "Количество комнат", str(card.rooms), str(card.rooms))]
    if card.area_m2 is not None:
        area = area_text(card.area_m2)
        params.append(_param("total_area", "Общая площадь", f"{area} м²", area))
    if card.floor is not None:
        params.append(_param("floor", "Этаж", str(card.floor), str(card.floor)))
        total = str(card.floors_total)
        params.append(_param("total_floors", "Этажность дома", total, total))
    refreshed = (card.bumped_at.astimezone(LOCAL) + shift).isoformat(timespec="seconds")
    name = olx_city(card.city)
    location: dict[str, Any] = {"cityName": name, "regionName": name}
    if card.district:
        location["districtName"] = f"{card.district} район"
    location["pathName"] = ", ".join(filter(None, (name, card.district)))
    return {
        "id": int(card.listing_id),
        "title": olx_title(card),
        "url": f"https://www.olx.kz/d/obyavlenie/sdam-kvartiru-ID{int(card.listing_id):x}.html",
        "createdTime": refreshed,
        "lastRefreshTime": refreshed,
        "isBusiness": card.owner_type != "owner",
        "isPromoted": False,
        "price": {
            "displayValue": _money(card.price, card.currency),
            "regularPrice": {
                "value": card.price,
                "currencyCode": card.currency,
                "negotiable": False,
            },
        },
        "params": params,
        "location": location,
    }


def _card_html(card: Card, ad: dict[str, Any], shift: timedelta) -> str:
    local = (card.bumped_at.astimezone(LOCAL) + shift).date()
    when = f"{local.day} {MONTHS_GENITIVE[local.month - 1]} {local.year} г."
    where = ", ".join(
        filter(None, (olx_city(card.city), f"{card.district} район" if card.district else None))
    )
    return (
        f'<div data-cy="l-card" id="{card.listing_id}" class="css-1sw7q4x">'
        f'<a href="{escape(ad["url"])}"><h6>{escape(ad["title"])}</h6></a>'
        f'<p data-testid="ad-price">{escape(ad["price"]["displayValue"])}</p>'
        f'<p data-testid="location-date">{escape(where)} - {when}</p></div>'
    )


def render_olx_page(spec: OlxPage) -> str:
    """The whole HTML page, with the state olx's front end boots from."""
    ads = [_ad(card, spec.date_shift) for card in spec.cards]
    pages = max(1, math.ceil(spec.total / OLX_PER_PAGE))
    state = {
        "listing": {
            "listing": {
                "ads": ads,
                "totalElements": spec.total,
                "totalPages": pages,
                "currentPage": spec.page,
            }
        },
        "simulated": True,
    }
    # The state is JSON inside a JavaScript string literal: dumped twice, as olx does it.
    literal = json.dumps(json.dumps(state, ensure_ascii=False), ensure_ascii=False)
    literal = literal.replace("</", "<\\/")
    cards = "\n".join(
        _card_html(c, a, spec.date_shift) for c, a in zip(spec.cards, ads, strict=True)
    )
    forward = (
        f'<a data-testid="pagination-forward" href="{escape(olx_path(spec.city, spec.page + 1))}">'
        "Вперед</a>"
        if spec.page < pages
        else ""
    )
    return f"""<!DOCTYPE html>
{SIMULATED_COMMENT}
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="rentwatch-simulated" content="true">
<title>Долгосрочная аренда квартир {olx_city(spec.city)} – симуляция rentwatch</title>
</head>
<body>
<div class="simulated-banner">SIMULATED DATA: rentwatch sandbox</div>
<div data-testid="total-count">Мы нашли {spec.total} объявлений</div>
<div data-testid="listing-grid">
{cards}
</div>
<div data-testid="pagination-wrapper">{forward}</div>
<script id="olx-init-config">
window.__PRERENDERED_STATE__= {literal};
</script>
</body>
</html>
"""
