"""The web archive: CDX API rows -> captures, and the URL of a capture's original bytes.

The CDX API (``/cdx/search/cdx?url=…&output=json``) answers a JSON array whose first row is
the header (``["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest",
"length"]``, or the fields asked for with ``fl=``); every other row is one capture. An empty
result is ``[]``. ``<base>/web/<timestamp>id_/<original>`` returns the capture's original
bytes, without the archive's toolbar or rewritten links; the capture timestamp (UTC) is the
observation time of everything parsed from it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final
from urllib.parse import urlsplit

from scrapers.parse.cities import city_of_slug
from warehouse.errors import RentwatchError

TIMESTAMP_FORMAT: Final = "%Y%m%d%H%M%S"
# Search pages: krisha /arenda/kvartiry/<city>/ (also /kz/… and district sub-slugs such as
# almaty-bostandykskij), olx /[d/]nedvizhimost/kvartiry/arenda-dolgosrochnaya/<city>/.
_CITY_SLUG: Final = re.compile(
    r"/(?:arenda/kvartiry|nedvizhimost/kvartiry/arenda-[a-z]+)/([a-z-]+)(?:/|$)"
)
_SOURCES: Final = {"krisha.kz": "krisha", "olx.kz": "olx"}


class ArchiveError(RentwatchError):
    """The archive's answer is not what its API documents."""


@dataclass(frozen=True, slots=True)
class Capture:
    """One archived copy of a URL. ``timestamp`` is UTC; ``statuscode`` None for revisits."""

    timestamp: datetime
    original: str
    statuscode: int | None
    digest: str | None
    mimetype: str | None = None

    @property
    def timestamp14(self) -> str:
        """The timestamp as the archive writes it, ``yyyyMMddhhmmss``."""
        return self.timestamp.strftime(TIMESTAMP_FORMAT)


def parse_cdx(body: bytes | str) -> list[Capture]:
    """Parse a CDX ``output=json`` answer; raises :class:`ArchiveError` if it is not one.

    Rows that are not captures (the blank row and resume key that ``showResumeKey=true``
    appends) are skipped.
    """
    try:
        rows = json.loads(body)
    except ValueError as exc:
        raise ArchiveError(f"the CDX answer is not JSON ({exc})") from None
    if not isinstance(rows, list) or any(not isinstance(row, list) for row in rows):
        raise ArchiveError("the CDX answer is not a JSON array of rows")
    if not rows:
        return []
    header = [str(name) for name in rows[0]]
    for needed in ("timestamp", "original"):
        if needed not in header:
            raise ArchiveError(f"the CDX header has no {needed!r} column: {header}")
    captures = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            continue
        fields = dict(zip(header, row, strict=True))
        captures.append(
            Capture(
                timestamp=parse_timestamp(str(fields["timestamp"]), row=number),
                original=str(fields["original"]),
                statuscode=_status(fields.get("statuscode")),
                digest=_text(fields.get("digest")),
                mimetype=_text(fields.get("mimetype")),
            )
        )
    return captures


def parse_timestamp(text: str, *, row: int | None = None) -> datetime:
    """``"20221013093000"`` -> 2022-10-13 09:30:00 UTC; shorter stamps are padded with zeros."""
    where = f" in row {row}" if row is not None else ""
    if not text.isdigit() or not 4 <= len(text) <= 14:
        raise ArchiveError(f"bad CDX timestamp {text!r}{where}")
    padded = text + "0101000000"[len(text) - 4 :] if len(text) < 14 else text
    try:
        return datetime.strptime(padded, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise ArchiveError(f"bad CDX timestamp {text!r}{where}") from None


def capture_url(base: str, timestamp: datetime | str, original: str) -> str:
    """``<base>/web/<timestamp>id_/<original>``: the capture's original, unrewritten bytes."""
    stamp = (
        timestamp.astimezone(UTC).strftime(TIMESTAMP_FORMAT)
        if isinstance(timestamp, datetime)
        else timestamp
    )
    return f"{base.rstrip('/')}/web/{stamp}id_/{original}"


def city_of_url(url: str) -> str | None:
    """The city a search URL lists: ``…/arenda/kvartiry/nur-sultan/?page=2`` -> ``"astana"``.

    ``almaty``, ``alma-ata`` (olx), ``astana`` and ``nur-sultan`` (Astana's slug until about
    October 2022), and district sub-slugs such as ``almaty-bostandykskij``; None otherwise.
    """
    match = _CITY_SLUG.search(urlsplit(url if "//" in url else f"//{url}").path.lower())
    if match is None:
        return None
    return city_of_slug(match[1])


def source_of_url(url: str) -> str | None:
    """``"krisha"`` or ``"olx"`` for a URL on either portal (any subdomain), else None."""
    host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").lower()
    for domain, source in _SOURCES.items():
        if host == domain or host.endswith("." + domain):
            return source
    return None


def _status(value: object) -> int | None:
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() else None


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "", "-") else None
