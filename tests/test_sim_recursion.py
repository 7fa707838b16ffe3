"""The recursion headroom of the program's code under the simulator is CPython's
(``sim/recursion.py``): in the main script, a thread's target and a pool task, whatever
the host's depth and whichever thread first switched to a thread's greenlet."""

from __future__ import annotations

import subprocess
import sys

import pytest

from simfutures.program import load_program
from simfutures.sim.chooser import NaturalChooser, chooser_for_seed

DEPTHS = """
import sys, threading
from concurrent.futures import ThreadPoolExecutor

def depth():
    def down(n):
        try:
            return down(n + 1)
        except RecursionError:
            return n
    return down(0)

print("main", sys.getrecursionlimit(), depth())
with ThreadPoolExecutor(2) as pool:
    print("pool", pool.submit(depth).result())
    sys.setrecursionlimit(300)
    print("pool", sys.getrecursionlimit(), sorted(pool.map(lambda _: depth(), range(4))))
thread = threading.Thread(target=lambda: print("thread", depth()))
thread.start()
thread.join()
for bad in (0, "x"):
    try:
        sys.setrecursionlimit(bad)
    except (ValueError, TypeError) as error:
        print(type(error).__name__, error)
"""


@pytest.fixture(scope="module")
def depths(tmp_path_factory):
    path = tmp_path_factory.mktemp("recursion") / "depths.py"
    path.write_text(DEPTHS)
    real = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          check=True).stdout
    return path, real


def test_the_program_recurses_as_deep_as_under_cpython(depths):
    path, real = depths
    # (before: main 984, pool 968, thread 974 frames on 3.11, where CPython has 997/993/994)
    assert load_program(path).run(NaturalChooser()).stdout == real


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_headroom_does_not_depend_on_the_schedule(depths, seed):
    path, real = depths
    assert load_program(path).run(chooser_for_seed(seed)).stdout == real


def test_the_hosts_limit_is_back_after_the_run(depths):
    path, _real = depths
    before = sys.getrecursionlimit()
    load_program(path).run(NaturalChooser())
    assert sys.getrecursionlimit() == before
