"""Write one run's WARC file: a ``warcinfo`` record, then a response and a request per exchange.

WARC/1.1, so ``WARC-Date`` keeps microseconds: the live spiders observe a page at its
``WARC-Date``, and a reparse reproduces the observation time to the microsecond. Records are
built by ``warcio`` (digests, lengths, headers) in the caller's thread and each is compressed
as its own gzip member (level 6: 2.4% larger than level 9 on a simulated nightly, in 0.56 of
its time; ``bench/warc.py``) by a writer thread: zlib lets go of the GIL, so on a crawl the
compression of a page runs beside the parsing of it instead of before. An exchange's members
go to the file in one ``write``, handed to the OS at once, so a crawl killed at any moment
leaves whole records and at most one cut member at the end (which the reader stops before).
:meth:`WarcFileWriter.drain` waits until every exchange written so far is in the file: the
spool pipeline calls it before it spools a page's records, so no spooled record names a
response that is not on disk, and a killed crawl loses at most the exchanges of the pages
still being parsed (the spool's own guarantee: what was not flushed is lost, nothing is half).
"""

from __future__ import annotations

import os
import queue
import threading
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
# Exchanges built but not yet in the file, at most (the caller waits beyond it).
QUEUE_DEPTH: Final = 8
_STOP: Final = b""


def _member(record: bytes) -> bytes:
    packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return packer.compress(record) + packer.flush()


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
        self.bytes = 0  # compressed bytes in the file so far
        self._buffer = BytesIO()
        self._builder = WARCWriter(self._buffer, gzip=False, warc_version=WARC_VERSION)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._error: BaseException | None = None
        warcinfo = self._builder.create_warcinfo_record(path.name, info.fields())
        self._append([_member(self._built(warcinfo))])  # the file names its run at once
        self.records = 1
        self._queue: queue.Queue[list[bytes] | bytes] = queue.Queue(QUEUE_DEPTH)
        self._thread = threading.Thread(target=self._drain_queue, name="warc-writer", daemon=True)
        self._thread.start()

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
        self._check()
        self._queue.put([self._built(response), self._built(request)])
        self.records += 2
        return response_id

    def drain(self) -> None:
        """Wait until every exchange written so far is in the file."""
        if self._fd is not None:
            self._queue.join()
            self._check()

    def _built(self, record: object) -> bytes:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._builder.write_record(record)
        return self._buffer.getvalue()

    def _drain_queue(self) -> None:
        """The writer thread: compress each exchange's records and append them."""
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                if self._error is None:
                    assert isinstance(item, list)
                    self._append([_member(record) for record in item])
            except BaseException as exc:  # reported to the caller by the next call
                self._error = exc
            finally:
                self._queue.task_done()

    def _append(self, members: list[bytes]) -> None:
        """Each record a gzip member; all of them in one write, handed to the OS at once."""
        assert self._fd is not None
        data = memoryview(b"".join(members))
        while data:
            written = os.write(self._fd, data)
            data = data[written:]
        self.bytes += sum(len(m) for m in members)

    def _check(self) -> None:
        if self._fd is None:
            raise RuntimeError(f"WARC {self.path} is closed")
        if self._error is not None:
            raise OSError(f"writing {self.path} failed: {self._error}") from self._error

    def close(self) -> None:
        """Write what is queued, make the file durable and close it (again: nothing)."""
        if self._fd is None:
            return
        self._queue.put(_STOP)
        self._thread.join()
        os.fsync(self._fd)
        os.close(self._fd)
        self._fd = None
        if self._error is not None:
            raise OSError(f"writing {self.path} failed: {self._error}") from self._error

    def __enter__(self) -> WarcFileWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
