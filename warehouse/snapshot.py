"""Snapshots: consistent, checksummed copies of the warehouse for notebooks and reports.

A snapshot is taken under the writer lock after a CHECKPOINT, so no load is half in it; its
SHA-256 is written beside it and quoted by reports as the data's provenance.

An unchanged warehouse is not copied again: with ``reuse=True`` the newest snapshot is handed
back when the warehouse file is still the one it copied (:func:`warehouse_marker`: after the
CHECKPOINT, the file's size, modification time, inode and DuckDB's checkpoint counter) and the
snapshot file is still as written. :func:`prune_snapshots` keeps the newest N.

A new copy is written as ``<name>.tmp``, **opened and read back table by table** (every row
of every column: ``hash`` over whole rows) and only then renamed and given its SHA-256 (a
half-truncated warehouse had been copied and checksummed though nothing could read it). Any
failure, a damaged table or a full disk, removes the ``.tmp`` and leaves one line.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import duckdb

from warehouse.connection import check_warehouse_path, connect
from warehouse.errors import (
    DiskFull,
    RentwatchError,
    SchemaError,
    WarehouseCorrupt,
    disk_full,
    storage_error,
)
from warehouse.faults import fail_point
from warehouse.lock import WriterLock
from warehouse.migrate import require_schema

SIDECAR_SUFFIX: Final = ".json"
# DuckDB's file starts with a 4 KiB main header ("DUCK" after an 8-byte checksum) and two
# 4 KiB database headers written alternately, each an 8-byte checksum then the checkpoint
# iteration (uint64, little-endian); the higher one is in force.
_HEADER: Final = 4096
_MAGIC: Final = b"DUCK"
TABLES: Final = """
SELECT table_name FROM information_schema.tables
WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name
"""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    sha256: str
    created_at: str
    schema_version: int
    # The warehouse file it copies (warehouse_marker), and the snapshot file as written.
    source: dict[str, Any] | None = None
    file: dict[str, int] | None = None
    rows: int = 0  # rows read back from the copy, all tables
    # Not stored: whether take_snapshot handed back an existing snapshot.
    reused: bool = field(default=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "sha256": self.sha256,
            "created_at": self.created_at,
            "schema_version": self.schema_version,
            "source": self.source,
            "file": self.file,
            "rows": self.rows,
        }

    @property
    def sidecar(self) -> Path:
        return self.path.with_name(self.path.name + SIDECAR_SUFFIX)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checkpoint_iteration(db_path: Path) -> int | None:
    """DuckDB's checkpoint counter of the file (None if the header is not DuckDB's): every
    checkpoint that writes raises it, so it tells two states of the file apart even when a
    write left size and modification time as they were (the kernel's file clock ticks in
    milliseconds)."""
    with open(db_path, "rb") as handle:
        head = handle.read(3 * _HEADER)
    if len(head) < 3 * _HEADER or head[8:12] != _MAGIC:
        return None
    return max(struct.unpack_from("<Q", head, offset + 8)[0] for offset in (_HEADER, 2 * _HEADER))


def warehouse_marker(db_path: Path) -> dict[str, Any] | None:
    """What identifies the warehouse file's content, read without reading the file: its path,
    size, modification time, inode and checkpoint counter. Valid only after a CHECKPOINT under
    the writer lock (nothing waits in the WAL); None while a WAL file is there."""
    if db_path.with_name(db_path.name + ".wal").exists():
        return None
    stat = db_path.stat()
    return {
        "db": str(db_path.resolve()),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "inode": stat.st_ino,
        "checkpoint": checkpoint_iteration(db_path),
    }


def _file_stat(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def list_snapshots(out_dir: Path) -> list[Snapshot]:
    """The snapshots in ``out_dir`` (those with a sidecar), oldest first."""
    found = []
    for sidecar in out_dir.glob(f"*.duckdb{SIDECAR_SUFFIX}"):
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
            found.append(
                Snapshot(
                    sidecar.with_name(sidecar.name.removesuffix(SIDECAR_SUFFIX)),
                    str(meta["sha256"]),
                    str(meta["created_at"]),
                    int(meta["schema_version"]),
                    meta.get("source"),
                    meta.get("file"),
                    int(meta.get("rows", 0)),
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a sidecar of ours, or half written: never reused, never pruned
    return sorted(found, key=lambda s: (s.created_at, s.path.name))


def _unchanged(out_dir: Path, source: dict[str, Any] | None) -> Snapshot | None:
    """The newest snapshot of this warehouse in ``out_dir``, if it still copies ``source``."""
    if source is None or not out_dir.is_dir():
        return None
    mine = [s for s in list_snapshots(out_dir) if (s.source or {}).get("db") == source["db"]]
    if not mine:
        return None
    newest = mine[-1]
    if newest.source != source or not newest.path.is_file():
        return None
    if newest.file != _file_stat(newest.path):
        return None  # the copy itself was touched since it was written
    return Snapshot(
        newest.path, newest.sha256, newest.created_at, newest.schema_version, newest.source,
        newest.file, newest.rows, reused=True,
    )  # fmt: skip


def read_back(path: Path) -> int:
    """Open ``path`` read-only and read every row of every table; the rows read.

    Raises :class:`WarehouseCorrupt` naming the table that does not read back.
    """
    conn = connect(path, read_only=True)
    rows = 0
    try:
        tables = [row[0] for row in conn.execute(TABLES).fetchall()]
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            try:
                # hash(t) reads every column of every row; count(*) alone reads no data.
                found = conn.execute(f"SELECT count(*), sum(hash(t)) FROM {quoted} AS t").fetchone()
            except duckdb.Error as exc:
                raise WarehouseCorrupt(
                    f"table {table} does not read back ({type(exc).__name__}: "
                    f"{str(exc).splitlines()[0]})"
                ) from exc
            rows += int(found[0]) if found else 0
    finally:
        conn.close()
    return rows


def take_snapshot(
    db_path: Path,
    out_dir: Path,
    *,
    lock_timeout: float,
    name: str | None = None,
    reuse: bool = False,
) -> Snapshot:
    """Copy the warehouse to ``out_dir`` (``rentwatch-<UTC time>.duckdb`` unless named).

    ``reuse``: hand back the newest snapshot of this warehouse in ``out_dir`` instead when the
    warehouse has not changed since it was taken (``Snapshot.reused``); never with ``name``.
    Raises :class:`WarehouseCorrupt` when the copy does not read back and :class:`DiskFull`
    when there is no room for it; neither leaves a file behind.
    """
    check_warehouse_path(db_path)
    if not db_path.exists():
        raise SchemaError(f"no warehouse at {db_path}")
    now = datetime.now(UTC)
    target = out_dir / (name or f"rentwatch-{now.strftime('%Y%m%dT%H%M%S%fZ')}.duckdb")
    with WriterLock(db_path, timeout=lock_timeout, purpose="rentwatch db snapshot"):
        conn = connect(db_path)
        try:
            version = require_schema(conn)
            conn.execute("CHECKPOINT")
        except duckdb.Error as exc:
            raise storage_error(db_path, exc, "checkpointing before a snapshot") from exc
        finally:
            conn.close()
        source = warehouse_marker(db_path)
        if reuse and name is None and (same := _unchanged(out_dir, source)) is not None:
            return same
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        sidecar = target.with_name(target.name + SIDECAR_SUFFIX)
        try:
            shutil.copyfile(db_path, tmp)
            fail_point("snapshot-copy")
            try:
                rows = read_back(tmp)
            except RentwatchError as exc:
                raise WarehouseCorrupt(
                    f"snapshot not taken: the copy of {db_path} does not read back ({exc}); "
                    "the warehouse itself is damaged: restore the latest snapshot"
                ) from exc
            digest = file_sha256(tmp)
            tmp.replace(target)
            snap = Snapshot(
                target, digest, now.isoformat(timespec="seconds"), version, source,
                _file_stat(target), rows,
            )  # fmt: skip
            snap.sidecar.write_text(json.dumps(snap.to_dict(), indent=2))
        except OSError as exc:
            _remove(tmp, target, sidecar)
            if disk_full(out_dir, exc):
                raise DiskFull(
                    f"snapshot not taken: disk full at {out_dir} ({exc.strerror or exc}); "
                    "nothing was left behind"
                ) from exc
            raise RentwatchError(f"snapshot not taken: cannot write {tmp}: {exc}") from exc
        except BaseException:
            _remove(tmp, target, sidecar)
            raise
    return snap


def _remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def prune_snapshots(out_dir: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest snapshots in ``out_dir`` (each file and its sidecar);
    returns the snapshot files deleted. Files without a sidecar are not snapshots and stay."""
    if keep < 1:
        raise RentwatchError(f"keep must be at least 1 (the newest snapshot stays), not {keep}")
    if not out_dir.is_dir():
        return []
    doomed = list_snapshots(out_dir)[:-keep]
    for snap in doomed:
        snap.path.unlink(missing_ok=True)
        snap.sidecar.unlink(missing_ok=True)
    return [s.path for s in doomed]
