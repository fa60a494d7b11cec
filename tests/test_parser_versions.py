"""Each page parser's PARSER_VERSION moves with what it reads out of a page.

Observations carry the version of the parser that derived them, and `rentwatch reparse`
replaces an older version's rows with a newer one's (and never the other way round), so a
change in what a parser reads must come with a new version. This test parses a fixed set of
pages in every markup the tests know and compares a digest of everything parsed with the
one recorded for the module's current version. When it fails:

- the parser's output changed on purpose: bump ``PARSER_VERSION`` in the module and record
  the new digest below (the test prints it);
- only the pages below changed (a fixture was edited): record the new digest, same version.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, Final

import pytest

from scrapers.items import ParsedPage
from scrapers.parse import krisha, olx
from tests.loopback import krisha_page, make_listings, olx_page
from tests.test_parse_krisha import card_2022, card_2025, page, search
from tests.test_parse_olx import ad, state_page

# module -> (PARSER_VERSION, digest of its output on the pages below)
FINGERPRINTS: Final = {
    "krisha": (1, "f74b50c163ded0d0"),
    "olx": (1, "1452909366394cb0"),
}
SEEN: Final = datetime(2022, 10, 13, 4, 0, tzinfo=UTC)


def krisha_pages() -> list[str | bytes]:
    listings = make_listings("almaty", 45, seed=7)
    astana = make_listings("astana", 25, seed=7)
    return [
        *(krisha_page(listings, slug="almaty", page=p, total=45, day=SEEN) for p in (1, 3)),
        krisha_page(astana, slug="nur-sultan", page=2, total=25, day=SEEN, layout="broken"),
        page(card_2022(), card_2022("679550758", price="Договорная"), jsdata=search()),
        page(card_2022("1", title="Квартира", day="вчера"), card_2022(footer="user-company")),
        page(card_2025(), card_2025("681000001", city="Алматы", address="Гагарина 311"), era=2025),
        page(card_2025(), highlighted=(card_2025("681000002"),), era=2025, jsdata=search("astana")),
    ]


def olx_pages() -> list[str | bytes]:
    return [
        olx_page(make_listings("almaty", 30, seed=7), page=1, day=SEEN),
        state_page([ad(), ad(102, title="Сдам 1-комн, +7 701 123 45 67"), ad(103, location={})]),
        state_page([ad(104, price={"regularPrice": {"value": 500, "currencyCode": "USD"}})]),
    ]


def digest(parser: Any, pages: list[str | bytes]) -> str:
    def facts(parsed: ParsedPage) -> dict[str, Any]:
        return {
            "snapshots": [asdict(s) for s in parsed.snapshots],
            "dropped": dict(sorted(parsed.dropped.items())),
            "page": [parsed.page, parsed.last_page, parsed.total, parsed.cards_seen],
            "promoted": sorted(parsed.promoted_ids),
        }

    out = [facts(parser(p, SEEN, city="almaty")) for p in pages]
    text = json.dumps(out, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@pytest.mark.parametrize(
    ("name", "module", "pages"),
    [("krisha", krisha, krisha_pages), ("olx", olx, olx_pages)],
)
def test_parser_version_moves_with_its_output(name: str, module: Any, pages: Any) -> None:
    version, recorded = FINGERPRINTS[name]
    now = digest(module.parse_search_page, pages())
    assert (module.PARSER_VERSION, now) == (version, recorded), (
        f"scrapers/parse/{name}.py reads these pages differently now (digest {now}): bump its "
        "PARSER_VERSION if the parser changed, then record the version and digest in "
        "tests/test_parser_versions.py"
    )
