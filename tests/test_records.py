"""The observation record's rules, as a table."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from tests.factories import record
from warehouse.records import RecordError, canonical_city, validate_record


def test_a_complete_record_is_valid() -> None:
    validate_record({**record(), "run_id": "r1"})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"phone": "+7 701 000 00 00"}, "not allowed"),
        ({"description": "звоните"}, "not allowed"),
        ({"price": None}, "missing price"),
        ({"price": -5}, "price -5"),
        ({"price": 10.5}, "whole number"),
        ({"city": "atlantis"}, "city"),
        ({"origin": "made-up"}, "origin"),
        ({"currency": "XYZ"}, "currency"),
        ({"price_period": "week"}, "price_period"),
        ({"rooms": 40}, "rooms 40"),
        ({"area_m2": 0.5}, "area_m2"),
        ({"owner_type": "landlord"}, "owner_type"),
        ({"observed_at": datetime(2022, 10, 13)}, "timezone-aware"),
        ({"bumped_on": "13 окт."}, "bumped_on"),
    ],
)
def test_broken_records_name_the_field(change: dict[str, Any], message: str) -> None:
    with pytest.raises(RecordError, match=message):
        validate_record({**record(), "run_id": "r1", **change})


def test_optional_fields_may_be_absent() -> None:
    minimal = {
        k: v for k, v in record().items() if k not in {"district", "rooms", "area_m2", "floor"}
    }
    validate_record({**minimal, "run_id": "r1", "bumped_on": date(2022, 10, 13)})


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("Алматы", "almaty"),
        ("alma-ata", "almaty"),
        ("Нур-Султан", "astana"),
        (" astana ", "astana"),
        ("Шымкент", "shymkent"),
        ("Қарағанды", "karaganda"),
        ("Усть-Каменогорск", "ust-kamenogorsk"),
        ("Париж", None),
    ],
)
def test_canonical_city(text: str, city: str | None) -> None:
    assert canonical_city(text) == city
