"""BLAS threads for the engine's small problems.

The engine's least-squares problems are a few hundred to a few thousand rows by a handful of
columns; OpenBLAS's threads only add start-up and contention on them (on 2 shared cores the
sensitivity table ran 3–5× slower than with one thread, ``bench/its.py``). Entry points
(:meth:`ITSModel.fit`, placebos, sensitivity, the break search) run under
:func:`small_problem`, which holds BLAS to one thread; nested uses cost nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

SMALL_ROWS = 20_000
"""Problems up to this many rows run on one BLAS thread."""

_depth = 0
_controller: ThreadpoolController | None = None


def _blas() -> ThreadpoolController:
    """One controller for the process: making one inspects every loaded library (~10 ms),
    its ``limit`` afterwards costs microseconds. Made on first use, when numpy and scipy's
    BLAS are loaded."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller


@contextmanager
def small_problem(rows: int) -> Iterator[None]:
    """One BLAS thread while inside, when ``rows`` ≤ :data:`SMALL_ROWS`."""
    global _depth
    if _depth or rows > SMALL_ROWS:
        _depth += 1
        try:
            yield
        finally:
            _depth -= 1
        return
    _depth += 1
    try:
        with _blas().limit(limits=1, user_api="blas"):
            yield
    finally:
        _depth -= 1
