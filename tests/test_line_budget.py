"""Busy loops are stopped by a budget of the program's lines between scheduling points."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from simfutures.sim import simulate
from simfutures.sim.line_budget import BusyLoopError
from simfutures.sim.scheduler import Limits

# Line counting is opt-in (it costs a trace function on every run).
COUNTED = Limits(max_lines=10_000)

BUSY = """
import threading
import time

flag = False


def spin():
    while not flag:
        pass
    print("spin: done")


t = threading.Thread(target=spin)
t.start()
time.sleep(0.1)
print("main: setting the flag")
flag = True
t.join()
"""


def test_twenty_explored_runs_of_a_busy_loop_are_cheap_and_name_the_line(tmp_path):
    script = tmp_path / "busy.py"
    script.write_text(textwrap.dedent(BUSY).lstrip())
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "simfutures.cli", "explore", str(script),
                           "--runs", "20", "--json", "--workers", "1", "--max-lines", "1000000"],
                          capture_output=True, text=True, timeout=300)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu < 30, f"20 busy runs took {cpu:.1f} s of CPU"
    report = json.loads(done.stdout)
    assert report["runs"] == 20
    # The loop line, the same in every run: the stop is deterministic.
    errors = {o["error"] for o in report["outcomes"]}
    assert errors == {f"busy loop: thread Thread-1 (spin) ran 1,000,000 lines without "
                      f"reaching a scheduling point, at {script}:8"}
    assert all(o["exit_code"] == 4 for o in report["outcomes"])
    assert "spin: done" not in done.stdout


def test_a_busy_loop_in_simulate_raises_and_the_next_run_works():

    def busy() -> None:
        flag = []
        while not flag:
            pass

    with pytest.raises(BusyLoopError, match=r"test_line_budget.py:\d+") as info:
        simulate(busy, limits=COUNTED)
    assert "MainThread: ran 10,000 lines without a scheduling point" in info.value.report()
    assert simulate(lambda: 42) == 42


def test_the_budget_restarts_at_every_scheduling_point():

    def polite() -> int:
        total = 0
        for i in range(5_000):  # 15,000 lines in all, a few per stretch
            total += i
            time.sleep(0)
        return total

    def worker_then_main() -> int:
        # One thread's lines do not count against the next thread's.
        t = threading.Thread(target=lambda: sum(1 for _ in range(6_000)))
        t.start()
        count = sum(1 for _ in range(6_000))
        t.join()
        return count

    assert simulate(polite, limits=COUNTED) == sum(range(5_000))
    assert simulate(worker_then_main, seed=3, limits=COUNTED) == 6_000


def test_the_budget_chains_to_a_tracer_installed_before_it():
    seen: list[str] = []

    def previous(frame, event, arg):
        if frame.f_code.co_name == "counted":
            seen.append(event)
            return previous
        return None

    def counted() -> None:
        x = 1
        x += 1

    def busy() -> None:
        counted()
        while True:
            pass

    sys.settrace(previous)
    try:
        with pytest.raises(BusyLoopError):
            simulate(busy, limits=COUNTED)
        assert sys.gettrace() is previous
    finally:
        sys.settrace(None)
    assert seen.count("line") == 2 and seen[0] == "call"
