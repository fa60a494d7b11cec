"""Why a card could not become a snapshot: a named reason the page's ``dropped`` counter counts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rejected:
    """A field parser's "no": ``reason`` is a short snake_case name such as ``price_negotiable``."""

    reason: str
