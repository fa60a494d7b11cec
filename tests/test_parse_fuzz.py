"""Fuzzing the krisha parser over the real pages: cut anywhere, mutated anywhere outside the
prices, separators swapped inside them: 0 crashes, 0 wrong prices stored, each parse within a
CPU-time budget (process time, so a busy shared machine cannot make it flake).

"Stored" is what the spider keeps: the parser's snapshots that pass the plausibility bounds
(here derived, as the spider derives them from the warehouse, from the 2,721 real Almaty
cards of the same day).
"""

from __future__ import annotations

import csv
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrapers.items import ParsedPage
from scrapers.parse.krisha import parse_search_page
from scrapers.parse.price import Price, parse_price
from scrapers.parse.title import TitleFacts, parse_title
from warehouse.plausible import PriceBounds

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "kz_rents" / "reference_pages"
PAGES = {
    "2022": (
        "krisha_search_almaty_longterm_p2_2022-10-13.html",
        datetime(2022, 10, 13, 9, tzinfo=UTC),
    ),
    "2025": ("krisha_search_astana_2025-06-19.html", datetime(2025, 6, 19, 9, tzinfo=UTC)),
}
CPU_BUDGET = 2.0  # seconds of CPU per parse; a real page takes 10-80 ms
FUZZ = settings(
    max_examples=25, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip
SEPARATORS = [" ", "\u00a0", "\u202f", "\u2009", "\u200a", "\u2007", "\u200b", "\u2060",
              "\ufeff", "’", "'", "_", "&nbsp;", "&#8239;", "&#x2009;"]  # fmt: skip
_PRICE_DIV = re.compile(rb'<div class="a-card__price">.*?</div>', re.S)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SHARED.is_dir(), reason="../shared reference pages absent"),
]


def _load(era: str) -> tuple[bytes, datetime]:
    name, seen = PAGES[era]
    return (SHARED / name).read_bytes(), seen


def _bounds() -> PriceBounds:
    prices = []
    with (SHARED / "krisha_almaty_longterm_cards_2022-10-13.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            price, facts = parse_price(row["price"]), parse_title(row["title"])
            if isinstance(price, Price) and isinstance(facts, TitleFacts) and facts.rooms:
                prices.append(("almaty", facts.rooms, price.currency, "month", price.amount))
    return PriceBounds.from_prices(prices)


BOUNDS = _bounds() if SHARED.is_dir() else PriceBounds()
EXPECTED = {
    era: {s.listing_id: s.price for s in parse_search_page(*_load(era)).snapshots}
    for era in (PAGES if SHARED.is_dir() else ())
}


def stored(body: bytes, seen: datetime) -> tuple[ParsedPage, dict[str, int], float]:
    started = time.process_time()
    parsed = parse_search_page(body, seen)
    spent = time.process_time() - started
    kept = {
        s.listing_id: s.price
        for s in parsed.snapshots
        if BOUNDS.check(s.city, s.rooms, s.price, s.currency, s.price_period)
    }
    return parsed, kept, spent


def wrong_prices(era: str, kept: dict[str, int]) -> list[tuple[str, int]]:
    expected = EXPECTED[era]
    known = set(expected.values())
    return [
        (lid, price)
        for lid, price in kept.items()
        if (lid in expected and expected[lid] != price)
        or (lid not in expected and price not in known)
    ]


def test_the_untouched_pages_store_every_price() -> None:
    for era in PAGES:
        _, kept, spent = stored(*_load(era))
        assert kept == EXPECTED[era]
        assert spent < CPU_BUDGET


@pytest.mark.parametrize("era", PAGES)
def test_every_cut_inside_a_price_stores_no_wrong_price(era: str) -> None:
    """Was: 255 of 3,755 cut points stored 3, 30 or 300 KZT."""
    body, seen = _load(era)
    spans = [m.span() for m in _PRICE_DIV.finditer(body)][:4]
    assert spans
    for start, end in spans:
        for cut in range(start, end + 1, 3):
            _, kept, spent = stored(body[:cut], seen)
            assert wrong_prices(era, kept) == [], cut
            assert spent < CPU_BUDGET


@FUZZ
@given(era=st.sampled_from(sorted(PAGES)), where=st.floats(0, 1))
def test_a_page_cut_anywhere_stores_no_wrong_price(era: str, where: float) -> None:
    body, seen = _load(era)
    _, kept, spent = stored(body[: int(len(body) * where)], seen)
    assert wrong_prices(era, kept) == []
    assert spent < CPU_BUDGET


@FUZZ
@given(
    era=st.sampled_from(sorted(PAGES)),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 6), st.binary(max_size=8)), min_size=1, max_size=6
    ),
)
def test_mutations_outside_the_prices_store_no_wrong_price(
    era: str, edits: list[tuple[float, int, bytes]]
) -> None:
    body, seen = _load(era)
    protected = [m.span() for m in _PRICE_DIV.finditer(body)]
    mutated = bytearray(body)
    for where, cut, insert in sorted(edits, reverse=True):
        at = int(len(mutated) * where)
        if any(a - 8 <= at <= b + 8 for a, b in protected):
            continue
        mutated[at : at + cut] = insert
    _, kept, spent = stored(bytes(mutated), seen)
    assert wrong_prices(era, kept) == []
    assert spent < CPU_BUDGET


@FUZZ
@given(era=st.sampled_from(sorted(PAGES)), separator=st.sampled_from(SEPARATORS))
def test_any_separator_inside_the_prices_reads_the_same_price(era: str, separator: str) -> None:
    body, seen = _load(era)

    def swap(match: re.Match[bytes]) -> bytes:
        return re.sub(rb"(?<=\d)&nbsp;(?=\d)", separator.encode(), match[0])

    _, kept, _ = stored(_PRICE_DIV.sub(swap, body), seen)
    assert kept == EXPECTED[era]


@FUZZ
@given(
    era=st.sampled_from(sorted(PAGES)),
    hostile=st.sampled_from([
        b"<div>" * 3000,
        b"\xd0\xb2 " * 40_000,
        b"<!--" + b"x" * 100_000,
        b"<img alt='" + b"\xd0\xb2 " * 30_000 + b"'>",
        b"\x00\xff" * 5000,
        b"<script>" + b"{" * 50_000,
    ]),
    where=st.floats(0, 1),
)  # fmt: skip
def test_hostile_insertions_stay_within_budget(era: str, hostile: bytes, where: float) -> None:
    body, seen = _load(era)
    at = int(len(body) * where)
    _, kept, spent = stored(body[:at] + hostile + body[at:], seen)
    assert wrong_prices(era, kept) == []
    assert spent < CPU_BUDGET


@pytest.mark.parametrize("price", [1, 3, 30, 300, 3000])
def test_an_absurd_almaty_price_is_implausible(price: int) -> None:
    assert not BOUNDS.check("almaty", 1, price, "KZT", "month")
    assert not PriceBounds().check("astana", 1, 1, "KZT", "month")  # no data: outer bounds


def test_every_real_price_is_plausible() -> None:
    for era in PAGES:
        for snap in parse_search_page(*_load(era)).snapshots:
            assert BOUNDS.check(snap.city, snap.rooms, snap.price, snap.currency, snap.price_period)
