"""A human timeline of one run: who ran, what they did, where the context switches were.

Read off the event stream: executor events and printed lines (as the trace
timeline shows them) plus the scheduler's ``Decision`` events, of which the
ones the schedule forced (any choice but the natural one) are marked ``>>``.
After shrinking, those are the decisive moments of a failure.
"""

from __future__ import annotations

import linecache
import os
import re
import sys
from types import FrameType

import attrs

from simfutures import events
from simfutures.explore.replay import replay_checked
from simfutures.program import Outcome, Program
from simfutures.sim import context
from simfutures.sim.chooser import Schedule
from simfutures.sim.scheduler import CLOCK_OPTION, Limits, VThread, user_stack
from simfutures.trace.timeline import describe

# The observer's own frames and the event bus's sit above the scheduling point.
_OWN_FILES = {__file__, events.__file__}
_ENTRY = re.compile(r"^(?P<file>.*):(?P<line>\d+) in (?P<func>.*)$")


@attrs.frozen
class Row:
    time: float
    thread: str
    text: str
    forced: bool = False  # a decision the schedule made against the natural order


@attrs.frozen
class Interleaving:
    """One replayed run and its timeline."""

    outcome: Outcome
    rows: tuple[Row, ...]
    preemptions: int  # switches away from a thread that could have gone on
    forced: int  # decisions other than the natural one

    def render(self, max_lines: int = 40) -> str:
        return render_rows(self.rows, max_lines)


def where(entry: str | None) -> str:
    """``file:line in func: source`` for a ``user_stack`` entry, paths kept short."""
    if not entry:
        return "(not started)"
    match = _ENTRY.match(entry)
    if match is None:
        return entry
    filename, line = match["file"], int(match["line"])
    source = linecache.getline(filename, line).strip()
    relative = os.path.relpath(filename)
    shown = filename if relative.startswith("..") else relative
    text = f"{shown}:{line} in {match['func']}"
    return f"{text}: {source}" if source else text


def _innermost(frame: FrameType | None) -> str | None:
    stack = user_stack(frame)
    return stack[-1] if stack else None


def _location_of(vt: VThread) -> str:
    return where(_innermost(vt.glet.gr_frame if vt.glet is not None else None))


def _calling_frame() -> FrameType | None:
    """The frame of the code that reached the scheduling point (not this observer's)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename in _OWN_FILES:
        frame = frame.f_back
    return frame


class InterleavingRecorder:
    """Observer: keeps describable events and turns decisions into switch rows."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.preemptions = 0
        self.forced = 0
        self._names: dict[int, str] = {}

    def __call__(self, event: events.Event) -> None:
        if isinstance(event, events.Decision):
            self._decision(event)
            return
        if isinstance(event, events.Submit):
            self._names[event.future] = event.fn
        text = describe(event, self._names)
        if text is not None:
            self.rows.append(Row(event.time, event.thread, text))

    def _decision(self, event: events.Decision) -> None:
        if event.kind != "thread":
            if event.chosen:
                self.forced += 1
                if event.kind == "random":
                    text = f"the program's random seed is {event.chosen}"
                elif event.kind == "order":  # Runtime.set_order
                    text = (f"a set of futures iterates out of the given order: item "
                            f"{event.chosen} of the {event.options} left comes next")
                else:
                    text = f"{event.kind} choice: {event.chosen}"
                self.rows.append(Row(event.time, "(simulator)", text, forced=True))
            return
        sched = context.scheduler()
        options, preemptive = sched.thread_options(event.options)
        chosen = options[event.chosen]
        if chosen is CLOCK_OPTION:  # a thread decision's last option: the clock moves on
            self.forced += 1
            self.rows.append(Row(event.time, "(simulator)", "clock choice: 1", forced=True))
            return
        forced = event.chosen != 0
        self.forced += forced
        if preemptive:
            if not forced:
                return  # the running thread simply goes on: nothing to show
            self.preemptions += 1
            here = where(_innermost(_calling_frame()))
            text = (f"preempted at {here}\n"
                    f"-> {chosen.display_name} runs, from {_location_of(chosen)}")
        else:
            current = sched.current
            waiting = current.waiting_on if current is not None else "ready"
            # "ready": the clock just moved on and timers woke several threads at once.
            why = "timers fire" if waiting == "ready" else f"waits: {waiting}"
            others = ", ".join(vt.display_name for vt in options if vt is not chosen)
            text = (f"{why}; {chosen.display_name} runs"
                    + (" (not first in line)" if forced else "") + f" (also ready: {others})")
        self.rows.append(Row(event.time, event.thread, text, forced))


def replay(program: Program, schedule: Schedule, limits: Limits | None = None) -> Interleaving:
    """Replay ``schedule`` (it must fit the program) and record its timeline."""
    recorder = InterleavingRecorder()
    outcome = replay_checked(program, schedule, limits=limits, observers=(recorder,))
    return Interleaving(outcome, tuple(recorder.rows), recorder.preemptions, recorder.forced)


def render_rows(rows: tuple[Row, ...], max_lines: int = 40) -> str:
    """Rows as text; a long run keeps the lines around forced decisions and its end."""
    if not rows:
        return "  (no events)\n"
    keep = set(range(len(rows)))
    if len(rows) > max_lines:
        keep = set(range(max(0, len(rows) - 8), len(rows)))
        for index, row in enumerate(rows):
            if row.forced:
                keep.update(range(max(0, index - 4), min(len(rows), index + 3)))
    width = max(len(row.thread) for row in rows)
    lines: list[str] = []
    previous: float | None = None
    skipped = 0
    for index, row in enumerate(rows):
        if index not in keep:
            skipped += 1
            continue
        if skipped:
            lines.append(f"{'':14}... {skipped} more lines ...")
            skipped = 0
            previous = None
        mark = ">>" if row.forced else "  "
        stamp = f"{row.time:9.4f}s" if row.time != previous else " " * 10
        previous = row.time
        first, *rest = row.text.split("\n")
        lines.append(f"{mark}  {stamp}  {row.thread:<{width}}  {first}")
        lines += [f"{'':16}{'':<{width}}  {more}" for more in rest]
    return "\n".join(lines) + "\n"
