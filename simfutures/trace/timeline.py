"""A compact per-thread timeline of a run, read off the event stream."""

from __future__ import annotations

from simfutures import events


def describe(event: events.Event) -> str | None:
    """One short phrase per event; None for events a timeline leaves out."""
    match event:
        case events.Submit(future=f, fn=fn):
            return f"submit #{f} {fn}"
        case events.Start(future=f):
            return f"start #{f}"
        case events.Finish(future=f, outcome="result", detail=d):
            return f"finish #{f} -> {d}"
        case events.Finish(future=f, detail=d):
            return f"finish #{f} raised {d}"
        case events.Cancel(future=f):
            return f"cancel #{f}"
        case events.Callback(future=f, fn=fn):
            return f"callback {fn}(#{f})"
        case events.WorkerStart(worker=w, kind=k, pid=p):
            return f"{k} worker {w} started (pid {p})"
        case events.WorkerExit(worker=w, kind=k, exitcode=c):
            return f"{k} worker {w} exited" + (f" (exit code {c})" if c is not None else "")
        case events.PoolBroken(message=m):
            return f"pool broken: {m}"
        case events.Timeout(what=w, timeout=t):
            return f"timeout in {w}({t:g})"
        case events.Shutdown(wait=w, cancel_futures=c):
            return f"shutdown(wait={w}, cancel_futures={c})"
        case events.Output(text=t):
            return f"print {t!r}"
    return None


class TimelineRecorder:
    """An observer that keeps the events worth showing; ``render()`` lays them out."""

    def __init__(self) -> None:
        self.events: list[events.Event] = []

    def __call__(self, event: events.Event) -> None:
        if not isinstance(event, events.Decision):
            self.events.append(event)

    def render(self) -> str:
        rows = [(e.time, e.thread, text) for e in self.events
                if (text := describe(e)) is not None]
        if not rows:
            return "(no events)\n"
        width = max(len(thread) for _, thread, _ in rows)
        return "".join(f"{time:9.4f}s  {thread:<{width}}  {text}\n" for time, thread, text in rows)
