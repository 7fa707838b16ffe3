"""``Future``, written once over a runtime.

Instead of the stdlib's per-future ``Condition`` (a Python object around an
RLock, the largest part of a future's cost) a future holds one plain lock and,
only when someone actually blocks on it, a *gate*: a lock created held and
released once on completion.  Each blocked waiter acquires the gate and
immediately releases it, so a single release wakes every waiter in turn.

The class subclasses the stdlib's ``concurrent.futures.Future`` without
calling its ``__init__`` (which would build the Condition), so
``isinstance`` checks pass (asyncio's ``wrap_future`` makes one) and the
stdlib's own ``wait``/``as_completed`` can drive it: they only touch
``_state``, ``_waiters`` and ``_condition``, which a ``_ConditionView``
provides over the future's lock.
"""

from __future__ import annotations

import concurrent.futures._base as _stdlib_base
import logging
import types
from collections.abc import Callable
from concurrent.futures import CancelledError, InvalidStateError
from typing import Any

from simfutures import events
from simfutures.executor.states import (
    CANCELLED,
    CANCELLED_AND_NOTIFIED,
    FINISHED,
    PENDING,
    RUNNING,
    STATE_TO_DESCRIPTION,
    TRANSITIONS,
    IllegalTransition,
    next_state,
)
from simfutures.runtime import Runtime
from simfutures.usercall import invoke

LOGGER = logging.getLogger("concurrent.futures")

_DONE_STATES = (CANCELLED, CANCELLED_AND_NOTIFIED, FINISHED)
_CANCELLED_STATES = (CANCELLED, CANCELLED_AND_NOTIFIED)


def block_on(lock: Any, timeout: float | None) -> bool:
    """Acquire ``lock`` within ``timeout`` seconds (None: forever, <= 0: poll)."""
    if timeout is None:
        return lock.acquire()
    if timeout <= 0:
        return lock.acquire(False)
    return lock.acquire(True, timeout)


def describe_callable(fn: Any) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__


class _ConditionView:
    """Stands in for the stdlib Future's ``_condition`` for code that reaches
    into it (the stdlib's ``wait``/``as_completed``, CPython's own tests):
    acquiring it acquires the future's lock, ``wait`` blocks until the
    future is notified, and ``notify_all`` wakes whoever blocks on it."""

    __slots__ = ("_future",)

    def __init__(self, future: Future) -> None:
        self._future = future

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if timeout == -1:
            return self._future._lock.acquire(blocking)
        return self._future._lock.acquire(blocking, timeout)

    def release(self) -> None:
        self._future._lock.release()

    def __enter__(self) -> bool:
        return self._future._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._future._lock.release()

    def wait(self, timeout: float | None = None) -> bool:
        """Release the lock, block until notified (or ``timeout``), re-acquire."""
        future = self._future
        gate = future._gate
        if gate is None:
            gate = future._gate = future._rt.lock()
            gate.acquire()
        future._lock.release()
        try:
            woken = block_on(gate, timeout)
            if woken:
                gate.release()  # pass the wake-up on to the next waiter
        finally:
            future._lock.acquire()
        return woken

    def notify_all(self) -> None:
        self._future._open_gate()

    def notify(self, n: int = 1) -> None:
        # The gate wakes every waiter; a spurious wake-up is allowed for a condition.
        self._future._open_gate()

    def __reduce_ex__(self, protocol: int) -> Any:
        # The stdlib future's condition holds an RLock: pickling a future
        # fails on it, so fail with exactly the runtime's own RLock error.
        return self._future._rt.rlock().__reduce_ex__(protocol)


class Future(_stdlib_base.Future):
    """Represents the result of an asynchronous computation."""

    _rt: Runtime  # bound per world by ``simfutures.executor.world.bind``

    def __init__(self) -> None:  # builds no Condition: the stdlib __init__ is skipped on purpose
        self._lock = self._rt.lock()
        self._gate = None
        self._state = PENDING
        self._result = None
        self._exception = None
        self._waiters: list[Any] = []
        self._done_callbacks: list[Callable[[Future], object]] = []

    # -- completion plumbing ------------------------------------------------

    def _open_gate(self) -> None:
        # Called with self._lock held, right after the state became final.
        gate = self._gate
        if gate is not None:
            self._gate = None
            gate.release()

    @property
    def _condition(self) -> _ConditionView:  # type: ignore[override]
        return _ConditionView(self)

    def __reduce_ex__(self, protocol: int) -> Any:
        # Pickling (and deepcopy) fail as the stdlib future's do: on the RLock
        # inside its condition, the first thing in its state.
        return self._condition.__reduce_ex__(protocol)

    def __copy__(self) -> Future:
        # copy.copy of a stdlib future works (a shallow copy of its state).
        clone = self.__class__.__new__(self.__class__)
        clone.__dict__.update(self.__dict__)
        return clone

    def _await_done(self, timeout: float | None) -> None:
        """Block until the future is done or ``timeout`` passes (lock not held)."""
        with self._lock:
            if self._state in _DONE_STATES:
                return
            gate = self._gate
            if gate is None:
                gate = self._gate = self._rt.lock()
                gate.acquire()
        if block_on(gate, timeout):
            gate.release()  # pass the wake-up on to the next waiter

    def _invoke_callbacks(self) -> None:
        bus = self._rt.bus
        for callback in self._done_callbacks:
            if bus.active:
                self._emit_callback(callback)
            try:
                invoke(callback, self)
            except Exception:
                LOGGER.exception("exception calling callback for %r", self)

    def _emit_callback(self, callback: Callable[..., Any]) -> None:
        rt = self._rt
        rt.bus.emit(events.Callback(rt.monotonic(), rt.current_thread_name(), rt.label(self),
                                    describe_callable(callback)))

    def _emit_timeout(self, what: str, timeout: float | None) -> None:
        rt = self._rt
        rt.bus.emit(events.Timeout(rt.monotonic(), rt.current_thread_name(), what, timeout or 0.0))

    # -- public API ---------------------------------------------------------

    def _address(self) -> int:
        """The number repr() shows; the simulator substitutes a reproducible one."""
        return id(self)

    def __repr__(self) -> str:
        with self._lock:
            state, result, exception = self._state, self._result, self._exception
        name = self.__class__.__name__
        description = STATE_TO_DESCRIPTION[state]
        address = self._address()
        if state == FINISHED:
            if exception:
                return "<%s at %#x state=%s raised %s>" % (
                    name, address, description, exception.__class__.__name__)
            return "<%s at %#x state=%s returned %s>" % (
                name, address, description, result.__class__.__name__)
        return "<%s at %#x state=%s>" % (name, address, description)

    def cancel(self) -> bool:
        """Cancel the future if possible; True if it is (now) cancelled."""
        with self._lock:
            state = self._state
            new_state = next_state("cancel", state)
            if new_state is None:
                return False
            if new_state == state:
                return True
            self._state = new_state
            self._open_gate()
        bus = self._rt.bus
        if bus.active:
            rt = self._rt
            bus.emit(events.Cancel(rt.monotonic(), rt.current_thread_name(), rt.label(self)))
        self._invoke_callbacks()
        return True

    def cancelled(self) -> bool:
        return self._state in _CANCELLED_STATES

    def running(self) -> bool:
        return self._state == RUNNING

    def done(self) -> bool:
        return self._state in _DONE_STATES

    def add_done_callback(self, fn: Callable[[Future], object]) -> None:
        """Call ``fn(future)`` when the future is done (now, if it already is)."""
        with self._lock:
            if self._state not in _DONE_STATES:
                self._done_callbacks.append(fn)
                return
        if self._rt.bus.active:
            self._emit_callback(fn)
        try:
            fn(self)
        except Exception:
            LOGGER.exception("exception calling callback for %r", self)

    def _get_result(self) -> Any:
        if self._exception:
            try:
                raise self._exception
            finally:
                self = None  # break the frame -> future -> exception cycle
        return self._result

    def result(self, timeout: float | None = None) -> Any:
        """The call's return value, waiting up to ``timeout`` seconds."""
        try:
            state = self._state
            if state == FINISHED:
                return self._get_result()
            if state in _CANCELLED_STATES:
                raise CancelledError()
            self._await_done(timeout)
            state = self._state
            if state == FINISHED:
                return self._get_result()
            if state in _CANCELLED_STATES:
                raise CancelledError()
            if self._rt.bus.active:
                self._emit_timeout("result", timeout)
            raise TimeoutError()
        finally:
            self = None

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """The call's exception (None if it returned), waiting up to ``timeout``."""
        state = self._state
        if state not in _DONE_STATES:
            self._await_done(timeout)
            state = self._state
        if state in _CANCELLED_STATES:
            raise CancelledError()
        if state == FINISHED:
            return self._exception
        if self._rt.bus.active:
            self._emit_timeout("exception", timeout)
        raise TimeoutError()

    # -- for executors and tests -------------------------------------------

    def set_running_or_notify_cancel(self) -> bool:
        """Mark RUNNING (True) or, if cancelled, tell the waiters (False)."""
        with self._lock:
            state = self._state
            # next_state("run", state), with an illegal transition refused like a
            # None one: the table directly, one call less per task.
            new_state = TRANSITIONS.get(("run", state))
            if new_state is None:
                # The stdlib logs the future's id(); _address() is id() in the
                # real world and a reproducible number in the simulator.  Raised
                # outside the except block: the error has no __context__, as there.
                LOGGER.critical("Future %s in unexpected state: %s", self._address(), state)
                raise RuntimeError("Future in unexpected state")
            self._state = new_state
            if new_state == RUNNING:
                return True
            for waiter in self._waiters:
                waiter.add_cancelled(self)
            return False

    def _finish(self, action: str, result: Any, exception: BaseException | None) -> None:
        with self._lock:
            state = self._state
            try:
                self._state = next_state(action, state)
            except IllegalTransition:
                failed_state = state
            else:
                failed_state = None
                self._result = result
                self._exception = exception
                if exception is None:
                    for waiter in self._waiters:
                        waiter.add_result(self)
                else:
                    for waiter in self._waiters:
                        waiter.add_exception(self)
                if self._gate is not None:
                    self._open_gate()
        if failed_state is not None:
            # The stdlib's exact message; built outside the lock because
            # repr() takes it.
            raise InvalidStateError(f"{failed_state}: {self!r}")
        bus = self._rt.bus
        if bus.active:
            rt = self._rt
            if exception is None:
                outcome, detail = "result", type(result).__name__
            else:
                outcome, detail = "exception", f"{type(exception).__name__}: {exception}"
            bus.emit(events.Finish(rt.monotonic(), rt.current_thread_name(), rt.label(self),
                                   outcome, detail))
        if self._done_callbacks:
            self._invoke_callbacks()

    def set_result(self, result: Any) -> None:
        self._finish("set_result", result, None)

    def set_exception(self, exception: BaseException | None) -> None:
        self._finish("set_exception", None, exception)

    __class_getitem__ = classmethod(types.GenericAlias)


__all__ = [
    "Future", "PENDING", "RUNNING", "CANCELLED", "CANCELLED_AND_NOTIFIED", "FINISHED",
    "LOGGER", "block_on",
]
