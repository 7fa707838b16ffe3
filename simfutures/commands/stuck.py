"""The commands' last words when a run is stuck where the watchdog cannot interrupt it.

A virtual thread blocked in a real system call (an asyncio event loop's ``select``,
a socket read) never returns to the scheduler, and the watchdog's interrupt cannot
land inside the call: the watchdog then calls ``WATCHDOG.on_stuck`` from its own
thread, and the command reports and leaves the process with ``EXIT_STOPPED``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from simfutures.program import EXIT_STOPPED


def exit_when_stuck(what: Callable[[], str] = lambda: "") -> Callable[[BaseException | None], None]:
    """An ``on_stuck`` hook: prints the stop report, after ``what()`` (the file being
    checked, say) when it says something, on the process's own stderr (the stuck run
    may have swapped ``sys.stderr`` for its capture buffer), then ``os._exit``s."""

    def stuck(error: BaseException | None) -> None:
        report = getattr(error, "report", lambda: "watchdog: the program is stuck")()
        context = what()
        text = f"{context}: the run is stuck\n{report}" if context else report
        print(text, file=sys.__stderr__, flush=True)
        os._exit(EXIT_STOPPED)

    return stuck
