"""The clock jump as the last option of a thread decision (``Scheduler.preempt``).

Where other threads are ready and a timer is due within a step's time, "advance
the clock" is one more option of the thread decision instead of a decision of
its own.  A walk that leaves the clock alone records one choice instead of two,
and no interleaving may be lost: these tests compare every strategy against a
chooser that splits the combined decision back into a "clock" decision and a
"thread" decision, the way the scheduler used to ask.
"""

from __future__ import annotations

import textwrap

import pytest

from simfutures.explore import exhaustive
from simfutures.explore.pct import PCTChooser
from simfutures.program import ScriptProgram
from simfutures.sim import context
from simfutures.sim.chooser import (
    CLOCK_OFFERED,
    NO_CLOCK,
    NaturalChooser,
    RandomChooser,
    ReplayChooser,
)
from simfutures.sim.scheduler import CLOCK_OPTION

# A timer due within one step (5 ms < Limits.step_time) while two workers that never
# block are ready: the clock may jump ahead of them at their sleep(0).
PROGRAM = """
    import threading
    import time

    order = []

    def sleeper():
        time.sleep(0.005)
        order.append("timer")

    def worker(name):
        time.sleep(0)
        order.append(name)

    threads = [threading.Thread(target=sleeper),
               threading.Thread(target=worker, args=("a",)),
               threading.Thread(target=worker, args=("b",))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(" ".join(order))
"""


class Split:
    """Asks ``inner`` a combined decision as the two it stands for: "clock" (2
    options), then, if the clock stays, "thread" among the threads alone."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def choose(self, n: int, kind: str) -> int:
        sched = context.scheduler()
        if kind != "thread" or sched.clock_option != CLOCK_OFFERED:
            return self._inner.choose(n, kind)
        sched.clock_option = NO_CLOCK  # the inner chooser sees two plain decisions
        try:
            if self._inner.choose(2, "clock"):
                return n - 1
            return self._inner.choose(n - 1, "thread")
        finally:
            sched.clock_option = CLOCK_OFFERED
            sched.offered = None  # built without the clock option: rebuild if asked


class SplitProgram:
    def __init__(self, program: ScriptProgram) -> None:
        self._program = program

    def run(self, chooser: object, **options: object) -> object:
        return self._program.run(Split(chooser), **options)


@pytest.fixture
def program(tmp_path):
    path = tmp_path / "clock_and_threads.py"
    path.write_text(textwrap.dedent(PROGRAM))
    return ScriptProgram(path)


class Watch:
    """Records the shape of every decision ``inner`` makes."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.seen: list[tuple[str, int, list, bool]] = []

    def choose(self, n: int, kind: str) -> int:
        sched = context.scheduler()
        options = list(sched.thread_options(n)[0]) if kind == "thread" else []
        self.seen.append((kind, n, options, bool(sched.ready)))
        return self.inner.choose(n, kind)


def test_with_threads_ready_the_clock_is_the_thread_decisions_last_option(program):
    watch = Watch(None)
    for seed in range(1, 20):
        watch.inner = RandomChooser(seed)
        program.run(watch)
    combined = [s for s in watch.seen if s[2] and s[2][-1] is CLOCK_OPTION]
    assert combined, "no decision offered the clock beside ready threads"
    for kind, n, options, _ in combined:
        assert kind == "thread" and n == len(options)
        assert CLOCK_OPTION not in options[:-1]
    # A decision of its own only where no other thread is ready.
    assert all(not ready for kind, _, _, ready in watch.seen if kind == "clock")


def test_exhaustive_search_reaches_every_leaf_the_split_decisions_reach(program):
    combined = sorted((o.stdout, p) for o, p in exhaustive.walk(program, 2))
    split = sorted((o.stdout, p) for o, p in exhaustive.walk(SplitProgram(program), 2))
    assert combined == split  # the same leaves, with the same preemptions each
    outputs = {stdout for stdout, _ in combined}
    assert "timer a b\n" in outputs  # the clock jumped ahead of a ready worker
    assert {"a b timer\n", "b a timer\n", "a timer b\n"} <= outputs


@pytest.mark.parametrize("make", [
    lambda seed: RandomChooser(seed),
    lambda seed: PCTChooser(seed, depth=3, horizon=40),
], ids=["random", "pct"])
def test_seeded_strategies_draw_as_they_did_for_split_decisions(program, make):
    for seed in range(1, 40):
        combined = program.run(make(seed))
        split = program.run(Split(make(seed)))
        assert (combined.stdout, combined.steps) == (split.stdout, split.steps), seed


def test_seed_zero_never_jumps_the_clock_and_replay_is_exact(program):
    natural = program.run(NaturalChooser())
    assert natural.stdout == "a b timer\n"
    for seed in range(1, 40):
        outcome = program.run(RandomChooser(seed))
        again = program.run(ReplayChooser(outcome.schedule))
        assert (again.stdout, again.steps, again.schedule) == \
            (outcome.stdout, outcome.steps, outcome.schedule)
