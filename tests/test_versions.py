"""Where CPython 3.11, 3.12 and 3.13 differ, both worlds follow the running one.

Each test runs the same program with the running interpreter's stdlib and with
simfutures (real, and the simulator where it applies), and checks they agree
and that the outcome is the one docs/versions.md gives for this version, so a
test fails if simfutures follows another version's rule or if the table is
wrong about the stdlib.
"""

from __future__ import annotations

import concurrent.futures as stdlib
import multiprocessing
import os
import re
import sys
import threading
import warnings

import pytest

import simfutures.real as futures
from simfutures.sim import simulate

PY = sys.version_info[:2]
FORK = multiprocessing.get_context("fork")


# -- thread pool: when a worker counts itself idle (gh-102024, 3.12) --------


def _idle_count(pool) -> int:
    if hasattr(pool, "_idle_semaphore"):  # the stdlib's
        return pool._idle_semaphore._value
    return len(pool._idle_tokens)


def _saturate(pool_class, gate_class):
    """Two workers held on a gate, two more calls queued behind them (the pool
    is at max_workers, so they start no thread), then everything runs."""
    pool = pool_class(max_workers=2)
    gate = gate_class()
    fs = [pool.submit(gate.wait) for _ in range(2)]
    fs += [pool.submit(int) for _ in range(2)]
    gate.set()
    for f in fs:
        f.result()
    return pool


@pytest.mark.parametrize("pool_class", [stdlib.ThreadPoolExecutor, futures.ThreadPoolExecutor],
                         ids=["stdlib", "simfutures.real"])
def test_idle_count_follows_the_running_pythons_rule(pool_class):
    pool = _saturate(pool_class, threading.Event)
    # Joining the workers settles the count (no sleeping); the wake-ups that
    # shutdown sends may overtake a 3.12+ worker's last empty-queue check.
    pool.shutdown(wait=True)
    count = _idle_count(pool)
    assert len(pool._threads) == 2
    if PY == (3, 11):
        assert count == 4  # one per call run, queued calls included
    else:
        assert count <= 2  # at most one per worker that found the queue empty


def test_idle_count_in_the_simulator_at_seed_0():
    def program():
        import threading
        import time
        from concurrent.futures import ThreadPoolExecutor

        pool = _saturate(ThreadPoolExecutor, threading.Event)
        time.sleep(1)  # virtual: every worker is back waiting on the queue
        count = _idle_count(pool)
        pool.shutdown()
        return count

    assert simulate(program) == (4 if PY == (3, 11) else 2)


# -- default pool sizes: os.process_cpu_count (3.13) ---------------------------


@pytest.fixture
def cpu_counts(monkeypatch):
    """A machine with 5 CPUs of which this process may use 3 (3.13+ can tell)."""
    monkeypatch.setattr(os, "cpu_count", lambda: 5)
    if hasattr(os, "process_cpu_count"):
        monkeypatch.setattr(os, "process_cpu_count", lambda: 3)
    return 3 if PY >= (3, 13) else 5


def test_default_max_workers_count_the_cpus_the_running_python_counts(cpu_counts):
    expected_threads = cpu_counts + 4
    for module in (stdlib, futures):
        thread_pool = module.ThreadPoolExecutor()
        process_pool = module.ProcessPoolExecutor()
        assert (thread_pool._max_workers, process_pool._max_workers) == \
            (expected_threads, cpu_counts), module
        thread_pool.shutdown()
        process_pool.shutdown()

    def sizes():
        from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

        return ThreadPoolExecutor()._max_workers, ProcessPoolExecutor()._max_workers

    assert simulate(sizes) == (expected_threads, cpu_counts)


# -- API that later versions add is absent ---------------------------------------


def _unexpected_keyword(pool, **kwargs) -> str:
    with pytest.raises(TypeError) as info:
        pool.map(abs, [1], **kwargs)
    return str(info.value)


@pytest.mark.parametrize("kind", ["ThreadPoolExecutor", "ProcessPoolExecutor"])
def test_no_api_from_later_versions(kind):
    # 3.14 adds ProcessPoolExecutor.terminate_workers/kill_workers and
    # Executor.map(buffersize=): on 3.11-3.13 they do not exist, in either world.
    assert PY < (3, 14)
    pool, ours = getattr(stdlib, kind)(1), getattr(futures, kind)(1)
    try:
        for name in ("terminate_workers", "kill_workers"):
            assert hasattr(pool, name) == hasattr(ours, name) == False  # noqa: E712
        assert _unexpected_keyword(ours, buffersize=2) == _unexpected_keyword(pool, buffersize=2)
    finally:
        pool.shutdown()
        ours.shutdown()


def test_stdlib_names_exported():
    # 3.13 lists InvalidStateError in concurrent.futures.__all__.
    assert ("InvalidStateError" in stdlib.__all__) == (PY >= (3, 13))
    assert set(stdlib.__all__) <= set(futures.__all__)


# -- fork with threads: DeprecationWarning from os.fork (3.12) -----------------


def _fork_warnings(pool_class) -> list[str]:
    """Warnings from starting a 'fork' pool while another thread runs."""
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pool_class(1, mp_context=FORK) as pool:
                pool.submit(abs, -1).result(30)
    finally:
        stop.set()
        other.join()
    return [f"{w.category.__name__}: {re.sub(r'pid=[0-9]+', 'pid=N', str(w.message))}"
            for w in caught]


def test_fork_with_threads_warns_as_the_running_python_does():
    got, expected = _fork_warnings(futures.ProcessPoolExecutor), \
        _fork_warnings(stdlib.ProcessPoolExecutor)
    assert got == expected
    if PY >= (3, 12):
        assert expected == ["DeprecationWarning: This process (pid=N) is multi-threaded, "
                            "use of fork() may lead to deadlocks in the child."]
    else:
        assert expected == []
