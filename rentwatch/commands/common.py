"""What every command needs: the settings in force and a uniform way to print results."""

from __future__ import annotations

import json
from typing import Any

import typer

from rentwatch.settings import Settings


def settings_of(ctx: typer.Context) -> Settings:
    """The settings loaded by the root command (flags > env > config file > defaults)."""
    root = ctx.find_root()
    assert isinstance(root.obj, Settings), "root callback did not run"
    return root.obj


def echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
