"""``multiprocessing.pool.ThreadPool`` (``multiprocessing.dummy.Pool``) on virtual threads.

A ``ThreadPool`` is the stdlib's ``Pool`` with ``multiprocessing.dummy``'s
processes, which are threads: its queues, handler threads and pipes are
virtual through ``sim/mp_process.py``.  What is left is
``multiprocessing.dummy`` itself: its names were bound when it was first
imported, perhaps before the simulation, so its ``DummyProcess`` is rebased on
the virtual ``Thread`` and its ``Lock``, ``Event``, ``Queue``... are the
simulator's during a run.  Before this, a ``ThreadPool``'s worker handler
blocked the run in a real ``select`` (until the watchdog stopped it).
"""

from __future__ import annotations

import functools
import multiprocessing.dummy as dummy
from typing import Any

from simfutures.sim import threads


@functools.cache
def _dummy_process_class() -> type:
    """``multiprocessing.dummy.DummyProcess`` with the stdlib's methods on the
    virtual ``Thread`` (made once: its methods keep no state of a run)."""
    methods = {name: value for name, value in vars(dummy.DummyProcess).items()
               if name not in ("__dict__", "__weakref__")}
    return type("DummyProcess", (threads.Thread,), methods)


def patches(threading_patches: dict[str, Any], queue_class: type
            ) -> list[tuple[Any, dict[str, Any]]]:
    """``multiprocessing.dummy``'s names as at its import inside a run: ``threading``'s
    (``threading_patches``) and ``queue.Queue`` (``queue_class``)."""
    process = _dummy_process_class()
    names = {name: threading_patches[name] for name in (
        "Lock", "RLock", "Semaphore", "BoundedSemaphore", "Event", "Condition", "Barrier")}
    names.update(Queue=queue_class, current_process=threading_patches["current_thread"],
                 Process=process, DummyProcess=process)
    return [(dummy, names)]
