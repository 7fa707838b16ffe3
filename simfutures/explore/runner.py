"""Running many schedules of one program in one process, and collecting their outcomes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

from simfutures.explore.outcomes import OutcomeGroup, OutcomeKey, Tally, key_of
from simfutures.explore.progress import Progress
from simfutures.explore.strategies import SeededStrategy
from simfutures.program import Outcome, Program
from simfutures.sim.scheduler import Limits


@attrs.frozen
class Failure:
    """The first failing run: its id (seed), what it did, and its outcome key."""

    seed: int
    outcome: Outcome
    key: OutcomeKey


@attrs.frozen
class ExploreResult:
    """What a search found.  Everything here is a function of the arguments only."""

    strategy: str
    description: str
    runs: int
    failures: int
    groups: tuple[OutcomeGroup, ...]
    first_failure: Failure | None
    stopped_early: bool = False  # --stop-on-failure cut the search short
    exhausted: bool | None = None  # exhaustive search: the bounded space was covered
    pruned: int = 0  # exhaustive search: runs cut short, their states already explored
    races: tuple = ()  # (DataRace, number of the first run showing it), in that order
    preempt: str = "races"  # where runs could switch besides synchronisation (--preempt)


class Collector:
    """Takes runs in run-id order; knows when ``--stop-on-failure`` should stop."""

    def __init__(self, stop_on_failure: bool, progress: Progress | None = None) -> None:
        self.tally = Tally()
        self.first_failure: Failure | None = None
        self.stop_on_failure = stop_on_failure
        self.stopped = False
        self.progress = progress
        self.races: dict = {}

    def add(self, seed: int, key: OutcomeKey, outcome: Outcome | None) -> bool:
        """Record one run; False: stop now.

        ``outcome`` may be None for a run whose outcome is already known from an
        earlier one (it is needed for failures and for a group's first run).
        """
        self.tally.add(seed, key, outcome.schedule if outcome is not None else None)
        if outcome is not None:
            for race in outcome.races:
                self.races.setdefault(race, seed)
        if key.failed and self.first_failure is None:
            assert outcome is not None
            self.first_failure = Failure(seed, outcome, key)
        if self.progress is not None:
            self.progress.update(self.tally.runs, self.tally.distinct, self.tally.failures)
        if key.failed and self.stop_on_failure:
            self.stopped = True
            return False
        return True

    def result(self, strategy: str, description: str,
               exhausted: bool | None = None, pruned: int = 0) -> ExploreResult:
        if self.progress is not None:
            self.progress.close()
        races = tuple(sorted(self.races.items(), key=lambda item: (item[1], item[0])))
        return ExploreResult(strategy, description, self.tally.runs, self.tally.failures,
                             self.tally.groups(), self.first_failure, self.stopped, exhausted,
                             pruned, races)


def seed_range(start: int, runs: int, shard: tuple[int, int] = (1, 1)) -> range:
    """The seeds of shard ``i`` of ``n`` (1-based) among ``runs`` seeds from ``start``.

    Shards interleave (seed ``start + k`` belongs to shard ``k % n + 1``), so
    each shard meets early and late seeds alike and the shards' union is the
    whole range, each seed exactly once.
    """
    index, count = shard
    return range(start + index - 1, start + runs, count)


def run_seeds(program: Program, strategy: SeededStrategy, seeds: Iterable[int],
              limits: Limits | None) -> Iterator[tuple[int, OutcomeKey, Outcome]]:
    for seed in seeds:
        outcome = program.run(strategy.chooser(seed), limits=limits)
        yield seed, key_of(outcome), outcome


def explore_seeded(program: Program, strategy: SeededStrategy, seeds: Iterable[int], *,
                   limits: Limits | None = None, stop_on_failure: bool = False,
                   progress: Progress | None = None) -> ExploreResult:
    """Run every seed in order in this process."""
    collector = Collector(stop_on_failure, progress)
    for seed, key, outcome in run_seeds(program, strategy, seeds, limits):
        if not collector.add(seed, key, outcome):
            break
    return collector.result(strategy.name, strategy.describe())
