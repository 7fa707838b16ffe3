"""``os._exit`` in a simulated program ends that simulated process, never simfutures."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

MAIN_EXIT = """
import os
print("before")
try:
    os._exit(3)
finally:
    print("a finally block after os._exit must not run")
"""

# Fails under some schedules; the runs that pass end with os._exit(0).
RACE_THEN_EXIT_0 = """
import os
import time
from concurrent.futures import ThreadPoolExecutor

counter = 0


def add_one():
    global counter
    value = counter
    time.sleep(0)
    counter = value + 1


with ThreadPoolExecutor(max_workers=2) as pool:
    for _ in range(2):
        pool.submit(add_one)
print("counter:", counter, flush=True)
assert counter == 2
os._exit(0)
"""

POOL_EXIT = """
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool


def die(code):
    os._exit(code)


if __name__ == "__main__":
    with ProcessPoolExecutor(max_workers=1) as pool:
        future = pool.submit(die, 3)
        try:
            future.result()
        except BrokenProcessPool as exc:
            print(type(exc).__name__, exc)
        try:
            pool.submit(abs, -1).result()
        except BrokenProcessPool as exc:
            print(type(exc).__name__, exc)
    print("done")
"""


def _script(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def _cli(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simfutures.cli", *argv], capture_output=True,
                          text=True, timeout=120)


def test_os_exit_in_the_script_ends_the_run_with_its_status(tmp_path):
    script = _script(tmp_path, "main_exit.py", MAIN_EXIT)
    done = _cli("run", script)
    assert (done.returncode, done.stdout, done.stderr) == (3, "before\n", "")
    report = json.loads(_cli("explore", script, "--runs", "5", "--json").stdout)
    assert report["runs"] == 5 and report["failures"] == 5
    [outcome] = report["outcomes"]
    assert (outcome["stdout"], outcome["exit_code"], outcome["error"]) == ("before\n", 3, None)


def test_os_exit_0_does_not_end_a_failing_exploration(tmp_path):
    script = _script(tmp_path, "race_exit.py", RACE_THEN_EXIT_0)
    done = _cli("explore", script, "--runs", "100", "--strategy", "random", "--workers", "1")
    assert done.returncode == 1
    assert "AssertionError" in done.stdout
    assert "\nsummary: 100 runs, 2 distinct outcomes, " in done.stdout


def test_os_exit_in_a_process_pool_task_breaks_the_pool_as_the_stdlib_does(tmp_path):
    script = _script(tmp_path, "pool_exit.py", POOL_EXIT)
    real = subprocess.run([sys.executable, script], capture_output=True, text=True,
                          timeout=60)
    simulated = _cli("run", script)
    assert "BrokenProcessPool A process in the process pool was terminated abruptly" \
        in real.stdout
    assert (simulated.stdout, simulated.returncode) == (real.stdout, real.returncode)
    explored = json.loads(_cli("explore", script, "--runs", "20", "--json").stdout)
    assert [o["stdout"] for o in explored["outcomes"]] == [real.stdout]
