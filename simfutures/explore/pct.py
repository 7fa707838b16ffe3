"""PCT: probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010).

Each thread gets a random priority the first time it is offered; the
highest-priority ready thread always runs.  ``depth - 1`` change points,
drawn uniformly among the first ``horizon`` scheduling decisions, drop the
priority of the thread that reaches them below every initial priority.  For
a program with ``n`` threads and ``k`` decisions, one run hits a given bug of
depth ``d`` (one needing ``d`` ordering constraints) with probability at
least ``1 / (n * k**(d-1))``; in practice far more often.

``k`` is an estimate (``search.natural_horizon``), and a run may go on far
past it: a run whose main thread wins the first race prints and exits only
after many more decisions than the run that measured ``k``.  So half the
seeds also get ``depth - 1`` late change points, uniform among the decisions
``k + 1 .. k * 2**u`` with ``u`` uniform in ``[0, LATE_SCALES]``: PCT with a
horizon of a random scale, for windows past ``k``, while the points among the
first ``k`` are drawn as before.  With change points only among the first
``k`` decisions every later window stayed closed to PCT (a thread calling
``os._exit`` while the main thread prints 30 lines: 2 of 31 outcomes in 2000
runs, where the random walk finds them all).
"""

from __future__ import annotations

import random
from typing import Any

from simfutures.sim import context
from simfutures.sim.chooser import CLOCK_OFFERED

#: After this many consecutive decisions in which the top thread could have been
#: preempted but was not, it is demoted below everyone.  Strict priorities
#: would otherwise turn a polling loop (``while not f.done(): sleep(0)``) into
#: a livelock that ends at the step limit: a failure the program does not have.
STARVATION_LIMIT = 1000

#: How often an "elapse" decision (``Scheduler._time_passes``) says the machine runs
#: faster than ``Limits.point_time`` and the due timer waits: rarely, since every
#: such answer postpones the timer by ``FASTER_MACHINE`` times as many points, and a
#: few in a row run into the step limit.
FASTER_MACHINE = 0.125

#: Late change points (past the horizon) fall among up to ``2**LATE_SCALES`` times
#: as many decisions as the horizon holds: scales are equally likely, so a window a
#: few or a thousand times past the horizon is reached alike.
LATE_SCALES = 12

#: The pseudo-thread whose priority decides when the clock may jump ahead of a
#: running thread (virtual thread idents start at 1).
CLOCK = 0


class PCTChooser:
    """A chooser that schedules by priority; a pure function of ``seed``."""

    def __init__(self, seed: int, depth: int, horizon: int) -> None:
        self._rng = random.Random(seed)
        horizon = max(horizon, 1)
        points = self._rng.sample(range(1, horizon + 1), min(depth - 1, horizon))
        # The i-th change point (in draw order) lowers its thread to depth - 1 - i:
        # all change-point priorities are below the initial ones (>= depth).
        self._changes = {step: float(depth - 1 - i) for i, step in enumerate(points)}
        self._changes.update(_late_change_points(seed, depth, horizon))
        self._depth = depth
        self._priorities: dict[int, float] = {}
        self._step = 0
        self._streak = 0
        self._lowest = 0.0

    def _priority(self, ident: int) -> float:
        priority = self._priorities.get(ident)
        if priority is None:
            priority = self._priorities[ident] = self._depth + self._rng.random()
        return priority

    def choose(self, n: int, kind: str) -> int:
        if kind == "elapse":
            return int(self._rng.random() < FASTER_MACHINE)
        if kind not in ("thread", "clock"):
            # The program's own randomness is not a scheduling decision: draw it.
            return self._rng.randrange(n)
        sched = context.scheduler()
        if kind == "clock":
            return int(self._advance(sched))
        options, preemptive = sched.thread_options(n)
        if sched.clock_option == CLOCK_OFFERED:
            # The last option advances the clock: decided first, as a "clock"
            # decision of its own is (one step each, so change points fall alike).
            if self._advance(sched):
                return n - 1
            options = options[:-1]
        self._step += 1
        change = self._changes.get(self._step)
        running = sched.current
        if preemptive and self._streak >= STARVATION_LIMIT:
            self._demote(running.ident, self._lowest - 1.0)
        best = self._best(options)
        if change is not None:
            # A change point lowers the thread that would run this step (PCT's rule:
            # whichever thread executes the step, not whichever asked).
            self._demote(options[best].ident, change)
            best = self._best(options)
        self._streak = self._streak + 1 if preemptive and options[best] is running else 0
        return best

    def _advance(self, sched: Any) -> bool:
        """The clock is one more "thread" with a priority: it advances past the
        running thread's computation when it outranks that thread."""
        self._step += 1
        change = self._changes.get(self._step)
        running = sched.current.ident if sched.current is not None else 0
        advance = self._priority(CLOCK) > self._priority(running)
        if change is not None and advance:
            self._demote(CLOCK, change)
            advance = False
        return advance

    def _best(self, options: list) -> int:
        best, best_priority = 0, -float("inf")
        for index, vt in enumerate(options):
            priority = self._priority(vt.ident)
            if priority > best_priority:
                best, best_priority = index, priority
        return best

    def _demote(self, ident: int, priority: float) -> None:
        self._priorities[ident] = priority
        self._lowest = min(self._lowest, priority)
        self._streak = 0


def _late_change_points(seed: int, depth: int, horizon: int) -> dict[int, float]:
    """Change points past the horizon for half the seeds (module docstring), with
    priorities below every point inside it.  A stream of their own, so the draws
    inside the horizon (priorities included) are those of plain PCT."""
    rng = random.Random(f"{seed} past the horizon")
    if depth < 2 or rng.random() < 0.5:
        return {}
    late_horizon = int(horizon * 2 ** rng.uniform(0, LATE_SCALES))
    if late_horizon <= horizon:
        return {}
    points = rng.sample(range(horizon + 1, late_horizon + 1),
                        min(depth - 1, late_horizon - horizon))
    return {step: -1.0 - i for i, step in enumerate(points)}
