"""The krisha parser against real pages (../shared/kz_rents/reference_pages; skipped if absent).

The expected tables were written by reading the pages' cards by hand (title, price, address
line, footer class), not by copying the parser's output.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from scrapers.items import ParsedPage
from scrapers.parse.districts import parse_district
from scrapers.parse.krisha import parse_search_page
from scrapers.parse.price import Price, parse_price
from scrapers.parse.title import TitleFacts, parse_title
from warehouse.records import validate_record

PAGE_2022 = "krisha_search_almaty_longterm_p2_2022-10-13.html"
PAGE_2025 = "krisha_search_astana_2025-06-19.html"
CARDS_2022 = "krisha_almaty_longterm_cards_2022-10-13.csv"
SEEN_2022 = datetime(2022, 10, 13, 9, 0, tzinfo=UTC)  # 15:00 in Almaty, the day of the commit
SEEN_2025 = datetime(2025, 6, 19, 9, 0, tzinfo=UTC)

# id, price (KZT per month), rooms, area m², floor, floors, district, owner type
EXPECTED_2022 = [
    ("678106181", 300_000, 1, 40.0, 9, 12, "Алатауский", "owner"),
    ("679550758", 250_000, 1, 22.0, 3, 5, "Ауэзовский", "owner"),
    ("679555957", 900_006, 2, 72.0, 11, 16, "Бостандыкский", "specialist"),
    ("679548491", 250_000, 1, 40.0, 3, 9, "Бостандыкский", "company"),
    ("679554926", 800_000, 3, 100.0, 9, 13, "Алмалинский", "owner"),
    ("679536182", 200_000, 1, 40.0, 7, 9, "Ауэзовский", "specialist"),
    ("678339522", 1_000_000, 3, 158.0, 4, 15, "Медеуский", "specialist"),
    ("678645843", 700_000, 3, 77.0, 3, 5, "Медеуский", "specialist"),
    ("679402873", 1_500_000, 4, 180.0, 2, 19, "Бостандыкский", "owner"),
    ("679266710", 470_000, 2, 43.0, 2, 5, "Алмалинский", "owner"),
    ("679368424", 1_000_000, 4, 100.0, 14, 16, "Бостандыкский", "company"),
    ("679555551", 450_000, 2, 65.0, 7, 18, "Алатауский", "company"),
    ("676890366", 500_000, 3, 70.0, 3, 8, "Алмалинский", "specialist"),
    ("666289707", 1_550_000, 3, 150.0, 3, 7, "Медеуский", "owner"),
    ("679480327", 500_000, 2, 50.0, 2, 3, "Алмалинский", "specialist"),
    ("679501642", 1_700_000, 4, 175.0, 20, 21, "Бостандыкский", "specialist"),
    ("679510928", 750_000, 3, 75.0, 4, 9, "Алмалинский", "specialist"),
    ("664404974", 850_000, 2, 90.0, 8, 16, "Медеуский", "specialist"),
    ("679551849", 600_000, 2, 50.0, 5, 5, "Медеуский", "owner"),
    ("679152240", 800_000, 3, 66.0, 3, 5, "Ауэзовский", "owner"),
]

# id, price, rooms, area, floor, floors, district (canonical), district as printed, owner type
EXPECTED_2025 = [
    # the three "hot" cards at the top of the list
    ("1001920010", 150_000, 2, 40.0, None, None, "Алматинский", "Алматы р-н", "specialist"),
    ("1002689596", 130_000, 1, 38.0, 6, 7, "Сарыаркинский", "Сарыарка р-н", "company"),
    ("1002467569", 140_000, 1, 41.0, 3, 6, "Байконурский", "р-н Байконур", "specialist"),
    # the 20 regular cards
    ("681028260", 150_000, 1, 40.0, 5, 9, "Есильский", "Есильский р-н", "company"),
    ("1000407066", 150_000, 1, 42.0, 5, 9, "Нура", "Нура р-н", "owner"),
    ("1002626458", 135_000, 1, 35.0, 3, 5, "Есильский", "Есильский р-н", "owner"),
    ("694875414", 120_000, 1, 30.0, 7, 14, "Сарыаркинский", "Сарыарка р-н", "specialist"),
    ("696651407", 145_000, 1, 46.0, 4, 6, "Сарыаркинский", "Сарыарка р-н", "specialist"),
    ("1002690292", 150_000, 1, 38.0, 4, 18, "Сарыаркинский", "Сарыарка р-н", "owner"),
    ("688355606", 120_000, 1, 20.0, 4, 5, "Алматинский", "Алматы р-н", "owner"),
    ("1002672601", 105_000, 1, 35.0, 10, 10, "Байконурский", "р-н Байконур", "specialist"),
    ("696942311", 150_000, 1, 40.0, None, None, "Байконурский", "р-н Байконур", "specialist"),
    ("696903631", 150_000, 1, 38.0, 8, 14, "Байконурский", "р-н Байконур", "owner"),
    ("761763281", 130_000, 1, 35.0, 1, 5, "Есильский", "Есильский р-н", "owner"),
    ("761334584", 130_000, 1, 45.0, None, None, None, None, "specialist"),  # "Сауран 9"
    ("672473772", 90_000, 1, 20.0, 10, 10, "Байконурский", "р-н Байконур", "owner"),
    ("684194300", 130_000, 1, 25.0, 2, 4, "Сарыаркинский", "Сарыарка р-н", "owner"),
    ("683343202", 130_000, 1, 36.0, 13, 14, "Сарыаркинский", "Сарыарка р-н", "owner"),
    ("1002629953", 140_000, 1, 27.0, 4, 6, "Сарыаркинский", "Сарыарка р-н", "owner"),
    ("685622645", 150_000, 1, 38.0, 12, 12, "Сарыаркинский", "Сарыарка р-н", "specialist"),
    ("689941794", 130_000, 1, 37.0, 2, 5, "Сарыаркинский", "Сарыарка р-н", "specialist"),
    ("1002388751", 150_000, 1, 45.0, None, None, "Алматинский", "Алматы р-н", "specialist"),
    ("1002388315", 130_000, 1, 37.0, None, None, "Сарыаркинский", "Сарыарка р-н", "specialist"),
]


@pytest.fixture(scope="module")
def page_2022(reference_pages: Path) -> ParsedPage:
    return parse_search_page((reference_pages / PAGE_2022).read_bytes(), SEEN_2022)


@pytest.fixture(scope="module")
def page_2025(reference_pages: Path) -> ParsedPage:
    return parse_search_page((reference_pages / PAGE_2025).read_bytes(), SEEN_2025)


def test_2022_almaty_page_all_twenty_cards(page_2022: ParsedPage) -> None:
    got = [
        (
            s.listing_id,
            s.price,
            s.rooms,
            s.area_m2,
            s.floor,
            s.floors_total,
            s.district,
            s.owner_type,
        )
        for s in page_2022.snapshots
    ]
    assert got == EXPECTED_2022
    assert page_2022.cards_seen == 20
    assert page_2022.dropped == Counter()


def test_2022_almaty_page_shared_fields(page_2022: ParsedPage) -> None:
    for snap in page_2022.snapshots:
        assert snap.source == "krisha"
        assert snap.city == "almaty"
        assert snap.currency == "KZT"
        assert snap.price_period == "month"
        assert snap.bumped_on == date(2022, 10, 13)
        assert snap.district_raw == f"{snap.district} р-н"
        assert snap.url == f"https://krisha.kz/a/show/{snap.listing_id}"
        assert snap.title is not None and snap.title.endswith("этаж на длительный срок")


def test_2022_almaty_page_pagination(page_2022: ParsedPage) -> None:
    assert (page_2022.page, page_2022.last_page, page_2022.total) == (2, 160, 3184)


def test_2025_astana_page_all_cards(page_2025: ParsedPage) -> None:
    got = [
        (
            s.listing_id, s.price, s.rooms, s.area_m2, s.floor, s.floors_total, s.district,
            s.district_raw, s.owner_type,
        )
        for s in page_2025.snapshots
    ]  # fmt: skip
    assert got == EXPECTED_2025
    assert page_2025.cards_seen == 23
    assert page_2025.dropped == Counter()
    assert {s.city for s in page_2025.snapshots} == {"astana"}
    assert {s.price_period for s in page_2025.snapshots} == {"month"}
    assert {s.bumped_on for s in page_2025.snapshots} == {date(2025, 6, 18)}


def test_2025_astana_page_pagination_and_promoted(page_2025: ParsedPage) -> None:
    assert (page_2025.page, page_2025.last_page, page_2025.total) == (1, 18, 356)
    assert page_2025.promoted_ids == {"1001920010", "1002689596", "1002467569"}


def test_2025_promoted_cards_seen_on_an_earlier_page_are_dropped(reference_pages: Path) -> None:
    body = (reference_pages / PAGE_2025).read_bytes()
    again = parse_search_page(body, SEEN_2025, seen_ids={"1001920010", "1002689596", "1002467569"})
    assert len(again.snapshots) == 20
    assert again.dropped == Counter({"duplicate_id": 3})


def test_real_pages_make_valid_spool_records(page_2022: ParsedPage, page_2025: ParsedPage) -> None:
    for snap in page_2022.snapshots + page_2025.snapshots:
        validate_record({**snap.to_record(SEEN_2022, "live"), "run_id": "conformance"})


def test_2022_csv_titles_and_prices_parse(reference_pages: Path) -> None:
    """The 2,721 cards scraped from the same search: ≥ 99% give rooms, area and a KZT price."""
    with (reference_pages / CARDS_2022).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2721
    parsed = 0
    districts = 0
    for row in rows:
        facts = parse_title(row["title"])
        price = parse_price(row["price"])
        if (
            isinstance(facts, TitleFacts)
            and facts.rooms is not None
            and facts.area_m2 is not None
            and facts.period == "month"
            and isinstance(price, Price)
            and price.currency == "KZT"
        ):
            parsed += 1
        districts += parse_district("almaty", row["address"])[0] is not None
    assert parsed / len(rows) >= 0.99
    # 2,587 rows begin with one of the city's eight districts (site_structure.md §1.3).
    assert districts == 2587
