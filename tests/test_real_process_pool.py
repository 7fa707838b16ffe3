"""simfutures.real.ProcessPoolExecutor on real processes.

Behaviour that users can see, checked against CPython 3.11's
``concurrent.futures.process``: the pickling boundary, exceptions crossing it,
worker lifetimes, start methods, a pool broken by a killed worker, ``map``
chunking and shutdown.  Every test also checks that no worker process is left
alive afterwards.

Waiting is done on futures and ``multiprocessing`` events, never by sleeping.
"""

from __future__ import annotations

import concurrent.futures
import gc
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import threading
import traceback

import pytest

import simfutures.real as futures
from simfutures import events
from simfutures.real.process import BrokenProcessPool, _RemoteTraceback

FORK = multiprocessing.get_context("fork")
SAFETY_TIMEOUT = 30  # seconds; only reached if something is broken

BROKEN_FUTURE = ("A process in the process pool was terminated abruptly while the future "
                 "was running or pending.")
BROKEN_POOL = "A child process terminated abruptly, the process pool is not usable anymore"


# -- functions run in the workers (module level: picklable by reference) ----


def square(x):
    return x * x


def add(x, y):
    return x + y


def getpid(_=None):
    return os.getpid()


def raise_value_error(text):
    raise ValueError(text)  # the line the remote traceback must show


def return_lock():
    return threading.Lock()


def append_and_return(items, value):
    items.append(value)
    return items


# Events shared with the workers; synchronisation objects can only reach a
# worker by inheritance (initargs), not as call arguments.
_worker_events = None


def remember_events(started, release):
    global _worker_events
    _worker_events = started, release


def signal_and_block():
    """Tell the parent this call runs, then block until the test releases it."""
    started, release = _worker_events
    started.set()
    release.wait(SAFETY_TIMEOUT)
    return "released"


def ignore_sigterm_and_remember_events(started, release):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    remember_events(started, release)


def fail_initializer():
    raise RuntimeError("initializer failed")


def _boom():
    raise RuntimeError("unpickling the result failed")


class ExplodesWhenUnpickled:
    def __reduce__(self):
        return _boom, ()


class ExplodesWhenPickled:
    def __reduce__(self):
        raise pickle.PicklingError("not today")


def return_unpicklable_in_parent():
    return ExplodesWhenUnpickled()


# -- helpers ----------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_leaked_workers():
    yield
    # active_children() reaps finished children; what is left still runs.
    assert multiprocessing.active_children() == []


def assert_all_exited(processes, exitcode=0):
    for p in processes:
        assert not p.is_alive()
        if exitcode is not None:
            assert p.exitcode == exitcode


def blocking_pool(max_workers=1):
    """A fork pool whose workers can run ``signal_and_block``, and its two events."""
    started, release = FORK.Event(), FORK.Event()
    pool = futures.ProcessPoolExecutor(max_workers, mp_context=FORK,
                                       initializer=remember_events, initargs=(started, release))
    return pool, started, release


# -- construction -------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"max_workers": 0}, ValueError, "max_workers must be greater than 0"),
    ({"max_workers": -1}, ValueError, "max_workers must be greater than 0"),
    ({"initializer": 42}, TypeError, "initializer must be a callable"),
    ({"max_tasks_per_child": 0}, ValueError, "max_tasks_per_child must be >= 1"),
    ({"max_tasks_per_child": "3"}, TypeError, "max_tasks_per_child must be an integer"),
    ({"max_tasks_per_child": 3, "mp_context": FORK}, ValueError,
     "max_tasks_per_child is incompatible with the 'fork' multiprocessing start method; "
     "supply a different mp_context."),
])
def test_constructor_validation(kwargs, error, message):
    with pytest.raises(error) as info:
        futures.ProcessPoolExecutor(**kwargs)
    assert str(info.value) == message


def test_default_context_and_sizes():
    pool = futures.ProcessPoolExecutor()
    # 3.13 counts the CPUs this process may use (see tests/test_versions.py).
    cpus = os.process_cpu_count() if sys.version_info >= (3, 13) else os.cpu_count()
    assert pool._max_workers == (cpus or 1)
    assert pool._mp_context.get_start_method() == multiprocessing.get_start_method()
    assert pool._call_queue._maxsize == pool._max_workers + futures.process.EXTRA_QUEUED_CALLS
    pool.shutdown()


def test_max_tasks_per_child_defaults_to_spawn():
    pool = futures.ProcessPoolExecutor(1, max_tasks_per_child=2)
    assert pool._mp_context.get_start_method() == "spawn"
    pool.shutdown()


# -- the pickling boundary ----------------------------------------------------


def test_arguments_and_results_are_copies():
    items = [1]
    with futures.ProcessPoolExecutor(1, mp_context=FORK) as pool:
        returned = pool.submit(append_and_return, items, 2).result()
    assert returned == [1, 2]
    assert items == [1]  # the worker changed its own copy


def unpicklable_argument_outcome(module):
    local = lambda: None  # noqa: E731 - a local object cannot be pickled
    with module.ProcessPoolExecutor(1, mp_context=FORK) as pool:
        error = pool.submit(square, local).exception(SAFETY_TIMEOUT)
        after = pool.submit(square, 7).result()
    return error, after


# What the running pickle says about a local object: 3.13 words it differently.
LOCAL_OBJECT = ("Can't get local object" if sys.version_info >= (3, 13)
                else "Can't pickle local object")


def test_unpicklable_argument_fails_that_future_only():
    error, after = unpicklable_argument_outcome(futures)
    assert type(error) is AttributeError
    assert str(error).startswith(LOCAL_OBJECT)
    # The pickling traceback comes along as the cause, as in the stdlib.
    assert type(error.__cause__) is _RemoteTraceback
    assert f"AttributeError: {LOCAL_OBJECT}" in error.__cause__.tb
    assert after == 49  # the pool lives on

    stdlib_error, _ = unpicklable_argument_outcome(concurrent.futures)
    assert (type(error), str(error)) == (type(stdlib_error), str(stdlib_error))


def test_pickling_error_in_parent():
    with futures.ProcessPoolExecutor(1, mp_context=FORK) as pool:
        error = pool.submit(square, ExplodesWhenPickled()).exception(SAFETY_TIMEOUT)
    assert type(error) is pickle.PicklingError
    assert str(error) == "not today"


def test_unpicklable_result_becomes_the_pickling_error():
    with futures.ProcessPoolExecutor(1, mp_context=FORK) as pool:
        error = pool.submit(return_lock).exception(SAFETY_TIMEOUT)
        assert type(error) is TypeError
        assert str(error) == "cannot pickle '_thread.lock' object"
        assert type(error.__cause__) is _RemoteTraceback
        assert "Traceback (most recent call last)" in error.__cause__.tb
        assert pool.submit(square, 3).result() == 9  # the pool lives on


def test_exception_crosses_with_remote_traceback():
    with futures.ProcessPoolExecutor(1, mp_context=FORK) as pool:
        future = pool.submit(raise_value_error, "from the worker")
        with pytest.raises(ValueError) as info:
            future.result()
    error = info.value
    assert error.args == ("from the worker",)
    cause = error.__cause__
    assert type(cause) is _RemoteTraceback
    assert "raise ValueError(text)  # the line the remote traceback must show" in cause.tb
    assert cause.tb.startswith('\n"""\nTraceback')
    # Printed the usual way, the worker's frames show up as the cause.
    printed = "".join(traceback.format_exception(error))
    assert "The above exception was the direct cause" in printed
    assert "in raise_value_error" in printed


def test_unreadable_result_breaks_the_pool_with_cause():
    with futures.ProcessPoolExecutor(1, mp_context=FORK) as pool:
        with pytest.raises(BrokenProcessPool) as info:
            pool.submit(return_unpicklable_in_parent).result(SAFETY_TIMEOUT)
        processes = list(pool._processes.values())
        assert str(info.value) == BROKEN_FUTURE
        assert "unpickling the result failed" in str(info.value.__cause__)
        with pytest.raises(BrokenProcessPool, match=BROKEN_POOL):
            pool.submit(square, 2)
    assert_all_exited(processes, exitcode=None)


# -- workers --------------------------------------------------------------------


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_start_methods(method):
    context = multiprocessing.get_context(method)
    with futures.ProcessPoolExecutor(2, mp_context=context) as pool:
        assert pool.submit(square, 5).result() == 25
        # 'fork' starts every worker up front; the others one per demand,
        # reusing an idle worker before starting another.
        assert len(pool._processes) == (2 if method == "fork" else 1)
        assert pool.submit(square, 6).result() == 36
        assert len(pool._processes) == (2 if method == "fork" else 1)
        pids = set(pool.map(getpid, range(4)))
        assert os.getpid() not in pids
        assert pids <= set(pool._processes)
        processes = list(pool._processes.values())
    assert_all_exited(processes)


def test_max_tasks_per_child_gives_new_workers():
    context = multiprocessing.get_context("forkserver")
    with futures.ProcessPoolExecutor(1, mp_context=context, max_tasks_per_child=2) as pool:
        pids = []
        for _ in range(5):
            pids.append(pool.submit(getpid).result())
            # The retired worker is replaced before the result is published.
            assert len(pool._processes) == 1
        processes = list(pool._processes.values())
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]
    assert len(set(pids)) == 3
    assert_all_exited(processes)


RETIRING_WORKERS = """
import multiprocessing, os
import simfutures.real as futures

if __name__ == "__main__":
    context = multiprocessing.get_context("forkserver")
    with futures.ProcessPoolExecutor(1, mp_context=context, max_tasks_per_child=2) as pool:
        fs = [pool.submit(os.getpid) for _ in range(7)]
        print(*[f.result() for f in fs])
"""


def test_retired_workers_are_replaced_while_calls_are_queued():
    # Calls queued behind a worker that retires: a worker takes its next call
    # straight from the queue, so the idle count holds a token from an earlier
    # call when it retires.  A replacement must start anyway (CPython up to
    # 3.13.0 takes the token instead and hangs: gh-115634).  In a child
    # interpreter, because a pool that hangs so cannot be shut down.
    done = subprocess.run([sys.executable, "-c", RETIRING_WORKERS], capture_output=True,
                          text=True, timeout=SAFETY_TIMEOUT, check=True)
    pids = done.stdout.split()
    assert [len(set(pids[i:i + 2])) for i in range(0, 7, 2)] == [1, 1, 1, 1]
    assert len(set(pids)) == 4


def test_initializer_failure_breaks_the_pool():
    pool = futures.ProcessPoolExecutor(1, mp_context=FORK, initializer=fail_initializer)
    future = pool.submit(square, 2)
    processes = list(pool._processes.values())
    with pytest.raises(BrokenProcessPool) as info:
        future.result(SAFETY_TIMEOUT)
    assert str(info.value) == BROKEN_FUTURE
    with pytest.raises(BrokenProcessPool) as info:
        pool.submit(square, 2)
    assert str(info.value) == BROKEN_POOL
    pool.shutdown()
    assert_all_exited(processes)


def test_sigkill_of_a_worker_breaks_the_pool():
    pool, started, _release = blocking_pool(max_workers=2)
    running = pool.submit(signal_and_block)
    queued = [pool.submit(square, i) for i in range(5)]
    assert started.wait(SAFETY_TIMEOUT)
    processes = list(pool._processes.values())
    victim = processes[0].pid
    os.kill(victim, signal.SIGKILL)

    for future in [running, *queued]:
        # Some quick calls may have finished on the other worker first.
        error = future.exception(SAFETY_TIMEOUT)
        if error is not None:
            assert type(error) is BrokenProcessPool
            assert str(error) == BROKEN_FUTURE
    assert type(running.exception()) is BrokenProcessPool
    with pytest.raises(BrokenProcessPool) as info:
        pool.submit(square, 1)
    assert str(info.value) == BROKEN_POOL
    assert pool._broken == BROKEN_POOL
    pool.shutdown()
    # (No release.set(): a multiprocessing Condition waits for its killed sleeper.)
    # The other worker was terminated too: a broken pool leaves nobody behind.
    assert_all_exited(processes, exitcode=None)
    assert [p.exitcode for p in processes if p.pid == victim] == [-signal.SIGKILL]


def test_broken_pool_kills_workers_that_ignore_sigterm():
    started, release = FORK.Event(), FORK.Event()
    pool = futures.ProcessPoolExecutor(2, mp_context=FORK,
                                       initializer=ignore_sigterm_and_remember_events,
                                       initargs=(started, release))
    running = pool.submit(signal_and_block)
    assert started.wait(SAFETY_TIMEOUT)
    processes = list(pool._processes.values())
    os.kill(processes[0].pid, signal.SIGKILL)
    with pytest.raises(BrokenProcessPool):
        running.result(SAFETY_TIMEOUT)
    pool.shutdown()
    # The survivor ignored SIGTERM: after a grace period it was killed.
    assert_all_exited(processes, exitcode=-signal.SIGKILL)


EXIT_WITHOUT_SHUTDOWN = """
import os, sys
sys.path.insert(0, {tests!r})
import simfutures.real as futures
from test_real_process_pool import square
if __name__ == "__main__":
    pool = futures.ProcessPoolExecutor(2)
    assert pool.submit(square, 3).result() == 9
    print(" ".join(map(str, pool._processes)), flush=True)
"""


def test_interpreter_exit_stops_workers_of_a_live_pool():
    script = EXIT_WITHOUT_SHUTDOWN.format(tests=os.path.dirname(__file__))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=SAFETY_TIMEOUT, check=True)
    pids = [int(pid) for pid in done.stdout.split()]
    assert len(pids) == 2
    for pid in pids:  # the exiting interpreter joined them: they are gone
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_worker_events():
    seen = []
    unsubscribe = futures.runtime.bus.subscribe(seen.append)
    try:
        with futures.ProcessPoolExecutor(2, mp_context=FORK) as pool:
            pool.submit(square, 2).result()
            pids = set(pool._processes)
    finally:
        unsubscribe()
    starts = [e for e in seen if isinstance(e, events.WorkerStart)]
    exits = [e for e in seen if isinstance(e, events.WorkerExit)]
    assert {e.pid for e in starts} == {e.pid for e in exits} == pids
    assert {e.kind for e in starts + exits} == {"process"}
    assert {e.exitcode for e in exits} == {0}
    assert any(isinstance(e, events.Shutdown) for e in seen)


# -- map ----------------------------------------------------------------------------


@pytest.mark.parametrize("chunksize", [1, 6, 40, 50])
def test_map_chunks_keep_order(chunksize):
    expected = list(map(add, range(40), range(100, 140)))
    with futures.ProcessPoolExecutor(2, mp_context=FORK) as pool:
        assert list(pool.map(add, range(40), range(100, 140), chunksize=chunksize)) == expected
        assert list(pool.map(square, range(-20, 20), chunksize=chunksize)) == \
            [x * x for x in range(-20, 20)]
        # zip() semantics: the shortest iterable ends the map.
        assert list(pool.map(add, range(10), range(3), chunksize=chunksize)) == [0, 2, 4]


def test_map_chunksize_checked_at_call_time():
    with futures.ProcessPoolExecutor(1, mp_context=FORK) as pool:
        for bad in (0, -1):
            with pytest.raises(ValueError) as info:
                pool.map(square, range(3), chunksize=bad)  # not iterated
            assert str(info.value) == "chunksize must be >= 1."


def test_map_error_surfaces_in_order():
    with futures.ProcessPoolExecutor(2, mp_context=FORK) as pool:
        results = pool.map(raise_value_error, ["a", "b"], chunksize=1)
        with pytest.raises(ValueError, match="^a$"):
            next(results)


# -- shutdown ------------------------------------------------------------------------


def test_submit_after_shutdown():
    pool = futures.ProcessPoolExecutor(1, mp_context=FORK)
    pool.shutdown()
    with pytest.raises(RuntimeError) as info:
        pool.submit(square, 1)
    assert str(info.value) == "cannot schedule new futures after shutdown"


def test_shutdown_cancel_futures():
    pool, started, release = blocking_pool(max_workers=1)
    first = pool.submit(signal_and_block)
    assert started.wait(SAFETY_TIMEOUT)
    later = [pool.submit(square, i) for i in range(10)]
    processes = list(pool._processes.values())
    manager = pool._executor_manager_thread
    # Only calls already handed to the call queue (max_workers + 1) can still run, once
    # the manager thread has seen the shutdown: release the blocked call only then (until
    # then the manager, as the stdlib's, keeps refilling the queue as the worker drains it).
    queued = 1 + futures.process.EXTRA_QUEUED_CALLS
    cancelled = []
    all_cancelled = threading.Event()

    def count_cancelled(future):
        if future.cancelled():
            cancelled.append(future)
            if len(cancelled) == len(later) - queued:
                all_cancelled.set()

    for future in later:
        future.add_done_callback(count_cancelled)
    pool.shutdown(wait=False, cancel_futures=True)
    assert all_cancelled.wait(SAFETY_TIMEOUT), f"{len(cancelled)} calls cancelled"
    release.set()
    assert first.result(SAFETY_TIMEOUT) == "released"
    # The manager thread cancels, finishes what runs, then joins the workers
    # (joining them here too would race with it inside multiprocessing).
    manager.join(SAFETY_TIMEOUT)
    assert not manager.is_alive()
    done = [f for f in later if not f.cancelled()]
    assert len(done) <= queued
    assert all(f.result(0) == later.index(f) ** 2 for f in done)
    assert_all_exited(processes)


def test_shutdown_without_wait_still_cleans_up():
    pool = futures.ProcessPoolExecutor(2, mp_context=FORK)
    results = pool.map(square, range(10))
    processes = list(pool._processes.values())
    manager = pool._executor_manager_thread
    pool.shutdown(wait=False)
    assert list(results) == [x * x for x in range(10)]
    manager.join(SAFETY_TIMEOUT)
    assert not manager.is_alive()
    assert_all_exited(processes)


def test_collected_pool_stops_its_workers():
    pool = futures.ProcessPoolExecutor(2, mp_context=FORK)
    future = pool.submit(square, 4)
    processes = list(pool._processes.values())
    manager = pool._executor_manager_thread
    del pool
    gc.collect()
    assert future.result(SAFETY_TIMEOUT) == 16
    manager.join(SAFETY_TIMEOUT)
    assert not manager.is_alive()
    assert_all_exited(processes)
