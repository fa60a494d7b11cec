"""When a page was fetched: the real clock, or the sandbox's simulated one.

A live crawl stamps its observations with the moment each page was fetched. The sandbox
(:mod:`scrapers.sandbox`) shows a simulated market as it stood on that market's last day, so
its "today" is a day in 2023: its sites send the moment they show in the response header
:data:`SIMULATED_NOW_HEADER` (ISO 8601 with an offset), and the spiders take it as the
observation time, so a demo's live crawl continues the archive's years without a hole.

The header is honoured only by a crawl whose origin is ``simulated`` and only from a loopback
host: a real site (or anything pretending to be the sandbox) can never move a real crawl's
clock, and a simulated crawl of a server that sends no such header keeps the real clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from ipaddress import ip_address
from typing import Final
from urllib.parse import urlsplit

SIMULATED_NOW_HEADER: Final = "X-Rentwatch-Simulated-Now"


def is_loopback(url: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def simulated_now(value: bytes | str | None) -> datetime | None:
    """The header's moment (aware, UTC), or None when absent or not an aware ISO 8601 time."""
    if value is None:
        return None
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def simulated_observation(header: bytes | str | None, *, url: str, origin: str) -> datetime | None:
    """The sandbox's simulated now, when the crawl is ``simulated``, the host is loopback and
    the header holds a valid moment; else None (the page is observed when it was fetched)."""
    if origin == "simulated" and is_loopback(url):
        return simulated_now(header)
    return None


def observed_at(
    header: bytes | str | None, *, url: str, origin: str, now: datetime | None = None
) -> datetime:
    """The observation time of a page fetched from ``url``: its :func:`simulated_observation`,
    else ``now`` (default: the real clock, UTC)."""
    moment = simulated_observation(header, url=url, origin=origin)
    return moment or now or datetime.now(UTC)
