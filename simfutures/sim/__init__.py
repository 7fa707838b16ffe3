"""``concurrent.futures`` on a virtual clock, deterministic by construction.

Inside ``simulate(fn, seed=...)`` the program's ``concurrent.futures``,
``threading``, ``queue``, ``time``, ``os.getpid/kill`` and ``random`` are the
simulation's; the classes below are those, for code that wants them directly.
"""

from concurrent.futures import (
    ALL_COMPLETED,
    FIRST_COMPLETED,
    FIRST_EXCEPTION,
    BrokenExecutor,
    CancelledError,
    InvalidStateError,
    TimeoutError,
)
from concurrent.futures.process import BrokenProcessPool
from concurrent.futures.thread import BrokenThreadPool

from simfutures.sim.chooser import Schedule, ScheduleError
from simfutures.sim.scheduler import (
    DeadlockError,
    LimitError,
    Limits,
    SimulationStopped,
    WatchdogError,
)
from simfutures.sim.simulate import RunResult, run, simulate
from simfutures.sim.world import WORLD

Future = WORLD.Future
Executor = WORLD.Executor
ThreadPoolExecutor = WORLD.ThreadPoolExecutor
ProcessPoolExecutor = WORLD.ProcessPoolExecutor
wait = WORLD.wait
as_completed = WORLD.as_completed

__all__ = (
    "simulate", "run", "RunResult", "Limits", "Schedule", "ScheduleError",
    "SimulationStopped", "DeadlockError", "WatchdogError", "LimitError",
    "FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED", "CancelledError", "TimeoutError",
    "InvalidStateError", "BrokenExecutor", "BrokenThreadPool", "BrokenProcessPool", "Future",
    "Executor", "wait", "as_completed", "ProcessPoolExecutor", "ThreadPoolExecutor",
)
