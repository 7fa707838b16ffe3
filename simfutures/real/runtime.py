"""The OS runtime: real threads, locks, queues, clock and processes."""

from __future__ import annotations

import _thread
import multiprocessing
import multiprocessing.connection
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from simfutures.runtime import WorldState


class OSRuntime(WorldState):
    """Hands the executor code the primitives of the running interpreter."""

    name = "real"

    # The primitives are the C-level (or stdlib) constructors themselves, so
    # the real world pays no indirection for the seam.
    lock = staticmethod(_thread.allocate_lock)
    rlock = staticmethod(threading.RLock)
    condition = staticmethod(threading.Condition)
    semaphore = staticmethod(threading.Semaphore)
    event = staticmethod(threading.Event)
    simple_queue = staticmethod(queue.SimpleQueue)
    monotonic = staticmethod(time.monotonic)
    getpid = staticmethod(os.getpid)

    def fork_safe_lock(self) -> Any:
        lock = _thread.allocate_lock()
        os.register_at_fork(before=lock.acquire, after_in_child=lock._at_fork_reinit,
                            after_in_parent=lock.release)
        return lock

    def start_thread(self, target: Callable[[], None], name: str | None) -> threading.Thread:
        if name is None:  # "Thread-N" without the target's name, as a Thread subclass gets
            name = threading._newname("Thread-%d")  # type: ignore[attr-defined]
        thread = threading.Thread(name=name, target=target)
        thread.start()
        return thread

    def current_thread_name(self) -> str:
        return threading.current_thread().name

    @staticmethod
    def set_order(items: list[Any]) -> list[Any]:
        return items  # one order among those a set may give

    def at_exit(self, fn: Callable[[], None]) -> None:
        # Runs before threading joins non-daemon threads, like the stdlib pools.
        threading._register_atexit(fn)  # type: ignore[attr-defined]

    def process_context(self, mp_context: Any | None) -> Any:
        return mp_context if mp_context is not None else multiprocessing.get_context()

    def wait_objects(self, objects: Iterable[Any], timeout: float | None = None) -> list[Any]:
        return multiprocessing.connection.wait(list(objects), timeout)


OS_RUNTIME = OSRuntime()
