"""Patch mode: inside a simulation, the stdlib's concurrency modules are the simulation's.

The attributes of the real modules are replaced (not the ``sys.modules``
entries), so code that imported ``threading`` or ``concurrent.futures``
before the simulation started sees the simulated versions too.  Functions
that other real threads might call while a simulation runs (``time.sleep``,
``threading.current_thread``, ``os.getpid``...) fall through to the real ones
outside the simulation's OS thread.  Leaving restores every attribute.

``multiprocessing`` runs on virtual processes (``sim/mp_process.py``,
``sim/mp_pool.py``, ``sim/managers.py``).  Not covered: names bound before the
simulation with ``from time import sleep`` (they keep the real function),
``asyncio`` (but for its selector and blocking socket reads: ``io_wait``).
"""

from __future__ import annotations

import atexit
import concurrent.futures
import concurrent.futures._base
import concurrent.futures.process
import concurrent.futures.thread
import ctypes
import datetime
import functools
import gc
import os
import queue
import random
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from simfutures.sim import (
    context,
    exit_handlers,
    import_locks,
    io_wait,
    library_locks,
    managers,
    mp_pool,
    mp_process,
    primitives,
    recursion,
    threads,
    wall_clock,
)
from simfutures.sim.hard_exit import virtual_exit
from simfutures.sim.program_files import is_program_file

try:
    from simfutures.sim import sqlite_threads
except ImportError:  # a CPython built without sqlite3
    sqlite_threads = None  # type: ignore[assignment]

#: ``time.time()`` inside a simulation: a fixed, plausible epoch plus virtual time.
EPOCH = 1_700_000_000.0


def _guarded(real: Callable[..., Any], virtual: Callable[..., Any], name: str
             ) -> Callable[..., Any]:
    """``virtual`` in the simulation's thread, ``real`` anywhere else.

    It is published as this module's attribute ``name`` so that it pickles by
    reference (``ex.submit(os.getpid)`` must cross a process boundary).
    """

    @functools.wraps(real)
    def call(*args: Any, **kwargs: Any) -> Any:
        if context.active():
            return virtual(*args, **kwargs)
        return real(*args, **kwargs)

    call.__module__ = __name__
    call.__qualname__ = call.__name__ = name
    globals()[name] = call
    return call


def _now() -> float:
    """The virtual clock, read by ``time.monotonic()`` and its kin.  A read by the
    program's own code first lets the computation since the clock last moved take
    time (``Scheduler.elapse_computation``); library code's reads (a log record's
    timestamp, an event loop's ``time()``) just read it."""
    sched = context.scheduler()
    caller = sys._getframe(1)
    while caller is not None and caller.f_code.co_filename in _CLOCK_READERS:
        caller = caller.f_back  # (the _guarded wrapper, a lambda for time_ns, datetime.now)
    if caller is not None and is_program_file(caller.f_code.co_filename):
        sched.elapse_computation()
    return sched.now


_CLOCK_READERS = frozenset({__file__, wall_clock.__file__})


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    context.scheduler().sleep(seconds)


def _getpid() -> int:
    from simfutures.sim.runtime import SIM_RUNTIME

    return SIM_RUNTIME.getpid()


def _kill(pid: int, signum: int) -> None:
    from simfutures.sim.processes import find_process

    process = find_process(pid)
    if process is None or process.exitcode is not None:
        # Only virtual processes exist inside a simulation: never signal a real one.
        raise ProcessLookupError(3, "No such process")
    process.kill_by_signal(signum)


_TIME_PATCHES = {
    "sleep": _guarded(time.sleep, _sleep, "time_sleep"),
    "monotonic": _guarded(time.monotonic, _now, "time_monotonic"),
    "perf_counter": _guarded(time.perf_counter, _now, "time_perf_counter"),
    "time": _guarded(time.time, lambda: EPOCH + _now(), "time_time"),
    "monotonic_ns": _guarded(time.monotonic_ns, lambda: int(_now() * 1e9), "time_monotonic_ns"),
    "perf_counter_ns": _guarded(time.perf_counter_ns, lambda: int(_now() * 1e9),
                                "time_perf_counter_ns"),
    "time_ns": _guarded(time.time_ns, lambda: int((EPOCH + _now()) * 1e9), "time_time_ns"),
    # CPU time: what the simulator's own process used is no function of the seed.
    "process_time": _guarded(time.process_time, _now, "time_process_time"),
    "thread_time": _guarded(time.thread_time, _now, "time_thread_time"),
    "process_time_ns": _guarded(time.process_time_ns, lambda: int(_now() * 1e9),
                                "time_process_time_ns"),
    "thread_time_ns": _guarded(time.thread_time_ns, lambda: int(_now() * 1e9),
                               "time_thread_time_ns"),
    **{name: _guarded(getattr(time, name), virtual, f"time_{name}")
       for name, virtual in wall_clock.TIME_FUNCTIONS.items()},
}

_OS_PATCHES = {
    "getpid": _guarded(os.getpid, _getpid, "os_getpid"),
    "kill": _guarded(os.kill, _kill, "os_kill"),
    "_exit": _guarded(os._exit, virtual_exit, "os__exit"),
}


def _main_thread_only(real: Callable[..., Any], what: str) -> Callable[..., Any]:
    """``real``, which CPython lets only the main thread of a process call (the
    running CPython's exact error otherwise): a virtual thread is not the OS one."""

    def call(*args: Any, **kwargs: Any) -> Any:
        sched = context.scheduler()
        if sched.current is not sched.process_main(sched.current):
            raise ValueError(f"{what} only works in main thread of the main interpreter")
        return real(*args, **kwargs)

    return call


#: signal number -> its handler before a run first set it (``isolation.OSState`` puts
#: them back after the run).
CHANGED_SIGNALS: dict[int, Any] = {}
_real_signal = signal.signal


def _set_signal(signum: Any, handler: Any) -> Any:
    previous = _real_signal(signum, handler)
    CHANGED_SIGNALS.setdefault(signum, previous)
    return previous


_SIGNAL_PATCHES = {
    "signal": _guarded(signal.signal, _main_thread_only(_set_signal, "signal"),
                       "signal_signal"),
    "set_wakeup_fd": _guarded(signal.set_wakeup_fd,
                              _main_thread_only(signal.set_wakeup_fd, "set_wakeup_fd"),
                              "signal_set_wakeup_fd"),
}

_THREADING_PATCHES = {
        "Thread": threads.Thread,
        "Timer": threads.Timer,
        "local": threads.local,
        "Lock": _guarded(threading.Lock, primitives.Lock, "threading_Lock"),
        "RLock": _guarded(threading.RLock, primitives.RLock, "threading_RLock"),
        "Condition": primitives.Condition,
        "Event": primitives.Event,
        "Semaphore": primitives.Semaphore,
        "BoundedSemaphore": primitives.BoundedSemaphore,
        "Barrier": primitives.Barrier,
        "current_thread": threads.current_thread,
        "currentThread": threads.current_thread,
        "main_thread": threads.main_thread,
        "get_ident": threads.get_ident,
        "get_native_id": threads.get_native_id,
        "enumerate": threads.enumerate,
        "active_count": threads.active_count,
        "activeCount": threads.active_count,
}

_QUEUE_PATCHES = {
    "Queue": primitives.Queue,
    "LifoQueue": primitives.LifoQueue,
    "PriorityQueue": primitives.PriorityQueue,
    "SimpleQueue": primitives.SimpleQueue,
}


def _futures_patches(world: Any) -> list[tuple[Any, dict[str, Any]]]:
    api = {
        "Future": world.Future, "Executor": world.Executor,
        "ThreadPoolExecutor": world.ThreadPoolExecutor,
        "ProcessPoolExecutor": world.ProcessPoolExecutor,
        "wait": world.wait, "as_completed": world.as_completed,
    }
    return [
        (concurrent.futures, api),
        (concurrent.futures._base, {k: api[k] for k in ("Future", "Executor", "wait",
                                                         "as_completed")}),
        (concurrent.futures.thread, {"ThreadPoolExecutor": world.ThreadPoolExecutor}),
        (concurrent.futures.process, {"ProcessPoolExecutor": world.ProcessPoolExecutor}),
    ]


def _random_patches(rng: random.Random) -> dict[str, Any]:
    # The module-level functions are bound methods of one hidden instance.
    shared = random._inst  # type: ignore[attr-defined]
    return {name: getattr(rng, name) for name, value in vars(random).items()
            if getattr(value, "__self__", None) is shared}


class _SeededNames(tempfile._RandomNameSequence):  # type: ignore[name-defined]
    """``tempfile``'s candidate names (``mkdtemp``, ``NamedTemporaryFile``), drawn from
    the run's seed instead of a generator seeded by the OS: same seed, same paths."""

    def __init__(self, rng: random.Random) -> None:
        self._seeded = rng

    @property
    def rng(self) -> random.Random:
        return self._seeded


def _entropy_patches(rng: random.Random) -> list[tuple[Any, dict[str, Any]]]:
    """Randomness a program gets besides ``random``'s functions (``os.urandom``, so
    ``uuid.uuid4()`` and ``secrets``; temporary file names) from the run's seed too,
    on a copy of ``rng`` so that the program's own ``random`` draws stay as they are."""
    entropy = random.Random()
    entropy.setstate(rng.getstate())
    return [(os, {"urandom": entropy.randbytes}),
            (tempfile, {"_name_sequence": _SeededNames(entropy)})]


class _InterleavingStream:
    """Wraps ``sys.stdout``/``sys.stderr``: each ``write`` is a scheduling point.

    ``print(x)`` writes ``x`` and the newline separately; real threads can
    interleave between the two (and do, on a pipe), so the simulation lets them.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if context.active():
            context.scheduler().preempt()
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _set_attribute(owner: Any, name: str, value: Any, delete: bool = False) -> None:
    """``setattr(owner, name, value)`` (or ``delattr``), also where ``owner`` is a C
    type that refuses it ("cannot set 'now' attribute of immutable type"): then the
    type's own dict is written and the interpreter's attribute caches told
    (``PyType_Modified``), which is what ``setattr`` does for a Python class."""
    try:
        if delete:
            delattr(owner, name)
        else:
            setattr(owner, name, value)
        return
    except TypeError:
        if not isinstance(owner, type):
            raise
    namespace = gc.get_referents(owner.__dict__)[0]  # the dict behind the mappingproxy
    if delete:
        del namespace[name]
    else:
        namespace[name] = value
    ctypes.pythonapi.PyType_Modified(ctypes.py_object(owner))


@contextmanager
def patched(world: Any, rng: random.Random) -> Iterator[None]:
    """Swap the simulation in for the real modules; restore them on exit."""
    limits = context.scheduler().recursion = recursion.RecursionLimits()
    plan: list[tuple[Any, dict[str, Any]]] = [
        (time, _TIME_PATCHES),
        (datetime.datetime, wall_clock.DATETIME_METHODS),
        (threading, _THREADING_PATCHES),
        (queue, _QUEUE_PATCHES),
        (os, _OS_PATCHES),
        (atexit, {"register": exit_handlers.register, "unregister": exit_handlers.unregister}),
        (random, _random_patches(rng)),
        *_entropy_patches(rng),
        *_futures_patches(world),
        (sys, {"stdout": _InterleavingStream(sys.stdout),
               "stderr": _InterleavingStream(sys.stderr)}),
        *io_wait.PATCHES,
        *import_locks.PATCHES,
        *managers.PATCHES,
        *mp_process.patches(),
        *mp_pool.patches(_THREADING_PATCHES, _QUEUE_PATCHES["Queue"]),
        *library_locks.patches(_THREADING_PATCHES),
        *(sqlite_threads.PATCHES if sqlite_threads is not None else ()),
        (signal, _SIGNAL_PATCHES),
        *recursion.patches(limits),
    ]
    saved: list[tuple[Any, str, Any, bool]] = []
    try:
        for module, replacements in plan:
            namespace = vars(module)
            for name, value in replacements.items():
                # (A class may inherit the attribute: then it is deleted, not restored.
                # The raw attribute is saved: a class's staticmethod stays one.)
                own = name in namespace
                saved.append((module, name, namespace[name] if own else None, own))
                _set_attribute(module, name, value)
        yield
    finally:
        for module, name, value, own in reversed(saved):
            _set_attribute(module, name, value, delete=not own)
        import_locks.forget_module_locks()
        mp_process.run_deferred_finalizers()
        if sqlite_threads is not None:
            sqlite_threads.close_opened()
        limits.restore()
