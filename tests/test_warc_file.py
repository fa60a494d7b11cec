"""A run's WARC file: written by warcio's records, read back whole, and never half-read when cut."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scrapers.warc.reader import WarcError, WarcReader
from scrapers.warc.writer import Exchange, RunInfo, WarcFileWriter, warc_date
from tests.loopback import krisha_page, make_listings

INFO = RunInfo("krisha-almaty-test", "krisha", "krisha", "almaty", "live", 3, "https://krisha.kz")
T0 = datetime(2022, 10, 13, 4, 0, 0, 123456, tzinfo=UTC)


def pages(n: int) -> list[bytes]:
    listings = make_listings("almaty", 20 * n)
    return [
        krisha_page(listings, slug="almaty", page=p, total=len(listings), day=T0)
        for p in range(1, n + 1)
    ]


def write_run(path: Path, bodies: list[bytes], **extra: str) -> list[str]:
    with WarcFileWriter(path, INFO) as writer:
        return [
            writer.write(
                Exchange(
                    url=f"https://krisha.kz/arenda/kvartiry/almaty/?page={i + 1}",
                    status=200,
                    headers=[(b"Content-Type", b"text/html; charset=utf-8")],
                    body=body,
                    fetched_at=T0 + timedelta(seconds=i),
                    request_headers=[(b"User-Agent", b"rentwatch-test")],
                    extra={"Rentwatch-Page": "search", **extra},
                )
            )
            for i, body in enumerate(bodies)
        ]


def test_round_trip_keeps_run_info_bodies_times_and_order(tmp_path: Path) -> None:
    path = tmp_path / "run.warc.gz"
    bodies = pages(3)
    ids = write_run(path, bodies)
    with WarcReader(path) as reader:
        assert reader.info == INFO
        records = list(reader)
    assert [r.type for r in records] == ["warcinfo"] + ["response", "request"] * 3
    assert [r.number for r in records] == list(range(7))
    responses = [r for r in records if r.type == "response"]
    assert [r.record_id for r in responses] == ids
    assert [r.body for r in responses] == bodies
    assert [r.observed_at for r in responses] == [T0 + timedelta(seconds=i) for i in range(3)]
    assert {r.kind for r in responses} == {"search"} and {r.status for r in responses} == {200}
    assert reader.cut_at is None
    # Each request record points at its response, as WARC pairs them.
    assert records[1].date == records[2].date


def test_microseconds_survive_warc_date() -> None:
    assert warc_date(T0) == "2022-10-13T04:00:00.123456Z"


def test_every_record_is_its_own_gzip_member(tmp_path: Path) -> None:
    path = tmp_path / "run.warc.gz"
    write_run(path, pages(2))
    with WarcReader(path) as reader:
        offsets = [r.offset for r in reader]
    data = path.read_bytes()
    assert all(data[o : o + 2] == b"\x1f\x8b" for o in offsets)
    members = [data[a:b] for a, b in zip(offsets, [*offsets[1:], len(data)], strict=True)]
    assert gzip.decompress(members[0]).startswith(b"WARC/1.1\r\nWARC-Type: warcinfo")


def test_warcio_reads_the_file_and_its_digests_pass(tmp_path: Path) -> None:
    path = tmp_path / "run.warc.gz"
    write_run(path, pages(2))
    index = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "index", "-f", "warc-type,warc-target-uri", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    rows = [json.loads(line) for line in index.stdout.splitlines()]
    assert [r["warc-type"] for r in rows] == ["warcinfo", "response", "request"] * 1 + [
        "response",
        "request",
    ]
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout
    assert "digest pass" in check.stdout and "fail" not in check.stdout


def test_a_file_cut_anywhere_yields_only_whole_records(tmp_path: Path) -> None:
    """What a crawl killed mid-write leaves: every record before the cut, whole; none after."""
    path = tmp_path / "run.warc.gz"
    write_run(path, pages(3))
    with WarcReader(path) as reader:
        full = [(r.record_id, r.body) for r in reader]
        offsets = [r.offset for r in reader]
    data = path.read_bytes()
    ends = [*offsets[1:], len(data)]
    cuts = sorted({*range(1, len(data), max(1, len(data) // 100)), *ends, *(e - 1 for e in ends)})
    cut_file = tmp_path / "cut.warc.gz"
    for cut in cuts:
        cut_file.write_bytes(data[:cut])
        with WarcReader(cut_file) as reader:
            got = [(r.record_id, r.body) for r in reader]
            cut_at = reader.cut_at
        whole = sum(1 for end in ends if end <= cut)
        assert got == full[: len(got)], cut  # never a half-read record
        # A member cut only in its last bytes (gzip trailer, the blank lines after the block)
        # may still hold its whole record, which its length and digests then vouch for.
        assert whole <= len(got) <= whole + 1, cut
        if cut in ends:
            assert cut_at is None, cut
        elif len(got) == whole:
            assert cut_at == (offsets[whole] if whole < len(offsets) else None), cut


def test_a_gzip_encoded_response_is_read_decoded(tmp_path: Path) -> None:
    path = tmp_path / "run.warc.gz"
    body = pages(1)[0]
    with WarcFileWriter(path, INFO) as writer:
        writer.write(
            Exchange(
                url="https://krisha.kz/arenda/kvartiry/almaty/",
                status=200,
                headers=[(b"Content-Encoding", b"gzip"), (b"Transfer-Encoding", b"chunked")],
                body=gzip.compress(body),
                fetched_at=T0,
            )
        )
    with WarcReader(path) as reader:
        response = reader.record(1)
    assert response.body == body
    assert ("Transfer-Encoding", "chunked") not in response.headers


def test_records_by_number_id_and_url(tmp_path: Path) -> None:
    path = tmp_path / "run.warc.gz"
    ids = write_run(path, pages(2))
    with WarcReader(path) as reader:
        assert reader.record(3).record_id == ids[1]
        assert reader.record(record_id=ids[0]).number == 1
        assert reader.response_for("https://krisha.kz/arenda/kvartiry/almaty/?page=2").number == 3
        with pytest.raises(WarcError, match="has no record 9"):
            reader.record(9)
        with pytest.raises(WarcError, match="no response for"):
            reader.response_for("https://krisha.kz/elsewhere")


def test_not_a_warc_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(b"<html></html>")
    with WarcReader(path) as reader, pytest.raises(WarcError, match="warcinfo"):
        _ = reader.info
    with pytest.raises(WarcError, match="cannot read"):
        WarcReader(tmp_path / "missing.warc.gz")
