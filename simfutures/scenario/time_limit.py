"""Refusing, before any run, a scenario that cannot finish within ``--max-time``.

A task that sleeps longer than the virtual time limit would make every run
stop at the limit, and a check would end in "0/0 claims hold": say so at load
time, naming the line, and what to change.
"""

from __future__ import annotations

from simfutures.scenario.errors import ScenarioError
from simfutures.scenario.model import (
    ArgDuration,
    FixedDuration,
    MapStep,
    RangeDuration,
    Scenario,
    SleepStep,
    SubmitStep,
)
from simfutures.scenario.values import thaw


def check_time_limit(scenario: Scenario, max_time: float, option: str = "--max-time") -> None:
    """Raise ScenarioError at the first duration beyond ``max_time`` virtual seconds."""
    for where, seconds, what in _durations(scenario):
        if seconds > max_time:
            raise ScenarioError(
                f"{what} ({seconds:g} s) is beyond the virtual time limit of {max_time:g} s "
                f"({option}): every run would stop before it ends; raise {option} or "
                "shorten it", scenario.path, where.line, where.column)


def _durations(scenario: Scenario):
    """(location, seconds, what) for every duration the scenario can ask for."""
    arg_tasks = set()
    specs = list(scenario.tasks)
    if scenario.executor.initializer is not None:
        specs.append(scenario.executor.initializer)
    for spec in specs:
        duration = spec.duration
        what = (f"the duration of task {spec.name!r}" if hasattr(spec, "name")
                else "the initializer's duration")
        if isinstance(duration, FixedDuration):
            yield duration.loc, duration.seconds, what
        elif isinstance(duration, RangeDuration):
            yield duration.loc, duration.max, what + " (its max)"
        elif isinstance(duration, ArgDuration):
            arg_tasks.add(spec.name)
    for step in scenario.steps:
        if isinstance(step, SleepStep):
            yield step.loc, step.seconds, "this sleep"
        elif isinstance(step, SubmitStep) and step.task in arg_tasks and step.args:
            yield from _numbers(step.loc, thaw(step.args)[:1],
                                f"the duration of task {step.task!r}")
        elif isinstance(step, MapStep) and step.task in arg_tasks:
            yield from _numbers(step.loc, thaw(step.items), f"the duration of task {step.task!r}")


def _numbers(loc, values, what):
    for value in values:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            yield loc, float(value), what
