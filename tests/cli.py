"""Running the CLI in-process in tests: exit code, stdout and stderr of one command."""

from __future__ import annotations

import pytest

from rentwatch.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``rentwatch ARGS``: (exit code, what it printed, what it said on stderr). Output
    captured before the command is dropped."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err
