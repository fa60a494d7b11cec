"""CSV exports neutralise spreadsheet formulas (OWASP CSV injection): text cells that start
with = + - @ tab or CR get a leading apostrophe; numbers and ordinary text are untouched."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from rentwatch.cli import main
from tests.factories import record, write_spool

HOSTILE = {
    "h1": '=HYPERLINK("http://evil.example","click")',
    "h2": "=cmd|' /C calc'!A0",
    "h3": "@SUM(1+1)*cmd|' /C calc'!A0",
    "h4": "+1+cmd|' /C calc'!A0",
    "h5": "-2+3",
    "h6": "\t=1+1",
    "h7": "\r=1+1",
    "ok": "2-комнатная квартира, 54 м² = 300 000 тг",
}


def test_csv_export_neutralises_formulas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RENTWATCH_DB", str(tmp_path / "w.duckdb"))
    write_spool(
        tmp_path / "spool",
        [record(lid, title=title, district_raw=title, floor=-1) for lid, title in HOSTILE.items()],
    )
    for args in (["db", "load"], ["db", "export", "--format", "csv", "--out", "out"]):
        with pytest.raises(SystemExit) as done:
            main(args)
        assert done.value.code in (0, None), capsys.readouterr().err
    with (tmp_path / "out" / "listings.csv").open(encoding="utf-8", newline="") as handle:
        rows = {row["listing_id"]: row for row in csv.DictReader(handle)}
    for lid, title in HOSTILE.items():
        expected = title if lid == "ok" else "'" + title
        assert rows[lid]["title"] == expected
        assert rows[lid]["district_raw"] == expected
        assert rows[lid]["floor"] == "-1"  # a number, not a formula
    for name in ("observations.csv", "crawl_runs.csv", "official_series.csv"):
        for row in csv.reader((tmp_path / "out" / name).open(encoding="utf-8", newline="")):
            assert not any(cell[:1] in ("=", "@", "\t", "\r") for cell in row), (name, row)
