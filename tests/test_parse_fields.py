"""The field parsers shared by both portals: price, title, period, card date, district."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers.parse.dates import local_date, parse_card_date
from scrapers.parse.districts import DISTRICTS, canonical_district, parse_district
from scrapers.parse.period import period_in
from scrapers.parse.price import Price, parse_price
from scrapers.parse.rejected import Rejected
from scrapers.parse.title import TitleFacts, parse_title
from warehouse.records import AREA_RANGE, FLOOR_RANGE, MAX_PRICE, ROOMS_RANGE

NBSP, NARROW_NBSP, THIN = "\u00a0", "\u202f", "\u2009"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # krisha 2022: NBSP between groups and before krisha's lookalike tenge sign U+3012
        (f"300{NBSP}000{NBSP}〒", Price(300_000, "KZT", None)),
        (f"\n   1{NBSP}000{NBSP}000{NBSP}〒\n", Price(1_000_000, "KZT", None)),
        (f"150{NARROW_NBSP}000{THIN}₸", Price(150_000, "KZT", None)),
        # krisha 2025: "за месяц" after the price
        (f"150{NBSP}000{NBSP}〒 за месяц", Price(150_000, "KZT", "month")),
        ("от 200 000 тг", Price(200_000, "KZT", None)),
        ("200 000 тенге", Price(200_000, "KZT", None)),
        ("80 000 тг.Договорная", Price(80_000, "KZT", None)),  # olx: a price open to bargaining
        ("15 000 〒 за сутки", Price(15_000, "KZT", "day")),
        ("3 000 〒 за час", Price(3_000, "KZT", "hour")),
        ("1.5 млн 〒", Price(1_500_000, "KZT", None)),  # krisha image captions
        ("~ 1.6 млн 〒", Price(1_600_000, "KZT", None)),
        # dollars are kept as dollars, never converted
        ("$1 000", Price(1_000, "USD", None)),
        ("1,200 USD", Price(1_200, "USD", None)),
        ("500 у.е.", Price(500, "USD", None)),
        ("700 €", Price(700, "EUR", None)),
        ("50 000 руб.", Price(50_000, "RUB", None)),
        ("12 345", Rejected("currency_unknown")),
        ("договорная", Rejected("price_negotiable")),
        ("Цена договорная", Rejected("price_negotiable")),
        ("", Rejected("no_price")),
        (None, Rejected("no_price")),
        (f"{NBSP} \n", Rejected("no_price")),
        ("бесплатно", Rejected("price_unparsed")),
        ("0 〒", Rejected("price_implausible")),
        ("99 999 999 999 〒", Rejected("price_implausible")),
        ("9" * 40 + " 〒", Rejected("price_unparsed")),
        ("300 000 〒 ($600)", Rejected("currency_ambiguous")),
        # every separator people and sites put between digit groups (issue 12: these gave 300)
        ("300’000 〒", Price(300_000, "KZT", None)),
        ("300'000 〒", Price(300_000, "KZT", None)),
        ("300_000 〒", Price(300_000, "KZT", None)),
        ("300\u200b000 〒", Price(300_000, "KZT", None)),  # zero-width space
        ("300\u2060000 〒", Price(300_000, "KZT", None)),  # word joiner
        ("300\ufeff000 〒", Price(300_000, "KZT", None)),
        ("300\u200a000\u2007〒", Price(300_000, "KZT", None)),  # hair and figure spaces
        ("1\u2009000\u202f000 ₸", Price(1_000_000, "KZT", None)),
        # the number by the currency sign, not the first in sight
        ("300 000 〒 + 20 тыс. коммунальные", Price(300_000, "KZT", None)),
        ("Цена: 1-комн. 300 000 〒", Price(300_000, "KZT", None)),
        ("2 комнаты, 300 000 тг в месяц", Price(300_000, "KZT", "month")),
        ("$ 500 + депозит 1 месяц", Price(500, "USD", None)),
        ("1 2", Rejected("currency_unknown")),
    ],
)
def test_parse_price(text: str | None, expected: Price | Rejected) -> None:
    assert parse_price(text) == expected


def test_bare_number_takes_the_default_currency() -> None:
    assert parse_price("300 000", default_currency="KZT") == Price(300_000, "KZT", None)
    assert parse_price("300 000 $", default_currency="KZT") == Price(300_000, "USD", None)


def test_several_numbers_and_no_currency_name_no_single_price() -> None:
    """A card cut inside its price ("300 0") or a text of two numbers is no price at all."""
    assert parse_price("300 0", default_currency="KZT") == Rejected("price_ambiguous")
    assert parse_price("1-комн. 300 000", default_currency="KZT") == Rejected("price_ambiguous")


LONG = "на длительный срок"
T = TitleFacts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"2-комнатная квартира, 87 м², 16/17 этаж {LONG}", T(2, 87.0, 16, 17, "month")),
        (f"2-комнатная квартира, 68.6 м², 12/16 этаж {LONG}", T(2, 68.6, 12, 16, "month")),
        (
            "1-комнатная\n    квартира, 40 м², 9/12 этаж на длительный\n срок",
            T(1, 40.0, 9, 12, "month"),
        ),
        (f"3-комнатная квартира, 150 м² {LONG}", T(3, 150.0, None, None, "month")),
        (f"1-комнатная квартира, 54 м², 10 этаж {LONG}", T(1, 54.0, 10, None, "month")),
        ("2-комнатная квартира, 52 м², 4/5 этаж помесячно", T(2, 52.0, 4, 5, "month")),
        ("1-комнатная квартира, 32 м², 3 этаж посуточно", T(1, 32.0, 3, None, "day")),
        ("1-комнатная квартира, 30 м², 2/5 этаж по часам", T(1, 30.0, 2, 5, "hour")),
        ("1-комнатная квартира · 40 м² · 5/9 этаж", T(1, 40.0, 5, 9, None)),
        ("1-комнатная квартира · 40.3 м² · 2/12 этаж", T(1, 40.3, 2, 12, None)),
        ("2-комнатная квартира · 40 м²", T(2, 40.0, None, None, None)),
        ("Сдам 2-х комнатную квартиру, 54 кв.м, этаж 5 из 9", T(2, 54.0, 5, 9, None)),
        ("1-комнатная квартира, 45,5 м2, -1/9 этаж", T(1, 45.5, -1, 9, None)),
        ("Уютная квартира у метро", T(None, None, None, None, None)),
        ("", T(None, None, None, None, None)),
        (None, T(None, None, None, None, None)),
        ("21-комнатная квартира, 125 м², 21/21 этаж", Rejected("rooms_implausible")),
        ("1-комнатная квартира, 3 м², 2/5 этаж", Rejected("area_implausible")),
        ("1-комнатная квартира, 40 м², 250/300 этаж", Rejected("floor_implausible")),
        ("1-комнатная квартира, 40 м², 5/0 этаж", Rejected("floor_implausible")),
    ],
)
def test_parse_title(text: str | None, expected: TitleFacts | Rejected) -> None:
    assert parse_title(text) == expected


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("… этаж на длительный срок", "month"),
        ("… этаж помесячно", "month"),
        ("150 000 〒 за месяц", "month"),
        ("150 000 тг./мес.", "month"),
        ("… этаж посуточно", "day"),
        ("15 000 〒 в сутки", "day"),
        ("… по часам", "hour"),
        ("3 000 〒 за час", "hour"),
        ("1-комнатная квартира · 40 м² · 5/9 этаж", None),
        ("Часовой пояс", None),
        ("месячный", None),
    ],
)
def test_period_in(text: str, period: str | None) -> None:
    assert period_in(text) == period


OCT_13 = datetime(2022, 10, 13, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "observed_at", "expected"),
    [
        ("13 окт.", OCT_13, date(2022, 10, 13)),
        ("\n     13 окт.\n", OCT_13, date(2022, 10, 13)),
        ("12 окт.", OCT_13, date(2022, 10, 12)),
        ("14 окт.", OCT_13, date(2022, 10, 14)),  # a day ahead: clocks disagree, same year
        ("15 окт.", OCT_13, date(2021, 10, 15)),  # further ahead: last year's
        ("18 июн.", datetime(2025, 6, 19, 9, tzinfo=UTC), date(2025, 6, 18)),
        ("1 мая", OCT_13, date(2022, 5, 1)),
        ("3 май", OCT_13, date(2022, 5, 3)),
        ("7 сентября", OCT_13, date(2022, 9, 7)),
        # December/January rollover
        ("31 дек.", datetime(2023, 1, 2, 12, tzinfo=UTC), date(2022, 12, 31)),
        ("2 янв.", datetime(2023, 1, 2, 12, tzinfo=UTC), date(2023, 1, 2)),
        (
            "1 янв.",
            datetime(2022, 12, 31, 20, tzinfo=UTC),
            date(2023, 1, 1),
        ),  # 02:00 1 Jan in Almaty
        ("29 фев.", datetime(2025, 3, 1, tzinfo=UTC), date(2024, 2, 29)),
        ("26 июля 2025 г.", OCT_13, date(2025, 7, 26)),  # olx: with the year
        ("Сегодня в 21:54", OCT_13, date(2022, 10, 13)),
        ("Вчера в 10:00", OCT_13, date(2022, 10, 12)),
        ("31 ноя.", OCT_13, None),
        ("13 xyz.", OCT_13, None),
        ("Количество просмотров", OCT_13, None),
        ("", OCT_13, None),
        (None, OCT_13, None),
    ],
)
def test_parse_card_date(text: str | None, observed_at: datetime, expected: date | None) -> None:
    assert parse_card_date(text, observed_at) == expected


@pytest.mark.parametrize(
    ("observed_at", "expected"),
    [
        (datetime(2022, 10, 12, 20, 0, tzinfo=UTC), date(2022, 10, 13)),  # UTC+6 in Almaty
        (datetime(2022, 10, 13, 1, 0, tzinfo=timezone(timedelta(hours=6))), date(2022, 10, 13)),
        (datetime(2022, 10, 13, 23, 0), date(2022, 10, 13)),  # naive: already local
    ],
)
def test_local_date(observed_at: datetime, expected: date) -> None:
    assert local_date(observed_at) == expected


@pytest.mark.parametrize(
    ("city", "address", "expected"),
    [
        ("almaty", "Алатауский р-н, мкр Акбулак, 1-я улица 93", ("Алатауский", "Алатауский р-н")),
        ("almaty", "Бостандыкский р-н, Розыбакиева 320", ("Бостандыкский", "Бостандыкский р-н")),
        ("almaty", "Гагарина 311", (None, None)),
        ("almaty", "Мынбаева 73 — Жандарбекова", (None, None)),
        ("almaty", "мкр Акбулак, Чуланова 155", (None, None)),
        ("almaty", "Карасайский р-н 7 — Ташкенский тракт", (None, "Карасайский р-н")),
        ("almaty", "Алматы р-н, Абая 1", (None, "Алматы р-н")),  # no such district in Almaty
        ("astana", "Алматы р-н, А91 14", ("Алматинский", "Алматы р-н")),
        ("astana", "р-н Байконур, Жубанова 23 — Абая", ("Байконурский", "р-н Байконур")),
        ("astana", "Байконур р-н, Жубанова 23", ("Байконурский", "Байконур р-н")),
        ("astana", "Есильский р-н, Хусейн Бен Талал 28", ("Есильский", "Есильский р-н")),
        ("astana", "Сарыарка р-н, Сарыарка р-н 43", ("Сарыаркинский", "Сарыарка р-н")),
        ("astana", "Сарыаркинский р-н, Кенесары 1", ("Сарыаркинский", "Сарыаркинский р-н")),
        ("astana", "Нура р-н, Сагынак 4", ("Нура", "Нура р-н")),
        ("astana", "Есіл ауданы, Мәңгілік Ел 1", ("Есильский", "Есіл ауданы")),
        ("astana", "Сауран 9", (None, None)),
        ("astana", "", (None, None)),
        ("astana", None, (None, None)),
    ],
)  # fmt: skip
def test_parse_district(
    city: str, address: str | None, expected: tuple[str | None, str | None]
) -> None:
    assert parse_district(city, address) == expected


@pytest.mark.parametrize(
    ("city", "text", "canonical"),
    [
        ("almaty", "Бостандыкский район", "Бостандыкский"),  # olx
        ("almaty", "Медеуский", "Медеуский"),
        ("almaty", "Ауэзовский р-н", "Ауэзовский"),
        ("almaty", "Жетысуский р-н", "Жетысуский"),
        ("almaty", "Турксибский р-н", "Турксибский"),
        ("almaty", "Наурызбайский р-н", "Наурызбайский"),
        ("almaty", "Алмалинский р-н", "Алмалинский"),
        ("astana", "Алматинский район", "Алматинский"),
        ("astana", "Байконыр", None),
        ("astana", "Бостандыкский р-н", None),
        ("shymkent", "Есильский р-н", None),
        ("shymkent", "Аль-Фарабийский р-н", "Аль-Фарабийский"),
        ("karaganda", "р-н им. Казыбек би", "Казыбек би"),
        ("karaganda", "Октябрьский р-н", "Алихана Бокейхана"),
        ("aktobe", "Алматы р-н", "Алматы"),
        ("pavlodar", "Центральный р-н", None),
    ],
)
def test_canonical_district(city: str, text: str, canonical: str | None) -> None:
    assert canonical_district(city, text) == canonical


def test_every_canonical_name_maps_to_itself() -> None:
    for city, districts in DISTRICTS.items():
        for name in districts:
            assert canonical_district(city, f"{name} р-н") == name
            assert canonical_district(city, f"р-н {name}") == name
    assert (len(DISTRICTS["almaty"]), len(DISTRICTS["astana"])) == (8, 5)


# Property-based: whatever the text, the parsers return a bounded value or a reason. No
# deadline: the parsers take microseconds, and a busy shared machine must not fail them.
NO_DEADLINE = settings(deadline=None)
_PRICE_PARTS = st.sampled_from(
    ["от", "до", "〒", "₸", "тг", "тенге", "$", "USD", "у.е.", "€", "руб", "млн", "тыс", "за месяц",
     "посуточно", "договорная", " ", NBSP, NARROW_NBSP, THIN, ".", ",", "-", "~"]
)  # fmt: skip
_NUMBERS = st.integers(min_value=-(10**20), max_value=10**20).map(str)
_PRICE_TEXT = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(_PRICE_PARTS, _NUMBERS), max_size=8).map(" ".join),
    st.lists(st.one_of(_PRICE_PARTS, _NUMBERS), max_size=8).map("".join),
)


@NO_DEADLINE
@given(_PRICE_TEXT)
def test_price_parser_never_crashes_nor_returns_absurd_values(text: str) -> None:
    result = parse_price(text, default_currency="KZT")
    if isinstance(result, Price):
        assert 1 <= result.amount <= MAX_PRICE
        assert result.currency in {"KZT", "USD", "EUR", "RUB"}
        assert result.period in {None, "month", "day", "hour"}
    else:
        assert isinstance(result, Rejected) and result.reason


_TITLE_PARTS = st.sampled_from(
    ["-комнатная квартира", " м²", "м2", " кв.м", "/", " этаж", "этаж ", " из ", ", ", " · ",
     "на длительный срок", "помесячно", "посуточно", "по часам", ".", ",", "-", " "]
)  # fmt: skip
_TITLE_TEXT = st.one_of(
    st.text(max_size=80),
    st.lists(st.one_of(_TITLE_PARTS, _NUMBERS), max_size=10).map("".join),
)


@NO_DEADLINE
@given(_TITLE_TEXT)
def test_title_parser_never_crashes_nor_returns_absurd_values(text: str) -> None:
    result = parse_title(text)
    if isinstance(result, Rejected):
        assert result.reason.endswith("_implausible")
        return
    if result.rooms is not None:
        assert ROOMS_RANGE[0] <= result.rooms <= ROOMS_RANGE[1]
    if result.area_m2 is not None:
        assert AREA_RANGE[0] <= result.area_m2 <= AREA_RANGE[1]
    if result.floor is not None:
        assert FLOOR_RANGE[0] <= result.floor <= FLOOR_RANGE[1]
    if result.floors_total is not None:
        assert 1 <= result.floors_total <= FLOOR_RANGE[1]


@NO_DEADLINE
@given(
    st.one_of(
        st.text(max_size=30),
        st.tuples(st.integers(-5, 40), st.sampled_from(["янв.", "фев.", "дек.", "мая", "x"])).map(
            lambda t: f"{t[0]} {t[1]}"
        ),
    ),
    st.datetimes(
        min_value=datetime(2000, 1, 2), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
)
def test_card_dates_are_never_far_after_the_observation(text: str, observed_at: datetime) -> None:
    result = parse_card_date(text, observed_at)
    if result is not None and "20" not in text:  # no explicit year in the text
        today = local_date(observed_at)
        assert today - timedelta(days=2 * 366) < result <= today + timedelta(days=1)


@NO_DEADLINE
@given(st.sampled_from(["almaty", "astana"]), st.text(max_size=60))
def test_district_parser_never_crashes(city: str, text: str) -> None:
    canonical, raw = parse_district(city, text)
    assert canonical is None or canonical in DISTRICTS[city]
    assert canonical is None or raw is not None
