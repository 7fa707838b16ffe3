"""Turn what a program prints into ``Output`` events on its world's bus.

A timeline that shows prints next to submits and starts is what makes a
race readable ("read 0", "read 0", "wrote 1", "wrote 1").  The tap wraps
``sys.stdout``: every write goes through unchanged, and while someone observes
the bus each written piece of text becomes an ``Output`` event stamped with
the world's clock and the writing thread.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from simfutures import events


class StdoutTap:
    """A write-through stand-in for ``sys.stdout`` that also emits ``Output`` events.

    Each piece of text is reported when it is written, not when its line
    ends: ``print()`` writes its text and then its newline separately, and
    the moment that matters (right after the program read the value it
    prints) is the first write.  Bare newlines are not reported.
    """

    def __init__(self, target: TextIO, runtime: Any) -> None:
        self._target = target
        self._runtime = runtime

    def write(self, text: str) -> int:
        written = self._target.write(text)
        rt = self._runtime
        if rt.bus.active:
            pieces = [piece for piece in text.split("\n") if piece]
            if pieces:
                thread, now = rt.current_thread_name(), rt.monotonic()
                for piece in pieces:
                    rt.bus.emit(events.Output(now, thread, piece))
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
