"""``ThreadPoolExecutor``, written once over a runtime.

Faster than the stdlib's on the submit path: idle workers leave a token in a
deque (atomic append/pop, no Python-level semaphore) where the stdlib releases
its idle semaphore, and ``submit`` takes one where the stdlib acquires it.
When a worker counts itself idle follows the running Python's rule (see
``IDLE_ONLY_ON_EMPTY_QUEUE``).
"""

from __future__ import annotations

import itertools
import logging
import sys
import types
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures.thread import BrokenThreadPool
from queue import Empty
from typing import Any

from simfutures import events
from simfutures.executor.base import Executor
from simfutures.executor.sizing import default_cpu_count
from simfutures.executor.waiting import OrderedSet
from simfutures.runtime import Runtime
from simfutures.usercall import invoke

LOGGER = logging.getLogger("concurrent.futures")

# When a worker counts itself idle (docs/versions.md).  3.12+ (gh-102024): when
# it finds the work queue empty, before it blocks on it.  3.11: after every
# call it ran, even with more work queued, so the count can exceed the idle
# workers (which only shows once the pool is at max_workers).  The count
# decides whether submit starts a thread, and its updates are scheduling
# points in the simulator, so each version gets its own interleavings.
IDLE_ONLY_ON_EMPTY_QUEUE = sys.version_info >= (3, 12)


class _Interpreter:
    """Per-world stand-in for the stdlib module globals ``_shutdown`` and
    ``_threads_queues``: at world exit, wake every worker and join it."""

    def __init__(self, rt: Runtime) -> None:
        self.shutting_down = False
        self.lock = rt.fork_safe_lock()
        self.threads_queues: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.pool_counter = itertools.count().__next__
        rt.at_exit(self.exit)

    def exit(self) -> None:
        with self.lock:
            self.shutting_down = True
        items = list(self.threads_queues.items())
        for _thread, work_queue in items:
            work_queue.put(None)
        for thread, _work_queue in items:
            thread.join()


def interpreter(rt: Runtime) -> _Interpreter:
    return rt.state("thread_pool", lambda: _Interpreter(rt))


class _WorkItem:
    __slots__ = ("future", "fn", "args", "kwargs")

    def __init__(self, future: Any, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        self.future = future
        self.fn = fn
        self.args = args
        self.kwargs = kwargs

    def run(self) -> None:
        if not self.future.set_running_or_notify_cancel():
            return
        rt = self.future._rt
        if rt.bus.active:  # only calls that really start (not cancelled ones)
            _emit_start(rt, self.future)
        try:
            result = invoke(self.fn, *self.args, **self.kwargs)
        except BaseException as exc:
            self.future.set_exception(exc)
            # Break a reference cycle with the exception 'exc'
            self = None
        else:
            self.future.set_result(result)

    __class_getitem__ = classmethod(types.GenericAlias)


def _emit_start(rt: Runtime, future: Any) -> None:
    name = rt.current_thread_name()
    rt.bus.emit(events.Start(rt.monotonic(), name, rt.label(future), name))


def _worker(rt: Runtime, executor_reference: Any, work_queue: Any, initializer: Any,
            initargs: tuple) -> None:
    bus = rt.bus
    if bus.active:
        bus.emit(events.WorkerStart(rt.monotonic(), rt.current_thread_name(),
                                    rt.current_thread_name(), "thread", rt.getpid()))
    if initializer is not None:
        try:
            initializer(*initargs)
        except BaseException:
            LOGGER.critical("Exception in initializer:", exc_info=True)
            executor = executor_reference()
            if executor is not None:
                executor._initializer_failed()
            return
    world = interpreter(rt)
    idle_on_empty = IDLE_ONLY_ON_EMPTY_QUEUE
    try:
        while True:
            if idle_on_empty and work_queue.empty():
                executor = executor_reference()
                if executor is not None:
                    executor._idle_tokens.append(None)
                del executor
            work_item = work_queue.get(block=True)
            if work_item is not None:
                work_item.run()
                del work_item
                if not idle_on_empty:
                    executor = executor_reference()
                    if executor is not None:
                        executor._idle_tokens.append(None)
                    del executor
                continue

            executor = executor_reference()
            # Exit if the world is ending, the executor was collected or shut down.
            if world.shutting_down or executor is None or executor._shutdown:
                if executor is not None:
                    executor._shutdown = True
                # Wake the next worker so that it exits too.
                work_queue.put(None)
                return
            del executor
    except BaseException:
        LOGGER.critical("Exception in worker", exc_info=True)
    finally:
        if bus.active:
            bus.emit(events.WorkerExit(rt.monotonic(), rt.current_thread_name(),
                                       rt.current_thread_name(), "thread", rt.getpid()))


class ThreadPoolExecutor(Executor):
    """Runs calls on a pool of at most ``max_workers`` threads, started lazily."""

    def __init__(self, max_workers: int | None = None, thread_name_prefix: str = "",
                 initializer: Callable[..., object] | None = None, initargs: tuple = ()) -> None:
        if max_workers is None:
            # At least 5 workers for I/O bound tasks, at most 32 to bound resources.
            max_workers = min(32, default_cpu_count() + 4)
        if max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        if initializer is not None and not callable(initializer):
            raise TypeError("initializer must be a callable")

        rt = self._rt
        self._world = interpreter(rt)
        self._max_workers = max_workers
        self._work_queue = rt.simple_queue()
        self._idle_tokens: deque = deque()
        self._threads: set = OrderedSet()  # joined in start order, not address order
        self._broken: str | bool = False
        self._shutdown = False
        self._shutdown_lock = rt.lock()
        self._thread_name_prefix = (thread_name_prefix or
                                    ("ThreadPoolExecutor-%d" % self._world.pool_counter()))
        self._initializer = initializer
        self._initargs = initargs

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        world = self._world
        with self._shutdown_lock, world.lock:
            if self._broken:
                raise BrokenThreadPool(self._broken)
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            if world.shutting_down:
                raise RuntimeError("cannot schedule new futures after interpreter shutdown")

            f = self._future_class()
            self._work_queue.put(_WorkItem(f, fn, args, kwargs))
            if self._rt.bus.active:
                self._emit_submit(f, fn)
            self._adjust_thread_count()
            return f

    submit.__doc__ = Executor.submit.__doc__

    _future_class: Callable[[], Any]  # bound per world

    def _adjust_thread_count(self) -> None:
        # An idle worker will pick the item up: no new thread.
        idle = self._idle_tokens
        if idle:
            try:
                idle.pop()
                return
            except IndexError:  # another submitter took the last token
                pass

        # Wakes the workers when the executor is garbage collected.
        def weakref_cb(_: Any, q: Any = self._work_queue) -> None:
            q.put(None)

        num_threads = len(self._threads)
        if num_threads < self._max_workers:
            thread_name = "%s_%d" % (self._thread_name_prefix or self, num_threads)
            rt = self._rt
            args = (rt, weakref.ref(self, weakref_cb), self._work_queue,
                    self._initializer, self._initargs)
            t = rt.start_thread(lambda: _worker(*args), thread_name)
            self._threads.add(t)
            self._world.threads_queues[t] = self._work_queue

    def _drain_work_queue(self) -> Iterator[_WorkItem]:
        """Take every queued work item out (dropping wake-up markers)."""
        while True:
            try:
                work_item = self._work_queue.get_nowait()
            except Empty:
                return
            if work_item is not None:
                yield work_item

    def _initializer_failed(self) -> None:
        with self._shutdown_lock:
            self._broken = ("A thread initializer failed, the thread pool "
                            "is not usable anymore")
            rt = self._rt
            if rt.bus.active:
                rt.bus.emit(events.PoolBroken(rt.monotonic(), rt.current_thread_name(),
                                              self._thread_name_prefix, self._broken))
            # Drain the work queue and mark pending futures failed.
            for work_item in self._drain_work_queue():
                work_item.future.set_exception(BrokenThreadPool(self._broken))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._shutdown_lock:
            self._shutdown = True
            if self._rt.bus.active:
                self._emit_shutdown(self._thread_name_prefix, wait, cancel_futures)
            if cancel_futures:
                for work_item in self._drain_work_queue():
                    work_item.future.cancel()

            # Send a wake-up to prevent threads calling _work_queue.get(block=True) from
            # blocking forever.
            self._work_queue.put(None)
        if wait:
            for t in self._threads:
                t.join()

    shutdown.__doc__ = Executor.shutdown.__doc__
