"""What the parsers produce: one :class:`ListingSnapshot` per listing card on a page.

A snapshot is what a page said about a listing, with no time attached; the observation time
(when the page was fetched, or when the archive captured it) and the origin are added when
it is spooled (:meth:`ListingSnapshot.to_record`). Only the fields below exist, so no phone
number, name or description can travel further.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from typing import Any, Final, Literal

PricePeriod = Literal["month", "day", "hour"]
OwnerType = Literal["owner", "specialist", "company"]
# A card of another city than the search's (ParsedPage.of_city), and the problem of a page
# whose every listing is one.
OTHER_CITY: Final = "other_city"
ANOTHER_CITY: Final = "another city's search"
# The problem of a page with nothing of a search page: no card, no results count, no search
# data, no paginator (a maintenance page, a login form served as 200).
NO_SEARCH: Final = "not a search page: no listing cards, result count or pagination on it"


@dataclass(frozen=True, slots=True)
class ListingSnapshot:
    """One card as the page showed it. Money is whole units of ``currency`` per ``price_period``."""

    source: str  # portal: "krisha" | "olx"
    listing_id: str
    city: str  # "almaty" | "astana"
    district: str | None  # canonical district name (one per district of each city)
    district_raw: str | None  # the district text as printed
    rooms: int | None
    area_m2: float | None  # total area, m²
    floor: int | None
    floors_total: int | None
    price: int  # asking price, whole currency units
    currency: str  # ISO 4217: "KZT", "USD", …; never converted here
    price_period: PricePeriod
    owner_type: OwnerType | None
    bumped_on: date | None  # the card's date ("13 окт."), resolved to a full date
    url: str | None
    title: str | None

    def to_record(self, observed_at: datetime, origin: str) -> dict[str, Any]:
        """The spool record (see :mod:`warehouse.records`) for this sighting.

        A shallow copy: every field is immutable, so ``dataclasses.asdict``'s deep copy would
        only cost time on the crawl's hot path.
        """
        record = {name: getattr(self, name) for name in _FIELD_NAMES}
        record["observed_at"] = observed_at
        record["origin"] = origin
        return record


_FIELD_NAMES = tuple(f.name for f in fields(ListingSnapshot))
# A feed export's columns (scrapers.feeds): the spool record's fields, in this order.
FEED_FIELDS: Final = (*_FIELD_NAMES, "observed_at", "origin")


@dataclass(frozen=True)
class ParsedPage:
    """A search page, parsed: the listings, what was dropped and why, and where we are.

    ``dropped`` counts cards that could not become snapshots, by reason (e.g.
    ``"price_negotiable"``, ``"no_price"``, ``"duplicate_id"``). ``last_page`` is the highest
    page number the paginator shows (None when there is no paginator). ``promoted_ids`` are the
    ids of paid "hot" cards, which the site repeats on every page: a crawl dedupes them by id
    (pass the ids already taken as the parser's ``seen_ids``).
    """

    snapshots: list[ListingSnapshot]
    dropped: Counter[str] = field(default_factory=Counter)
    page: int | None = None
    last_page: int | None = None
    total: int | None = None  # "Найдено 3 184 объявления"
    cards_seen: int = 0
    promoted_ids: frozenset[str] = frozenset()
    # Why the page holds no listings to read, when it is not a rent search page at all or
    # cannot be read whole: "detail page", "not a rent search: sale", "truncated page",
    # "page too deep: …". None for a rent search page read in full.
    problem: str | None = None

    def of_city(self, city: str) -> ParsedPage:
        """The page with the listings of other cities than ``city`` dropped (``other_city``).

        A search of one city that shows another's listings (a region redirect, a search
        that lost its city) is not this city's page: when every listing on it is another
        city's, ``problem`` says whose (``"another city's search: astana"``).
        """
        others = [s for s in self.snapshots if s.city != city]
        if not others:
            return self
        kept = [s for s in self.snapshots if s.city == city]
        problem = self.problem
        if not kept and problem is None:
            problem = f"{ANOTHER_CITY}: {', '.join(sorted({s.city for s in others}))}"
        return replace(
            self,
            snapshots=kept,
            dropped=self.dropped + Counter({OTHER_CITY: len(others)}),
            problem=problem,
        )


@dataclass(frozen=True, slots=True)
class SpoolBatch:
    """What a spider yields: the spool records of one page (or of one detail page).

    One Scrapy item per page rather than per listing: every item pays for Scrapy's middleware
    chain, pipeline and signals, which cost more than parsing the listing itself.
    """

    records: list[dict[str, Any]]

    def rows(self) -> Iterator[dict[str, Any]]:
        """The records as feed rows (:mod:`scrapers.feeds`): times and dates as ISO 8601 text
        (``observed_at`` keeps its UTC offset, which Scrapy's JSON encoder would drop)."""
        for record in self.records:
            yield {
                key: value.isoformat() if isinstance(value, date) else value
                for key, value in record.items()
            }
