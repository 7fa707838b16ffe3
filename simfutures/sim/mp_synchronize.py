"""``multiprocessing``'s locks and semaphores on virtual threads.

The simulator's ``threading`` primitives with what ``multiprocessing.synchronize``
does differently (Modules/_multiprocessing/semaphore.c): ``acquire(block=True,
timeout=None)``, where None waits for ever and a non-blocking call ignores the
timeout (``Queue.get_nowait()`` passes both); the errors of a release too many
(``ValueError``) or of a recursive lock by a thread that does not own it
(``AssertionError``); ``Semaphore.get_value()``; and the stdlib's own reprs and
queues, which read the semaphore through ``_semlock``.  The classes bear the
stdlib's names, which the reprs print.  A lock is one object every virtual
process shares, as a real one lives in shared memory.
"""

from __future__ import annotations

import multiprocessing.synchronize as _stdlib
from typing import Any

from simfutures.sim import context, primitives

_RELEASED_TOO_MANY_TIMES = "semaphore or lock released too many times"


class _SemLockState:
    """What the stdlib reads of a primitive through ``_semlock``: its value, whether
    the calling thread holds it and how many times, a bounded semaphore's maximum."""

    def __init__(self, primitive: Any) -> None:
        self._primitive = primitive

    def _get_value(self) -> int:
        primitive = self._primitive
        if isinstance(primitive, primitives.Semaphore):
            return primitive._value
        return int(primitive._owner is None)

    def _is_zero(self) -> bool:
        return self._get_value() == 0

    def _is_mine(self) -> bool:
        owner = getattr(self._primitive, "_owner", None)
        return owner is not None and owner is context.current()

    def _count(self) -> int:
        # Acquisitions by this process's threads (another process's are not counted).
        primitive = self._primitive
        owner = getattr(primitive, "_owner", None)
        if owner is None or owner.process is not context.current().process:
            return 0
        return primitive._count if isinstance(primitive, primitives.RLock) else 1

    @property
    def maxvalue(self) -> int:
        return self._primitive._initial_value


class _SemLock:
    """``acquire(block, timeout)`` and ``_semlock``, as ``SemLock`` has them."""

    @property
    def _semlock(self) -> _SemLockState:
        return _SemLockState(self)

    def acquire(self, block: bool = True, timeout: float | None = None) -> bool:
        if not block:
            return super().acquire(False)  # type: ignore[misc]
        if timeout is None:
            return super().acquire(True)  # type: ignore[misc]
        return super().acquire(True, max(timeout, 0.0))  # type: ignore[misc]


class Lock(_SemLock, primitives.Lock):
    __repr__ = _stdlib.Lock.__repr__

    def release(self, *_exc_info: object) -> None:
        if self._owner is None:
            raise ValueError(_RELEASED_TOO_MANY_TIMES)
        super().release()


class RLock(_SemLock, primitives.RLock):
    __repr__ = _stdlib.RLock.__repr__

    def release(self) -> None:
        if self._owner is None or self._owner is not context.current():
            raise AssertionError("attempt to release recursive lock not owned by thread")
        super().release()


class Semaphore(_SemLock, primitives.Semaphore):
    __repr__ = _stdlib.Semaphore.__repr__
    get_value = _stdlib.Semaphore.get_value

    def release(self) -> None:  # (no ``n``: SemLock releases one)
        super().release()


class BoundedSemaphore(_SemLock, primitives.BoundedSemaphore):
    __repr__ = _stdlib.BoundedSemaphore.__repr__
    get_value = _stdlib.Semaphore.get_value

    def release(self) -> None:
        if self._value >= self._initial_value:
            raise ValueError(_RELEASED_TOO_MANY_TIMES)
        super().release()


#: ``multiprocessing``'s factories of these, by name (Event, Condition and Barrier are
#: the ``threading`` ones on top of them in CPython too).
PRIMITIVES = {"Lock": Lock, "RLock": RLock, "Semaphore": Semaphore,
              "BoundedSemaphore": BoundedSemaphore, "Event": primitives.Event,
              "Condition": primitives.Condition, "Barrier": primitives.Barrier}
