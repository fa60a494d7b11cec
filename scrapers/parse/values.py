"""Reading loosely typed values out of a page's embedded JSON."""

from __future__ import annotations

import re
from typing import Any, Final

_DIGITS: Final = re.compile(r"\d+")
# More digits than this is not a page number or a count (and would be slow to convert).
_MAX_DIGITS: Final = 12


def as_int(value: Any) -> int | None:
    """3, 3.0, ``"3"``, ``"3 184"`` (digits with any separators) -> an int; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        digits = "".join(_DIGITS.findall(value))
        return int(digits) if digits and len(digits) <= _MAX_DIGITS else None
    return None


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []
