"""``simfutures compare`` end to end: verdicts, exit codes, traces and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from simfutures.trace.chrome_format import validate

ROOT = Path(__file__).resolve().parent.parent


def compare(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "simfutures.cli", "compare", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "prog.py"
    path.write_text(textwrap.dedent(body))
    return str(path)


def test_matching_worlds_exit_0_and_name_a_seed() -> None:
    done = compare("examples/seeds/futures_process_pool_map.py", "--real-runs", "2",
                   "--sim-runs", "300")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verdict: OK" in done.stdout
    assert "in process PID1" in done.stdout  # pids normalised by first appearance
    assert ("replay: simfutures run examples/seeds/futures_process_pool_map.py --strategy "
            "random --seed") in done.stdout


def test_output_that_depends_on_the_clock_is_a_mismatch_with_a_note(tmp_path: Path) -> None:
    prog = script(tmp_path, """
        import time
        print("started at", time.perf_counter())
    """)
    done = compare(prog, "--real-runs", "2", "--sim-runs", "3")
    assert done.returncode == 1
    assert "verdict: MISMATCH" in done.stdout
    assert "something other than scheduling" in done.stdout
    assert done.stderr == ""


def test_a_real_hang_matches_a_simulated_deadlock(tmp_path: Path) -> None:
    prog = script(tmp_path, """
        import threading
        lock = threading.Lock()
        print("locking twice")
        lock.acquire()
        lock.acquire()
    """)
    trace = tmp_path / "hang.json"
    done = compare(prog, "--real-runs", "1", "--sim-runs", "2", "--timeout", "0.5",
                   "--trace", str(trace))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "locking twice\n    [hangs]" in done.stdout
    assert "killed" in done.stdout  # the note on what a timed-out run means
    # A killed run writes no trace: the report says so instead of failing.
    assert "no trace written" in done.stdout and not trace.exists()


def test_trace_of_a_real_run(tmp_path: Path) -> None:
    out = tmp_path / "real.json"
    done = compare("examples/seeds/futures_future_callback.py", "--real-runs", "1",
                   "--sim-runs", "2", "--trace", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    trace = json.loads(out.read_text())
    assert validate(trace) == []
    processes = [e["args"]["name"] for e in trace["traceEvents"] if e["name"] == "process_name"]
    assert processes == ["futures_future_callback.py (real)"]
    cats = {e.get("cat") for e in trace["traceEvents"]}
    assert {"submit", "task", "callback", "output"} <= cats


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    cases = [
        (["examples/race_lost_update.py", "--real-runs", "0"], "--real-runs must be at least 1"),
        (["examples/race_lost_update.py", "--sim-runs", "0"], "--sim-runs must be at least 1"),
        (["examples/race_lost_update.py", "--timeout", "0"], "--timeout must be"),
        (["examples/race_lost_update.py", "--timeout", "inf"], "--timeout must be"),
        (["examples/race_lost_update.py", "--timeout", "nan"], "--timeout must be"),
        (["examples/race_lost_update.py", "--trace", str(tmp_path)], "is a directory"),
        (["examples/race_lost_update.py", "--trace", str(tmp_path / "a" / "b.json")],
         "no such directory"),
        ([str(tmp_path / "missing.py")], "no such file"),
        ([script(tmp_path, "def broken(:\n")], "syntax error"),
        (["scenarios/cancel_window.yaml"], "cannot be run for real"),
    ]
    for args, message in cases:
        done = compare(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith("simfutures compare: error: "), done.stderr
        assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
        assert done.stdout == ""
