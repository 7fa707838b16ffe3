"""Chrome trace-event JSON from the event stream (opens in ui.perfetto.dev and chrome://tracing).

Layout:

* process 1 is the program; one thread track per thread that did something;
* every worker process gets its own process with one track whose slice spans
  the worker's life (its pid and exit code in the args);
* a task is an ``X`` slice from Start to Finish on the worker thread that ran
  it.  A process pool's parent only sees a call leave for and come back from
  *some* worker, so those slices go on numbered "calls" tracks of the pool;
* submits and callbacks are short ``X`` slices, because flow arrows attach to
  the slice enclosing them: a flow (``s``/``t``/``f``, id = the future's number)
  runs from the submit to the start to the last callback;
* cancels, timeouts, shutdowns, a broken pool, printed lines and real
  scheduler choices are instants (``i``).

Timestamps are microseconds since the first event.  Events at one virtual
instant happen in an order but at the same time; they are spread ``STEP_US``
apart so that their order shows (the exact time is in each event's args).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from simfutures import events
from simfutures.errors import SimfuturesError
from simfutures.trace.timeline import cancelled_starts

#: Minimum distance between two consecutive events, in trace microseconds.
STEP_US = 10
#: Length of the short slices that anchor submits and callbacks.
MARK_US = 5
MAIN_PID = 1


class TraceWriteError(SimfuturesError, OSError):
    """The trace file cannot be written; the message names the path and why."""


def check_writable(path: str | os.PathLike) -> None:
    """Fail now, before a long run, if ``path`` cannot be written."""
    p = Path(path)
    if p.is_dir():
        raise TraceWriteError(f"cannot write trace to {p}: it is a directory")
    parent = p.parent
    if not parent.is_dir():
        raise TraceWriteError(f"cannot write trace to {p}: no such directory {parent}")
    existed = p.exists()
    try:
        with open(p, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise TraceWriteError(f"cannot write trace to {p}: {exc.strerror or exc}") from None
    if not existed:
        # Leave no empty file behind if the run itself fails.
        p.unlink(missing_ok=True)


class TraceRecorder:
    """An observer that keeps the event stream; ``write(path)`` saves the trace.

    Thread-safe enough for the real world: observers are called on the
    emitting thread, and ``list.append`` is atomic.
    """

    def __init__(self, process_name: str = "simfutures") -> None:
        self.process_name = process_name
        self.events: list[events.Event] = []

    def __call__(self, event: events.Event) -> None:
        self.events.append(event)

    def to_chrome(self) -> dict[str, Any]:
        return chrome_trace(list(self.events), process_name=self.process_name)

    def write(self, path: str | os.PathLike) -> None:
        data = self.to_chrome()
        try:
            with open(path, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=None, separators=(",", ":"))
                f.write("\n")
        except OSError as exc:
            raise TraceWriteError(
                f"cannot write trace to {path}: {exc.strerror or exc}") from None


def chrome_trace(stream: Iterable[events.Event], process_name: str = "simfutures"
                 ) -> dict[str, Any]:
    """The trace-event JSON object for ``stream`` (events in emission order)."""
    return _Builder(process_name).build(list(stream))


class _Builder:
    def __init__(self, process_name: str) -> None:
        self.out: list[dict[str, Any]] = []
        self.meta: list[dict[str, Any]] = []
        self.tids: dict[tuple[int, str], int] = {}
        self.next_pid = MAIN_PID + 1
        self.named_pids: dict[str, int] = {}
        self.worker_pids: dict[str, tuple[int, int, float, int]] = {}  # name -> pid, tid, ts, real
        self.open_tasks: dict[int, tuple[int, int, float, events.Start]] = {}
        self.lanes: dict[str, list[bool]] = {}  # pool -> lane busy flags
        self.task_lane: dict[int, tuple[str, int]] = {}
        self.submitted: dict[int, str] = {}  # future -> fn name
        self.flow_points: dict[int, list[tuple[int, int, float]]] = {}
        self._process(MAIN_PID, process_name)

    # -- tracks --

    def _process(self, pid: int, name: str) -> None:
        self.meta.append({"name": "process_name", "ph": "M", "pid": pid, "tid": 0,
                          "args": {"name": name}})

    def track(self, name: str, pid: int = MAIN_PID) -> tuple[int, int]:
        key = (pid, name)
        tid = self.tids.get(key)
        if tid is None:
            tid = self.tids[key] = len(self.tids) + 1
            self.meta.append({"name": "thread_name", "ph": "M", "pid": pid, "tid": tid,
                              "args": {"name": name}})
        return pid, tid

    def thread_track(self, thread: str) -> tuple[int, int]:
        """The track of ``thread``; the simulator names threads of a virtual
        process "Process/Thread", and those go under that process."""
        process, _, name = thread.rpartition("/")
        if not process:
            return self.track(thread)
        pid = self.named_pids.get(process)
        if pid is None:
            pid = self.named_pids[process] = self.next_pid
            self.next_pid += 1
            self._process(pid, process)
        return self.track(name, pid)

    # -- output helpers --

    def slice(self, where: tuple[int, int], name: str, cat: str, ts: float, dur: float,
              args: dict[str, Any]) -> None:
        pid, tid = where
        self.out.append({"name": name, "cat": cat, "ph": "X", "ts": ts, "dur": dur,
                         "pid": pid, "tid": tid, "args": args})

    def instant(self, where: tuple[int, int], name: str, cat: str, ts: float,
                args: dict[str, Any]) -> None:
        pid, tid = where
        self.out.append({"name": name, "cat": cat, "ph": "i", "s": "t", "ts": ts,
                         "pid": pid, "tid": tid, "args": args})

    def mark(self, where: tuple[int, int], name: str, cat: str, ts: float,
             args: dict[str, Any], future: int) -> None:
        """A short slice a flow step can attach to."""
        self.slice(where, name, cat, ts, MARK_US, args)
        self.flow_points.setdefault(future, []).append((*where, ts + 1))

    # -- the conversion --

    def build(self, stream: list[events.Event]) -> dict[str, Any]:
        stream = [e for e in stream if shown(e)]
        skip = cancelled_starts(stream)
        stamps = _timestamps(stream)
        end = (stamps[-1] if stamps else 0) + STEP_US
        for index, (event, ts) in enumerate(zip(stream, stamps)):
            if index not in skip:
                self.convert(event, ts)
        for future, (pid, tid, start_ts, start) in self.open_tasks.items():
            self.slice((pid, tid), self.task_name(future), "task", start_ts, end - start_ts,
                       {"future": future, "time": start.time, "outcome": "did not finish"})
        for name, (pid, tid, start_ts, real_pid) in self.worker_pids.items():
            self.slice((pid, tid), f"{name} alive", "worker", start_ts, end - start_ts,
                       {"pid": real_pid, "exitcode": None})
        self.flows()
        return {"traceEvents": self.meta + self.out, "displayTimeUnit": "ms",
                "otherData": {"generator": "simfutures"}}

    def task_name(self, future: int) -> str:
        return f"{self.submitted.get(future, 'task')} #{future}"

    def convert(self, event: events.Event, ts: float) -> None:
        here = (MAIN_PID, 0)
        if not isinstance(event, events.WorkerStart | events.WorkerExit):
            here = self.thread_track(event.thread)
        args: dict[str, Any] = {"time": event.time}
        match event:
            case events.Submit(future=f, fn=fn):
                self.submitted[f] = fn
                self.mark(here, f"submit {fn} #{f}", "submit", ts, {**args, "future": f}, f)
            case events.Start(future=f, worker=w):
                where = here if w == event.thread else self.lane(w, f)
                self.open_tasks[f] = (*where, ts, event)
                self.flow_points.setdefault(f, []).append((*where, ts + 1))
            case events.Finish(future=f, outcome=o, detail=d):
                self.finish(here, ts, f, o, d, args)
            case events.Callback(future=f, fn=fn):
                self.mark(here, f"callback {fn} #{f}", "callback", ts, {**args, "future": f}, f)
            case events.Cancel(future=f):
                self.instant(here, f"cancel #{f}", "cancel", ts, {**args, "future": f})
            case events.Timeout(what=w, timeout=t):
                self.instant(here, f"timeout in {w}", "timeout", ts, {**args, "timeout": t})
            case events.Shutdown(pool=p, wait=w, cancel_futures=c):
                self.instant(here, f"shutdown {p}", "shutdown", ts,
                             {**args, "wait": w, "cancel_futures": c})
            case events.PoolBroken(pool=p, message=m):
                self.instant(here, f"{p} broken", "broken", ts, {**args, "message": m})
            case events.Output(text=t):
                self.instant(here, f"print {t[:60]!r}", "output", ts, {**args, "text": t})
            case events.Race(description=d):
                self.instant(here, "data race", "race", ts, {**args, "race": d})
            case events.Decision(kind=k, chosen=c, options=n):
                self.instant(here, f"chose {c} of {n}", "decision", ts,
                             {**args, "kind": k, "chosen": c, "options": n})
            case events.WorkerStart() | events.WorkerExit():
                self.worker(event, ts, args)

    def lane(self, pool: str, future: int) -> tuple[int, int]:
        busy = self.lanes.setdefault(pool, [])
        index = next((i for i, b in enumerate(busy) if not b), len(busy))
        if index == len(busy):
            busy.append(True)
        busy[index] = True
        self.task_lane[future] = (pool, index)
        return self.track(f"{pool} calls {index + 1}")

    def finish(self, here: tuple[int, int], ts: float, future: int, outcome: str,
               detail: str, args: dict[str, Any]) -> None:
        opened = self.open_tasks.pop(future, None)
        info = {**args, "future": future, "outcome": outcome, "detail": detail}
        if opened is None:
            # Finished without running (a broken pool fails its pending calls).
            self.instant(here, f"finish #{future}: {outcome}", "finish", ts, info)
            return
        pid, tid, start_ts, start = opened
        info["start_time"] = start.time
        self.slice((pid, tid), self.task_name(future), "task", start_ts, ts - start_ts, info)
        lane = self.task_lane.pop(future, None)
        if lane is not None:
            self.lanes[lane[0]][lane[1]] = False

    def worker(self, event: events.WorkerStart | events.WorkerExit, ts: float,
               args: dict[str, Any]) -> None:
        if event.kind == "thread":
            here = self.thread_track(event.thread)
            verb = "started" if isinstance(event, events.WorkerStart) else "exited"
            self.instant(here, f"worker {verb}", "worker", ts, args)
            return
        if isinstance(event, events.WorkerStart):
            pid = self.next_pid
            self.next_pid += 1
            self._process(pid, f"{event.worker} (pid {event.pid})")
            _, tid = self.track(f"{event.worker} (pid {event.pid})", pid)
            self.worker_pids[event.worker] = (pid, tid, ts, event.pid)
            return
        started = self.worker_pids.pop(event.worker, None)
        if started is not None:
            pid, tid, start_ts, real_pid = started
            self.slice((pid, tid), f"{event.worker} alive", "worker", start_ts, ts - start_ts,
                       {**args, "pid": real_pid, "exitcode": event.exitcode})

    def flows(self) -> None:
        for future, points in self.flow_points.items():
            if len(points) < 2:
                continue
            last = len(points) - 1
            for i, (pid, tid, ts) in enumerate(points):
                phase = "s" if i == 0 else "f" if i == last else "t"
                flow: dict[str, Any] = {"name": f"future #{future}", "cat": "future",
                                        "ph": phase, "id": future, "ts": ts, "pid": pid,
                                        "tid": tid}
                if phase == "f":
                    flow["bp"] = "e"
                self.out.append(flow)


def shown(event: events.Event) -> bool:
    """Scheduler decisions are shown only where the schedule left the natural
    order (choice 0): those are the points that made this run this run."""
    if isinstance(event, events.Decision):
        return event.chosen != 0 and event.kind != "random"
    return True


def _timestamps(stream: list[events.Event]) -> list[float]:
    """Microseconds since the first event, at least ``STEP_US`` apart, in stream order."""
    stamps: list[float] = []
    if not stream:
        return stamps
    base = stream[0].time
    last = -float(STEP_US)
    for event in stream:
        raw = round((event.time - base) * 1e6, 3)
        last = max(raw, last + STEP_US)
        stamps.append(last)
    return stamps
