"""Numbers, money and dates written the way each report language writes them, through Babel.

Babel (CLDR data) supplies the digit grouping, the decimal sign, the month names (Russian
in the genitive a date needs, "21 сентября") and the plural categories. The project keeps
four rules of its own where CLDR differs (measured with Babel 2.19, ``tests/test_report_text.py``
pins each):

- **Half-up rounding** of the decimal digits as printed (8.25 -> 8.3): Babel rounds half to
  even (8.25 -> 8.2); numbers are rounded under a ``ROUND_HALF_UP`` decimal context.
- **U+2212 MINUS SIGN** for negatives; CLDR's ru, kk and en use the ASCII hyphen-minus.
- **U+00A0 before "%" in ru and kk** ("12,5 %"): CLDR's kk percent pattern has no space and
  its ru one has it only for whole numbers; en writes "12.5%".
- **"350 000 ₸" in every language**: CLDR's ru and en write the code "KZT" ("350 000,00 KZT",
  "KZT350,000.00"); prices in Kazakhstan are written with the sign after the amount.

Every space inside a number, a date, and before "%" or "₸" is U+00A0 NO-BREAK SPACE, so a
line never breaks inside an amount or a date. English dates are British ("21 September 2022",
CLDR en_GB), as Kazakhstan's English-language press writes them. Kazakh ablative month names
("қыркүйектен", after "кейін"/"бұрын"/"бастап") are not in CLDR and stay spelled out here.
"""

from __future__ import annotations

import decimal
import math
from datetime import date
from functools import cache
from typing import Final, Literal

from babel import Locale
from babel.dates import format_date as babel_date
from babel.numbers import format_decimal

Lang = Literal["ru", "kk", "en"]
LANGS: Final[tuple[Lang, ...]] = ("ru", "kk", "en")

NBSP: Final = "\u00a0"
MINUS: Final = "\u2212"  # a real minus sign, as typeset text uses, not a hyphen
INFINITY: Final = "\u221e"  # an interval's unbounded end
TENGE: Final = "\u20b8"

# The CLDR locale behind each report language (British English for dates).
LOCALES: Final[dict[Lang, str]] = {"ru": "ru", "kk": "kk", "en": "en_GB"}
# Date patterns (CLDR/LDML syntax); "MMMM" is the month name in the format context, which
# in Russian is the genitive. Spaces are U+00A0.
_DATE_PATTERNS: Final[dict[Lang, str]] = {
    "ru": f"d{NBSP}MMMM y{NBSP}'г.'",
    "kk": f"y{NBSP}'жылғы' d{NBSP}MMMM",
    "en": f"d{NBSP}MMMM y",
}
# Month and year alone, for spans of weeks: ru "сентябрь 2022 г." (the stand-alone,
# nominative name), kk "2022 жылғы қыркүйек", en "September 2022".
_MONTH_PATTERNS: Final[dict[Lang, str]] = {
    "ru": f"LLLL y{NBSP}'г.'",
    "kk": f"y{NBSP}'жылғы' MMMM",
    "en": "LLLL y",
}
# Kazakh month names in the ablative ("21 қыркүйектен кейін" = after 21 September): the
# suffix follows each word's last sound, so it is spelled out rather than computed.
_MONTHS_KK_ABLATIVE: Final = (
    "қаңтардан", "ақпаннан", "наурыздан", "сәуірден", "мамырдан", "маусымнан", "шілдеден",
    "тамыздан", "қыркүйектен", "қазаннан", "қарашадан", "желтоқсаннан",
)  # fmt: skip


def check_lang(lang: str) -> Lang:
    """``lang`` as a :data:`Lang`; ValueError names the languages reports are written in."""
    for known in LANGS:
        if lang == known:
            return known
    raise ValueError(f"language {lang!r} is not one of {', '.join(LANGS)}")


@cache
def _locale(lang: Lang) -> Locale:
    return Locale.parse(LOCALES[lang])


def format_number(value: float, lang: Lang, *, decimals: int = 0, sign: bool = False) -> str:
    """``1234567.891`` -> ru/kk ``"1 234 567,9"``, en ``"1,234,567.9"`` (``decimals=1``).

    ``sign`` writes "+" before positive values; negatives always carry a minus sign (U+2212).
    A value that rounds to zero is written without a sign. Rounding is half away from zero on
    the decimal digits as printed (8.25 -> 8.3), the way people round.
    """
    if not math.isfinite(value):
        raise ValueError(f"cannot format {value!r} as a number")
    step = decimal.Decimal(1).scaleb(-decimals)
    with decimal.localcontext() as context:
        context.rounding = decimal.ROUND_HALF_UP
        rounded = decimal.Decimal(repr(float(abs(value)))).quantize(step)
        pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
        body = format_decimal(rounded, format=pattern, locale=_locale(lang))
    if rounded == 0:
        return body
    if value < 0:
        return MINUS + body
    return ("+" + body) if sign else body


def round_half_up(value: float, decimals: int = 0) -> float:
    """``value`` rounded as :func:`format_number` prints it (half away from zero)."""
    step = decimal.Decimal(1).scaleb(-decimals)
    exact = decimal.Decimal(repr(float(value)))
    return float(exact.quantize(step, rounding=decimal.ROUND_HALF_UP))


def percent_decimals(*values: float) -> int:
    """Whole percent when every value is 10 or more in size, else one decimal.

    Officials read "about 32 %"; a small effect keeps the decimal that carries it.
    """
    return 0 if all(abs(v) >= 10 for v in values) else 1


def format_percent(value: float, lang: Lang, *, decimals: int = 1, sign: bool = False) -> str:
    """``12.5`` (already in percent) -> ru/kk ``"12,5 %"``, en ``"12.5%"``; an interval's
    unbounded end (a conformal interval that rejects no effect on that side) ``"−∞ %"`` /
    ``"+∞ %"``: the one non-finite value a report prints, and it says what it is."""
    if math.isinf(value):
        number = (MINUS if value < 0 else "+" if sign else "") + INFINITY
    else:
        number = format_number(value, lang, decimals=decimals, sign=sign)
    return f"{number}{NBSP}%" if lang != "en" else f"{number}%"


def format_tenge(amount: float, lang: Lang, *, round_to: int = 1) -> str:
    """KZT per month -> ``"350 000 ₸"`` (rounded to the nearest ``round_to`` tenge).

    All languages put the sign after the amount, as prices are written in Kazakhstan.
    """
    rounded = round_half_up(amount / round_to) * round_to
    return f"{format_number(rounded, lang)}{NBSP}{TENGE}"


def format_date(day: date, lang: Lang, *, ablative: bool = False) -> str:
    """ru ``"21 сентября 2022 г."``, kk ``"2022 жылғы 21 қыркүйек"``, en ``"21 September 2022"``.

    ``ablative`` gives the Kazakh form that "кейін" (after) and "бұрын" (before) govern
    (``"2022 жылғы 21 қыркүйектен"``); Russian and English dates do not change.
    """
    if ablative and lang == "kk":
        return f"{day.year}{NBSP}жылғы {day.day}{NBSP}{_MONTHS_KK_ABLATIVE[day.month - 1]}"
    return babel_date(day, _DATE_PATTERNS[lang], locale=_locale(lang))


def format_month(day: date, lang: Lang) -> str:
    """The month of ``day`` with its year: ru ``"июль 2023 г."``, kk ``"2023 жылғы шілде"``,
    en ``"July 2023"``."""
    return babel_date(day, _MONTH_PATTERNS[lang], locale=_locale(lang))


def plural_form(n: float, lang: Lang) -> str:
    """The CLDR plural category of ``n`` in ``lang``: ru ``one``/``few``/``many``/``other``,
    kk and en ``one``/``other``."""
    return str(_locale(lang).plural_form(n))


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """The Russian noun form after the number ``n``: 1 неделя, 2 недели, 5 недель, 21 неделя."""
    category = plural_form(n, "ru")
    return {"one": one, "few": few}.get(category, many)
