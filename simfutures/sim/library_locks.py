"""The standard library's module-level locks, as virtual locks during a run.

A lock a stdlib module made when it was imported (before any run) is a real
lock; every virtual thread runs on one OS thread, so a virtual thread that
waits for it while another virtual thread holds it blocks that OS thread for
good (two threads calling ``time.strptime`` with new formats hung the run
until the watchdog: ``_strptime`` caches compiled formats under such a
lock).  For each run these locks are the run's own virtual locks: a thread
that finds one held waits as for any lock, and taking or releasing one is a
scheduling point with its happens-before edge.  Leaving the run restores the
real ones.

The list is the stdlib's module-level plain locks reachable from a program's
calls (CPython 3.11-3.13); ``threading``'s and ``concurrent.futures``' own
are the simulator's business (``patch``), and a module-level ``RLock``
(``logging``'s) lets every virtual thread in, as re-entry, so it cannot hang.
"""

from __future__ import annotations

import importlib
from typing import Any

from simfutures.sim import primitives

#: module -> its module-level lock(s) made at import.
MODULE_LOCKS = {"_strptime": ("_cache_lock",), "tempfile": ("_once_lock",)}


def patches() -> list[tuple[Any, dict[str, Any]]]:
    """The patch plan's entries for one run: fresh virtual locks (a run stopped while
    a thread held one must not leave it held for the next run).  ``_strptime`` is
    imported here if it is not yet: ``time.strptime`` and ``datetime.strptime`` import
    it on first use, which inside a run would make its lock a real one."""
    return [(importlib.import_module(module), {name: primitives.Lock() for name in names})
            for module, names in MODULE_LOCKS.items()]
