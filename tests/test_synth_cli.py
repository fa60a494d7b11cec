"""`rentwatch its --design synthetic|comparative` on CSVs, wide and long."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from analysis.its.synthetic_simulate import simulated_panel
from rentwatch.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    captured = capsys.readouterr()
    code = exit_info.value.code
    return (0 if code is None else int(code)), captured.out, captured.err


@pytest.fixture(scope="module")
def panel_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    frame, event = simulated_panel(seed=7, effect=0.1, donors=6)
    frame["week"] = frame["week"].dt.date.astype(str)
    folder = tmp_path_factory.mktemp("panel")
    wide, long = folder / "wide.csv", folder / "long.csv"
    frame.to_csv(wide, index=False)
    frame.melt(id_vars="week", var_name="city", value_name="rent").to_csv(long, index=False)
    return wide, long, event


def wide_args(path: Path, event: str, *more: str) -> list[str]:
    controls = [a for j in range(1, 7) for a in ("--control-col", f"d{j:02d}")]
    return ["its", "--csv", str(path), "--time-col", "week", "--value-col", "treated",
            *controls, "--event", event, "--periods", "6", "--log", *more]  # fmt: skip


def test_wide_synthetic_json(panel_files: tuple[Path, Path, str], capsys: Any) -> None:
    wide, _, event = panel_files
    code, out, err = run(capsys, *wide_args(wide, event, "--design", "synthetic", "--json"))
    assert code == 0, err
    data = json.loads(out)
    assert {"percent", "percent_low", "percent_high"} <= set(data["headline"])
    assert data["headline"]["percent_low"] < data["headline"]["percent"]
    assert set(data["weights"]) == {f"d{j:02d}" for j in range(1, 7)}
    assert data["pre_rmspe"] > 0
    table = data["placebo_in_space"]["table"]
    assert table[0]["unit"] == "treated" and len(table) == 7
    assert data["placebo_in_space"]["p"] >= 1 / 7
    assert data["specification"]["variant"] == "standard"


def test_long_synthetic_variant_and_text(panel_files: tuple[Path, Path, str], capsys: Any) -> None:
    _, long, event = panel_files
    args = ["its", "--csv", str(long), "--time-col", "week", "--value-col", "rent",
            "--group-col", "city", "--treated", "treated", "--event", event, "--periods", "6",
            "--log", "--design", "synthetic", "--sc-variant", "demeaned"]  # fmt: skip
    code, out, err = run(capsys, *args)
    assert code == 0, err
    assert "synthetic control (demeaned)" in out and "placebo in space: p" in out
    code, out, _ = run(capsys, *args, "--control-col", "d01", "--control-col", "d02", "--json")
    assert code == 0 and set(json.loads(out)["weights"]) == {"d01", "d02"}


def test_wide_comparative_json(panel_files: tuple[Path, Path, str], capsys: Any) -> None:
    wide, _, event = panel_files
    code, out, err = run(capsys, *wide_args(wide, event, "--design", "comparative",
                                            "--shape", "step", "--json"))  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["design"] == "comparative"
    assert {"percent", "percent_low", "percent_high"} <= set(data["headline"])
    assert "level_change" in data["coefficients"] and data["pre_rmspe"] > 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "needs control units"),
        (["--treated", "x"], "--treated goes with --group-col"),
        (["--sc-variant", "nope"], "variant must be one of"),
    ],
)
def test_bad_design_options_are_one_line_errors(
    panel_files: tuple[Path, Path, str], capsys: Any, extra: list[str], message: str
) -> None:
    wide, _, event = panel_files
    args = ["its", "--csv", str(wide), "--time-col", "week", "--value-col", "treated",
            "--event", event, "--design", "synthetic", *extra]  # fmt: skip
    if extra and extra[0] == "--sc-variant":
        args += ["--control-col", "d01", "--control-col", "d02"]
    code, _, err = run(capsys, *args)
    assert code == 1 and message in err and "Traceback" not in err
