"""Instruments: per-run observers that need the scheduler (race detection, say).

``simulate``'s ``run`` installs every instrument factory in effect for the
duration of one run.  A factory is set for a stretch of code with
``instrumented(factory)`` (an exploration sets its race policy once, and every
run it makes, through whichever program kind, gets it), so the simulator core
knows nothing of what is observed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from simfutures.sim.scheduler import Scheduler


class Instrument(Protocol):
    def install(self) -> None: ...

    def remove(self) -> None: ...


Factory = Callable[[Scheduler], Instrument]

_active: list[Factory] = []


def active() -> list[Factory]:
    return _active


@contextlib.contextmanager
def instrumented(factory: Factory | None) -> Iterator[None]:
    """Every simulated run inside the block gets ``factory(sched)`` installed."""
    if factory is None:
        yield
        return
    _active.append(factory)
    try:
        yield
    finally:
        _active.remove(factory)


def install_all(sched: Scheduler) -> list[Any]:
    installed = []
    for factory in _active:
        instrument = factory(sched)
        instrument.install()
        installed.append(instrument)
    return installed


def remove_all(installed: list[Any]) -> None:
    for instrument in reversed(installed):
        instrument.remove()
