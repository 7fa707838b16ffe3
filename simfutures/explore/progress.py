"""Progress of a long exploration on stderr, and the time it took.

On a terminal: one line redrawn in place.  Anywhere else (CI logs, a pipe):
a plain line every few seconds, so a long search shows it is alive without
flooding the log.  Never stdout: ``--json`` output and the report stay clean
(and the same bytes in every process, which a wall time would spoil: that is
why the time goes here).
"""

from __future__ import annotations

import sys
from time import monotonic
from typing import TextIO

#: Terminal: redraw at most this often (seconds): drawing must not slow the search down.
_INTERVAL = 0.2
#: Not a terminal: one line this often (seconds).
_PLAIN_INTERVAL = 5.0


class Progress:
    def __init__(self, total: int | None, stream: TextIO | None = None,
                 terminal: bool | None = None) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.terminal = self.stream.isatty() if terminal is None else terminal
        self._started = monotonic()
        self._drawn_at = self._started
        self._width = 0

    def _line(self, runs: int, distinct: int, failures: int, now: float) -> str:
        elapsed = max(now - self._started, 1e-9)
        of = f"/{self.total}" if self.total else ""
        return (f"explore: {runs}{of} runs, {distinct} distinct outcomes, "
                f"{failures} failing, {runs / elapsed:,.0f} runs/s")

    def update(self, runs: int, distinct: int, failures: int, force: bool = False) -> None:
        now = monotonic()
        interval = _INTERVAL if self.terminal else _PLAIN_INTERVAL
        if not force and now - self._drawn_at < interval:
            return
        self._drawn_at = now
        line = self._line(runs, distinct, failures, now)
        if self.terminal:
            pad = max(self._width - len(line), 0)
            self._width = len(line)
            self.stream.write("\r" + line + " " * pad)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def finish(self, runs: int) -> None:
        """The last word: how many runs in how much time."""
        self.close()
        elapsed = monotonic() - self._started
        rate = f" ({runs / elapsed:,.0f} runs/s)" if elapsed > 0 else ""
        self.stream.write(f"explore: {runs} runs in {elapsed:.1f} s{rate}\n")
        self.stream.flush()


def progress_for(total: int | None, enabled: bool | None = None) -> Progress | None:
    """A Progress on stderr (a terminal line, or plain lines elsewhere); None if disabled."""
    if enabled is False:
        return None
    return Progress(total)
