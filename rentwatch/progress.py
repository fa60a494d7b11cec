"""Progress for commands that take more than a few seconds: rich, on stderr, on a terminal only.

    with task("report economist: gathering data, fitting, writing"):
        ...                                    # a spinner and the elapsed time
    for city in track(cities, "index series"):
        ...                                    # a bar, n of N, elapsed

Nothing is drawn unless stderr is a terminal (``isatty``, and ``TERM`` is not ``dumb``), so
cron mail, logs and pipes stay exactly as they were; stdout is never touched, so ``--json``
output stays clean (rich's stdout redirection is off: our stdout is the command's result).
While a bar is drawn, lines written to stderr (logging, ``typer.echo(err=True)``) appear
above it. Tasks nest: an inner task is one more line under the outer one, in one display.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # rich is imported only when something is drawn
    from rich.progress import Progress

T = TypeVar("T")

_display: Progress | None = None  # the one on screen, if any


def enabled() -> bool:
    """Whether progress is drawn: stderr is an interactive terminal that understands escapes."""
    stream = sys.stderr
    try:
        interactive = stream is not None and stream.isatty()
    except ValueError:  # closed
        return False
    return interactive and os.environ.get("TERM", "") != "dumb"


@contextmanager
def task(description: str, total: float | None = None) -> Iterator[Callable[[float], None]]:
    """Show ``description`` while the block runs (a bar when ``total`` is known); yields
    ``advance(n)`` to move the bar. Costs nothing when progress is not drawn."""
    global _display
    if not enabled():
        yield _nothing
        return
    owner = _display is None
    if _display is None:
        _display = _new_display()
    display = _display
    task_id = display.add_task(description, total=total)
    if owner:
        display.start()  # its first frame already shows the task, however short it is

    def advance(n: float = 1) -> None:
        display.advance(task_id, n)

    try:
        yield advance
    finally:
        display.remove_task(task_id)
        if owner:
            display.stop()
            _display = None


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """``items``, with a bar of how many are done (``total``: len(items) when it has one)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with task(description, total=total) as advance:
        for item in items:
            yield item
            advance(1)


def _new_display() -> Progress:
    """A rich Progress on stderr: spinner, text, bar, n/N (when known), elapsed time."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    class Count(ProgressColumn):
        def render(self, task: Task) -> Text:
            if task.total is None:
                return Text("")
            return Text(f"{task.completed:,.0f}/{task.total:,.0f}", style="progress.download")

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        Count(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        redirect_stdout=False,
    )


def _nothing(n: float = 1) -> None:
    """``advance`` when no progress is drawn."""
