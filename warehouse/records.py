"""The observation record: what a spool line holds, and the rules every record obeys.

A record is one sighting of one listing's asking price. It carries only the whitelisted
fields below: no phone numbers, names or free-text descriptions ever reach a spool, because
the writer rejects any other key.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final

from warehouse.cities import CITY_CODES, REGISTRY, canonical_city

__all__ = ["CITIES", "canonical_city"]  # re-exported: the registry is warehouse.cities

# Field name -> DuckDB type as read back from a spool (JSON Lines).
RECORD_COLUMNS: Final[dict[str, str]] = {
    "source": "VARCHAR",
    "listing_id": "VARCHAR",
    "city": "VARCHAR",
    "district": "VARCHAR",
    "district_raw": "VARCHAR",
    "rooms": "INTEGER",
    "area_m2": "DOUBLE",
    "floor": "INTEGER",
    "floors_total": "INTEGER",
    "price": "BIGINT",
    "currency": "VARCHAR",
    "price_period": "VARCHAR",
    "owner_type": "VARCHAR",
    "bumped_on": "DATE",
    "url": "VARCHAR",
    "title": "VARCHAR",
    "observed_at": "TIMESTAMPTZ",
    "origin": "VARCHAR",
    "run_id": "VARCHAR",
    # Provenance of a crawled sighting: the page parser's version and the WARC response
    # record the row was derived from (None for imports and for runs before WARCs).
    "parser_version": "INTEGER",
    "warc_record_id": "VARCHAR",
}
REQUIRED: Final = (
    "source", "listing_id", "city", "price", "currency", "price_period", "observed_at", "origin",
    "run_id",
)  # fmt: skip

ORIGINS: Final = ("live", "archive", "import", "simulated")
PRICE_PERIODS: Final = ("month", "day", "hour")
CURRENCIES: Final = ("KZT", "USD", "EUR", "RUB")
OWNER_TYPES: Final = ("owner", "specialist", "company")
# Every registered city's code (warehouse.cities is the registry).
CITIES: Final = CITY_CODES
# The observation day of every city is its Almaty calendar day: one convention for the key
# across the country (western cities run an hour behind only until March 2024).
LOCAL_TIMEZONE: Final = "Asia/Almaty"

# Plausibility bounds: outside them a value is a typo or a parse error, never a flat.
MAX_PRICE: Final = 10_000_000_000
ROOMS_RANGE: Final = (0, 20)
AREA_RANGE: Final = (5.0, 2000.0)
FLOOR_RANGE: Final = (-2, 200)
MAX_PARSER_VERSION: Final = 2**31 - 1  # an INTEGER column


class RecordError(ValueError):
    """A record breaks a rule; the message names the field."""


def _check_int(record: Mapping[str, Any], field: str, low: float, high: float) -> None:
    value = record.get(field)
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise RecordError(f"{field} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise RecordError(f"{field} {value} is outside the plausible range {low}..{high}")


def validate_record(record: Mapping[str, Any]) -> None:
    """Raise :class:`RecordError` unless ``record`` may be spooled."""
    unknown = set(record) - RECORD_COLUMNS.keys()
    if unknown:
        raise RecordError(f"fields not allowed in an observation: {', '.join(sorted(unknown))}")
    missing = [f for f in REQUIRED if record.get(f) in (None, "")]
    if missing:
        raise RecordError(f"missing {', '.join(missing)}")
    if record["city"] not in REGISTRY:
        raise RecordError(f"city {record['city']!r} is not a registered city code")
    if record["origin"] not in ORIGINS:
        raise RecordError(f"origin {record['origin']!r} is not one of {', '.join(ORIGINS)}")
    if record["price_period"] not in PRICE_PERIODS:
        raise RecordError(f"price_period {record['price_period']!r} is not one of {PRICE_PERIODS}")
    if record["currency"] not in CURRENCIES:
        raise RecordError(f"currency {record['currency']!r} is not one of {', '.join(CURRENCIES)}")
    _check_int(record, "price", 1, MAX_PRICE)
    _check_int(record, "rooms", *ROOMS_RANGE)
    _check_int(record, "floor", *FLOOR_RANGE)
    _check_int(record, "floors_total", 1, FLOOR_RANGE[1])
    _check_int(record, "parser_version", 1, MAX_PARSER_VERSION)
    area = record.get("area_m2")
    if area is not None and not (
        isinstance(area, int | float) and AREA_RANGE[0] <= area <= AREA_RANGE[1]
    ):
        raise RecordError(f"area_m2 {area!r} is outside the plausible range {AREA_RANGE}")
    owner = record.get("owner_type")
    if owner is not None and owner not in OWNER_TYPES:
        raise RecordError(f"owner_type {owner!r} is not one of {', '.join(OWNER_TYPES)}")
    observed = record["observed_at"]
    if not isinstance(observed, datetime) or observed.tzinfo is None:
        raise RecordError("observed_at must be a timezone-aware datetime")
    bumped = record.get("bumped_on")
    if bumped is not None and not isinstance(bumped, date):
        raise RecordError("bumped_on must be a date")
