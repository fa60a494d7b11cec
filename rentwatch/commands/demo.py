"""``rentwatch demo``: the whole pipeline on the embedded default, offline.

The simulated market, spiders, index, ITS and reports are not built yet; until they land the
demo initialises a demo warehouse and says plainly what it cannot run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from warehouse import open_writer
from warehouse.migrate import schema_version
from warehouse.status import warehouse_status

NOT_YET = (
    "simulated market and loopback server (issue 4)",
    "spiders and archive backfill (issue 3)",
    "rent index (issue 5)",
    "ITS estimate (issue 6)",
    "reports (issue 7)",
)


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        out: Annotated[Path, typer.Option("--out", help="Demo output directory.")] = Path("demo"),
    ) -> None:
        """Run the whole pipeline offline on the embedded default (what exists of it)."""
        db = out / "rentwatch.duckdb"
        with open_writer(db, lock_timeout=30) as conn:
            version = schema_version(conn)
            status = warehouse_status(conn)
        typer.echo(f"demo warehouse {db} initialised at schema version {version}")
        typer.echo(status.render())
        typer.echo("not built yet, so not run: " + "; ".join(NOT_YET))
