"""Which simulation is running, and in which OS thread.

Only one simulation runs at a time in a process (exploration runs them one
after another); the patched modules consult this to decide whether a call
comes from inside the simulation or from some other real thread.
"""

from __future__ import annotations

from _thread import get_ident as _get_ident  # the real one: runs patch _thread's
from typing import TYPE_CHECKING

from simfutures.errors import SimfuturesError

if TYPE_CHECKING:
    from simfutures.sim.scheduler import Scheduler, VThread


class NotInSimulationError(SimfuturesError, RuntimeError):
    """A simulated object was used outside ``simulate()``."""


_scheduler: Scheduler | None = None
# The OS thread the running simulation lives in; primitives read it directly
# on their hot path.
_os_thread: int | None = None


def enter(sched: Scheduler) -> None:
    global _scheduler, _os_thread
    if _scheduler is not None:
        raise SimfuturesError("simulate() cannot be nested: a simulation is already running")
    _scheduler = sched
    _os_thread = _get_ident()


def leave() -> None:
    global _scheduler, _os_thread
    _scheduler = None
    _os_thread = None


def active() -> bool:
    """Whether the caller is a virtual thread of the running simulation.  Code the
    simulation's OS thread runs before the first virtual thread starts or after the
    last ended (setting up, a real object's finalizer the garbage collector runs
    then) is not: it gets the real ``threading``, ``time``..."""
    return simulating() and _scheduler.current is not None


def simulating() -> bool:
    """Whether a simulation is running in the caller's OS thread (its virtual threads,
    or the scheduler between them)."""
    return _scheduler is not None and _os_thread == _get_ident()


def running(sched: Scheduler) -> bool:
    """Whether ``sched``'s run is the one going on and the caller is one of its
    threads: an object of a finished run (collected later, or by a later run's
    garbage collection) must not act on it."""
    return active() and _scheduler is sched and not sched.over


def scheduler() -> Scheduler:
    sched = _scheduler
    if sched is None:
        raise NotInSimulationError(
            "simulated concurrency objects only work inside a simulation: "
            "run the code with simfutures.sim.simulate(fn) or `simfutures run`")
    return sched


def current() -> VThread:
    vt = scheduler().current
    assert vt is not None
    return vt
