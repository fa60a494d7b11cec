"""`rentwatch db …` from the command line: init, status, snapshot, export."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from rentwatch.cli import main
from tests.cli import run_cli
from tests.factories import record, write_spool
from warehouse.snapshot import file_sha256


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run_cli(capsys, *args)
    assert code == 0, err
    return out


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "new" / "place.duckdb"
    monkeypatch.setenv("RENTWATCH_DB", str(path))
    return path


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "--help")
    for command in ("db", "import", "demo"):
        assert command in out


def test_init_and_status_on_a_new_path(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "is at schema version" in run(capsys, "db", "init")
    assert db.exists()
    status = json.loads(run(capsys, "db", "status", "--json"))
    assert status["row_counts"]["observations"] == 0
    assert status["schema_version"] >= 1


def test_status_reports_coverage_and_runs(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spool(db.parent / "spool", [record(1), record(2, city="astana", origin="archive")])
    run(capsys, "db", "load")
    status = json.loads(run(capsys, "db", "status", "--json"))
    coverage = {(c["city"], c["origin"]): c["observations"] for c in status["coverage"]}
    assert coverage == {("almaty", "live"): 1, ("astana", "archive"): 1}
    assert status["recent_runs"][0]["status"] == "finished"
    text = run(capsys, "db", "status")
    assert "2022-10-13 … 2022-10-13" in text


def test_status_of_a_missing_warehouse_is_a_clear_error(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit, match="1"):
        main(["db", "status"])
    assert "no warehouse at" in capsys.readouterr().err


def test_snapshot_is_a_consistent_checksummed_copy(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spool(db.parent / "spool", [record(i) for i in range(10)])
    run(capsys, "db", "load")
    out = run(capsys, "db", "snapshot", "--out-dir", str(tmp_path / "snaps"))
    path = Path(out.split()[1])
    assert out.split()[3] == file_sha256(path)
    meta = json.loads(path.with_name(path.name + ".json").read_text())
    assert meta["sha256"] == file_sha256(path)
    with duckdb.connect(str(path), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM observations").fetchone() == (10,)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    write_spool(db.parent / "spool", [record(1), record(2, city="astana")])
    run(capsys, "db", "load")
    out_dir = tmp_path / "export"
    run(capsys, "db", "export", "--format", fmt, "--out", str(out_dir))
    if fmt == "parquet":
        assert (out_dir / "observations" / "city=almaty" / "month=2022-10").is_dir()
        assert (out_dir / "observations" / "city=astana" / "month=2022-10").is_dir()
        glob = str(out_dir / "observations" / "**" / "*.parquet")
        count = duckdb.sql(
            f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning = true)"
        ).fetchone()
    else:
        count = duckdb.sql(
            f"SELECT count(*) FROM read_csv('{out_dir / 'observations.csv'}')"
        ).fetchone()
    assert count == (2,)
    assert (out_dir / f"listings.{fmt}").exists()


def test_export_refuses_a_non_empty_directory(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "db", "init")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "old.csv").write_text("x")
    with pytest.raises(SystemExit, match="1"):
        main(["db", "export", "--out", str(tmp_path / "busy")])
    assert "not empty" in capsys.readouterr().err


def fails(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """``rentwatch ARGS`` exits 1 with one line on stderr (no traceback); that line."""
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    err = capsys.readouterr().err
    assert exit_info.value.code == 1, err
    assert err.startswith("rentwatch: error: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize(
    ("name", "text", "why"),
    [
        ("wide.csv", "source,listing_id,price\nkrisha,1,300000\n", "rentwatch import listings"),
        ("notes.txt", "hello\n", "not a spool"),
        ("page.html", "<html></html>", "not a spool"),
    ],
)
def test_load_refuses_a_named_file_that_is_not_a_spool_and_leaves_it(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, why: str
) -> None:
    good = write_spool(db.parent / "spool", [record(1)])
    mine = tmp_path / name
    mine.write_text(text)
    err = fails(capsys, "db", "load", str(good), str(mine))
    assert f"{mine} is not a spool" in err and why in err
    assert mine.read_text() == text  # left where it was, as it was
    assert not (tmp_path / "rejected").exists()
    assert good.exists()  # refused before anything: the real spool waits for the next load


def test_load_refuses_a_named_directory(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "is a directory, not a spool" in fails(capsys, "db", "load", str(tmp_path))


def test_a_rejected_spool_says_where_it_went(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spool = db.parent / "spool" / "handmade.jsonl"
    spool.parent.mkdir(parents=True)
    spool.write_text("this is not json\n")
    with pytest.raises(SystemExit, match="1"):
        main(["db", "load", str(spool)])
    out = capsys.readouterr().out
    moved = db.parent / "spool" / "rejected"
    assert "REJECTED handmade.jsonl: unreadable" in out
    assert f"(moved to {moved}/, reason in handmade.jsonl.reason)" in out
    assert (moved / "handmade.jsonl").read_text() == "this is not json\n"


@pytest.mark.parametrize("command", [["db", "status"], ["db", "init"], ["db", "snapshot"]])
def test_a_directory_as_the_warehouse_is_named_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "data"
    folder.mkdir()
    err = fails(capsys, "--db", str(folder), *command)
    assert f"{folder} is a directory, not a warehouse file" in err
    assert "corrupt" not in err and "restore" not in err
    assert not (tmp_path / "data.lock").exists()  # no lock file left beside it
