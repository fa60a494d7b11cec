"""Economists' own data: listing observations and official monthly series from CSV.

A file is validated whole before anything is written. Any problem (a missing column, a bad
number or date, an unknown currency, bytes that are not UTF-8, …) rejects the file with a
message naming the line and the column, and nothing is loaded. Listing rows become a spool
of origin ``import`` and go through the same loader as crawls, so importing a file twice
leaves one copy.

**Imported listings have their own keys**: their source is stored as ``import.<source>``
(:data:`IMPORT_PREFIX`), so a row that says ``source=krisha`` with a crawled id can never
rewrite the crawled listing's city, rooms or title (it did: the listings dimension is keyed
by source and id, and a later sighting's attributes win).

**Listings stream**: the file is read row by row and written to spools of
:data:`IMPORT_CHUNK` rows in a private ``importing/`` folder as it is validated, and the
spools are moved beside the crawls' only when the whole file passed, then loaded one
transaction each, so memory stays flat whatever the file's size (a 1M-row import had peaked
at 1.8 GB) and a rejected file is never loaded by surprise.
"""

from __future__ import annotations

import csv
import itertools
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from warehouse.cities import CITY_CODES, canonical_city
from warehouse.errors import ImportRejected
from warehouse.plausible import OUTER_MONTHLY, PERIOD_DIVISOR
from warehouse.records import (
    AREA_RANGE,
    CURRENCIES,
    FLOOR_RANGE,
    LOCAL_TIMEZONE,
    OWNER_TYPES,
    PRICE_PERIODS,
    ROOMS_RANGE,
)
from warehouse.status import counted

LISTING_REQUIRED = ("source", "listing_id", "city", "observed_at", "price", "currency")
LISTING_OPTIONAL = (
    "district", "rooms", "area_m2", "floor", "floors_total", "owner_type", "url", "title",
    "price_period",
)  # fmt: skip
OFFICIAL_COLUMNS = ("city", "month", "metric", "value", "unit", "source")
# Imported listings are keyed apart from crawled ones: (import.<source>, listing_id).
IMPORT_PREFIX = "import."
IMPORTING_DIR = "importing"
# Rows per import spool, each loaded in its own transaction (the loader holds a batch in
# memory: 50,000 rows is about 120 MB of it, on top of the 190 MB the command starts with).
IMPORT_CHUNK = 50_000
# The methodology a value belongs to (e.g. "2022" for the BNS basis introduced that year);
# a file without the column is one basis, "unspecified".
OFFICIAL_OPTIONAL = ("basis",)
OFFICIAL_AREAS = ("kazakhstan",)  # national series next to the cities
# Plausible values per unit (a per-m² rent of 1e300 or a rent of −5 is a typo, not a month);
# a unit not listed here must still be a finite number within ±1e9.
OFFICIAL_VALUE_RANGE: dict[str, tuple[float, float]] = {
    "KZT/m2/month": (10.0, 100_000.0),
    "KZT/m²/month": (10.0, 100_000.0),
    "KZT/month": (1_000.0, 50_000_000.0),
    "%": (-100.0, 1_000.0),
    "index": (1e-6, 100_000.0),
}
OFFICIAL_OTHER_RANGE = (-1e9, 1e9)

# Plausible monthly asking rent per currency; daily and hourly bounds are scaled down.
MONTHLY_PRICE_RANGE = OUTER_MONTHLY
EARLIEST = date(2000, 1, 1)
MAX_ERRORS_SHOWN = 5

_SOURCE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
_LOCAL = ZoneInfo(LOCAL_TIMEZONE)


class CellError(ValueError):
    """One cell's problem; the reader adds the line and column."""


@dataclass(frozen=True)
class Problem:
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


def _reject(path: Path, problems: list[Problem], *, stopped: bool = False) -> ImportRejected:
    """``stopped``: the file was not read to its end (too many problems), so the count of
    the problems not shown is a lower bound."""
    shown = "; ".join(str(p) for p in problems[:MAX_ERRORS_SHOWN])
    more = len(problems) - MAX_ERRORS_SHOWN
    tail = f" (and {more} more problem(s))" if more > 0 else ""
    if stopped:
        tail = f" (and {more} more problem(s) by line {problems[-1].line}, where reading stopped)"
    return ImportRejected(f"{path}: rejected, nothing loaded — {shown}{tail}")


# --- cell parsers: text in, value out, CellError with a plain-words message ------------------


def parse_int(text: str) -> int:
    """A whole number, also as a spreadsheet or pandas writes one in a column with empty
    cells (``150000.0``): the fraction must be zeros."""
    whole = re.fullmatch(r"(-?\d+)(?:\.0+)?", text)
    if whole is None:
        raise CellError(f"{text!r} is not a whole number")
    return int(whole.group(1))


def parse_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CellError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise CellError(f"{text!r} is not a finite number")
    return value


def parse_observed_at(text: str) -> datetime:
    """ISO date or date-time; without an offset it is local time in Almaty/Astana."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CellError(
            f"{text!r} is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM])"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=_LOCAL)
    if value.date() < EARLIEST:
        raise CellError(f"{text!r} is before {EARLIEST}")
    if value > datetime.now(UTC) + timedelta(days=1):
        raise CellError(f"{text!r} is in the future")
    return value


def parse_month(text: str) -> date:
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-01)?", text)
    if not match:
        raise CellError(f"{text!r} is not a month (use YYYY-MM or YYYY-MM-01)")
    try:
        month = date(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise CellError(f"{text!r} is not a month") from None
    if month < EARLIEST:
        raise CellError(f"{text!r} is before {EARLIEST}")
    return month


def in_range(parse: Callable[[str], Any], low: float, high: float) -> Callable[[str], Any]:
    def check(text: str) -> Any:
        value = parse(text)
        if not low <= value <= high:
            raise CellError(f"{value} is outside the plausible range {low:g}..{high:g}")
        return value

    return check


def one_of(choices: tuple[str, ...], *, upper: bool = False) -> Callable[[str], str]:
    def check(text: str) -> str:
        value = text.upper() if upper else text.lower()
        if value not in choices:
            raise CellError(f"{text!r} is not one of {', '.join(choices)}")
        return value

    return check


def parse_source(text: str) -> str:
    if not _SOURCE.match(text):
        raise CellError(f"{text!r} is not a source name (lower-case letters, digits, . _ -)")
    return text


def parse_listing_id(text: str) -> str:
    if len(text) > 64 or any(c.isspace() for c in text):
        raise CellError(f"{text!r} is not a listing id (no spaces, at most 64 characters)")
    return text


def parse_city(text: str) -> str:
    city = canonical_city(text)
    if city is None:
        raise CellError(f"unknown city {text!r}; known: {', '.join(CITY_CODES)}")
    return city


def parse_area(text: str) -> str:
    area = text.lower()
    if area in OFFICIAL_AREAS:
        return area
    return parse_city(text)


def parse_text(limit: int) -> Callable[[str], str]:
    def check(text: str) -> str:
        if len(text) > limit:
            raise CellError(f"longer than {limit} characters")
        return text

    return check


LISTING_CELLS: dict[str, Callable[[str], Any]] = {
    "source": parse_source,
    "listing_id": parse_listing_id,
    "city": parse_city,
    "observed_at": parse_observed_at,
    "price": parse_int,
    "currency": one_of(CURRENCIES, upper=True),
    "district": parse_text(80),
    "rooms": in_range(parse_int, *ROOMS_RANGE),
    "area_m2": in_range(parse_float, *AREA_RANGE),
    "floor": in_range(parse_int, *FLOOR_RANGE),
    "floors_total": in_range(parse_int, 1, FLOOR_RANGE[1]),
    "owner_type": one_of(OWNER_TYPES),
    "url": parse_text(500),
    "title": parse_text(300),
    "price_period": one_of(PRICE_PERIODS),
}

OFFICIAL_CELLS: dict[str, Callable[[str], Any]] = {
    "city": parse_area,
    "month": parse_month,
    "metric": parse_text(80),
    "value": parse_float,
    "unit": parse_text(40),
    "source": parse_text(200),
    "basis": parse_text(40),
}


# --- reading --------------------------------------------------------------------------------


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        line = raw.count(b"\n", 0, exc.start) + 1
        header = next(csv.reader([raw.split(b"\n", 1)[0].decode("utf-8-sig", "replace")]), [])
        prefix = raw[line_start : exc.start].decode("utf-8", "replace")
        index = len(next(csv.reader([prefix]), [""])) - 1
        column = header[index] if 0 <= index < len(header) else None
        raise _reject(
            path,
            [
                Problem(
                    line,
                    column,
                    f"byte 0x{raw[exc.start]:02x} is not UTF-8 (save the file as UTF-8)",
                )
            ],
        ) from None


def _rows(
    path: Path, required: tuple[str, ...], optional: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs after the header has been checked, read as a stream."""
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except OSError as exc:
        raise _reject(path, [Problem(1, None, f"cannot read the file: {exc}")]) from None
    with handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise _reject(path, [Problem(1, None, "the file is empty")]) from None
        except csv.Error as exc:
            raise _reject(path, [Problem(1, None, f"not a CSV header: {exc}")]) from None
        except UnicodeDecodeError:
            _decode(path, path.read_bytes())
            raise
        missing = [c for c in required if c not in header]
        unknown = [c for c in header if c not in required and c not in optional]
        problems = []
        if missing:
            problems.append(Problem(1, None, f"missing column(s): {', '.join(missing)}"))
        if unknown:
            problems.append(
                Problem(
                    1,
                    None,
                    f"unknown column(s): {', '.join(unknown)} "
                    f"(allowed: {', '.join(required + optional)})",
                )
            )
        if len(set(header)) != len(header):
            problems.append(Problem(1, None, "a column name appears twice"))
        if problems:
            raise _reject(path, problems)
        try:
            for row in reader:
                line = reader.line_num
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) != len(header):
                    yield line, {"__width__": f"expected {len(header)} fields, found {len(row)}"}
                    continue
                yield line, {h: c.strip() for h, c in zip(header, row, strict=True)}
        except csv.Error as exc:
            raise _reject(path, [Problem(reader.line_num, None, f"malformed CSV: {exc}")]) from None
        except UnicodeDecodeError:
            # Rare: read the raw bytes once more to name the line and the column.
            _decode(path, path.read_bytes())
            raise


def _valid_rows(
    path: Path,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    cells: dict[str, Callable[[str], Any]],
    check_row: Callable[[dict[str, Any]], list[tuple[str, str]]],
    problems: list[Problem],
) -> Iterator[dict[str, Any]]:
    """Each row's parsed values, in order; problems are appended to ``problems`` (a row with
    one is still yielded: the caller rejects the file once the stream is done)."""
    for line, row in _rows(path, required, optional):
        if "__width__" in row:
            problems.append(Problem(line, None, row["__width__"]))
            continue
        values: dict[str, Any] = {}
        for column, text in row.items():
            if text == "":
                if column in required:
                    problems.append(Problem(line, column, "empty"))
                continue
            try:
                values[column] = cells[column](text)
            except CellError as exc:
                problems.append(Problem(line, column, str(exc)))
        if len(values) == sum(1 for t in row.values() if t != ""):
            problems.extend(Problem(line, col, msg) for col, msg in check_row(values))
        yield values


def _parse_rows(
    path: Path,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    cells: dict[str, Callable[[str], Any]],
    check_row: Callable[[dict[str, Any]], list[tuple[str, str]]],
) -> list[dict[str, Any]]:
    problems: list[Problem] = []
    parsed = list(_valid_rows(path, required, optional, cells, check_row, problems))
    if problems:
        raise _reject(path, problems)
    if not parsed:
        raise _reject(path, [Problem(2, None, "no data rows")])
    return parsed


def _check_listing(values: dict[str, Any]) -> list[tuple[str, str]]:
    problems = []
    price, currency = values.get("price"), values.get("currency")
    period = values.get("price_period", "month")
    if price is not None and price <= 0:
        problems.append(("price", f"{price} must be positive"))
    elif price is not None and currency is not None:
        monthly_low, monthly_high = MONTHLY_PRICE_RANGE[currency]
        low, high = monthly_low / PERIOD_DIVISOR[period], monthly_high / PERIOD_DIVISOR[period]
        if not low <= price <= high:
            problems.append(
                ("price", f"{price} {currency} per {period} is outside the plausible range "
                          f"{low:,.0f}..{high:,.0f}")
            )  # fmt: skip
    floor, floors = values.get("floor"), values.get("floors_total")
    if floor is not None and floors is not None and floor > floors:
        problems.append(("floor", f"floor {floor} is above floors_total {floors}"))
    return problems


def _as_record(row: dict[str, Any]) -> dict[str, Any]:
    """A validated CSV row as an observation record of origin ``import``, keyed apart."""
    row.setdefault("price_period", "month")
    row["origin"] = "import"
    row["source"] = IMPORT_PREFIX + row["source"]
    if "district" in row:
        row["district_raw"] = row["district"]
    return row


def iter_listings_csv(path: Path, problems: list[Problem]) -> Iterator[dict[str, Any]]:
    """Observation records (without run_id) from an economist's CSV, one row at a time.

    Problems are collected in ``problems``; the file is good only if it is empty at the end.
    """
    for values in _valid_rows(
        path, LISTING_REQUIRED, LISTING_OPTIONAL, LISTING_CELLS, _check_listing, problems
    ):
        if len(problems) > MAX_ERRORS_SHOWN * 20:
            raise _reject(path, problems, stopped=True)
        if not problems:
            yield _as_record(values)


def read_listings_csv(path: Path) -> list[dict[str, Any]]:
    """Validated observation records (without run_id) from an economist's CSV, as a list
    (small files and tests; :func:`spool_listings_csv` streams)."""
    problems: list[Problem] = []
    rows = list(iter_listings_csv(path, problems))
    if problems:
        raise _reject(path, problems)
    if not rows:
        raise _reject(path, [Problem(2, None, "no data rows")])
    return rows


def spool_listings_csv(
    path: Path, spool_dir: Path, *, chunk: int | None = None
) -> tuple[list[Path], int]:
    """Validate ``path`` while writing its records to spools of at most ``chunk`` rows
    (:data:`IMPORT_CHUNK`); (spools, rows) once the whole file passed.

    The spools are written in ``<spool_dir>/importing/`` and moved into ``spool_dir`` only
    then, so a rejected file leaves nothing and nothing is loaded before the whole file is
    known to be good. Each spool is then loaded in its own transaction, which keeps the
    loader's in-memory batch small; if a load is interrupted, the rest wait in ``spool_dir``
    for the next load, as a crashed crawl's spool does (the loader is idempotent).
    """
    from warehouse.spool import SpoolWriter

    limit = chunk or IMPORT_CHUNK
    staging = spool_dir / IMPORTING_DIR
    spools: list[SpoolWriter] = []
    problems: list[Problem] = []
    rows = 0

    def new_spool() -> SpoolWriter:
        spools.append(SpoolWriter(staging, spider="import", origin="import", source=path.name))
        return spools[-1]

    try:
        spool = new_spool()
        for record in iter_listings_csv(path, problems):
            if spool.meta.items >= limit:
                spool.finish("finished", stats={"file": str(path), "part": len(spools)})
                spool = new_spool()
            spool.write(record)
            rows += 1
        if problems:
            raise _reject(path, problems)
        if not rows:
            raise _reject(path, [Problem(2, None, "no data rows")])
        spool.finish("finished", stats={"file": str(path), "part": len(spools)})
    except BaseException:
        for written in spools:
            written.finish("failed")
            written.path.unlink(missing_ok=True)
            written.meta_path.unlink(missing_ok=True)
        raise
    finals = []
    for written in spools:
        written.meta_path.replace(spool_dir / written.meta_path.name)
        written.path.replace(spool_dir / written.path.name)
        finals.append(spool_dir / written.path.name)
    return finals, rows


def discard_spools(spools: Iterable[Path]) -> None:
    """Remove an import's spools and their sidecars (the import was refused as a whole)."""
    from warehouse.spool import meta_path_for

    for spool in spools:
        spool.unlink(missing_ok=True)
        meta_path_for(spool).unlink(missing_ok=True)


def _check_official(values: dict[str, Any]) -> list[tuple[str, str]]:
    problems = []
    value, unit, month = values.get("value"), values.get("unit"), values.get("month")
    if value is not None and unit is not None:
        low, high = OFFICIAL_VALUE_RANGE.get(unit, OFFICIAL_OTHER_RANGE)
        if not low <= value <= high:
            problems.append(
                ("value", f"{value:g} {unit} is outside the plausible range {low:g}..{high:g}")
            )
    this_month = datetime.now(_LOCAL).date().replace(day=1)
    if month is not None and month > this_month:
        problems.append(
            ("month", f"{month:%Y-%m} has not ended yet (this month is {this_month:%Y-%m})")
        )
    return problems


def read_official_csv(path: Path) -> list[dict[str, Any]]:
    """Validated official-series rows from CSV: one value per city, month, metric, source and
    basis (a file without a ``basis`` column is one basis, ``"unspecified"``)."""
    rows = _parse_rows(path, OFFICIAL_COLUMNS, OFFICIAL_OPTIONAL, OFFICIAL_CELLS, _check_official)
    seen: dict[tuple[Any, ...], int] = {}
    for i, row in enumerate(rows):
        row.setdefault("basis", "unspecified")
        key = (row["city"], row["month"], row["metric"], row["source"], row["basis"])
        if key in seen:
            raise _reject(path, [Problem(i + 2, None, f"repeats the row on line {seen[key]}")])
        seen[key] = i + 2
    return rows


def describe_official(rows: list[dict[str, Any]]) -> list[str]:
    """One line per series in ``rows``: its months, first … last, and its gaps."""
    series: dict[tuple[str, ...], list[date]] = {}
    for row in rows:
        key = (row["city"], row["metric"], row["source"], row["basis"])
        series.setdefault(key, []).append(row["month"])
    lines = []
    for (city, metric, source, basis), months in sorted(series.items()):
        months.sort()
        index = [m.year * 12 + m.month for m in months]
        missing = (index[-1] - index[0] + 1) - len(index)
        gaps = sum(1 for a, b in itertools.pairwise(index) if b - a > 1)
        lines.append(
            f"{city} {metric} ({source}, basis {basis}): {counted(len(months), 'month')} "
            f"{months[0]:%Y-%m} … {months[-1]:%Y-%m}"
            + (
                f", {counted(missing, 'missing month')} in {counted(gaps, 'gap')}, kept as gaps"
                if missing
                else ""
            )
        )
    return lines


UPSERT_OFFICIAL = """
INSERT INTO official_series (city, month, metric, value, unit, source, basis)
SELECT * FROM official_rows
ON CONFLICT (city, month, metric, source, basis)
DO UPDATE SET value = excluded.value, unit = excluded.unit
"""


def load_official(conn: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> int:
    """Upsert validated official rows in one transaction; returns the rows written."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=[*OFFICIAL_COLUMNS, *OFFICIAL_OPTIONAL])
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.register("official_rows", frame)
        row = conn.execute(UPSERT_OFFICIAL).fetchone()
        conn.unregister("official_rows")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return int(row[0]) if row else 0
