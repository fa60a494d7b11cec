"""Command groups. Each module exposes ``register(app: typer.Typer) -> None``."""

from rentwatch.commands import crawl, db, demo, imports, index, its, parse, report

COMMAND_MODULES = (db, imports, parse, crawl, index, its, report, demo)
