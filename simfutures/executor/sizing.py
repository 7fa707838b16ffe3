"""Default pool sizes, for both pools (the rule differs between Python versions)."""

from __future__ import annotations

import os
import sys


def default_cpu_count() -> int:
    """The CPU count that default ``max_workers`` start from (docs/versions.md).

    3.13+ counts the CPUs this process may use (``os.process_cpu_count``:
    affinity, ``-X cpu_count``, ``PYTHON_CPU_COUNT``); 3.11 and 3.12 count the
    machine's (``os.cpu_count``).  Looked up at each call, as the stdlib does,
    so a patched ``os`` function is seen.
    """
    if sys.version_info >= (3, 13):
        return os.process_cpu_count() or 1
    return os.cpu_count() or 1
