"""Virtual synchronisation primitives: the ``threading``/``queue`` API on the scheduler.

Every operation that could let another thread in is a scheduling point
(``preempt``); every wait parks the virtual thread (``block``), with virtual
timeouts.  Outside a run (a logging handler lock created during a simulation
and used after it, say) the primitives degrade to uncontended no-ops rather
than failing.
"""

from __future__ import annotations

import heapq
from _thread import get_ident as _get_ident
from collections import deque
from collections.abc import Callable
from queue import Empty, Full
from threading import BrokenBarrierError
from typing import Any

from simfutures.sim import context
from simfutures.sim.scheduler import Scheduler, VThread
from simfutures.usercall import invoke

_THREAD_STATE_NAMES = {True: "held", False: "free"}


def _active(sched: Scheduler) -> bool:
    return not sched.over and _get_ident() == context._os_thread


def _look(sched: Scheduler) -> bool:
    """Before a read of synchronisation state another thread changes (``is_set()``,
    ``locked()``, ``empty()``, ``qsize()``...): a scheduling point, as before any
    synchronising operation, so the clock may advance or another thread act first (a
    timer firing during a computation shows in the next such read).  False outside a
    run, where there is nothing to schedule."""
    if not _active(sched):
        return False
    sched.preempt()
    return True


class _Waiters:
    """A FIFO of blocked virtual threads, with timeouts in virtual time."""

    __slots__ = ("_queue",)

    def __init__(self) -> None:
        self._queue: deque[VThread] = deque()

    def wait(self, sched: Scheduler, what: str, timeout: float | None) -> bool:
        me = sched.current
        self._queue.append(me)
        woke = False
        try:
            woke = sched.block(what, timeout)
        finally:
            # Timed out, or unwound (its process was killed): a later wake-up
            # must go to a thread that can still take it.
            if not woke:
                try:
                    self._queue.remove(me)
                except ValueError:
                    pass
        return woke

    def wait_until(self, sched: Scheduler, ready: Callable[[], Any],
                   what: str | Callable[[], str], deadline: float | None) -> bool:
        """Park until ``ready()`` holds (True) or virtual time passes ``deadline``
        (False).  ``what`` (or what it returns, re-read on each wait: a lock's
        holder can change) describes the wait in deadlock reports."""
        while not ready():
            remaining = _remaining(sched, deadline)
            if remaining is not None and remaining <= 0:
                return False
            self.wait(sched, what if isinstance(what, str) else what(), remaining)
        return True

    def wake_one(self, sched: Scheduler) -> bool:
        queue = self._queue
        while queue:
            vt = queue.popleft()
            # Skip threads already on their way out (timed out, or their process
            # was killed): the wake-up must reach one that can take it.
            if vt.killed is None and vt.waiting_on != "ready":
                sched.wake(vt)
                return True
        return False

    def wake_all(self, sched: Scheduler) -> int:
        queue, self._queue = self._queue, deque()
        for vt in queue:
            sched.wake(vt)
        return len(queue)

    def __len__(self) -> int:
        return len(self._queue)


def _remaining(sched: Scheduler, deadline: float | None) -> float | None:
    return None if deadline is None else deadline - sched.now


def _deadline(sched: Scheduler, timeout: float | None) -> float | None:
    return None if timeout is None else sched.now + timeout


class Lock:
    """``threading.Lock`` on virtual threads."""

    __slots__ = ("_sched", "_owner", "_waiters", "__weakref__")

    def __init__(self) -> None:
        self._sched = context.scheduler()
        self._owner: VThread | None = None
        # Made when a thread first waits: most locks (a future's) never see one.
        self._waiters: _Waiters | None = None

    def _describe(self) -> str:
        owner = self._owner
        if owner is self._sched.current:
            # The executor's futures block on a gate they hold themselves.
            return "waiting for a future (result(), exception() or a map/as_completed step)"
        return f"Lock.acquire() (held by {owner.display_name if owner else '-'})"

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        sched = self._sched
        if sched.over or _get_ident() != context._os_thread:
            return True
        if not blocking and timeout != -1:
            raise ValueError("can't specify a timeout for a non-blocking call")
        if timeout < 0 and timeout != -1:
            raise ValueError("timeout value must be a non-negative number")
        if not self._take(sched, blocking, timeout):
            return False
        # Others can now see it held (a non-blocking acquire fails, locked() is True).
        sched.sync(self)
        return True

    def _take(self, sched: Scheduler, blocking: bool, timeout: float) -> bool:
        """The acquire itself, after a switch point: wait while it is held."""
        sched.preempt()
        if self._owner is not None and not self._wait_free(sched, blocking, timeout):
            return False
        self._owner = sched.current
        return True

    def _wait_free(self, sched: Scheduler, blocking: bool, timeout: float) -> bool:
        """Wait (if ``blocking``) until the lock is free; False on timeout."""
        if not blocking:
            return False
        deadline = None if timeout == -1 else sched.now + timeout
        if self._waiters is None:
            self._waiters = _Waiters()
        return self._waiters.wait_until(sched, lambda: self._owner is None,
                                        self._describe, deadline)

    def release(self) -> None:
        sched = self._sched
        if sched.over or _get_ident() != context._os_thread:
            self._owner = None
            return
        if self._owner is None:
            raise RuntimeError("release unlocked lock")
        sched.preempt()
        self._owner = None
        if self._waiters is not None:
            self._waiters.wake_one(sched)
        sched.sync(self)

    def locked(self) -> bool:
        _look(self._sched)
        return self._owner is not None

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _at_fork_reinit(self) -> None:
        self._owner = None

    def __repr__(self) -> str:
        # CPython's (Modules/_threadmodule.c): logs and error messages quote it, as the
        # pool's MaybeEncodingError does an unpicklable result's.
        return "<%s _thread.lock object at %#x>" % (
            "locked" if self._owner else "unlocked", id(self))

    def __reduce_ex__(self, protocol: int) -> Any:
        # Pickling fails as a real lock does (not on the scheduler inside): delegating
        # to a real _thread.lock gives the running CPython's exact error for each protocol.
        import _thread

        return _thread.allocate_lock().__reduce_ex__(protocol)


class InternalLock(Lock):
    """The lock the executor code itself gets from the virtual runtime.

    A switch is offered before each acquire and after each release, as for
    the program's locks: the executor's critical sections are where futures
    change state, workers go idle and pools shut down, and real threads do
    switch around them.  No switch is offered *inside* one: nothing there is
    visible to another thread, which would have to take the lock first (the
    executor's few lock-free reads of a future's state are equivalent to a
    read at the neighbouring switch).
    """

    __slots__ = ()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        sched = self._sched
        if sched.over or _get_ident() != context._os_thread:
            self._owner = sched.current
            return True
        if not self._take(sched, blocking, timeout):
            return False
        sched.observe(self)
        return True

    __enter__ = acquire

    def release(self, *_exc_info: object) -> None:
        """Also ``__exit__``, whose exception arguments it ignores (the executor's
        own code is the only caller: one call less per ``with``)."""
        sched = self._sched
        if sched.over or _get_ident() != context._os_thread:
            # Outside a run (a future's repr in an error message after the run ended),
            # acquire() took it for no thread: it cannot have been misused.
            self._owner = None
            return
        if self._owner is None:
            raise RuntimeError("release unlocked lock")
        self._owner = None
        waiters = self._waiters
        if waiters is not None and waiters._queue:
            waiters.wake_one(sched)
        sched.sync(self)

    __exit__ = release


class RLock:
    """``threading.RLock``: ownership is the *virtual* thread's."""

    __slots__ = ("_sched", "_owner", "_count", "_waiters", "__weakref__")

    def __init__(self) -> None:
        self._sched = context.scheduler()
        self._owner: VThread | None = None
        self._count = 0
        self._waiters = _Waiters()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        sched = self._sched
        if not _active(sched):
            return True
        me = sched.current
        if self._owner is me:
            self._count += 1
            return True
        sched.preempt()
        if self._owner is not None:
            if not blocking:
                return False
            deadline = None if timeout == -1 else sched.now + timeout
            if not self._waiters.wait_until(
                    sched, lambda: self._owner is None,
                    lambda: f"RLock.acquire() (held by {self._owner.display_name})", deadline):
                return False
        self._owner = me
        self._count = 1
        sched.sync(self)
        return True

    __enter__ = acquire

    def release(self) -> None:
        sched = self._sched
        if not _active(sched):
            self._owner, self._count = None, 0
            return
        if self._owner is not sched.current:
            raise RuntimeError("cannot release un-acquired lock")
        if self._count == 1:
            sched.preempt()
        self._count -= 1
        if not self._count:
            self._owner = None
            self._waiters.wake_one(sched)
            sched.sync(self)

    def __exit__(self, *exc: object) -> None:
        self.release()

    # The Condition protocol: give the lock up entirely while waiting.
    def _release_save(self) -> tuple[int, VThread | None]:
        state = (self._count, self._owner)
        self._count = 1
        self.release()
        return state

    def _acquire_restore(self, state: tuple[int, VThread | None]) -> None:
        self.acquire()
        self._count, self._owner = state

    def _is_owned(self) -> bool:
        return self._owner is self._sched.current

    def _at_fork_reinit(self) -> None:
        self._owner, self._count = None, 0

    def __repr__(self) -> str:
        owner = self._owner
        return "<%s _thread.RLock object owner=%d count=%d at %#x>" % (
            "locked" if owner else "unlocked", owner.threading_ident if owner else 0,
            self._count, id(self))

    def __reduce_ex__(self, protocol: int) -> Any:
        # Pickling fails as a real RLock does (not on the scheduler inside): delegating
        # to a real _thread.RLock gives the running CPython's exact error for each protocol.
        import _thread

        return _thread.RLock().__reduce_ex__(protocol)


class _Notification:
    """One thread's wait on a condition: whether it was notified, whether it is parked."""

    __slots__ = ("thread", "notified", "parked")

    def __init__(self, thread: VThread) -> None:
        self.thread = thread
        self.notified = False
        self.parked = False


class Condition:
    """``threading.Condition`` over a virtual lock."""

    def __init__(self, lock: Any = None) -> None:
        self._sched = context.scheduler()
        if lock is None:
            lock = RLock()
        self._lock = lock
        self.acquire = lock.acquire
        self.release = lock.release
        self._waiters: deque[_Notification] = deque()

    def __enter__(self) -> bool:
        return self._lock.__enter__()

    def __exit__(self, *args: object) -> None:
        self._lock.__exit__(*args)

    def _is_owned(self) -> bool:
        lock = self._lock
        if hasattr(lock, "_is_owned"):
            return lock._is_owned()
        return lock._owner is self._sched.current

    def _release_save(self) -> Any:
        lock = self._lock
        if hasattr(lock, "_release_save"):
            return lock._release_save()
        lock.release()
        return None

    def _acquire_restore(self, state: Any) -> None:
        lock = self._lock
        if hasattr(lock, "_acquire_restore"):
            lock._acquire_restore(state)
        else:
            lock.acquire()

    def wait(self, timeout: float | None = None) -> bool:
        sched = self._sched
        if not _active(sched):
            return True
        if not self._is_owned():
            raise RuntimeError("cannot wait on un-acquired lock")
        # Registered before the lock is given up, as in CPython: a notify() that
        # comes in right after the release (the release is a switch point) is kept.
        waiter = _Notification(sched.current)
        self._waiters.append(waiter)
        saved = self._release_save()
        try:
            if not waiter.notified:
                waiter.parked = True
                try:
                    sched.block("Condition.wait()", timeout)
                finally:
                    waiter.parked = False
                    if not waiter.notified:  # timed out, or unwound
                        self._waiters.remove(waiter)
        finally:
            self._acquire_restore(saved)
        if waiter.notified:
            sched.observe(self)
        return waiter.notified

    def wait_for(self, predicate: Callable[[], Any], timeout: float | None = None) -> Any:
        sched = self._sched
        deadline = _deadline(sched, timeout)
        result = invoke(predicate)
        while not result:
            remaining = _remaining(sched, deadline)
            if remaining is not None and remaining <= 0:
                break
            self.wait(remaining)
            result = invoke(predicate)
        return result

    def notify(self, n: int = 1) -> None:
        if not _active(self._sched):
            return
        if not self._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        self._notify(n)

    def _notify(self, n: int) -> None:
        sched = self._sched
        sched.preempt()
        waiters = self._waiters
        woke = 0
        while woke < n and waiters:
            waiter = waiters.popleft()
            if waiter.thread.killed is not None:
                continue
            waiter.notified = True
            if waiter.parked:
                sched.wake(waiter.thread)
            woke += 1
        if woke:
            sched.sync(self)

    def notify_all(self) -> None:
        if not _active(self._sched):
            return
        if not self._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        self._notify(len(self._waiters))

    notifyAll = notify_all

    def __reduce_ex__(self, protocol: int) -> Any:
        # Like threading.Condition: pickling fails on its lock.
        return self._lock.__reduce_ex__(protocol)


class Semaphore:
    """``threading.Semaphore`` on virtual threads."""

    def __init__(self, value: int = 1) -> None:
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._sched = context.scheduler()
        self._value = value
        self._waiters = _Waiters()

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        if not blocking and timeout is not None:
            raise ValueError("can't specify timeout for non-blocking acquire")
        sched = self._sched
        if not _active(sched):
            return True
        sched.preempt()
        if self._value == 0:
            if not blocking or not self._waiters.wait_until(
                    sched, lambda: self._value, f"{type(self).__name__}.acquire()",
                    _deadline(sched, timeout)):
                return False
        self._value -= 1
        sched.sync(self)
        return True

    __enter__ = acquire

    def release(self, n: int = 1) -> None:
        if n < 1:
            raise ValueError("n must be one or more")
        sched = self._sched
        if not _active(sched):
            self._value += n
            return
        sched.preempt()
        self._value += n
        for _ in range(n):
            if not self._waiters.wake_one(sched):
                break
        sched.sync(self)

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __reduce_ex__(self, protocol: int) -> Any:
        # Fails on its lock, as the stdlib's does (not on the scheduler inside): delegating
        # to a real _thread.lock gives the running CPython's exact error for each protocol.
        import _thread

        return _thread.allocate_lock().__reduce_ex__(protocol)


class BoundedSemaphore(Semaphore):
    def __init__(self, value: int = 1) -> None:
        super().__init__(value)
        self._initial_value = value

    def release(self, n: int = 1) -> None:
        if n < 1:
            raise ValueError("n must be one or more")
        if self._value + n > self._initial_value:
            raise ValueError("Semaphore released too many times")
        super().release(n)


class Event:
    """``threading.Event`` on virtual threads."""

    def __init__(self) -> None:
        self._sched = context.scheduler()
        self._flag = False
        self._waiters = _Waiters()

    def is_set(self) -> bool:
        if _look(self._sched) and self._flag:
            self._sched.observe(self)
        return self._flag

    isSet = is_set

    def set(self) -> None:
        sched = self._sched
        if not _active(sched):
            self._flag = True
            return
        sched.preempt()
        self._flag = True
        self._waiters.wake_all(sched)
        sched.sync(self)

    def clear(self) -> None:
        sched = self._sched
        if not _active(sched):
            self._flag = False
            return
        sched.preempt()
        self._flag = False
        sched.sync(self)

    def wait(self, timeout: float | None = None) -> bool:
        sched = self._sched
        if not _active(sched):
            return self._flag
        sched.preempt()
        if not self._flag:
            if timeout is not None and timeout <= 0:
                return False
            # Woken by set(): True even if a clear() came before this thread ran
            # again, as CPython's Event.wait returns its condition's verdict.
            if not self._waiters.wait(sched, "Event.wait()", timeout):
                return self._flag
        sched.observe(self)
        return True

    def _at_fork_reinit(self) -> None:
        self._waiters = _Waiters()

    def __reduce_ex__(self, protocol: int) -> Any:
        # Fails on its lock, as the stdlib's does (not on the scheduler inside): delegating
        # to a real _thread.lock gives the running CPython's exact error for each protocol.
        import _thread

        return _thread.allocate_lock().__reduce_ex__(protocol)


class Barrier:
    """``threading.Barrier`` on virtual threads."""

    def __init__(self, parties: int, action: Callable[[], object] | None = None,
                 timeout: float | None = None) -> None:
        if parties < 1:
            raise ValueError("parties must be >= 1")
        self._sched = context.scheduler()
        self._parties = parties
        self._action = action
        self._timeout = timeout
        self._count = 0
        self._generation = 0
        self._broken = False
        self._waiters = _Waiters()

    def wait(self, timeout: float | None = None) -> int:
        sched = self._sched
        if timeout is None:
            timeout = self._timeout
        sched.preempt()
        if self._broken:
            raise BrokenBarrierError
        index = self._count
        self._count += 1
        generation = self._generation
        if self._count == self._parties:
            try:
                if self._action:
                    invoke(self._action)
            except BaseException:
                self._break()
                raise
            self._count = 0
            self._generation += 1
            self._waiters.wake_all(sched)
            sched.sync(self)
            return index
        if not self._waiters.wait_until(
                sched, lambda: generation != self._generation or self._broken,
                "Barrier.wait()", _deadline(sched, timeout)):
            self._break()
            raise BrokenBarrierError
        if self._broken and generation == self._generation:
            raise BrokenBarrierError
        sched.observe(self)
        return index

    def _break(self) -> None:
        self._broken = True
        self._waiters.wake_all(self._sched)

    def abort(self) -> None:
        sched = self._sched
        if _active(sched):
            sched.preempt()
        self._break()
        if _active(sched):
            sched.sync(self)

    def reset(self) -> None:
        if self._count:
            self._break()
        self._broken = False
        self._count = 0
        self._generation += 1

    @property
    def parties(self) -> int:
        return self._parties

    @property
    def n_waiting(self) -> int:
        _look(self._sched)
        return self._count

    @property
    def broken(self) -> bool:
        _look(self._sched)
        return self._broken

    def __reduce_ex__(self, protocol: int) -> Any:
        # Fails on its lock, as the stdlib's does (not on the scheduler inside): delegating
        # to a real _thread.lock gives the running CPython's exact error for each protocol.
        import _thread

        return _thread.allocate_lock().__reduce_ex__(protocol)


class SimpleQueue:
    """``queue.SimpleQueue`` on virtual threads."""

    def __init__(self) -> None:
        self._sched = context.scheduler()
        self._items: deque = deque()
        self._getters = _Waiters()

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        sched = self._sched
        if not _active(sched):
            self._items.append(item)
            return
        sched.preempt()
        self._items.append(item)
        if self._getters._queue:
            self._getters.wake_one(sched)
        sched.sync(self)

    def put_nowait(self, item: Any) -> None:
        self.put(item)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        sched = self._sched
        if timeout is not None and timeout < 0:
            raise ValueError("'timeout' must be a non-negative number")
        if not sched.over and _get_ident() == context._os_thread:  # _active(), inline
            sched.preempt()
            if not self._items and not (block and self._getters.wait_until(
                    sched, self._items.__len__, f"{type(self).__name__}.get()",
                    _deadline(sched, timeout))):
                raise Empty
            item = self._items.popleft()
            sched.sync(self)
            return item
        if not self._items:
            raise Empty
        return self._items.popleft()

    def get_nowait(self) -> Any:
        return self.get(False)

    def empty(self) -> bool:
        _look(self._sched)
        return not self._items

    def qsize(self) -> int:
        _look(self._sched)
        return len(self._items)

    def __reduce_ex__(self, protocol: int) -> Any:
        # Pickling fails as a real SimpleQueue does (not on the scheduler inside): delegating
        # to a real _queue.SimpleQueue gives the running CPython's exact error for each protocol.
        import _queue

        return _queue.SimpleQueue().__reduce_ex__(protocol)


class Queue:
    """``queue.Queue`` (bounded, with task_done/join) on virtual threads."""

    def __init__(self, maxsize: int = 0) -> None:
        self._sched = context.scheduler()
        self.maxsize = maxsize
        self._init(maxsize)
        self._getters = _Waiters()
        self._putters = _Waiters()
        self._joiners = _Waiters()
        self.unfinished_tasks = 0

    # Storage hooks, overridden by LifoQueue and PriorityQueue as in the stdlib.
    def _init(self, maxsize: int) -> None:
        self.queue: Any = deque()

    def _qsize(self) -> int:
        return len(self.queue)

    def _put(self, item: Any) -> None:
        self.queue.append(item)

    def _get(self) -> Any:
        return self.queue.popleft()

    def qsize(self) -> int:
        _look(self._sched)
        return self._qsize()

    def empty(self) -> bool:
        _look(self._sched)
        return not self._qsize()

    def full(self) -> bool:
        _look(self._sched)
        return 0 < self.maxsize <= self._qsize()

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        sched = self._sched
        if timeout is not None and timeout < 0:
            raise ValueError("'timeout' must be a non-negative number")
        if _active(sched):
            sched.preempt()
            if self.full() and not (block and self._putters.wait_until(
                    sched, lambda: not self.full(), f"{type(self).__name__}.put()",
                    _deadline(sched, timeout))):
                raise Full
            self._put(item)
            self.unfinished_tasks += 1
            self._getters.wake_one(sched)
            sched.sync(self)
        else:
            self._put(item)
            self.unfinished_tasks += 1

    def put_nowait(self, item: Any) -> None:
        self.put(item, block=False)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        sched = self._sched
        if timeout is not None and timeout < 0:
            raise ValueError("'timeout' must be a non-negative number")
        if _active(sched):
            sched.preempt()
            if not self._qsize() and not (block and self._getters.wait_until(
                    sched, self._qsize, f"{type(self).__name__}.get()",
                    _deadline(sched, timeout))):
                raise Empty
            item = self._get()
            self._putters.wake_one(sched)
            sched.sync(self)
            return item
        if not self._qsize():
            raise Empty
        return self._get()

    def get_nowait(self) -> Any:
        return self.get(block=False)

    def task_done(self) -> None:
        sched = self._sched
        active = _active(sched)
        if active:
            sched.preempt()
        if self.unfinished_tasks <= 0:
            raise ValueError("task_done() called too many times")
        self.unfinished_tasks -= 1
        if active:
            if self.unfinished_tasks == 0:
                self._joiners.wake_all(sched)
            sched.sync(self)

    def join(self) -> None:
        sched = self._sched
        if not _active(sched):
            return
        sched.preempt()
        while self.unfinished_tasks:
            self._joiners.wait(sched, "Queue.join()", None)
        sched.observe(self)

    def __reduce_ex__(self, protocol: int) -> Any:
        # Fails on its lock, as the stdlib's does (not on the scheduler inside): delegating
        # to a real _thread.lock gives the running CPython's exact error for each protocol.
        import _thread

        return _thread.allocate_lock().__reduce_ex__(protocol)


class LifoQueue(Queue):
    def _init(self, maxsize: int) -> None:
        self.queue = []

    def _get(self) -> Any:
        return self.queue.pop()


class PriorityQueue(Queue):
    def _init(self, maxsize: int) -> None:
        self.queue = []

    def _put(self, item: Any) -> None:
        heapq.heappush(self.queue, item)

    def _get(self) -> Any:
        return heapq.heappop(self.queue)
