"""Read a currency rate table for the index: CSV ``currency,valid_from,kzt_per_unit``.

A rate applies from ``valid_from`` (inclusive, local day) until the next row of the same
currency. The file is validated whole; a bad line is named and nothing is used.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Final

from analysis.index.sample import FxRate
from analysis.index.spec import SeriesError
from warehouse.records import CURRENCIES

FX_COLUMNS: Final = ("currency", "valid_from", "kzt_per_unit")


def read_fx_rates(path: Path) -> list[FxRate]:
    """The rows of ``path`` as (currency, valid_from, KZT per unit)."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in FX_COLUMNS if c not in (reader.fieldnames or ())]
            if missing:
                raise SeriesError(f"{path}: missing column(s) {', '.join(missing)}")
            rates: list[FxRate] = []
            for line, row in enumerate(reader, start=2):
                rates.append(_parse(path, line, row))
    except OSError as exc:
        raise SeriesError(f"cannot read rate table {path}: {exc.strerror}") from exc
    return rates


def _parse(path: Path, line: int, row: dict[str, str]) -> FxRate:
    currency = (row["currency"] or "").strip().upper()
    if currency not in CURRENCIES or currency == "KZT":
        raise SeriesError(f"{path}:{line}: currency {currency!r} is not one of USD, EUR, RUB")
    try:
        valid_from = date.fromisoformat((row["valid_from"] or "").strip())
    except ValueError as exc:
        raise SeriesError(f"{path}:{line}: valid_from must be YYYY-MM-DD") from exc
    try:
        rate = float(row["kzt_per_unit"])
    except (TypeError, ValueError) as exc:
        raise SeriesError(f"{path}:{line}: kzt_per_unit must be a number") from exc
    if not rate > 0:
        raise SeriesError(f"{path}:{line}: kzt_per_unit must be positive")
    return currency, valid_from, rate
