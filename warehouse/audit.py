"""``rentwatch db audit``: does any personal data remain in the warehouse?

Every free-text column the warehouse keeps (listings' ``title``, ``district_raw``, ``url``;
crawl runs' ``reason``) is read through :func:`warehouse.pii.find_personal_data`, the same
rules the scrubber applies. A finding names the row and the kind of data, never the data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import duckdb

from warehouse.pii import find_personal_data, url_personal_data

BATCH = 50_000
# (table, key columns, text columns); URLs are read as slugs (see warehouse.pii).
SCANNED: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("listings", ("source", "listing_id"), ("title", "district_raw", "url")),
    ("crawl_runs", ("run_id",), ("reason",)),
)
EXAMPLES = 10


@dataclass(frozen=True)
class Finding:
    table: str
    key: str  # the row's key, e.g. "olx/IDabc"
    column: str
    kind: str  # phone | email | handle | name


@dataclass
class AuditReport:
    rows_read: int = 0
    counts: Counter[str] = field(default_factory=Counter)  # "<table>.<column> <kind>" -> rows
    examples: list[Finding] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.counts

    def render(self) -> str:
        if self.clean:
            return f"no personal data found in {self.rows_read} rows"
        lines = [f"personal data found in {sum(self.counts.values())} cells:"]
        lines += [f"  {where}: {n}" for where, n in sorted(self.counts.items())]
        lines += [f"  e.g. {f.table} {f.key} {f.column} ({f.kind})" for f in self.examples]
        lines.append("  scrub them with `rentwatch db init` (migration 004) after upgrading")
        return "\n".join(lines)


def audit(conn: duckdb.DuckDBPyConnection) -> AuditReport:
    """Scan the warehouse's free text for phone numbers, e-mails, handles and names."""
    report = AuditReport()
    for table, keys, columns in SCANNED:
        result = conn.execute(f"SELECT {', '.join(keys + columns)} FROM {table}")
        while rows := result.fetchmany(BATCH):
            for row in rows:
                report.rows_read += 1
                key = "/".join(str(v) for v in row[: len(keys)])
                for column, value in zip(columns, row[len(keys) :], strict=True):
                    kinds = (
                        url_personal_data(value) if column == "url" else find_personal_data(value)
                    )
                    for kind in kinds:
                        report.counts[f"{table}.{column} {kind}"] += 1
                        if len(report.examples) < EXAMPLES:
                            report.examples.append(Finding(table, key, column, kind))
    return report
