"""Write one run's WARC file: a ``warcinfo`` record, then a response and a request per exchange.

WARC/1.1, so ``WARC-Date`` keeps microseconds: the live spiders observe a page at its
``WARC-Date``, and a reparse reproduces the observation time to the microsecond. Records are
built by ``warcio`` (digests, lengths, headers) and each is compressed as its own gzip member
(level 6: 2.4% larger than level 9 on a simulated nightly, in 0.56 of its time;
``bench/warc.py``); an exchange's members go to
the file in one ``write`` and are flushed to the OS at once, so a crawl killed at any moment
leaves whole records and at most one cut member at the end (which the reader stops before).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from importlib.metadata import version
from io import BytesIO
from pathlib import Path
from types import TracebackType
from typing import Final
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

WARC_VERSION: Final = "1.1"
GZIP_LEVEL: Final = 6
CONFORMS_TO: Final = (
    "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
)
# The body was de-chunked by the HTTP client: a Transfer-Encoding header would misdescribe it.
_HOP_BY_HOP: Final = frozenset({b"transfer-encoding"})


def warc_date(moment: datetime) -> str:
    """``2022-10-13T04:00:00.123456Z``: a WARC/1.1 date (UTC, microseconds when there are any)."""
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    return str(datetime_to_iso_date(naive, use_micros=True))


@dataclass(frozen=True)
class RunInfo:
    """What the ``warcinfo`` record says about the run (``rentwatch-*`` fields, read back by
    the reparse; the others are the WARC 1.1 annex's)."""

    run_id: str
    spider: str
    source: str  # the portal, which names the page parser: krisha | olx
    city: str
    origin: str
    parser_version: int
    base_url: str  # what the spider resolves card links against
    details: bool = False  # krisha: detail pages fetched for cards without a district
    user_agent: str | None = None

    def fields(self) -> dict[str, str]:
        return {
            "software": f"rentwatch/{version('rentwatch')} warcio/{version('warcio')}",
            "format": f"WARC File Format {WARC_VERSION}",
            "conformsTo": CONFORMS_TO,
            "isPartOf": self.run_id,
            "description": (
                f"rentwatch crawl run {self.run_id}: {self.spider} {self.city} ({self.origin})"
            ),
            "robots": "obey",
            "http-header-user-agent": self.user_agent or "",
            "rentwatch-run-id": self.run_id,
            "rentwatch-spider": self.spider,
            "rentwatch-source": self.source,
            "rentwatch-city": self.city,
            "rentwatch-origin": self.origin,
            "rentwatch-parser": f"scrapers.parse.{self.source}",
            "rentwatch-parser-version": str(self.parser_version),
            "rentwatch-base-url": self.base_url,
            "rentwatch-details": "true" if self.details else "false",
        }

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> RunInfo:
        """Read back from a ``warcinfo`` record; a missing ``rentwatch-*`` field is a KeyError."""
        return cls(
            run_id=fields["rentwatch-run-id"],
            spider=fields["rentwatch-spider"],
            source=fields["rentwatch-source"],
            city=fields["rentwatch-city"],
            origin=fields["rentwatch-origin"],
            parser_version=int(fields["rentwatch-parser-version"]),
            base_url=fields["rentwatch-base-url"],
            details=fields.get("rentwatch-details") == "true",
            user_agent=fields.get("http-header-user-agent") or None,
        )


@dataclass(frozen=True)
class Exchange:
    """One HTTP exchange as the crawler saw it. ``body`` is the payload as received (still
    content-encoded when the server compressed it); ``extra`` are WARC header fields of the
    response record (``Rentwatch-*``)."""

    url: str
    status: int
    headers: Iterable[tuple[bytes, bytes]]
    body: bytes
    fetched_at: datetime
    method: str = "GET"
    request_headers: Iterable[tuple[bytes, bytes]] = ()
    protocol: str | None = None
    extra: Mapping[str, str] | None = None


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _text_headers(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in headers
        if name.lower() not in _HOP_BY_HOP
    ]


class WarcFileWriter:
    """Append a run's records to ``path`` (created with its ``warcinfo`` record)."""

    def __init__(self, path: Path, info: RunInfo) -> None:
        self.path = path
        self.info = info
        self.records = 0
        self.bytes = 0
        self._buffer = BytesIO()
        self._builder = WARCWriter(self._buffer, gzip=False, warc_version=WARC_VERSION)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        warcinfo = self._builder.create_warcinfo_record(path.name, info.fields())
        self._write([warcinfo])

    def write(self, exchange: Exchange) -> str:
        """Store the response and its request; returns the response's ``WARC-Record-ID``."""
        when = warc_date(exchange.fetched_at)
        parts = urlsplit(exchange.url)
        response = self._builder.create_warc_record(
            exchange.url,
            "response",
            payload=BytesIO(exchange.body),
            length=len(exchange.body),
            http_headers=StatusAndHeaders(
                _status_line(exchange.status),
                _text_headers(exchange.headers),
                protocol=exchange.protocol or "HTTP/1.1",
            ),
            warc_headers_dict={"WARC-Date": when, **(exchange.extra or {})},
        )
        request_headers = _text_headers(exchange.request_headers)
        if not any(name.lower() == "host" for name, _ in request_headers):
            request_headers.insert(0, ("Host", parts.netloc))
        target = parts.path or "/"
        if parts.query:
            target += f"?{parts.query}"
        response_id = str(response.rec_headers.get_header("WARC-Record-ID"))
        request = self._builder.create_warc_record(
            exchange.url,
            "request",
            payload=BytesIO(b""),
            length=0,
            http_headers=StatusAndHeaders(
                f"{exchange.method} {target} HTTP/1.1",
                request_headers,
                is_http_request=True,
            ),
            warc_headers_dict={"WARC-Date": when, "WARC-Concurrent-To": response_id},
        )
        self._write([response, request])
        return response_id

    def _write(self, records: list[object]) -> None:
        """Each record a gzip member; all of them in one write, handed to the OS at once."""
        if self._fd is None:
            raise RuntimeError(f"WARC {self.path} is closed")
        members = []
        for record in records:
            self._buffer.seek(0)
            self._buffer.truncate()
            self._builder.write_record(record)
            packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS | 16)
            members.append(packer.compress(self._buffer.getvalue()) + packer.flush())
        data = memoryview(b"".join(members))
        while data:
            written = os.write(self._fd, data)
            data = data[written:]
        self.records += len(records)
        self.bytes += sum(len(m) for m in members)

    def close(self) -> None:
        """Make the file durable and close it (a second call does nothing)."""
        if self._fd is None:
            return
        os.fsync(self._fd)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> WarcFileWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
