"""Peak memory of `rentwatch import listings` at 1,000,000 rows, against reading the same file
whole (the baseline: the validated rows as one list, as the import did before it streamed).

    .venv/bin/python bench/import_memory.py [--rows 1000000]

Target: ≤ 500 MB peak RSS for the import (a 1M-row import had peaked at 1.8 GB). Peaks are
each process's ``VmHWM`` (``ru_maxrss`` would also count the parent it was forked from).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STREAMING = """
import sys
from rentwatch.cli import main
try:
    main(["--db", sys.argv[2], "import", "listings", sys.argv[1]])
except SystemExit as exc:
    assert exc.code in (0, None), exc.code
print([l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1])
"""
WHOLE = """
import sys
from pathlib import Path
from warehouse.imports import read_listings_csv
rows = read_listings_csv(Path(sys.argv[1]))
print([l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1])
"""


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(
            "source,listing_id,city,observed_at,price,currency,rooms,area_m2,district,title\n"
        )
        for i in range(rows):
            out.write(
                f"mybank,b{i},almaty,2022-09-{1 + i % 28:02d},{150000 + i % 9000},KZT,"
                f"{1 + i % 4},{30 + i % 90},Бостандыкский,квартира номер {i}\n"
            )


def peak_mib(script: str, *args: str, cwd: Path) -> tuple[float, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script, *args], cwd=cwd, capture_output=True, text=True,
        check=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    return int(done.stdout.strip().splitlines()[-1]) / 1024, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    rows = parser.parse_args().rows
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv = work / "listings.csv"
        write_csv(csv, rows)
        size = csv.stat().st_size / 2**20
        stream, stream_s = peak_mib(STREAMING, str(csv), str(work / "w.duckdb"), cwd=work)
        whole, whole_s = peak_mib(WHOLE, str(csv), cwd=work)
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores, shared)")
    print(f"{rows:,} rows, {size:.0f} MiB of CSV")
    print(f"import (validate, spool, load): peak RSS {stream:.0f} MiB in {stream_s:.1f} s")
    print(f"baseline, the rows read whole as a list: peak RSS {whole:.0f} MiB in {whole_s:.1f} s")
    print(f"ratio {stream / whole:.2f}x (target: import ≤ 500 MiB)")


if __name__ == "__main__":
    main()
