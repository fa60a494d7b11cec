"""Snapshots: consistent, checksummed copies of the warehouse for notebooks and reports.

A snapshot is taken under the writer lock after a CHECKPOINT, so no load is half in it; its
SHA-256 is written beside it and quoted by reports as the data's provenance.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from warehouse.connection import connect
from warehouse.errors import SchemaError
from warehouse.lock import WriterLock
from warehouse.migrate import require_schema


@dataclass(frozen=True)
class Snapshot:
    path: Path
    sha256: str
    created_at: str
    schema_version: int

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


def take_snapshot(
    db_path: Path, out_dir: Path, *, lock_timeout: float, name: str | None = None
) -> Snapshot:
    """Copy the warehouse to ``out_dir`` (``rentwatch-<UTC time>.duckdb`` unless named)."""
    if not db_path.exists():
        raise SchemaError(f"no warehouse at {db_path}")
    now = datetime.now(UTC)
    target = out_dir / (name or f"rentwatch-{now.strftime('%Y%m%dT%H%M%S%fZ')}.duckdb")
    out_dir.mkdir(parents=True, exist_ok=True)
    with WriterLock(db_path, timeout=lock_timeout, purpose="rentwatch db snapshot"):
        conn = connect(db_path)
        try:
            version = require_schema(conn)
            conn.execute("CHECKPOINT")
        finally:
            conn.close()
        tmp = target.with_name(target.name + ".tmp")
        shutil.copyfile(db_path, tmp)
        tmp.replace(target)
    snap = Snapshot(target, file_sha256(target), now.isoformat(timespec="seconds"), version)
    target.with_name(target.name + ".json").write_text(json.dumps(snap.to_dict(), indent=2))
    return snap
