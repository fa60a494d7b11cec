"""City names and URL slugs -> the two cities rentwatch covers ("almaty", "astana")."""

from __future__ import annotations

from typing import Final

from warehouse.records import canonical_city

# krisha's district sub-slugs start with the city's ("almaty-bostandykskij"); olx calls Almaty
# "alma-ata"; Astana's krisha slug was "nur-sultan" until about October 2022.
_SLUG_PREFIXES: Final = ("nur-sultan", "alma-ata", "almaty", "astana")


def city_of_slug(slug: str) -> str | None:
    """``"nur-sultan"`` -> ``"astana"``, ``"almaty-bostandykskij"`` -> ``"almaty"``; else None."""
    slug = slug.strip().lower()
    if city := canonical_city(slug):
        return city
    for prefix in _SLUG_PREFIXES:
        if slug.startswith(prefix + "-"):
            return canonical_city(prefix)
    return None
