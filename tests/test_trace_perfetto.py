"""Chrome/Perfetto trace export: valid files with the tracks, slices and flows promised."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from simfutures import events
from simfutures.program import load_program
from simfutures.sim.chooser import chooser_for_seed
from simfutures.trace.chrome_format import validate
from simfutures.trace.perfetto import (
    STEP_US,
    TraceRecorder,
    TraceWriteError,
    check_writable,
    chrome_trace,
)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "examples" / "seeds").glob("*.py"))


def traced(path: Path, seed: int) -> tuple[list[events.Event], dict]:
    recorder = TraceRecorder(process_name=path.name)
    load_program(path).run(chooser_for_seed(seed), observers=[recorder])
    return recorder.events, recorder.to_chrome()


def names(trace: dict, kind: str) -> dict[tuple[int, int], str]:
    return {(e["pid"], e["tid"] if kind == "thread_name" else 0): e["args"]["name"]
            for e in trace["traceEvents"] if e["ph"] == "M" and e["name"] == kind}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("path", SEEDS + [ROOT / "examples" / "race_lost_update.py"],
                         ids=lambda p: getattr(p, "stem", p))
def test_every_example_gives_a_valid_trace(path: Path, seed: int) -> None:
    stream, trace = traced(path, seed)
    assert validate(trace) == []
    assert json.loads(json.dumps(trace)) == trace
    threads = names(trace, "thread_name")
    # One track per thread that did something (process workers' own tracks aside).
    emitting = {e.thread.rpartition("/")[2] for e in stream
                if not isinstance(e, events.Decision | events.WorkerStart | events.WorkerExit)}
    assert emitting <= set(threads.values())


def _x_slices(trace: dict, cat: str) -> list[dict]:
    return [e for e in trace["traceEvents"] if e["ph"] == "X" and e["cat"] == cat]


def test_task_slices_span_start_to_finish_on_the_worker_thread() -> None:
    stream, trace = traced(ROOT / "examples" / "seeds" / "futures_thread_pool_map.py", 0)
    threads = names(trace, "thread_name")
    finishes = {e.future: e for e in stream if isinstance(e, events.Finish)}
    starts = {e.future: e for e in stream if isinstance(e, events.Start)}
    tasks = _x_slices(trace, "task")
    assert sorted(s["args"]["future"] for s in tasks) == sorted(finishes)
    for s in tasks:
        future = s["args"]["future"]
        assert threads[(s["pid"], s["tid"])] == starts[future].thread == finishes[future].thread
        # Virtual durations survive; spreading same-instant events moves ends a little.
        virtual = (finishes[future].time - starts[future].time) * 1e6
        assert abs(s["dur"] - virtual) <= STEP_US * len(stream)
        assert s["ts"] >= starts[future].time * 1e6


def test_instants_for_cancel_timeout_shutdown_and_prints() -> None:
    _, trace = traced(ROOT / "examples" / "seeds" / "futures_future_callback_cancel.py", 0)
    instants = defaultdict(list)
    for e in trace["traceEvents"]:
        if e["ph"] == "i":
            instants[e["cat"]].append(e)
    assert len(instants["cancel"]) == 8
    assert len(instants["shutdown"]) == 1
    assert any(e["args"]["text"] == "main: starting" for e in instants["output"])
    # Cancelled futures never ran: no task slices for them.
    cancelled = {e["args"]["future"] for e in instants["cancel"]}
    assert not cancelled & {s["args"]["future"] for s in _x_slices(trace, "task")}


def test_timeouts_are_instants() -> None:
    stream = [events.Submit(0.0, "MainThread", 1, "slow"),
              events.Start(0.0, "W", 1, "W"),
              events.Timeout(0.2, "MainThread", "result", 0.2),
              events.Finish(1.0, "W", 1, "result", "int")]
    trace = chrome_trace(stream)
    assert validate(trace) == []
    [timeout] = [e for e in trace["traceEvents"] if e.get("cat") == "timeout"]
    assert timeout["ph"] == "i" and timeout["ts"] == pytest.approx(200_000)
    assert timeout["args"]["timeout"] == 0.2


def test_flows_run_from_submit_to_start_to_callback() -> None:
    stream, trace = traced(ROOT / "examples" / "seeds" / "futures_future_callback.py", 0)
    threads = names(trace, "thread_name")
    flow = sorted((e for e in trace["traceEvents"] if e["ph"] in "stf"), key=lambda e: e["ts"])
    assert [e["ph"] for e in flow] == ["s", "t", "f"]
    submit = next(e for e in stream if isinstance(e, events.Submit))
    start = next(e for e in stream if isinstance(e, events.Start))
    callback = next(e for e in stream if isinstance(e, events.Callback))
    assert [threads[(e["pid"], e["tid"])] for e in flow] == [
        submit.thread, start.thread, callback.thread]
    assert {e["id"] for e in flow} == {submit.future}


def test_process_workers_get_their_own_processes() -> None:
    stream, trace = traced(ROOT / "examples" / "seeds" / "futures_process_pool_broken.py", 0)
    processes = names(trace, "process_name")
    workers = [e for e in stream if isinstance(e, events.WorkerStart) and e.kind == "process"]
    assert workers
    for w in workers:
        [(pid, _)] = [k for k, v in processes.items() if v == f"{w.worker} (pid {w.pid})"]
        [life] = [e for e in _x_slices(trace, "worker") if e["pid"] == pid]
        exits = [e for e in stream if isinstance(e, events.WorkerExit) and e.pid == w.pid]
        assert life["args"]["exitcode"] == (exits[0].exitcode if exits else None)
    # The pool's calls are drawn on its own tracks, not on a worker thread.
    assert any(v.startswith("ProcessPoolExecutor-0 calls") for v in names(
        trace, "thread_name").values())


def test_same_instant_events_keep_their_order() -> None:
    stream = [events.Output(0.0, "T", str(i)) for i in range(5)]
    stamps = [e["ts"] for e in chrome_trace(stream)["traceEvents"] if e["ph"] == "i"]
    assert stamps == [i * STEP_US for i in range(5)]


def test_unfinished_tasks_and_workers_end_with_the_trace() -> None:
    stream = [events.WorkerStart(0.0, "MainThread", "P_0", "process", 4001),
              events.Submit(0.0, "MainThread", 1, "forever"),
              events.Start(0.0, "W", 1, "W"),
              events.Output(2.0, "MainThread", "giving up")]
    trace = chrome_trace(stream)
    assert validate(trace) == []
    [task] = _x_slices(trace, "task")
    assert task["args"]["outcome"] == "did not finish"
    assert task["ts"] + task["dur"] > 2_000_000
    [life] = _x_slices(trace, "worker")
    assert life["args"]["exitcode"] is None


def test_recorder_writes_the_file(tmp_path: Path) -> None:
    recorder = TraceRecorder()
    load_program(ROOT / "examples" / "race_lost_update.py").run(
        chooser_for_seed(2), observers=[recorder])
    out = tmp_path / "race.json"
    recorder.write(out)
    assert validate(json.loads(out.read_text())) == []


def test_check_writable_names_the_problem(tmp_path: Path) -> None:
    check_writable(tmp_path / "fresh.json")
    assert not (tmp_path / "fresh.json").exists()  # the check leaves nothing behind
    with pytest.raises(TraceWriteError, match="is a directory"):
        check_writable(tmp_path)
    with pytest.raises(TraceWriteError, match="no such directory"):
        check_writable(tmp_path / "missing" / "t.json")
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(TraceWriteError, match="cannot write trace to"):
                check_writable(locked / "t.json")
        finally:
            locked.chmod(0o700)


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "simfutures.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_run_trace_option_writes_a_valid_trace(tmp_path: Path) -> None:
    out = tmp_path / "race.json"
    done = _cli("run", "examples/race_lost_update.py", "--strategy", "random", "--seed", "2",
                "--trace", str(out))
    assert done.returncode in (0, 1), done.stderr  # the race is lost under some seeds
    trace = json.loads(out.read_text())
    assert validate(trace) == []
    texts = [e["args"]["text"] for e in trace["traceEvents"] if e.get("cat") == "output"]
    assert texts == done.stdout.splitlines()


def test_run_with_an_unwritable_trace_path_is_a_one_line_error(tmp_path: Path) -> None:
    done = _cli("run", "examples/race_lost_update.py", "--trace",
                str(tmp_path / "no" / "such" / "dir.json"))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "cannot write trace to" in done.stderr and "no such directory" in done.stderr
    assert done.stdout == ""  # nothing ran


def test_a_seed_gives_the_same_trace_every_time() -> None:
    path = ROOT / "examples" / "seeds" / "futures_process_pool_map.py"
    traces = {json.dumps(traced(path, 5)[1], sort_keys=True) for _ in range(5)}
    assert len(traces) == 1
