"""``wait`` and ``as_completed``, written once over a runtime.

Unlike the stdlib these keep futures in insertion-ordered dicts rather than
sets, so the order in which already-finished futures are reported does not
depend on memory addresses: the simulator's runs stay pure functions of
their seed.

They accept any ``concurrent.futures.Future``: the stdlib's own futures
(and mixed lists) are locked through their ``_condition`` and report to the
waiters installed here like ours do.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION
from typing import Any, NamedTuple

from simfutures import events
from simfutures.executor.future import Future
from simfutures.executor.states import CANCELLED_AND_NOTIFIED, FINISHED
from simfutures.runtime import Runtime

_DONE = (CANCELLED_AND_NOTIFIED, FINISHED)


class DoneAndNotDoneFutures(NamedTuple):
    done: set
    not_done: set


class OrderedSet(set):
    """A ``set`` that iterates in insertion order.

    ``wait()`` returns sets, and a thread pool keeps its threads in one; a plain
    set iterates in address order, which would make ``for f in done:`` (or the
    order ``shutdown`` joins threads in) differ between otherwise identical
    simulated runs in two processes.
    """

    def __init__(self, items: Iterable[Any] = ()) -> None:
        order = list(dict.fromkeys(items))
        super().__init__(order)
        self._order = order

    def add(self, item: Any) -> None:
        if not set.__contains__(self, item):
            self._order.append(item)
        set.add(self, item)

    def __iter__(self) -> Iterator[Any]:
        listed = [item for item in self._order if set.__contains__(self, item)]
        if len(listed) != len(self):  # items added after construction
            listed_keys = dict.fromkeys(listed)
            listed += [item for item in set.__iter__(self) if item not in listed_keys]
        return iter(listed)

    def __repr__(self) -> str:
        # Print like a plain set: callers should not notice the difference.
        return "{%s}" % ", ".join(map(repr, self)) if self else "set()"


class _Waiter:
    """Collects futures as they finish; ``event`` is set when the waiter is satisfied."""

    def __init__(self, rt: Runtime) -> None:
        self.event = rt.event()
        self.finished_futures: list[Any] = []

    def add_result(self, future: Any) -> None:
        self.finished_futures.append(future)

    def add_exception(self, future: Any) -> None:
        self.finished_futures.append(future)

    def add_cancelled(self, future: Any) -> None:
        self.finished_futures.append(future)


class _AsCompletedWaiter(_Waiter):
    def __init__(self, rt: Runtime) -> None:
        super().__init__(rt)
        self.lock = rt.lock()

    def _add(self, future: Any) -> None:
        with self.lock:
            self.finished_futures.append(future)
            self.event.set()

    add_result = add_exception = add_cancelled = _add


class _FirstCompletedWaiter(_Waiter):
    def _add(self, future: Any) -> None:
        self.finished_futures.append(future)
        self.event.set()

    add_result = add_exception = add_cancelled = _add


class _AllCompletedWaiter(_Waiter):
    def __init__(self, rt: Runtime, num_pending_calls: int, stop_on_exception: bool) -> None:
        super().__init__(rt)
        self.num_pending_calls = num_pending_calls
        self.stop_on_exception = stop_on_exception
        self.lock = rt.lock()

    def _decrement(self) -> None:
        with self.lock:
            self.num_pending_calls -= 1
            if not self.num_pending_calls:
                self.event.set()

    def add_result(self, future: Any) -> None:
        self.finished_futures.append(future)
        self._decrement()

    def add_exception(self, future: Any) -> None:
        self.finished_futures.append(future)
        if self.stop_on_exception:
            self.event.set()
        else:
            self._decrement()

    def add_cancelled(self, future: Any) -> None:
        self.finished_futures.append(future)
        self._decrement()


def _lock_of(future: Any) -> Any:
    """What guards ``future``'s state: our lock, or a stdlib future's Condition."""
    if isinstance(future, Future):
        return future._lock
    return future._condition


class _AcquireFutures:
    """Holds every future's lock, so no state changes while a waiter is installed.

    Locks are taken in ``hash`` order (the stdlib sorts by ``id``, which a
    plain hash follows; simulated futures hash by creation order) so that two
    threads waiting on overlapping lists, or our ``wait`` beside the
    stdlib's, cannot deadlock.
    """

    def __init__(self, futures: Iterable[Any]) -> None:
        self.locks = [_lock_of(f) for f in sorted(futures, key=hash)]

    def __enter__(self) -> None:
        for lock in self.locks:
            lock.acquire()

    def __exit__(self, *args: object) -> None:
        for lock in self.locks:
            lock.release()


def _create_and_install_waiters(rt: Runtime, fs: list, return_when: str) -> _Waiter:
    if return_when == "_AS_COMPLETED":
        waiter: _Waiter = _AsCompletedWaiter(rt)
    elif return_when == FIRST_COMPLETED:
        waiter = _FirstCompletedWaiter(rt)
    else:
        pending_count = sum(f._state not in _DONE for f in fs)
        if return_when == FIRST_EXCEPTION:
            waiter = _AllCompletedWaiter(rt, pending_count, stop_on_exception=True)
        elif return_when == ALL_COMPLETED:
            waiter = _AllCompletedWaiter(rt, pending_count, stop_on_exception=False)
        else:
            raise ValueError("Invalid return condition: %r" % return_when)
    for f in fs:
        f._waiters.append(waiter)
    return waiter


def _yield_finished_futures(fs: list, waiter: _Waiter, ref_collect: tuple) -> Iterator[Any]:
    """Yield ``fs`` from the end, dropping each yielded future from the
    caller's collections, so as_completed keeps no reference to it."""
    while fs:
        f = fs[-1]
        for futures_set in ref_collect:
            futures_set.pop(f, None)
        with _lock_of(f):
            f._waiters.remove(waiter)
        del f
        yield fs.pop()


def _emit_timeout(rt: Runtime, what: str, timeout: float | None) -> None:
    rt.bus.emit(events.Timeout(rt.monotonic(), rt.current_thread_name(), what, timeout or 0.0))


def as_completed(rt: Runtime, fs: Iterable[Any], timeout: float | None = None) -> Iterator[Any]:
    """Yield futures as they complete (finished ones first), each once."""
    if timeout is not None:
        end_time = timeout + rt.monotonic()

    fs = dict.fromkeys(fs)
    total_futures = len(fs)
    with _AcquireFutures(fs):
        finished = dict.fromkeys(f for f in fs if f._state in _DONE)
        pending = {f: None for f in fs if f not in finished}
        waiter = _create_and_install_waiters(rt, list(fs), "_AS_COMPLETED")
    # CPython yields the futures already done in a set's order (by id()): any order.
    finished_list = rt.set_order(list(finished))
    del finished  # keep no reference to futures once they are yielded
    finished_list.reverse()
    try:
        yield from _yield_finished_futures(finished_list, waiter, ref_collect=(fs,))

        while pending:
            if timeout is None:
                wait_timeout = None
            else:
                wait_timeout = end_time - rt.monotonic()
                # <= rather than the stdlib's <: on a virtual clock time does
                # not pass by itself, so a zero wait would repeat forever.
                if wait_timeout <= 0:
                    if rt.bus.active:
                        _emit_timeout(rt, "as_completed", timeout)
                    raise TimeoutError(
                        "%d (of %d) futures unfinished" % (len(pending), total_futures))

            waiter.event.wait(wait_timeout)

            with waiter.lock:
                finished_list = waiter.finished_futures
                waiter.finished_futures = []
                waiter.event.clear()

            # Reverse so that popping from the end yields in completion order.
            finished_list.reverse()
            yield from _yield_finished_futures(finished_list, waiter, ref_collect=(fs, pending))
    finally:
        # Remove the waiter from futures not yet yielded (e.g. on timeout).
        for f in fs:
            with _lock_of(f):
                f._waiters.remove(waiter)


def wait(
    rt: Runtime, fs: Iterable[Any], timeout: float | None = None, return_when: str = ALL_COMPLETED
) -> DoneAndNotDoneFutures:
    """Wait for futures; returns ``(done, not_done)`` sets.  Never raises on timeout."""
    fs = list(dict.fromkeys(fs))
    with _AcquireFutures(fs):
        done = {f: None for f in fs if f._state in _DONE}
        not_done = {f: None for f in fs if f not in done}
        if return_when == FIRST_COMPLETED and done:
            return _as_sets(rt, done, not_done)
        if return_when == FIRST_EXCEPTION and done:
            if any(f for f in done if not f.cancelled() and f.exception() is not None):
                return _as_sets(rt, done, not_done)
        if len(done) == len(fs):
            return _as_sets(rt, done, not_done)
        waiter = _create_and_install_waiters(rt, fs, return_when)

    if not waiter.event.wait(timeout) and rt.bus.active:
        _emit_timeout(rt, "wait", timeout)
    for f in fs:
        with _lock_of(f):
            f._waiters.remove(waiter)

    done.update(dict.fromkeys(waiter.finished_futures))
    return _as_sets(rt, done, [f for f in fs if f not in done])


def _as_sets(rt: Runtime, done: Iterable[Any], not_done: Iterable[Any]) -> DoneAndNotDoneFutures:
    """``wait``'s answer: two sets, each iterating in an order a set of futures may
    have on CPython (``Runtime.set_order``), the same on every replay."""
    return DoneAndNotDoneFutures(OrderedSet(rt.set_order(list(done))),
                                 OrderedSet(rt.set_order(list(not_done))))
