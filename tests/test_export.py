"""`rentwatch db export`: every table a user needs, readable by pandas, described by a
Frictionless data package that validates against the files."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analysis.index import build_index, store_index
from tests.factories import ALMATY, record, write_spool
from warehouse import open_reader, open_writer
from warehouse.datapackage import COLUMNS, FIELD_TYPES, undocumented
from warehouse.export import TABLES, export
from warehouse.imports import load_official
from warehouse.load import load_pending


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two cities, three months of weekly sightings (some simulated), an official series and
    a stored median index."""
    root = tmp_path_factory.mktemp("export")
    db = root / "w.duckdb"
    start = record().get("observed_at")
    records = [
        record(
            f"{city}-{i}",
            city=city,
            price=250_000 + 5_000 * i + 1_000 * week,
            observed_at=start + timedelta(weeks=week),
            bumped_on=date(2022, 10, 1) if i % 2 else None,
            district=None if i == 3 else "Бостандыкский",
            origin="simulated" if city == "astana" else "live",
            title='1-комнатная, "уютная", =1+1',  # quotes, commas and a formula-looking text
        )
        for city in ("almaty", "astana")
        for i in range(6)
        for week in range(12)
    ]
    write_spool(root / "spool", [r for r in records if r["origin"] == "live"])
    write_spool(root / "spool", [r for r in records if r["origin"] == "simulated"],
                origin="simulated")  # fmt: skip
    with open_writer(db, lock_timeout=5) as conn:
        load_pending(conn, root / "spool")
        load_official(conn, [
            {"city": "almaty", "month": date(2022, m, 1), "metric": "avg_rent_per_m2",
             "value": 5_000.0 + m, "unit": "KZT/m2/month", "source": "stat.gov.kz",
             "basis": "2022"}
            for m in (9, 10, 11)
        ])  # fmt: skip
        store_index(conn, build_index(conn, city="almaty", method="median", freq="M"))
    return db


def _export(warehouse: Path, out: Path, fmt: str) -> dict[str, Any]:
    with open_reader(warehouse, retry_timeout=5) as conn:
        written = export(conn, out, fmt)  # type: ignore[arg-type]
    assert written[-1] == out / "datapackage.json"
    return dict(json.loads(written[-1].read_text(encoding="utf-8")))


def test_parquet_reads_back_with_pandas(warehouse: Path, tmp_path: Path) -> None:
    descriptor = _export(warehouse, tmp_path / "pq", "parquet")
    observations = pd.read_parquet(tmp_path / "pq" / "observations")
    assert len(observations) == 2 * 6 * 12
    assert set(observations["city"].astype(str)) == {"almaty", "astana"}
    index = pd.read_parquet(tmp_path / "pq" / "index_series.parquet")
    assert set(index["method"]) == {"median"} and index["value"].gt(0).all()
    official = pd.read_parquet(tmp_path / "pq" / "official_series.parquet")
    assert list(official["value"]) == [5_009.0, 5_010.0, 5_011.0]
    # The descriptor names every file that is there, and the partition columns it leaves out.
    [obs] = [r for r in descriptor["resources"] if r["name"] == "observations"]
    files = sorted(p.relative_to(tmp_path / "pq").as_posix()
                   for p in (tmp_path / "pq").rglob("*.parquet"))  # fmt: skip
    listed = obs["path"] + [r["path"] for r in descriptor["resources"][1:]]
    assert sorted(listed) == files
    in_files = pd.read_parquet(tmp_path / "pq" / obs["path"][0]).columns
    assert [f["name"] for f in obs["schema"]["fields"]] == list(in_files)
    assert [f["name"] for f in obs["rentwatch:partitions"]] == ["city", "month"]


def test_the_data_package_describes_every_column_with_type_and_unit(
    warehouse: Path, tmp_path: Path
) -> None:
    descriptor = _export(warehouse, tmp_path / "csv", "csv")
    assert [r["name"] for r in descriptor["resources"]] == ["observations", *TABLES]
    assert descriptor["rentwatch"]["simulated"] is True
    assert "SIMULATED" in descriptor["title"]
    for res in descriptor["resources"]:
        header = (tmp_path / "csv" / res["path"]).read_text(encoding="utf-8").splitlines()[0]
        names = [f["name"] for f in res["schema"]["fields"]]
        assert header.split(",") == names, res["name"]
        for f in res["schema"]["fields"]:
            assert f["type"] in FIELD_TYPES.values(), (res["name"], f)
            assert f["description"] and f["description"] != "(undocumented)", (res["name"], f)
    fields = {f["name"]: f for f in descriptor["resources"][0]["schema"]["fields"]}
    assert fields["price"]["unit"] == "currency per price_period"
    assert fields["origin"]["constraints"]["enum"] == ["live", "archive", "import", "simulated"]
    assert fields["observed_at"]["type"] == "datetime"
    listings = {f["name"]: f for f in descriptor["resources"][1]["schema"]["fields"]}
    assert listings["area_m2"]["unit"] == "m²"


def test_every_column_of_the_schema_is_in_the_dictionary(warehouse: Path) -> None:
    """A migration that adds a column must describe it in warehouse/datapackage.py."""
    with open_reader(warehouse, retry_timeout=5) as conn:
        assert undocumented(conn, ["observations", *TABLES]) == []
    assert set(COLUMNS) == {"observations", *TABLES}


def test_the_csv_export_validates_with_frictionless(warehouse: Path, tmp_path: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    _export(warehouse, tmp_path / "csv", "csv")
    report = frictionless.validate(str(tmp_path / "csv" / "datapackage.json"))
    errors = report.flatten(["type", "note"]) if not report.valid else []
    assert report.valid, errors[:5]
    assert report.stats["tasks"] == 1 + len(TABLES)


def test_the_parquet_descriptor_is_a_valid_data_package(warehouse: Path, tmp_path: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    _export(warehouse, tmp_path / "pq", "parquet")
    # Frictionless reads Parquet through pandas, which turns an integer column with nulls into
    # floats ("nan" is no integer): the metadata is checked here, the data by pandas above and
    # by the CSV export's validation.
    report = frictionless.Package.validate_descriptor(str(tmp_path / "pq" / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])
    package = frictionless.Package(str(tmp_path / "pq" / "datapackage.json"))
    observations = package.get_resource("observations")
    assert [observations.path, *observations.extrapaths] == sorted(
        p.relative_to(tmp_path / "pq").as_posix()
        for p in (tmp_path / "pq" / "observations").rglob("*.parquet")
    )


def test_observed_at_keeps_its_instant(warehouse: Path, tmp_path: Path) -> None:
    _export(warehouse, tmp_path / "csv", "csv")
    frame = pd.read_csv(tmp_path / "csv" / "observations.csv")
    first = pd.to_datetime(frame["observed_at"], utc=True).min()
    # The factory's first sighting is 10:00 Almaty time (UTC+6): 04:00 UTC in the file.
    assert first == pd.Timestamp(record()["observed_at"]).tz_convert("UTC")
    assert first.hour == 4 and record()["observed_at"].tzinfo == ALMATY


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_two_exports_of_one_warehouse_are_the_same_files(
    warehouse: Path, tmp_path: Path, fmt: str
) -> None:
    """Rows in one order (the tables' own storage order is DuckDB's to choose): an export
    is reproducible, file by file. Official series had come out in any order."""
    first = _export(warehouse, tmp_path / "a", fmt)
    second = _export(warehouse, tmp_path / "b", fmt)
    assert [r["name"] for r in first["resources"]] == [r["name"] for r in second["resources"]]
    for table in TABLES:
        a, b = (tmp_path / d / f"{table}.{fmt}" for d in ("a", "b"))
        if fmt == "csv":
            assert a.read_bytes() == b.read_bytes(), table
        else:
            assert pd.read_parquet(a).equals(pd.read_parquet(b)), table
