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

A blocking ``recv``/``accept`` on a socket waits the same way (a socketpair between
two threads, a tiny server tested in-process).  A descriptor only the outside world
writes to (a network socket) is never announced: a loop or a thread waiting for it
alone is reported as a deadlock, not left hanging.
"""

from __future__ import annotations

import select
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


def _wait_readable(sock: socket.socket) -> None:
    """Park the virtual thread until ``sock`` has something to read, on the virtual
    clock: a virtual thread's send announces it; the socket's timeout is virtual
    seconds (CPython's ``TimeoutError("timed out")`` when it passes).  A non-blocking
    or closed socket goes straight to the real call, which raises what it raises."""
    timeout = sock.gettimeout()
    if timeout == 0.0 or sock.fileno() < 0:
        return
    sched = context.scheduler()
    deadline = None if timeout is None else sched.now + timeout
    condition = _io_condition()
    with condition:  # held while polling: a send announced after the poll wakes us
        while not select.select([sock], [], [], 0)[0]:
            if deadline is not None and sched.now >= deadline:
                raise TimeoutError("timed out")
            condition.wait(None if deadline is None else deadline - sched.now)


def _receiving(real: Any) -> Any:
    """``socket.recv`` and the like: wait virtually for data, then read it for real (a
    blocking read would stop every virtual thread, the sender too)."""

    def call(self: socket.socket, *args: Any, **kwargs: Any) -> Any:
        if context.active():
            _wait_readable(self)
        return real(self, *args, **kwargs)

    call.__name__ = call.__qualname__ = real.__name__
    return call


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
    (socket.socket, {"send": _send, "sendall": _sendall,
                     **{name: _receiving(getattr(socket.socket, name)) for name in (
                         "recv", "recv_into", "recvfrom", "recvfrom_into", "accept")}}),
]
