"""District text -> one canonical name per district of each city, keeping the raw text.

krisha writes the district first in the card's address line, as ``"<Name> р-н"`` (2022:
``"Бостандыкский р-н, Розыбакиева 320"``) or ``"р-н <Name>"`` (2025: ``"р-н Байконур, …"``),
and not at all for some cards (``"Гагарина 311"``). Names vary: ``"Сарыарка р-н"`` is the
Сарыаркинский district, ``"Байконур"`` the Байконурский, and ``"Алматы р-н"`` inside Astana is
Astana's Алматинский district, not the city of Almaty. olx gives ``"Есильский район"`` or the
bare name. Kazakh spellings (``"Есіл ауданы"``) map to the same districts.
"""

from __future__ import annotations

import re
from typing import Final

# Canonical name -> lowercase stems that name it (Russian and Kazakh spellings); a district
# text names a district when its name part starts with one of the stems.
DISTRICTS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "almaty": {
        "Алатауский": ("алатау",),
        "Алмалинский": ("алмалин", "алмалы"),
        "Ауэзовский": ("ауэзов", "ауезов", "әуезов"),
        "Бостандыкский": ("бостандык", "бостандық"),
        "Жетысуский": ("жетысу", "жетісу"),
        "Медеуский": ("медеу",),
        "Наурызбайский": ("наурызбай",),
        "Турксибский": ("турксиб", "түрксіб"),
    },
    "astana": {
        "Алматинский": ("алматин", "алматы"),
        "Байконурский": ("байконур", "байқоңыр"),
        "Есильский": ("есиль", "есил", "есіл"),
        "Сарыаркинский": ("сарыарк", "сарыарқ"),
        "Нура": ("нура",),
    },
    # Other cities with districts of their own; a registered city missing here keeps the raw
    # text with ``district = None`` (its mix index then stratifies by rooms only).
    "shymkent": {
        "Абайский": ("абай",),
        "Аль-Фарабийский": ("аль-фараби", "аль фараби", "әл-фараби"),
        "Енбекшинский": ("енбекши", "еңбекші"),
        "Каратауский": ("каратау", "қаратау"),
        "Туранский": ("туран",),
    },
    "karaganda": {
        "Казыбек би": ("казыбек", "қазыбек", "им. казыбек", "имени казыбек"),
        # Октябрьский until 2022.
        "Алихана Бокейхана": ("алихан", "им. алихан", "имени алихан", "бокейхан", "октябр"),
    },
    "aktobe": {
        # Aktobe's own districts, named after the two cities (so the table is per city).
        "Алматы": ("алматы", "алматин"),
        "Астана": ("астана", "астанин"),
    },
}

_MARKER: Final = r"(?:р-н|р-он|район|ауданы)"
# The district at the start of an address line, up to the first comma, dash or house number.
_LEADING: Final = re.compile(
    rf"^\s*(?:{_MARKER}\s+(?P<after>(?:им\.\s?|имени\s)?[^\W\d][\w-]*(?:\s[^\W\d][\w-]*)?)"
    rf"|(?P<before>[^\W\d][\w-]*(?:\s[^\W\d][\w-]*)?)\s+{_MARKER})(?=\s|,|$)"
)
_STRIP_MARKER: Final = re.compile(rf"\b{_MARKER}(?=\s|$)|\bрайонный\b")


def district_in_address(address: str | None) -> str | None:
    """The district part of an address line as printed, or None when the line has none.

    ``"Алатауский р-н, мкр Акбулак, 1-я улица 93"`` -> ``"Алатауский р-н"``;
    ``"р-н Байконур, Жубанова 23"`` -> ``"р-н Байконур"``; ``"Гагарина 311"`` -> None.
    """
    if not address:
        return None
    match = _LEADING.match(" ".join(address.split()))
    return match[0].strip() if match else None


def canonical_district(city: str, text: str | None) -> str | None:
    """The canonical name of the district ``text`` names in ``city``, or None if none of its.

    ``("astana", "Сарыарка р-н")`` -> ``"Сарыаркинский"``; ``("astana", "Алматы р-н")`` ->
    ``"Алматинский"``; ``("almaty", "Карасайский р-н")`` -> None (a district of the region,
    not of the city).
    """
    if not text:
        return None
    name = " ".join(_STRIP_MARKER.sub(" ", text.lower().replace("ё", "е")).split())
    for canonical, stems in DISTRICTS.get(city, {}).items():
        if name.startswith(stems):
            return canonical
    return None


def parse_district(city: str, address: str | None) -> tuple[str | None, str | None]:
    """An address line -> ``(canonical, raw)``: ``raw`` is the district text as printed."""
    raw = district_in_address(address)
    return canonical_district(city, raw), raw
