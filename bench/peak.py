"""Peak resident memory of this process, for the benches' steps that run in a subprocess.

Linux keeps ``ru_maxrss`` across fork and exec, so a step run as the child of a large parent
(one that wrote the benchmark's input first, say) reports at least the parent's peak, and
every step of a bench then shows the same figure. ``VmHWM`` in ``/proc/self/status`` is the
high-water mark of this process image only (exec resets it), which is what a step's peak
means; where there is no /proc, ``ru_maxrss`` is the fallback.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

STATUS = Path("/proc/self/status")


def peak_rss_bytes() -> int:
    """This process image's peak resident memory, in bytes."""
    try:
        for line in STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # macOS reports bytes, Linux KiB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
