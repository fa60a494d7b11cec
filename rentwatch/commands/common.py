"""What every command needs: the settings in force and a uniform way to print results."""

from __future__ import annotations

import json
from pathlib import Path
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


def report_snapshot(settings: Settings) -> Path:
    """The snapshot a report reads: the newest one when the warehouse has not changed since
    (no second copy of an unchanged warehouse), else a fresh one. One line on stderr says
    which, with its SHA-256 (stdout stays the command's own)."""
    from warehouse.snapshot import take_snapshot

    snap = take_snapshot(
        settings.db, settings.snapshots, lock_timeout=settings.lock_timeout, reuse=True
    )
    note = " (warehouse unchanged since: reused)" if snap.reused else ""
    typer.echo(f"snapshot {snap.path} sha256 {snap.sha256}{note}", err=True)
    return snap.path
