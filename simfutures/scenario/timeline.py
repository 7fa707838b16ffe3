"""A scenario run told in the scenario's words.

The generic timeline (simfutures.trace.timeline) numbers futures (``#1``),
names the callables it sees (``partial(#2)``, the runner's own done-callbacks)
and the types of results (``TaskReport``, the runner's envelope). A scenario
author wrote handles, tasks and steps: this module shows those: ``submit a
(task work)``, ``finish a: returned 'done'``, and after the events, each step
by its YAML line with what it gave (``cancelled = true``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from simfutures import events
from simfutures.scenario.model import Scenario, SubmitStep
from simfutures.scenario.observation import Observation, Outcome
from simfutures.scenario.source import source_line
from simfutures.scenario.values import show
from simfutures.trace.timeline import TimelineRecorder, describe


class ScenarioTimeline(TimelineRecorder):
    """An observer like TimelineRecorder; set ``observation`` (when the run
    finished) to show each handle's value where its future finishes."""

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario
        self.observation: Observation | None = None
        self._task_of = {s.handle: s.task for s in scenario.steps
                         if isinstance(s, SubmitStep)}

    def _describe(self, event: events.Event, labels: dict[int, str]) -> str | None:
        def name(future: int) -> str:
            return labels.get(future, f"#{future}")

        match event:
            case events.Submit(fn=label):
                task = self._task_of.get(label)
                return f"submit {label}" + (f" (task {task})" if task else " (a map item)")
            case events.Start(future=f, worker=w, thread=t):
                return f"start {name(f)}" + ("" if w == t else f" in {w}")
            case events.Finish(future=f, outcome=outcome, detail=detail):
                return f"finish {name(f)}" + self._result(name(f), outcome, detail)
            case events.Cancel(future=f):
                return f"cancel {name(f)}"
            case events.Callback():
                return None  # only the runner's own bookkeeping registers callbacks
            case events.Race(description=text):
                return describe(events.Race(event.time, event.thread, _relative_paths(text)))
        return describe(event)

    def _result(self, label: str, outcome: str, detail: str) -> str:
        if outcome != "result":
            return f": raised {detail}"
        if self.observation is not None and label in self._task_of:
            return f": {self.observation.handle(label).outcome}"
        return ""  # a map item: its value shows in the map step's line


def describe_steps(scenario: Scenario, observation: Observation) -> str:
    """What each step gave the main thread, and when it returned.

    The event timeline shows the pool's side; this is the scenario's side, in
    its own words (each step's YAML line), which is what a claim is about.
    """
    lines = ["steps (when each returned):\n"]
    for record in observation.steps:
        step = scenario.steps[record.index]
        written = source_line(step.loc.path, step.loc.line)
        text = written.strip() if written else record.kind
        result = step_result(record.name, record.outcome)
        if result:
            text += f"  -> {result}"
        lines.append(f"{record.ended_at:9.4f}s  line {step.loc.line}: {text}\n")
    if observation.handles:
        lines.append("after the last step: "
                     + ", ".join(f"{h.name} {h.state}" for h in observation.handles) + "\n")
        lines.append("outcomes: " + ", ".join(
            step_result(h.name, h.outcome) for h in observation.handles) + "\n")
    return "".join(lines)


def step_result(name: str | None, outcome: Outcome) -> str:
    """``cancelled = true``, ``r raised ValueError: ...``; unnamed steps only
    say something when they did not simply return."""
    if outcome.skipped is not None:
        return f"skipped ({outcome.skipped})"
    if outcome.raised is not None:
        return f"{name} raised {outcome.raised}" if name else f"raised {outcome.raised}"
    return f"{name} = {show(outcome.value)}" if name else ""


def describe_races(races: Sequence[Any]) -> str:
    """The data races a run showed, one line each, both accesses by file:line."""
    return "".join(f"{race_text(race)}\n" for race in races)


def race_text(race: Any) -> str:
    """``race.render()`` with sites below the working directory shown relative to it."""
    text = race.render()
    for access in (race.first, race.second):
        text = text.replace(access.site, relative_site(access.site))
    return text


def _relative_paths(text: str) -> str:
    # A race event's text names absolute sites: those below the working directory
    # read as in the scenario's other messages.
    return text.replace(os.getcwd() + os.sep, "")


def relative_site(site: str) -> str:
    """An absolute ``path:line`` relative to the working directory, when below it."""
    path, sep, line = site.rpartition(":")
    if not os.path.isabs(path):
        return site
    shown = os.path.relpath(path)
    return site if shown.startswith("..") else f"{shown}{sep}{line}"
