"""Checking a scenario: run it under many schedules and judge every claim.

Schedules are seeds: seed 0 is the simulator's natural order, every other seed
a random walk (simfutures.sim.chooser). A run the simulator had to stop
(deadlock, watchdog, limit) or that crashed has no observation; it is
reported as a failure of its own rather than silently skipped.
"""

from __future__ import annotations

from typing import Any

import attrs

from simfutures.scenario.claims import ClaimResult, evaluate
from simfutures.scenario.model import Scenario
from simfutures.scenario.observation import Observation


@attrs.frozen
class RunFailure:
    seed: int
    error: str  # one line
    report: str | None  # the stop report or traceback


@attrs.frozen
class CheckReport:
    scenario: Scenario
    runs: int
    results: tuple[ClaimResult, ...]
    failures: tuple[RunFailure, ...]
    # What the runs ran (see program.prepared): replays of a seed go through it too.
    program: Any = attrs.field(default=None, eq=False, repr=False)

    @property
    def passed(self) -> bool:
        return not self.failures and all(r.passed for r in self.results)

    def render(self) -> str:
        """A short text report: failures first, each pointing at file:line."""
        path = self.scenario.path
        lines = [
            f"{path}: seed {f.seed}: {f.error} "
            f"(replay: simfutures run {path} --strategy random --seed {f.seed})"
            for f in self.failures
        ]
        lines += [str(r) for r in self.results if not r.passed]
        held = sum(r.passed for r in self.results)
        lines.append(
            f"{self.scenario.name}: {held}/{len(self.results)} claims hold over {self.runs} runs"
            + (f", {len(self.failures)} runs failed" if self.failures else "")
        )
        return "\n".join(lines)


def check_scenario(
    scenario: Scenario, *, runs: int = 100, first_seed: int = 0, limits=None
) -> CheckReport:
    """Run ``scenario`` under seeds ``first_seed .. first_seed + runs - 1`` and judge it.

    A scenario that calls the user's code first learns where its data races are
    (``explore.races.discover``), exactly as ``simfutures run FILE --seed N`` does,
    so every run's races are known and each seed replays there as it ran here.
    """
    from simfutures.scenario.program import observation_of, prepared
    from simfutures.scenario.time_limit import check_time_limit
    from simfutures.sim.chooser import chooser_for_seed
    from simfutures.sim.scheduler import Limits

    if runs < 1:
        raise ValueError("runs must be at least 1")
    # Before any run: a scenario that cannot end in time is an error in the file.
    check_time_limit(scenario, (limits or Limits()).max_virtual_time)
    program = prepared(scenario)
    observations: list[Observation] = []
    labels: list[str] = []
    failures: list[RunFailure] = []
    for seed in range(first_seed, first_seed + runs):
        # (The program captures task output: it is part of the observation.)
        outcome = program.run(chooser_for_seed(seed), limits=limits)
        observation = observation_of(outcome)
        if observation is None:
            failures.append(RunFailure(seed, outcome.error or f"exit code {outcome.exit_code}",
                                       outcome.report))
        else:
            observations.append(observation)
            labels.append(f"seed {seed}")
    results: tuple[ClaimResult, ...] = ()
    if observations:
        results = tuple(evaluate(c, observations, labels=labels) for c in scenario.expect)
    return CheckReport(scenario, runs, results, tuple(failures), program)
