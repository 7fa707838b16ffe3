"""The recursion limit as CPython's threads have it: the same headroom at the program's code.

A virtual thread runs on a greenlet under the simulator's own frames, and a new
greenlet inherits the recursion depth of the code that first switches to it.  So a
pool task had 25 frames less headroom than under CPython 3.11 (968 frames before a
``RecursionError`` against 993), the main script 13 less, and how many less depended
on the host (pytest or the command line) and on which thread first switched to the
greenlet: a recursion CPython completes failed, and a program reporting its depth
printed another number.

Each virtual thread's limit is therefore the program's limit plus its *extra depth*:
how much deeper the simulator's stack is than CPython's at the program's entry into
that thread (the main script's module code, a thread's target, a pool task), measured
once per thread when it enters (``enter_program``) and put in place whenever the
thread runs again (``Scheduler._switch_to``).  The program reads and sets its own
limit through ``sys.getrecursionlimit``/``setrecursionlimit`` (``patches``), with
CPython's checks and messages.  Depths are read from CPython itself: ``sys.setrecursionlimit``
refuses a limit below the current depth with a message that names that depth.
"""

from __future__ import annotations

import re
import sys
import threading
from typing import Any

from simfutures.sim import context

_real_get_limit = sys.getrecursionlimit
_real_set_limit = sys.setrecursionlimit
_DEPTH = re.compile(r"recursion depth (\d+)")
_OWN_FRAMES = 2  # setrecursionlimit()'s own, and the C call's

#: Entries into the program's code (``entry``), by how many frames deeper than a thread's
#: target CPython runs them (Lib/threading.py ``Thread._bootstrap``, Lib/concurrent/futures/
#: thread.py ``_worker`` -> ``_WorkItem.run``): the main script's module code runs
#: three frames above a target (``_bootstrap``, ``_bootstrap_inner``, ``run`` below it).
MAIN_SCRIPT = -3
THREAD_TARGET = 0
#: A pool worker's target (``lambda: _worker(...)``) runs each task two frames further
#: down than CPython's ``_worker`` does (the lambda, and ``usercall.invoke``): counted
#: as an entry two frames above a target, the tasks get CPython's headroom.
POOL_WORKER = -2


def _depth() -> int:
    """The recursion depth of this function's frame, as CPython counts it."""
    limit = _real_get_limit()
    try:
        _real_set_limit(1)
    except RecursionError as error:
        return int(_DEPTH.search(str(error)).group(1))  # type: ignore[union-attr]
    _real_set_limit(limit)  # (a depth below 1 is impossible)
    raise AssertionError("setrecursionlimit(1) accepted")


def _measure_target_depth() -> int:
    """``_depth()`` called from a real thread's target, under CPython's own frames."""
    depths: list[int] = []
    thread = threading.Thread(target=lambda: depths.append(_depth()))
    thread.start()
    thread.join()
    return depths[0]


def exec_hops() -> int:
    """How much deeper code run by ``exec()`` is than its caller, now: 1, or 2 where
    CPython 3.11 counts the C call too (it does or not with a trace function set)."""
    found: dict[str, int] = {}
    exec("found['depth'] = depth()", {"found": found, "depth": _depth})
    return found["depth"] - _depth()


#: ``_depth()`` called directly from a CPython thread's target function (measured
#: once, at import, outside any simulation).
_TARGET_DEPTH = _measure_target_depth()


class RecursionLimits:
    """One run's recursion limits: the program's own, and each thread's extra depth."""

    def __init__(self) -> None:
        self.program_limit = self.limit_before = _real_get_limit()
        self.extra: dict[int, int] = {}  # thread ident -> its extra depth

    def restore(self) -> None:
        """After the run: the program's limit is the process's again (as the limit a
        function run by ``simulate()`` sets stays set), or, if that is below the
        caller's depth, the limit from before the run."""
        try:
            _real_set_limit(self.program_limit)
        except RecursionError:
            _real_set_limit(self.limit_before)

    def getrecursionlimit(self) -> int:
        return self.program_limit

    def setrecursionlimit(self, limit: int) -> None:
        if not isinstance(limit, int):
            raise TypeError("'" + type(limit).__name__ + "' object cannot be interpreted "
                            "as an integer")
        if limit < 1:
            raise ValueError("recursion limit must be greater or equal than 1")
        vt = context.current()
        extra = self.extra.get(vt.ident, 0)
        depth = _depth() - 2 - extra  # the caller's depth, as CPython would count it
        if depth >= limit:
            raise RecursionError(f"cannot set the recursion limit to {limit} at the "
                                 f"recursion depth {depth}: the limit is too low")
        self.program_limit = limit
        for thread in context.scheduler().threads:
            if thread.ident in self.extra:
                thread.recursion_limit = limit + self.extra[thread.ident]
        if vt.ident in self.extra:
            try:
                _real_set_limit(vt.recursion_limit)
            except RecursionError:  # a limit within this function's own frames of the depth
                vt.recursion_limit += _OWN_FRAMES
                _real_set_limit(vt.recursion_limit)


def enter_program(entry: int, hops: int = 1) -> None:
    """The program's code is about to run in the current virtual thread: a frame
    ``hops`` calls below the caller's, which CPython runs ``entry`` frames deeper
    than a thread's target (``MAIN_SCRIPT``, ``THREAD_TARGET``, ``POOL_WORKER``).
    Measured once per thread.  (No method call: footprints count a call of a
    simulator object's method as a write of that object.)"""
    if not context.active():
        return
    sched = context.scheduler()
    vt = sched.current
    limits = sched.recursion
    if limits is None or vt.recursion_entry == entry:
        return
    # _depth() is 2 calls below the caller; the program's frame ``hops``.
    extra = _depth() - 2 + hops - (_TARGET_DEPTH - 1 + entry)
    vt.recursion_entry = entry
    limits.extra[vt.ident] = extra
    vt.recursion_limit = limits.program_limit + extra
    _real_set_limit(vt.recursion_limit)


def patches(limits: RecursionLimits) -> list[tuple[Any, dict[str, Any]]]:
    return [(sys, {"getrecursionlimit": limits.getrecursionlimit,
                   "setrecursionlimit": limits.setrecursionlimit})]
