"""Run a function as the main thread of a simulated program."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from simfutures import events
from simfutures.errors import SimfuturesError
from simfutures.sim import context, exit_handlers, instruments, mp_process
from simfutures.sim.chooser import (
    Chooser,
    ReplayChooser,
    Schedule,
    chooser_for_seed,
)
from simfutures.sim.hard_exit import ProgramExit, exit_status
from simfutures.sim.line_budget import LineBudget
from simfutures.sim.patch import patched
from simfutures.sim.runtime import SIM_RUNTIME
from simfutures.sim.scheduler import Limits, Scheduler, SimulationAborted, SimulationStopped
from simfutures.sim.threads import main_facade_for
from simfutures.sim.watchdog import WATCHDOG
from simfutures.sim.world import WORLD


@attrs.frozen
class RunResult:
    """What one simulated run did."""

    value: Any
    exception: BaseException | None
    stopped: SimulationStopped | None
    schedule: Schedule
    steps: int
    virtual_time: float

    @property
    def ok(self) -> bool:
        return self.exception is None and self.stopped is None


def make_chooser(seed: int | None, schedule: Schedule | list[int] | None) -> Chooser:
    if seed is not None and schedule is not None:
        raise SimfuturesError("pass either seed= or schedule=, not both")
    if schedule is not None:
        if hasattr(schedule, "choose"):
            return schedule  # already a chooser (e.g. a Hypothesis-driven one)
        return ReplayChooser(schedule)
    return chooser_for_seed(0 if seed is None else seed)


def run(fn: Callable[..., Any], args: tuple = (), kwargs: dict | None = None, *,
        chooser: Chooser, limits: Limits | None = None,
        observers: Iterable[Callable[[events.Event], None]] = ()) -> RunResult:
    """Run ``fn(*args, **kwargs)`` under the simulator; never raises for the program."""
    kwargs = kwargs or {}
    sched = Scheduler(chooser, limits)
    for observer in observers:
        sched.bus.subscribe(observer)
    outcome: dict[str, Any] = {"value": None, "exception": None}

    def main_body() -> None:
        try:
            outcome["value"] = fn(*args, **kwargs)
        except SimulationAborted:
            raise
        except BaseException as exc:  # the program's own failure, SystemExit included
            outcome["exception"] = exc
        _interpreter_exit(sched)

    context.enter(sched)
    try:
        SIM_RUNTIME.reset(sched)
        main = sched.new_thread("MainThread")
        main_facade_for(main)
        sched.start(main, main_body)
        # Instruments first: a chooser may install a tracer of its own at the first
        # decision (the random seed's), which must run on top of theirs.
        installed = instruments.install_all(sched)
        try:
            rng = random.Random(sched.random_seed())
            WATCHDOG.watch(sched, sched.limits.watchdog_seconds)
            # Chains to whatever tracer is installed by now.
            budget = LineBudget(sched) if sched.limits.max_lines is not None else None
            try:
                with patched(WORLD, rng):
                    if budget is not None:
                        budget.install()
                    try:
                        sched.run(main)
                    finally:
                        if budget is not None:
                            budget.uninstall()
            finally:
                WATCHDOG.unwatch()
        finally:
            instruments.remove_all(installed)
    except SimulationAborted:
        # A watchdog interrupt that landed in our own frames after the run stopped.
        pass
    finally:
        context.leave()
        SIM_RUNTIME.sched = None
    if sched.chooser_error is not None:
        raise sched.chooser_error
    status = exit_status(sched)
    if status is not None and sched.stop_error is None:
        outcome["exception"] = ProgramExit(status)
    return RunResult(outcome["value"], outcome["exception"], sched.stop_error,
                     sched.schedule(), sched.steps, sched.now)


def _interpreter_exit(sched: Scheduler) -> None:
    """What CPython does after the main module: exit hooks, join non-daemon threads,
    then the program's ``atexit`` handlers (daemon threads still run meanwhile)."""
    SIM_RUNTIME.run_exit_hooks()
    main = sched.main
    for vt in list(sched.threads):
        if vt is not main and vt.alive and vt.started and not vt.daemon and vt.process is None:
            vt.facade.join()
    exit_handlers.run_all()
    mp_process.exit_function()  # (multiprocessing's own atexit handler, registered first)


def simulate(fn: Callable[..., Any], *args: Any, seed: int | None = None,
             schedule: Schedule | list[int] | None = None, limits: Limits | None = None,
             observers: Iterable[Callable[[events.Event], None]] = (),
             preempt: str | None = None, fail_on_race: bool = False, **kwargs: Any) -> Any:
    """Run ``fn(*args, **kwargs)`` deterministically under the simulator.

    Returns what ``fn`` returns or raises what it raises.  A run is a pure
    function of ``seed`` (default 0: the natural order) or of a recorded
    ``schedule`` (and of ``preempt``).  A deadlock, a watchdog stop or an
    exceeded limit raises ``SimulationStopped`` (or a subclass) with a report of every
    thread.

    ``preempt`` ("sync", "races" or "every-access", see docs/soundness.md) says
    where threads may also be switched.  With a ``schedule`` the default is
    "races", every command's: the lines of accesses found racy (learnt once per
    function and arguments, from a few runs of its own) are scheduling points
    too.  Every schedule simfutures prints or returns (Hypothesis's
    ``schedules()``, ``assert_always``/``assert_sometimes``) was recorded that
    way, so pasting it replays exactly.  With a ``seed`` (or neither) the
    default is "sync": a seeded random walk is a cheap input of its own, and
    learning the racy lines would cost the first example of a property test a
    few runs, against Hypothesis's deadline.  With ``fail_on_race`` a data
    race the run shows raises ``DataRaceError`` (an ``AssertionError``) naming
    both accesses, even when ``fn`` succeeded.
    """
    from simfutures.explore.races import DataRaceError, function_policy, run_function

    chooser = make_chooser(seed, schedule)
    if preempt is not None:
        mode = preempt
    else:
        mode = "races" if schedule is not None else "sync"
    expect = getattr(chooser, "expect_decisions", None)
    if expect is not None:  # a drawn schedule pads its test case from this (see there)
        expect(function_policy(fn, args, kwargs, limits, mode)[1])
    if mode == "sync" and not fail_on_race:
        result = run(fn, args, kwargs, chooser=chooser, limits=limits, observers=observers)
    else:
        result, found = run_function(fn, args, kwargs, chooser, limits, observers, mode,
                                     detect=fail_on_race)
        if fail_on_race and found and result.stopped is None:
            raise DataRaceError(found)
    after_run = getattr(chooser, "after_run", None)
    if after_run is not None:  # a drawn schedule's note on fewer switches (see there)
        from simfutures.properties import fewest_switches_alike

        after_run(result.schedule, lambda recorded: fewest_switches_alike(
            fn, args, kwargs, recorded, limits=limits, mode=mode))
    if result.stopped is not None:
        raise result.stopped
    if result.exception is not None:
        try:
            raise result.exception
        finally:
            result = None  # break the traceback -> frame -> result cycle
    return result.value
