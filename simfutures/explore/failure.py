"""Turning the first failing run into something a person can act on.

The failing schedule is saved (so it replays whatever the strategy), shrunk
on request, and replayed once more with observers to draw its timeline.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from simfutures.explore import schedules
from simfutures.explore.interleaving import replay
from simfutures.explore.outcomes import key_of
from simfutures.explore.replay import replay_checked
from simfutures.explore.report import FailureDetail
from simfutures.explore.runner import Collector, ExploreResult, Failure
from simfutures.explore.shrink import Size, shrink
from simfutures.program import Program
from simfutures.sim.chooser import Schedule
from simfutures.sim.scheduler import Limits


@attrs.frozen
class FailureOptions:
    shrink: bool = False
    shrink_budget: int = 1000
    limits: Limits | None = attrs.field(default=None, eq=False)


def analyse_failure(program: Program, failure: Failure, options: FailureOptions, *,
                    save_to: str | None, default_dir: bool, path: Path,
                    tag: str) -> FailureDetail:
    """Shrink (if asked), save and replay the failing schedule.

    ``save_to`` receives the decisive schedule (the shrunk one with
    ``--shrink``); with ``default_dir``, schedules without a file of their
    own go to ``.simfutures/schedules/``.
    """
    original = failure.outcome.schedule
    shrunk = None
    if options.shrink:
        shrunk = shrink(program, original, failure.key, limits=options.limits,
                        budget=options.shrink_budget)
    decisive = shrunk.schedule if shrunk is not None else original
    interleaving = replay(program, decisive, options.limits)
    size = shrunk.original if shrunk is not None else Size.of(original, interleaving.preemptions)

    def store(target: str | None, schedule: Schedule, suffix: str) -> str | None:
        if target is None and default_dir:
            target = schedules.default_path(path, tag, failure.seed, suffix)
        if target is not None:
            schedules.save(target, schedule, path, tag, failure.seed)
        return target

    if shrunk is None:
        original_file = decisive_file = store(save_to, original, "")
    else:
        original_file = store(None, original, "")
        decisive_file = store(save_to, decisive, "-shrunk")
    return FailureDetail(decisive_file, original_file, size, shrunk, interleaving)


def replay_saved(program: Program, schedule: Schedule, source: str,
                 limits: Limits | None) -> ExploreResult:
    """A "search" of one run: the saved schedule, reported like any other."""
    outcome = replay_checked(program, schedule, limits=limits, source=source)
    collector = Collector(stop_on_failure=False)
    collector.add(0, key_of(outcome), outcome)
    return collector.result("schedule", f"saved schedule {source}")
