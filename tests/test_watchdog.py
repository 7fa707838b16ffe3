"""The real-time watchdog: the last resort for code that never reaches a scheduling point.

Busy loops in the program's own code are caught by the line budget (see
test_line_budget.py); the watchdog is for everything else, here a loop whose
code is not the program's (compiled under a pseudo file name).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from simfutures.sim import Limits, WatchdogError, simulate

# A loop in code that is not the program's: the line budget does not count it.
NOT_PROGRAM_LOOP = 'exec(compile("while True:\\n    pass\\n", "<busy>", "exec"))'


def test_a_busy_loop_outside_the_program_is_caught_by_the_watchdog_and_named():
    def busy() -> None:
        exec(compile("while True:\n    pass\n", "<busy>", "exec"))

    with pytest.raises(WatchdogError) as info:
        simulate(busy, limits=Limits(watchdog_seconds=0.3))
    assert "MainThread" in info.value.report()
    assert "<busy>:" in info.value.report()
    # The simulation is over: the next one works.
    assert simulate(lambda: 42) == 42


def test_after_a_watchdog_stop_a_failing_given_test_still_ends():
    # Clearing a pending async exception left CPython's eval breaker raised for
    # good; the next frame started under a trace function (Hypothesis traces in
    # its explain phase) then spun forever.  In a child: a hang must not hang us.
    script = textwrap.dedent(f"""
        import time
        from concurrent import futures
        from hypothesis import given, settings
        from simfutures.sim import Limits, WatchdogError, simulate
        from simfutures.strategies import schedules

        def busy():
            {NOT_PROGRAM_LOOP}

        try:
            simulate(busy, limits=Limits(watchdog_seconds=0.3))
        except WatchdogError:
            print("watchdog stop")

        def racy():
            box = [0]
            def add():
                value = box[0]
                time.sleep(0)
                box[0] = value + 1
            with futures.ThreadPoolExecutor(2) as pool:
                pool.submit(add)
                pool.submit(add)
            return box[0]

        @settings(database=None, derandomize=True, max_examples=200, deadline=None)
        @given(schedule=schedules())
        def test(schedule):
            assert simulate(racy, schedule=schedule) == 2

        try:
            test()
        except AssertionError:
            print("the given test failed, as it should")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout == "watchdog stop\nthe given test failed, as it should\n", done.stderr


def test_no_program_output_after_a_watchdog_stop(tmp_path):
    # The stopped thread's finally block and the other threads must not run on:
    # the run is over when the watchdog fires.
    script = tmp_path / "busy_finally.py"
    script.write_text(textwrap.dedent(f"""
        import concurrent.futures as cf

        def spin():
            try:
                {NOT_PROGRAM_LOOP}
            finally:
                print("spin: finally")

        with cf.ThreadPoolExecutor(2) as pool:
            future = pool.submit(spin)
            try:
                print("main: waiting")
                future.result()
            finally:
                print("main: finally")
    """))
    done = subprocess.run([sys.executable, "-m", "simfutures.cli", "run", str(script),
                           "--watchdog", "0.5"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 4
    assert done.stdout == ""
    assert "watchdog: thread ThreadPoolExecutor-0_0 stopped reaching scheduling points" \
        in done.stderr


BLOCKING_PROGRAM = """\
import os

reader, writer = os.pipe()
print(os.read(reader, 1))  # nobody writes: a real blocking call
"""


@pytest.mark.parametrize("command", ["run", "explore"])
def test_a_run_stuck_in_a_real_blocking_call_ends_with_a_report(tmp_path, command):
    # A real recv() the simulator cannot interrupt, from the first (race discovery)
    # run on: the command reports where and exits 4, it does not hang, and the report
    # reaches the terminal although the run captured stderr.
    script = tmp_path / "stuck.py"
    script.write_text(BLOCKING_PROGRAM)
    done = subprocess.run([sys.executable, "-m", "simfutures.cli", command, str(script),
                           "--watchdog", "0.5"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "stopped reaching scheduling points" in done.stderr
    assert "stuck.py:4" in done.stderr
