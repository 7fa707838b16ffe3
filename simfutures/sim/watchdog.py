"""A real-time watchdog: names the virtual thread that stopped reaching scheduling points.

One daemon OS thread serves every run in the process (exploration runs many).
When the watched run makes no scheduling step for ``seconds`` of real time,
the watchdog records where the simulation's OS thread is (that is the busy
virtual thread's frame), marks the run stopped and raises ``WatchdogInterrupt``
inside it.  If the interrupt cannot land (the thread is stuck inside a C call
such as a real blocking socket read), ``on_stuck`` is called after a grace
period: the CLI prints the report and exits.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from collections.abc import Callable
from time import monotonic as _real_monotonic
from time import sleep as _real_sleep

from simfutures.sim.scheduler import (
    Scheduler,
    SimulationAborted,
    ThreadReport,
    WatchdogError,
    user_stack,
)


class WatchdogInterrupt(SimulationAborted):
    """Raised asynchronously in a virtual thread that stopped yielding."""


class _Drained(BaseException):
    """Delivered to ourselves to clear the interpreter's async-exception flag."""


def _set_async_exc(os_ident: int, exc: type[BaseException]) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(os_ident), ctypes.py_object(exc))


def _drain_async_exc() -> None:
    """Make sure no watchdog interrupt is pending in this thread, and none ever lands.

    Clearing with ``PyThreadState_SetAsyncExc(id, NULL)`` is not enough on
    CPython 3.11: it raises the interpreter's "async exception pending" flag
    and only the delivery of a real exception lowers it again.  With the flag
    stuck, the eval breaker fires at every function start, and under a trace
    function (Hypothesis's explain phase, coverage, debuggers) the RESUME of
    the next frame loops forever: a later failing ``@given`` test hung at full
    CPU.  So replace whatever is pending by an exception of our own and take
    its delivery here, which lowers the flag.
    """
    try:
        # (delivered as soon as the call returns, or at the latest in the loop)
        _set_async_exc(threading.get_ident(), _Drained)
        for _ in range(1000):  # the eval breaker is checked on each backward jump
            pass
    except _Drained:
        pass


class Watchdog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sched: Scheduler | None = None
        self._os_ident = 0
        self._seconds = 0.0
        self._fired_at: float | None = None
        self._last_steps = -1
        self._since = 0.0
        self.on_stuck: Callable[[WatchdogError], None] | None = None
        self._thread: threading.Thread | None = None

    def watch(self, sched: Scheduler, seconds: float) -> None:
        with self._lock:
            self._sched = sched
            self._os_ident = threading.get_ident()
            self._seconds = seconds
            self._fired_at = None
            self._last_steps = -1
            self._since = _real_monotonic()
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="simfutures-watchdog",
                                            daemon=True)
            self._thread.start()

    def unwatch(self) -> None:
        with self._lock:
            if self._fired_at is not None:
                # The interrupt may still be pending: make sure it never lands outside the run.
                _drain_async_exc()
            self._sched = None

    def _loop(self) -> None:
        while True:
            _real_sleep(0.05)
            with self._lock:
                sched = self._sched
                if sched is None or sched.over and self._fired_at is None:
                    continue
                now = _real_monotonic()
                if self._fired_at is not None:
                    if now - self._fired_at > max(2.0, self._seconds) and self.on_stuck:
                        self.on_stuck(sched.stop_error)
                    continue
                if sched.steps != self._last_steps:
                    self._last_steps, self._since = sched.steps, now
                elif now - self._since > self._seconds:
                    self._fire(sched, now)

    def _fire(self, sched: Scheduler, now: float) -> None:
        frame = sys._current_frames().get(self._os_ident)
        stack = user_stack(frame)
        busy = sched.current
        name = busy.display_name if busy is not None else "?"
        report = ThreadReport(
            name, f"no scheduling point for {self._seconds:g} s of real time (busy loop or "
            "unpatched blocking call)", stack[-1] if stack else "<unknown>", tuple(stack))
        others = tuple(r for r in sched.thread_reports() if r.name != name)
        sched.stop_error = sched.stop_error or WatchdogError(
            f"watchdog: thread {name} stopped reaching scheduling points", (report, *others))
        # The run is over from now on: the interrupted thread's finally blocks (and
        # whatever they wake) must not go on scheduling program code, so every
        # scheduling point from here raises SimulationAborted.
        sched.over = True
        self._fired_at = now
        _set_async_exc(self._os_ident, WatchdogInterrupt)


WATCHDOG = Watchdog()
