"""``ProcessPoolExecutor``, written once over a runtime.

Data flow (as in CPython's ``concurrent.futures.process``)::

    submit() -> pending_work_items[id] + work_ids queue
             -> manager thread: future RUNNING, pickle, call queue (bounded)
             -> worker process: unpickle, call, pickle result -> result queue
             -> manager thread: unpickle, set the future's result

The call queue holds at most ``max_workers + EXTRA_QUEUED_CALLS`` items, because
a call on it can no longer be cancelled.  The manager thread also watches every
worker's sentinel: a worker that dies without being asked to breaks the pool.

Process machinery comes only from ``rt.process_context(mp_context)`` (a
``multiprocessing`` context in the real world, virtual processes in the
simulator), threads and locks only from the runtime.  The pickling boundary is
explicit: see ``process_worker``.

Differences from the stdlib that no one can rely on the other way round: wake-ups
of the manager thread are coalesced; a worker's bookkeeping (idle count,
replacement of a retired worker) is done *before* its result is published, so
``len(_processes)`` is exact once ``result()`` returns; a worker spawned by
``submit`` is in the sentinel set before the manager is woken; a worker that
ignores SIGTERM after the pool broke is killed instead of waited for forever;
``map`` over one iterable ships bare items rather than 1-tuples (about twice
the stdlib's throughput with ``chunksize``).

Arguments and results are pickled with plain ``pickle`` (the seam's rule), not
``multiprocessing``'s ForkingPickler: a socket, which only the latter can send,
fails its call with the pickling error (a TypeError) on the future.
"""

from __future__ import annotations

import itertools
import os
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import InvalidStateError
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from queue import Empty
from traceback import format_exception
from typing import Any

from simfutures import events
from simfutures.executor.base import Executor
from simfutures.executor.process_worker import (
    STOP,
    _ExceptionWithTraceback,
    _process_chunk,
    _process_single_chunk,
    _process_worker,
    _RemoteTraceback,
    decode,
    encode_call,
    remote_traceback_text,
    unwinding,
)
from simfutures.executor.sizing import default_cpu_count
from simfutures.runtime import Runtime

__all__ = [
    "EXTRA_QUEUED_CALLS",
    "BrokenProcessPool",
    "ProcessPoolExecutor",
    "_ExceptionWithTraceback",
    "_RemoteTraceback",
    "_check_system_limits",
    "_process_chunk",
    "_process_worker",
]

# How many more calls than workers may wait in the call queue.  More keeps
# workers busier; fewer lets more futures still be cancelled.
EXTRA_QUEUED_CALLS = 1

BROKEN_POOL = "A child process terminated abruptly, the process pool is not usable anymore"
BROKEN_FUTURE = ("A process in the process pool was terminated abruptly while the future "
                 "was running or pending.")

# How long a worker gets to die of SIGTERM once the pool is broken before it
# is killed (runtime seconds).
TERMINATE_GRACE = 1.0


# -- per-world state ---------------------------------------------------------


class _Interpreter:
    """Per-world stand-in for the stdlib module globals ``_global_shutdown`` and
    ``_threads_wakeups``: at world exit, wake every manager thread and join it."""

    def __init__(self, rt: Runtime) -> None:
        self.shutting_down = False
        self.threads_wakeups: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.pool_counter = itertools.count().__next__
        rt.at_exit(self.exit)

    def exit(self) -> None:
        self.shutting_down = True
        items = list(self.threads_wakeups.items())
        for _thread, wakeup in items:
            wakeup.wakeup()
        for thread, _wakeup in items:
            thread.join()


def interpreter(rt: Runtime) -> _Interpreter:
    return rt.state("process_pool", lambda: _Interpreter(rt))


class _ThreadWakeup:
    """A pipe that interrupts the manager thread's wait.

    Wake-ups are coalesced: while one is unread, more are not written, so the
    pipe never fills up and a submitting thread never blocks on it.
    ``clear`` drains first and re-arms after, so a wake-up skipped because one
    was pending is always followed by the manager looking at the state again.
    """

    def __init__(self, ctx: Any = None) -> None:
        self._closed = False
        self._pending = False
        if ctx is None:
            # The stdlib's no-argument form, for code that makes one itself
            # (CPython's own tests subclass it): an OS pipe.
            import multiprocessing as ctx
        self._reader, self._writer = ctx.Pipe(duplex=False)

    def wakeup(self) -> None:
        if self._closed or self._pending:
            return
        self._pending = True
        try:
            self._writer.send_bytes(b"")
        except OSError:  # closed by the manager thread meanwhile: it is exiting anyway
            pass

    def clear(self) -> None:
        # Only ever called by the manager thread (the only reader).
        if self._closed:
            return
        while self._reader.poll():
            self._reader.recv_bytes()
        self._pending = False

    def close(self) -> None:
        # Called with the pool's shutdown lock held, so no wakeup() writes concurrently.
        if not self._closed:
            self._closed = True
            self._writer.close()
            self._reader.close()


# -- items -------------------------------------------------------------------


class _WorkItem:
    __slots__ = ("args", "fn", "future", "kwargs")

    def __init__(self, future: Any, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        self.future = future
        self.fn = fn
        self.args = args
        self.kwargs = kwargs


def _finish(future: Any, exception: BaseException | None, result: Any) -> None:
    """Publish an outcome; a future someone else already completed keeps its own."""
    try:
        if exception is not None:
            future.set_exception(exception)
        else:
            future.set_result(result)
    except InvalidStateError:
        pass


# -- worker processes --------------------------------------------------------


class _Workers:
    """The pool's worker processes: start, count, reuse.

    Shared by the executor (``submit`` starts workers on demand) and the
    manager thread (which replaces retired workers even after the executor was
    garbage collected), always under the pool's shutdown lock.
    """

    def __init__(self, rt: Runtime, ctx: Any, pool_name: str, max_workers: int,
                 worker_args: tuple) -> None:
        self.rt = rt
        self.ctx = ctx
        self.pool_name = pool_name
        self.max_workers = max_workers
        self.worker_args = worker_args
        self.processes: dict[int, Any] = {}
        self.names: dict[int, str] = {}
        self.idle = rt.semaphore(0)  # one token per worker waiting for a call
        self.started = 0

    def adjust(self) -> None:
        """Make sure someone will take the next call: an idle worker or a new one."""
        if self.idle.acquire(False):
            return
        if len(self.processes) < self.max_workers:
            self.spawn()

    def replace_retired(self) -> None:
        """A worker retired (``max_tasks_per_child``): start another if the pool is short.

        Not ``adjust()``: the idle count can hold a token that the retired
        worker released after an earlier call while more calls were queued
        (tokens count completions, not idle workers); taking it would start no
        replacement and leave the queued calls with no worker at all.  CPython
        3.11 to 3.13.0 deadlock so (gh-115634, fixed in later releases)."""
        if len(self.processes) < self.max_workers:
            self.spawn()

    def launch_all(self) -> None:
        for _ in range(len(self.processes), self.max_workers):
            self.spawn()

    def spawn(self) -> None:
        p = self.ctx.Process(target=_process_worker, args=self.worker_args)
        p.start()
        self.processes[p.pid] = p
        name = self.names[p.pid] = f"{self.pool_name}_{self.started}"
        self.started += 1
        bus = self.rt.bus
        if bus.active:
            rt = self.rt
            bus.emit(events.WorkerStart(rt.monotonic(), rt.current_thread_name(), name,
                                        "process", p.pid))

    def reap(self, p: Any) -> None:
        """Join a worker that was told to exit (or killed) and report its exit."""
        p.join()
        name = self.names.pop(p.pid, None)
        bus = self.rt.bus
        if bus.active and name is not None:
            rt = self.rt
            bus.emit(events.WorkerExit(rt.monotonic(), rt.current_thread_name(), name,
                                       "process", p.pid, p.exitcode))

    def alive(self) -> int:
        return sum(p.is_alive() for p in self.processes.values())


# -- the manager thread ------------------------------------------------------


class _UnreadableResult(Exception):
    """A result could not be received or unpickled: the pool is broken."""

    def __init__(self, cause: list[str]) -> None:
        self.cause = cause


class _Broken(Exception):
    """A worker died without being asked to."""


class _ExecutorManager:
    """What the manager thread runs: feed the call queue, collect results,
    watch the workers, and wind the pool down.

    Holds only a weak reference to the executor, so a pool that is dropped
    without ``shutdown()`` is still collected; the weakref callback wakes the
    thread, which then finishes the pending work and stops the workers.
    """

    def __init__(self, executor: ProcessPoolExecutor) -> None:
        self.rt = executor._rt
        self.world = executor._world
        self.wakeup = executor._executor_manager_thread_wakeup
        self.shutdown_lock = executor._shutdown_lock
        self.workers = executor._workers
        self.processes = executor._processes
        self.call_queue = executor._call_queue
        self.result_queue = executor._result_queue
        self.work_ids = executor._work_ids
        self.pending_work_items = executor._pending_work_items
        self.pool_name = executor._pool_name

        def weakref_cb(_: Any, wakeup: _ThreadWakeup = self.wakeup,
                       lock: Any = self.shutdown_lock) -> None:
            # The lock keeps wakeup() from writing to a pipe being closed.  Only
            # the manager thread can hold it once the executor is unreachable
            # (submit and shutdown hold a reference), and then it is exiting and
            # needs no wake-up: so never block here (GC may run on that thread).
            if lock.acquire(False):
                try:
                    wakeup.wakeup()
                finally:
                    lock.release()

        self.executor_reference = weakref.ref(executor, weakref_cb)

    def run(self) -> None:
        try:
            self.serve()
        except _UnreadableResult as error:
            self.terminate_broken(error.cause)
        except _Broken:
            self.terminate_broken(None)
        except BaseException as exc:  # noqa: BLE001 - turned into a broken pool
            if unwinding(exc):
                raise
            # A bug here must not leave futures pending or workers running.
            self.terminate_broken(format_exception(type(exc), exc, exc.__traceback__))

    def serve(self) -> None:
        while True:
            self.add_call_items_to_queue()
            self.wait_result_broken_or_wakeup()
            if self.is_shutting_down():
                self.flag_executor_shutting_down()
                # If only cancelled futures were pending, nothing would ever
                # wake us up again: dispatch what is left now.
                self.add_call_items_to_queue()
                # No new work can arrive, so with nothing pending we are done.
                if not self.pending_work_items:
                    self.join_executor_internals()
                    return

    # -- call queue --

    def add_call_items_to_queue(self) -> None:
        """Move pending calls to the call queue while it has room; never blocks."""
        call_queue = self.call_queue
        pending = self.pending_work_items
        while not call_queue.full():
            try:
                work_id = self.work_ids.get_nowait()
            except Empty:
                return
            work_item = pending.get(work_id)
            if work_item is None:
                continue
            future = work_item.future
            if not future.set_running_or_notify_cancel():
                del pending[work_id]
                continue
            if self.rt.bus.active:
                self.emit_start(future)
            try:
                data = encode_call(work_id, work_item.fn, work_item.args, work_item.kwargs)
            except BaseException as exc:  # noqa: BLE001 - given to the future
                if unwinding(exc):
                    raise
                # Like the stdlib's feeder-thread error: the call fails, the pool lives.
                del pending[work_id]
                exc.__cause__ = _RemoteTraceback(remote_traceback_text(exc, exc.__traceback__))
                _finish(future, exc, None)
                continue
            call_queue.put(data)

    # -- results --

    def wait_result_broken_or_wakeup(self) -> None:
        """Block until results arrive (and handle them), a wake-up, or a worker death."""
        result_reader = self.result_queue._reader
        wakeup_reader = self.wakeup._reader
        sentinels = [p.sentinel for p in list(self.processes.values())]
        ready = self.rt.wait_objects([result_reader, wakeup_reader, *sentinels])
        # Everything the loop reads after this (work ids, processes, the
        # shutdown flag) is newer than any wake-up consumed here.
        self.wakeup.clear()
        if result_reader in ready:
            self.handle_results()
        elif wakeup_reader not in ready:
            raise _Broken()

    def handle_results(self) -> None:
        """Handle every result already received, not just one: fewer waits."""
        result_queue = self.result_queue
        while True:
            try:
                item = decode(result_queue.get())
            except BaseException as exc:  # noqa: BLE001 - breaks the pool, with the cause
                if unwinding(exc):
                    raise
                cause = format_exception(type(exc), exc, exc.__traceback__)
                raise _UnreadableResult(cause) from None
            self.process_result_item(*item)
            del item
            if result_queue.empty():
                return
            self.add_call_items_to_queue()

    def process_result_item(self, work_id: int, exception: BaseException | None, result: Any,
                            exit_pid: int | None) -> None:
        # Bookkeeping first, so that whoever wakes up on the result sees a pool
        # that already knows the worker is idle (or retired and replaced).
        retired = None
        if exit_pid is None:
            self.workers.idle.release()
        else:
            with self.shutdown_lock:  # submit starts workers under it too
                retired = self.processes.pop(exit_pid, None)
                self.workers.replace_retired()
        work_item = self.pending_work_items.pop(work_id, None)
        # None if the future was already failed (another worker died meanwhile).
        if work_item is not None:
            _finish(work_item.future, exception, result)
        del work_item, exception, result
        if retired is not None:
            self.workers.reap(retired)

    # -- shutdown --

    def is_shutting_down(self) -> bool:
        # No more work can be added once the world ends, the executor is
        # collected or it is shut down.
        executor = self.executor_reference()
        return self.world.shutting_down or executor is None or executor._shutdown_thread

    def flag_executor_shutting_down(self) -> None:
        executor = self.executor_reference()
        if executor is None:
            return
        executor._shutdown_thread = True
        if executor._cancel_pending_futures:
            # Only calls still waiting can be cancelled; running ones finish.
            pending = self.pending_work_items
            for work_id, work_item in list(pending.items()):
                if work_item.future.cancel():
                    del pending[work_id]
            while True:
                try:
                    self.work_ids.get_nowait()
                except Empty:
                    break
            # Once is enough: later passes would find only running calls.
            executor._cancel_pending_futures = False

    def stop_workers(self) -> None:
        # The call queue is empty now (nothing is pending), so these never block.
        for _ in range(self.workers.alive()):
            self.call_queue.put(STOP)

    def force_workers_out(self) -> None:
        for p in self.processes.values():
            p.terminate()
        for p in self.processes.values():
            p.join(TERMINATE_GRACE)
            if p.is_alive():  # ignores SIGTERM: waiting could take forever
                p.kill()

    def join_executor_internals(self, broken: bool = False) -> None:
        if broken:
            # First, so that the call queue's feeder thread cannot be left
            # writing to a pipe some live worker still holds open.
            self.force_workers_out()
        else:
            self.stop_workers()
        call_queue = self.call_queue
        call_queue.close()
        call_queue.join_thread()
        with self.shutdown_lock:
            self.wakeup.close()
        for p in list(self.processes.values()):
            self.workers.reap(p)

    def terminate_broken(self, cause: list[str] | None) -> None:
        """A worker died (or a result was unreadable): fail everything, stop everyone."""
        with self.shutdown_lock:
            # Under the lock, so no submit slips a future in after the sweep.
            executor = self.executor_reference()
            if executor is not None:
                executor._broken = BROKEN_POOL
                executor._shutdown_thread = True
            del executor
            work_items = list(self.pending_work_items.values())
            self.pending_work_items.clear()
        bus = self.rt.bus
        if bus.active:
            rt = self.rt
            bus.emit(events.PoolBroken(rt.monotonic(), rt.current_thread_name(),
                                       self.pool_name, BROKEN_POOL))
        error = BrokenProcessPool(BROKEN_FUTURE)
        if cause is not None:
            error.__cause__ = _RemoteTraceback(f"\n'''\n{''.join(cause)}'''")
        for work_item in work_items:
            _finish(work_item.future, error, None)
        del work_items
        # A multiprocessing queue's feeder thread could block forever writing to
        # a pipe that nobody reads any more; without a reader it gets EPIPE.
        reader = getattr(self.call_queue, "_reader", None)
        if reader is not None:
            reader.close()
        # The queues or their locks may be in a dirty state: force the workers out.
        self.join_executor_internals(broken=True)

    def emit_start(self, future: Any) -> None:
        # Which worker takes the call is not known here: name the pool.
        rt = self.rt
        rt.bus.emit(events.Start(rt.monotonic(), rt.current_thread_name(), rt.label(future),
                                 self.pool_name))


# -- system check --------------------------------------------------------------

_system_limited: str | None = None
_system_limits_checked = False


def _check_system_limits() -> None:
    """Raise NotImplementedError if this system cannot run process pools.

    They need POSIX named semaphores (``multiprocessing.synchronize``) and at
    least 256 of them.  Checked once; the verdict is remembered.
    """
    global _system_limited, _system_limits_checked
    if not _system_limits_checked:
        _system_limits_checked = True
        _system_limited = _system_limitation()
    if _system_limited:
        raise NotImplementedError(_system_limited)


def _system_limitation() -> str | None:
    try:
        import multiprocessing.synchronize  # noqa: F401
    except ImportError:
        return ("This Python build lacks multiprocessing.synchronize, usually due "
                "to named semaphores being unavailable on this platform.")
    try:
        nsems_max = os.sysconf("SC_SEM_NSEMS_MAX")
    except (AttributeError, ValueError):
        return None  # no way to ask: assume enough
    if nsems_max == -1 or nsems_max >= 256:  # -1: bounded by memory only
        return None
    return f"system provides too few semaphores ({nsems_max} available, 256 necessary)"


# -- map helpers -------------------------------------------------------------


def _get_chunks(*iterables: Iterable[Any], chunksize: int) -> Iterator[tuple]:
    """Tuples of up to ``chunksize`` items: argument tuples (zipped), or with a
    single iterable its bare items, which are much cheaper to build, pickle and
    unpickle than 1-tuples (see ``_chunk_runner``)."""
    items = iter(iterables[0]) if len(iterables) == 1 else zip(*iterables)
    while chunk := tuple(itertools.islice(items, chunksize)):
        yield chunk


def _chunk_runner(fn: Callable[..., Any], n_iterables: int) -> Callable[[tuple], list]:
    """What runs one chunk from ``_get_chunks`` in the worker (picklable)."""
    if n_iterables == 1:
        return partial(_process_single_chunk, fn)
    return partial(_process_chunk, fn)


def _chain_from_iterable_of_lists(iterable: Iterable[list]) -> Iterator[Any]:
    """Flatten lists, dropping each list's reference to an item as it is yielded."""
    for chunk in iterable:
        chunk.reverse()
        while chunk:
            yield chunk.pop()


# -- the executor ------------------------------------------------------------


class ProcessPoolExecutor(Executor):
    """Runs calls in a pool of at most ``max_workers`` worker processes."""

    _future_class: Callable[[], Any]  # bound per world

    def __init__(self, max_workers: int | None = None, mp_context: Any = None,
                 initializer: Callable[..., object] | None = None, initargs: tuple = (), *,
                 max_tasks_per_child: int | None = None) -> None:
        """Make a pool; no worker process starts before the first ``submit``.

        Args:
            max_workers: at most this many worker processes (default: the
                number of CPUs).
            mp_context: the ``multiprocessing`` context that starts workers
                (default: the default context).
            initializer: called with ``*initargs`` in each worker when it starts;
                if it raises, the pool breaks.
            initargs: arguments for ``initializer``.
            max_tasks_per_child: a worker exits after this many calls and a new
                one takes its place.  Not with the 'fork' start method; without
                ``mp_context`` it selects 'spawn'.
        """
        _check_system_limits()
        rt = self._rt

        if max_workers is None:
            max_workers = default_cpu_count()
        elif max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        self._max_workers = max_workers

        self._mp_context = _choose_context(rt, mp_context, max_tasks_per_child)
        start_method = self._mp_context.get_start_method(allow_none=False)
        # Forking while the manager thread runs can deadlock the child
        # (CPython gh-90622): with 'fork', every worker starts up front.
        self._safe_to_dynamically_spawn_children = start_method != "fork"

        if initializer is not None and not callable(initializer):
            raise TypeError("initializer must be a callable")
        self._initializer = initializer
        self._initargs = initargs

        if max_tasks_per_child is not None:
            if not isinstance(max_tasks_per_child, int):
                raise TypeError("max_tasks_per_child must be an integer")
            if max_tasks_per_child <= 0:
                raise ValueError("max_tasks_per_child must be >= 1")
            if start_method == "fork":
                raise ValueError("max_tasks_per_child is incompatible with the 'fork' "
                                 "multiprocessing start method; supply a different "
                                 "mp_context.")
        self._max_tasks_per_child = max_tasks_per_child

        self._world = interpreter(rt)
        self._pool_name = f"ProcessPoolExecutor-{self._world.pool_counter()}"
        self._executor_manager_thread: Any = None
        # Shutdown has two steps: this flag, then the manager thread winds down.
        self._shutdown_thread = False
        self._shutdown_lock = rt.lock()
        self._broken: str | bool = False
        self._queue_count = 0
        self._pending_work_items: dict[int, _WorkItem] = {}
        self._cancel_pending_futures = False
        self._work_ids = rt.simple_queue()
        # Interrupts the manager's wait (submit, shutdown, collection, exit).
        # Not the result queue: a worker killed while writing to it could
        # leave it locked for good.
        self._executor_manager_thread_wakeup = self._make_thread_wakeup()
        self._make_queues()
        self._workers = _Workers(
            rt, self._mp_context, self._pool_name, max_workers,
            (self._call_queue, self._result_queue, initializer, initargs, max_tasks_per_child))
        self._processes = self._workers.processes
        self._idle_worker_semaphore = self._workers.idle

    def _make_thread_wakeup(self) -> _ThreadWakeup:
        # A world can override this (the real one looks the class up in its
        # public module, where tests patch it, as in the stdlib).
        return _ThreadWakeup(self._mp_context)

    def _make_queues(self) -> None:
        ctx = self._mp_context
        # Slightly more calls than workers keeps them busy; not many more,
        # because a call in the queue can no longer be cancelled.
        self._call_queue = ctx.Queue(self._max_workers + EXTRA_QUEUED_CALLS)
        if hasattr(self._call_queue, "_ignore_epipe"):
            # A killed worker can make a multiprocessing queue's feeder thread
            # print "broken pipe" tracebacks; deaths are detected anyway.
            self._call_queue._ignore_epipe = True
        self._result_queue = ctx.SimpleQueue()

    # -- workers --

    def _start_executor_manager_thread(self) -> None:
        if self._executor_manager_thread is None:
            if not self._safe_to_dynamically_spawn_children:
                self._launch_processes()
            manager = _ExecutorManager(self)
            # Unnamed, as CPython's _ExecutorManagerThread: it is "Thread-N" and takes a
            # number from the threads the program starts later (a done-callback run
            # there sees that name).
            thread = self._rt.start_thread(manager.run, None)
            self._executor_manager_thread = thread
            self._world.threads_wakeups[thread] = self._executor_manager_thread_wakeup

    def _adjust_process_count(self) -> None:
        self._workers.adjust()

    def _launch_processes(self) -> None:
        # Forking once the manager thread runs could copy a held lock into the child.
        assert not self._executor_manager_thread, "workers must be forked before the manager starts"
        self._workers.launch_all()

    def _spawn_process(self) -> None:
        self._workers.spawn()

    # -- API --

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        with self._shutdown_lock:
            if self._broken:
                raise BrokenProcessPool(self._broken)
            if self._shutdown_thread:
                raise RuntimeError("cannot schedule new futures after shutdown")
            if self._world.shutting_down:
                raise RuntimeError("cannot schedule new futures after interpreter shutdown")

            f = self._future_class()
            work_id = self._queue_count
            self._pending_work_items[work_id] = _WorkItem(f, fn, args, kwargs)
            self._work_ids.put(work_id)
            self._queue_count += 1
            if self._rt.bus.active:
                self._emit_submit(f, fn)
            if self._safe_to_dynamically_spawn_children:
                self._adjust_process_count()
            self._start_executor_manager_thread()
            # After the worker start, so its sentinel is watched from now on.
            self._executor_manager_thread_wakeup.wakeup()
            return f

    submit.__doc__ = Executor.submit.__doc__

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any],
            timeout: float | None = None, chunksize: int = 1) -> Iterator[Any]:
        """Like ``map(fn, *iterables)``, but the calls run in the worker processes.

        All calls are submitted now; results come back in input order.  With
        ``chunksize`` > 1, each worker call handles that many consecutive
        items, which saves pickling and messaging per item.  ``timeout``
        (seconds, from this call) bounds the wait for every result; on
        timeout or error the remaining calls are cancelled.
        """
        if chunksize < 1:
            raise ValueError("chunksize must be >= 1.")
        results = super().map(_chunk_runner(fn, len(iterables)),
                              _get_chunks(*iterables, chunksize=chunksize), timeout=timeout)
        return _chain_from_iterable_of_lists(results)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._shutdown_lock:
            self._cancel_pending_futures = cancel_futures
            self._shutdown_thread = True
            if self._executor_manager_thread_wakeup is not None:
                self._executor_manager_thread_wakeup.wakeup()
            if self._rt.bus.active:
                self._emit_shutdown(self._pool_name, wait, cancel_futures)

        if self._executor_manager_thread is not None and wait:
            self._executor_manager_thread.join()
        # Drop what holds file descriptors now rather than at collection.
        self._executor_manager_thread = None
        self._call_queue = None
        if self._result_queue is not None and wait:
            self._result_queue.close()
        self._result_queue = None
        self._processes = None
        self._executor_manager_thread_wakeup = None

    shutdown.__doc__ = Executor.shutdown.__doc__


def _choose_context(rt: Runtime, mp_context: Any, max_tasks_per_child: int | None) -> Any:
    """The process context: the one given, else the default, else (when workers
    retire) 'spawn', because 'fork' cannot replace workers safely."""
    if mp_context is None and max_tasks_per_child is not None:
        default = rt.process_context(None)
        get_context = getattr(default, "get_context", None)
        if get_context is not None:  # a multiprocessing context
            return get_context("spawn")
        # The seam has no "context for this start method" call: a virtual
        # runtime builds its context from anything naming a start method.
        return rt.process_context(_StartMethod("spawn"))
    return rt.process_context(mp_context)


class _StartMethod:
    """Names a start method, for ``rt.process_context`` (see ``_choose_context``)."""

    def __init__(self, method: str) -> None:
        self.method = method

    def get_start_method(self, allow_none: bool = False) -> str:
        return self.method
