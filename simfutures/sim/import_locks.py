"""importlib's module locks on virtual threads.

CPython serialises the import of a module with a per-module lock
(``importlib._bootstrap._ModuleLock``), built from ``_thread.allocate_lock``
and owned by ``_thread.get_ident()``: a second thread importing a module that
is still being initialised waits for the first, and a concurrent circular
import raises ``_DeadlockError`` instead of hanging (``_ModuleLock.has_deadlock``;
bpo-38091 fixed its cycle walk).
Every virtual thread runs on one OS thread, so with the real ``_thread`` the
second virtual thread counts as the first re-entering its own import and goes
on with the module half initialised: an ``AttributeError`` no real run can
raise, whenever the module's top-level code reaches a scheduling point (a lock,
a print, a sleep) while another thread imports it.

During a run, ``importlib._bootstrap._thread`` is ``VIRTUAL_THREAD_MODULE``:
``get_ident`` is the virtual thread's, ``allocate_lock`` makes an
``ImportLock``, anything else is the real ``_thread`` (``RLock``, which
3.12+ uses for a critical section with no scheduling point inside); and
``importlib._bootstrap._ModuleLock`` is ``ModuleLock``, whose acquire and
release are scheduling points (``PATCHES``).
"""

from __future__ import annotations

import _frozen_importlib as _bootstrap  # importlib._bootstrap, as the import system runs it
import _thread
import sys
from typing import Any

import greenlet

from simfutures.sim import context, threads
from simfutures.sim.primitives import _Waiters


class ImportLock:
    """``_thread.allocate_lock()`` for importlib during a run: a binary semaphore
    (importlib releases its ``wakeup`` lock from another thread than the one that
    took it) that parks a virtual thread while it is taken.

    No switch and no happens-before edge here: these are the internals of a
    module lock, and ``ModuleLock`` offers the switches and records the edges
    of the module lock itself, once per acquire and release.  A lock taken in
    a run that has ended (its thread was stopped mid-import) counts as free.
    """

    __slots__ = ("_taken_in", "_waiters")

    def __init__(self) -> None:
        self._taken_in: Any = None  # the run (scheduler) that holds it, None when free
        self._waiters = _Waiters()

    def _held(self) -> bool:
        taken_in = self._taken_in
        return taken_in is not None and not taken_in.over

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        sched = _running_virtual_thread()
        if self._held():
            if not blocking:
                return False
            if sched is None:
                return True  # no virtual thread to park (the scheduler itself): as untaken
            deadline = None if timeout < 0 else sched.now + timeout
            if not self._waiters.wait_until(sched, lambda: not self._held(),
                                            "waiting for another thread's import of a module",
                                            deadline):
                return False
        self._taken_in = sched if sched is not None else context.scheduler()
        return True

    def release(self) -> None:
        if not self._held():
            raise RuntimeError("release unlocked lock")
        self._taken_in = None
        sched = _running_virtual_thread()
        if sched is not None and self._waiters._queue:
            self._waiters.wake_one(sched)

    def locked(self) -> bool:
        return self._held()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


class ModuleLock(_bootstrap._ModuleLock):
    """importlib's per-module lock, made during a run: a synchronising operation.

    A switch is offered before each acquire and after it (another thread can
    see the module being imported: it would wait for it), and after each
    release (it may wake a waiting importer), with the happens-before edges
    of a lock, as for every lock (docs/soundness.md).  The switch between
    taking one module's lock and the next is what lets two threads importing
    modules that import each other meet, as in CPython, in ``_DeadlockError``.
    """

    def acquire(self) -> bool:
        sched = _running_virtual_thread()
        if sched is None:
            return super().acquire()
        sched.preempt()
        super().acquire()
        sched.sync(self)
        return True

    def release(self) -> None:
        super().release()
        sched = _running_virtual_thread()
        if sched is not None:
            module = sys.modules.get(self.name)
            if module is not None and not initializing(module):
                # Published complete: an importer that finds it so takes no lock
                # (``RaceTracer._importing`` records that end of the edge).
                sched.observe(module)
            sched.sync(self)


def initializing(module: Any) -> bool:
    """Whether ``module``'s body is still running (importlib's own test)."""
    return bool(getattr(getattr(module, "__spec__", None), "_initializing", False))


def _running_virtual_thread() -> Any:
    """The running run's scheduler when a virtual thread of it runs now (not the
    scheduler itself, not outside a run), else None."""
    if not context.active():
        return None
    sched = context.scheduler()
    if sched.over or sched.root is None or greenlet.getcurrent() is sched.root:
        return None
    return sched


def forget_module_locks() -> None:
    """After a run: drop the module locks made during it (a thread stopped in the
    middle of an import leaves its lock taken), so the next run makes fresh ones."""
    locks = _bootstrap._module_locks
    for name, ref in list(locks.items()):
        if isinstance(ref(), ModuleLock):
            del locks[name]


def _allocate_lock() -> Any:
    return ImportLock() if context.active() else _thread.allocate_lock()


class _VirtualThreadModule:
    """The ``_thread`` importlib sees during a run (see the module docstring)."""

    allocate_lock = staticmethod(_allocate_lock)
    get_ident = staticmethod(threads.get_ident)

    def __getattr__(self, name: str) -> Any:
        return getattr(_thread, name)


VIRTUAL_THREAD_MODULE = _VirtualThreadModule()

#: (module, {attribute: stand-in}) for ``simfutures.sim.patch``.
PATCHES = [(_bootstrap, {"_thread": VIRTUAL_THREAD_MODULE, "_ModuleLock": ModuleLock})]
