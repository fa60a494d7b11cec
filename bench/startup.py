"""Benchmark: start-up of ``rentwatch --help`` — wall time, CPU time and peak memory.

Each command runs in a fresh process (``os.wait4`` gives that process's own CPU time and
peak RSS); best of ``--rounds`` runs each, interleaved so a noisy machine slows them alike.

  * baseline: ``python -c 'import typer'`` (the least any Typer command can cost);
  * ``rentwatch --help`` as it is: the commands listed from their one-line summaries,
    no command module, no settings, no DuckDB imported;
  * eager: the same help after importing every command module, which is what listing the
    commands cost before (each module imported to read its help);
  * ``rentwatch db --help``: one command group's help (imports that module only).

    .venv/bin/python bench/startup.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EAGER = (
    "import importlib, sys; from rentwatch.commands import COMMANDS; "
    "[importlib.import_module(m) for m in dict.fromkeys(COMMANDS.values())]; "
    "from rentwatch.cli import main; main(['--help'])"
)
CASES = {
    "baseline: python -c 'import typer'": ["-c", "import typer"],
    "rentwatch --help": ["-m", "rentwatch.cli", "--help"],
    "eager (every command module imported, as before)": ["-c", EAGER],
    "rentwatch db --help": ["-m", "rentwatch.cli", "db", "--help"],
}


def run_once(args: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MiB) of one fresh process."""
    import time

    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        assert child.stderr is not None
        raise SystemExit(f"{args} failed: {child.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="runs of each, best kept")
    args = parser.parse_args()
    print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in CASES}
    for _ in range(args.rounds):
        for name, argv in CASES.items():
            runs[name].append(run_once(argv))
    best = {name: tuple(min(r[i] for r in rs) for i in range(3)) for name, rs in runs.items()}
    base = best["baseline: python -c 'import typer'"]
    print(f"{'':52}{'wall s':>8}{'cpu s':>8}{'RSS MiB':>9}   ratio to baseline (wall, cpu, RSS)")
    for name, (wall, cpu, rss) in best.items():
        print(
            f"{name:52}{wall:8.3f}{cpu:8.3f}{rss:9.1f}   "
            f"{wall / base[0]:.2f}x, {cpu / base[1]:.2f}x, {rss / base[2]:.2f}x"
        )
    now, eager = best["rentwatch --help"], best["eager (every command module imported, as before)"]
    print(
        f"rentwatch --help against eager: {eager[1] / now[1]:.1f}x less CPU, "
        f"{eager[2] / now[2]:.1f}x less memory (best of {args.rounds} each)"
    )
    print(f"load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
