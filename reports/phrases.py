"""The words of the reports in Russian, Kazakh and English: templates without numbers.

Every number a sentence carries is a ``{field}`` filled by :mod:`reports.narrative` from the
result objects; a test checks that no template holds a digit. Kazakh grammar that depends
on a number's last sound (suffixes after "%") is avoided by wording ("аралығы: A – B").
"""

from __future__ import annotations

from typing import Final, Literal

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
# The same for the comparison designs: what the expected level is built from.
METHOD_COMPARISON: Final[dict[Lang, dict[str, str]]] = {
    "ru": {
        "synthetic": "Как считали: синтетический контроль; ряд — {method} по {periods}; "
        "ожидаемый уровень — взвешенная смесь городов сравнения, которая до события точнее "
        "всего повторяла цены города.",
        "comparative": "Как считали: сравнительный прерванный временной ряд; ряд — {method} "
        "по {periods}; ожидаемый уровень следует за городами сравнения с той разницей, что "
        "была до события.",
    },
    "kk": {
        "synthetic": "Қалай есептелді: синтетикалық бақылау; қатар — {method}, {periods}; "
        "күтілетін деңгей — оқиғаға дейін қаланың бағасын ең дәл қайталаған салыстыру "
        "қалаларының салмақты қоспасы.",
        "comparative": "Қалай есептелді: салыстырмалы үзілген уақыт қатары; қатар — "
        "{method}, {periods}; күтілетін деңгей салыстыру қалаларының үрдісін оқиғаға дейінгі "
        "айырмашылықпен жалғастырады.",
    },
    "en": {
        "synthetic": "How: a synthetic control on the {method}, by {periods}; the expected "
        "level is the weighted mix of comparison cities that followed the city's rents most "
        "closely before the event.",
        "comparative": "How: a comparative interrupted time series on the {method}, by "
        "{periods}; the expected level follows the comparison cities, with the city's gap to "
        "them before the event.",
    },
}
# The weeks before the event a synthetic control leaves out of its fit, said after METHOD.
ANTICIPATION: Final[dict[Lang, str]] = {
    "ru": "Последние {weeks} перед событием в подбор не входят: рост, начавшийся в них, "
    "считается частью эффекта.",
    "kk": "Оқиғаның алдындағы соңғы {weeks} сәйкестендіруге кірмейді: сол кезде басталған "
    "өсу әсердің бөлігі болып саналады.",
    "en": "The last {weeks} before the event are left out of the fit: a rise that began in "
    "them counts as part of the effect.",
}
# Which cities a comparison design compared the city with, for the officials: the largest
# weights (synthetic control) or the plain average (comparative ITS, equal weights).
COMPARED_WITH: Final[dict[Lang, dict[str, str]]] = {
    "ru": {
        "weights": "Сравнивали с городами, куда приток людей не дошёл: {donors}.",
        "average": "Сравнивали со средним по городам, куда приток людей не дошёл: {donors}.",
        "more": "и ещё {n}",
    },
    "kk": {
        "weights": "Көші-қон толқыны жетпеген қалалармен салыстырылды: {donors}.",
        "average": "Көші-қон толқыны жетпеген қалалардың орташасымен салыстырылды: {donors}.",
        "more": "және тағы {n}",
    },
    "en": {
        "weights": "Compared with cities the inflow did not reach: {donors}.",
        "average": "Compared with the average of cities the inflow did not reach: {donors}.",
        "more": "and {n} more",
    },
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
MEANS_COMPARISON: Final[dict[Lang, str]] = {
    "ru": "Насколько цены в объявлениях были выше (или ниже) уровня, на который указывают "
    "города сравнения, — в среднем за {weeks} начиная с {event}. Общее для всей страны "
    "(инфляция, курс тенге, сезон) двигало и города сравнения и потому уже учтено.",
    "kk": "Хабарландырулардағы баға салыстыру қалалары көрсететін деңгейден қаншалықты жоғары "
    "(немесе төмен) болғаны — {event} бастап {weeks} ішіндегі орташа мән. Бүкіл елге ортақ "
    "өзгерістер (инфляция, теңге бағамы, маусым) салыстыру қалаларына да әсер етті, сондықтан "
    "ескерілген.",
    "en": "How far asking rents stood above (or below) the level the comparison cities point "
    "to, on average over the {weeks} from {event}. What the whole country shared (inflation, "
    "the tenge, the season) moved the comparison cities too, so it is already allowed for.",
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
        "single_series": "{city}: городов сравнения с данными — {n}, а нужно не меньше {need}, "
        "поэтому оценка опирается на собственный тренд города до события и не может "
        "отличить общий рост аренды по стране от притока.",
        "placebo_space": "{city}: города сравнения, если считать их получившими шок, дают не "
        "меньшие отклонения (плацебо в пространстве: ранговое p = {p}, городов: {n}); оценка "
        "может оказаться шумом.",
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
        "single_series": "{city}: деректері бар салыстыру қалалары — {n}, ал кемінде {need} "
        "қажет, сондықтан бағалау қаланың оқиғаға дейінгі өз трендіне сүйенеді "
        "және ел бойынша жалпы жалдау бағасының өсуін көші-қоннан ажырата алмайды.",
        "placebo_space": "{city}: салыстыру қалаларын шок алған деп есептесек, олар да кем емес "
        "ауытқу береді (кеңістіктегі плацебо: p = {p}, қалалар саны: {n}); бағалау кездейсоқ "
        "шу болуы мүмкін.",
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
        "thin_weeks": "{city}: fewer than {min} listings in {n} of the data.",
        "single_series": "{city}: {n} comparison cities have data where at least {need} are "
        "needed, so the estimate rests on the city's own trend before the event and cannot "
        "tell a nationwide rise in rents from the inflow.",
        "placebo_space": "{city}: comparison cities treated as if they had got the shock show "
        "departures as large (placebo in space: rank p = {p} over {n} cities); the estimate "
        "may be noise.",
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
           "band": "интервал {level}", "unit": "₸ в месяц", "event": "событие: {event}",
           "expected_synthetic": "Ожидаемые по городам сравнения",
           "expected_comparative": "Ожидаемые по городам сравнения",
           "band_window": "интервал {level} (окно)"},
    "kk": {"observed": "Байқалған баға", "expected": "Шоксыз күтілетін баға",
           "band": "{level} аралық", "unit": "₸ айына", "event": "оқиға: {event}",
           "expected_synthetic": "Салыстыру қалалары бойынша күтілетін",
           "expected_comparative": "Салыстыру қалалары бойынша күтілетін",
           "band_window": "{level} аралық (кезең)"},
    "en": {"observed": "Observed", "expected": "Expected without the shock",
           "band": "{level} interval", "unit": "₸ per month", "event": "event: {event}",
           "expected_synthetic": "Expected from comparison cities",
           "expected_comparative": "Expected from comparison cities",
           "band_window": "{level} interval (window)"},
}  # fmt: skip
CHART_CAPTION: Final[dict[Lang, str]] = {
    "ru": "Аренда {rooms}, ₸ в месяц ({method}, по {periods}): наблюдаемые цены и уровень, "
    "ожидаемый без шока, с интервалом {level}.",
    "kk": "{rooms} жалдау бағасы, айына ₸ ({method}, {periods}): байқалған баға және шоксыз "
    "күтілетін деңгей, {level} аралықпен.",
    "en": "Rents for {rooms}, ₸ per month ({method}, by {periods}): observed, and expected "
    "without the shock with its {level} interval.",
}
CHART_CAPTION_COMPARISON: Final[dict[Lang, str]] = {
    "ru": "Аренда {rooms}, ₸ в месяц ({method}, по {periods}): наблюдаемые цены и уровень, "
    "ожидаемый по городам сравнения, с интервалом {level} для среднего за окно оценки.",
    "kk": "{rooms} жалдау бағасы, айына ₸ ({method}, {periods}): байқалған баға және "
    "салыстыру қалалары бойынша күтілетін деңгей, бағалау кезеңінің орташасы үшін {level} "
    "аралықпен.",
    "en": "Rents for {rooms}, ₸ per month ({method}, by {periods}): observed, and the level "
    "the comparison cities point to, with the {level} interval of the window's average.",
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
    # "на 21 псевдособытии", "у 9 городов сравнения": the cases the interval sentences need.
    "pseudo_event_on": {"ru": ("псевдособытии", "псевдособытиях", "псевдособытиях"),
                        "kk": ("жалған оқиға",), "en": ("pseudo-event", "pseudo-events")},
    "week_of": {"ru": ("недели", "недель", "недель"), "kk": ("апта",), "en": ("week", "weeks")},
    "donor_of": {"ru": ("города сравнения", "городов сравнения", "городов сравнения"),
                 "kk": ("салыстыру қаласы",), "en": ("comparison city", "comparison cities")},
}  # fmt: skip

# The summary's before/after table against the headline: two numbers for the same flats that
# measure different things, said in words next to the table.
TABLE_VS_HEADLINE: Final[dict[Lang, str]] = {
    "ru": "Таблица сравнивает простые медианы всех объявлений за {weeks} до и после события: "
    "в это изменение входит и рост, который тренд и сезон дали бы и без шока, и сдвиг в "
    "составе сдаваемых квартир. Оценка выше сравнивает те же недели с уровнем, ожидаемым без "
    "шока, поэтому числа различаются: для {rooms} {city_in} — {table} в таблице и около "
    "{headline} в оценке.",
    "kk": "Кесте оқиғаға дейінгі және кейінгі {weeks} ішіндегі барлық хабарландырулардың "
    "қарапайым медианаларын салыстырады: бұл өзгеріске шоксыз да болатын үрдіс пен маусымдық "
    "өсім де, жалға берілген пәтерлер құрамының ауысуы да кіреді. Жоғарыдағы бағалау сол "
    "апталарды шоксыз күтілетін деңгеймен салыстырады, сондықтан сандар әртүрлі: {city_in} "
    "{rooms} үшін кестеде {table}, бағалауда шамамен {headline}.",
    "en": "The table compares plain medians of all listings in the {weeks} before and after "
    "the event: that change also holds the rise the trend and the season would have brought "
    "without the shock, and shifts in which flats were listed. The estimate above sets the "
    "same weeks against the level expected without the shock, so the two differ: for {rooms} "
    "{city_in}, {table} in the table and about {headline} in the estimate.",
}
# "for one-room flats" after "для" / "үшін": the genitive plural is the ROOMS_WORDS form in
# ru and en; Kazakh "үшін" takes the nominative ("бір бөлмелі пәтерлер үшін").
ROOMS_FOR: Final[dict[Lang, dict[int, str]]] = {
    "ru": ROOMS_WORDS["ru"],
    "kk": {0: "студия пәтерлер", 1: "бір бөлмелі пәтерлер", 2: "екі бөлмелі пәтерлер",
           3: "үш бөлмелі пәтерлер", 4: "төрт бөлмелі пәтерлер"},
    "en": ROOMS_WORDS["en"],
}  # fmt: skip

# The span the estimate stands on, and the holes in the data, for the summary's sources.
SPAN_SENTENCE: Final[dict[Lang, str]] = {
    "ru": "Оценка опирается на данные с {start} по {end}.",
    "kk": "Бағалау {start} – {end} аралығындағы деректерге сүйенеді.",
    "en": "The estimate rests on the data from {start} to {end}.",
}
SPAN_SENTENCE_CITIES: Final[dict[Lang, str]] = {
    "ru": "Оценки опираются на данные за периоды: {spans}.",
    "kk": "Бағалаулар мына кезеңдердің деректеріне сүйенеді: {spans}.",
    "en": "The estimates rest on the data of these spans: {spans}.",
}
NO_DATA: Final[dict[Lang, str]] = {
    "ru": "Нет данных: {spans}.",
    "kk": "Деректер жоқ: {spans}.",
    "en": "No data: {spans}.",
}
MORE_EMPTY_WEEKS: Final[dict[Lang, str]] = {
    "ru": "ещё {n} без данных",
    "kk": "тағы {n} деректерсіз",
    "en": "plus {n} without data",
}

# Figure titles and labels.
FIGURE: Final[dict[Lang, dict[str, str]]] = {
    "ru": {
        "coverage": "{city}: объявлений в неделю (серым — недели без данных, оранжевым — с "
        "малым числом объявлений)",
        "index": "{city}: индекс по методам (первый период = {base})",
        "residuals": "{city}: остатки модели на неделях оценки",
        "acf": "{city}: автокорреляция остатков, лаг {first}: {lag1}",
        "lag": "лаг, недель",
        "placebos": "{city}: эффекты плацебо-дат, % (n = {n})",
        "estimate": "оценка в дату события",
        "breaks": "{city}: статистика поиска перелома",
        "break_interval": "интервал даты перелома",
        "gaps": "{city}: отклонение от двойника, % (чёрным), плацебо (серым), p = {p}",
        "gap_axis": "отклонение, %",
        "official": "{city}: индекс (левая ось) и официальная статистика (правая ось)",
        "official_index": "индекс, ₸ в месяц",
        "basis": "база",
    },
    "kk": {
        "coverage": "{city}: аптасына хабарландырулар (сұр — деректерсіз апталар, қызғылт "
        "сары — хабарландырулар аз апталар)",
        "index": "{city}: әдістер бойынша индекс (бірінші кезең = {base})",
        "residuals": "{city}: бағалау апталарындағы модель қалдықтары",
        "acf": "{city}: қалдықтардың автокорреляциясы, лаг {first}: {lag1}",
        "lag": "лаг, апта",
        "placebos": "{city}: плацебо күндерінің әсері, % (n = {n})",
        "estimate": "оқиға күніндегі бағалау",
        "breaks": "{city}: үзіліс күнін іздеу статистикасы",
        "break_interval": "үзіліс күнінің аралығы",
        "gaps": "{city}: егізден ауытқу, % (қара), плацебо (сұр), p = {p}",
        "gap_axis": "ауытқу, %",
        "official": "{city}: индекс (сол жақ ось) және ресми статистика (оң жақ ось)",
        "official_index": "индекс, айына ₸",
        "basis": "база",
    },
    "en": {
        "coverage": "{city}: listings per week (grey: weeks without data, orange: thin weeks)",
        "index": "{city}: index by method (first period = {base})",
        "residuals": "{city}: model residuals on the fitted weeks",
        "acf": "{city}: residual autocorrelation, lag {first}: {lag1}",
        "lag": "lag, weeks",
        "placebos": "{city}: placebo effects, % (n = {n})",
        "estimate": "estimate at the event",
        "breaks": "{city}: break-date statistic",
        "break_interval": "break interval",
        "gaps": "{city}: gap to the synthetic twin, % (black), placebo gaps (grey), p = {p}",
        "gap_axis": "gap, %",
        "official": "{city}: the index (left axis) and official statistics (right axis)",
        "official_index": "index, ₸ per month",
        "basis": "basis",
    },
}

# The index series by name: method, rooms (all or one count), flow or stock.
SERIES_LABEL: Final[dict[Lang, dict[str, str]]] = {
    "ru": {"all": "{method}, все комнаты", "rooms": "{method}, {rooms}-комн., {listings}",
           "headline": "{method}, {rooms}-комн., {listings} (ряд оценки)",
           "flow": "новые объявления", "stock": "все объявления"},
    "kk": {"all": "{method}, барлық бөлмелер", "rooms": "{method}, {rooms} бөлмелі, {listings}",
           "headline": "{method}, {rooms} бөлмелі, {listings} (бағалау қатары)",
           "flow": "жаңа хабарландырулар", "stock": "барлық хабарландырулар"},
    "en": {"all": "{method}, all rooms", "rooms": "{method}, {rooms}-room, {listings}",
           "headline": "{method}, {rooms}-room, {listings} (the estimate's series)",
           "flow": "new listings", "stock": "all listings"},
}  # fmt: skip

# --- the economist's report (Russian and English) -----------------------------------------

ReportLang = Literal["ru", "en"]
ECONOMIST: Final[dict[ReportLang, dict[str, str]]] = {
    "ru": {
        "made": "Составлен {made} (время Алматы) по файлу {file} ({checksum}). Все таблицы "
        "лежат также в {tables} в формате CSV, все рисунки — в {figures} в формате PNG, "
        "происхождение данных — в {provenance}.",
        "summary": "Кратко",
        "coverage": "Охват данных",
        "span": "Период анализа",
        "span_note": "Для каждого города берётся непрерывный отрезок недель с данными вокруг "
        "события (пропуски длиннее {gap} не перекрываются), а контрфактический уровень "
        "продлевается после события не дальше чем на {fraction} периода до события.",
        "sources": "Источники и происхождение",
        "gaps": "Пропуски и недели с малым числом объявлений (меньше {min} в городе)",
        "no_gaps": "Пустых недель и недель с малым числом объявлений нет.",
        "weekly_note": "Число объявлений по неделям, городам, источникам и происхождению: {file}.",
        "index": "Индекс: методы рядом",
        "index_intro": "Ряды, на которых может работать модель, построенные модулем индекса "
        "(analysis.index). На рисунке каждый ряд приведён к {base} в первом периоде; таблица "
        "сравнивает среднее за окно после события со средним за столько же недель до него.",
        "method_median": "медиана — простая медиана запрашиваемых цен;",
        "method_mix": "с поправкой на структуру — медианы по ячейкам «комнаты × район», "
        "взвешенные долями базового периода;",
        "method_hedonic": "гедонический — индекс с фиктивными переменными периодов (логарифм "
        "цены на периоды и характеристики квартиры).",
        "its": "Прерванный временной ряд",
        "coefficients": "Коэффициенты",
        "effects": "Эффекты по горизонтам",
        "diagnostics": "Диагностика остатков",
        "diagnostics_note": "Рисунок и первая строка таблицы для каждого города — остатки "
        "модели на неделях, по которым она оценена (в контрфактическом дизайне — только до "
        "события: после него «остаток» был бы самим эффектом). Вторая строка — инновации "
        "модели ошибок, то есть то, что она считает белым шумом.",
        "placebo": "Плацебо-даты и чувствительность",
        "sensitivity": "Чувствительность",
        "sensitivity_note": "Строки «дизайн» переключают модель на другой дизайн (сегментную "
        "регрессию, синтетический контроль, сравнительный ПВР) и показаны для сравнения; в "
        "диапазон «хрупкости» входят только варианты дизайна оценки.",
        "sensitivity_note_comparison": "В диапазон «хрупкости» входят основная строка и строки, "
        "где по одному исключён город сравнения с заметным весом. Строки «вариант» (другие "
        "варианты синтетического контроля, только точечные оценки: их конформный интервал "
        "может потребовать тысяч пересчётов) и «дизайн» (сравнительный ПВР, однорядные "
        "дизайны) показаны для сравнения.",
        "its_comparison": "Оценка эффекта",
        "breaks": "Поиск даты перелома",
        "caveats": "Оговорки",
        "no_caveat": "Ни одно правило оговорок не сработало (правила и пороги: {file}, "
        "раздел parameters).",
        "provenance": "Происхождение",
        "runs": "Запуски сбора, стоящие за данными",
        "software": "Программы",
        "parameters": "Параметры",
        "nothing": "(нет данных)",
        "no_figure": "(нет данных для рисунка)",
        "fig_coverage": "Объявлений в неделю по источникам и происхождению",
        "fig_index": "Индекс аренды по методам",
        "fig_its": "Наблюдаемые цены и контрфактический уровень: {city}",
        "fig_residuals": "Остатки и их автокорреляция",
        "fig_placebos": "Эффекты плацебо-дат",
        "fig_breaks": "Статистика поиска даты перелома",
        "comparison": "Города сравнения",
        "comparison_intro": "Оценка — {design}: каждый город сравнивается с городами, куда "
        "приток людей не дошёл (пул сравнения реестра городов), по тому же ряду и за тот же "
        "период. Веса подобраны только по неделям до события; отклонение после него и есть "
        "эффект.",
        "weights": "Веса городов сравнения",
        "weights_sentence": "{city}: контрфактический уровень опирается на {weights}{more}.",
        "weights_more": " и ещё {n} с меньшими весами",
        "rmspe_sentence": "RMSPE до события (среднеквадратичный промах до события): {rmspe} "
        "лог. пункта, около {pct}.",
        "interval_backtest": "Интервал окна — по ошибкам метода на {events} до "
        "события: ±{backtest} п. п.",
        "interval_few_donors": "Интервал окна — по ошибкам метода на {events} до "
        "события: ±{backtest} п. п. (городов сравнения меньше пяти, их плацебо не "
        "учитываются).",
        "interval_backtest_wider": "Интервал окна — более широкий из двух: ошибки метода на "
        "{events} до события дают ±{backtest} п. п., города сравнения, по очереди "
        "принятые за получившие шок, — ±{placebo} п. п.",
        "interval_placebo_wider": "Интервал окна — более широкий из двух: города сравнения, "
        "по очереди принятые за получившие шок, дают ±{placebo} п. п., ошибки метода на {events} "
        "до события — ±{backtest} п. п.",
        "interval_pooled": "Интервал окна объединяет ошибки метода там, где эффекта нет: на "
        "{events} до события (среднеквадратичная ошибка {backtest}) и у {donors}, по очереди "
        "принятых за получившие шок ({placebo}), вместе — "
        "{pooled}, в логарифмической шкале; оценка поправлена на эту шкалу на {correction} "
        "п. п. ({reference}).",
        "interval_pooled_few": "Интервал окна — по ошибкам метода на {events} до "
        "события (среднеквадратичная ошибка {backtest}; городов сравнения меньше пяти, их "
        "плацебо не учитываются), в логарифмической шкале; оценка поправлена на эту шкалу на "
        "{correction} п. п. ({reference}).",
        "placebo_space": "Плацебо в пространстве",
        "placebo_space_sentence": "Каждый город сравнения по очереди считается получившим "
        "шок и получает своего синтетического двойника из остальных; по отношению RMSPE после "
        "события к RMSPE до него {city} получает ранговое p = {p} (наименьшее возможное для "
        "{n} городов — {floor}).",
        "no_placebo_space": "Плацебо в пространстве строится для синтетического контроля.",
        "placebo_space_uncorrected": "Эффекты в таблице — сумма за окно к сумме двойника, до "
        "поправки на шкалу: у {city} там {raw}, в оценке окна — {headline}.",
        "left_out": "Не вошли в пул: {cities}.",
        "dropped": "Недель, исключённых из оценки, потому что в каком-то городе сравнения не "
        "было объявлений: {n}.",
        "filled": "Недель городов сравнения, заполненных интерполяцией между соседними неделями "
        "(пропуски не длиннее трёх недель): {n}.",
        "fig_gaps": "Отклонения от синтетического двойника: {city}",
        "placebo_comparison": "Плацебо-даты считаются для однорядных дизайнов; для "
        "синтетического контроля плацебо-тест — в пространстве (раздел «Города сравнения»).",
        "breaks_comparison": "Поиск даты перелома проводится для однорядных дизайнов.",
        "official": "Официальная статистика рядом с индексом",
        "official_note": "Каждый официальный ряд нарисован на своей оси (справа) в своих "
        "единицах, отдельной линией для каждого источника и базы: базы никогда не сшиваются, "
        "а месяц без значения остаётся пропуском.",
        "fig_official": "Индекс и официальная статистика: {city}",
        "diagnostics_synthetic": "Остатки синтетического контроля — отклонения города от "
        "двойника до события (лог. пункты); регрессионные тесты остатков к нему не относятся.",
    },
    "en": {
        "made": "Made {made} (Almaty time) from {file} ({checksum}). Every table is also in "
        "{tables} as CSV, every figure in {figures} as PNG, and the provenance in "
        "{provenance}.",
        "summary": "Summary",
        "coverage": "Data coverage",
        "span": "Analysis span",
        "span_note": "For each city the span is the continuous run of covered weeks around "
        "the event (holes longer than {gap} end it), and the counterfactual is extrapolated "
        "past the event at most {fraction} of the pre-period.",
        "sources": "Sources and origins",
        "gaps": "Gaps and thin weeks (fewer than {min} listings in the city)",
        "no_gaps": "No empty or thin weeks.",
        "weekly_note": "Weekly counts per city, source and origin: {file}.",
        "index": "The index: methods side by side",
        "index_intro": "The series the ITS can run on, built by the index (analysis.index). "
        "Each is rebased to {base} at its first period in the chart; the table compares the "
        "mean of the window after the event with the same number of weeks before it.",
        "method_median": "median — the raw median asking rent;",
        "method_mix": "mix — a stratified median over rooms × district cells weighted by a "
        "fixed base period's shares;",
        "method_hedonic": "hedonic — a time-dummy index (log rent on period dummies and the "
        "flat's attributes).",
        "its": "Interrupted time series",
        "coefficients": "Coefficients",
        "effects": "Effects at horizons",
        "diagnostics": "Residual diagnostics",
        "diagnostics_note": "The figure and each city's first table row are the model's "
        "residuals on the weeks it was fitted to (in the counterfactual design the weeks "
        'before the event only: after it a "residual" would be the effect itself). The '
        "second row tests the error model's innovations, what it treats as white noise.",
        "placebo": "Placebo events and sensitivity",
        "sensitivity": "Sensitivity",
        "sensitivity_note": 'The "design" rows switch to another design (the segmented '
        "regression, synthetic control, comparative ITS) and are shown for comparison; the "
        '"fragile" range covers the headline design\'s rows only.',
        "sensitivity_note_comparison": 'The "fragile" range covers the base row and the rows '
        'that leave out one comparison city of noticeable weight at a time. The "variant" '
        "rows (the other synthetic-control variants, point estimates only: their conformal "
        'interval can take thousands of refits) and the "design" rows (comparative ITS, the '
        "single-series designs) are shown for comparison.",
        "its_comparison": "The estimate",
        "breaks": "Break-date search",
        "caveats": "Caveats",
        "no_caveat": "No caveat rule fired (rules and thresholds: {file}, parameters).",
        "provenance": "Provenance",
        "runs": "Crawl runs behind the data",
        "software": "Software",
        "parameters": "Parameters",
        "nothing": "(nothing to show)",
        "no_figure": "(no data for this figure)",
        "fig_coverage": "Listings per week by source and origin",
        "fig_index": "Rent index by method",
        "fig_its": "Observed against counterfactual: {city}",
        "fig_residuals": "Residuals and their autocorrelation",
        "fig_placebos": "Placebo effects",
        "fig_breaks": "Break-date statistic",
        "comparison": "Comparison cities",
        "comparison_intro": "The estimate is a {design}: each city is set against cities the "
        "inflow did not reach (the city registry's comparison pool), on the same series and "
        "span. The weights are fitted to the weeks before the event only; the gap after it is "
        "the effect.",
        "weights": "Donor weights",
        "weights_sentence": "{city}'s counterfactual leans on {weights}{more}.",
        "weights_more": " and {n} more with smaller weights",
        "rmspe_sentence": "Pre-period RMSPE (the root mean squared miss before the event): "
        "{rmspe} log points, about {pct}.",
        "interval_backtest": "The window's interval comes from the design's errors at {events} "
        "before the event: ±{backtest} pp.",
        "interval_few_donors": "The window's interval comes from the design's errors at {events} "
        "before the event: ±{backtest} pp (with fewer than five comparison "
        "cities their placebos are not used).",
        "interval_backtest_wider": "The window's interval is the wider of two: the design's "
        "errors at {events} before the event give ±{backtest} pp, the comparison "
        "cities refitted in turn as if they had got the shock ±{placebo} pp.",
        "interval_placebo_wider": "The window's interval is the wider of two: the comparison "
        "cities refitted in turn as if they had got the shock give ±{placebo} pp, the "
        "design's errors at {events} before the event ±{backtest} pp.",
        "interval_pooled": "The window's interval pools the design's errors where the truth "
        "is zero: at {events} before the event (root mean square {backtest}) and "
        "in the {donors} refitted in turn as if they had got the shock "
        "({placebo}), {pooled} together, on the log scale; the estimate is corrected for "
        "that scale by {correction} pp ({reference}).",
        "interval_pooled_few": "The window's interval comes from the design's errors at {events} "
        "before the event (root mean square {backtest}; with fewer than five "
        "comparison cities their placebos are not used), on the log scale; the estimate is "
        "corrected for that scale by {correction} pp ({reference}).",
        "placebo_space": "Placebo in space",
        "placebo_space_sentence": "Each comparison city in turn is treated as if it had got "
        "the shock and gets its own synthetic twin from the others; by the ratio of the RMSPE "
        "after the event to the RMSPE before it {city} ranks with p = {p} (the smallest p "
        "{n} cities allow: {floor}).",
        "no_placebo_space": "Placebo in space is run for the synthetic control.",
        "placebo_space_uncorrected": "The table's effects are each city's window total over "
        "its twin's, before the scale correction: {raw} for {city} there, {headline} in the "
        "window's estimate.",
        "left_out": "Left out of the pool: {cities}.",
        "dropped": "Weeks left out of the fit because some comparison city had no listing: {n}.",
        "filled": "Comparison-city weeks filled by interpolation between their neighbours (gaps "
        "of at most three weeks): {n}.",
        "fig_gaps": "Gaps to the synthetic twin: {city}",
        "placebo_comparison": "Placebo event dates are run on the single-series designs; the "
        'synthetic control\'s placebo test is in space (section "Comparison cities").',
        "breaks_comparison": "The break-date search runs on the single-series designs.",
        "official": "Official statistics beside the index",
        "official_note": "Each official series is drawn on its own axis (right) in its unit, "
        "one line per source and basis: bases are never spliced, and a month without a value "
        "is a gap.",
        "fig_official": "The index and official statistics: {city}",
        "diagnostics_synthetic": "The synthetic control's residuals are the city's gaps to "
        "its twin before the event (log points); the regression tests of residuals do not "
        "apply to it.",
    },
}

# Column headers of the economist's tables.
COLUMNS: Final[dict[ReportLang, dict[str, str]]] = {
    "ru": {
        "city": "Город", "source": "Источник", "origin": "Происхождение",
        "listings": "Объявлений", "observations": "Наблюдений", "dates": "Даты",
        "kind": "Что", "weeks": "Недель", "max_listings": "Больше всего за неделю",
        "span": "Период анализа", "pre_post": "Недель до / после", "limit": "Предел",
        "left_out": "Не вошло", "series": "Ряд", "periods": "Периодов",
        "listings_per_period": "Объявлений за период", "window_change": "Изменение за окно",
        "error": "Ошибка", "term": "Член", "estimate": "Оценка", "se": "Ст. ошибка",
        "ci": "Интервал", "p": "p", "what": "Что", "effect_pct": "Эффект, %",
        "effect_kzt": "Эффект, ₸ в месяц", "residuals": "Остатки", "n": "n",
        "durbin_watson": "Дарбин — Уотсон", "lag1": "Автокорреляция первого лага",
        "bg_p": "Бройш — Годфри p", "lb_p": "Льюнг — Бокс p", "lags": "Лагов",
        "r2": "R² до события", "mape": "MAPE до события, %", "placebos": "Плацебо-дат",
        "empirical_p": "Эмпирическое p", "varied": "Что менялось", "design": "Дизайн",
        "errors": "Ошибки", "window": "Окно данных", "level_change": "Сдвиг уровня",
        "slope_change": "Сдвиг наклона", "status": "Статус", "event": "Событие",
        "first_post": "Первый период после", "break": "Перелом", "break_ci": "Интервал",
        "sup_f_p": "sup-F p", "inside": "Событие в интервале", "run": "Запуск",
        "spider": "Паук", "started": "Начат", "items": "Записей", "package": "Пакет",
        "version": "Версия", "donor": "Город сравнения", "weight": "Вес",
        "pre_rmspe": "RMSPE до", "post_rmspe": "RMSPE после", "ratio": "Отношение",
        "kept": "В расчёте", "rank": "Ранг", "metric": "Показатель", "basis": "База",
        "unit": "Единица", "months": "Месяцев", "missing": "Пропущено месяцев",
    },
    "en": {
        "city": "City", "source": "Source", "origin": "Origin", "listings": "Listings",
        "observations": "Observations", "dates": "Dates", "kind": "What", "weeks": "Weeks",
        "max_listings": "Most in a week", "span": "Analysis span",
        "pre_post": "Weeks before / after", "limit": "Limit", "left_out": "Left out",
        "series": "Series", "periods": "Periods", "listings_per_period": "Listings a period",
        "window_change": "Window change", "error": "Error", "term": "Term",
        "estimate": "Estimate", "se": "Std. error", "ci": "Interval", "p": "p", "what": "What",
        "effect_pct": "Effect, %", "effect_kzt": "Effect, ₸ a month", "residuals": "Residuals",
        "n": "n", "durbin_watson": "Durbin–Watson", "lag1": "First-lag autocorr.",
        "bg_p": "Breusch–Godfrey p", "lb_p": "Ljung–Box p", "lags": "Lags",
        "r2": "Pre-period R²", "mape": "Pre-period MAPE, %", "placebos": "Placebos",
        "empirical_p": "Empirical p", "varied": "Varied", "design": "Design",
        "errors": "Errors", "window": "Data window", "level_change": "Level change",
        "slope_change": "Slope change", "status": "Status", "event": "Event",
        "first_post": "First post period", "break": "Break", "break_ci": "Interval",
        "sup_f_p": "sup-F p", "inside": "Event inside", "run": "Run", "spider": "Spider",
        "started": "Started", "items": "Items", "package": "Package", "version": "Version",
        "donor": "Donor", "weight": "Weight", "pre_rmspe": "Pre RMSPE",
        "post_rmspe": "Post RMSPE", "ratio": "Ratio", "kept": "Kept", "rank": "Rank",
        "metric": "Metric", "basis": "Basis", "unit": "Unit", "months": "Months",
        "missing": "Missing months",
    },
}  # fmt: skip

# Values of categorical columns, in words.
VALUES: Final[dict[ReportLang, dict[str, str]]] = {
    "ru": {
        "empty": "нет данных", "thin": "мало объявлений", "yes": "да", "no": "нет",
        "base": "основная", "errors": "ошибки", "lags": "лаги", "window": "окно данных",
        "series": "ряд", "design": "дизайн", "shape": "форма", "all": "все",
        "horizon": "горизонт {h}", "headline window": "окно оценки",
        "gap": "за пропуском", "extrapolation": "дальше предела экстраполяции",
        "range": "вне заданных дат", "counterfactual": "контрфактический",
        "segmented": "сегментный", "none": "—", "finished": "завершён", "failed": "сбой",
        "running": "идёт", "live": "сбор с сайтов", "archive": "веб-архив", "import": "импорт",
        "simulated": "симуляция", "synthetic": "синтетический контроль",
        "comparative": "сравнительный ПВР", "donors": "города сравнения",
        "variant": "вариант", "conformal": "конформный",
        "backtest": "ошибки на псевдособытиях",
        "backtest-placebo": "ошибки на псевдособытиях и у городов сравнения",
        "pooled": "ошибки на псевдособытиях и у городов сравнения, вместе",
        "without": "без: {city}",
        "no_data": "нет данных", "thin_donor": "данные за {n} из {of} до события",
        "window_gap": "нет данных за неделю с {week}", "equal": "равные веса",
        "synthetic_weights": "синтетические веса",
        "too few comparison cities": "мало городов сравнения",
        # Synthetic control's variants (the CLI's --sc-variant names in words).
        "standard": "стандартный", "demeaned": "с вычетом среднего",
        "detrended": "с вычетом тренда", "broken-trend": "тренд с изломом",
        "broken": "тренд с изломом или сдвигом", "augmented": "с ридж-поправкой",
        "augmented-demeaned": "с ридж-поправкой, с вычетом среднего",
        "augmented-detrended": "с ридж-поправкой, с вычетом тренда",
    },
    "en": {
        "empty": "no data", "thin": "thin", "yes": "yes", "no": "no", "base": "base",
        "errors": "errors", "lags": "lags", "window": "data window", "series": "series",
        "design": "design", "shape": "shape", "all": "all", "horizon": "horizon {h}",
        "headline window": "headline window", "gap": "beyond a hole",
        "extrapolation": "past the extrapolation limit", "range": "outside the dates asked",
        "counterfactual": "counterfactual", "segmented": "segmented", "none": "—",
        "live": "live crawl", "archive": "web archive", "synthetic": "synthetic control",
        "comparative": "comparative ITS", "donors": "donors", "variant": "variant",
        "conformal": "conformal", "backtest": "backtest",
        "backtest-placebo": "backtest and placebos", "pooled": "backtest and placebos, pooled",
        "without": "without {city}",
        "no_data": "no data",
        "thin_donor": "data in {n} of {of} before the event",
        "window_gap": "no data in the week of {week}", "equal": "equal weights",
        "synthetic_weights": "synthetic weights",
        "standard": "standard", "demeaned": "de-meaned", "detrended": "detrended",
        "broken-trend": "broken trend", "broken": "broken trend or level",
        "augmented": "ridge-augmented", "augmented-demeaned": "ridge-augmented, de-meaned",
        "augmented-detrended": "ridge-augmented, detrended",
    },
}  # fmt: skip
