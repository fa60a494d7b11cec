"""The words of the reports in Russian, Kazakh and English: templates without numbers.

Every number a sentence carries is a ``{field}`` filled by :mod:`reports.narrative` from the
result objects; a test checks that no template holds a digit. Kazakh grammar that depends
on a number's last sound (suffixes after "%") is avoided by wording ("аралығы: A – B").
"""

from __future__ import annotations

from typing import Final

from reports.formatting import Lang

# Marks every page and figure made from sandbox data.
SIMULATED_MARK: Final[dict[Lang, str]] = {
    "ru": "СИМУЛИРОВАННЫЕ ДАННЫЕ",
    "kk": "СИМУЛЯЦИЯЛЫҚ ДЕРЕКТЕР",
    "en": "SIMULATED DATA",
}

CITY: Final[dict[Lang, dict[str, str]]] = {
    "ru": {"almaty": "Алматы", "astana": "Астана"},
    "kk": {"almaty": "Алматы", "astana": "Астана"},
    "en": {"almaty": "Almaty", "astana": "Astana"},
}
# "in Almaty": ru prepositional, kk locative.
CITY_IN: Final[dict[Lang, dict[str, str]]] = {
    "ru": {"almaty": "в Алматы", "astana": "в Астане"},
    "kk": {"almaty": "Алматыда", "astana": "Астанада"},
    "en": {"almaty": "in Almaty", "astana": "in Astana"},
}

# Flats by room count as the headline names them (ru genitive plural "of one-room flats").
ROOMS_WORDS: Final[dict[Lang, dict[int, str]]] = {
    "ru": {0: "квартир-студий", 1: "однокомнатных квартир", 2: "двухкомнатных квартир",
           3: "трёхкомнатных квартир", 4: "четырёхкомнатных квартир"},
    "kk": {0: "студия пәтерлерді", 1: "бір бөлмелі пәтерлерді", 2: "екі бөлмелі пәтерлерді",
           3: "үш бөлмелі пәтерлерді", 4: "төрт бөлмелі пәтерлерді"},
    "en": {0: "studio flats", 1: "one-room flats", 2: "two-room flats", 3: "three-room flats",
           4: "four-room flats"},
}  # fmt: skip
ROOMS_GENERIC: Final[dict[Lang, str]] = {
    "ru": "{rooms}-комнатных квартир",
    "kk": "{rooms} бөлмелі пәтерлерді",
    "en": "{rooms}-room flats",
}

SOURCE_NAMES: Final[dict[str, str]] = {"krisha": "krisha.kz", "olx": "olx.kz"}
ORIGIN_NAMES: Final[dict[Lang, dict[str, str]]] = {
    "ru": {"live": "сбор с сайтов", "archive": "веб-архив", "import": "импорт",
           "simulated": "симуляция"},
    "kk": {"live": "сайттардан жинау", "archive": "веб-архив", "import": "импорт",
           "simulated": "симуляция"},
    "en": {"live": "live crawl", "archive": "web archive", "import": "import",
           "simulated": "simulated"},
}  # fmt: skip
METHOD_NAMES: Final[dict[Lang, dict[str, str]]] = {
    "ru": {"median": "медиана цен", "mix": "медиана с поправкой на структуру",
           "hedonic": "гедонический индекс"},
    "kk": {"median": "баға медианасы", "mix": "құрылымға түзетілген медиана",
           "hedonic": "гедоникалық индекс"},
    "en": {"median": "median asking rent", "mix": "mix-adjusted median",
           "hedonic": "hedonic index"},
}  # fmt: skip
# The same series of new listings only (each flat at its first asking rent: the index's flow).
METHOD_NAMES_NEW: Final[dict[Lang, dict[str, str]]] = {
    "ru": {"median": "медиана цен новых объявлений",
           "mix": "медиана цен новых объявлений с поправкой на структуру",
           "hedonic": "гедонический индекс новых объявлений"},
    "kk": {"median": "жаңа хабарландырулар бағасының медианасы",
           "mix": "жаңа хабарландырулардың құрылымға түзетілген медианасы",
           "hedonic": "жаңа хабарландырулардың гедоникалық индексі"},
    "en": {"median": "median asking rent of new listings",
           "mix": "mix-adjusted median of new listings",
           "hedonic": "hedonic index of new listings"},
}  # fmt: skip

# The headline: direction from the interval, size from the estimate.
HEADLINE: Final[dict[Lang, dict[str, str]]] = {
    "ru": {
        "up": "Аренда {rooms} {city_in} за {weeks} после {event} подорожала примерно на "
        "{pct} — от {low} до {high}.",
        "down": "Аренда {rooms} {city_in} за {weeks} после {event} подешевела примерно на "
        "{pct} — от {low} до {high}.",
        "unclear": "Аренда {rooms} {city_in} за {weeks} после {event} изменилась примерно на "
        "{pct} — от {low} до {high}: по этим данным нельзя уверенно сказать, выросла она "
        "или снизилась.",
    },
    "kk": {
        "up": "{city_in} {rooms} жалға алу бағасы {event} кейінгі {weeks} ішінде шамамен {pct} "
        "өсті (аралығы: {low} – {high}).",
        "down": "{city_in} {rooms} жалға алу бағасы {event} кейінгі {weeks} ішінде шамамен "
        "{pct} төмендеді (аралығы: {low} – {high}).",
        "unclear": "{city_in} {rooms} жалға алу бағасы {event} кейінгі {weeks} ішінде шамамен "
        "{pct} өзгерді (аралығы: {low} – {high}): бұл деректер бойынша баға өсті ме, әлде "
        "төмендеді ме — сенімді айту мүмкін емес.",
    },
    "en": {
        "up": "Rents for {rooms} {city_in} rose by about {pct} — between {low} and {high} — "
        "in the {weeks} after {event}.",
        "down": "Rents for {rooms} {city_in} fell by about {pct} — between {low} and {high} — "
        "in the {weeks} after {event}.",
        "unclear": "Rents for {rooms} {city_in} changed by about {pct} — between {low} and "
        "{high} — in the {weeks} after {event}: the data cannot tell a rise from a fall.",
    },
}

INTERVAL: Final[dict[Lang, dict[str, str]]] = {
    "ru": {
        "excludes": "Интервал ({level}) — от {low} до {high} — не включает ноль: изменение "
        "вряд ли случайно.",
        "includes": "Интервал ({level}) — от {low} до {high} — включает ноль: нельзя "
        "исключить, что цены не изменились.",
    },
    "kk": {
        "excludes": "Сенімділік аралығы ({level}): {low} – {high}; ол нөлді қамтымайды, "
        "сондықтан өзгеріс кездейсоқ болуы екіталай.",
        "includes": "Сенімділік аралығы ({level}): {low} – {high}; ол нөлді қамтиды, "
        "сондықтан бағалардың өзгермеген болуы да мүмкін.",
    },
    "en": {
        "excludes": "The {level} interval, {low} to {high}, excludes zero: the change is "
        "unlikely to be chance.",
        "includes": "The {level} interval, {low} to {high}, includes zero: no change at all "
        "cannot be ruled out.",
    },
}

KZT_DIFFERENCE: Final[dict[Lang, str]] = {
    "ru": "В тенге: {amount} в месяц к ожидаемому уровню (от {low} до {high}).",
    "kk": "Теңгемен: күтілетін деңгейге қарағанда айына {amount} (аралығы: {low} – {high}).",
    "en": "In tenge: {amount} a month against the expected level ({low} to {high}).",
}

METHOD: Final[dict[Lang, str]] = {
    "ru": "Как считали: прерванный временной ряд; ряд — {method} по {periods}; ожидаемый "
    "уровень продолжает динамику цен до события.",
    "kk": "Қалай есептелді: үзілген уақыт қатары; қатар — {method}, {periods}; күтілетін "
    "деңгей оқиғаға дейінгі баға үрдісін жалғастырады.",
    "en": "How: an interrupted time series on the {method}, by {periods}; the expected level "
    "continues the path of rents before the event.",
}
PERIODS: Final[dict[Lang, dict[str, str]]] = {
    "ru": {"D": "дням", "W": "неделям", "M": "месяцам"},
    "kk": {"D": "күн сайын", "W": "апта сайын", "M": "ай сайын"},
    "en": {"D": "day", "W": "week", "M": "month"},
}

MEANS_TITLE: Final[dict[Lang, str]] = {
    "ru": "Что означает это число",
    "kk": "Бұл сан нені білдіреді",
    "en": "What the number means",
}
MEANS: Final[dict[Lang, str]] = {
    "ru": "Насколько цены в объявлениях об аренде были выше (или ниже) уровня, которого можно "
    "было ожидать по их собственной динамике до события, — в среднем за {weeks} начиная с "
    "{event}. Рост цен, начавшийся до события, в ожидаемый уровень уже включён.",
    "kk": "Хабарландырулардағы жалдау бағасы оқиғаға дейінгі өз үрдісі бойынша күтілетін "
    "деңгейден қаншалықты жоғары (немесе төмен) болғаны — {event} бастап {weeks} ішіндегі "
    "орташа мән. Оқиғаға дейін басталған баға өсімі күтілетін деңгейде ескерілген.",
    "en": "How far asking rents in the listings stood above (or below) the level their own "
    "path before the event would have led to, on average over the {weeks} from {event}. "
    "The rise that had begun before the event is already in the expected level.",
}
NOT_MEANS_TITLE: Final[dict[Lang, str]] = {
    "ru": "Чего это число не означает",
    "kk": "Бұл сан нені білдірмейді",
    "en": "What it does not mean",
}
NOT_MEANS: Final[dict[Lang, tuple[str, ...]]] = {
    "ru": (
        "Это не цены сделок: в объявлениях указаны запрашиваемые цены.",
        "Это не доказательство того, что изменение вызвано только мобилизацией: в те же "
        "недели могли действовать и другие причины.",
        "Это среднее по городу: отдельные квартиры и районы могут сильно отличаться.",
    ),
    "kk": (
        "Бұл нақты төленген баға емес: хабарландыруларда сұралған баға көрсетіледі.",
        "Бұл өзгерістің тек жұмылдырудан болғанын дәлелдемейді: сол апталарда басқа себептер "
        "де әсер етуі мүмкін.",
        "Бұл қала бойынша орташа көрсеткіш: жекелеген пәтерлер мен аудандар айтарлықтай "
        "өзгеше болуы мүмкін.",
    ),
    "en": (
        "It is not what tenants paid: listings show asking rents.",
        "It does not prove that the mobilization alone caused the change: other things "
        "happened in the same weeks.",
        "It is a city average: single flats and districts can differ a lot.",
    ),
}

CAVEATS_TITLE: Final[dict[Lang, str]] = {
    "ru": "Оговорки",
    "kk": "Ескертпелер",
    "en": "Caveats",
}
CAVEAT: Final[dict[Lang, dict[str, str]]] = {
    "ru": {
        "simulated": "Эти цифры получены на СИМУЛИРОВАННЫХ данных (песочница rentwatch), а не "
        "на рыночных: они показывают, как работает отчёт, и их нельзя цитировать.",
        "short_series": "{city}: до события в ряду всего {n}; ожидаемый уровень опирается на "
        "короткую историю.",
        "placebo_failed": "{city}: ложные даты события до шока давали не меньший эффект в {share} "
        "из {n} попыток (плацебо-тест); оценка может оказаться шумом.",
        "poor_fit": "{city}: модель плохо описывает период до события (R² = {r2}); ожидаемый "
        "уровень ненадёжен.",
        "break_elsewhere": "{city}: поиск даты перелома указывает на {date} (интервал с {low} "
        "по {high}), а не на дату события.",
        "fragile": "{city}: при других разумных спецификациях модели оценка составляет от "
        "{low} до {high}, и некоторые из них не исключают нуля.",
        "autocorrelation": "{city}: остатки модели автокоррелированы (тест Льюнга — Бокса, "
        "p = {p}); интервалы могут быть слишком узкими.",
        "includes_zero": "{city}: интервал включает ноль — нельзя исключить, что цены не "
        "изменились.",
        "thin_weeks": "{city}: в {n} меньше {min} объявлений.",
    },
    "kk": {
        "simulated": "Бұл сандар нарықтан емес, СИМУЛЯЦИЯЛЫҚ деректерден (rentwatch "
        "құмсалғышы) алынған: олар есептің қалай жұмыс істейтінін көрсетеді, оларға сілтеме "
        "жасауға болмайды.",
        "short_series": "{city}: оқиғаға дейін қатарда небәрі {n} бар; күтілетін деңгей қысқа "
        "тарихқа сүйенеді.",
        "placebo_failed": "{city}: шокқа дейінгі жалған оқиға күндері {n} әрекеттің {share} "
        "бөлігінде кем емес әсер берді (плацебо-тест); бағалау кездейсоқ шу болуы мүмкін.",
        "poor_fit": "{city}: модель оқиғаға дейінгі кезеңді нашар сипаттайды (R² = {r2}); "
        "күтілетін деңгей сенімсіз.",
        "break_elsewhere": "{city}: үзіліс күнін іздеу оны оқиға күніне емес, {date} күніне "
        "жатқызады (аралығы: {low} – {high}).",
        "fragile": "{city}: модельдің басқа орынды нұсқаларында бағалау {low} – {high} "
        "аралығында, ал кейбірі нөлді жоққа шығармайды.",
        "autocorrelation": "{city}: модель қалдықтары автокорреляцияланған (Льюнг–Бокс тесті, "
        "p = {p}); аралықтар тым тар болуы мүмкін.",
        "includes_zero": "{city}: аралық нөлді қамтиды — бағалар өзгермеген болуы мүмкін.",
        "thin_weeks": "{city}: {n} ішінде хабарландырулар тым аз (шекті мән: {min}).",
    },
    "en": {
        "simulated": "These figures come from SIMULATED data (the rentwatch sandbox), not "
        "from the market: they show how the report works and must not be quoted.",
        "short_series": "{city}: the series has only {n} before the event; the expected level "
        "rests on a short history.",
        "placebo_failed": "{city}: fake event dates before the shock gave effects at least as "
        "large in {share} of {n} tries (placebo test); the estimate may be noise.",
        "poor_fit": "{city}: the model fits the pre-period poorly (R² = {r2}); the expected "
        "level is unreliable.",
        "break_elsewhere": "{city}: a search for the break date places it at {date} (interval "
        "{low} to {high}), not at the event.",
        "fragile": "{city}: under other reasonable specifications the estimate runs from {low} "
        "to {high}, and some of them cannot rule out zero.",
        "autocorrelation": "{city}: the residuals are autocorrelated (Ljung–Box p = {p}); the "
        "intervals may be too narrow.",
        "includes_zero": "{city}: the interval includes zero — no change cannot be ruled out.",
        "thin_weeks": "{city}: {n} of the data hold fewer than {min} listings.",
    },
}

DATA_SOURCES: Final[dict[Lang, str]] = {
    "ru": "Данные: {listings} ({observations}); источники: {sources}; происхождение: "
    "{origins}; период: с {first} по {last}. Дата данных: {last}.",
    "kk": "Деректер: {listings} ({observations}); дереккөздер: "
    "{sources}; шығу тегі: {origins}; кезең: {first} – {last}. Деректер күні: {last}.",
    "en": "Data: {listings} ({observations}); sources: {sources}; origin: {origins}; "
    "period: {first} to {last}. Data as of {last}.",
}
SOURCES_TITLE: Final[dict[Lang, str]] = {
    "ru": "Источники и охват",
    "kk": "Дереккөздер мен қамту",
    "en": "Sources and coverage",
}

TITLE: Final[dict[Lang, str]] = {
    "ru": "Аренда жилья после {event}: {cities}",
    "kk": "{event} кейінгі тұрғын үй жалдау бағасы: {cities}",
    "en": "Rents after {event}: {cities}",
}

CHART: Final[dict[Lang, dict[str, str]]] = {
    "ru": {"observed": "Наблюдаемые цены", "expected": "Ожидаемые без шока",
           "band": "интервал {level}", "unit": "₸ в месяц", "event": "событие: {event}"},
    "kk": {"observed": "Байқалған баға", "expected": "Шоксыз күтілетін баға",
           "band": "{level} аралық", "unit": "₸ айына", "event": "оқиға: {event}"},
    "en": {"observed": "Observed", "expected": "Expected without the shock",
           "band": "{level} interval", "unit": "₸ per month", "event": "event: {event}"},
}  # fmt: skip
CHART_CAPTION: Final[dict[Lang, str]] = {
    "ru": "Аренда {rooms}, ₸ в месяц ({method}, по {periods}): наблюдаемые цены и уровень, "
    "ожидаемый без шока, с интервалом {level}.",
    "kk": "{rooms} жалдау бағасы, айына ₸ ({method}, {periods}): байқалған баға және шоксыз "
    "күтілетін деңгей, {level} аралықпен.",
    "en": "Rents for {rooms}, ₸ per month ({method}, by {periods}): observed, and expected "
    "without the shock with its {level} interval.",
}

TABLE_TITLE: Final[dict[Lang, str]] = {
    "ru": "Медианная цена аренды, ₸ в месяц: {weeks} до {event} и {weeks} начиная с этой даты",
    "kk": "Жалдау бағасының медианасы, айына ₸: {event} бұрынғы {weeks} және кейінгі {weeks}",
    "en": "Median asking rent, ₸ per month: {weeks} before {event} and {weeks} from that day",
}
TABLE_HEAD: Final[dict[Lang, tuple[str, ...]]] = {
    "ru": ("Город", "Комнат", "До", "После", "Изменение"),
    "kk": ("Қала", "Бөлме", "Дейін", "Кейін", "Өзгеріс"),
    "en": ("City", "Rooms", "Before", "After", "Change"),
}
TABLE_NOTE: Final[dict[Lang, str]] = {
    "ru": "Каждое объявление учтено один раз за период; «—»: меньше {min} объявлений.",
    "kk": "Әр хабарландыру кезеңде бір рет есептелді; «—»: хабарландырулар тым аз (шекті "
    "мән: {min}).",
    "en": "Each listing counts once per period; “—”: fewer than {min} listings.",
}

FOOTER: Final[dict[Lang, str]] = {
    "ru": "rentwatch {version} · отчёт составлен {made} · стр. {page}",
    "kk": "rentwatch {version} · есеп жасалды: {made} · {page}-бет",
    "en": "rentwatch {version} · made {made} · page {page}",
}

# Counted nouns: (one, few, many) for Russian; Kazakh and English take one form each.
COUNTED: Final[dict[str, dict[Lang, tuple[str, ...]]]] = {
    "week": {"ru": ("неделю", "недели", "недель"), "kk": ("апта",), "en": ("week", "weeks")},
    "week_in": {"ru": ("неделе", "неделях", "неделях"), "kk": ("апта",),
                "en": ("week", "weeks")},
    "point": {"ru": ("точка", "точки", "точек"), "kk": ("нүкте",), "en": ("point", "points")},
    "listing": {"ru": ("объявление", "объявления", "объявлений"), "kk": ("хабарландыру",),
                "en": ("listing", "listings")},
    "price": {"ru": ("наблюдение цены", "наблюдения цен", "наблюдений цен"),
              "kk": ("баға бақылауы",), "en": ("price observation", "price observations")},
    "period_W": {"ru": ("неделя", "недели", "недель"), "kk": ("апта",),
                 "en": ("week", "weeks")},
    "period_D": {"ru": ("день", "дня", "дней"), "kk": ("күн",), "en": ("day", "days")},
    "period_M": {"ru": ("месяц", "месяца", "месяцев"), "kk": ("ай",), "en": ("month", "months")},
}  # fmt: skip
