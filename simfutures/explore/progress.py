"""A one-line progress display on a terminal's stderr.

Only for a person watching: it is drawn when stderr is a terminal and never
touches stdout, so ``--json`` output and redirected logs stay clean.
"""

from __future__ import annotations

import sys
from time import monotonic
from typing import TextIO

#: Redraw at most this often (seconds): drawing must not slow the search down.
_INTERVAL = 0.2


class Progress:
    def __init__(self, total: int | None, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self._started = monotonic()
        self._drawn_at = 0.0
        self._width = 0

    def update(self, runs: int, distinct: int, failures: int, force: bool = False) -> None:
        now = monotonic()
        if not force and now - self._drawn_at < _INTERVAL:
            return
        self._drawn_at = now
        elapsed = max(now - self._started, 1e-9)
        of = f"/{self.total}" if self.total else ""
        line = (f"explore: {runs}{of} runs, {distinct} distinct outcomes, "
                f"{failures} failing, {runs / elapsed:,.0f} runs/s")
        pad = max(self._width - len(line), 0)
        self._width = len(line)
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()

    def close(self) -> None:
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


def progress_for(total: int | None, enabled: bool | None = None) -> Progress | None:
    """A Progress if stderr is a terminal (or ``enabled`` says so), else None."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    return Progress(total) if enabled else None
