"""A listing snapshot from a card's parsed parts: the one place every portal's parser builds it.

Every free-text field (title, ``district_raw``, URL) of both portals is scrubbed of personal
data here (:mod:`warehouse.pii`), so no parser can forget to.
"""

from __future__ import annotations

from datetime import date

from scrapers.items import ListingSnapshot, OwnerType, PricePeriod
from scrapers.parse.districts import canonical_district
from scrapers.parse.price import Price
from scrapers.parse.title import TitleFacts
from warehouse.pii import scrub, scrub_url


def build_snapshot(
    source: str,
    listing_id: str,
    *,
    city: str,
    district_raw: str | None,
    facts: TitleFacts,
    price: Price,
    period: PricePeriod,
    owner_type: OwnerType | None,
    bumped_on: date | None,
    url: str | None,
    title: str | None,
) -> ListingSnapshot:
    """``district`` is ``district_raw`` normalised to the city's canonical district name;
    ``title``, ``district_raw`` and ``url`` are scrubbed of phone numbers, e-mails and names."""
    district_raw = scrub(district_raw) or None
    return ListingSnapshot(
        source=source,
        listing_id=listing_id,
        city=city,
        district=canonical_district(city, district_raw),
        district_raw=district_raw,
        rooms=facts.rooms,
        area_m2=facts.area_m2,
        floor=facts.floor,
        floors_total=facts.floors_total,
        price=price.amount,
        currency=price.currency,
        price_period=period,
        owner_type=owner_type,
        bumped_on=bumped_on,
        url=scrub_url(url),
        title=scrub(title),
    )
