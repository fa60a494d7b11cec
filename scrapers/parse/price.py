"""Price text -> whole amount, currency and (when the text says it) the rent period.

``"300 000 〒"`` (with NBSP, narrow NBSP U+202F or thin space U+2009 between the groups) is
300 000 KZT; ``"150 000 〒 за месяц"`` also says the period; ``"от 200 000 тг"`` is 200 000;
``"1.5 млн 〒"`` (krisha's image captions) is 1 500 000. Currencies are kept as printed, never
converted: "〒" (U+3012, krisha's lookalike of ₸), "₸", "тг", "тенге" mean KZT; "$", "USD",
"у.е." mean USD; "€"/"EUR" and "₽"/"руб" are recognised too. "Договорная" with no number is
no price at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from scrapers.items import PricePeriod
from scrapers.parse.markup import squash
from scrapers.parse.period import period_in
from scrapers.parse.rejected import Rejected
from warehouse.records import MAX_PRICE


@dataclass(frozen=True, slots=True)
class Price:
    """An asking price: ``amount`` whole units of ``currency`` (ISO 4217) per ``period``.

    ``period`` is None when the price text does not name one; the page or title decides then.
    """

    amount: int
    currency: str
    period: PricePeriod | None


# "1.5 млн", "~ 1.6 млн", "200 тыс." (krisha shortens big prices in captions).
_SCALED: Final = re.compile(r"(?<![\d.,])(\d{1,6}(?:[.,]\d{1,3})?)\s?(млн|тыс)\b")
_SCALE: Final = {"млн": 1_000_000, "тыс": 1_000}
# Digit groups joined by a space, dot or comma ("1 000 000", "1,200"), or a plain run of at
# most 13 digits; an optional 1-2 digit fraction is rounded away. Longer runs are not prices
# (and would be slow to convert), so they match nothing.
_NUMBER: Final = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:[ .,]\d{3}){1,4}|\d{1,13})(?:[.,](\d{1,2}))?(?!\d)"
)
_CURRENCIES: Final = (
    ("KZT", re.compile(r"〒|₸|\bтг\b|\bтенге\b|\bтеңге\b|\bkzt\b")),
    ("USD", re.compile(r"\$|\busd\b|\bу\.\s?е\.|\bдолл")),
    ("EUR", re.compile(r"€|\beur\b|\bевро\b")),
    ("RUB", re.compile(r"₽|\brub\b|\bруб")),
)
_NEGOTIABLE: Final = re.compile(r"договорн")


def parse_price(text: str | None, *, default_currency: str | None = None) -> Price | Rejected:
    """Parse a printed price. ``default_currency`` applies when the text shows no currency.

    Rejections: ``no_price`` (empty), ``price_negotiable`` ("договорная" and no number),
    ``price_unparsed`` (no number), ``price_implausible`` (0 or above the warehouse bound),
    ``currency_unknown`` (no sign and no default), ``currency_ambiguous`` (two currencies).
    """
    flat = squash(text).lower()
    if not flat:
        return Rejected("no_price")
    amount = _amount(flat)
    if amount is None:
        return Rejected("price_negotiable" if _NEGOTIABLE.search(flat) else "price_unparsed")
    if not 1 <= amount <= MAX_PRICE:
        return Rejected("price_implausible")
    found = [code for code, pattern in _CURRENCIES if pattern.search(flat)]
    if len(found) > 1:
        return Rejected("currency_ambiguous")
    currency = found[0] if found else default_currency
    if currency is None:
        return Rejected("currency_unknown")
    return Price(amount, currency, period_in(flat))


def _amount(flat: str) -> int | None:
    if scaled := _SCALED.search(flat):
        return round(float(scaled[1].replace(",", ".")) * _SCALE[scaled[2]])
    if number := _NUMBER.search(flat):
        whole = int(re.sub(r"[ .,]", "", number[1]))
        return whole + (1 if number[2] and int(number[2].ljust(2, "0")) >= 50 else 0)
    return None
