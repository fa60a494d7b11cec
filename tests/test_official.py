"""Official series: a basis is kept and never spliced, a missing month stays a gap, impossible
months and values are refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from analysis.index.official import read_official
from analysis.index.spec import SeriesError
from rentwatch.cli import main
from warehouse import open_reader, open_writer
from warehouse.imports import describe_official, load_official, read_official_csv
from warehouse.migrate import migrate
from warehouse.status import counted

# The BNS average rent per m² on its old and new bases (the new one starts higher), with
# 2022-03 and 2022-06 … 2022-07 missing from the new basis.
TWO_BASES = "city,month,metric,value,unit,source,basis\n" + "".join(
    f"almaty,{m},avg_rent_per_m2,{v},KZT/m2/month,BNS,{b}\n"
    for m, v, b in [
        ("2021-09", 3062, "2021"),
        ("2021-10", 3100, "2021"),
        ("2021-11", 3150, "2021"),
        ("2022-01", 4100, "2022"),
        ("2022-02", 4150, "2022"),
        ("2022-04", 4250, "2022"),
        ("2022-05", 4300, "2022"),
        ("2022-08", 5200, "2022"),
        ("2022-09", 5611, "2022"),
    ]
)


def run(*argv: str) -> None:
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    assert done.value.code in (0, None)


@pytest.fixture
def warehouse_with_bases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RENTWATCH_DB", str(tmp_path / "w.duckdb"))
    csv = tmp_path / "bns.csv"
    csv.write_text(TWO_BASES, encoding="utf-8")
    run("import", "official", str(csv))
    return tmp_path / "w.duckdb"


def test_two_bases_are_two_series_and_never_spliced(warehouse_with_bases: Path) -> None:
    with open_reader(warehouse_with_bases, retry_timeout=1) as conn:
        with pytest.raises(SeriesError, match=r"has 2 versions .* never spliced"):
            read_official(conn, city="almaty", metric="avg_rent_per_m2")
        old = read_official(conn, city="almaty", metric="avg_rent_per_m2", basis="2021")
        new = read_official(conn, city="almaty", metric="avg_rent_per_m2", basis="2022")
    assert list(old.frame["value"]) == [3062, 3100, 3150]
    assert new.frame["month"].min().date() == date(2022, 1, 1)
    assert new.unit == "KZT/m2/month" and new.source == "BNS"


def test_a_missing_month_is_a_gap_not_a_neighbour(warehouse_with_bases: Path) -> None:
    with open_reader(warehouse_with_bases, retry_timeout=1) as conn:
        new = read_official(conn, city="almaty", metric="avg_rent_per_m2", basis="2022")
    assert len(new.frame) == 6  # only the months that have values
    assert new.gaps == (
        (date(2022, 3, 1), date(2022, 3, 1)),
        (date(2022, 6, 1), date(2022, 7, 1)),
    )
    monthly = new.monthly()
    assert len(monthly) == 9 and int(monthly["value"].isna().sum()) == 3


def test_the_import_says_what_it_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RENTWATCH_DB", str(tmp_path / "w.duckdb"))
    csv = tmp_path / "bns.csv"
    csv.write_text(TWO_BASES, encoding="utf-8")
    run("import", "official", str(csv))
    out = capsys.readouterr().out
    assert "almaty avg_rent_per_m2 (BNS, basis 2021): 3 months 2021-09 … 2021-11" in out
    assert (
        "almaty avg_rent_per_m2 (BNS, basis 2022): 6 months 2022-01 … 2022-09, "
        "3 missing months in 2 gaps, kept as gaps"
    ) in out


def test_a_file_without_a_basis_is_one_basis(tmp_path: Path) -> None:
    csv = tmp_path / "bns.csv"
    csv.write_text(
        "city,month,metric,value,unit,source\nkazakhstan,2022-09,avg_rent_per_m2,4612,"
        "KZT/m2/month,BNS\n",
        encoding="utf-8",
    )
    rows = read_official_csv(csv)
    assert rows[0]["basis"] == "unspecified"
    with open_writer(tmp_path / "w.duckdb", lock_timeout=1) as conn:
        assert load_official(conn, rows) == 1
        assert read_official(conn, city="kazakhstan", metric="avg_rent_per_m2").basis == (
            "unspecified"
        )


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("almaty,2099-01,m,4000,KZT/m2/month,s", "line 2, column month: 2099-01 has not ended yet"),
        ("almaty,1999-12,m,4000,KZT/m2/month,s", "line 2, column month: '1999-12' is before"),
        ("almaty,2022-09,m,1e300,KZT/m2/month,s", "line 2, column value: 1e+300 KZT/m2/month is"),
        ("almaty,2022-09,m,nan,KZT/m2/month,s", "line 2, column value: 'nan' is not a finite"),
        ("almaty,2022-09,m,1e300,people,s", "line 2, column value: 1e+300 people is outside"),
        ("almaty,2022-09,m,250,%,s", ""),  # a 250% change is possible
        ("atlantis,2022-09,m,4000,KZT/m2/month,s", "line 2, column city: unknown city"),
    ],
)
def test_impossible_months_and_values_are_refused(tmp_path: Path, row: str, expected: str) -> None:
    csv = tmp_path / "bns.csv"
    csv.write_text("city,month,metric,value,unit,source\n" + row + "\n", encoding="utf-8")
    if not expected:
        assert read_official_csv(csv)
        return
    from warehouse.errors import ImportRejected

    with pytest.raises(ImportRejected, match="nothing loaded") as caught:
        read_official_csv(csv)
    assert expected in str(caught.value)


def test_the_migration_keeps_rows_stored_before_bases(tmp_path: Path) -> None:
    import duckdb

    conn = duckdb.connect(str(tmp_path / "old.duckdb"))
    # A warehouse at schema 2 with one official row, then migrated.
    from warehouse.migrate import available_migrations

    for m in available_migrations()[:2]:
        conn.execute(m.sql)
    conn.execute("INSERT INTO official_series VALUES ('almaty', '2022-09-01', 'm', 1, 'u', 's')")
    conn.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
        "checksum VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    for m in available_migrations()[:2]:
        conn.execute(
            "INSERT INTO schema_migrations VALUES (?, ?, ?, now())", [m.version, m.name, m.checksum]
        )
    migrate(conn)
    assert conn.execute("SELECT city, basis FROM official_series").fetchall() == [
        ("almaty", "unspecified")
    ]


def test_db_status_lists_each_basis(
    warehouse_with_bases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    run("db", "status")
    out = capsys.readouterr().out
    assert "almaty          avg_rent_per_m2 · BNS · basis 2021: 3 months 2021-09-01" in out
    assert "basis 2022: 6 months 2022-01-01 … 2022-09-01" in out


@pytest.mark.parametrize(
    ("n", "noun", "text"),
    [(0, "month", "0 months"), (1, "month", "1 month"), (2, "month", "2 months"),
     (11, "gap", "11 gaps"), (21, "month", "21 months")],
)  # fmt: skip
def test_counted(n: int, noun: str, text: str) -> None:
    assert counted(n, noun) == text


@pytest.mark.parametrize(
    ("months", "line"),
    [
        (["2022-09"], "1 month 2022-09 … 2022-09"),
        (["2022-09", "2022-11"], "2 months 2022-09 … 2022-11, 1 missing month in 1 gap, kept"),
        (["2022-01", "2022-03", "2022-06"],
         "3 months 2022-01 … 2022-06, 3 missing months in 2 gaps, kept"),
    ],
)  # fmt: skip
def test_the_import_counts_in_words(tmp_path: Path, months: list[str], line: str) -> None:
    csv = tmp_path / "one.csv"
    csv.write_text(
        "city,month,metric,value,unit,source\n"
        + "".join(f"almaty,{m},avg_rent_per_m2,4612,KZT/m2/month,BNS\n" for m in months),
        encoding="utf-8",
    )
    [described] = describe_official(read_official_csv(csv))
    assert line in described
