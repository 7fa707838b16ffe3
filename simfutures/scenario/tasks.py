"""The callables a scenario submits: module-level and picklable for process pools.

A task reports back more than its value: when it started, in which process,
what it printed. That rides along in a TaskReport (or, when the task raises,
as an attribute on the exception, which pickling preserves), because a
worker process has no other channel back to the runner. The runner unwraps
it before anything is compared, so claims only ever see the task's value.

Library modules are imported at call time and used through their attributes,
so that under the simulator's patch mode they are the virtual ones. A ``call``
task runs the user's function instead (see calls.py); its report carries no
printed lines: what the function prints goes to the run's output.
"""

from __future__ import annotations

import contextlib
from typing import Any

import attrs

from simfutures.scenario.model import (
    ArgDuration,
    CallSpec,
    Duration,
    FixedDuration,
    InitializerSpec,
    RaiseSpec,
    RangeDuration,
    ReturnValue,
    TaskSpec,
)
from simfutures.scenario.values import thaw

#: Where a raising task leaves its TaskReport on the exception.
REPORT_ATTRIBUTE = "_simfutures_task_report"


@attrs.frozen
class TaskReport:
    value: Any
    started: float  # time.monotonic() when the call began
    pid: int
    printed: tuple[str, ...] = ()


def report_of(obj: object) -> TaskReport | None:
    """The report carried by a task's return value or exception, if any."""
    if isinstance(obj, TaskReport):
        return obj
    report = getattr(obj, REPORT_ATTRIBUTE, None)
    return report if isinstance(report, TaskReport) else None


@attrs.frozen
class TaskRunner:
    """One task kind, callable as ``runner(*args)``.

    ``events`` and ``progress`` are only set for thread executors (neither
    can be pickled into a process usefully); they take no part in equality or
    hashing. ``handle`` is the name a ``submit`` step gives the call.
    """

    spec: TaskSpec
    events: dict[str, Any] | None = attrs.field(default=None, eq=False)
    handle: str | None = None
    progress: Any = attrs.field(default=None, eq=False)  # scenario.progress.Progress
    # A call task's function, for thread executors (a process worker finds it by name).
    function: Any = attrs.field(default=None, eq=False)

    def __getattr__(self, name: str) -> Any:
        # Events name a submitted callable by its __qualname__; instances have
        # none, so without this every timeline line would say "TaskRunner".
        # A submitted call is named by its handle: the user's name for it.
        # (Only reached for attributes not found normally.)
        if name == "__qualname__":
            return self.handle or self.spec.name
        raise AttributeError(name)

    def __call__(self, *args: Any) -> TaskReport:
        progress = self.progress
        if progress is None:
            return self._run(args)
        import threading

        thread = threading.current_thread().name
        progress.tasks[thread] = (self.spec.name, self.handle)
        # Not in a `finally`: a run the simulator stops unwinds this frame, and
        # the stop report is written after that; it must still see the task.
        try:
            report = self._run(args)
        except Exception:
            del progress.tasks[thread]
            raise
        del progress.tasks[thread]
        return report

    def _run(self, args: tuple) -> TaskReport:
        import os
        import signal
        import time

        spec = self.spec
        started = time.monotonic()
        pid = os.getpid()
        if spec.call is not None:
            return self._call(spec.call, args, started, pid)
        printed: tuple[str, ...] = ()
        if spec.prints is not None:
            print(spec.prints, flush=True)
            printed = (spec.prints,)
        if spec.wait_event is not None:
            assert self.events is not None, "wait_event is for thread executors only"
            self.events[spec.wait_event].wait()
        _sleep(spec.duration, args)
        if spec.kill_self is not None:
            # If the signal does not end the process, the task carries on.
            os.kill(os.getpid(), getattr(signal, spec.kill_self))
        report = TaskReport(None, started, pid, printed)
        if spec.raises is not None:
            exc = make_exception(spec.raises)
            setattr(exc, REPORT_ATTRIBUTE, report)
            raise exc
        if isinstance(spec.returns, ReturnValue):
            value = thaw(spec.returns.value)
        else:
            value = args[0] if args else None
        return attrs.evolve(report, value=value)


    def _call(self, call: CallSpec, args: tuple, started: float, pid: int) -> TaskReport:
        function = self.function
        if function is None:
            from simfutures.scenario.calls import function_of

            function = function_of(call)
        report = TaskReport(None, started, pid)
        try:
            value = function(*args)
        except Exception as exc:
            with contextlib.suppress(AttributeError, TypeError):  # __slots__, a C type
                setattr(exc, REPORT_ATTRIBUTE, report)
            raise
        return attrs.evolve(report, value=value)


@attrs.frozen
class InitializerRunner:
    """The pool's initializer: print, sleep, then raise if asked to."""

    spec: InitializerSpec

    def __call__(self) -> None:
        if self.spec.prints is not None:
            print(self.spec.prints, flush=True)
        _sleep(self.spec.duration, ())
        if self.spec.raises is not None:
            raise make_exception(self.spec.raises)


def make_exception(spec: RaiseSpec) -> BaseException:
    import builtins

    # The loader only admits names from vocabulary.RAISABLE, all builtins.
    cls = getattr(builtins, spec.type)
    return cls(spec.message) if spec.message else cls()


def _sleep(duration: Duration | None, args: tuple) -> None:
    import random
    import time

    if duration is None:
        return
    if isinstance(duration, FixedDuration):
        seconds = duration.seconds
    elif isinstance(duration, RangeDuration):
        seconds = random.uniform(duration.min, duration.max)
    else:
        assert isinstance(duration, ArgDuration)
        seconds = float(args[0])
    if seconds > 0:
        time.sleep(seconds)
