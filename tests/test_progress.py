"""Progress bars: drawn on a terminal's stderr, never on stdout, never into logs or pipes."""

from __future__ import annotations

import json
import math
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from rentwatch import progress

ESC = "\x1b["


def test_nothing_is_drawn_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert not progress.enabled()
    with progress.task("work") as advance:
        advance(3)
    assert list(progress.track(range(3), "items")) == [0, 1, 2]
    assert capsys.readouterr() == ("", "")


def _series(path: Path) -> None:
    rows = ["t,y"] + [
        f"{t},{100 + 0.5 * t + (8 if t >= 31 else 0) + 2 * math.sin(t):.3f}" for t in range(1, 61)
    ]
    path.write_text("\n".join(rows) + "\n")


ITS = ["its", "--csv", "s.csv", "--time-col", "t", "--value-col", "y", "--event", "31",
       "--placebos", "3", "--json"]  # fmt: skip


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENTWATCH_")}
    env.update(TERM="xterm-256color", COLUMNS="120")
    env.pop("FORCE_COLOR", None)
    env.pop("TTY_COMPATIBLE", None)
    return env


@pytest.mark.e2e
def test_on_a_terminal_the_bar_goes_to_stderr_and_stdout_stays_json(tmp_path: Path) -> None:
    _series(tmp_path / "s.csv")
    master, slave = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "rentwatch.cli", *ITS],
        cwd=tmp_path, env=_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=slave,
    )  # fmt: skip
    os.close(slave)
    drawn = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        drawn += chunk
    assert child.stdout is not None
    out = child.stdout.read().decode()
    assert child.wait(timeout=120) == 0
    os.close(master)
    text = drawn.decode(errors="replace")
    assert "ITS: fitting with 3 placebos" in text
    assert ESC in text  # drawn, then cleared (transient)
    assert ESC not in out
    assert json.loads(out)["placebo"]["n"] == 3


@pytest.mark.e2e
def test_piped_stderr_gets_no_bar(tmp_path: Path) -> None:
    _series(tmp_path / "s.csv")
    done = subprocess.run(
        [sys.executable, "-m", "rentwatch.cli", *ITS],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ITS: fitting" not in done.stderr and ESC not in done.stderr
    assert json.loads(done.stdout)["placebo"]["n"] == 3
