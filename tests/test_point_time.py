"""Threads that compute without waiting (docs/soundness.md sections 2 and 3): each
scheduling point since the clock last moved counts ``Limits.point_time`` in the natural
order (a due timer then fires: an "elapse" decision, whose other answer is a faster
machine), and up to ``Limits.max_point_time`` on a slow machine (the clock option may
jump that far); the natural order hands a busy thread's turn over where CPython's GIL
can change hands."""

from __future__ import annotations

import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor, TimeoutError

import pytest

from simfutures.explore import exhaustive
from simfutures.explore.search import ProgramSpec, SearchConfig, search
from simfutures.program import ScriptProgram, load_program
from simfutures.sim import context, run
from simfutures.sim.chooser import CLOCK_OFFERED, NaturalChooser, chooser_for_seed
from simfutures.sim.scheduler import Limits


def spin_until_timer(delay: float) -> int:
    """Spin on a lock until a ``threading.Timer`` sets the flag: no thread ever waits."""
    done = threading.Event()
    lock = threading.Lock()
    threading.Timer(delay, done.set).start()
    spins = 0
    while not done.is_set():
        with lock:
            spins += 1
    return spins


def task_against_timeout(iterations: int, timeout: float) -> str:
    """A task of ``iterations`` lock round trips (two scheduling points each) against
    ``result(timeout=...)``."""
    lock = threading.Lock()

    def task() -> str:
        for _ in range(iterations):
            with lock:
                pass
        return "finished"

    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(task)
        try:
            return future.result(timeout=timeout)
        except TimeoutError:
            return "timed out"


class FasterMachine:
    """Natural choices, except that every due timer waits (each "elapse" answers 1)."""

    def choose(self, n: int, kind: str) -> int:
        return int(kind == "elapse")


class SlowMachine:
    """Natural choices, except that the clock jumps wherever a thread decision offers it."""

    def choose(self, n: int, kind: str) -> int:
        if kind == "clock":
            return 1
        if kind == "thread" and context.scheduler().clock_option == CLOCK_OFFERED:
            return n - 1
        return 0


def test_a_thread_spinning_until_a_timer_ends_in_the_natural_order():
    result = run(spin_until_timer, (0.2,), chooser=NaturalChooser())
    assert result.ok, result.stopped
    # At 1 us a point, 0.2 s of spinning is some 200,000 points: far below the limit.
    assert 0.2 / Limits().point_time <= result.steps < Limits().max_steps
    assert result.value > 10_000


def test_without_the_computations_time_the_spinning_thread_runs_into_the_step_limit():
    result = run(spin_until_timer, (0.2,), chooser=NaturalChooser(),
                 limits=Limits(point_time=0.0, max_point_time=0.0))
    assert not result.ok and "step limit" in str(result.stopped)


def test_a_long_computation_loses_to_a_shorter_timeout_naturally_and_wins_on_a_faster_machine():
    # 10,000 iterations: some 20,000 points, 20 ms at the natural rate; the timeout
    # (15 ms) is beyond a step's jump, so only the counted time can make it fire.
    assert 0.015 > Limits().step_time
    natural = run(task_against_timeout, (10_000, 0.015), chooser=NaturalChooser())
    faster = run(task_against_timeout, (10_000, 0.015), chooser=FasterMachine())
    assert (natural.value, faster.value) == ("timed out", "finished")
    assert any(choice.kind == "elapse" and choice.index == 1
               for choice in faster.schedule.choices)


@pytest.mark.parametrize("timeout, slow_outcome", [
    # 2,000 iterations (4,000 points, 4 ms natural) reach 10 ms + 4,000 x 10 us = 50 ms
    # on a slow machine: a 30 ms timeout may win, a 1 s one never does.
    (0.03, "timed out"),
    (1.0, "finished"),
])
def test_a_slow_machine_lets_a_timeout_beyond_a_step_beat_a_computation(timeout, slow_outcome):
    natural = run(task_against_timeout, (2_000, timeout), chooser=NaturalChooser())
    slow = run(task_against_timeout, (2_000, timeout), chooser=SlowMachine())
    assert (natural.value, slow.value) == ("finished", slow_outcome)


# A timer 30 us away against a worker's 20 lock round trips (40 points, 40 us natural):
# small enough for exhaustive search to cover, with an "elapse" decision in the middle.
RACE = """
import threading
import time

lock = threading.Lock()
fired = threading.Event()
threading.Timer(0.00003, fired.set).start()
seen = []
for i in range(20):
    with lock:
        seen.append(fired.is_set())
print(seen.index(True) if True in seen else "never")
"""


def test_pruned_exhaustive_search_keeps_every_outcome_of_the_elapse_decision(tmp_path):
    path = tmp_path / "race.py"
    path.write_text(textwrap.dedent(RACE))
    outcomes = {}
    for prune in (True, False):
        leaves = exhaustive.bounded_walk(ScriptProgram(path), 1, prune=prune)
        outcomes[prune] = {leaf.outcome.stdout for leaf in leaves}
    assert outcomes[True] == outcomes[False]
    assert "never\n" in outcomes[True] and len(outcomes[True]) > 2


def sleep_while_a_worker_spins(seconds: float) -> bool:
    """The common shape: start a busy worker, let it run a while, stop it."""
    stop = threading.Event()
    lock = threading.Lock()
    counts = [0]

    def spin() -> None:
        while not stop.is_set():
            with lock:
                counts[0] += 1

    worker = threading.Thread(target=spin)
    worker.start()
    time.sleep(seconds)
    stop.set()
    worker.join()
    return counts[0] > 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_sleeping_main_thread_wakes_while_a_worker_spins(seed):
    # 50 ms is beyond a step's jump: only the spinning worker's counted time reaches it.
    result = run(sleep_while_a_worker_spins, (0.05,), chooser=chooser_for_seed(seed))
    assert result.ok, result.stopped
    assert result.value is True


# 2 threads x 300 `n += 1`: each thread runs past SWITCH_INTERVAL, so the natural
# order hands its turn over mid-run.  CPython 3.11 checks for a handover only at the
# loop's backward jump, never between the read and the write of `n` (no call there).
INCREMENTS = """
import threading

n = 0


def run():
    global n
    for _ in range(300):
        n += 1


threads = [threading.Thread(target=run) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(n)
"""


def test_the_natural_order_hands_over_only_at_an_eval_breaker_check(tmp_path):
    path = tmp_path / "increments.py"
    path.write_text(INCREMENTS)
    result = search(ProgramSpec(str(path)), load_program(path), SearchConfig(runs=6))
    natural = next(group for group in result.groups if group.first == 0)
    assert natural.key.stdout == "600\n"
    # Other schedules still split the `+=` (a model of 3.9 and free-threaded builds).
    assert any(int(group.key.stdout) < 600 for group in result.groups)


# A Timer appends to a list the main thread polls in a loop with no other scheduling
# point (real CPython 3.11 with setswitchinterval(1e-6): interrupted 86/100): only a
# switch at the poll lets time pass there, so discovery's first runs switch at every
# access; a faster machine lets the loop finish first.
POLLED = """
import threading

fired = []
timer = threading.Timer(0.0005, fired.append, args=(1,))
timer.start()
n = 0
for i in range(2000):
    if fired:
        break
    n += 1
timer.cancel()
print("interrupted" if n < 2000 else "loop finished first")
"""


def test_a_timer_fires_while_a_loop_polls_what_it_changes(tmp_path):
    path = tmp_path / "polled.py"
    path.write_text(POLLED)
    result = search(ProgramSpec(str(path)), load_program(path), SearchConfig(runs=100))
    assert {group.key.stdout for group in result.groups} == {
        "interrupted\n", "loop finished first\n"}
