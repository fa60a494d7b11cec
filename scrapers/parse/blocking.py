"""Blocked is not empty: telling a firewall's answer from a page with no listings.

krisha.kz sits behind the SafeLine WAF, which answers HTTP 468 with a JavaScript
proof-of-work page (scripts under ``/.safeline/static/``, cookie ``sl-session``) or 403
(``kz_rents/site_structure.md`` §1.6); olx.kz and others use Cloudflare's challenge. A
challenge page can also come with status 200, so the body is checked too. A blocked response
must fail the crawl loudly; parsing it would report "no listings".
"""

from __future__ import annotations

from typing import Final

BLOCKING_STATUSES: Final[dict[int, str]] = {403: "http_403", 429: "http_429", 468: "http_468"}
# Marks of a challenge page, as the firewalls write them (lowercase).
CHALLENGE_MARKERS: Final[tuple[bytes, ...]] = (
    b"/.safeline/",  # SafeLine's challenge scripts and assets
    b"sl-session",  # SafeLine's session cookie, set by the challenge script
    b"/cdn-cgi/challenge-platform/",  # Cloudflare's managed challenge
    b"cf-chl-",  # Cloudflare's challenge form and script ids
)
# A challenge page is small (SafeLine's is about 227 KB) and is scanned whole; a bigger body
# is a real page, and only its two ends are scanned, where a challenge would put its scripts:
# scanning 1.3 MB for four markers costs half as much as parsing it.
WHOLE_SCAN_LIMIT: Final = 512 * 1024
END_SCAN: Final = 64 * 1024


def blocked_reason(status: int, body: bytes | str) -> str | None:
    """Why this response is a block (``"http_468"``, ``"waf_challenge"``, …), or None if not."""
    if status in BLOCKING_STATUSES:
        return BLOCKING_STATUSES[status]
    raw = body.encode("utf-8", "replace") if isinstance(body, str) else body
    windows = (raw,) if len(raw) <= WHOLE_SCAN_LIMIT else (raw[:END_SCAN], raw[-END_SCAN:])
    if any(marker in window for window in windows for marker in CHALLENGE_MARKERS):
        return "waf_challenge"
    return None


def is_blocked(status: int, body: bytes | str) -> bool:
    """True for HTTP 403, 429 and 468 and for a web firewall's challenge page."""
    return blocked_reason(status, body) is not None
