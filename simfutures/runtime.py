"""The seam: every primitive the executor code in ``simfutures.executor`` may use.

``simfutures.executor`` never touches ``threading``, ``queue``, ``time`` or
``multiprocessing`` directly; it asks its runtime.  The OS runtime
(``simfutures.real.runtime``) hands out the real primitives, the virtual runtime
(``simfutures.sim.runtime``) hands out primitives that yield to the scheduler.
So the simulated thread pool *is* the real one, run on virtual threads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from simfutures.events import EventBus


class Lock(Protocol):
    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool: ...
    def release(self) -> None: ...
    def locked(self) -> bool: ...
    def __enter__(self) -> bool: ...
    def __exit__(self, *exc: object) -> None: ...


class Condition(Protocol):
    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool: ...
    def release(self) -> None: ...
    def wait(self, timeout: float | None = None) -> bool: ...
    def notify(self, n: int = 1) -> None: ...
    def notify_all(self) -> None: ...
    def __enter__(self) -> bool: ...
    def __exit__(self, *exc: object) -> None: ...


class Semaphore(Protocol):
    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool: ...
    def release(self, n: int = 1) -> None: ...


class Event(Protocol):
    def set(self) -> None: ...
    def clear(self) -> None: ...
    def is_set(self) -> bool: ...
    def wait(self, timeout: float | None = None) -> bool: ...


class SimpleQueue(Protocol):
    def put(self, item: Any) -> None: ...
    def get(self, block: bool = True, timeout: float | None = None) -> Any: ...
    def get_nowait(self) -> Any: ...
    def empty(self) -> bool: ...


class Thread(Protocol):
    name: str

    def join(self, timeout: float | None = None) -> None: ...
    def is_alive(self) -> bool: ...


class Process(Protocol):
    """A started worker process (real or virtual); mirrors ``multiprocessing.Process``."""

    pid: int | None
    exitcode: int | None
    sentinel: Any

    def start(self) -> None: ...
    def join(self, timeout: float | None = None) -> None: ...
    def is_alive(self) -> bool: ...
    def terminate(self) -> None: ...
    def kill(self) -> None: ...


class ProcessContext(Protocol):
    """The subset of a ``multiprocessing`` context the process pool uses.

    Objects crossing a ``Queue``/``SimpleQueue``/``Pipe`` are pickled, in both
    worlds, so the pickling boundary is the same one.
    """

    def get_start_method(self, allow_none: bool = False) -> str: ...
    def Process(self, target: Callable[..., Any], args: tuple = ()) -> Process: ...
    def Queue(self, maxsize: int = 0) -> Any: ...
    def SimpleQueue(self) -> Any: ...
    def Pipe(self, duplex: bool = True) -> tuple[Any, Any]: ...


class Runtime(Protocol):
    """Hands out the primitives; one instance per world (per run, in the sim)."""

    bus: EventBus

    def lock(self) -> Lock: ...
    def fork_safe_lock(self) -> Lock:
        """A lock held across ``os.fork()`` by the forking thread, so a child
        never inherits it locked by a thread that does not exist there."""
    def rlock(self) -> Lock: ...
    def condition(self, lock: Lock | None = None) -> Condition: ...
    def semaphore(self, value: int = 1) -> Semaphore: ...
    def event(self) -> Event: ...
    def simple_queue(self) -> SimpleQueue: ...
    def start_thread(self, target: Callable[[], None], name: str | None) -> Thread:
        """Start a non-daemon thread running ``target``; returns once it runs.
        ``name`` None: the next ``Thread-N``, as ``threading.Thread`` names it."""
    def current_thread_name(self) -> str: ...
    def monotonic(self) -> float: ...
    def at_exit(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` when the world ends (interpreter exit / end of a simulation),
        before non-daemon threads are joined, like ``threading._register_atexit``."""
    def state(self, key: str, factory: Callable[[], Any]) -> Any:
        """Per-world singleton state (counters, registries), made on first use.
        The sim makes a new world per run, so counters restart with every run."""
    def process_context(self, mp_context: Any | None) -> ProcessContext: ...
    def wait_objects(self, objects: Iterable[Any], timeout: float | None = None) -> list[Any]:
        """``multiprocessing.connection.wait`` over sentinels and connections."""
    def getpid(self) -> int: ...
    def set_order(self, items: list[Any]) -> list[Any]:
        """``items`` in the order iterating a ``set`` of them may give: on CPython
        that follows their hashes (``id()``-based for futures), so any order."""


class WorldState:
    """Per-world bookkeeping shared by both runtimes: event bus, singletons,
    exit hooks and the stable small numbers that name futures in events."""

    def __init__(self) -> None:
        self.bus = EventBus()
        self._singletons: dict[str, Any] = {}
        self._exit_hooks: list[Callable[[], None]] = []
        self._labels: Any = None
        self._next_label = 0

    def state(self, key: str, factory: Callable[[], Any]) -> Any:
        try:
            return self._singletons[key]
        except KeyError:
            value = self._singletons[key] = factory()
            return value

    def at_exit(self, fn: Callable[[], None]) -> None:
        self._exit_hooks.append(fn)

    def run_exit_hooks(self) -> None:
        hooks, self._exit_hooks = self._exit_hooks, []
        for hook in reversed(hooks):
            hook()

    def label(self, obj: Any) -> int:
        """A small number for ``obj``, stable for its lifetime (only used when
        someone observes events, so futures pay nothing for it otherwise)."""
        import weakref

        if self._labels is None:
            self._labels = weakref.WeakKeyDictionary()
        try:
            return self._labels[obj]
        except KeyError:
            self._next_label += 1
            self._labels[obj] = self._next_label
            return self._next_label
