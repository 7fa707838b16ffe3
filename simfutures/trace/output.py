"""Turn what a program prints into ``Output`` events on its world's bus.

A timeline that shows prints next to submits and starts is what makes a
race readable ("read 0", "read 0", "wrote 1", "wrote 1").  The tap wraps
``sys.stdout``: every write goes through unchanged, and while someone observes
the bus each completed line becomes one ``Output`` event stamped with the
world's clock and the writing thread.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from simfutures import events


class StdoutTap:
    """A write-through stand-in for ``sys.stdout`` that also emits ``Output`` events."""

    def __init__(self, target: TextIO, runtime: Any) -> None:
        self._target = target
        self._runtime = runtime
        # Partial lines per thread: print() writes the text and the newline separately.
        self._pending: dict[str, str] = {}

    def write(self, text: str) -> int:
        written = self._target.write(text)
        rt = self._runtime
        if rt.bus.active and text:
            thread = rt.current_thread_name()
            buffered = self._pending.pop(thread, "") + text
            *lines, rest = buffered.split("\n")
            if rest:
                self._pending[thread] = rest
            for line in lines:
                rt.bus.emit(events.Output(rt.monotonic(), thread, line))
        return written

    def flush(self) -> None:
        self._target.flush()

    def __getattr__(self, name: str) -> Any:
        # encoding, isatty, fileno, buffer...: whatever the real stream has.
        return getattr(self._target, name)


@contextmanager
def tap_stdout(runtime: Any) -> Iterator[StdoutTap]:
    """Inside the block ``sys.stdout`` is a ``StdoutTap`` for ``runtime``."""
    saved = sys.stdout
    tap = StdoutTap(saved, runtime)
    sys.stdout = tap  # type: ignore[assignment]
    try:
        yield tap
    finally:
        sys.stdout = saved
