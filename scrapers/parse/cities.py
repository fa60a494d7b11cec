"""URL slugs -> registered city codes (``warehouse.cities`` is the registry)."""

from __future__ import annotations

from typing import Final

from warehouse.cities import REGISTRY, canonical_city

# Every krisha and olx slug, longest first: krisha's district sub-slugs start with the city's
# ("almaty-bostandykskij", "ust-kamenogorsk-…"), so the longest matching prefix names the city.
_SLUG_PREFIXES: Final = tuple(
    sorted(
        {s for c in REGISTRY for s in (*c.all_krisha_slugs, c.olx_slug) if s is not None},
        key=len,
        reverse=True,
    )
)


def city_of_slug(slug: str) -> str | None:
    """``"nur-sultan"`` -> ``"astana"``, ``"almaty-bostandykskij"`` -> ``"almaty"``; else None."""
    slug = slug.strip().lower()
    if city := canonical_city(slug):
        return city
    for prefix in _SLUG_PREFIXES:
        if slug.startswith(prefix + "-"):
            return canonical_city(prefix)
    return None
