"""The simulated world: scheduler, virtual time, patch mode, determinism, never hanging."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from concurrent import futures
from pathlib import Path

import pytest

from simfutures.errors import SimfuturesError
from simfutures.sim import (
    DeadlockError,
    LimitError,
    Limits,
    ScheduleError,
    run,
    simulate,
)
from simfutures.sim.chooser import NaturalChooser, RandomChooser, ReplayChooser, Schedule
from simfutures.sim.context import NotInSimulationError

REPO = Path(__file__).resolve().parent.parent


def racy_counter() -> int:
    """Two tasks read, yield (sleep 0), write: lost updates under some schedules."""
    counter = {"n": 0}

    def bump() -> None:
        for _ in range(3):
            value = counter["n"]
            time.sleep(0)
            counter["n"] = value + 1

    with futures.ThreadPoolExecutor(max_workers=2) as ex:
        ex.submit(bump)
        ex.submit(bump)
    return counter["n"]


def tie_order() -> list[str]:
    order: list[str] = []

    def task(name: str) -> None:
        time.sleep(0.5)
        order.append(name)

    with futures.ThreadPoolExecutor(max_workers=2) as ex:
        ex.submit(task, "a")
        ex.submit(task, "b")
    return order


def test_simulate_returns_the_functions_value_and_raises_its_exception():
    assert simulate(lambda x, y=0: x + y, 2, y=3) == 5

    def boom() -> None:
        raise KeyError("k")

    with pytest.raises(KeyError):
        simulate(boom)


def test_virtual_time_jumps_without_real_sleeping():
    def slow() -> tuple[float, float]:
        start = time.monotonic()
        time.sleep(3600)
        return start, time.monotonic()

    real_start = time.perf_counter()
    start, end = simulate(slow)
    assert end - start == 3600
    assert time.perf_counter() - real_start < 5


def test_result_timeout_ties_go_both_ways_across_seeds():
    def race() -> str:
        with futures.ThreadPoolExecutor(max_workers=1) as ex:
            f = ex.submit(time.sleep, 0.2)
            try:
                f.result(timeout=0.2)
                return "result"
            except futures.TimeoutError:
                return "timeout"

    outcomes = {simulate(race, seed=seed) for seed in range(60)}
    assert outcomes == {"result", "timeout"}


def test_same_seed_same_run_and_different_seeds_differ():
    assert len({simulate(racy_counter, seed=7) for _ in range(5)}) == 1
    assert len({simulate(racy_counter, seed=s) for s in range(40)}) > 1
    assert len({tuple(simulate(tie_order, seed=s)) for s in range(40)}) == 2


def test_seed_zero_is_the_natural_order_and_has_no_lost_update():
    assert simulate(racy_counter) == 6
    assert simulate(tie_order) == ["a", "b"]


def test_a_recorded_schedule_replays_the_run_exactly():
    for seed in range(1, 30):
        first = run(racy_counter, chooser=RandomChooser(seed))
        again = run(racy_counter, chooser=ReplayChooser(first.schedule))
        assert (again.value, again.schedule) == (first.value, first.schedule)
        plain = run(racy_counter, chooser=ReplayChooser(first.schedule.indices()))
        assert plain.value == first.value


class _WrappedWalk:
    """A random walk the scheduler does not recognise: every decision goes through
    ``RandomChooser.choose``, none through ``Scheduler.preempt``'s inline draw."""

    def __init__(self, seed: int) -> None:
        self.choose = RandomChooser(seed).choose


def sleepy_pool() -> int:
    """Timers due within a step at most points: the clock option is offered often."""
    with futures.ThreadPoolExecutor(max_workers=3) as ex:
        fs = [ex.submit(time.sleep, random.random() / 100) for _ in range(30)]
        return sum(1 for _ in futures.as_completed(fs))


def test_the_inlined_walk_draws_what_random_chooser_choose_draws():
    for seed in range(1, 40):
        for program in (racy_counter, sleepy_pool):
            inline = run(program, chooser=RandomChooser(seed))
            plain = run(program, chooser=_WrappedWalk(seed))
            assert inline.schedule == plain.schedule, (seed, program.__name__)


def test_a_schedule_that_no_longer_fits_says_where_it_diverges():
    recorded = run(racy_counter, chooser=RandomChooser(3)).schedule
    wrong = Schedule(tuple(type(c)(c.index, c.options + 1, c.kind) for c in recorded.choices))
    with pytest.raises(ScheduleError, match="diverges from the program at choice 0"):
        simulate(racy_counter, schedule=wrong)


def test_seed_and_schedule_together_are_refused():
    with pytest.raises(SimfuturesError, match="not both"):
        simulate(racy_counter, seed=1, schedule=[0])


def test_deadlock_names_every_thread_what_it_waits_on_and_where():
    def lock_order() -> None:
        a, b = threading.Lock(), threading.Lock()

        def one() -> None:
            with a:
                time.sleep(0.1)
                with b:
                    pass

        def two() -> None:
            with b:
                time.sleep(0.1)
                with a:
                    pass

        t1, t2 = threading.Thread(target=one), threading.Thread(target=two)
        t1.start()
        t2.start()
        t1.join()

    with pytest.raises(DeadlockError) as info:
        simulate(lock_order)
    report = info.value.report()
    this_file = Path(__file__).name
    assert "Thread-1 (one): Lock.acquire() (held by Thread-2 (two))" in report
    assert "Thread-2 (two): Lock.acquire() (held by Thread-1 (one))" in report
    assert "MainThread: Thread.join() on Thread-1 (one)" in report
    assert report.count(this_file) == 3


def test_a_task_waiting_on_a_task_in_a_full_pool_deadlocks_cleanly():
    def nested() -> None:
        with futures.ThreadPoolExecutor(max_workers=1) as ex:
            ex.submit(lambda: ex.submit(lambda: 1).result()).result()

    with pytest.raises(DeadlockError, match="ThreadPoolExecutor-0_0"):
        simulate(nested)


def test_endless_timer_loop_is_cut_by_the_virtual_time_limit():
    def forever() -> None:
        while True:
            time.sleep(1)

    with pytest.raises(LimitError, match="virtual time limit"):
        simulate(forever, limits=Limits(max_virtual_time=50))


def test_endless_yielding_loop_is_cut_by_the_step_limit():
    def spin() -> None:
        lock = threading.Lock()
        while True:
            with lock:
                pass

    with pytest.raises(LimitError, match="step limit"):
        simulate(spin, limits=Limits(max_steps=500))


def test_thread_names_and_counters_restart_with_every_run():
    def names() -> list[str]:
        seen = []
        with futures.ThreadPoolExecutor(max_workers=2) as ex:
            for _ in range(2):
                seen.append(ex.submit(lambda: threading.current_thread().name).result())
        t = threading.Thread(target=lambda: None)
        return [threading.current_thread().name, *seen, t.name]

    expected = ["MainThread", "ThreadPoolExecutor-0_0", "ThreadPoolExecutor-0_0",
                "Thread-1 (<lambda>)"]
    assert simulate(names) == expected
    assert simulate(names) == expected


def test_thread_local_is_per_virtual_thread():
    def locals_() -> list[int]:
        data = threading.local()
        data.value = -1

        def task(i: int) -> int:
            data.value = i
            time.sleep(0.01)
            return data.value

        with futures.ThreadPoolExecutor(max_workers=3) as ex:
            results = list(ex.map(task, range(6)))
        return [data.value, *results]

    assert simulate(locals_, seed=5) == [-1, 0, 1, 2, 3, 4, 5]


def test_random_is_seeded_from_the_chooser():
    def draw() -> list[float]:
        return [random.random() for _ in range(3)]

    assert simulate(draw, seed=4) == simulate(draw, seed=4)
    assert simulate(draw, seed=4) != simulate(draw, seed=5)


def test_os_entropy_and_temporary_names_come_from_the_seed_too():
    import tempfile
    import uuid

    def draw() -> tuple[str, str, float]:
        with tempfile.TemporaryDirectory() as folder:
            return str(uuid.uuid4()), os.path.basename(folder), random.random()

    first = simulate(draw, seed=4)
    assert simulate(draw, seed=4) == first
    assert simulate(draw, seed=5)[:2] != first[:2]
    # The program's own random draws are the ones it made before (a copy is used).
    assert first[2] == simulate(lambda: random.random(), seed=4)
    assert tempfile._name_sequence is None or not hasattr(tempfile._name_sequence, "_seeded")


def test_leaving_a_simulation_restores_every_patched_name():
    originals = (time.sleep, time.monotonic, threading.Lock, threading.Thread,
                 threading.current_thread, os.getpid, os.kill, random.random,
                 futures.ThreadPoolExecutor, futures.wait, sys.stdout)
    inside = simulate(lambda: (time.sleep, threading.Thread, futures.ThreadPoolExecutor))
    assert inside[0] is not originals[0] and inside[2] is not originals[8]
    assert (time.sleep, time.monotonic, threading.Lock, threading.Thread,
            threading.current_thread, os.getpid, os.kill, random.random,
            futures.ThreadPoolExecutor, futures.wait, sys.stdout) == originals


def test_simulated_objects_refuse_to_work_outside_a_simulation():
    from simfutures.sim import ThreadPoolExecutor

    with pytest.raises(NotInSimulationError, match="inside a simulation"):
        ThreadPoolExecutor(max_workers=1)


def test_simulations_cannot_be_nested():
    with pytest.raises(SimfuturesError, match="cannot be nested"):
        simulate(lambda: simulate(lambda: None))


def test_natural_chooser_always_picks_zero():
    assert [NaturalChooser().choose(n, "thread") for n in (1, 2, 9)] == [0, 0, 0]


def test_process_pool_workers_have_their_own_pids_and_pickle_calls():
    def pids() -> tuple[int, set[int], str]:
        with futures.ProcessPoolExecutor(max_workers=2) as ex:
            worker_pids = {f.result() for f in [ex.submit(os.getpid) for _ in range(6)]}
            try:
                ex.submit(lambda: None).result()
                pickled = "no"
            except AttributeError as exc:  # local functions cannot cross a process boundary
                pickled = str(exc)
        return os.getpid(), worker_pids, pickled

    main_pid, worker_pids, pickled = simulate(pids)
    assert main_pid not in worker_pids and worker_pids
    # The running pickle's words (3.13: "Can't get local object").
    assert pickled.startswith("Can't get local object" if sys.version_info >= (3, 13)
                              else "Can't pickle local object")


def test_killing_a_worker_breaks_the_pool_with_the_stdlib_message():
    def broken() -> str:
        import signal

        with futures.ProcessPoolExecutor(max_workers=2) as ex:
            pid = ex.submit(os.getpid).result()
            os.kill(pid, signal.SIGKILL)
            try:
                ex.submit(os.getpid).result()
            except futures.process.BrokenProcessPool as exc:
                return str(exc)
        return "not broken"

    messages = {simulate(broken, seed=s) for s in range(10)}
    assert "A process in the process pool was terminated abruptly while the future was " \
           "running or pending." in messages


def test_same_seed_same_bytes_across_processes_with_different_hash_seeds():
    script = REPO / "examples" / "seeds" / "futures_thread_pool_map.py"
    outputs = set()
    for hash_seed in ("1", "2", "random"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-m", "simfutures.cli", "run", str(script),
                               "--seed", "17"], capture_output=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_a_diverging_schedule_is_reported_even_when_a_worker_thread_hits_it():
    def pool_program() -> list[int]:
        with futures.ThreadPoolExecutor(max_workers=3) as ex:
            return list(ex.map(lambda x: (time.sleep(0.01), x)[1], range(6)))

    recorded = run(pool_program, chooser=RandomChooser(5)).schedule
    assert len(recorded.choices) > 3
    bent = list(recorded.choices)
    bent[-1] = type(bent[-1])(0, bent[-1].options + 5, bent[-1].kind)
    with pytest.raises(ScheduleError, match="diverges"):
        simulate(pool_program, schedule=Schedule(tuple(bent)))


def test_thread_pool_joins_its_threads_in_start_order_not_address_order():
    # A set of threads iterates in address order, which differs between processes:
    # shutdown(wait=True) would join them in an order a replay cannot reproduce.
    from simfutures.executor.waiting import OrderedSet

    class Hashed:
        def __init__(self, h: int) -> None:
            self.h = h

        def __hash__(self) -> int:
            return self.h

    items = [Hashed(h) for h in (7, 3, 5, 1, 6, 2)]
    ordered = OrderedSet()
    for item in items:
        ordered.add(item)
    ordered.add(items[0])  # (adding again keeps the first place)
    ordered.discard(items[2])
    assert [i.h for i in ordered] == [7, 3, 1, 6, 2]

    def names() -> list[str]:
        with futures.ThreadPoolExecutor(max_workers=4) as ex:
            list(ex.map(time.sleep, [0.1] * 4))
            return [t.name for t in ex._threads]

    assert simulate(names) == [f"ThreadPoolExecutor-0_{i}" for i in range(4)]


def done_futures_in_set_order() -> tuple[list[int], list[int]]:
    """The order wait()'s done set and as_completed give futures that were all done."""
    with futures.ThreadPoolExecutor(max_workers=2) as ex:
        fs = {ex.submit(abs, -i): i for i in range(3)}
        done, _ = futures.wait(fs)
        return [fs[f] for f in done], [fs[f] for f in futures.as_completed(fs)]


def test_sets_of_done_futures_iterate_in_any_order_seed_zero_in_submission_order():
    # CPython iterates a set of futures by id(): any order (not a scheduling choice,
    # so no thread interleaving shows it; the simulator chooses it, kind "order").
    assert simulate(done_futures_in_set_order) == ([0, 1, 2], [0, 1, 2])
    runs = [simulate(done_futures_in_set_order, seed=seed) for seed in range(1, 60)]
    assert {tuple(waited) for waited, _ in runs} == {
        (0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)}
    assert len({tuple(completed) for _, completed in runs}) == 6
    recorded = run(done_futures_in_set_order, chooser=RandomChooser(5))
    assert "order" in {choice.kind for choice in recorded.schedule.choices}
    assert run(done_futures_in_set_order,
               chooser=ReplayChooser(recorded.schedule)).value == recorded.value


class _CollectorLikeChooser(RandomChooser):
    """Runs code at every decision, as the garbage collector may while the scheduler
    decides (a collected executor's weakref callback puts a wake-up in its queue)."""

    def __init__(self, seed: int, meddle) -> None:
        super().__init__(seed)
        self.meddle = meddle

    def choose(self, n: int, kind: str) -> int:
        self.meddle()
        return super().choose(n, kind)


def test_code_run_while_the_scheduler_decides_switches_no_thread():
    import queue

    box: dict = {}

    def meddle() -> None:
        inbox = box.get("inbox")
        if inbox is not None:
            inbox.put("wake-up")  # reaches scheduling points: none may switch here

    def program() -> int:
        inbox = box["inbox"] = queue.Queue()
        handled = []

        def consume() -> None:
            while inbox.get() != "stop":
                handled.append(1)

        workers = [threading.Thread(target=consume) for _ in range(2)]
        for worker in workers:
            worker.start()
        for _ in range(5):
            inbox.put("job")
        for _ in workers:
            inbox.put("stop")
        for worker in workers:
            worker.join()
        box.pop("inbox")
        return len(handled)

    for seed in range(30):
        assert run(program, chooser=_CollectorLikeChooser(seed, meddle)).exception is None


def test_a_thread_started_after_another_ended_reuses_its_ident():
    """CPython's get_ident() is the pthread_t, which glibc gives the next thread from
    the stack cache: sequential threads share one ident (probe d32: 200/200 real)."""

    def program():
        seen = []
        local = threading.local()

        go = threading.Event()

        def record(wait=False):
            if wait:
                go.wait()
            seen.append((threading.get_ident(), threading.current_thread().ident,
                         getattr(local, "mark", None)))
            local.mark = "set by an earlier thread"

        for _ in range(3):  # one after another: each reuses the ident of the last
            thread = threading.Thread(target=record)
            thread.start()
            thread.join()
        both = [threading.Thread(target=record, args=(True,)) for _ in range(2)]
        for thread in both:
            thread.start()
        go.set()  # both alive at once until now
        for thread in both:
            thread.join()
        return seen, threading.get_ident()

    seen, main = simulate(program)
    idents = [ident for ident, _, _ in seen]
    assert idents[0] == idents[1] == idents[2] != main
    assert idents[3] != idents[4]  # two live threads never share one
    assert all(ident == thread_ident for ident, thread_ident, _ in seen)
    # a thread-local value is the thread's, not its ident's
    assert [mark for _, _, mark in seen] == [None] * 5
