"""Price text -> whole amount, currency and (when the text says it) the rent period.

``"300 000 〒"`` is 300 000 KZT whatever joins the digit groups: a space of any Unicode kind
(NBSP, U+202F, thin and hair spaces …), an apostrophe (``'`` ``’`` ``ʼ``), an underscore, a
dot or a comma; invisible format characters (U+200B, U+2060, U+FEFF …) are ignored.
``"150 000 〒 за месяц"`` also says the period; ``"от 200 000 тг"`` is 200 000; ``"1.5 млн 〒"``
(krisha's image captions) is 1 500 000. Currencies are kept as printed, never converted: "〒"
(U+3012, krisha's lookalike of ₸), "₸", "тг", "тенге" mean KZT; "$", "USD", "у.е." mean USD;
"€"/"EUR" and "₽"/"руб" are recognised too. "Договорная" with no number is no price at all.

**The amount is the number written next to the currency sign**, not the first number in
sight: ``"Цена: 1-комн. 300 000 〒"`` is 300 000 (not 1), and ``"300 000 〒 + 20 тыс.
коммунальные"`` is 300 000 (the utilities are not the rent). A text with several numbers
and no currency sign names no single price (``price_ambiguous``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final, NamedTuple

from scrapers.items import PricePeriod
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


# Characters that join digit groups besides the space (after every Unicode space has become
# one): apostrophes as the Swiss and some keyboards write them, the underscore, dot and comma.
_JOINERS: Final = "'’‘ʼ′`_.,"
# "1.5 млн", "~ 1.6 млн", "200 тыс." (krisha shortens big prices in captions).
_SCALED: Final = re.compile(r"(?<![\d.,])(\d{1,6}(?:[.,]\d{1,3})?) ?(млн|тыс)(?!\w)")
_SCALE: Final = {"млн": 1_000_000, "тыс": 1_000}
# Digit groups joined by one joiner ("1 000 000", "1,200", "300’000"), or a plain run of at
# most 13 digits; an optional 1-2 digit fraction is rounded away. Longer runs are not prices
# (and would be slow to convert), so they match nothing.
_NUMBER: Final = re.compile(
    rf"(?<![\d{_JOINERS}])(\d{{1,3}}(?:[ {_JOINERS}]\d{{3}}){{1,4}}|\d{{1,13}})"
    rf"(?:[.,](\d{{1,2}}))?(?![\d{_JOINERS[:-2]}]|[.,]\d)"
)
_NOT_DIGIT: Final = re.compile(rf"[ {_JOINERS}]")
_CURRENCIES: Final = (
    ("KZT", re.compile(r"〒|₸|\bтг\b|\bтенге\b|\bтеңге\b|\bkzt\b")),
    ("USD", re.compile(r"\$|\busd\b|\bу\.\s?е\.|\bдолл")),
    ("EUR", re.compile(r"€|\beur\b|\bевро\b")),
    ("RUB", re.compile(r"₽|\brub\b|\bруб")),
)
_NEGOTIABLE: Final = re.compile(r"договорн")
# How far (characters) a currency sign may stand from its number: "300 000 〒", "$ 1 000".
_ADJACENT: Final = 2


class _Amount(NamedTuple):
    start: int
    end: int
    value: int


def normalise(text: str | None) -> str:
    """Lowercased text with format characters dropped and every Unicode space one space."""
    if not text:
        return ""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cf":  # U+200B, U+2060, U+FEFF, bidi marks: invisible, never a digit gap
            continue
        kept.append(" " if category in ("Zs", "Zl", "Zp", "Cc") else char)
    return " ".join("".join(kept).split()).lower()


def parse_price(text: str | None, *, default_currency: str | None = None) -> Price | Rejected:
    """Parse a printed price. ``default_currency`` applies when the text shows no currency.

    Rejections: ``no_price`` (empty), ``price_negotiable`` ("договорная" and no number),
    ``price_unparsed`` (no number), ``price_ambiguous`` (several numbers, none by a currency
    sign), ``price_implausible`` (0 or above the warehouse bound), ``currency_unknown`` (no
    sign and no default), ``currency_ambiguous`` (two currencies).
    """
    flat = normalise(text)
    if not flat:
        return Rejected("no_price")
    amounts = _amounts(flat)
    if not amounts:
        return Rejected("price_negotiable" if _NEGOTIABLE.search(flat) else "price_unparsed")
    signs = [(code, m.start(), m.end()) for code, p in _CURRENCIES for m in p.finditer(flat)]
    if len({code for code, _, _ in signs}) > 1:
        return Rejected("currency_ambiguous")
    if signs:
        currency = signs[0][0]
        chosen = _next_to(amounts, signs)
        if chosen is None:
            if len(amounts) > 1:
                return Rejected("price_ambiguous")
            chosen = amounts[0]
    else:
        if default_currency is None:
            return Rejected("currency_unknown")
        if len(amounts) > 1:
            return Rejected("price_ambiguous")
        currency, chosen = default_currency, amounts[0]
    if not 1 <= chosen.value <= MAX_PRICE:
        return Rejected("price_implausible")
    return Price(chosen.value, currency, period_in(flat))


def _amounts(flat: str) -> list[_Amount]:
    """Every amount in the text, in order; a scaled one ("1.5 млн") wins over its digits."""
    found = [
        _Amount(m.start(), m.end(), round(float(m[1].replace(",", ".")) * _SCALE[m[2]]))
        for m in _SCALED.finditer(flat)
    ]
    for m in _NUMBER.finditer(flat):
        if any(a.start <= m.start() < a.end for a in found):
            continue
        whole = int(_NOT_DIGIT.sub("", m[1]))
        rounded_up = bool(m[2]) and int(m[2].ljust(2, "0")) >= 50
        found.append(_Amount(m.start(), m.end(), whole + rounded_up))
    return sorted(found)


def _next_to(amounts: list[_Amount], signs: list[tuple[str, int, int]]) -> _Amount | None:
    """The amount written right before a currency sign ("300 000 〒"), else right after ("$500")."""
    for _, start, _ in signs:
        for amount in amounts:
            if 0 <= start - amount.end <= _ADJACENT:
                return amount
    for _, _, end in signs:
        for amount in amounts:
            if 0 <= amount.start - end <= _ADJACENT:
                return amount
    return None
