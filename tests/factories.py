"""Small builders for observation records and spools, shared by warehouse tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from warehouse.spool import SpoolWriter

ALMATY = timezone(timedelta(hours=6))  # UTC+6 in 2022


def record(listing_id: str | int = "1", **fields: Any) -> dict[str, Any]:
    """A valid krisha record for Almaty, observed 13 Oct 2022 10:00 local; override any field."""
    base: dict[str, Any] = {
        "source": "krisha",
        "listing_id": str(listing_id),
        "city": "almaty",
        "district": "Бостандыкский",
        "district_raw": "Бостандыкский р-н",
        "rooms": 1,
        "area_m2": 40.0,
        "floor": 5,
        "floors_total": 9,
        "price": 300_000,
        "currency": "KZT",
        "price_period": "month",
        "owner_type": "owner",
        "url": f"/a/show/{listing_id}",
        "title": "1-комнатная квартира, 40 м², 5/9 этаж",
        "observed_at": datetime(2022, 10, 13, 10, 0, tzinfo=ALMATY),
        "origin": "live",
    }
    base.update(fields)
    return base


def write_spool(
    spool_dir: Path,
    records: Iterable[dict[str, Any]],
    *,
    spider: str = "krisha",
    origin: str = "live",
) -> Path:
    with SpoolWriter(
        spool_dir, spider=spider, origin=origin, source="krisha", cities=["almaty"]
    ) as spool:
        for r in records:
            spool.write(r)
    return spool.path
