"""Which simulation is running, and in which OS thread.

Only one simulation runs at a time in a process (exploration runs them one
after another); the patched modules consult this to decide whether a call
comes from inside the simulation or from some other real thread.
"""

from __future__ import annotations

import _thread
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
    _os_thread = _thread.get_ident()


def leave() -> None:
    global _scheduler, _os_thread
    _scheduler = None
    _os_thread = None


def active() -> bool:
    return _scheduler is not None and _os_thread == _thread.get_ident()


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
