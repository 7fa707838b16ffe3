"""Bounded exhaustive search: every schedule with at most ``k`` preemptions.

The choice tree is walked depth-first without storing it.  A run follows a
prefix of recorded choices and then takes natural choices (0) to the end, so
each run reaches the leftmost leaf below its prefix; the next prefix
increments the deepest choice that still has an untried option within the
preemption bound.  Leaves are thus visited in lexicographic order, each once,
and the walk needs only the last run's trace.

Only "thread", "clock", "elapse" and "order" decisions branch.  The program's random seed (a
"random" decision with 2**32 options) stays natural: exhaustive search
enumerates interleavings of one program, not its random inputs.

A preemption (CHESS's bound) is a non-natural choice where the running thread
could have gone on (advancing the clock past it counts as one too); choosing
among threads when the running one blocked or finished is free.  Most
concurrency bugs need very few preemptions, which is what makes the bounded
space small enough to cover.

The search is iteratively bounded, as in CHESS: first every schedule with no
preemption (all orders of ties and wake-ups), then those with exactly one,
and so on up to the bound.  A bug that needs few preemptions is found after
a few schedules even when the bound admits many thousands.  Leaves with fewer
preemptions than the current round are run again to walk past them (the tree
is not stored) but reported only once.

With ``prune`` (the default for ``explore``), runs are traced to learn what
each step touched (``footprints``), and a run stops as soon as it reaches a
state already explored: one whose happens-before fingerprint, running thread
and preemptions used match a node visited before (``equivalence``).  Schedules
that differ only in the order of commuting steps (two threads touching
unrelated objects) are then run once.  This is sound with the preemption
bound: the earlier node had the same state and at least as much budget left,
and in a depth-first walk a node visited before that is not an ancestor has
had its whole subtree explored.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from simfutures.explore.equivalence import HappensBefore
from simfutures.explore.footprints import FootprintTracer
from simfutures.program import Outcome, Program
from simfutures.sim import context
from simfutures.sim.chooser import ScheduleError
from simfutures.sim.scheduler import SWITCH_INTERVAL, Limits, Scheduler

#: The decision kinds the walk branches on ("order": a set of futures' iteration).
BRANCHING = ("thread", "clock", "elapse", "order")


class NondeterminismError(ScheduleError):
    """Replaying a prefix did not offer the choices it offered before."""


@attrs.frozen
class Step:
    index: int
    options: int
    kind: str
    preemptive: bool


class Redundant(Exception):
    """The run reached a state whose subtree was already explored."""


@attrs.define
class WalkStats:
    pruned: int = 0  # runs cut short at a state already explored


class PrefixChooser:
    """Replays ``prefix`` (with a check), then natural choices; records every step.

    With a ``visited`` table it also traces the run and raises ``Redundant``
    at the first new node whose state was explored before.
    """

    def __init__(self, prefix: list[Step], visited: dict[tuple, int] | None = None,
                 observe: bool = False) -> None:
        self._prefix = prefix
        self.trace: list[Step] = []
        self.divergence: NondeterminismError | None = None
        self._visited = visited
        self._observe = observe or visited is not None
        self._tracer: FootprintTracer | None = None
        self.history: HappensBefore | None = None  # the run's steps, when observed
        self._used = 0

    def close(self) -> None:
        if self._tracer is not None:
            self._tracer.remove()
            self._tracer = None

    def _seen_before(self, preemptive: bool) -> bool:
        """Whether this state was reached before with no more preemptions used (and
        remember it).  The running thread is part of the state where it could go on:
        continuing it is the one free option."""
        sched = context.scheduler()
        current = sched.current
        running = current.ident if preemptive and current is not None else 0
        # Whether the decision also offers to advance the clock, or follows such an
        # advance (the same fingerprint, but other options and other threads ready).
        key = (self.history.fingerprint, running, preemptive, sched.clock_option,
               scheduler_state(sched))
        best = self._visited.get(key)
        if best is not None and best <= self._used:
            return True
        self._visited[key] = self._used
        return False

    def choose(self, n: int, kind: str) -> int:
        if self._observe and self._tracer is None and not self.trace:
            self._tracer = FootprintTracer(context.scheduler())
            self._tracer.install()
            self.history = self._tracer.history
        position = len(self.trace)
        if position < len(self._prefix):
            step = self._prefix[position]
            if step.options != n or step.kind != kind:
                self.divergence = NondeterminismError(
                    f"the program is not deterministic under replay: decision {position} "
                    f"offered {step.options} {step.kind} options before, {n} {kind} now "
                    "(does it read real time, real files or an unpatched random source?)")
                raise self.divergence
            index = step.index
        else:
            index = 0
        preemptive = context.scheduler().costs_preemption(kind)
        if self._visited is not None and position >= len(self._prefix) and kind == "thread" \
                and self._seen_before(preemptive):
            raise Redundant()
        self._used += preemptive and index != 0
        self.trace.append(Step(index, n, kind, preemptive))
        return index


def scheduler_state(sched: Scheduler) -> tuple:
    """The scheduler's own state that the happens-before fingerprint may not show yet:
    the virtual time, the live timers, each thread's status, and how long the running
    thread has run while others were ready.

    A clock jump chosen at a scheduling point is recorded in the running thread's
    open step, which enters the fingerprint only at that thread's next point, so two
    prefixes can share a fingerprint while one of them is already 10 ms later; and
    the fairness counter decides which option is natural, so what the preemption
    bound admits below a node depends on it; which clock reads let time pass
    (``Scheduler.elapse_computation``) changes what the program read, not who
    touched what."""
    timers = tuple(sorted((when, vt.ident, fn is not None)
                          for when, _seq, vt, token, fn in sched.timers
                          if fn is not None or (token == vt.wake_token and vt.alive)))
    # Points since the clock last moved: how close a timer is to falling due by the
    # computation's own time (Limits.point_time), where one is pending.
    computed = (sched.steps - sched.time_mark, sched.point_time) if timers else 0
    return (sched.now, timers, tuple(vt.waiting_on for vt in sched.threads),
            min(sched.run_length, SWITCH_INTERVAL), frozenset(sched.elapsed_at), computed)


def next_prefix(trace: list[Step], max_preemptions: int) -> list[Step] | None:
    """The prefix of the next leaf in lexicographic order, or None: all explored."""
    used = [0]
    for step in trace:
        used.append(used[-1] + (step.preemptive and step.index != 0))
    for position in range(len(trace) - 1, -1, -1):
        step = trace[position]
        if step.kind not in BRANCHING or step.index + 1 >= step.options:
            continue
        if used[position] + step.preemptive > max_preemptions:
            continue
        return [*trace[:position], attrs.evolve(step, index=step.index + 1)]
    return None


@attrs.frozen
class Leaf:
    """One explored schedule: its ordinal in the walk and what the run did."""

    ordinal: int
    outcome: Outcome
    last: bool  # no schedule within the bound is left after this one
    preemptions: int = 0


def preemptions(trace: list[Step]) -> int:
    return sum(1 for step in trace if step.preemptive and step.index)


def walk(program: Program, max_preemptions: int, *, limits: Limits | None = None,
         start: list[Step] | None = None, within: int = 0, prune: bool = False,
         stats: WalkStats | None = None) -> Iterator[tuple[Outcome, int]]:
    """What every leaf below ``start`` (default: the root) within the bound did, and
    its preemptions, in DFS order (with ``prune``: one leaf of each set of
    equivalent ones).

    ``within`` is how many steps of ``start`` are fixed: the walk never
    changes them, so it covers exactly the subtree below that prefix.
    """
    prefix: list[Step] | None = list(start or [])
    visited: dict[tuple, int] | None = {} if prune else None
    while prefix is not None:
        chooser = PrefixChooser(prefix, visited)
        outcome: Outcome | None = None
        try:
            outcome = program.run(chooser, limits=limits)
        except Redundant:
            if stats is not None:
                stats.pruned += 1
        finally:
            chooser.close()
        if chooser.divergence is not None:
            raise chooser.divergence
        prefix = next_prefix(chooser.trace, max_preemptions)
        if prefix is not None and len(prefix) <= within:
            prefix = None  # the next leaf is outside the subtree
        if outcome is not None:
            yield outcome, preemptions(chooser.trace)


def round_walk(program: Program, preemption_count: int, *, limits: Limits | None = None,
               start: list[Step] | None = None, within: int = 0, prune: bool = False,
               stats: WalkStats | None = None) -> Iterator[Leaf]:
    """The leaves with exactly ``preemption_count`` preemptions (one round), in DFS order;
    ordinals count these leaves only, ``last`` marks the round's last one."""
    in_round = (Leaf(0, outcome, False, count)
                for outcome, count in walk(program, preemption_count, limits=limits,
                                           start=start, within=within, prune=prune,
                                           stats=stats)
                if count == preemption_count)  # the others: an earlier round
    return _numbered(in_round)


def bounded_walk(program: Program, max_preemptions: int, *, limits: Limits | None = None,
                 prune: bool = False, stats: WalkStats | None = None) -> Iterator[Leaf]:
    """Every schedule within the bound, fewest preemptions first; ``last`` marks the end."""
    return _numbered(leaf for count in range(max_preemptions + 1)
                     for leaf in round_walk(program, count, limits=limits, prune=prune,
                                            stats=stats))


def _numbered(leaves: Iterator[Leaf]) -> Iterator[Leaf]:
    """``leaves`` numbered from 0, the last one marked (each is held back one step
    to know whether another follows)."""
    held: Leaf | None = None
    for ordinal, leaf in enumerate(leaves):
        if held is not None:
            yield held
        held = attrs.evolve(leaf, ordinal=ordinal, last=False)
    if held is not None:
        yield attrs.evolve(held, last=True)
