"""Replaying a saved schedule so that a misfit is an error, never a program failure."""

from __future__ import annotations

from simfutures.program import Outcome, Program
from simfutures.sim.chooser import ReplayChooser, Schedule, ScheduleError
from simfutures.sim.scheduler import Limits


class GuardedReplay:
    """A strict ReplayChooser that remembers where the schedule stopped fitting.

    The ScheduleError is raised inside the simulated program, whose own
    ``except Exception`` could swallow it; ``divergence`` keeps it for the
    caller whatever the program or the simulator does with it.
    """

    def __init__(self, schedule: Schedule) -> None:
        self._inner = ReplayChooser(schedule)
        self.divergence: ScheduleError | None = None

    def choose(self, n: int, kind: str) -> int:
        try:
            return self._inner.choose(n, kind)
        except ScheduleError as exc:
            if self.divergence is None:
                self.divergence = exc
            raise


def replay_checked(program: Program, schedule: Schedule, *, limits: Limits | None = None,
                   observers: tuple = (), source: str = "the schedule") -> Outcome:
    """Run ``schedule``; raise ScheduleError (naming ``source``) if it does not fit."""
    chooser = GuardedReplay(schedule)
    try:
        outcome = program.run(chooser, limits=limits, observers=observers)
    except ScheduleError as exc:  # the simulator re-raises a chooser's error after the run
        raise ScheduleError(f"{source}: {exc}") from None
    if chooser.divergence is not None:
        raise ScheduleError(f"{source}: {chooser.divergence}")
    return outcome
