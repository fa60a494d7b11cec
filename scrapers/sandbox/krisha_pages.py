"""krisha.kz search pages for the simulated market, in the markup of each era.

Written from the structure described in ``kz_rents/site_structure.md`` §1.3–1.4 (no real page
is copied): 20 cards a page, ``div.a-card[data-id]`` cards with title, price, address line,
owner footer and stats, the ``<script id="jsdata">`` object, the "Найдено N объявлений" line
and the ``nav.paginator``. Eras:

- ``2022``: ``", "`` separators, "на длительный срок", ``.card-stats__item``, sidebar hot ads;
- ``2023``: as 2022 with "помесячно" (from March 2023);
- ``2025``: ``" · "`` separators, "за месяц" after the price, ``.a-card__stats-item``, and three
  promoted cards at the top of every page (``section.highlighted-section``).

Every page says it is simulated (a comment, a ``<meta>`` and a flag in jsdata).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from typing import Final, Literal

from scrapers.sandbox.market import LOCAL, Card
from warehouse.cities import REGISTRY

Era = Literal["2022", "2023", "2025"]
PER_PAGE: Final = 20
HOT_CARDS: Final = 3
SEARCH_QUERY: Final = "das[rent.period]=2"
# The city was renamed back to Astana on 17 Sep 2022; the card's city label followed. (krisha's
# slug changed later, on the day warehouse.cities says.)
RENAMED: Final = date(2022, 9, 17)
ERA_2023_FROM: Final = date(2023, 3, 1)
REGION_IDS: Final = {"almaty": 2, "astana": 105}  # others: 1000 + the registry slot
MONTHS: Final = ("янв.", "фев.", "мар.", "апр.", "май", "июн.", "июл.", "авг.", "сен.", "окт.",
                 "ноя.", "дек.")  # fmt: skip
SIMULATED_COMMENT: Final = "<!-- SIMULATED: made by the rentwatch sandbox, not a krisha.kz page -->"
# Astana's districts as krisha prints them ("Сарыарка р-н", 2025 "р-н Байконур").
ASTANA_RAW: Final = {
    "Алматинский": ("Алматы р-н", "Алматы р-н"),
    "Байконурский": ("Байконур р-н", "р-н Байконур"),
    "Есильский": ("Есильский р-н", "Есильский р-н"),
    "Сарыаркинский": ("Сарыарка р-н", "р-н Сарыарка"),
    "Нура": ("Нура р-н", "р-н Нура"),
}
# Owner type -> (footer class, owner box classes, label classes, label text).
OWNER_MARKUP: Final = {
    "owner": (
        "user-owner",
        "user-title-not-pro user-label-owner",
        "owners__label--yellow label-user-owner",
        "Хозяин недвижимости",
    ),
    "specialist": (
        "user-specialist",
        "user-title-pro user-label-identified-specialist",
        "owners__label--transparent label-user-identified-specialist",
        "Специалист",
    ),
    "company": (
        "user-company",
        "user-title-pro user-label-identified-company",
        "owners__label--transparent label-user-identified-company",
        "Компания",
    ),
}
PREVIEWS: Final = ("монолитный дом", "кирпичный дом", "панельный дом")
CONDITIONS: Final = ("хорошее", "свежий ремонт", "евроремонт", "среднее")


def era_of(day: date) -> Era:
    """The markup an archive capture of ``day`` has (the live site uses ``"2025"``)."""
    return "2022" if day < ERA_2023_FROM else "2023"


def city_slug(city: str, day: date | None = None) -> str:
    """The krisha alias of ``city`` on ``day`` (the registry's eras; None: today's)."""
    return REGISTRY.get(city).krisha_slug(day)


def region_id(city: str) -> int:
    """jsdata's ``regionId`` (krisha's own for the two cities; made up for the others)."""
    return REGION_IDS.get(city, 1000 + REGISTRY.codes.index(city))


def search_path(slug: str, page: int = 1) -> str:
    """``/arenda/kvartiry/almaty/?das[rent.period]=2&page=2`` (page 1 has no ``page``)."""
    return f"/arenda/kvartiry/{slug}/?{SEARCH_QUERY}" + (f"&page={page}" if page > 1 else "")


def pages_for(total: int) -> int:
    return max(1, math.ceil(total / PER_PAGE))


def money(amount: int) -> str:
    """``300000`` -> ``"300&nbsp;000"`` (krisha groups digits with NBSP)."""
    return f"{amount:,}".replace(",", "&nbsp;")


def area_text(area: float) -> str:
    return f"{area:g}" if area != int(area) else str(int(area))


def title_of(card: Card, era: Era) -> str:
    sep = " · " if era == "2025" else ", "
    parts = [f"{card.rooms}-комнатная квартира"]
    if card.area_m2 is not None:
        parts.append(f"{area_text(card.area_m2)} м²")
    if card.floor is not None:
        parts.append(f"{card.floor}/{card.floors_total} этаж")
    suffix = {"2022": " на длительный срок", "2023": " помесячно", "2025": ""}[era]
    return sep.join(parts) + suffix


def district_text(card: Card, era: Era) -> str | None:
    if card.district is None:
        return None
    if card.city == "astana":
        return ASTANA_RAW[card.district][1 if era == "2025" else 0]
    return f"{card.district} р-н"


def city_label(city: str, day: date) -> str:
    """The city as a card names it: "Алматы", "Нур-Султан" until the renaming, "Шымкент"."""
    if city == "astana" and day < RENAMED:
        return "Нур-Султан"
    return REGISTRY.get(city).name_ru


def city_in(city: str, day: date) -> str:
    """The city in the locative: "в Алматы", "в Астане", "в Караганде", "в Актобе"."""
    name = city_label(city, day)
    if name.endswith(("а", "й")):
        return name[:-1] + "е"
    if name[-1] in "аеёиоуыэюя":  # Алматы, Актобе, Кокшетау: not declined
        return name
    return name + "е"


def card_date(card: Card, shift: timedelta) -> str:
    local = (card.bumped_at.astimezone(LOCAL) + shift).date()
    return f"{local.day} {MONTHS[local.month - 1]}"


@dataclass(frozen=True)
class SearchPage:
    """One search page to render: which cards, where in the list, as of which day."""

    city: str
    slug: str
    page: int
    total: int  # listings in the whole search
    cards: list[Card]
    day: date  # the local day the page shows (labels the city; resolves nothing)
    era: Era
    hot: tuple[Card, ...] = ()  # 2022 sidebar / 2025 promoted cards
    date_shift: timedelta = timedelta(0)  # live pages: the market's last day shown as today


def render_search_page(spec: SearchPage) -> str:
    """The whole HTML page."""
    era, city = spec.era, spec.city
    last = pages_for(spec.total)
    where = city_in(city, spec.day)
    period = "помесячно" if era == "2025" else "на длительный срок"
    heading = f"Аренда квартир {period} в {where}"
    promoted = list(spec.hot) if era == "2025" else []
    hot_ids = [int(c.listing_id) for c in promoted]
    data = {
        "search": {
            "currentPage": spec.page,
            "ids": [int(c.listing_id) for c in spec.cards],
            "regionId": region_id(city),
            "isOnMap": False,
            "parameters": {
                "section": "arenda", "category": "kvartiry", "regionAlias": spec.slug,
                "das[rent.period]": "2", **({"page": str(spec.page)} if spec.page > 1 else {}),
            },
            "nbTotal": f"{spec.total:,}".replace(",", " "),
            **({"analytics": {"hot": {"ids": hot_ids}}} if promoted else {}),
        },
        "category": {"id": 2, "hasPrice": True, "name": "rent.flat", "sectionName": "rent",
                     "categoryName": "flat", "defaultCurrency": 2},
        "route": "advert:search",
        "simulated": True,
    }  # fmt: skip
    assign = "window.data" if era == "2025" else "var data"
    page_prefix = f"Страница {spec.page} | " if spec.page > 1 else ""
    cards = "\n".join(_card(c, spec, in_highlighted=False) for c in spec.cards)
    highlighted = (
        '<section class="highlighted-section">\n'
        + "\n".join(_card(c, spec, in_highlighted=True) for c in promoted)
        + "\n</section>\n"
        if promoted
        else ""
    )
    sidebar = _sidebar(spec) if era != "2025" and spec.hot else ""
    return f"""<!DOCTYPE html>
{SIMULATED_COMMENT}
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="rentwatch-simulated" content="true">
<title>{page_prefix}Снять квартиру {period} в {where} – симуляция rentwatch</title>
<link rel="canonical" href="https://krisha.kz{escape(search_path(spec.slug))}">
<script id="jsdata">
    {assign} = {json.dumps(data, ensure_ascii=False)};
</script>
</head>
<body>
<div class="simulated-banner">SIMULATED DATA: rentwatch sandbox</div>
<div class="page-title"><h1>{heading}</h1></div>
<div class="a-search-subtitle search-results-nb">
    Найдено <span>{money(spec.total)}</span> {_plural(spec.total)}
</div>
<div class="a-search-container">
<section class="a-list a-search-list a-list-with-favs">
{highlighted}{cards}
</section>
{_paginator(spec.slug, spec.page, last)}
{sidebar}</div>
</body>
</html>
"""


def _plural(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return "объявление"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "объявления"
    return "объявлений"


def _price_html(card: Card, era: Era) -> str:
    sign = "〒" if card.currency == "KZT" else "$"
    tail = '\n        <span class="a-price-square-for">за месяц</span>' if era == "2025" else ""
    return (
        f'{money(card.price)}&nbsp;<span class="currency-sign offer__currency">{sign}</span>{tail}'
    )


def _card(card: Card, spec: SearchPage, *, in_highlighted: bool) -> str:
    era = spec.era
    lid = card.listing_id
    title = escape(title_of(card, era))
    district = district_text(card, era)
    address = escape(card.address)
    subtitle = f"{escape(district)}, {address}" if district else address
    where = city_in(card.city, spec.day)
    caption_price = (
        f"{money(card.price).replace('&nbsp;', ' ')} {'〒' if card.currency == 'KZT' else '$'}"
    )
    caption = f"{title}, {address} за {caption_price}" + (
        f" в {where}, {escape(district)}" if district else ""
    )
    footer, owner_cls, label_cls, label = OWNER_MARKUP[card.owner_type]
    hashed = int(lid) % 97
    colour = "is-colored paid-color-light-green" if hashed % 9 == 0 else "not-colored"
    checked = " is-checked" if hashed % 5 == 0 else ""
    preview = (
        f"{PREVIEWS[hashed % 3]}, {2000 + hashed % 23} г.п., состояние: {CONDITIONS[hashed % 4]}"
    )
    stats_item = "a-card__stats-item" if era == "2025" else "card-stats__item"
    stats_box = "a-card__stats" if era == "2025" else "card-stats"
    label_box = (
        f'<div class="label label--transparent {label_cls.split()[-1]}"><i></i>{label}</div>'
        if era == "2025"
        else f'<div class="owners__label {label_cls}"><i></i> {label}</div>'
    )
    photo = f"https://photos.sandbox.invalid/{card.uuid[:2]}/{card.uuid}/1-280x175.jpg"
    data_color = "green" if "paid" in colour else ""
    list_id = "hot" if in_highlighted else "main"
    return f"""<div data-id="{lid}" data-uuid="{card.uuid}" data-color="{data_color}"
     class="a-card a-storage-live ddl_product ddl_product_link {colour} is-visible{checked}"
     id="id-{lid}" data-product-id="{lid}" data-list-id="{list_id}">
  <div class="a-card__inc">
    <a class="a-card__image" href="/a/show/{lid}" rel="nofollow" data-nb="{1 + hashed % 8}"
       target="_blank">
      <picture class="is-moderated has-photo">
        <img alt="{caption}" src="{photo}" loading="lazy">
      </picture>
    </a>
    <div class="a-card__descr">
      <div class="a-card__header">
        <div class="a-card__main-info">
          <div class="a-card__header-left">
            <a href="/a/show/{lid}" class="a-card__title " target="_blank">{title}</a>
          </div>
          <div class="a-card__price">
              {_price_html(card, era)}
          </div>
        </div>
        <div class="a-card__header-body">
          <div class="a-card__wrapper-subtitle">
            <div class="a-card__subtitle ">
              {subtitle}
            </div>
          </div>
          <div class="a-card__text-preview">{preview}</div>
        </div>
      </div>
      <div class="a-card__footer {footer}">
        <div class="a-card__owner {owner_cls}">
          <span class="a-card__owner-label">{label_box}</span>
        </div>
        <div class="a-card__card-info">
          <div class="{stats_box}">
            <div class="{stats_item}">{city_label(card.city, spec.day)}</div>
            <div class="{stats_item}">
              {card_date(card, spec.date_shift)}
            </div>
            <div class="{stats_item}" title="Количество просмотров">
              <span class="fi-eye"></span><span class="a-view-count status-item"></span>
            </div>
          </div>
        </div>
      </div>
    </div>
  </div>
</div>"""


def _paginator(slug: str, page: int, last: int) -> str:
    """Buttons for page 1, a window around the current page, the last page and "Дальше"."""
    if last <= 1:
        return ""
    shown = sorted({1, last, *range(max(1, page - 3), min(last, page + 6) + 1)})
    buttons: list[str] = []
    previous = 0
    for number in shown:
        if number - previous > 1:
            buttons.append('<span class="paginator__btn">...</span>')
        active = " paginator__btn--active" if number == page else ""
        href = escape(search_path(slug, number))
        buttons.append(
            f'<a class="paginator__btn{active}" href="{href}" data-page="{number}">{number}</a>'
        )
        previous = number
    if page < last:
        href = escape(search_path(slug, page + 1))
        buttons.append(
            f'<a class="paginator__btn paginator__btn--next" href="{href}" data-page="{page + 1}">'
            '<div class="paginator__btn-text">Дальше</div>'
            '<span class="fi-arrow-small-right"></span></a>'
        )
    return '<nav class="paginator">\n' + "\n".join(buttons) + "\n</nav>"


def _sidebar(spec: SearchPage) -> str:
    """The 2022 "hot" sidebar: links to listings that are not search results."""
    items = []
    for card in spec.hot:
        items.append(
            f"""<div class="hot-a-wrap" title="В горячих">
  <div class="hot-a-info">
    <a href="/a/show/{card.listing_id}" class="tm-click-sidebar-hot-adv">
      {escape(title_of(card, spec.era))}
    </a>
    &nbsp;<b>за</b><br>
    <b class="price">{_price_html(card, spec.era)}</b>
    <div>{escape(card.address)}</div>
  </div>
</div>"""
        )
    return '<aside class="hot-adverts">\n' + "\n".join(items) + "\n</aside>\n"
