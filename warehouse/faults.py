"""Named pause and failure points for crash tests and the fault bench.

With ``RENTWATCH_PAUSE_AT=<name>`` in the environment, :func:`pause_point` prints
``paused at <name>`` on stderr and waits for a line on stdin. The crash tests use it to
SIGKILL a real load at a known moment (inside its open transaction) without sleeping.

With ``RENTWATCH_FAIL_AT=<name>``, :func:`fail_point` raises ``OSError(ENOSPC)`` there, as a
full disk would (``RENTWATCH_FAIL_AFTER=N`` lets the first N calls pass), for machines
where a small tmpfs cannot be mounted. Points: ``snapshot-copy``, ``spool-write``.
Unset, each costs one dictionary lookup.
"""

import errno
import os
import sys

_calls: dict[str, int] = {}


def pause_point(name: str) -> None:
    if os.environ.get("RENTWATCH_PAUSE_AT") != name:
        return
    print(f"paused at {name}", file=sys.stderr, flush=True)
    sys.stdin.readline()


def fail_point(name: str) -> None:
    """Raise ``OSError(ENOSPC)`` when ``RENTWATCH_FAIL_AT`` names this point."""
    if os.environ.get("RENTWATCH_FAIL_AT") != name:
        return
    _calls[name] = _calls.get(name, 0) + 1
    if _calls[name] > int(os.environ.get("RENTWATCH_FAIL_AFTER", "0")):
        raise OSError(errno.ENOSPC, f"No space left on device (injected at {name})")
