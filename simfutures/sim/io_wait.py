"""Waiting for file descriptors inside a simulation: ``selectors`` on the virtual clock.

An asyncio event loop waits in ``selector.select(timeout)``, a real system call: in the
simulation it would block the one OS thread every virtual thread runs on, and the
executor threads that are to wake it (``call_soon_threadsafe`` writes a byte to the
loop's self-pipe) could never run.  Inside a simulation the selector polls the real
descriptors without blocking; when none is ready it waits on the virtual clock (the
timeout is virtual seconds) until a virtual thread sends on a socket, which every
``socket.send``/``sendall`` of the simulation announces.  So ``loop.run_in_executor``,
``asyncio.wrap_future``, ``asyncio.to_thread`` and ``asyncio.sleep`` run on the
virtual clock, one virtual thread at a time, like the rest of the program.

A descriptor only the outside world writes to (a network socket) is never announced:
a loop waiting for it alone is reported as a deadlock, not left hanging.
"""

from __future__ import annotations

import selectors
import socket
from typing import Any

from simfutures.sim import context

_RealSelector = selectors.DefaultSelector
_real_send = socket.socket.send
_real_sendall = socket.socket.sendall


def _io_condition() -> Any:
    """The run's "some socket was written" condition (one per scheduler)."""
    from simfutures.sim.primitives import Condition

    sched = context.scheduler()
    condition = getattr(sched, "io_written", None)
    if condition is None:
        condition = sched.io_written = Condition()  # type: ignore[attr-defined]
    return condition


def _announce_write() -> None:
    condition = _io_condition()
    with condition:
        condition.notify_all()


class VirtualSelector(_RealSelector):  # type: ignore[misc,valid-type]
    """``selectors.DefaultSelector`` for the simulation: ``select(timeout)`` waits
    ``timeout`` virtual seconds at most (None: until a descriptor is ready); outside
    the simulation's thread it is the real selector."""

    def select(self, timeout: float | None = None) -> list[tuple[Any, int]]:
        if not context.active():
            return super().select(timeout)
        sched = context.scheduler()
        deadline = None if timeout is None else sched.now + max(0.0, timeout)
        condition = _io_condition()
        # Held while polling: a write announced after the poll wakes the wait below.
        with condition:
            while True:
                ready = super().select(0)
                if ready:
                    return ready
                if deadline is not None and sched.now >= deadline:
                    return []
                condition.wait(None if deadline is None else deadline - sched.now)


def _send(self: socket.socket, *args: Any) -> int:
    sent = _real_send(self, *args)
    if context.active():
        _announce_write()
    return sent


def _sendall(self: socket.socket, *args: Any) -> None:
    _real_sendall(self, *args)
    if context.active():
        _announce_write()


#: What ``patch.patched`` swaps in for a run.
PATCHES: list[tuple[Any, dict[str, Any]]] = [
    (selectors, {"DefaultSelector": VirtualSelector}),
    (socket.socket, {"send": _send, "sendall": _sendall}),
]
