"""The simulated rental market: flats, their listings on krisha and olx, bumps and prices.

Time is measured in **market days**: days since :data:`~scrapers.sandbox.calibration.
MARKET_START` at 00:00 Almaty time, with the time of day as the fraction. Every flat listed
gets an asking price from the hedonic model

    log price = market level(city, rooms, day) + AREA_ELASTICITY * log(area / median area)
                + district + floor + owner type + the listing's own term,

where the market level is the truth's factual path (:mod:`scrapers.sandbox.truth`). A listing
sets its price when posted and may re-price to the market level when it is re-posted to the
top ("bumped"), so stale prices exist as they do on the real sites.

The market covers a list of cities (default: the simulated country,
:data:`~scrapers.sandbox.country.DEFAULT_CITIES`). Each city is generated from its own random
stream and its listing ids from its own residue class, so a city's listings are the same
whatever other cities share the market.

Realism the analysis must survive, all seeded: seasonal and weekday flows; more small flats
listed after the shock (the room mix moves with the effect); long-lived agency listings bumped
for months at old prices (with old, low ids); a quarter of flats listed on both portals; heavy
tailed prices, a few with an extra zero typed; dollar prices; cards without floor, district or
area; holidays and quiet days with few new listings.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np

from scrapers.items import OwnerType
from scrapers.sandbox import calibration as cal
from scrapers.sandbox.country import CityModel, city_model, city_slot, resolve
from scrapers.sandbox.truth import Truth, market_truth
from warehouse.records import LOCAL_TIMEZONE

LOCAL: Final = ZoneInfo(LOCAL_TIMEZONE)
SOURCES: Final = ("krisha", "olx")
OWNER_TYPES: Final[tuple[OwnerType, ...]] = ("owner", "specialist", "company")

# However small the market's scale, a town keeps a few listings for its pages to show.
MIN_ARRIVALS_PER_DAY: Final = 0.5
WEEKDAY_FLOW: Final = (1.15, 1.1, 1.05, 1.05, 1.0, 0.85, 0.8)  # Monday first
SHOCK_FLOW: Final = 0.35  # extra listings at the peak of the shock, relative
HOLIDAYS: Final = ((1, 1), (1, 2), (3, 8), (3, 21), (3, 22), (3, 23), (5, 1), (5, 9), (7, 6),
                   (8, 30), (10, 25), (12, 16))  # fmt: skip
HOLIDAY_FLOW: Final = 0.35
QUIET_DAY_SHARE: Final = 0.03  # site hiccups: days with a quarter of the usual new listings
QUIET_FLOW: Final = 0.25

AREA_SD: Final = 0.15
DECIMAL_AREA_SHARE: Final = 0.35
FLOORS_TOTAL: Final = ((5, 0.25), (9, 0.3), (10, 0.05), (12, 0.12), (14, 0.08), (16, 0.1),
                       (20, 0.06), (25, 0.04))  # fmt: skip
DOM_MEDIAN_DAYS: Final = 18.0  # days on the market, log-normal
DOM_SD: Final = 0.8
BOOM_DOM_FACTOR: Final = 0.7  # flats let faster in the weeks after the shock
EVERGREEN_SHARE: Final = 0.01  # agency listings that live for months
EVERGREEN_DAYS: Final = (150.0, 500.0)
ONLY_KRISHA, ONLY_OLX = 0.62, 0.13  # the rest is on both portals
CROSS_POST_LAG_DAYS: Final = 2.0
BUMP_EVERY_DAYS: Final = {"owner": 9.0, "specialist": 4.0, "company": 3.0, "evergreen": 7.0}
REPRICE_AT_BUMP: Final = {"owner": 0.5, "specialist": 0.6, "company": 0.6, "evergreen": 0.1}
USD_SHARE: Final = 0.015
USD_SHARE_SHOCK: Final = 0.05  # extra at the peak: landlords quoting dollars to relocants
TYPO_SHARE: Final = 0.004  # an extra zero typed into the price
NO_FLOOR_SHARE: Final = 0.04
NO_DISTRICT_SHARE: Final = 0.05
NO_AREA_SHARE: Final = 0.015  # olx cards without the area parameter (crawl health wants 95%)

# Listing ids grow with time, as on the real sites. krisha: about 679.5 million on 13 Oct 2022
# (site_structure.md §1.2); long-lived listings carry old ids (20–60 million were seen).
KRISHA_ID_AT: Final = (date(2022, 10, 13), 679_500_000)
KRISHA_IDS_PER_DAY: Final = 40_000
OLD_ID_RANGE: Final = (20_000_000, 60_000_000)
OLX_ID_AT: Final = (date(2022, 10, 13), 752_000_000)
OLX_IDS_PER_DAY: Final = 25_000
# A listing id is ID_SLOTS * k + the city's registry slot: unique across cities, rising in time.
ID_SLOTS: Final = 64

STREETS: Final = {
    "almaty": ("Абая", "Розыбакиева", "Толе би", "Сатпаева", "Гагарина", "Жандосова",
               "Тимирязева", "Навои", "Аль-Фараби", "Жарокова", "Утепова", "мкр Аксай-1",
               "мкр Акбулак", "мкр Самал-2", "мкр Орбита-3", "Райымбека", "Сейфуллина"),
    "astana": ("Кабанбай батыра", "Туран", "Мангилик Ел", "Сыганак", "Кенесары", "Республики",
               "Сарыарка", "Кошкарбаева", "Улы Дала", "Бокейхана", "Жубанова", "Достык",
               "Акмешит", "Тауелсиздик"),
}  # fmt: skip
# Streets of every other city (names most Kazakh towns have; judgement).
COMMON_STREETS: Final = ("Абая", "Республики", "Жибек Жолы", "Байтурсынова", "Момышулы",
                         "Сатпаева", "Ауэзова", "Толе би", "Букейханова", "Кунаева", "Гоголя",
                         "Желтоксан", "мкр Самал", "мкр Восток", "Абылай хана")  # fmt: skip


def market_time(moment: datetime) -> float:
    """Market days of an aware datetime (naive = Almaty local time)."""
    local = moment.astimezone(LOCAL) if moment.tzinfo else moment.replace(tzinfo=LOCAL)
    start = datetime.combine(cal.MARKET_START, datetime.min.time(), LOCAL)
    return (local - start).total_seconds() / 86400.0


def moment_of(t: float) -> datetime:
    """The aware (UTC) datetime of market time ``t``."""
    start = datetime.combine(cal.MARKET_START, datetime.min.time(), LOCAL)
    return (start + timedelta(days=t)).astimezone(UTC)


def local_day(t: float) -> date:
    return cal.MARKET_START + timedelta(days=math.floor(t))


@dataclass(frozen=True)
class MarketConfig:
    """What makes a market: the seed, its size (``scale`` multiplies the arrival rates) and
    its cities (registered codes or names; None: the whole simulated country)."""

    seed: int = 2022
    scale: float = 1.0
    cities: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not 0 < self.scale <= 20:
            raise ValueError(f"market scale must be in (0, 20], got {self.scale}")
        object.__setattr__(self, "cities", resolve(self.cities))
        if not self.cities:
            raise ValueError("a market needs at least one city")


@dataclass(frozen=True, slots=True)
class Card:
    """One listing as a search page shows it at one moment: the truth the parsers must recover.

    ``price`` is what is printed (whole ``currency`` units per month, typos included);
    ``area_m2``, ``floor`` and ``district`` are None when the card does not show them.
    """

    source: str
    listing_id: str
    city: str
    rooms: int
    area_m2: float | None
    floor: int | None
    floors_total: int | None
    district: str | None  # canonical name (as scrapers.parse.districts has it)
    address: str  # street and house, without the district
    price: int
    currency: str
    owner_type: OwnerType
    bumped_at: datetime  # aware, UTC
    uuid: str


@dataclass(frozen=True)
class Visible:
    """The active listings of one portal and city at one moment, newest bump first."""

    at: float
    listings: np.ndarray  # listing indices
    last_event: np.ndarray  # event indices (the last bump at or before ``at``)

    def __len__(self) -> int:
        return len(self.listings)


@dataclass
class _CityBlock:
    """One city's flats, listings and events before they join the market's arrays."""

    flat: dict[str, np.ndarray]
    listing: dict[str, np.ndarray]
    ev_listing: np.ndarray
    ev_time: np.ndarray
    ev_price: np.ndarray


class Market:
    """A seeded market of one or more cities. Build once (about a second for the default
    country at scale 1); query any moment."""

    def __init__(self, config: MarketConfig | None = None) -> None:
        self.config = config or MarketConfig()
        assert self.config.cities is not None
        self.cities: tuple[str, ...] = self.config.cities
        self.truth: Truth = market_truth(self.config.seed, self.cities)
        self.models: dict[str, CityModel] = {c: city_model(c) for c in self.cities}
        self._districts = {c: tuple(self.models[c].districts) for c in self.cities}
        blocks = [self._city(c, i) for i, c in enumerate(self.cities)]
        flat_offset = np.cumsum([0] + [len(b.flat["posted"]) for b in blocks])
        listing_offset = np.cumsum([0] + [len(b.listing["posted"]) for b in blocks])
        self._flat = {k: np.concatenate([b.flat[k] for b in blocks]) for k in blocks[0].flat}
        self.listing = {
            k: np.concatenate([b.listing[k] for b in blocks]) for k in blocks[0].listing
        }
        self.listing["flat"] = np.concatenate(
            [b.listing["flat"] + flat_offset[i] for i, b in enumerate(blocks)]
        )
        self.ev_listing = np.concatenate([b.ev_listing + listing_offset[i]
                                          for i, b in enumerate(blocks)])  # fmt: skip
        self.ev_time = np.concatenate([b.ev_time for b in blocks])
        self.ev_price = np.concatenate([b.ev_price for b in blocks])
        self._index()

    # --- generation -------------------------------------------------------------------------

    def _city(self, city: str, index: int) -> _CityBlock:
        rng = np.random.default_rng([self.config.seed, 0x5EED, city_slot(city)])
        flat = self._flats(city, index, rng)
        listing = self._listings(city, flat, rng)
        ev_listing, ev_time, ev_price = self._events(city, flat, listing, rng)
        return _CityBlock(flat, listing, ev_listing, ev_time, ev_price)

    def _flats(self, city: str, index: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        model = self.models[city]
        days = np.arange(cal.n_days())
        dates = np.datetime64(cal.MARKET_START.isoformat()) + days.astype("timedelta64[D]")
        weekday = (days + cal.MARKET_START.weekday()) % 7
        months = dates.astype("datetime64[M]").astype(int) % 12 + 1
        month_days = (dates - dates.astype("datetime64[M]")).astype(int) + 1
        holiday = np.zeros(len(days), bool)
        for month, month_day in HOLIDAYS:
            holiday |= (months == month) & (month_days == month_day)
        effect = self.truth.effect[(city, None)]
        shock = effect / effect.max() if effect.max() > 0 else np.zeros(len(days))
        rate = (
            max(model.arrivals_per_day * self.config.scale, MIN_ARRIVALS_PER_DAY)
            * np.asarray(WEEKDAY_FLOW)[weekday]
            * np.exp(0.6 * cal.harmonics(cal.day_of_year(days), model.season))
            * (1 + SHOCK_FLOW * shock)
            * np.where(holiday, HOLIDAY_FLOW, 1.0)
            * np.where(rng.random(len(days)) < QUIET_DAY_SHARE, QUIET_FLOW, 1.0)
        )  # fmt: skip
        counts = rng.poisson(rate)
        n = int(counts.sum())
        day = np.repeat(days, counts)
        posted = day + rng.uniform(0.3, 0.95, n)
        shift = cal.COMPOSITION_SHIFT * shock[day]
        base = np.array([model.room_shares[r] for r in cal.ROOMS])
        shifted = np.array([cal.SHIFTED_SHARES[r] for r in cal.ROOMS])
        probs = (1 - shift)[:, None] * base + shift[:, None] * shifted
        rooms = (rng.random(n)[:, None] > np.cumsum(probs, axis=1)).sum(axis=1) + 1
        rooms = np.minimum(rooms, cal.ROOMS[-1])
        median = np.array([model.area_median[r] for r in cal.ROOMS])[rooms - 1]
        area = np.maximum(median * np.exp(rng.normal(0, AREA_SD, n)), 12.0)
        area = np.where(rng.random(n) < DECIMAL_AREA_SHARE, np.round(area, 1), np.round(area))
        totals, weights = zip(*FLOORS_TOTAL, strict=True)
        floors_total = rng.choice(totals, n, p=np.array(weights) / sum(weights))
        floor = rng.integers(1, floors_total + 1)
        names = self._districts[city]
        if names:
            shares = np.array([model.districts[d][0] for d in names], dtype=float)
            shares /= shares.sum()
            district = rng.choice(len(names), n, p=shares)
            terms = np.array([model.districts[d][1] for d in names])
            district_term = terms[district] - terms @ shares
        else:  # a city whose cards name no district
            district = np.full(n, -1)
            district_term = np.zeros(n)
        owner_shares = np.array([cal.OWNER_TYPE_TERMS[o][0] for o in OWNER_TYPES])
        owner = rng.choice(len(OWNER_TYPES), n, p=owner_shares / owner_shares.sum())
        owner_terms = np.array([cal.OWNER_TYPE_TERMS[o][1] for o in OWNER_TYPES])
        floor_term = np.where(floor == 1, cal.FIRST_FLOOR_TERM, 0.0) + np.where(
            (floor == floors_total) & (floor > 1), cal.TOP_FLOOR_TERM, 0.0
        )
        own = rng.standard_t(5, n) * cal.IDIOSYNCRATIC_SD / math.sqrt(5 / 3)
        quality = (
            cal.AREA_ELASTICITY * np.log(area / median) + district_term
            + owner_terms[owner] - owner_terms @ (owner_shares / owner_shares.sum())
            + floor_term + own
        )  # fmt: skip
        evergreen = rng.random(n) < EVERGREEN_SHARE
        owner = np.where(evergreen, rng.integers(1, 3, n), owner)
        event = cal.day_index(cal.EVENT_DATE)
        boom = (day >= event) & (day < event + 60) & (effect[day] > 0)
        dom = np.exp(rng.normal(math.log(DOM_MEDIAN_DAYS), DOM_SD, n)) * np.where(
            boom, BOOM_DOM_FACTOR, 1
        )
        dom = np.where(evergreen, rng.uniform(*EVERGREEN_DAYS, n), np.maximum(dom, 1.0))
        where = rng.random(n)
        usd_share = USD_SHARE + USD_SHARE_SHOCK * shock[day]
        streets = STREETS.get(city, COMMON_STREETS)
        return {
            "city": np.full(n, index),
            "posted": posted,
            "rooms": rooms,
            "area": area,
            "floor": floor,
            "floors_total": floors_total,
            "district": district,
            "owner": owner,
            "quality": quality,
            "evergreen": evergreen,
            "dom": dom,
            "on_krisha": where < 1 - ONLY_OLX if model.on_olx else np.ones(n, bool),
            "on_olx": where >= ONLY_KRISHA if model.on_olx else np.zeros(n, bool),
            "usd": rng.random(n) < usd_share,
            "street": rng.integers(0, len(streets), n),
            "house": rng.integers(1, 320, n),
        }

    def _listings(
        self, city: str, flat: dict[str, np.ndarray], rng: np.random.Generator
    ) -> dict[str, np.ndarray]:
        """One listing per flat and portal; the second portal's copy comes a little later."""
        on = {"krisha": flat["on_krisha"], "olx": flat["on_olx"]}
        parts: dict[str, list[np.ndarray]] = {"flat": [], "source": [], "posted": [], "ends": []}
        for code, source in enumerate(SOURCES):
            which = np.flatnonzero(on[source])
            second = on["krisha"][which] & on["olx"][which] & (rng.random(len(which)) < 0.5)
            lag = np.where(second, rng.uniform(0, CROSS_POST_LAG_DAYS, len(which)), 0.0)
            posted = flat["posted"][which] + lag
            parts["flat"].append(which)
            parts["source"].append(np.full(len(which), code))
            parts["posted"].append(posted)
            parts["ends"].append(posted + flat["dom"][which] * rng.uniform(0.85, 1.15, len(which)))
        listing = {k: np.concatenate(v) for k, v in parts.items()}
        order = np.argsort(listing["posted"], kind="stable")
        listing = {k: v[order] for k, v in listing.items()}
        n = len(order)
        listing["typo"] = rng.random(n) < TYPO_SHARE
        listing["no_floor"] = rng.random(n) < NO_FLOOR_SHARE
        listing["no_district"] = rng.random(n) < NO_DISTRICT_SHARE
        listing["no_area"] = (listing["source"] == 1) & (rng.random(n) < NO_AREA_SHARE)
        listing["id"] = _ids(listing, flat["evergreen"][listing["flat"]], city_slot(city), rng)
        return listing

    def _events(
        self,
        city: str,
        flat: dict[str, np.ndarray],
        listing: dict[str, np.ndarray],
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Posting and bump times of every listing, and the asking price after each."""
        f = listing["flat"]
        owner = flat["owner"][f]
        evergreen = flat["evergreen"][f]
        kinds = np.where(evergreen, 3, owner)  # owner, specialist, company, evergreen
        every = np.array([BUMP_EVERY_DAYS[k] for k in (*OWNER_TYPES, "evergreen")])[kinds]
        reprice_p = np.array([REPRICE_AT_BUMP[k] for k in (*OWNER_TYPES, "evergreen")])[kinds]
        n = len(f)
        chunks_listing = [np.arange(n)]
        chunks_time = [listing["posted"]]
        chunks_reprice = [np.ones(n, bool)]
        current = listing["posted"].copy()
        alive = np.arange(n)
        while len(alive):
            current[alive] += rng.gamma(2.0, every[alive] / 2.0) + 0.2
            alive = alive[current[alive] < listing["ends"][alive]]
            chunks_listing.append(alive)
            chunks_time.append(current[alive].copy())
            chunks_reprice.append(rng.random(len(alive)) < reprice_p[alive])
        ev_listing = np.concatenate(chunks_listing)
        ev_time = np.concatenate(chunks_time)
        ev_reprice = np.concatenate(chunks_reprice)
        order = np.lexsort((ev_time, ev_listing))
        ev_listing, ev_time, ev_reprice = ev_listing[order], ev_time[order], ev_reprice[order]
        # Asking price at each re-pricing event, carried forward to the bumps that keep it.
        fl = f[ev_listing]
        day = np.clip(np.floor(ev_time).astype(int), 0, cal.n_days() - 1)
        level = np.zeros(len(ev_time))
        for r in cal.ROOMS:
            mask = flat["rooms"][fl] == r
            path = self.truth.counterfactual[(city, r)] + self.truth.effect[(city, r)]
            level[mask] = path[day[mask]]
        kzt = np.exp(level + flat["quality"][fl])
        usd = kzt / cal.usd_rate(day)
        carried = np.maximum.accumulate(np.where(ev_reprice, np.arange(len(ev_time)), 0))
        price = np.where(flat["usd"][fl], _round_usd(usd), _round_kzt(kzt))
        return ev_listing, ev_time, price[carried]

    def _index(self) -> None:
        """Per portal and city: listings by posting time, and the events' search keys."""
        self._groups: dict[tuple[str, str], np.ndarray] = {}
        city = self._flat["city"][self.listing["flat"]]
        for code, source in enumerate(SOURCES):
            for c, name in enumerate(self.cities):
                self._groups[(source, name)] = np.flatnonzero(
                    (self.listing["source"] == code) & (city == c)
                )
        # Events are sorted by listing then time: one global key finds a listing's last event.
        self._event_key = self.ev_listing * 8192.0 + self.ev_time

    # --- queries ----------------------------------------------------------------------------

    def visible(self, source: str, city: str, at: float) -> Visible:
        """Active listings of ``source`` in ``city`` at market time ``at``, newest bump first.

        A city outside the market (or not on olx) shows none.
        """
        group = self._groups.get((source, city), np.zeros(0, dtype=np.int64))
        posted = self.listing["posted"][group]
        candidates = group[: np.searchsorted(posted, at, side="right")]
        active = candidates[self.listing["ends"][candidates] > at]
        last = np.searchsorted(self._event_key, active * 8192.0 + at, side="right") - 1
        order = np.argsort(-self.ev_time[last], kind="stable")
        return Visible(at, active[order], last[order])

    def card(self, listing: int, event: int) -> Card:
        """The card of ``listing`` as shown after its event ``event``."""
        lst, flat = self.listing, self._flat
        f = int(lst["flat"][listing])
        city = self.cities[int(flat["city"][f])]
        source = SOURCES[int(lst["source"][listing])]
        price = int(self.ev_price[event]) * (10 if lst["typo"][listing] else 1)
        listing_id = str(int(lst["id"][listing]))
        district = int(flat["district"][f])
        streets = STREETS.get(city, COMMON_STREETS)
        return Card(
            source=source,
            listing_id=listing_id,
            city=city,
            rooms=int(flat["rooms"][f]),
            area_m2=None if lst["no_area"][listing] else float(flat["area"][f]),
            floor=None if lst["no_floor"][listing] else int(flat["floor"][f]),
            floors_total=None if lst["no_floor"][listing] else int(flat["floors_total"][f]),
            district=None
            if lst["no_district"][listing] or district < 0
            else self._districts[city][district],
            address=f"{streets[int(flat['street'][f])]} {int(flat['house'][f])}",
            price=price,
            currency="USD" if flat["usd"][f] else "KZT",
            owner_type=OWNER_TYPES[int(flat["owner"][f])],
            bumped_at=moment_of(float(self.ev_time[event])),
            uuid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"rentwatch-sandbox/{source}/{listing_id}")),
        )

    def cards(self, visible: Visible, first: int = 0, count: int | None = None) -> list[Card]:
        """Cards ``first`` .. ``first + count - 1`` of a :class:`Visible` list."""
        stop = len(visible) if count is None else min(first + count, len(visible))
        return [
            self.card(int(visible.listings[i]), int(visible.last_event[i]))
            for i in range(first, stop)
        ]

    @cached_property
    def size(self) -> dict[str, int]:
        """How big the market is: cities, flats, listings and bump events."""
        return {
            "cities": len(self.cities),
            "flats": len(self._flat["posted"]),
            "listings": len(self.listing["posted"]),
            "events": len(self.ev_time),
        }

    def flat_of(self, source: str, listing_id: str) -> int:
        """The flat behind a listing (tests: the same flat on both portals)."""
        code = SOURCES.index(source)
        hits = np.flatnonzero(
            (self.listing["source"] == code) & (self.listing["id"] == int(listing_id))
        )
        if len(hits) != 1:
            raise KeyError(f"{source} listing {listing_id}")
        return int(self.listing["flat"][hits[0]])


def _ids(
    listing: dict[str, np.ndarray], evergreen: np.ndarray, slot: int, rng: np.random.Generator
) -> np.ndarray:
    """Listing ids of one city: rising with the posting time on each portal, in the city's
    residue class modulo :data:`ID_SLOTS` (so no two cities share one); evergreens old."""
    ids = np.zeros(len(listing["posted"]), dtype=np.int64)
    for code, ((ref_day, ref_id), per_day) in enumerate(
        ((KRISHA_ID_AT, KRISHA_IDS_PER_DAY), (OLX_ID_AT, OLX_IDS_PER_DAY))
    ):
        mine = np.flatnonzero(listing["source"] == code)  # already in posting order
        raw = ref_id + (listing["posted"][mine] - cal.day_index(ref_day)) * per_day
        steps = np.arange(len(mine))
        slots = raw.astype(np.int64) // ID_SLOTS + rng.integers(
            0, per_day // 200 // ID_SLOTS, len(mine)
        )
        ids[mine] = (np.maximum.accumulate(slots - steps) + steps) * ID_SLOTS + slot
        old = mine[evergreen[mine]]
        low, high = (bound // ID_SLOTS for bound in OLD_ID_RANGE)
        ids[old] = (low + rng.choice(high - low, len(old), replace=False)) * ID_SLOTS + slot
    return ids


def _round_kzt(kzt: np.ndarray) -> np.ndarray:
    """Asking prices are round: to 5,000 KZT below a million, 50,000 above."""
    step = np.where(kzt < 1_000_000, 5_000, 50_000)
    return (np.maximum(np.round(kzt / step), 1) * step).astype(np.int64)


def _round_usd(usd: np.ndarray) -> np.ndarray:
    return (np.maximum(np.round(usd / 10), 1) * 10).astype(np.int64)
