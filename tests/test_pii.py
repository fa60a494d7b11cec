"""No personal data survives: the one scrubber over every free-text field (warehouse.pii)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scrapers.parse.krisha import parse_search_page as parse_krisha
from scrapers.parse.olx import parse_search_page as parse_olx
from warehouse.pii import (
    EMAIL,
    NAME,
    PHONE,
    find_personal_data,
    scrub,
    scrub_url,
    url_personal_data,
)

NBSP = "\u00a0"

# (text as people write it, the personal part that must go). Phones: mobile and city numbers,
# every prefix and separator seen in ads; e-mails plain and disguised; names after a cue word.
CORPUS = [
    ("8(7172)55-66-77", "55-66-77"),
    ("701.234.56.81", "234.56.81"),
    ("+7 705 12 34 567", "12 34 567"),
    ("+7 (777) 123-45-67", "123-45-67"),
    ("8 777 123 45 67", "123 45 67"),
    ("87771234567", "87771234567"),
    ("+77011234567", "77011234567"),
    ("7011234567", "7011234567"),
    ("8-701-123-45-67", "123-45-67"),
    ("8 (701) 123 45 67", "123 45 67"),
    ("+7-701-1234567", "1234567"),
    ("8.701.123.45.67", "123.45.67"),
    ("8/701/1234567", "1234567"),
    (f"8{NBSP}701{NBSP}123{NBSP}45{NBSP}67", "45"),
    ("8\u2012701\u2012123\u20124567", "4567"),  # figure dashes
    ("+7 7172 55 66 77", "55 66 77"),
    ("8 727 255 66 77", "255 66 77"),
    ("255-66-77", "255-66-77"),
    ("55-66-77", "55-66-77"),
    ("тел. 2556677", "2556677"),
    ("WhatsApp: 8 701 1234567", "1234567"),
    ("ватсап +7(701)1234567", "1234567"),
    ("Сдам, звоните 87011234567", "87011234567"),
    ("ivan.petrov@mail.ru", "ivan.petrov"),
    ("пишите: aigul_85@gmail.com", "aigul_85"),
    ("ivan (at) mail.ru", "ivan"),
    ("ivan[at]mail[dot]ru", "ivan"),
    ("aliya собака mail точка ru", "aliya"),
    ("telegram @arenda_almaty_bot", "@arenda_almaty_bot"),
    ("звоните Марат", "Марат"),
    ("Хозяйка Анна, без посредников", "Анна"),
    ("спросить Ивана", "Ивана"),
    ("меня зовут Ерлан Сапаров", "Ерлан"),
    ("собственник: Гульнара", "Гульнара"),
    ("Обращаться к Айгерим", "Айгерим"),
    ("звоните 87011234567 Марат", "Марат"),
    ("Сдам 1-комн на Абая, тел 8 701 234 56 78 Алия", "Алия"),
]

# Free text that carries none and must come out unchanged.
CLEAN = [
    "1-комнатная квартира, 40 м², 9/12 этаж на длительный срок",
    "2-комнатная квартира · 60 м² · 7/10 этаж, Култегин 19/1",
    "Бостандыкский р-н, Розыбакиева 320",
    "мкр Аксай-1 10 — Саина - Толе би пересечение",
    "р-н Байконур, Жубанова 23 — Абая",
    "Квартира от собственника, без посредников",
    "Сдам квартиру на длительный срок, 300 000 тг",
    "цена 1 700 000 000 тг за дом",
    "Есильский район",
    "ЖК Хайвил Астана, блок 3, кв 12",
]


@pytest.mark.parametrize(("text", "personal"), CORPUS, ids=[c[0] for c in CORPUS])
def test_the_scrubber_removes_every_format(text: str, personal: str) -> None:
    cleaned = scrub(f"Сдаю квартиру {text} срочно")
    assert cleaned is not None
    assert personal not in cleaned
    assert any(marker in cleaned for marker in (PHONE, EMAIL, NAME))
    assert find_personal_data(cleaned) == []
    assert find_personal_data(text) != []


def test_the_corpus_has_at_least_thirty_formats() -> None:
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("text", CLEAN)
def test_the_scrubber_leaves_listing_text_alone(text: str) -> None:
    assert scrub(text) == text
    assert find_personal_data(text) == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.olx.kz/d/obyavlenie/sdam-kvartiru-zvonite-87011234567-marat-IDabc12.html",
            "https://www.olx.kz/d/obyavlenie/sdam-kvartiru-zvonite-x-x-IDabc12.html",
        ),
        (
            "https://www.olx.kz/d/obyavlenie/kvartira-ivan%40mail.ru-IDq1.html",
            "https://www.olx.kz/d/obyavlenie/kvartira-x-IDq1.html",
        ),
        ("https://krisha.kz/a/show/7012345678", "https://krisha.kz/a/show/7012345678"),
        (
            "https://www.olx.kz/d/obyavlenie/sdam-2-komnatnuyu-kvartiru-IDabc12.html",
            "https://www.olx.kz/d/obyavlenie/sdam-2-komnatnuyu-kvartiru-IDabc12.html",
        ),
    ],
)
def test_urls_lose_personal_words_but_keep_ids(url: str, expected: str) -> None:
    assert scrub_url(url) == expected
    assert url_personal_data(expected) == []


SEEN = datetime(2025, 6, 19, 9, 0, tzinfo=UTC)


def _olx_page(title: str, district: str, url: str) -> bytes:
    import json

    ad = {
        "id": 900001,
        "title": title,
        "url": url,
        "price": {"regularPrice": {"value": 250000, "currencyCode": "KZT"}},
        "params": [
            {"key": "number_of_rooms", "normalizedValue": "2"},
            {"key": "total_area", "normalizedValue": "54"},
        ],
        "location": {"cityName": "Алматы", "districtName": district},
    }
    state = {"listing": {"listing": {"ads": [ad], "totalPages": 1, "currentPage": 1}}}
    script = f"window.__PRERENDERED_STATE__= {json.dumps(json.dumps(state, ensure_ascii=False))};"
    return f"<html><body><script>{script}</script></body></html>".encode()


def test_olx_title_district_and_url_are_scrubbed() -> None:
    page = parse_olx(
        _olx_page(
            "2-комн квартира, звоните Марат 8 701 234 56 78, ivan@mail.ru",
            "Бостандыкский район тел 87011234567",
            "/d/obyavlenie/sdam-zvonite-87011234567-marat-ID9xyz.html",
        ),
        SEEN,
        city="almaty",
    )
    [snap] = page.snapshots
    for text in (snap.title, snap.district_raw):
        assert find_personal_data(text) == [], text
    assert url_personal_data(snap.url) == []
    assert "Марат" not in (snap.title or "") and "marat" not in (snap.url or "")


def test_krisha_title_and_address_are_scrubbed() -> None:
    card = """<section class="a-list a-search-list"><div data-id="679000001" class="a-card">
      <a class="a-card__title" href="/a/show/679000001">1-комнатная квартира, 40 м², 9/12 этаж
        на длительный срок, хозяйка Анна 87011234567</a>
      <div class="a-card__price">300&nbsp;000&nbsp;<span>〒</span></div>
      <div class="a-card__subtitle">Бостандыкский р-н тел 8 701 234 56 78, Абая 1</div>
      <div class="a-card__footer user-owner"></div>
      <div class="card-stats"><div class="card-stats__item">Алматы</div></div>
    </div></section>"""
    page = parse_krisha(f"<html><body>{card}</body></html>", SEEN, city="almaty")
    [snap] = page.snapshots
    assert find_personal_data(snap.title) == []
    assert "Анна" not in (snap.title or "")
    assert snap.price == 300_000 and snap.rooms == 1
