"""Each virtual process has its own copy of the program's module globals
(``sim/process_memory.py``): what a process-pool task writes to a global stays in
its worker, as after a real fork; the parent keeps its own values."""

from __future__ import annotations

import collections
import concurrent.futures
import subprocess
import sys

import pytest

from simfutures.explore.search import ProgramSpec, SearchConfig, search
from simfutures.program import ScriptProgram, load_program
from simfutures.sim import simulate
from simfutures.sim.chooser import NaturalChooser, chooser_for_seed
from simfutures.sim.process_memory import LIVE_NAMESPACES, fork_copy

# The real side forks from a threaded test process (3.12+ warns about that).
pytestmark = pytest.mark.filterwarnings("ignore:This process:DeprecationWarning")


class Box:
    def __init__(self) -> None:
        self.items: list[int] = []


COUNTER = 0
SEEN: list[int] = []
ALIAS = SEEN  # two names, one list: a fork keeps them one list
TALLY: collections.Counter = collections.Counter()
BOX = Box()
CONFIG = None


def _init(value):
    global CONFIG
    CONFIG = value


def _bump(x):
    global COUNTER
    COUNTER += 1
    SEEN.append(x)
    TALLY[x] += 1
    BOX.items.append(x)
    return COUNTER, len(ALIAS), sorted(TALLY), BOX.items[:], CONFIG


def _observations() -> list:
    """What a program sees of globals across a process pool: run for real and simulated."""
    global COUNTER, CONFIG
    COUNTER, CONFIG = 0, None
    SEEN.clear()
    TALLY.clear()
    BOX.items.clear()
    seen = []
    COUNTER = 10  # before the pool starts its worker: the worker starts with 10
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=1, initializer=_init,
                                                  initargs=("worker",))
    with pool:
        seen.append(pool.submit(_bump, 1).result())
        COUNTER = 100  # after the fork: the worker keeps its own copy
        SEEN.append(-1)
        seen.append(pool.submit(_bump, 2).result())
    seen.append((COUNTER, SEEN[:], ALIAS is SEEN, dict(TALLY), BOX.items, CONFIG))
    return seen


def test_module_globals_are_per_process_as_in_cpython():
    real = _observations()
    assert real[-1] == (100, [-1], True, {}, [], None)  # (the comparison is of something)
    assert simulate(_observations) == real
    assert simulate(_observations, seed=3) == real
    assert not LIVE_NAMESPACES  # the main process's globals are live after a run


def test_fork_copy_copies_the_programs_data_and_shares_the_rest():
    shared = [1]
    data = {"a": shared, "b": (shared, "x"), "box": BOX, "fn": _bump}
    memo: dict = {}
    copied = fork_copy(data, memo)
    assert copied is not data and copied.keys() == data.keys()
    assert copied["a"] == shared and copied["b"][1] == "x"
    assert copied["a"] is not shared and copied["b"][0] is copied["a"]  # aliasing kept
    assert copied["box"] is not BOX and copied["box"].items is not BOX.items
    assert copied["box"].items == BOX.items
    assert copied["fn"] is _bump
    lock = concurrent.futures.thread.threading.Lock()
    assert fork_copy(lock, {}) is lock  # library objects are shared


def test_tasks_writing_globals_never_show_in_the_parent_nor_race_with_it(tmp_path):
    path = tmp_path / "tally.py"
    path.write_text(
        "from concurrent.futures import ProcessPoolExecutor\n"
        "counter = 0\n"
        "seen = []\n"
        "def task(x):\n"
        "    global counter\n"
        "    counter += 1\n"
        "    seen.append(x)\n"
        "    return counter\n"
        "if __name__ == '__main__':\n"
        "    with ProcessPoolExecutor(max_workers=2) as pool:\n"
        "        counts = list(pool.map(task, range(4)))\n"
        "    counter += 1\n"
        "    print(sum(c == 1 for c in counts), counter, seen)\n")
    result = search(ProgramSpec(str(path)), load_program(path), SearchConfig(runs=60))
    outputs = {group.key.stdout for group in result.groups}
    # One worker or both may have run tasks; the parent never sees them.
    assert outputs == {"1 1 []\n", "2 1 []\n"}
    assert not result.races  # each process writes its own copy of the global


SPAWNED = """
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

SETTINGS = {}
COUNT = 0


def task(key):
    global COUNT
    COUNT += 1
    return SETTINGS.get(key, "missing"), COUNT, __name__


if __name__ == "__main__":
    SETTINGS["db"] = "prod"
    context = mp.get_context("METHOD")
    with ProcessPoolExecutor(max_workers=1, mp_context=context, max_tasks_per_child=1) as pool:
        print(list(pool.map(task, ["db", "db"])))
    print(SETTINGS["db"], COUNT)
"""

UNGUARDED = """
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor


def square(x):
    return x * x


with ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context("METHOD")) as pool:
    print(sum(pool.map(square, range(5))))
"""


_BROKEN = "BrokenProcessPool: A process in the process pool was terminated abruptly"


def _real_and_simulated(tmp_path, source: str, method: str) -> tuple[tuple, tuple]:
    """Exit code, output, and which of the two errors stderr shows (a worker's
    RuntimeError, the parent's BrokenProcessPool), for a real and a simulated run.
    (CPython's resource tracker may warn after them, about semaphores workers leaked.)"""
    path = tmp_path / f"{method}.py"
    path.write_text(source.replace("METHOD", method))
    real = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          timeout=60)
    simulated = ScriptProgram(path).run(NaturalChooser())
    return tuple((code, out, "RuntimeError" in err, _BROKEN in err) for code, out, err in (
        (real.returncode, real.stdout, real.stderr),
        (simulated.exit_code, simulated.stdout, simulated.stderr)))


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_a_spawned_worker_imports_the_main_script_again_as_in_cpython(tmp_path, method):
    # Not the parent's globals (the guard's SETTINGS["db"] is missing), a fresh COUNT
    # per worker, and __name__ "__mp_main__".
    real, simulated = _real_and_simulated(tmp_path, SPAWNED, method)
    assert real[1] == ("[('missing', 1, '__mp_main__'), ('missing', 1, '__mp_main__')]\n"
                       "prod 0\n")
    assert simulated == real


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_a_script_without_the_main_guard_breaks_a_spawning_pool_as_in_cpython(
        tmp_path, method):
    # Each worker starts a pool again while importing the script: CPython refuses
    # (RuntimeError in the worker), and the parent's pool is broken.
    real, simulated = _real_and_simulated(tmp_path, UNGUARDED, method)
    assert real == (1, "", True, True)
    assert simulated == real


START_METHOD = """
import multiprocessing as mp

SETTINGS = {}


def show(queue):
    queue.put(SETTINGS.get("db", "missing"))


if __name__ == "__main__":
    mp.set_start_method("spawn")  # once per interpreter: so once per run
    SETTINGS["db"] = "prod"
    queue = mp.Queue()
    process = mp.Process(target=show, args=(queue,))
    process.start()
    print(queue.get(), process.name)
    process.join()
"""


def test_a_process_started_after_set_start_method_spawn_imports_the_script_again(tmp_path):
    path = tmp_path / "start_method.py"
    path.write_text(START_METHOD)
    real = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          timeout=60)
    assert real.stdout == "missing Process-1\n"
    program = ScriptProgram(path)
    for seed in (0, 1):
        outcome = program.run(chooser_for_seed(seed))
        assert (outcome.exit_code, outcome.stdout) == (0, real.stdout)


PACKAGE_STATE = {
    "settings/__init__.py": "from .values import LEVEL, seen\nfrom . import report\n",
    "settings/values.py": "LEVEL = 'initial'\nseen = []\nprint('values imported')\n",
    "settings/report.py": "from settings.values import seen\n\n\ndef note(x):\n"
                          "    seen.append(x)\n    return list(seen)\n",
}

SPAWNED_PACKAGE = """
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

import settings
from settings import report


def task(x):
    return settings.values.LEVEL, report.note(x), settings.seen is settings.values.seen


if __name__ == "__main__":
    settings.values.LEVEL = "changed by the parent"
    report.note("parent")
    with ProcessPoolExecutor(1, mp_context=mp.get_context("METHOD")) as pool:
        print(pool.submit(task, 1).result(), pool.submit(task, 2).result())
    print(settings.values.LEVEL, settings.seen)
"""


@pytest.mark.parametrize("method", ["spawn", "forkserver", "fork"])
def test_a_spawned_worker_imports_the_programs_other_modules_afresh_as_in_cpython(
        tmp_path, method):
    # spawn/forkserver: the worker's package has its initial LEVEL and an empty list
    # (its body ran again: printed once more); fork: the parent's, copied.
    for name, text in PACKAGE_STATE.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    real, simulated = _real_and_simulated(tmp_path, SPAWNED_PACKAGE, method)
    fresh = method != "fork"
    assert real[1].count("values imported") == (2 if fresh else 1)
    assert ("('initial', [1], True) ('initial', [1, 2], True)" in real[1]) == fresh
    assert simulated == real
