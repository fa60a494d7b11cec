"""`rentwatch --help` lists every command from one summary each, without importing them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer.main

from rentwatch.cli import LazyCommands, app
from rentwatch.commands import COMMANDS, SUMMARIES

HEAVY = (
    "duckdb", "pydantic", "pydantic_settings", "scrapy", "pandas", "numpy", "statsmodels",
    "matplotlib", "warehouse", "analysis", "reports", "scrapers", "rentwatch.settings",
)  # fmt: skip


def test_help_imports_no_command_module_and_nothing_heavy() -> None:
    code = (
        "import json, sys\n"
        "from rentwatch.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True,
        env={"COLUMNS": "200", "PATH": ""},
    )  # fmt: skip
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    heavy = [m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY]
    commands = [m for m in loaded if m.startswith("rentwatch.commands.")]
    assert heavy == [] and commands == []
    for name, summary in SUMMARIES.items():
        assert f"{name} " in done.stdout and summary.split(";")[0][:40] in done.stdout


def test_every_command_has_one_summary() -> None:
    assert set(SUMMARIES) == set(COMMANDS)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_commands_help_starts_with_its_summary_and_never_repeats_it(name: str) -> None:
    group = typer.main.get_group(app)
    assert isinstance(group, LazyCommands)
    command = group.get_command(None, name)
    assert command is not None and command.help is not None
    summary = SUMMARIES[name]
    assert command.help.startswith(summary)
    assert summary not in command.help[len(summary) :], "the module repeats the summary"


@pytest.mark.parametrize(
    ("command", "columns"),
    [
        ("listings", ("LISTING_REQUIRED", "LISTING_OPTIONAL")),
        ("official", ("OFFICIAL_COLUMNS", "OFFICIAL_OPTIONAL")),
    ],
)
def test_an_imports_help_names_every_column_it_reads(
    command: str,
    columns: tuple[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Square brackets in help are rich markup: "[more]" once rendered as nothing at all.
    import warehouse.imports
    from rentwatch.cli import main

    monkeypatch.setenv("COLUMNS", "300")
    with pytest.raises(SystemExit):
        main(["import", command, "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    for column in (c for group in columns for c in getattr(warehouse.imports, group)):
        assert column in shown
    assert " ." not in shown and "[]" not in shown
