"""The city registry: every city krisha lists, one table, one-line errors for unknown ones."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from rentwatch.settings import CitySettings, Settings
from scrapers.parse.cities import city_of_slug
from scrapers.spiders.params import KrishaParams, OlxParams, SpiderArgumentError, parse_args
from warehouse.cities import REGISTRY, UnknownCity, canonical_city
from warehouse.errors import RentwatchError

PAGES = Path(__file__).resolve().parents[1] / "../shared/kz_rents/reference_pages"
FOOTER_LINK = re.compile(r'href="/arenda/kvartiry/([a-z-]+)/">Аренда квартиры в ')


def test_the_registry_is_every_city_of_krishas_footer() -> None:
    pages = (
        "krisha_search_almaty_longterm_p2_2022-10-13.html",
        "krisha_search_astana_2025-06-19.html",
    )
    if not all((PAGES / p).exists() for p in pages):
        pytest.skip("../shared/kz_rents/reference_pages is absent")
    footers = [set(FOOTER_LINK.findall((PAGES / p).read_text(encoding="utf-8"))) for p in pages]
    assert all(len(f) >= 20 for f in footers)
    # 2022 lists Baikonur, which 2025 no longer does; 2025 leaves out its own city, Astana.
    assert footers[0] | footers[1] == {c.krisha_slug() for c in REGISTRY}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("almaty", "almaty"),
        ("Алматы", "almaty"),
        ("alma-ata", "almaty"),
        ("Нур-Султан", "astana"),
        ("nur-sultan", "astana"),
        ("Шымкент", "shymkent"),
        ("Қарағанды", "karaganda"),
        ("Karaganda", "karaganda"),
        ("Өскемен", "ust-kamenogorsk"),
        ("Усть-Каменогорск", "ust-kamenogorsk"),
        ("Oral", "uralsk"),
        ("Петропавл", "petropavlovsk"),
        ("kostanay", "kostanaj"),
        ("Конаев (Капчагай)", "konaev"),
        ("  ТАРАЗ ", "taraz"),
        ("Атлантида", None),
        ("bishkek", None),
    ],
)
def test_any_name_or_slug_resolves_to_the_code(text: str, code: str | None) -> None:
    assert canonical_city(text) == code


def test_astanas_krisha_slug_follows_its_eras() -> None:
    astana = REGISTRY.get("astana")
    assert astana.krisha_slug(date(2018, 6, 1)) == "astana"
    assert astana.krisha_slug(date(2022, 9, 28)) == "nur-sultan"
    assert astana.krisha_slug(date(2022, 10, 13)) == "astana"
    assert astana.krisha_slug() == "astana"
    assert astana.all_krisha_slugs == ("astana", "nur-sultan")


def test_an_unknown_city_is_one_line_listing_the_known_ones() -> None:
    with pytest.raises(UnknownCity) as caught:
        REGISTRY.get("atlantis")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("unknown city 'atlantis'; known: almaty, astana, ")
    assert all(code in message for code in REGISTRY.codes)


def test_names_and_roles() -> None:
    assert REGISTRY.get("shymkent").name("kk") == "Шымкент"
    assert REGISTRY.get("karaganda").name("ru") == "Караганда"
    assert REGISTRY.treated == ("almaty", "astana")
    assert {"shymkent", "turkestan", "taraz", "kokshetau"} <= set(REGISTRY.comparison)
    # krisha.kz saw rents rise by up to 50% there in September 2022: not a comparison.
    assert not {"uralsk", "aktobe", "kostanaj", "petropavlovsk", "pavlodar"} & set(
        REGISTRY.comparison
    )
    assert REGISTRY.get("talgar").satellite_of == "almaty"
    assert len(REGISTRY.comparison) >= 10


def test_roles_are_a_setting() -> None:
    changed = REGISTRY.with_roles({"Кокшетау": "border", "uralsk": "comparison"})
    assert "kokshetau" not in changed.comparison and "uralsk" in changed.comparison
    assert "kokshetau" in REGISTRY.comparison  # the registry itself is unchanged
    with pytest.raises(RentwatchError, match="unknown city role 'donor'"):
        REGISTRY.with_roles({"taraz": "donor"})
    with pytest.raises(UnknownCity):
        REGISTRY.with_roles({"atlantis": "border"})


def test_the_crawl_list_defaults_to_the_treated_cities_and_the_comparison_pool() -> None:
    settings = Settings()
    assert settings.crawl_cities() == ("almaty", "astana", *REGISTRY.comparison)
    assert settings.crawl_cities(["Шымкент", "nur-sultan"]) == ("shymkent", "astana")
    moved = Settings(cities=CitySettings(roles={"taraz": "border"}))
    assert "taraz" not in moved.crawl_cities()
    listed = Settings(cities=CitySettings(crawl=["karaganda"]))
    assert listed.crawl_cities() == ("karaganda",)
    with pytest.raises(UnknownCity):
        settings.crawl_cities(["atlantis"])


def test_slugs_with_district_suffixes_name_their_city() -> None:
    assert city_of_slug("almaty-bostandykskij") == "almaty"
    assert city_of_slug("ust-kamenogorsk") == "ust-kamenogorsk"
    assert city_of_slug("ust-kamenogorsk-ulbinskij") == "ust-kamenogorsk"
    assert city_of_slug("nur-sultan-esilskij") == "astana"
    assert city_of_slug("atlantis") is None


def test_spiders_take_any_registered_city() -> None:
    assert parse_args(KrishaParams, {"city": "Караганда"}).city == "karaganda"
    assert parse_args(OlxParams, {"city": "shymkent"}).city == "shymkent"
    with pytest.raises(SpiderArgumentError, match="olx has no known slug for lisakovsk"):
        parse_args(OlxParams, {"city": "lisakovsk"})


def test_index_and_status_cover_every_city_with_listings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import timedelta

    from rentwatch.cli import main
    from tests.index_markets import load_market, sighting

    weeks = [date(2022, 9, 5) + timedelta(weeks=i) for i in range(3)]
    records = [
        sighting(f"{city[:3]}{w}-{i}", day, 100_000 + 1_000 * i, city=city, district=None)
        for city in ("almaty", "shymkent", "karaganda")
        for w, day in enumerate(weeks)
        for i in range(8)
    ]
    db = load_market(tmp_path, records)
    with pytest.raises(SystemExit) as done:
        main(["--db", str(db), "index", "--method", "median"])
    assert done.value.code in (0, None)
    printed = capsys.readouterr().out
    for city in ("almaty", "shymkent", "karaganda"):
        assert f"stored {city} median W stock: 3 periods" in printed
    assert "astana" not in printed
    with pytest.raises(SystemExit):
        main(["--db", str(db), "db", "status"])
    status = capsys.readouterr().out
    assert "shymkent        comparison krisha simulated" in status
    assert "karaganda         1 series  median" in status


def test_a_comparison_panel_is_one_call_for_any_city(tmp_path: Path) -> None:
    from datetime import timedelta

    from analysis.index.panel import comparison_panel
    from tests.index_markets import load_market, sighting
    from warehouse import open_reader

    weeks = [date(2022, 9, 5) + timedelta(weeks=i) for i in range(3)]
    level = {"almaty": 150_000, "shymkent": 100_000, "taraz": 80_000}
    records = [
        sighting(f"{city[:3]}{w}-{i}", day, level[city] + 1_000 * i, city=city, district=None)
        for city in level
        for w, day in enumerate(weeks)
        for i in range(6)
    ]
    db = load_market(tmp_path, records)
    with open_reader(db, retry_timeout=1) as conn:
        panel = comparison_panel(conn, treated="Алматы", method="median", flow=False)
    assert panel.treated == "almaty"
    assert panel.donors == ("shymkent", "taraz")  # the comparison pool's cities with data
    assert "turkestan" in panel.missing
    assert list(panel.values.columns) == ["almaty", "shymkent", "taraz"]
    assert len(panel.values) == 3
    assert panel.values["shymkent"].iloc[0] == pytest.approx(102_500)
    assert set(panel.long()["city"]) == {"almaty", "shymkent", "taraz"}
    assert panel.simulated
