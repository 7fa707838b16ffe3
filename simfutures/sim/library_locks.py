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
Functions of ``threading`` a module bound under its own name at import
(``BOUND_AT_IMPORT``) are the run's too.
"""

from __future__ import annotations

import importlib
from typing import Any

from simfutures.sim import primitives

#: module -> its module-level lock(s) made at import.
MODULE_LOCKS = {"_strptime": ("_cache_lock",), "tempfile": ("_once_lock",)}


#: module -> {its name for a ``threading``/``_thread`` function it bound at import:
#: the ``threading`` attribute that is the run's}.  Made real, ``functools``'
#: ``cached_property`` lock (3.11) let every virtual thread in, and a recursive repr's
#: guard (``reprlib.recursive_repr``, dataclasses' ``_thread.get_ident()``) keyed by
#: the one OS thread printed "..." for an object another virtual thread was printing.
BOUND_AT_IMPORT = {
    "_thread": {"get_ident": "get_ident", "get_native_id": "get_native_id"},
    "functools": {"RLock": "RLock"},
    "reprlib": {"get_ident": "get_ident"},
    "multiprocessing.dummy": {name: name for name in (
        "Lock", "RLock", "Semaphore", "BoundedSemaphore", "Event", "Condition", "Barrier")},
}


def patches(threading_patches: dict[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
    """The patch plan's entries for one run: fresh virtual locks (a run stopped while
    a thread held one must not leave it held for the next run), and the run's
    ``threading`` functions (``threading_patches``) where a module bound the real ones
    at import.  The modules are imported here if they are not yet (``_strptime``:
    ``time.strptime`` and ``datetime.strptime`` import it on first use), which inside
    a run would bind the real ones, and only in that run."""
    plan = [(importlib.import_module(module), {name: primitives.Lock() for name in names})
            for module, names in MODULE_LOCKS.items()]
    plan += [(importlib.import_module(module),
              {name: threading_patches[attribute] for name, attribute in names.items()
               if attribute in threading_patches})
             for module, names in BOUND_AT_IMPORT.items()]
    return plan
