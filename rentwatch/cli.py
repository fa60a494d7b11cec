"""The ``rentwatch`` command: a thin face over the four layers.

Each command group lives in ``rentwatch/commands/<group>.py`` and exposes
``register(app)``; :class:`LazyCommands` imports a group only when one of its commands is
asked for, and ``rentwatch --help`` lists the commands from their one-line summaries
(``rentwatch.commands.SUMMARIES``) without importing any. Settings, DuckDB and the error
types are imported when a command runs, not at start-up. Errors the user can act on
(:class:`~warehouse.errors.RentwatchError`) print one line and exit 1, and so does an
``OSError`` (a file the OS refused); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

from rentwatch import __version__
from rentwatch.commands import COMMANDS, SUMMARIES


class LazyCommands(TyperGroup):
    """The root group: commands come from their module on first use (Click's lazy pattern).

    While the root's own help is written, a command with a summary is a stand-in that holds
    only that line, so listing the commands imports none of them.
    """

    listing = False

    # Typer vendors Click privately, so the Click types are not named here.
    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None:
            return None
        summary = SUMMARIES.get(cmd_name)
        if self.listing and summary is not None:
            return TyperCommand(cmd_name, help=summary)
        holder = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
        importlib.import_module(module_name).register(holder)
        command = typer.main.get_group(holder).commands.get(cmd_name)
        if command is not None and summary is not None:
            command.help = f"{summary}\n\n{command.help}" if command.help else summary
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing = False


app = typer.Typer(
    name="rentwatch",
    cls=LazyCommands,
    help="Rental-market impact tracker for Almaty and Astana.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rentwatch {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db", help="Warehouse file (setting `db`, env RENTWATCH_DB).", show_default=False
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Settings file (default ./rentwatch.toml, else \\[tool.rentwatch] in "
            "./pyproject.toml).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    from rentwatch.settings import load_settings
    from warehouse.connection import configure_connections

    ctx.obj = settings = load_settings(config, db=db)
    configure_connections(memory_limit=settings.memory_limit)


def _log_to_stderr() -> None:
    """rentwatch's own log lines (progress, waits) go to stderr, one line each."""
    logger = logging.getLogger("rentwatch")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("rentwatch: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> None:
    """Entry point; ``argv`` lets tests call the command without a subprocess."""
    _log_to_stderr()
    try:
        app(args=argv, prog_name="rentwatch")
    except OSError as exc:
        # What the early checks did not foresee (a disk that fills, a folder removed while a
        # report is written) is the machine's, not a bug: one line, as for RentwatchError.
        typer.echo(f"rentwatch: error: {os_error_line(exc)}", err=True)
        sys.exit(1)
    except Exception as exc:
        from warehouse.errors import RentwatchError

        if not isinstance(exc, RentwatchError):
            raise
        typer.echo(f"rentwatch: error: {exc}", err=True)
        sys.exit(1)


def os_error_line(exc: OSError) -> str:
    """``"/x/y.pdf: Is a directory"``: the file the OS refused and its reason, on one line."""
    why = exc.strerror or str(exc) or type(exc).__name__
    paths = [str(p) for p in (exc.filename, exc.filename2) if p is not None]
    return f"{' -> '.join(paths)}: {why}" if paths else why


if __name__ == "__main__":
    main()
