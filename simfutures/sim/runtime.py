"""The virtual runtime: the executor code's primitives, on the scheduler.

One ``VirtualRuntime`` object is bound to the simulated executor classes for
good; each run ``reset()``s it with a fresh scheduler and fresh world state,
so pool and thread counters restart with every run.
"""

from __future__ import annotations

import types
from _thread import get_ident as _get_ident
from collections.abc import Callable, Iterable
from typing import Any

from simfutures.runtime import WorldState
from simfutures.sim import context, primitives, recursion, threads
from simfutures.sim.scheduler import Scheduler

#: The pid the simulated program's own process reports.
MAIN_PID = 4000


class VirtualRuntime(WorldState):
    name = "sim"

    lock = staticmethod(primitives.InternalLock)
    rlock = staticmethod(primitives.RLock)
    condition = staticmethod(primitives.Condition)
    semaphore = staticmethod(primitives.Semaphore)
    event = staticmethod(primitives.Event)
    simple_queue = staticmethod(primitives.SimpleQueue)

    # Virtual processes never fork.
    fork_safe_lock = staticmethod(primitives.InternalLock)

    def __init__(self) -> None:
        super().__init__()
        self.sched: Scheduler | None = None

    def reset(self, sched: Scheduler) -> None:
        WorldState.__init__(self)
        self.bus = sched.bus
        self.sched = sched

    def monotonic(self) -> float:
        return context.scheduler().now

    def start_thread(self, target: Callable[[], None], name: str | None) -> Any:
        thread = threads.Thread(target=target, name=threads.new_name() if name is None else name)
        thread._recursion_entry = recursion.POOL_WORKER  # (a pool's, which runs tasks)
        thread.start()
        return thread

    def current_thread_name(self) -> str:
        return context.scheduler().current_name()

    def set_order(self, items: list[Any]) -> list[Any]:
        """A chosen permutation (decisions of kind "order", one per position but the
        last, each picking the next item among those left; all 0: ``items`` as given)."""
        if len(items) < 2:
            return items
        choose = context.scheduler().choose
        left = list(items)
        return [left.pop(choose(len(left), "order")) for _ in range(len(left) - 1)] + left

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


#: Where the reproducible "addresses" shown by simulated reprs start.
_ADDRESS_BASE = 0x7F5100000000


def virtual_address(serial: int) -> int:
    return _ADDRESS_BASE + serial * 0x60


class SimFuture:
    """Mixed into the simulated Future: hash and repr address by creation
    order, so sets of futures iterate, and reprs print, identically on every
    replay of a run."""

    def __init__(self) -> None:
        super().__init__()
        self._serial = context.scheduler().new_serial()

    def __hash__(self) -> int:
        return self._serial

    def _address(self) -> int:
        return virtual_address(self._serial)

    # CPython's Future takes its condition's lock to read its state: each of these
    # is a synchronising operation, so a switch may come before it (the executor
    # reads the state without its lock: the happens-before edge is recorded here).
    def _synchronised_read(self) -> None:
        sched = context._scheduler
        if sched is not None and not sched.over and _get_ident() == context._os_thread:
            sched.preempt()
            sched.observe(self._lock)

    def done(self) -> bool:
        self._synchronised_read()
        return super().done()

    def cancelled(self) -> bool:
        self._synchronised_read()
        return super().cancelled()

    def running(self) -> bool:
        self._synchronised_read()
        return super().running()

    def result(self, timeout: float | None = None) -> Any:
        self._synchronised_read()
        return super().result(timeout)

    def exception(self, timeout: float | None = None) -> Any:
        self._synchronised_read()
        return super().exception(timeout)


# Argument errors name a method by its qualified name: users call Future(),
# f.result(...), so they must read "Future.result() takes ...", as on CPython.
for _name, _method in vars(SimFuture).items():
    if isinstance(_method, types.FunctionType) and (_name == "__init__"
                                                     or not _name.startswith("_")):
        _method.__qualname__ = f"Future.{_name}"
del _name, _method


class _MapResults:
    """The generator ``Executor.map`` returns, with a reproducible repr.

    Named ``generator``, like the stdlib's, for code that prints its type.
    """

    __slots__ = ("_generator", "_serial")

    def __init__(self, generator: Any) -> None:
        self._generator = generator
        self._serial = context.scheduler().new_serial()

    def __iter__(self) -> _MapResults:
        return self

    def __next__(self) -> Any:
        return next(self._generator)

    def send(self, value: Any) -> Any:
        return self._generator.send(value)

    def throw(self, *args: Any) -> Any:
        return self._generator.throw(*args)

    def close(self) -> None:
        self._generator.close()

    def __repr__(self) -> str:
        return "<generator object %s at %#x>" % (self._generator.__qualname__,
                                                 virtual_address(self._serial))


_MapResults.__name__ = _MapResults.__qualname__ = "generator"


class SimExecutor:
    """Mixed into the simulated Executor: ``map()``'s generator has a reproducible repr."""

    def map(self, fn: Callable[..., Any], *iterables: Any, timeout: float | None = None,
            chunksize: int = 1) -> Any:
        return _MapResults(super().map(fn, *iterables, timeout=timeout, chunksize=chunksize))

    map.__qualname__ = "Executor.map"  # for argument errors, as Future.__init__
