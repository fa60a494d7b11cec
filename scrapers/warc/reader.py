"""Read a run's WARC file back: its run info and its records, in the order they were written.

Records are numbered from 0 in file order (the ``warcinfo`` record is 0), which is also the
line order of ``warcio index``. A file cut short by a killed crawl is read up to its last
whole record: every record is read to its end and its digests checked, and the first record
that is cut, or cannot be read, ends the iteration with :attr:`WarcReader.cut_at` set to its
offset, never with a half-read page.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from w3lib.url import safe_url_string
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException
from warcio.timeutils import iso_date_to_datetime

from scrapers.warc import KIND_HEADER, OBSERVED_AT_HEADER, ORIGINAL_URI_HEADER
from scrapers.warc.writer import RunInfo
from warehouse.errors import RentwatchError

# What warcio raises on a record cut short. AttributeError: a response's header block cut
# before its WARC-Target-URI (warcio then calls a method on the missing value).
_READ_ERRORS = (
    AttributeError,
    ArchiveLoadFailed,
    StatusAndHeadersParserException,
    zlib.error,
    EOFError,
    ValueError,
)


# warcio writes Content-Length last: a record that has it has all its header fields.
_REQUIRED_FIELDS = ("WARC-Type", "WARC-Record-ID", "WARC-Date", "Content-Length")


class WarcError(RentwatchError):
    """A WARC file cannot be read as a rentwatch run (or a record asked for is not in it)."""


def parse_warc_date(text: str) -> datetime:
    """A WARC-Date (``…Z``, with or without microseconds) as an aware UTC time."""
    moment: datetime = iso_date_to_datetime(text, tz_aware=True)
    return moment


@dataclass(frozen=True)
class StoredRecord:
    """One record of the file. For a ``response``: ``status``, ``headers`` and the decoded
    ``body``; ``observed_at`` is ``Rentwatch-Observed-At`` when present (a capture's time),
    else the ``WARC-Date`` (when the page was fetched)."""

    number: int
    offset: int  # byte offset of the record's gzip member in the file
    type: str  # warcinfo | response | request | …
    record_id: str
    uri: str | None
    date: datetime
    kind: str | None = None  # Rentwatch-Page: search | detail | capture | cdx
    observed_at: datetime | None = None
    original_uri: str | None = None
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    fields: dict[str, str] = field(default_factory=dict)  # a warcinfo record's fields

    @property
    def page_url(self) -> str | None:
        """The page's own URL: the original for an archive capture, else the target."""
        return self.original_uri or self.uri


def _warcinfo_fields(payload: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in payload.decode("utf-8").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


def _check_headers(record: Any) -> None:
    """A member cut inside the WARC headers parses as a record without its last fields."""
    headers = record.rec_headers
    if not all(headers.get_header(name) for name in _REQUIRED_FIELDS):
        raise EOFError("record headers cut short")


def _read_whole(record: Any) -> bytes:
    """The rest of the record's block; a block shorter than its Content-Length (a member cut
    by a crash inflates to a short block without any zlib error) is an EOFError. Digests are
    checked by the stream (``check_digests="raise"``) when it reaches its end."""
    stream = record.raw_stream
    data = bytes(stream.read())
    if getattr(stream, "limit", 0):
        raise EOFError(f"record cut short: {stream.limit} bytes of its block missing")
    return data


def _decoded(record: Any, raw: bytes) -> bytes:
    """The payload without its content encoding (gzip, deflate, br), as the spider saw it."""
    encoding = record.http_headers.get_header("content-encoding") if record.http_headers else None
    if not encoding or encoding.lower() == "identity":
        return raw
    if encoding.lower() not in BufferedReader.get_supported_decompressors():
        raise WarcError(f"a response is {encoding}-encoded, which cannot be decoded here")
    reader = BufferedReader(_Bytes(raw), decomp_type=encoding.lower())
    return bytes(reader.read())


class _Bytes:
    """A minimal readable stream over bytes for warcio's BufferedReader."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._pos + size
        chunk = bytes(self._data[self._pos : end])
        self._pos += len(chunk)
        return chunk


class WarcReader:
    """``with WarcReader(path) as warc: warc.info; for record in warc: …``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cut_at: int | None = None  # offset of the first record that could not be read
        self.cut_reason: str | None = None
        try:
            self._file: IO[bytes] | None = open(path, "rb")  # noqa: SIM115
        except OSError as exc:
            raise WarcError(f"cannot read {path}: {exc.strerror or exc}") from None
        self._info: RunInfo | None = None

    @property
    def info(self) -> RunInfo:
        """The run described by the file's first ``warcinfo`` record."""
        if self._info is None:
            first = next(iter(self.records(bodies=True)), None)
            if first is None or first.type != "warcinfo":
                raise WarcError(f"{self.path} does not start with a warcinfo record")
            try:
                self._info = RunInfo.from_fields(first.fields)
            except (KeyError, ValueError) as exc:
                raise WarcError(f"{self.path}'s warcinfo lacks rentwatch's {exc}") from None
        return self._info

    def __iter__(self) -> Iterator[StoredRecord]:
        return self.records()

    def records(self, *, bodies: bool = True) -> Iterator[StoredRecord]:
        """Every whole record from the start; ``bodies=False`` skips reading response bodies
        into memory (they are still read through, to check the record is whole)."""
        if self._file is None:
            raise WarcError(f"{self.path} is closed")
        self._file.seek(0)
        self.cut_at = self.cut_reason = None
        size = self.path.stat().st_size
        iterator = ArchiveIterator(self._file, check_digests="raise")
        number = 0
        end = 0  # where the last whole record ends
        while True:
            try:
                record = next(iterator, None)
                if record is None:
                    break
                _check_headers(record)
                raw = _read_whole(record) if record.rec_type == "warcinfo" else None
                stored = self._stored(record, number, end, raw, bodies)
                iterator.read_to_end()
            except _READ_ERRORS as exc:
                self.cut_at = end
                self.cut_reason = f"{type(exc).__name__}: {str(exc).strip()[:200]}"
                return
            end = iterator.offset
            yield stored
            number += 1
        if end < size:
            # Bytes no record could be read from (a member cut before its first header line).
            self.cut_at = end
            self.cut_reason = f"{size - end} bytes after the last whole record"

    def _stored(
        self, record: Any, number: int, offset: int, raw: bytes | None, bodies: bool
    ) -> StoredRecord:
        headers = record.rec_headers
        date = parse_warc_date(headers.get_header("WARC-Date"))
        common = {
            "number": number,
            "offset": offset,
            "type": record.rec_type,
            "record_id": str(headers.get_header("WARC-Record-ID")),
            "uri": headers.get_header("WARC-Target-URI"),
            "date": date,
        }
        if record.rec_type == "warcinfo":
            return StoredRecord(**common, fields=_warcinfo_fields(raw or b""))
        if record.rec_type != "response":
            return StoredRecord(**common)
        # The whole payload is read even when not kept: that is what checks it is whole.
        payload = _read_whole(record)
        observed = headers.get_header(OBSERVED_AT_HEADER)
        http = record.http_headers
        return StoredRecord(
            **common,
            kind=headers.get_header(KIND_HEADER),
            observed_at=parse_warc_date(observed) if observed else date,
            original_uri=headers.get_header(ORIGINAL_URI_HEADER),
            status=int(http.get_statuscode()) if http else None,
            headers=tuple(http.headers) if http else (),
            body=_decoded(record, payload) if bodies else b"",
        )

    def record(self, number: int | None = None, *, record_id: str | None = None) -> StoredRecord:
        """Record ``number`` (0 = warcinfo), or the one whose WARC-Record-ID is ``record_id``."""
        for stored in self.records():
            if stored.number == number or (record_id is not None and stored.record_id == record_id):
                return stored
        what = f"record {number}" if record_id is None else f"record {record_id}"
        cut = f" (the file is cut short at byte {self.cut_at})" if self.cut_at is not None else ""
        raise WarcError(f"{self.path} has no {what}{cut}")

    def response_for(self, url: str) -> StoredRecord:
        """The last response stored for ``url`` (the page's own URL or the fetched one)."""
        wanted = {url, safe_url_string(url)}  # as typed, or percent-encoded as fetched
        found = None
        for stored in self.records():
            if stored.type == "response" and wanted & {stored.uri, stored.original_uri}:
                found = stored
        if found is None:
            raise WarcError(f"{self.path} holds no response for {url}")
        return found

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> WarcReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
