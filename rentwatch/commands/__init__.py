"""Command groups. Each module exposes ``register(app: typer.Typer) -> None``.

``COMMANDS`` maps each top-level command to the module that registers it. The CLI imports a
module only when one of its commands runs, so ``rentwatch db load`` in a cron job does not pay
for statsmodels, matplotlib and the report fonts.

``SUMMARIES`` is each top-level command's one-line help, and its only copy: ``rentwatch
--help`` lists it without importing any command module, and the command's own ``--help``
starts with it, followed by the details its module gives (a docstring or ``help=`` that does
not repeat the summary). A command without a summary here is imported for its help.
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

SUMMARIES: Final[dict[str, str]] = {
    "db": "The DuckDB warehouse: schema, loading, snapshots, export.",
    "import": "Import CSV files (validated whole; a bad file loads nothing).",
    "parse": "Parse a saved search page; print its snapshots as JSON Lines, a summary on stderr.",
    "crawl": "Crawl a portal's long-term rent listings for each city, then load them.",
    "backfill": "Backfill krisha listings from web-archive captures between two dates, then "
    "load them.",
    "nightly": "Crawl both portals for every city of the crawl list, load, snapshot: the cron job.",
    "index": "Rent series per city: raw and per-m² medians, mix-adjusted median, hedonic index.",
    "its": "Interrupted time series: level and slope change, % effect, checks.",
    "report": "Reports: the economist's HTML report and the officials' PDF.",
    "demo": "Run the whole pipeline offline on the simulated country; print estimate vs truth.",
    "sandbox": "The simulated market: serve its krisha, olx and web archive for manual crawls.",
    "reparse": "Parse stored runs again with today's parsers and merge (idempotent, one "
    "transaction).",
    "warc": "The raw pages (WARC) every crawl keeps beside its spool.",
}
