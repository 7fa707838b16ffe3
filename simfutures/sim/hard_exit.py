"""``os._exit`` inside a simulation: it ends the simulated process, never the real one.

In the program's own process it ends the run at once with that exit status:
no ``finally`` block, exit hook or thread join afterwards, as in CPython
(the run is marked over, so anything that still unwinds stops at its first
scheduling point).  In a virtual worker process it kills that worker, which
breaks its pool exactly as a worker that dies by signal does.

The exit status is kept on the run's scheduler; ``simulate.run`` reports it
as a ``ProgramExit`` (a ``SystemExit``), so a script's outcome carries it as
its exit code.
"""

from __future__ import annotations

import operator

from simfutures.sim import context
from simfutures.sim.scheduler import Scheduler, SimulationAborted


class ProgramExit(SystemExit):
    """The simulated program called ``os._exit(status)``."""


class _ExitUnwind(SimulationAborted):
    """Unwinds the thread that called ``os._exit`` (the run is over)."""


def virtual_exit(status: int) -> None:
    status = operator.index(status)  # os._exit("x") is a TypeError too
    sched = context.scheduler()
    vt = sched.current
    if vt is not None and vt.process is not None:
        vt.process.exit_now(status)  # raises: this thread dies with its process
    if not sched.over and sched.stop_error is None:
        sched.exit_status = status  # type: ignore[attr-defined]
        sched.over = True
    raise _ExitUnwind()


def exit_status(sched: Scheduler) -> int | None:
    """The status the program's own process passed to ``os._exit``, if it did."""
    return getattr(sched, "exit_status", None)
