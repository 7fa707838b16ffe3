"""A compact per-thread timeline of a run, read off the event stream.

One line per event: virtual time (printed only when it moves on, so bursts
of activity at one instant read as a block), the thread, what it did.  Lines
the program printed appear in place, which is what makes a race readable::

    0.0000s  MainThread              submit #1 add_one
             ThreadPoolExecutor-0_0  start #1 add_one
             ThreadPoolExecutor-0_0  print: read 0
             ThreadPoolExecutor-0_1  start #2 add_one
             ThreadPoolExecutor-0_1  print: read 0
"""

from __future__ import annotations

from collections.abc import Sequence

from simfutures import events


def cancelled_starts(stream: Sequence[events.Event]) -> set[int]:
    """Indices of Start events for futures that were already cancelled.

    A thread-pool worker reports Start when it dequeues a work item, before
    the item finds out it was cancelled and does nothing; showing those as
    starts would be a lie.
    """
    cancelled: set[int] = set()
    skip: set[int] = set()
    for index, event in enumerate(stream):
        if isinstance(event, events.Cancel):
            cancelled.add(event.future)
        elif isinstance(event, events.Start) and event.future in cancelled:
            skip.add(index)
    return skip


def describe(event: events.Event, names: dict[int, str] | None = None) -> str | None:
    """One short phrase per event; None for events a timeline leaves out.

    ``names`` maps future numbers to the submitted function's name, so that a
    start or finish says which task it is.
    """
    def future(f: int) -> str:
        fn = (names or {}).get(f)
        return f"#{f} {fn}" if fn else f"#{f}"

    match event:
        case events.Submit(future=f, fn=fn):
            return f"submit #{f} {fn}"
        case events.Start(future=f, worker=w, thread=t):
            # A process pool's start is seen by its manager: name the pool.
            return f"start {future(f)}" + ("" if w == t else f" in {w}")
        case events.Finish(future=f, outcome="result", detail=d):
            return f"finish {future(f)} -> {d}"
        case events.Finish(future=f, detail=d):
            return f"finish {future(f)} raised {d}"
        case events.Cancel(future=f):
            return f"cancel {future(f)}"
        case events.Callback(future=f, fn=fn):
            return f"callback {fn}(#{f})"
        case events.WorkerStart(worker=w, kind="process", pid=p):
            return f"process worker {w} started (pid {p})"
        case events.WorkerStart(kind=k):
            return f"{k} worker started"
        case events.WorkerExit(worker=w, kind="process", exitcode=c):
            return f"process worker {w} exited" + (f" (exit code {c})" if c is not None else "")
        case events.WorkerExit(kind=k):
            return f"{k} worker exited"
        case events.PoolBroken(message=m):
            return f"pool broken: {m}"
        case events.Timeout(what=w, timeout=t):
            return f"timeout in {w}({t:g})"
        case events.Shutdown(wait=w, cancel_futures=c):
            return f"shutdown(wait={w}, cancel_futures={c})"
        case events.Output(text=t):
            return f"print: {t}"
        case events.Race(description=d):
            return f"!! {d}"
    return None


class TimelineRecorder:
    """An observer that keeps the events worth showing; ``render()`` lays them out."""

    def __init__(self) -> None:
        self.events: list[events.Event] = []

    def __call__(self, event: events.Event) -> None:
        if not isinstance(event, events.Decision):
            self.events.append(event)

    def rows(self) -> list[tuple[float, str, str]]:
        """(time, thread, phrase) for every event the timeline shows."""
        stream = list(self.events)
        skip = cancelled_starts(stream)
        names = {e.future: e.fn for e in stream if isinstance(e, events.Submit)}
        rows = []
        for index, event in enumerate(stream):
            if index in skip:
                continue
            text = self._describe(event, names)
            if text is not None:
                rows.append((event.time, event.thread, text))
        return rows

    def _describe(self, event: events.Event, labels: dict[int, str]) -> str | None:
        """The phrase for ``event`` (None: not shown); subclasses speak their own terms."""
        return describe(event, labels)

    def render(self, max_lines: int | None = None) -> str:
        """The timeline as text; with ``max_lines``, the start and the end of a
        long run (the end is where a failure shows) around an omission note."""
        rows = self.rows()
        if not rows:
            return "(no events)\n"
        width = max(len(thread) for _, thread, _ in rows)
        if max_lines is None or len(rows) <= max_lines:
            return _format(rows, width)
        head = max(1, max_lines // 4)
        tail = max(1, max_lines - head - 1)
        omitted = len(rows) - head - tail
        return (_format(rows[:head], width) + f"{'':10}  ... {omitted} lines omitted ...\n"
                + _format(rows[-tail:], width))


def _format(rows: list[tuple[float, str, str]], width: int) -> str:
    lines = []
    previous: float | None = None
    for time, thread, text in rows:
        stamp = f"{time:9.4f}s" if time != previous else " " * 10
        previous = time
        lines.append(f"{stamp}  {thread:<{width}}  {text}".rstrip() + "\n")
    return "".join(lines)
