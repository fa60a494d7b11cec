"""Blocked is not empty: telling a firewall's answer from a page with no listings.

krisha.kz sits behind the SafeLine WAF, which answers HTTP 468 with a JavaScript
proof-of-work page (scripts under ``/.safeline/static/``, cookie ``sl-session``) or 403
(``kz_rents/site_structure.md`` §1.6); olx.kz and many others sit behind Cloudflare (the
managed challenge and its Turnstile widget) or DDoS-Guard. A challenge page can also come
with status 200, so the body is checked too, and the firewall is named: the run's failure
line says ``blocked: cloudflare``, not only "blocked". A blocked response must fail the crawl
loudly; parsing it would report "no listings".
"""

from __future__ import annotations

from typing import Final

BLOCKING_STATUSES: Final[dict[int, str]] = {403: "http_403", 429: "http_429", 468: "http_468"}
# Marks of each firewall's challenge page, as the firewalls write them (exact bytes).
CHALLENGE_MARKERS: Final[dict[str, tuple[bytes, ...]]] = {
    "safeline": (
        b"/.safeline/",  # SafeLine's challenge scripts and assets
        b"sl-session",  # SafeLine's session cookie, set by the challenge script
    ),
    "cloudflare": (
        b"/cdn-cgi/challenge-platform/",  # the managed challenge's scripts
        b"cf-chl-",  # the challenge form's and scripts' ids
        b"_cf_chl_opt",  # the challenge's options object
        b"challenges.cloudflare.com/turnstile",  # the Turnstile widget's script
        b'class="cf-turnstile"',  # the Turnstile widget itself
    ),
    "ddos-guard": (
        b"/.well-known/ddos-guard/",  # the check page's scripts
        b"check.ddos-guard.net",  # its checking host
        b"__ddg1_",  # DDoS-Guard's cookies
        b"__ddg2_",
    ),
}
# Server headers of the firewalls, lowercase: a 403 or 5xx they sign is theirs.
SERVER_HEADERS: Final[dict[str, str]] = {"ddos-guard": "ddos-guard", "cloudflare": "cloudflare"}
# A challenge page is small (SafeLine's is about 227 KB) and is scanned whole; a bigger body
# is a real page, and only its two ends are scanned, where a challenge would put its scripts:
# scanning 1.3 MB for a dozen markers costs half as much as parsing it.
WHOLE_SCAN_LIMIT: Final = 512 * 1024
END_SCAN: Final = 64 * 1024
# The reasons that are a firewall's challenge (rather than a bare status).
CHALLENGES: Final = frozenset(CHALLENGE_MARKERS)


def challenge_of(body: bytes | str) -> str | None:
    """The firewall whose challenge page ``body`` is (``"cloudflare"``, …), or None."""
    raw = body.encode("utf-8", "replace") if isinstance(body, str) else body
    windows = (raw,) if len(raw) <= WHOLE_SCAN_LIMIT else (raw[:END_SCAN], raw[-END_SCAN:])
    for firewall, markers in CHALLENGE_MARKERS.items():
        if any(marker in window for window in windows for marker in markers):
            return firewall
    return None


def blocked_reason(status: int, body: bytes | str, server: str | None = None) -> str | None:
    """Why this response is a block, or None: the firewall of a challenge page
    (``"safeline"``, ``"cloudflare"``, ``"ddos-guard"``) with any status, else ``"http_468"``
    and the like for 403/429/468 (named by the ``Server`` header's firewall when it signs a
    403: ``"ddos-guard"``)."""
    challenge = challenge_of(body)
    if challenge is not None:
        return challenge
    if status in BLOCKING_STATUSES:
        signed = SERVER_HEADERS.get((server or "").strip().lower())
        return signed if signed is not None and status == 403 else BLOCKING_STATUSES[status]
    return None


def is_blocked(status: int, body: bytes | str) -> bool:
    """True for HTTP 403, 429 and 468 and for a web firewall's challenge page."""
    return blocked_reason(status, body) is not None
