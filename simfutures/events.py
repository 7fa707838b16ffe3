"""The one event stream both worlds emit.

Executor code calls ``runtime.bus.emit(...)`` only after checking
``runtime.bus.active``, so a run with no observer pays one attribute read per
event site and never builds an event object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import attrs


@attrs.frozen
class Event:
    """Base of every event: when (runtime clock, seconds) and on which thread."""

    time: float
    thread: str


@attrs.frozen
class Submit(Event):
    future: int
    fn: str


@attrs.frozen
class Start(Event):
    future: int
    worker: str


@attrs.frozen
class Finish(Event):
    future: int
    outcome: str  # "result" | "exception"
    detail: str  # repr of the result type or the exception's one-line summary


@attrs.frozen
class Cancel(Event):
    future: int


@attrs.frozen
class Callback(Event):
    future: int
    fn: str


@attrs.frozen
class WorkerStart(Event):
    worker: str
    kind: str  # "thread" | "process"
    pid: int


@attrs.frozen
class WorkerExit(Event):
    worker: str
    kind: str
    pid: int
    exitcode: int | None = None


@attrs.frozen
class PoolBroken(Event):
    pool: str
    message: str


@attrs.frozen
class Timeout(Event):
    what: str  # "result", "exception", "wait", "as_completed", "map"
    timeout: float


@attrs.frozen
class Shutdown(Event):
    pool: str
    wait: bool
    cancel_futures: bool


@attrs.frozen
class Decision(Event):
    """A scheduler choice (sim only): ``chosen`` of ``options`` at ``kind``."""

    kind: str  # "thread" | "clock" | "elapse" | "order" | "random" (sim.scheduler, sim.runtime)
    chosen: int
    options: int


@attrs.frozen
class Output(Event):
    """Text written to stdout by the program under observation."""

    text: str


@attrs.frozen
class Race(Event):
    """A data race found at this access (sim only): ``description`` names both sides."""

    description: str


class Observer(Protocol):
    def __call__(self, event: Event) -> None: ...


class EventBus:
    """Fan-out of events to observers; ``active`` is the fast-path guard."""

    __slots__ = ("_observers", "active")

    def __init__(self) -> None:
        self._observers: list[Callable[[Event], None]] = []
        self.active = False

    def subscribe(self, observer: Callable[[Event], None]) -> Callable[[], None]:
        """Register ``observer``; returns a function that unregisters it."""
        self._observers.append(observer)
        self.active = True

        def unsubscribe() -> None:
            if observer in self._observers:
                self._observers.remove(observer)
            self.active = bool(self._observers)

        return unsubscribe

    def emit(self, event: Event) -> None:
        for observer in tuple(self._observers):
            observer(event)
