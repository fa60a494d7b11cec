"""Numbers, money and dates written the way each report language writes them.

Russian and Kazakh group thousands with a no-break space and use a decimal comma
("350 000 ₸", "12,5 %"); English uses a comma separator and a decimal point
("350,000 ₸", "12.5%"). The space inside a number and before "%" or "₸" is always
U+00A0 NO-BREAK SPACE, so a line never breaks inside an amount.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal

Lang = Literal["ru", "kk", "en"]
LANGS: Final[tuple[Lang, ...]] = ("ru", "kk", "en")

NBSP: Final = "\u00a0"
MINUS: Final = "\u2212"  # a real minus sign, as typeset text uses, not a hyphen
TENGE: Final = "\u20b8"

_MONTHS: Final[dict[Lang, tuple[str, ...]]] = {
    # Russian months in the genitive, as a date is written ("21 сентября").
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
           "сентября", "октября", "ноября", "декабря"),
    "kk": ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
           "қыркүйек", "қазан", "қараша", "желтоқсан"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}  # fmt: skip
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


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


def format_number(value: float, lang: Lang, *, decimals: int = 0, sign: bool = False) -> str:
    """``1234567.891`` -> ru/kk ``"1 234 567,9"``, en ``"1,234,567.9"`` (``decimals=1``).

    ``sign`` writes "+" before positive values; negatives always carry a minus sign (U+2212).
    A value that rounds to zero is written without a sign.
    """
    if not math.isfinite(value):
        raise ValueError(f"cannot format {value!r} as a number")
    # Half away from zero on the decimal digits as printed (8.25 -> 8.3), the way people
    # round, not the binary value's round-half-even.
    step = Decimal(1).scaleb(-decimals)
    text = f"{Decimal(repr(float(abs(value)))).quantize(step, rounding=ROUND_HALF_UP):f}"
    whole, _, frac = text.partition(".")
    rounded_zero = float(text) == 0.0
    grouped = _group(whole, NBSP if lang != "en" else ",")
    body = grouped + ((("," if lang != "en" else ".") + frac) if frac else "")
    if rounded_zero:
        return body
    if value < 0:
        return MINUS + body
    return ("+" + body) if sign else body


def percent_decimals(*values: float) -> int:
    """Whole percent when every value is 10 or more in size, else one decimal.

    Officials read "about 32 %"; a small effect keeps the decimal that carries it.
    """
    return 0 if all(abs(v) >= 10 for v in values) else 1


def format_percent(value: float, lang: Lang, *, decimals: int = 1, sign: bool = False) -> str:
    """``12.5`` (already in percent) -> ru/kk ``"12,5 %"``, en ``"12.5%"``."""
    number = format_number(value, lang, decimals=decimals, sign=sign)
    return f"{number}{NBSP}%" if lang != "en" else f"{number}%"


def format_tenge(amount: float, lang: Lang, *, round_to: int = 1) -> str:
    """KZT per month -> ``"350 000 ₸"`` (rounded to the nearest ``round_to`` tenge).

    All languages put the sign after the amount, as prices are written in Kazakhstan.
    """
    rounded = round(amount / round_to) * round_to
    return f"{format_number(rounded, lang)}{NBSP}{TENGE}"


def format_date(day: date, lang: Lang, *, ablative: bool = False) -> str:
    """ru ``"21 сентября 2022 г."``, kk ``"2022 жылғы 21 қыркүйек"``, en ``"21 September 2022"``.

    ``ablative`` gives the Kazakh form that "кейін" (after) and "бұрын" (before) govern
    (``"2022 жылғы 21 қыркүйектен"``); Russian and English dates do not change.
    """
    month = (_MONTHS_KK_ABLATIVE if ablative and lang == "kk" else _MONTHS[lang])[day.month - 1]
    if lang == "ru":
        return f"{day.day}{NBSP}{month} {day.year}{NBSP}г."
    if lang == "kk":
        return f"{day.year}{NBSP}жылғы {day.day}{NBSP}{month}"
    return f"{day.day}{NBSP}{month} {day.year}"


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """The Russian noun form after the number ``n``: 1 неделя, 2 недели, 5 недель, 21 неделя."""
    tens, units = n % 100, n % 10
    if 11 <= tens <= 14:
        return many
    if units == 1:
        return one
    if 2 <= units <= 4:
        return few
    return many
