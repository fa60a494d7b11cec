"""Output paths that cannot be written: one line, before the work, never a traceback."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from rentwatch.cli import os_error_line
from rentwatch.commands.common import writable
from tests.cli import run_cli as run
from warehouse.errors import RentwatchError


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with a file ``a_file`` and a directory ``a_dir``, and no warehouse:
    a command that read the warehouse before checking its output would fail with "no
    warehouse", so "cannot write" shows the check came first."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RENTWATCH_DB", str(tmp_path / "absent.duckdb"))
    (tmp_path / "a_file").write_text("keep me\n")
    (tmp_path / "a_dir").mkdir()
    return tmp_path


EVENT = ["--event", "2022-09-21"]


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["report", "summary", "--out", "a_dir"], "it is a directory"),
        (["report", "summary", "--out", "a_file/x.pdf"], "a_file is a file, not a directory"),
        (["report", "summary", "--out", "/proc/nope/s.pdf"], "cannot create /proc/nope"),
        (["report", "economist", "--out", "a_file"], "it is a file, not a directory"),
        (["report", "economist", "--out", "/proc/eco"], "cannot create /proc/eco"),
        (["db", "export", "--out", "a_file"], "it is a file, not a directory"),
        (["db", "export", "--out", "/proc/exp"], "cannot create /proc/exp"),
        (["db", "snapshot", "--out-dir", "a_file"], "it is a file, not a directory"),
        (["index", "--city", "almaty", "--no-store", "--csv", "/proc/x.csv"], "/proc/x.csv"),
        (["its", "--city", "almaty", *EVENT, "--plot", "a_file/x.png"], "is a file"),
        (["its", "--city", "almaty", *EVENT, "--plot", "/proc/nodir/x.png"], "cannot create"),
        (["sandbox", "serve", "--truth", "/proc/t"], "cannot create /proc/t"),
        (["sandbox", "serve", "--truth", "a_file"], "it is a file, not a directory"),
    ],
)
def test_an_unwritable_output_is_one_line_before_the_work(
    place: Path, capsys: pytest.CaptureFixture[str], args: list[str], why: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 1
    assert err.startswith("rentwatch: error: cannot write ") and err.count("\n") == 1, err
    assert why in err
    assert "Traceback" not in err and "no warehouse" not in err
    assert out == ""
    # Nothing was read or written first: no snapshot taken, the file in the way untouched.
    assert not (place / "snapshots").exists()
    assert (place / "a_file").read_text() == "keep me\n"
    assert not any((place / "a_dir").iterdir())


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["report", "economist", "--out", "eco", "--sc-inference", "nonsense"], "sc_inference"),
        (["report", "summary", "--out", "s.pdf", "--sc-trend-window", "2"], "trend_window"),
        (["report", "summary", "--out", "s.pdf", "--event", "21.09.2022"], "21.09.2022"),
    ],
)
def test_a_bad_report_option_is_one_line_before_the_snapshot(
    place: Path, capsys: pytest.CaptureFixture[str], args: list[str], why: str
) -> None:
    """The options are checked before the warehouse is read or snapshotted (there is none
    here: a command that looked first would say "no warehouse"), so a typo costs nothing."""
    code, out, err = run(capsys, *args)
    assert code != 0 and "Traceback" not in err and out == ""
    assert why in err and "no warehouse" not in err, err
    assert not (place / "snapshots").exists()


@pytest.mark.parametrize(
    ("target", "directory", "why"),
    [
        ("a_dir", False, "it is a directory"),
        ("a_file", True, "it is a file, not a directory"),
        ("a_file/x.pdf", False, "a_file is a file, not a directory"),
        ("a_file/deeper/x.pdf", False, "a_file is a file, not a directory"),
        ("a_file/out", True, "a_file is a file, not a directory"),
        ("/proc/nope/s.pdf", False, "cannot create /proc/nope"),
        ("/proc/x.csv", False, "No such file or directory"),
    ],
)
def test_writable_refuses(place: Path, target: str, directory: bool, why: str) -> None:
    with pytest.raises(RentwatchError, match=r"^cannot write ") as refused:
        writable(Path(target), directory=directory)
    assert why in str(refused.value)


@pytest.mark.parametrize(
    ("target", "directory", "created"),
    [
        ("new/deeper/x.pdf", False, "new/deeper"),  # missing folders are made
        ("new_dir", True, "new_dir"),
        ("a_dir", True, "a_dir"),
        ("a_dir/x.pdf", False, "a_dir"),
        ("a_file", False, None),  # an existing file is writable, and left as it was
    ],
)
def test_writable_accepts(place: Path, target: str, directory: bool, created: str | None) -> None:
    assert writable(Path(target), directory=directory) == Path(target)
    if created is not None:
        assert (place / created).is_dir()
        assert list((place / created).iterdir()) == []  # the probe left nothing behind
    assert (place / "a_file").read_text() == "keep me\n"


def test_a_plot_into_a_missing_folder_is_written(
    place: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from analysis.its.simulate import simulate_series

    sim = simulate_series(freq="W", periods_pre=60, periods_post=20, level_change=0.2, seed=1)
    frame = sim.frame.assign(period=sim.frame["period"].dt.date.astype(str))
    frame.to_csv(place / "rents.csv", index=False)
    code, _, err = run(capsys, "its", "--csv", "rents.csv", "--time-col", "period",
                       "--value-col", "value", "--event", str(frame["period"][60]),
                       "--plot", "nodir/x.png")  # fmt: skip
    assert code == 0, err
    assert (place / "nodir" / "x.png").stat().st_size > 1000


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (IsADirectoryError(errno.EISDIR, "Is a directory", "/x/y.pdf"), "/x/y.pdf: Is a directory"),
        (OSError(errno.EXDEV, "Invalid cross-device link", "a", None, "b"),
         "a -> b: Invalid cross-device link"),
        (OSError(errno.EIO, "Input/output error"), "Input/output error"),
        (OSError("no errno"), "no errno"),
    ],
)  # fmt: skip
def test_os_error_line(error: OSError, line: str) -> None:
    assert os_error_line(error) == line


def test_an_os_error_escaping_a_command_is_one_line(
    place: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import rentwatch.commands.db as db_commands

    def refuse(*args: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", "/x/out/listings.csv")

    monkeypatch.setattr(db_commands, "schema_version", refuse)
    code, _, err = run(capsys, "db", "init")
    assert code == 1
    assert err == "rentwatch: error: /x/out/listings.csv: Permission denied\n"
