"""The virtual runtime: the executor code's primitives, on the scheduler.

One ``VirtualRuntime`` object is bound to the simulated executor classes for
good; each run ``reset()``s it with a fresh scheduler and fresh world state,
so pool and thread counters restart with every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from simfutures.runtime import WorldState
from simfutures.sim import context, primitives, threads
from simfutures.sim.scheduler import Scheduler

#: The pid the simulated program's own process reports.
MAIN_PID = 4000


class VirtualRuntime(WorldState):
    name = "sim"

    lock = staticmethod(primitives.Lock)
    rlock = staticmethod(primitives.RLock)
    condition = staticmethod(primitives.Condition)
    semaphore = staticmethod(primitives.Semaphore)
    event = staticmethod(primitives.Event)
    simple_queue = staticmethod(primitives.SimpleQueue)

    def __init__(self) -> None:
        super().__init__()
        self.sched: Scheduler | None = None

    def reset(self, sched: Scheduler) -> None:
        WorldState.__init__(self)
        self.bus = sched.bus
        self.sched = sched

    def monotonic(self) -> float:
        return context.scheduler().now

    def start_thread(self, target: Callable[[], None], name: str) -> Any:
        thread = threads.Thread(target=target, name=name)
        thread.start()
        return thread

    def current_thread_name(self) -> str:
        return context.scheduler().current_name()

    def getpid(self) -> int:
        process = context.current().process
        return MAIN_PID if process is None else process.pid

    def process_context(self, mp_context: Any | None) -> Any:
        from simfutures.sim.processes import VirtualProcessContext

        return VirtualProcessContext.for_mp_context(mp_context)

    def wait_objects(self, objects: Iterable[Any], timeout: float | None = None) -> list[Any]:
        from simfutures.sim.processes import wait_objects

        return wait_objects(list(objects), timeout)


SIM_RUNTIME = VirtualRuntime()


class SimFutureHash:
    """Mixed into the simulated Future: hash by creation order, not address,
    so user code's sets of futures iterate identically on every replay."""

    def __init__(self) -> None:
        super().__init__()
        self._serial = context.scheduler().new_serial()

    def __hash__(self) -> int:
        return self._serial
