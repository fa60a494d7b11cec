"""Named pause points for crash tests.

With ``RENTWATCH_PAUSE_AT=<name>`` in the environment, :func:`pause_point` prints
``paused at <name>`` on stderr and waits for a line on stdin. The crash tests use it to
SIGKILL a real load at a known moment (inside its open transaction) without sleeping.
Unset, it costs one dictionary lookup.
"""

import os
import sys


def pause_point(name: str) -> None:
    if os.environ.get("RENTWATCH_PAUSE_AT") != name:
        return
    print(f"paused at {name}", file=sys.stderr, flush=True)
    sys.stdin.readline()
