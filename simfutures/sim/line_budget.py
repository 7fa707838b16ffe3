"""The line budget: a thread that runs too long without a scheduling point is stopped.

A busy loop (``while not flag: pass``) never reaches a scheduling point, so
no other virtual thread can ever set the flag.  Counting the lines the
program executes between two scheduling points catches it deterministically
(the same run stops at the same line in any process, on any machine) and
cheaply: after ``budget`` lines the run stops with a ``BusyLoopError`` naming
the thread and the line (file:line).  Only the program's own files count
(``program_files``): simfutures, the standard library and installed packages
are not traced line by line.  The real-time watchdog stays as the last
resort for code this cannot see (C extensions, blocking calls).

API, one instance per run::

    budget = LineBudget(sched)      # budget: sched.limits.max_lines if set, else DEFAULT_BUDGET
    budget.install()                # sys.settrace, chained to any tracer already installed
    ...                             # the run
    budget.uninstall()              # puts the previous tracer back

Scheduling points are noticed without a hook: a scheduling point either
counts a step (``sched.steps``) or switches threads (``sched.current``), and
the counter restarts whenever either changed since the last counted line.
``reset()`` restarts it explicitly, for a scheduler that prefers to call it.

Composing with other tracers: ``install()`` chains to the trace function
installed before it (Hypothesis, coverage, a debugger): that one still sees
every event, and where both want a frame, one local trace function calls
both.  A tracer installed *after* this one (the exhaustive search's opcode
tracer, or a data-race detector) can chain the same way: call
``budget.trace(frame, event, arg)`` from its own global trace function and
``budget.count_line(frame)`` on each "line" event of frames it traces.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

from simfutures.sim.program_files import is_program_file
from simfutures.sim.scheduler import (
    Scheduler,
    SimulationAborted,
    SimulationStopped,
    ThreadReport,
    user_stack,
)

#: Lines of the program's own code a thread may run between two scheduling points.
#: About 0.05-0.1 s of real work untraced; a busy loop spends it in well under a second.
DEFAULT_BUDGET = 1_000_000

TraceFunction = Callable[[FrameType, str, Any], Any]


class BusyLoopError(SimulationStopped):
    """A thread ran the line budget out without reaching a scheduling point."""

    kind = "busy loop"


class BusyLoopInterrupt(SimulationAborted):
    """Unwinds the busy thread (raised from the trace function, at the looping line)."""


class LineBudget:
    """Counts the program's lines between scheduling points during one run."""

    def __init__(self, sched: Scheduler, budget: int | None = None) -> None:
        self._sched = sched
        self.budget = budget if budget is not None else (
            sched.limits.max_lines or DEFAULT_BUDGET)
        self._left = self.budget
        self._steps = -1
        self._thread: object = None
        self._previous: TraceFunction | None = None
        self._program_code: dict[CodeType, bool] = {}

    # -- the small API -----------------------------------------------------------

    def install(self) -> None:
        self._previous = sys.gettrace()
        sys.settrace(self.trace)

    def uninstall(self) -> None:
        sys.settrace(self._previous)

    def reset(self) -> None:
        """A scheduling point: the running thread starts a fresh budget."""
        self._left = self.budget
        self._steps = self._sched.steps
        self._thread = self._sched.current

    # -- tracing -------------------------------------------------------------------

    def trace(self, frame: FrameType, event: str, arg: Any) -> TraceFunction | None:
        """The global trace function: a local one for the program's frames."""
        previous = self._previous
        other = previous(frame, event, arg) if previous is not None else None
        code = frame.f_code
        mine = self._program_code.get(code)
        if mine is None:
            mine = self._program_code[code] = is_program_file(code.co_filename)
        if not mine:
            return other
        if other is None:
            return self._local
        return self._chained(other)

    def _local(self, frame: FrameType, event: str, arg: Any) -> TraceFunction:
        if event == "line":
            self.count_line(frame)
        return self._local

    def _chained(self, other: TraceFunction) -> TraceFunction:
        def local(frame: FrameType, event: str, arg: Any) -> TraceFunction:
            nonlocal other
            if event == "line":
                self.count_line(frame)
            if other is not None:
                other = other(frame, event, arg)
            return local
        return local

    def count_line(self, frame: FrameType) -> None:
        sched = self._sched
        if sched.steps != self._steps or sched.current is not self._thread:
            self.reset()
        self._left -= 1
        if self._left < 0 and not sched.over:
            self._stop(frame)

    def _stop(self, frame: FrameType) -> None:
        """Stop the run here, at the looping line, as the watchdog would (but now)."""
        sched = self._sched
        busy = sched.current
        name = busy.display_name if busy is not None else "?"
        where = f"{frame.f_code.co_filename}:{frame.f_lineno}"
        stack = tuple(user_stack(frame))
        report = ThreadReport(name, f"ran {self.budget:,} lines without a scheduling point "
                              "(busy loop?)", where, stack)
        others = tuple(r for r in sched.thread_reports() if r.name != name)
        if sched.stop_error is None:
            sched.stop_error = BusyLoopError(
                f"busy loop: thread {name} ran {self.budget:,} lines without reaching a "
                f"scheduling point, at {where}", (report, *others))
        # Over: whatever unwinds now (finally blocks, other threads) stops at its
        # first scheduling point instead of running on.
        sched.over = True
        raise BusyLoopInterrupt()
