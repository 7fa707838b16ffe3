"""``multiprocessing.Manager()`` under the simulator (``sim/managers.py``): the same
proxies, copies and errors as CPython's real manager, shared with a process pool's
tasks, each proxy call a scheduling point."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import multiprocessing.managers

import pytest

from simfutures.explore.search import ProgramSpec, SearchConfig, search
from simfutures.program import load_program
from simfutures.sim import simulate


def _store(shared, key, value):
    shared[key] = value
    return key


def _observations() -> list:
    """What a program sees of a manager's objects: run for real and simulated."""
    seen = []
    with multiprocessing.Manager() as manager:
        d = manager.dict(a=1)
        seen.append((type(d).__name__, isinstance(d, multiprocessing.managers.DictProxy)))
        seen.append(repr(d).startswith("<DictProxy object, typeid 'dict' at 0x"))
        seen.append(str(d))
        d["nested"] = []
        d["nested"].append(1)  # appends to a copy: the manager's list stays empty
        seen.append(d["nested"])
        try:
            d["missing"]
        except KeyError as error:
            seen.append(("KeyError", str(error)))
        seen.append((len(d), "a" in d, sorted(d.keys()), sorted(d), d.get("zz", 5)))
        # (looked up when called: inside a run it is the simulator's)
        with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
            seen.append(sorted(pool.map(_store, [d, d], ["x", "y"], [10, 20])))
        seen.append(sorted(d.items(), key=repr))

        items = manager.list([1, 2])
        items += [3]
        items.append(4)
        seen.append((type(items).__name__, list(items), items[0], len(items)))

        space = manager.Namespace(x=1)
        space.x += 1
        seen.append((type(space).__name__, space.x))

        value = manager.Value("i", 3)
        value.value += 1
        seen.append((type(value).__name__, value.value, value.get()))

        queue = manager.Queue()
        queue.put("job")
        seen.append((type(queue).__name__, queue.qsize(), queue.get(), queue.empty()))

        lock = manager.Lock()
        seen.append((type(lock).__name__, lock.acquire(False), lock.acquire(False)))
        lock.release()
        with lock:
            pass

        event = manager.Event()
        event.set()
        seen.append((type(event).__name__, event.is_set(), event.wait(0)))
        try:
            manager.start()
        except multiprocessing.ProcessError as error:
            seen.append(("ProcessError", str(error)))
    try:
        manager.start()
    except multiprocessing.ProcessError as error:
        seen.append(("ProcessError", str(error)))
    return seen


def test_manager_objects_behave_as_cpythons_real_manager():
    real = _observations()
    assert simulate(_observations) == real
    assert simulate(_observations, seed=7) == real  # the same, whatever the interleaving
    assert ("KeyError", "'missing'") in real  # (the comparison is of something)


def test_manager_pool_is_refused_clearly():
    def use_pool():
        with multiprocessing.Manager() as manager:
            manager.Pool(2)

    with pytest.raises(NotImplementedError, match="a manager's Pool"):
        simulate(use_pool)


def test_manager_calls_are_scheduling_points_that_split_a_read_modify_write(tmp_path):
    # Without sim/managers.py the manager's server process and its pipes hang the run;
    # with each proxy call a scheduling point, the lost update is found and the natural
    # order passes (the race pair tests/races/manager_dict_update*.py, searched in
    # test_races.py, is the process-pool version).
    path = tmp_path / "counter.py"
    path.write_text(
        "import multiprocessing, threading\n"
        "with multiprocessing.Manager() as manager:\n"
        "    counts = manager.dict(n=0)\n"
        "    def bump():\n"
        "        counts['n'] = counts['n'] + 1\n"
        "    threads = [threading.Thread(target=bump) for _ in range(2)]\n"
        "    for t in threads: t.start()\n"
        "    for t in threads: t.join()\n"
        "    assert counts['n'] == 2, f\"lost update: {counts['n']}\"\n")
    result = search(ProgramSpec(str(path)), load_program(path),
                    SearchConfig(runs=300, stop_on_failure=True, preempt="sync"))
    assert result.first_failure is not None
    assert "lost update: 1" in result.first_failure.key.error
    assert result.first_failure.seed != 0
