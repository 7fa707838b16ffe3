"""``multiprocessing`` used directly under the simulator (``sim/mp_process.py``): the
stdlib's ``Process``, queues, pipes, locks, shared values and ``Pool`` on virtual
processes give what CPython's real ones give, and a run never forks."""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os
import queue
import re
import sys
import threading
import time

import pytest

from simfutures.explore.search import ProgramSpec, SearchConfig, search
from simfutures.program import load_program
from simfutures.sim import simulate

# The real side forks from a threaded test process (3.12+ warns about that).
pytestmark = pytest.mark.filterwarnings("ignore:This process:DeprecationWarning")

HITS: list[int] = []
WORKER_NAME = None


def _square(x):
    HITS.append(x)  # each process has its own copy of HITS
    return x * x


def _fail(x):
    raise ValueError(f"bad {x}")


def _unpicklable(_x):
    return threading.Lock()


def _init(name):
    global WORKER_NAME
    WORKER_NAME = name


def _named(_x):
    return WORKER_NAME


def _pid(_x):
    return os.getpid()


def _pool_observations(pool_class) -> list:
    """What a program sees of a pool: run for real and simulated."""
    HITS.clear()
    seen = []
    with pool_class(2, initializer=_init, initargs=("w",)) as pool:
        seen.append(pool.map(_square, range(6)))
        seen.append(sorted(pool.imap_unordered(_square, range(4))))
        seen.append(list(pool.imap(_square, range(3), chunksize=2)))
        seen.append(pool.starmap(pow, [(2, 3), (3, 2)]))
        seen.append(pool.apply(_square, (7,)))
        done = []
        result = pool.apply_async(_square, (8,), callback=done.append)
        seen.append((result.get(timeout=5), result.ready(), result.successful(), done))
        failed = pool.apply_async(_fail, (1,), error_callback=lambda e: done.append(repr(e)))
        with pytest.raises(ValueError) as error:
            failed.get()
        seen.append((str(error.value), failed.successful(), done[-1]))
        seen.append(set(pool.map(_named, range(4))))
        seen.append(len(set(pool.map(_pid, range(8)))) <= 2)
        if pool_class is multiprocessing.Pool:
            with pytest.raises(multiprocessing.pool.MaybeEncodingError) as error:
                pool.apply(_unpicklable, (1,))
            seen.append(re.sub("0x[0-9a-f]+", "0x?", str(error.value)))
    seen.append((HITS, WORKER_NAME))  # the parent's own globals
    pool = pool_class(1)
    pool.close()
    with pytest.raises(ValueError) as error:
        pool.apply(_square, (1,))
    seen.append(str(error.value))
    pool.join()
    return seen


@pytest.mark.parametrize("pool_class", [multiprocessing.Pool, multiprocessing.pool.ThreadPool],
                         ids=["Pool", "ThreadPool"])
def test_pools_behave_as_cpythons_real_pools(pool_class):
    real = _pool_observations(pool_class)
    assert real[0] == [0, 1, 4, 9, 16, 25]  # (the comparison is of something)
    assert simulate(lambda: _pool_observations(pool_class)) == real
    assert simulate(lambda: _pool_observations(pool_class), seed=5) == real


def _child(q, results, lock, counter, ready):
    me = multiprocessing.current_process()
    parent = multiprocessing.parent_process()
    # (numbered from 1 in a fresh program: here after the test session's processes)
    name = me.name.rsplit("-", 1)[0]
    results.put((name, me.pid == os.getpid(), parent.name, parent.pid != os.getpid()))
    ready.wait(5)
    with lock:
        counter.value += 1
    for item in iter(q.get, None):
        results.put(item * 10)
        q.task_done()
    q.task_done()


def _exits(code):
    HITS.append(code)
    if code == "raise":
        raise RuntimeError("boom")
    sys.exit(code)


def _piped(conn):
    conn.send(("hello", conn.recv() + 1))
    conn.close()


def _process_observations() -> list:
    HITS.clear()
    seen = []
    q = multiprocessing.JoinableQueue()
    results = multiprocessing.Queue()
    lock = multiprocessing.Lock()
    counter = multiprocessing.Value("i", 0)
    ready = multiprocessing.Event()
    workers = [multiprocessing.Process(target=_child, args=(q, results, lock, counter, ready))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    seen.append(sorted(results.get(timeout=5) for _ in workers))
    seen.append(sorted(p.name.rsplit("-", 1)[0] for p in multiprocessing.active_children()))
    ready.set()
    for item in range(4):
        q.put(item)
    q.join()  # every task_done() arrived
    for _ in workers:
        q.put(None)
    for worker in workers:
        worker.join(5)
    seen.append(sorted(results.get(timeout=5) for _ in range(4)))
    seen.append((counter.value, [w.exitcode for w in workers], [w.is_alive() for w in workers]))
    with pytest.raises(queue.Empty):
        results.get(timeout=0.01)
    for code in (0, 3, None, "raise"):
        process = multiprocessing.Process(target=_exits, args=(code,))
        process.start()
        process.join()
        seen.append(process.exitcode)
    mine, theirs = multiprocessing.Pipe()
    process = multiprocessing.Process(target=_piped, args=(theirs,))
    process.start()
    mine.send(41)
    seen.append(mine.recv())
    process.join()
    sleeper = multiprocessing.Process(target=ready.wait, args=(None,))
    ready.clear()
    sleeper.start()
    sleeper.terminate()
    sleeper.join()
    seen.append((sleeper.exitcode, HITS))
    return seen


def _acquire_observations() -> list:
    """multiprocessing's acquire(block, timeout): a non-blocking call ignores the
    timeout, None waits for ever (threading's locks refuse both); get_nowait() passes
    them, and a put() reaches the queue through its feeder thread a little later."""
    seen = []
    for make in (multiprocessing.Lock, multiprocessing.RLock,
                 lambda: multiprocessing.Semaphore(1),
                 lambda: multiprocessing.BoundedSemaphore(1)):
        lock = make()
        seen.append((lock.acquire(False, None), lock.acquire(False, 5)))
        lock.release()
        seen.append((lock.acquire(True, None), lock.acquire(True, 0.001)))
    q = multiprocessing.Queue()
    q.put("x")
    seen.append(q.get(timeout=5))
    q.put("y")
    time.sleep(0.2)
    seen.append(q.get_nowait())
    return seen


def _raised(action) -> str | None:
    try:
        action()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _semlock_observations() -> list:
    """multiprocessing's own reprs, get_value() and release errors."""
    lock, rlock = multiprocessing.Lock(), multiprocessing.RLock()
    semaphore, bounded = multiprocessing.Semaphore(2), multiprocessing.BoundedSemaphore(1)
    seen = [repr(lock), repr(rlock), repr(semaphore), repr(bounded), semaphore.get_value()]
    lock.acquire()
    rlock.acquire()
    rlock.acquire()
    semaphore.acquire()
    seen += [repr(lock), repr(rlock), repr(semaphore), semaphore.get_value()]
    other = threading.Thread(target=lambda: seen.append(
        (repr(lock), repr(rlock), _raised(rlock.release), _raised(lock.release))))
    other.start()
    other.join()  # (the other thread released the plain lock: a semaphore may)
    rlock.release()
    rlock.release()
    seen += [_raised(lock.release), _raised(rlock.release), _raised(bounded.release),
             repr(lock), repr(rlock)]
    return seen


def test_locks_and_semaphores_are_multiprocessings():
    real = _semlock_observations()
    assert real[0] == "<Lock(owner=None)>"  # (the comparison is of something)
    assert simulate(_semlock_observations) == real


def test_acquire_arguments_are_multiprocessings():
    real = _acquire_observations()
    assert real[0] == (True, False) and real[-1] == "y"
    assert simulate(_acquire_observations) == real
    assert simulate(_acquire_observations, seed=2) == real


def test_processes_queues_and_locks_behave_as_cpythons(capfd):
    real = _process_observations()
    assert real[2] == [0, 10, 20, 30]  # (the comparison is of something)
    real_err = capfd.readouterr().err
    assert simulate(_process_observations) == real
    assert simulate(_process_observations, seed=2) == real
    simulated_err = capfd.readouterr().err
    # A child that raises prints CPython's header and traceback on stderr.
    assert "Process Process-" in real_err and "RuntimeError: boom" in real_err
    assert simulated_err.count("RuntimeError: boom") == 2


def _explore(tmp_path, source: str, runs: int):
    """``source`` as a script, explored with the default strategy for ``runs`` runs."""
    path = tmp_path / "program.py"
    path.write_text(source)
    return search(ProgramSpec(str(path)), load_program(path), SearchConfig(runs=runs))


def _outputs(result) -> set[str]:
    return {group.key.stdout for group in result.groups}


def test_a_non_daemonic_child_is_joined_at_exit_and_a_daemonic_one_ends(tmp_path):
    result = _explore(tmp_path, (
        "import multiprocessing, time\n"
        "def late(label):\n"
        "    time.sleep(0.5)\n"
        "    print(label, flush=True)\n"
        "if __name__ == '__main__':\n"
        "    multiprocessing.Process(target=late, args=('joined',)).start()\n"
        "    multiprocessing.Process(target=late, args=('ended',), daemon=True).start()\n"
        "    print('main done', flush=True)\n"), runs=20)
    assert _outputs(result) == {"main done\njoined\n"}


def test_a_pool_with_a_worker_that_dies_is_explored_without_hanging(tmp_path):
    result = _explore(tmp_path, (
        "import multiprocessing, os\n"
        "def task(x):\n"
        "    if x == 3:\n"
        "        os._exit(1)  # the worker dies; the pool replaces it\n"
        "    return x\n"
        "if __name__ == '__main__':\n"
        "    with multiprocessing.Pool(2) as pool:\n"
        "        print(pool.apply_async(task, (1,)).get(timeout=5))\n"
        "        lost = pool.apply_async(task, (3,))\n"
        "        print(pool.apply_async(task, (2,)).get(timeout=5))\n"
        "        try:\n"
        "            lost.get(timeout=1)\n"
        "        except multiprocessing.TimeoutError:\n"
        "            print('lost')\n"), runs=40)
    assert _outputs(result) == {"1\n2\nlost\n"}
    assert result.failures == 0


def test_a_queue_pickles_in_its_feeder_thread_so_a_later_change_may_be_sent(tmp_path):
    # The stdlib's Queue runs unchanged: put() hands the object to a feeder thread,
    # which pickles it later (CPython's documented pitfall; real runs send the
    # changed list nearly always). Both outcomes are schedules of the simulator.
    result = _explore(tmp_path, (
        "import multiprocessing\n"
        "if __name__ == '__main__':\n"
        "    q = multiprocessing.Queue()\n"
        "    batch = ['a']\n"
        "    q.put(batch)\n"
        "    batch.append('b')\n"
        "    print(q.get())\n"), runs=60)
    assert _outputs(result) == {"['a']\n", "['a', 'b']\n"}
