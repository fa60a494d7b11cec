"""Snapshots: consistent, checksummed copies of the warehouse for notebooks and reports.

A snapshot is taken under the writer lock after a CHECKPOINT, so no load is half in it. The
copy is written as ``<name>.tmp``, **opened and read back table by table** (every row of
every column: ``hash`` over whole rows), and only then renamed and given its SHA-256 (a
half-truncated warehouse had been copied and checksummed though nothing could read it).
Any failure, a damaged table or a full disk, removes the ``.tmp`` and leaves one line.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.connection import connect
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

TABLES = """
SELECT table_name FROM information_schema.tables
WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name
"""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    sha256: str
    created_at: str
    schema_version: int
    rows: int = 0  # rows read back from the copy, all tables

    def to_dict(self) -> dict[str, str | int]:
        d = asdict(self)
        d["path"] = str(self.path)
        return d


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    db_path: Path, out_dir: Path, *, lock_timeout: float, name: str | None = None
) -> Snapshot:
    """Copy the warehouse to ``out_dir`` (``rentwatch-<UTC time>.duckdb`` unless named).

    Raises :class:`WarehouseCorrupt` when the copy does not read back and :class:`DiskFull`
    when there is no room for it; neither leaves a file behind.
    """
    if not db_path.exists():
        raise SchemaError(f"no warehouse at {db_path}")
    now = datetime.now(UTC)
    target = out_dir / (name or f"rentwatch-{now.strftime('%Y%m%dT%H%M%S%fZ')}.duckdb")
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    sidecar = target.with_name(target.name + ".json")
    with WriterLock(db_path, timeout=lock_timeout, purpose="rentwatch db snapshot"):
        conn = connect(db_path)
        try:
            version = require_schema(conn)
            conn.execute("CHECKPOINT")
        except duckdb.Error as exc:
            raise storage_error(db_path, exc, "checkpointing before a snapshot") from exc
        finally:
            conn.close()
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
            snap = Snapshot(
                target, file_sha256(tmp), now.isoformat(timespec="seconds"), version, rows
            )
            tmp.replace(target)
            sidecar.write_text(json.dumps(snap.to_dict(), indent=2))
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
