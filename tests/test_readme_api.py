"""The README's "Python API" example runs as written (on its own simulated series)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import matplotlib
import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def python_api_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "the README's Python API section has no python block"
    return blocks[0]


def test_the_readme_python_api_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(python_api_example(), str(README), "exec"), namespace)
    out = printed.getvalue()
    assert out.startswith("<ITSResult ")
    assert "ITS: value [simulated data]" in out and "sigma (innovations)" in out
    assert (tmp_path / "effects.png").stat().st_size > 0
    assert namespace["rho"] is not None
    assert str(namespace["judged"].direction) == "rise"  # type: ignore[attr-defined]
