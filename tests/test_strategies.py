"""Hypothesis-drawn schedules (simfutures.strategies) and the always/sometimes helpers.

The programs below run inside the simulator in patch mode: they reach
``concurrent.futures``, ``time`` and ``random`` through the modules, so they
get the simulated ones and all sleeping is virtual.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import io
import json
import os
import random
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from hypothesis import Phase, example, given, seed, settings
from hypothesis import strategies as st
from hypothesis.control import current_build_context

from simfutures.errors import SimfuturesError
from simfutures.properties import (
    BoundError,
    NeverObserved,
    PropertyFailed,
    assert_always,
    assert_sometimes,
)
from simfutures.sim import Schedule, SimulationStopped, run, simulate
from simfutures.sim.chooser import NaturalChooser, ReplayChooser
from simfutures.sim.hypothesis_chooser import DrawnSchedule, render_indices, trimmed
from simfutures.strategies import (
    MAX_CHOICES_LIMIT,
    ScheduleUsageError,
    StrategyArgumentError,
    schedules,
)

# Our inner @given tests must not share examples through a database on disk.
# No deadline: the machine running the suite may be busy, and timing is not under test.
QUIET = settings(database=None, derandomize=True, deadline=None)


def tied_tasks() -> list[str]:
    """Two tasks that take the same virtual time on a two-worker pool, as_completed order."""

    def task(name: str) -> str:
        time.sleep(1.0)
        return name

    with cf.ThreadPoolExecutor(max_workers=2) as ex:
        futures = [ex.submit(task, name) for name in "ab"]
        return [f.result() for f in cf.as_completed(futures)]


def mapped(n: int = 6, workers: int = 3) -> tuple[list[int], list[int]]:
    """``map`` over tasks of random virtual durations: (results, order of completion)."""
    finished: list[int] = []

    def task(x: int) -> int:
        time.sleep(random.choice([0.1, 0.2, 0.3]))
        finished.append(x)
        return x * 10

    with cf.ThreadPoolExecutor(max_workers=workers) as ex:
        return list(ex.map(task, range(n))), finished


def natural_choices(fn, *args) -> Schedule:
    """The natural run's choices, under the race policy schedules replay with."""
    from simfutures.explore.races import run_function

    return run_function(fn, args, {}, NaturalChooser(), None, (), "races")[0].schedule


def falsifying_text(err: BaseException) -> str:
    return "\n".join(getattr(err, "__notes__", []))


# -- refuting a false claim ---------------------------------------------------------


def test_false_claim_is_refuted_and_shrinks_to_one_decisive_switch():
    drawn: list[DrawnSchedule] = []

    @QUIET
    @given(schedule=schedules())
    def as_completed_keeps_submission_order(schedule):
        drawn.append(schedule)
        assert simulate(tied_tasks, schedule=schedule) == ["a", "b"]

    with pytest.raises(AssertionError) as info:
        as_completed_keeps_submission_order()

    final = drawn[-1]  # Hypothesis replays the shrunk example last
    indices = trimmed(final.indices())
    # The natural order plus one switch: everything before it natural, nothing after.
    assert indices[:-1] == [0] * (len(indices) - 1)
    assert indices[-1] != 0
    assert len(indices) <= len(natural_choices(tied_tasks).choices)

    # The report prints that schedule as Python that replays the failure.
    text = falsifying_text(info.value)
    printed = render_indices(final.indices())
    assert f"schedule={printed}," in text
    assert "(simfutures)" not in text  # the printed schedule was the drawn one
    assert simulate(tied_tasks, schedule=eval(printed)) == ["b", "a"]


# Five Hypothesis settings: how far shrinking gets must not hang on one lucky seed.
SHRINK_SETTINGS = [settings(database=None, derandomize=True, deadline=None),
                   *(settings(database=None, deadline=None, derandomize=False)
                     for _ in range(4))]


@pytest.mark.parametrize("which", [0, 1, 2, 3, 4])
def test_default_draw_shrinks_to_one_switch_under_several_settings(which):
    drawn: list[DrawnSchedule] = []

    def claim(schedule):
        drawn.append(schedule)
        assert simulate(tied_tasks, schedule=schedule) == ["a", "b"]

    test = given(schedule=schedules())(claim)
    test = SHRINK_SETTINGS[which](test)
    if which:
        test = seed(which)(test)
    with pytest.raises(AssertionError):
        test()
    shrunk = drawn[-1].to_schedule()
    assert _switches(shrunk) == 1, render_indices(shrunk.indices())


def lock_free_counter() -> int:
    """The lost update of examples/race_lost_update.py: read, print (a scheduling
    point, as any I/O), write back."""
    box = {"balance": 0}

    def deposit(amount: int) -> None:
        current = box["balance"]
        print("read", current)
        box["balance"] = current + amount

    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        pool.submit(deposit, 10)
        pool.submit(deposit, 20)
    return box["balance"]


def _switches(schedule) -> int:
    return schedule.switches()


def _fewest_switches_that_fail(fn, expected, limit: int = 3, length: int = 30) -> int:
    """By brute force over the first ``length`` decisions."""
    import itertools

    for count in range(1, limit + 1):
        for positions in itertools.combinations(range(1, length), count):
            indices = [0] * length
            for position in positions:
                indices[position] = 1
            with contextlib.redirect_stdout(io.StringIO()):
                result = run(fn, chooser=ReplayChooser(indices, strict=False))
            if result.value != expected:
                return count
    raise AssertionError("no failing schedule within the limit")


@pytest.mark.parametrize("hypothesis_seed", [0, 1, 2])
def test_fewest_switches_shrinks_the_lock_free_counter_to_its_minimum(hypothesis_seed):
    fewest = _fewest_switches_that_fail(lock_free_counter, 30)
    drawn: list[DrawnSchedule] = []

    @seed(hypothesis_seed)
    @settings(database=None, max_examples=500, deadline=None)
    @given(schedule=schedules(fewest_switches=True))
    def counter_is_right(schedule):
        drawn.append(schedule)
        with contextlib.redirect_stdout(io.StringIO()):
            assert simulate(lock_free_counter, schedule=schedule) == 30

    with pytest.raises(AssertionError):
        counter_is_right()
    with contextlib.redirect_stdout(io.StringIO()):
        replayed = run(lock_free_counter, chooser=ReplayChooser(drawn[-1].indices()))
    assert replayed.value != 30
    assert _switches(replayed.schedule) == fewest


def _noted_schedule(text: str) -> list[int] | None:
    """The schedule of the "(simfutures) the same ending ... with fewer switches" note."""
    for line in text.splitlines():
        if line.startswith("(simfutures) the same ending"):
            return eval(line.split("schedule=", 1)[1])
    return None


@pytest.mark.parametrize("hypothesis_seed", [1, 4])
def test_a_note_gives_fewer_switches_where_the_shrinker_stops_short(hypothesis_seed):
    # With these seeds Hypothesis (6.1xx) stops at 4 and 11 switches on the counter;
    # whatever it stops at, what the report offers has at most the three switches the
    # worst lost update needs, and ends the run as the failing example did.
    drawn: list[DrawnSchedule] = []

    @seed(hypothesis_seed)
    @settings(database=None, max_examples=500, deadline=None)
    @given(schedule=schedules())
    def counter_is_right(schedule):
        drawn.append(schedule)
        with contextlib.redirect_stdout(io.StringIO()):
            assert simulate(lock_free_counter, schedule=schedule) == 30

    with pytest.raises(AssertionError) as info:
        counter_is_right()
    shrunk = drawn[-1].to_schedule()
    noted = _noted_schedule(falsifying_text(info.value))
    offered = shrunk.indices() if noted is None else noted

    def ending(indices):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            value = simulate(lock_free_counter, schedule=indices)
        return value, out.getvalue()

    assert ending(offered) == ending(shrunk.indices())
    offered_switches = sum(1 for index in offered if index)
    assert offered_switches <= 3, (shrunk.switches(), noted)
    if noted is not None:
        assert offered_switches < shrunk.switches()


def test_fewest_switches_alike_finds_the_one_decisive_switch():
    from simfutures.properties import fewest_switches_alike

    length = len(natural_choices(tied_tasks).choices)
    result = next(  # the first schedule with two switches that reverses the tie...
        run for run in (run_function_races(tied_tasks, [0] * i + [1] + [0] * (j - i - 1) + [1])
                        for i in range(1, length) for j in range(i + 1, length))
        if run.value == ["b", "a"] and run.schedule.switches() == 2)
    found = fewest_switches_alike(tied_tasks, (), {}, result.schedule, limits=None,
                                  mode="races")
    # ...ends as one switch does (the natural run does not: it returns ["a", "b"]).
    assert found is not None and found.switches() == 1
    assert simulate(tied_tasks, schedule=found.indices()) == ["b", "a"]


def test_fewest_switches_alike_is_silent_and_offers_nothing_the_natural_run_does(capsys):
    from simfutures.properties import fewest_switches_alike

    def both_names() -> list[str]:
        return sorted(tied_tasks())  # every schedule ends the same way

    def deposits() -> int:
        lock_free_counter()
        return 0  # every schedule returns 0, and prints "read" twice

    for fn in (both_names, deposits):
        indices = natural_choices(fn).indices()
        indices[1] = indices[-1] = 1
        recorded = run_function_races(fn, indices).schedule
        capsys.readouterr()
        assert fewest_switches_alike(fn, (), {}, recorded, limits=None,
                                     mode="races") is None
        assert capsys.readouterr() == ("", "")


def run_function_races(fn, indices):
    from simfutures.explore.races import run_function

    with contextlib.redirect_stdout(io.StringIO()):
        return run_function(fn, (), {}, ReplayChooser(indices, strict=False), None, (),
                            "races")[0]


def test_learning_the_racy_lines_prints_nothing(capsys):
    def chatty_counter() -> int:  # a new function: its racy lines are learnt here
        return lock_free_counter()

    assert simulate(chatty_counter, schedule=[]) == 30
    # the run's own two lines, not those of the runs that learnt where races are
    assert capsys.readouterr().out == "read 0\nread 10\n"


def test_printed_schedule_replays_via_example():
    @QUIET
    @given(schedule=schedules())
    def claim(schedule):
        assert simulate(tied_tasks, schedule=schedule) == ["a", "b"]

    with pytest.raises(AssertionError) as info:
        claim()
    text = falsifying_text(info.value)
    printed = text.split("schedule=", 1)[1].split(",\n", 1)[0]

    seen = []

    @settings(database=None, phases=[Phase.explicit], deadline=None)  # the pasted example
    @example(schedule=eval(printed))
    @given(schedule=schedules())
    def replayed(schedule):
        seen.append(simulate(tied_tasks, schedule=schedule))

    replayed()
    assert seen == [["b", "a"]]


def test_misprinted_schedule_is_corrected_in_a_note():
    # Two schedules in one test: each repr is guessed from the same choice
    # sequence, so the second one is wrong and a note must give the real one.
    drawn = []

    @QUIET
    @given(first=schedules(), second=schedules())
    def claim(first, second):
        drawn.append((first, second))
        assert simulate(tied_tasks, schedule=first) == simulate(tied_tasks, schedule=second)

    with pytest.raises(AssertionError) as info:
        claim()
    first, second = drawn[-1]
    text = falsifying_text(info.value)
    assert f"replay it with schedule={render_indices(second.indices())}" in text
    assert simulate(tied_tasks, schedule=eval(render_indices(first.indices()))) != \
        simulate(tied_tasks, schedule=eval(render_indices(second.indices())))


# -- true claims --------------------------------------------------------------------


def test_map_order_holds_over_hundreds_of_schedules():
    interleavings = set()
    completion_orders = set()

    @settings(database=None, derandomize=True, max_examples=300, deadline=None)
    @given(schedule=schedules())
    def map_keeps_input_order(schedule):
        results, finished = simulate(mapped, schedule=schedule)
        assert results == [x * 10 for x in range(6)]
        interleavings.add(tuple(trimmed(schedule.indices())))
        completion_orders.add(tuple(finished))

    map_keeps_input_order()
    # The claim met varied runs: many schedules, tasks finishing out of order.
    assert len(interleavings) >= 200
    assert len(completion_orders) >= 10
    assert tuple(range(6)) in completion_orders and len(completion_orders - {tuple(range(6))})


def test_seed_works_inside_given_and_is_deterministic():
    values = set()

    @settings(database=None, derandomize=True, max_examples=100, deadline=None)
    @given(seed=st.integers(min_value=0, max_value=2**64))
    def seeded(seed):
        first = simulate(mapped, seed=seed)
        assert first == simulate(mapped, seed=seed)
        values.add(tuple(first[1]))

    seeded()
    assert len(values) > 5


# -- determinism --------------------------------------------------------------------


def test_one_drawn_schedule_always_gives_the_same_run():
    @QUIET
    @given(schedule=schedules())
    def same(schedule):
        first = run(mapped, chooser=schedule)
        again = run(mapped, chooser=schedule)  # replays what the first run drew
        assert again.value == first.value
        assert again.schedule == first.schedule
        # ...and so do its printed choices and its recorded Schedule, outside Hypothesis.
        assert run(mapped, chooser=_replay(schedule.indices())).schedule == first.schedule
        # (`run` is the bare simulator: simulate's default also switches at racy lines.)
        assert simulate(mapped, schedule=schedule.to_schedule(), preempt="sync") == first.value

    same()


def _replay(indices):
    from simfutures.sim.chooser import ReplayChooser

    return ReplayChooser(indices)


def test_program_random_is_drawn_and_replayable():
    # The program's `random` is seeded by a choice of kind "random": drawn
    # from Hypothesis, recorded in the schedule, replayed with it.
    def dice() -> list[int]:
        return [random.randrange(6) for _ in range(5)]

    outcomes = set()

    @settings(database=None, derandomize=True, max_examples=50, deadline=None)
    @given(schedule=schedules())
    def claim(schedule):
        rolled = simulate(dice, schedule=schedule)
        assert simulate(dice, schedule=schedule.indices()) == rolled
        outcomes.add(tuple(rolled))

    state = random.getstate()
    claim()
    assert random.getstate() == state  # the simulation never touched the real `random`
    assert len(outcomes) > 10

    # A false claim about the random values shrinks its seed toward 0.
    drawn = []

    @QUIET
    @given(schedule=schedules())
    def never_six_sixes(schedule):
        drawn.append(schedule)
        assert sum(simulate(dice, schedule=schedule)) < 15

    with pytest.raises(AssertionError):
        never_six_sixes()
    seed = drawn[-1].indices()[0]
    assert sum(simulate(dice, schedule=[seed])) >= 15
    assert seed < 2**16  # shrunk far below the 2**32 range it was drawn from


def test_same_seed_reproduces_across_processes():
    script = textwrap.dedent("""
        import json, sys
        sys.path.insert(0, %r)
        from hypothesis import given, settings, seed
        from simfutures.sim import run
        from simfutures.sim.chooser import chooser_for_seed
        from simfutures.strategies import schedules
        from test_strategies import mapped

        by_seed = {s: [run(mapped, chooser=chooser_for_seed(s)).schedule.indices()[1:],
                       run(mapped, chooser=chooser_for_seed(s)).value[1]] for s in range(1, 6)}
        drawn = []

        @seed(20240611)
        @settings(database=None, max_examples=25, deadline=None)
        @given(schedule=schedules())
        def test(schedule):
            drawn.append([run(mapped, chooser=schedule).value[1], schedule.indices()])

        test()
        print(json.dumps({"by_seed": by_seed, "drawn": drawn}))
    """ % str(Path(__file__).parent))
    outputs = []
    for hash_seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1] == outputs[2]
    by_seed = outputs[0]["by_seed"]
    assert len({json.dumps(v) for v in by_seed.values()}) == len(by_seed)  # seeds differ
    assert len({json.dumps(d) for d in outputs[0]["drawn"]}) > 10


# -- bounds and bad input -----------------------------------------------------------


def test_max_choices_bounds_the_draws_and_the_rest_is_natural():
    natural = len(natural_choices(mapped).choices)
    assert natural > 12

    @QUIET
    @given(schedule=schedules(max_choices=5))
    def bounded(schedule):
        result = run(mapped, chooser=schedule)
        assert len(schedule.indices()) == 5
        assert result.schedule.indices()[5:] == [0] * (len(result.schedule.choices) - 5)

    bounded()

    @QUIET
    @given(schedule=schedules(max_choices=0))
    def none_drawn(schedule):
        # (`run` is the bare simulator: compared with the bare natural run)
        assert run(mapped, chooser=schedule).schedule == run(
            mapped, chooser=NaturalChooser()).schedule
        assert schedule.indices() == []

    none_drawn()


def test_max_switches_bounds_the_switches():
    @settings(database=None, derandomize=True, max_examples=50, deadline=None)
    @given(schedule=schedules(max_switches=2))
    def bounded(schedule):
        result = run(mapped, chooser=schedule)
        switches = [c for c in result.schedule.choices if c.index and c.kind != "random"]
        assert len(switches) <= 2

    bounded()


def test_large_programs_pass_health_checks():
    # Far more scheduling decisions than one test case can hold: the bound
    # keeps Hypothesis's health checks (large_base_example, too_slow) quiet.
    # (300 items make about 2,200 decisions: enough, at an eighth of 2,500's cost.)
    assert len(natural_choices(mapped, 300, 4).choices) > MAX_CHOICES_LIMIT

    @settings(database=None, derandomize=True, max_examples=10, deadline=None)
    @given(schedule=schedules())
    def big(schedule):
        assert simulate(mapped, 300, 4, schedule=schedule)[0] == [x * 10 for x in range(300)]

    big()


def test_hypothesis_stopping_the_test_case_mid_run_is_not_an_error():
    from hypothesis.errors import StopTest

    calls = []

    def draw(strategy):
        calls.append(strategy)
        raise StopTest(0)  # what Hypothesis raises when a test case's choices run out

    @QUIET
    @given(st.none())
    def stopped(_):
        schedule = DrawnSchedule(draw, current_build_context().data, max_choices=100,
                                 max_switches=None)
        assert simulate(mapped, schedule=schedule) == simulate(mapped)  # natural from there
        assert len(calls) == 1  # nothing drawn after the stop
        assert schedule.indices() == []

    stopped()


@pytest.mark.parametrize("bounds", [
    {"max_choices": -1}, {"max_choices": 1.5}, {"max_choices": True},
    {"max_choices": MAX_CHOICES_LIMIT + 1}, {"max_switches": -2}, {"max_switches": "3"},
])
def test_bad_bounds_are_refused(bounds):
    with pytest.raises(StrategyArgumentError, match="schedules\\(max_"):
        schedules(**bounds)
    assert issubclass(StrategyArgumentError, SimfuturesError)


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_schedule_outside_given_says_what_to_do():
    schedule = schedules().example()
    with pytest.raises(ScheduleUsageError, match="@given") as info:
        simulate(tied_tasks, schedule=schedule)
    assert "simulate(fn, schedule=[" in str(info.value)
    assert isinstance(info.value, SimfuturesError)


def test_schedule_kept_for_another_test_is_refused():
    kept = []

    @QUIET
    @given(schedule=schedules())
    def first(schedule):
        simulate(tied_tasks, schedule=schedule)
        kept.append(schedule)

    first()

    @settings(database=None, max_examples=1, deadline=None)
    @given(st.none())
    def second(_):
        simulate(tied_tasks, schedule=kept[-1])

    with pytest.raises(ScheduleUsageError, match="only works inside that @given test"):
        second()


def test_seed_and_schedule_together_are_refused():
    @settings(database=None, max_examples=1, deadline=None)
    @given(schedule=schedules())
    def both(schedule):
        simulate(tied_tasks, seed=3, schedule=schedule)

    with pytest.raises(SimfuturesError, match="either seed= or schedule="):
        both()


def test_a_schedule_drawn_for_another_program_is_refused():
    from simfutures.sim import ScheduleError

    @settings(database=None, max_examples=1, deadline=None)
    @example(schedule=[0, 5])
    @given(schedule=schedules())
    def wrong(schedule):
        simulate(tied_tasks, schedule=schedule)

    with pytest.raises(ScheduleError, match="only 2 options"):
        wrong()


@QUIET
@given(st.lists(st.integers(0, 3), max_size=60))
def test_rendered_choices_are_python_for_the_same_replay(indices):
    text = render_indices(indices)
    assert eval(text) == trimmed(indices)
    assert "[0] * " not in text or len(text) < len(repr(trimmed(indices)))


# -- assert_always / assert_sometimes ------------------------------------------------


def test_assert_always_refutes_with_a_minimal_replayable_schedule():
    with pytest.raises(PropertyFailed) as info:
        assert_always(tied_tasks, lambda order: order == ["a", "b"])
    failure = info.value
    assert failure.value == ["b", "a"]
    assert sum(1 for c in failure.schedule.choices if c.index) == 1
    assert simulate(tied_tasks, schedule=failure.schedule) == ["b", "a"]
    replay = str(failure).split("schedule=", 1)[1].removesuffix(")")
    assert simulate(tied_tasks, schedule=eval(replay)) == ["b", "a"]


def test_assert_always_covers_every_single_switch_exhaustively():
    natural = natural_choices(mapped)
    expected_runs = 1 + sum(c.options - 1 for c in natural.choices if c.kind != "random")
    explored = assert_always(mapped, lambda r: r[0] == [x * 10 for x in range(6)],
                             max_switches=1)
    assert explored.exhaustive
    assert explored.runs == expected_runs

    capped = assert_always(mapped, lambda r: r[0] == [x * 10 for x in range(6)],
                           max_schedules=500)
    assert capped.runs == 500 and not capped.exhaustive


def test_assert_always_counts_exceptions_and_deadlocks_as_failures():
    def flaky_worker() -> int:
        def task(name):
            time.sleep(1.0)
            return name

        with cf.ThreadPoolExecutor(max_workers=2) as ex:
            first = next(cf.as_completed([ex.submit(task, "a"), ex.submit(task, "b")]))
            if first.result() == "b":
                raise RuntimeError("b first")
            return 1

    with pytest.raises(PropertyFailed, match="raised RuntimeError: b first") as info:
        assert_always(flaky_worker, lambda v: True)
    assert isinstance(info.value.exception, RuntimeError)

    def deadlock() -> None:
        import threading

        lock = threading.Lock()
        lock.acquire()
        lock.acquire()

    with pytest.raises(PropertyFailed, match="deadlock") as info:
        assert_always(deadlock, lambda v: True)
    assert isinstance(info.value.exception, SimulationStopped)


def test_assert_sometimes_returns_a_replayable_witness():
    witness = assert_sometimes(tied_tasks, lambda order: order == ["b", "a"])
    assert witness.value == ["b", "a"]
    assert 1 < witness.runs <= len(natural_choices(tied_tasks).choices)
    assert simulate(tied_tasks, schedule=witness.schedule) == ["b", "a"]
    assert simulate(tied_tasks, schedule=eval(witness.replay)) == ["b", "a"]


def test_assert_sometimes_varies_random_after_the_systematic_schedules():
    def roll() -> int:  # no threads: only the program's random varies it
        return random.randrange(20)

    witness = assert_sometimes(roll, lambda v: v == 13, runs=500)
    assert witness.schedule.choices[0].kind == "random" and witness.schedule.choices[0].index
    assert simulate(roll, schedule=witness.schedule) == 13


def test_assert_sometimes_reports_what_it_saw_instead():
    with pytest.raises(NeverObserved, match="no schedule out of 200") as info:
        assert_sometimes(tied_tasks, lambda order: order == ["c"], runs=200)
    assert "returned ['a', 'b']" in str(info.value) and "returned ['b', 'a']" in str(info.value)


@pytest.mark.parametrize("call", [
    lambda: assert_always(tied_tasks, bool, max_schedules=0),
    lambda: assert_always(tied_tasks, bool, max_switches=-1),
    lambda: assert_sometimes(tied_tasks, bool, runs="many"),
])
def test_helpers_refuse_bad_bounds(call):
    with pytest.raises(BoundError, match="whole number"):
        call()


# -- a property can be "no data race" -------------------------------------------------


def unlocked_visits(locked: bool) -> int:
    visits = {"n": 0}
    lock = threading.Lock()

    def visit(_page: str) -> None:
        if locked:
            with lock:
                visits["n"] += 1
        else:
            visits["n"] += 1

    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(visit, "ab"))
    return visits["n"]


@pytest.mark.skipif(not __import__("simfutures.explore.stack_peek").explore.stack_peek
                    .AVAILABLE, reason="data-race detection needs the tracer's stack reading")
def test_a_drawn_schedule_can_assert_no_data_race():
    from simfutures.properties import DataRaceError

    @QUIET
    @given(schedule=schedules())
    def locked_is_race_free(schedule):
        assert simulate(unlocked_visits, True, schedule=schedule, fail_on_race=True) == 2

    @QUIET
    @given(schedule=schedules())
    def unlocked_is_race_free(schedule):
        simulate(unlocked_visits, False, schedule=schedule, fail_on_race=True)

    locked_is_race_free()
    with pytest.raises(DataRaceError) as info:
        unlocked_is_race_free()
    text = str(info.value)
    assert "data race on entry 'n' of a dict" in text
    for race in text.splitlines():  # one line per race, naming both accesses by file:line
        assert race.count(f"{__file__}:") == 2, race


def test_a_counterexample_of_assert_always_replays_when_pasted():
    # assert_always explores under the race policy simulate(schedule=...) replays with.
    with contextlib.redirect_stdout(io.StringIO()):
        with pytest.raises(PropertyFailed) as info:
            assert_always(lock_free_counter, lambda balance: balance == 30)
        pasted = str(info.value).split("schedule=", 1)[1].rstrip(")")
        assert simulate(lock_free_counter, schedule=eval(pasted)) == info.value.value != 30
