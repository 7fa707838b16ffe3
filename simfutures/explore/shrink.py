"""Shrinking a failing schedule toward the natural order.

A schedule is a list of choice indices and 0 is always the natural choice,
so "simpler" means fewer preemptions, then fewer non-natural choices, then
smaller indices.  Candidates are edits of the index list (zero a chunk of
choices, cut the tail, lower one index); each is re-run with a lenient
replay (after an edit, later indices may no longer fit: they wrap, and past
the end every choice is natural), and the *recorded* schedule of a run that
fails the same way replaces the current one.  A bounded exhaustive search
for the same failure with fewer preemptions complements the edits.  Every accepted schedule has
been run and failed, so the result is a real, replayable failure.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from simfutures.explore import exhaustive
from simfutures.explore.outcomes import OutcomeKey, key_of, same_failure
from simfutures.program import Outcome, Program
from simfutures.sim import context
from simfutures.sim.chooser import Chooser, ReplayChooser, Schedule
from simfutures.sim.scheduler import Limits

#: Default number of candidate runs a shrink may spend.
DEFAULT_BUDGET = 1000


class PreemptionCounter:
    """Wraps a chooser; counts the choices that preempt a thread that could go on."""

    def __init__(self, inner: Chooser) -> None:
        self._inner = inner
        self.preemptions = 0

    def choose(self, n: int, kind: str) -> int:
        index = self._inner.choose(n, kind)
        if index and context.scheduler().costs_preemption(kind):
            self.preemptions += 1
        return index


@attrs.frozen(order=True)
class Size:
    """How far a schedule is from the natural run (smaller is simpler)."""

    preemptions: int
    forced: int  # non-natural choices
    total: int  # sum of the thread choices' indices

    @classmethod
    def of(cls, schedule: Schedule, preemptions: int) -> Size:
        choices = schedule.choices
        return cls(preemptions, sum(1 for c in choices if c.index),
                   sum(c.index for c in choices if c.kind == "thread"))


@attrs.frozen
class ShrinkResult:
    schedule: Schedule
    outcome: Outcome
    size: Size
    original: Size
    runs: int  # candidate runs spent


def _trimmed(schedule: Schedule) -> list[int]:
    """The index list without its natural tail (replay continues naturally anyway)."""
    indices = schedule.indices()
    while indices and indices[-1] == 0:
        indices.pop()
    return indices


class _Shrinker:
    def __init__(self, program: Program, target: OutcomeKey, limits: Limits | None,
                 budget: int) -> None:
        self.program = program
        self.target = target
        self.limits = limits
        self.budget = budget
        self.runs = 0

    def measure(self, indices: list[int]) -> tuple[Outcome, Size]:
        counter = PreemptionCounter(ReplayChooser(indices, strict=False))
        outcome = self.program.run(counter, limits=self.limits)
        return outcome, Size.of(outcome.schedule, counter.preemptions)

    def attempt(self, indices: list[int], best: Size) -> tuple[Outcome, Size] | None:
        """Run a candidate; its outcome and size if it fails the same way and is simpler."""
        if self.runs >= self.budget:
            return None
        self.runs += 1
        outcome, size = self.measure(indices)
        if size < best and same_failure(self.target, key_of(outcome)):
            return outcome, size
        return None


def shrink(program: Program, schedule: Schedule, target: OutcomeKey, *,
           limits: Limits | None = None, budget: int = DEFAULT_BUDGET) -> ShrinkResult:
    """The simplest schedule found that still fails like ``target`` (at worst, the input).

    Local edits first (cheap, and they usually remove most forced choices);
    then, since a preemption can rarely just be dropped but often *moved*, a
    bounded search (fewest preemptions first, half the remaining budget) for
    the same failure with fewer preemptions; then local edits again.
    """
    shrinker = _Shrinker(program, target, limits, budget)
    outcome, size = shrinker.measure(schedule.indices())
    original = size
    if not same_failure(target, key_of(outcome)):
        # Not a failure of this program (any more): nothing to shrink toward.
        return ShrinkResult(outcome.schedule, outcome, size, original, 0)
    outcome, size = _local_passes(shrinker, outcome, size)
    if size.preemptions:
        found = _fewer_preemptions(shrinker, outcome.schedule, size)
        if found is not None:
            outcome, size = _local_passes(shrinker, *found)
    return ShrinkResult(outcome.schedule, outcome, size, original, shrinker.runs)


def _local_passes(shrinker: _Shrinker, outcome: Outcome, size: Size) -> tuple[Outcome, Size]:
    passes: tuple[Callable[[list[int], list[str]], list[list[int]]], ...] = (
        _cut_tail, _zero_chunks, _lower_each)
    improved = True
    while improved and shrinker.runs < shrinker.budget:
        improved = False
        for make_candidates in passes:
            current = outcome.schedule
            kinds = [c.kind for c in current.choices]
            for candidate in make_candidates(_trimmed(current), kinds):
                found = shrinker.attempt(candidate, size)
                if found is not None:
                    outcome, size = found
                    improved = True
                    break  # the schedule changed: regenerate candidates from it
    return outcome, size


class _BudgetSpent(Exception):
    pass


class _Budgeted:
    """The program, as far as the shrinker's budget allows running it."""

    def __init__(self, shrinker: _Shrinker, runs: int) -> None:
        self._shrinker = shrinker
        self._last = min(shrinker.budget, shrinker.runs + runs)

    def run(self, chooser: Chooser, **kwargs: object) -> Outcome:
        if self._shrinker.runs >= self._last:
            raise _BudgetSpent()
        self._shrinker.runs += 1
        return self._shrinker.program.run(chooser, limits=self._shrinker.limits)


def _fewer_preemptions(shrinker: _Shrinker, schedule: Schedule, size: Size
                       ) -> tuple[Outcome, Size] | None:
    # The program's random seed stays what it is: only the interleaving is searched.
    start = [exhaustive.Step(c.index, c.options, c.kind, False)
             for c in schedule.choices[:1] if c.kind != "thread"]
    program = _Budgeted(shrinker, (shrinker.budget - shrinker.runs) // 2)
    try:
        for count in range(size.preemptions):
            for leaf in exhaustive.round_walk(program, count, start=start,  # type: ignore[arg-type]
                                              within=len(start)):
                if same_failure(shrinker.target, key_of(leaf.outcome)):
                    return leaf.outcome, Size.of(leaf.outcome.schedule, leaf.preemptions)
    except _BudgetSpent:
        pass
    return None


def _nonzero(indices: list[int]) -> list[int]:
    return [i for i, index in enumerate(indices) if index]


def _cut_tail(indices: list[int], kinds: list[str]) -> list[list[int]]:
    """Keep only the first k forced choices, smallest k first (often the bug needs few)."""
    positions = _nonzero(indices)
    return [indices[:positions[k]] for k in range(len(positions))]


def _zero_chunks(indices: list[int], kinds: list[str]) -> list[list[int]]:
    """Delta debugging: zero halves, then quarters... of the forced choices."""
    positions = _nonzero(indices)
    candidates = []
    size = max(len(positions) // 2, 1)
    while positions:
        for start in range(0, len(positions), size):
            candidate = list(indices)
            for p in positions[start:start + size]:
                candidate[p] = 0
            candidates.append(candidate)
        if size == 1:
            break
        size //= 2
    return candidates


def _lower_each(indices: list[int], kinds: list[str]) -> list[list[int]]:
    """Pick an earlier-in-line thread at one decision (index k -> 1 .. k-1)."""
    candidates = []
    for p in _nonzero(indices):
        if kinds[p] != "thread":
            continue  # other kinds (the program's random seed) have no "earlier" to try
        for lower in range(1, indices[p]):
            candidate = list(indices)
            candidate[p] = lower
            candidates.append(candidate)
    return candidates
