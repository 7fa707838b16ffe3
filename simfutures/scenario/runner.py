"""Run a scenario's steps against the ``concurrent.futures`` API and record what happened.

The runner uses the plain stdlib modules, imported at call time and used
through their attributes. Called inside ``simfutures.sim.simulate(...)`` they
are the simulation's (virtual time, explored schedules); called directly they
are the real ones. The runner neither knows nor cares which.

After the last step the runner takes a snapshot of every future's state, then
sets every event, shuts the executor down with ``wait=True`` and collects
every future's outcome, so no run ends with work still in flight.
"""

from __future__ import annotations

import functools
from typing import Any

import attrs

from simfutures.scenario.calls import fresh_functions
from simfutures.scenario.model import (
    AsCompletedStep,
    CancelStep,
    ExceptionStep,
    KillWorkerStep,
    MapStep,
    ResultStep,
    Scenario,
    SetEventStep,
    ShutdownStep,
    SleepStep,
    Step,
    SubmitStep,
    WaitStep,
)
from simfutures.scenario.observation import (
    HandleRecord,
    Observation,
    Outcome,
    Raised,
    StepRecord,
)
from simfutures.scenario.progress import Progress
from simfutures.scenario.tasks import InitializerRunner, TaskReport, TaskRunner, report_of
from simfutures.scenario.values import FrozenMap, freeze, thaw


def run_scenario(scenario: Scenario, progress: Progress | None = None) -> Observation:
    """Execute ``scenario``'s steps once and return what was observed.

    ``progress``, if given, is kept up to date with the step being performed
    and the tasks running (for reports of runs that do not finish). The modules of
    call tasks are imported afresh for the run, in this thread (see calls.py).
    """
    with fresh_functions(scenario) as functions:
        return _Run(scenario, progress, functions).run()


class _Run:
    def __init__(self, scenario: Scenario, progress: Progress | None = None,
                 functions: dict[str, Any] | None = None) -> None:
        import concurrent.futures
        import threading
        import time

        self.cf = concurrent.futures
        self.time = time
        self.scenario = scenario
        self.t0 = time.monotonic()
        self.events = {
            t.wait_event: threading.Event() for t in scenario.tasks if t.wait_event is not None
        }
        self.progress = progress
        threads = scenario.executor.kind == "thread"
        if progress is not None:
            progress.main_thread = threading.current_thread().name
        shared = self.events if threads else None
        functions = functions if threads and functions else {}
        self.runners = {
            t.name: TaskRunner(t, shared, progress=progress if threads else None,
                               function=functions.get(t.name))
            for t in scenario.tasks
        }
        self.futures: dict[str, Any] = {}
        self.rejected: dict[str, Raised] = {}
        self.submitted_at: dict[str, float] = {}
        self.finished_at: dict[str, float] = {}
        self.completed: list[str] = []
        # (time printed, arrival order, line) from reports the runner unwraps
        self.printed: list[tuple[float, int, str]] = []
        self.steps: list[StepRecord] = []
        self.executor = self._make_executor()

    def now(self) -> float:
        return self.time.monotonic() - self.t0

    def _make_executor(self) -> Any:
        spec = self.scenario.executor
        init = InitializerRunner(spec.initializer) if spec.initializer is not None else None
        if spec.kind == "thread":
            return self.cf.ThreadPoolExecutor(spec.max_workers, initializer=init)
        options: dict[str, Any] = {}
        if spec.max_tasks_per_child is not None:
            options["max_tasks_per_child"] = spec.max_tasks_per_child
        return self.cf.ProcessPoolExecutor(spec.max_workers, initializer=init, **options)

    def run(self) -> Observation:
        try:
            for index, step in enumerate(self.scenario.steps):
                if self.progress is not None:
                    self.progress.step = index
                outcome, yielded = self._do(step)
                self.steps.append(
                    StepRecord(
                        index,
                        _kind(step),
                        getattr(step, "name", None),
                        outcome,
                        tuple(yielded),
                        self.now(),
                    )
                )
            states = {name: self._state(name) for name in self.scenario.handles}
            if self.progress is not None:
                self.progress.step, self.progress.finishing = None, True
        except Exception:
            self._release()
            raise
        # (A BaseException -- the simulator unwinding this thread, Ctrl-C --
        # gets no cleanup: blocking in shutdown now could only make it worse.)
        self._release()
        handles = tuple(self._record(name, states[name]) for name in self.scenario.handles)
        return Observation(
            handles=handles,
            steps=tuple(self.steps),
            completed=tuple(self.completed),
            printed=tuple(line for _, _, line in sorted(self.printed)),
            ended_at=self.now(),
        )

    def _release(self) -> None:
        """Set every event (so nothing waits forever), then shut down and join."""
        for event in self.events.values():
            event.set()
        self.executor.shutdown(wait=True)

    # --- one step ------------------------------------------------------------------

    def _do(self, step: Step) -> tuple[Outcome, list]:
        """Perform ``step``; return its outcome and what it yielded along the way."""
        yielded: list = []
        try:
            value = getattr(self, f"_{_kind(step)}")(step, yielded)
        except _Skip as skip:
            return Outcome(skipped=str(skip)), yielded
        except Exception as exc:  # the API's answer (TimeoutError, ...), not a runner bug
            return Outcome(raised=Raised.of(exc)), yielded
        return Outcome(value=value), yielded

    def _submit(self, step: SubmitStep, yielded: list) -> None:
        self.submitted_at[step.handle] = self.now()
        try:
            runner = attrs.evolve(self.runners[step.task], handle=step.handle)
            future = self.executor.submit(runner, *thaw(step.args))
        except Exception as exc:
            self.rejected[step.handle] = Raised.of(exc)
            raise
        self.futures[step.handle] = future
        future.add_done_callback(functools.partial(self._on_done, step.handle))

    def _on_done(self, handle: str, future: Any) -> None:
        # Runs in whichever thread completed the future: appends only.
        self.finished_at[handle] = self.now()
        if not future.cancelled():
            self.completed.append(handle)

    def _map(self, step: MapStep, yielded: list) -> tuple:
        results = self.executor.map(
            self.runners[step.task],
            thaw(step.items),
            timeout=step.timeout,
            chunksize=step.chunksize,
        )
        for item in results:
            yielded.append(self._unwrap(item))
        return tuple(yielded)

    def _as_completed(self, step: AsCompletedStep, yielded: list) -> tuple:
        names = self._futures_of(step.handles)
        for future in self.cf.as_completed(list(names), timeout=step.timeout):
            yielded.append(names[future])
        return tuple(yielded)

    def _wait(self, step: WaitStep, yielded: list) -> FrozenMap:
        names = self._futures_of(step.handles)
        when = getattr(self.cf, step.return_when)
        done, _ = self.cf.wait(list(names), timeout=step.timeout, return_when=when)
        ordered = list(names.values())
        return FrozenMap.of(
            {
                "done": [n for n in ordered if self.futures[n] in done],
                "not_done": [n for n in ordered if self.futures[n] not in done],
            }
        )

    def _result(self, step: ResultStep, yielded: list) -> Any:
        return self._unwrap(self._future(step.handle).result(timeout=step.timeout))

    def _exception(self, step: ExceptionStep, yielded: list) -> Any:
        exc = self._future(step.handle).exception(timeout=step.timeout)
        if exc is None:
            return None
        return FrozenMap.of({"type": type(exc).__name__, "message": str(exc)})

    def _cancel(self, step: CancelStep, yielded: list) -> bool:
        return self._future(step.handle).cancel()

    def _sleep(self, step: SleepStep, yielded: list) -> None:
        self.time.sleep(step.seconds)

    def _kill_worker(self, step: KillWorkerStep, yielded: list) -> None:
        import os
        import signal

        future = self._future(step.handle)
        report = _report_of_done(future)
        if report is None:
            raise _Skip(f"no worker is known to have run {step.handle!r}")
        workers = getattr(self.executor, "_processes", None)
        if workers is not None and report.pid not in workers:
            # Never signal a pid that is no longer one of our workers: it may
            # have been reused by an unrelated process.
            raise _Skip(f"the worker that ran {step.handle!r} has already exited")
        os.kill(report.pid, getattr(signal, step.signal))

    def _shutdown(self, step: ShutdownStep, yielded: list) -> None:
        self.executor.shutdown(wait=step.wait, cancel_futures=step.cancel_futures)

    def _set_event(self, step: SetEventStep, yielded: list) -> None:
        self.events[step.event].set()

    # --- helpers -------------------------------------------------------------------

    def _future(self, handle: str) -> Any:
        if handle not in self.futures:
            raise _Skip(f"{handle!r} was never submitted: submit raised {self.rejected[handle]}")
        return self.futures[handle]

    def _futures_of(self, handles: tuple[str, ...]) -> dict[Any, str]:
        """future -> handle, in the order given, leaving out rejected handles."""
        return {self.futures[h]: h for h in handles if h in self.futures}

    def _unwrap(self, item: Any) -> Any:
        report = report_of(item)
        if report is None:
            return freeze(item)
        self._note_printed(report)
        return freeze(report.value)

    def _note_printed(self, report: TaskReport) -> None:
        for line in report.printed:
            self.printed.append((report.started - self.t0, len(self.printed), line))

    def _state(self, handle: str) -> str:
        if handle in self.rejected:
            return "rejected"
        # One read of the state: the observation is the harness's, not a step of
        # the scenario, so it must not offer switches between its parts.
        return _STATE_NAMES[self.futures[handle]._state]

    def _record(self, handle: str, state: str) -> HandleRecord:
        if handle in self.rejected:
            return HandleRecord(
                handle, state, Outcome(raised=self.rejected[handle]), self.submitted_at[handle]
            )
        future = self.futures[handle]
        # Not cf.wait(): a future cancelled by shutdown(cancel_futures=True)
        # never counts as done for wait() (a CPython quirk), while result()
        # and exception() see the cancellation at once.
        report = _report_of_done(future)
        if report is not None:
            self._note_printed(report)
        try:
            outcome = Outcome(value=freeze(_value(future.result())))
        except Exception as exc:  # CancelledError, BrokenProcessPool, the task's own
            outcome = Outcome(raised=Raised.of(exc))
        return HandleRecord(
            handle,
            state,
            outcome,
            submitted_at=self.submitted_at[handle],
            started_at=None if report is None else report.started - self.t0,
            finished_at=self.finished_at.get(handle),
            pid=None if report is None else report.pid,
        )


class _Skip(Exception):
    """A step that cannot be performed in this run (its handle was never submitted...)."""


def _kind(step: Step) -> str:
    return {
        SubmitStep: "submit",
        MapStep: "map",
        AsCompletedStep: "as_completed",
        WaitStep: "wait",
        ResultStep: "result",
        ExceptionStep: "exception",
        CancelStep: "cancel",
        SleepStep: "sleep",
        KillWorkerStep: "kill_worker",
        ShutdownStep: "shutdown",
        SetEventStep: "set_event",
    }[type(step)]


def _value(item: Any) -> Any:
    report = report_of(item)
    return item if report is None else report.value


_STATE_NAMES = {"PENDING": "pending", "RUNNING": "running", "CANCELLED": "cancelled",
                "CANCELLED_AND_NOTIFIED": "cancelled", "FINISHED": "finished"}


def _report_of_done(future: Any) -> TaskReport | None:
    """The task's report, once ``future`` is done (blocks until then)."""
    if future.cancelled():
        return None
    try:
        exc = future.exception()
    except Exception:  # CancelledError if it was cancelled meanwhile
        return None
    return report_of(exc if exc is not None else future.result())
