"""What ``simfutures run FILE.yaml`` and the stop reports say: the scenario's own
names (handles, tasks, steps by their YAML lines), never simfutures' internals."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from simfutures.cli import main

CANCEL = """\
simfutures: 1
name: cancel the queued one
executor: {kind: thread, max_workers: 1}
tasks:
  work: {duration: 0.1, returns: done}
  parse: {raises: {type: ValueError, message: not a number}}
steps:
  - submit: {task: work, as: a}
  - submit: {task: work, as: b}
  - cancel: {handle: b, as: cancelled}
  - submit: {task: parse, as: p}
  - result: {handle: p, as: r}
"""

# The task waits for an event nobody sets: the result step waits forever.
STUCK = """\
simfutures: 1
name: waits for a gate nobody opens
executor: {kind: thread, max_workers: 2}
tasks:
  gated: {wait_event: go}
  quick: {duration: 0.1}
steps:
  - submit: {task: quick, as: q}
  - submit: {task: gated, as: a}
  - result: {handle: a, as: r}
  - set_event: go
"""

LONG = """\
simfutures: 1
name: a very long task
executor: {kind: thread, max_workers: 1}
tasks:
  slow: {duration: {min: 1, max: 5000}}
steps:
  - submit: {task: slow, as: a}
"""


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def scenario(tmp_path: Path, text: str) -> str:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return str(path)


def test_run_shows_handles_tasks_and_step_results_by_name(tmp_path):
    code, out, err = cli("run", scenario(tmp_path, CANCEL))
    assert (code, err) == (0, "")
    lines = [line.split(None, 1)[1] if line.startswith(" ") else line
             for line in out.splitlines()]
    assert "MainThread              submit a (task work)" in out
    assert "MainThread              cancel b" in out
    assert any(line.endswith("start a") for line in lines)
    assert any(line.endswith("finish a: returned 'done'") for line in lines)
    assert any(line.endswith("finish p: raised ValueError: not a number") for line in lines)
    assert "line 10: - cancel: {handle: b, as: cancelled}  -> cancelled = true" in out
    assert "line 12: - result: {handle: p, as: r}  -> r raised ValueError: not a number" in out
    assert "after the last step: a finished, b cancelled, p finished" in out
    assert "outcomes: a = 'done', b raised CancelledError, p raised ValueError: not a number" \
        in out
    for internal in ("#1", "#2", "partial(", "TaskReport", "callback"):
        assert internal not in out


def test_a_deadlock_points_at_the_yaml_step_and_task_lines(tmp_path):
    path = scenario(tmp_path, STUCK)
    code, out, err = cli("run", path)
    assert code == 4
    assert err.splitlines() == [
        "deadlock: every thread is waiting and no timer is pending",
        "  MainThread: waiting for a future (result(), exception() or a map/as_completed "
        f"step) at {path}:10 in step result: {{handle: a, as: r}}",
        "  ThreadPoolExecutor-0_0: SimpleQueue.get() inside the executor",
        f"  ThreadPoolExecutor-0_1: Event.wait() at {path}:5 in task gated for a",
    ]


def test_check_shows_the_same_stop_report(tmp_path):
    path = scenario(tmp_path, STUCK)
    code, out, _ = cli("check", path, "--runs", "2")
    assert code == 1
    assert f"at {path}:10 in step result: {{handle: a, as: r}}" in out
    assert f"at {path}:5 in task gated for a" in out
    assert "simfutures/" not in out


@pytest.mark.parametrize("command", [["run"], ["check"], ["explore", "--runs", "3"]])
def test_a_duration_beyond_max_time_is_refused_before_running(tmp_path, command):
    path = scenario(tmp_path, LONG)
    code, out, err = cli(*command, path, "--max-time", "60")
    assert (code, out) == (2, "")
    assert err.endswith(
        f"error: {path}:5:20: the duration of task 'slow' (its max) (5000 s) is beyond the "
        "virtual time limit of 60 s (--max-time): every run would stop before it ends; "
        "raise --max-time or shorten it\n")
    assert "claims hold" not in out


def test_a_sleep_step_beyond_max_time_is_refused(tmp_path):
    path = scenario(tmp_path, LONG.replace("max: 5000", "max: 2").replace(
        "  - submit: {task: slow, as: a}", "  - sleep: 90"))
    code, _, err = cli("run", path, "--max-time", "60")
    assert code == 2
    assert f"{path}:7:5: this sleep (90 s) is beyond the virtual time limit of 60 s" in err


def test_a_duration_within_max_time_runs(tmp_path):
    code, _, err = cli("run", scenario(tmp_path, LONG), "--max-time", "6000")
    assert (code, err) == (0, "")
