"""What every command needs: the settings in force, a uniform way to print results, and an
early check of the paths it will write."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import typer

from rentwatch.settings import Settings
from warehouse.errors import RentwatchError


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


def writable(path: Path, *, directory: bool = False) -> Path:
    """``path``, once it is known that a file (``directory``: a directory) can be written
    there; else :class:`RentwatchError` ``"cannot write PATH: why"``.

    Commands call it on their output paths before the work, so a bad ``--out`` costs a line,
    not a traceback after minutes of fitting. Missing folders are created (the writers would
    create them too); the target must not be a directory when a file is wanted, nor a file
    when a directory is; and writing must work, which only trying tells (permissions,
    read-only and virtual file systems): an existing file is opened for appending, a folder
    gets a nameless temporary file, and neither is changed.
    """
    folder = path if directory else path.parent

    def refused(why: str) -> RentwatchError:
        return RentwatchError(f"cannot write {path}: {why}")

    if directory and path.exists() and not path.is_dir():
        raise refused("it is a file, not a directory")
    if not directory and path.is_dir():
        raise refused("it is a directory; give a file name")
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise refused(f"{existing} is a file, not a directory")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise refused(f"cannot create {folder} ({exc.strerror or exc})") from None
    try:
        if not directory and path.exists():
            with open(path, "ab"):
                pass
        else:
            with tempfile.TemporaryFile(dir=folder):
                pass
    except OSError as exc:
        raise refused(exc.strerror or str(exc)) from None
    return path
