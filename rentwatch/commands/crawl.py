"""Not built yet: this group's commands are registered when its capability lands."""

import typer


def register(app: typer.Typer) -> None:
    """Nothing to register yet."""
