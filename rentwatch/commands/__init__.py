"""Command groups. Each module exposes ``register(app: typer.Typer) -> None``.

``COMMANDS`` maps each top-level command to the module that registers it. The CLI imports a
module only when one of its commands runs (or for ``--help``), so ``rentwatch db load`` in a
cron job does not pay for statsmodels, matplotlib and the report fonts.
"""

from typing import Final

COMMANDS: Final[dict[str, str]] = {
    "db": "rentwatch.commands.db",
    "import": "rentwatch.commands.imports",
    "parse": "rentwatch.commands.parse",
    "reparse": "rentwatch.commands.warc",
    "warc": "rentwatch.commands.warc",
    "crawl": "rentwatch.commands.crawl",
    "backfill": "rentwatch.commands.crawl",
    "nightly": "rentwatch.commands.crawl",
    "index": "rentwatch.commands.index",
    "its": "rentwatch.commands.its",
    "report": "rentwatch.commands.report",
    "demo": "rentwatch.commands.demo",
    "sandbox": "rentwatch.commands.sandbox",
}
